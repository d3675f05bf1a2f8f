//! What the cache keeps: one value of any cached read, when it was fetched, how long it stays.

use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::Expiry;
use serde::{Deserialize, Serialize};

use super::lease::Ttl;
use crate::clock::unix_millis;
use crate::domain::paging::Page;
use crate::salesforce::remote::Landing;
use crate::salesforce::{
    Account, AttachmentRecord, CaseRecord, CommentRecord, Contact, DocumentRecord,
};

/// One cached read: which resource (for metrics and logs), under which key, fresh how long.
pub(super) struct Lookup {
    pub(super) resource: &'static str,
    pub(super) key: String,
    pub(super) ttl: Ttl,
}

/// A cached value of any resource. One enum rather than a cache per type, so that entries of
/// every resource share one capacity and one eviction order.
#[derive(Clone, Serialize, Deserialize)]
pub(super) enum Value {
    Account(Option<Account>),
    Contact(Option<Contact>),
    Cases(Page<CaseRecord>),
    Case(Option<CaseRecord>),
    Documents(Page<DocumentRecord>),
    Document(Option<DocumentRecord>),
    Landing(Landing),
    Comments(Vec<CommentRecord>),
    Attachments(Page<AttachmentRecord>),
    Attachment(Option<AttachmentRecord>),
}

/// A type the cache keeps as one [`Value`] variant.
pub(super) trait Cacheable: Sized {
    fn wrap(self) -> Value;
    /// The value, if the entry holds this type (a key names one resource, so it always does).
    fn unwrap(value: &Value) -> Option<Self>;
}

macro_rules! cacheable {
    ($($variant:ident: $ty:ty),* $(,)?) => {$(
        impl Cacheable for $ty {
            fn wrap(self) -> Value {
                Value::$variant(self)
            }

            fn unwrap(value: &Value) -> Option<Self> {
                match value {
                    Value::$variant(v) => Some(v.clone()),
                    _ => None,
                }
            }
        }
    )*};
}

cacheable! {
    Account: Option<Account>,
    Contact: Option<Contact>,
    Cases: Page<CaseRecord>,
    Case: Option<CaseRecord>,
    Documents: Page<DocumentRecord>,
    Comments: Vec<CommentRecord>,
    Document: Option<DocumentRecord>,
    Landing: Landing,
    Attachments: Page<AttachmentRecord>,
    Attachment: Option<AttachmentRecord>,
}

#[derive(Clone)]
pub(super) struct Entry {
    pub(super) value: Value,
    pub(super) fetched: Instant,
    /// Unix milliseconds, for comparing with change polls.
    pub(super) fetched_ms: i64,
    /// How long the in-process cache keeps it: its TTL, or longer when change polls may keep
    /// it fresh (freshness itself is judged on every read).
    pub(super) keep: Duration,
}

impl Entry {
    pub(super) fn new(value: Value, keep: Duration) -> Arc<Self> {
        Arc::new(Self {
            value,
            fetched: Instant::now(),
            fetched_ms: unix_millis(),
            keep,
        })
    }
}

/// An entry as stored in Redis: the value and when it was fetched (Unix milliseconds), so
/// every instance judges its freshness the same way.
#[derive(Serialize, Deserialize)]
pub(super) struct SharedEntry {
    pub(super) value: Value,
    pub(super) fetched_ms: i64,
}

impl SharedEntry {
    pub(super) fn age(&self) -> Duration {
        Duration::from_millis(u64::try_from(unix_millis() - self.fetched_ms).unwrap_or(0))
    }
}

/// Each entry expires from the in-process cache after its own `keep`.
pub(super) struct KeepFor;

impl Expiry<String, Arc<Entry>> for KeepFor {
    fn expire_after_create(&self, _: &String, entry: &Arc<Entry>, _: Instant) -> Option<Duration> {
        Some(entry.keep)
    }

    fn expire_after_update(
        &self,
        _: &String,
        entry: &Arc<Entry>,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.keep)
    }
}
