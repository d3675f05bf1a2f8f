//! `Idempotency-Key` handling for case creation.
//!
//! Keys are the contact's own: two people of one customer who happen to send the same key make
//! two cases (the key is scoped by account and contact before it is stored or hashed into the
//! external id). The first request with a key claims it; a second one while the first runs gets 409, one after
//! it gets the same response again (or 422 if its body differs). Records live for a day, in the
//! shared state ([`IdempotencyStore`]). Duplicates are also prevented one layer down: the case is
//! created by upsert on an external id derived from the key, so even after a restart, when these
//! records are gone, a retry returns the case it already made.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::auth::Session;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::salesforce::CaseRecord;
use crate::shared_state::StoreResult;
use crate::shared_state::idempotency::{Fingerprint, IdempotencyStore, Started};

/// The longest `Idempotency-Key` accepted.
pub const KEY_MAX_CHARS: usize = 255;
/// What an `Idempotency-Key` is made of, as the OpenAPI document says it: visible ASCII.
pub const KEY_PATTERN: &str = "^[\\u0021-\\u007E]+$";

/// Whether `key` is an `Idempotency-Key` the portal takes: 1 to [`KEY_MAX_CHARS`] visible ASCII
/// characters ([`KEY_PATTERN`]).
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= KEY_MAX_CHARS && key.bytes().all(|b| b.is_ascii_graphic())
}

/// What a client whose `Idempotency-Key` is not [`valid_key`] is told.
const INVALID_KEY: &str = "Use 1 to 255 visible ASCII characters, for example a UUID.";

/// The 422 that refuses an `Idempotency-Key`, saying `message`.
pub fn key_error(message: &str) -> ApiError {
    ApiError::Validation(vec![FieldError::new("Idempotency-Key", message)])
}

/// An optional `Idempotency-Key` as sent: none, or one that is [`valid_key`] (else 422).
pub fn optional_key(key: Option<&str>) -> ApiResult<Option<&str>> {
    match key {
        Some(k) if !valid_key(k) => Err(key_error(INVALID_KEY)),
        other => Ok(other),
    }
}

/// A required `Idempotency-Key`: one that is [`valid_key`]; `missing` tells a client who sent
/// none why it is needed.
pub fn required_key<'k>(key: Option<&'k str>, missing: &str) -> ApiResult<&'k str> {
    optional_key(key)?.ok_or_else(|| key_error(missing))
}

/// An `Idempotency-Key` as stored: scoped to the session's account and contact (`rest` is the
/// key, after any namespace of the operation), so two people of one customer never share one.
pub fn scoped_key(session: &Session, rest: &str) -> String {
    format!("{}:{}:{rest}", session.account_id, session.contact_id)
}

/// The first `hex_digits` (an even number) hexadecimal digits of the SHA-256 of a scoped key:
/// what adapters find a keyed write by again (an external id, an upload id, a comment's
/// reference), saying nothing of the key itself.
pub fn key_digest(scoped_key: &str, hex_digits: usize) -> String {
    Sha256::digest(scoped_key.as_bytes())
        .iter()
        .take(hex_digits / 2)
        .map(|b| format!("{b:02x}"))
        .collect()
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
    fingerprint: Fingerprint,
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

/// A claimed key, to be completed with the case it made or released when the request failed
/// (awaited, so the client's retry finds the key free, not "in flight"). Dropped without
/// either (the client went away mid-request) it frees the key in the background; the upsert
/// on the external id keeps a retry from duplicating whatever the request did.
pub struct Claim {
    store: Arc<dyn IdempotencyStore>,
    key: String,
    fingerprint: Fingerprint,
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

    /// Frees the key of a request that made nothing, before its failure is answered. If the
    /// store cannot be reached, the claim expires by itself (Redis) and the retry meanwhile
    /// hears "in flight, retry shortly".
    pub async fn release(mut self) {
        self.done = true;
        if let Err(err) = self
            .store
            .release(&self.key, self.fingerprint, &self.token)
            .await
        {
            tracing::warn!(error = %err, "could not release an idempotency claim; it expires by itself");
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let (store, key, token) = (
            Arc::clone(&self.store),
            std::mem::take(&mut self.key),
            std::mem::take(&mut self.token),
        );
        let fingerprint = self.fingerprint;
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(err) = store.release(&key, fingerprint, &token).await {
                    tracing::warn!(error = %err, "could not release an idempotency claim; it expires by itself");
                }
            });
        }
    }
}
