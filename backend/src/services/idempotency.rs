//! `Idempotency-Key` handling for case creation.
//!
//! The first request with a key claims it; a second one while the first runs gets 409, one after
//! it gets the same response again (or 422 if its body differs). Records live for a day.
//! Duplicates are also prevented one layer down: the case is created by upsert on an external id
//! derived from the key, so even after a restart, when these records are gone, a retry returns
//! the case it already made.
//!
//! The records live behind [`IdempotencyStore`]: in this process ([`InMemoryIdempotency`]) or in
//! Redis (`shared_state::redis::RedisIdempotency`), where a claim expires by itself after a
//! minute so a crashed instance never blocks a key for long.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::salesforce::CaseRecord;
use crate::shared_state::StoreResult;

/// How long a completed request is remembered.
pub const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// What a store found for a key.
pub enum Started {
    /// The key is now ours; `token` identifies this claim for [`IdempotencyStore::release`].
    Claimed {
        token: String,
    },
    /// Done before with the same body: answer with this case again.
    Replay(Box<CaseRecord>),
    InFlight,
    Mismatch,
}

/// Idempotency records, wherever they live. Keys are already scoped to the customer.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for a request with this body `fingerprint`, or says why not.
    async fn begin(&self, key: &str, fingerprint: [u8; 32]) -> StoreResult<Started>;

    /// Records the request's result for [`RETENTION`].
    async fn complete(
        &self,
        key: &str,
        fingerprint: [u8; 32],
        case: &CaseRecord,
    ) -> StoreResult<()>;

    /// Frees an uncompleted claim (still ours), so a retry may run. Called from `Drop`: it must
    /// not block, and may finish in the background.
    fn release(&self, key: &str, fingerprint: [u8; 32], token: &str);
}

pub enum Begin {
    /// The key is ours: do the work, then complete the claim.
    Proceed(Claim),
    /// Done before with the same body: answer with this case again.
    Replay(Box<CaseRecord>),
    InFlight,
    Mismatch,
}

/// Claims `key` in `store`; a successful claim is released again unless completed.
pub async fn begin(
    store: &Arc<dyn IdempotencyStore>,
    key: String,
    fingerprint: [u8; 32],
) -> StoreResult<Begin> {
    Ok(match store.begin(&key, fingerprint).await? {
        Started::Claimed { token } => Begin::Proceed(Claim {
            store: Arc::clone(store),
            key,
            fingerprint,
            token,
            done: false,
        }),
        Started::Replay(case) => Begin::Replay(case),
        Started::InFlight => Begin::InFlight,
        Started::Mismatch => Begin::Mismatch,
    })
}

/// A claimed key. Dropped without [`Claim::complete`] (an error, or the client went away) it
/// frees the key, so the retry is free to run; the upsert keeps that retry from duplicating.
pub struct Claim {
    store: Arc<dyn IdempotencyStore>,
    key: String,
    fingerprint: [u8; 32],
    token: String,
    done: bool,
}

impl Claim {
    pub async fn complete(mut self, case: &CaseRecord) -> StoreResult<()> {
        let result = self.store.complete(&self.key, self.fingerprint, case).await;
        // Completed or not, the case exists: a retry replays it (from the record, or from the
        // upsert on the external id once the claim is released or expired).
        self.done = result.is_ok();
        result
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if !self.done {
            self.store.release(&self.key, self.fingerprint, &self.token);
        }
    }
}

enum Slot {
    InFlight {
        fingerprint: [u8; 32],
        token: String,
    },
    Done {
        fingerprint: [u8; 32],
        case: Box<CaseRecord>,
        expires: Instant,
    },
}

/// [`IdempotencyStore`] in this process: correct for a single instance.
#[derive(Default)]
pub struct InMemoryIdempotency {
    slots: Mutex<HashMap<String, Slot>>,
    /// Expired records are swept at most once a minute, not on every create.
    next_sweep: Mutex<Option<Instant>>,
}

#[async_trait]
impl IdempotencyStore for InMemoryIdempotency {
    async fn begin(&self, key: &str, fingerprint: [u8; 32]) -> StoreResult<Started> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let sweep = {
            let mut next = self.next_sweep.lock().unwrap_or_else(|p| p.into_inner());
            match *next {
                Some(at) if at > now => false,
                _ => {
                    *next = Some(now + std::time::Duration::from_secs(60));
                    true
                }
            }
        };
        if sweep {
            slots.retain(|_, slot| !matches!(slot, Slot::Done { expires, .. } if *expires <= now));
        }
        Ok(match slots.get(key) {
            Some(Slot::InFlight {
                fingerprint: fp, ..
            }) if *fp == fingerprint => Started::InFlight,
            Some(Slot::InFlight { .. }) => Started::Mismatch,
            Some(Slot::Done {
                fingerprint: fp,
                case,
                expires,
            }) if *expires > now => {
                if *fp == fingerprint {
                    Started::Replay(case.clone())
                } else {
                    Started::Mismatch
                }
            }
            _ => {
                let token = uuid::Uuid::new_v4().to_string();
                slots.insert(
                    key.to_owned(),
                    Slot::InFlight {
                        fingerprint,
                        token: token.clone(),
                    },
                );
                Started::Claimed { token }
            }
        })
    }

    async fn complete(
        &self,
        key: &str,
        fingerprint: [u8; 32],
        case: &CaseRecord,
    ) -> StoreResult<()> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.insert(
            key.to_owned(),
            Slot::Done {
                fingerprint,
                case: Box::new(case.clone()),
                expires: Instant::now() + RETENTION,
            },
        );
        Ok(())
    }

    fn release(&self, key: &str, _fingerprint: [u8; 32], token: &str) {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(slots.get(key), Some(Slot::InFlight { token: t, .. }) if t == token) {
            slots.remove(key);
        }
    }
}
