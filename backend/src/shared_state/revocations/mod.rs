//! Revoked sessions (signed out before their tokens expire): in this process
//! ([`memory::InMemoryRevocations`]) or in Redis ([`redis::RedisRevocations`]).

pub mod memory;
pub mod redis;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreResult;

/// Revoked sessions, wherever they are kept.
#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// Revokes `session_id`; it needs remembering only `until` the session's maximum expiry.
    async fn revoke(&self, session_id: &str, until: DateTime<Utc>) -> StoreResult<()>;

    async fn is_revoked(&self, session_id: &str) -> StoreResult<bool>;
}
