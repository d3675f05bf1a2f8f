//! Idempotency records for case creation: who claimed a key, and the case a completed request
//! made, for a day. In this process ([`memory::InMemoryIdempotency`]) or in Redis
//! ([`redis::RedisIdempotency`]), where a claim expires by itself after a minute so a crashed instance
//! never blocks a key for long. The rules that use them are `crate::services::idempotency`.

pub mod memory;
pub mod redis;

use std::time::Duration;

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use super::error::StoreResult;
use crate::salesforce::CaseRecord;

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

/// What identifies a request's body: the SHA-256 of its parts, each prefixed with its length
/// (so that `("ab", "c")` and `("a", "bc")` differ). A key reused with another body is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    pub fn of(parts: &[&str]) -> Self {
        let mut hash = Sha256::new();
        for part in parts {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        Self(hash.finalize().into())
    }

    /// Lower-case hexadecimal, as stored in Redis.
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Idempotency records, wherever they live. Keys are already scoped to the customer's contact.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for a request with this `body`, or says why not.
    async fn begin(&self, key: &str, body: Fingerprint) -> StoreResult<Started>;

    /// Records the request's result for [`RETENTION`].
    async fn complete(&self, key: &str, body: Fingerprint, case: &CaseRecord) -> StoreResult<()>;

    /// Frees an uncompleted claim (still ours), so a retry may run. A claim that is never
    /// released (the instance crashed) expires by itself in Redis.
    async fn release(&self, key: &str, body: Fingerprint, token: &str) -> StoreResult<()>;
}
