//! Idempotency records for case creation: who claimed a key, and the case a completed request
//! made, for a day. In this process ([`memory::InMemoryIdempotency`]) or in Redis
//! ([`redis::RedisIdempotency`]), where a claim expires by itself after a minute so a crashed instance
//! never blocks a key for long. The rules that use them are `crate::services::idempotency`.

pub mod memory;
pub mod redis;

use std::time::Duration;

use async_trait::async_trait;

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
