//! Revoked sessions: one session signed out before its token expires, or every session of a
//! contact signed in before a moment (an operator's `portal revoke-sessions --contact`). In
//! this process ([`memory::InMemoryRevocations`], the contact revocations in a file of the
//! data directory so the command reaches the running server) or in Redis
//! ([`redis::RedisRevocations`]).

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

    /// Revokes every session of `contact_id` signed in at or before `at`; remembered `until`
    /// the last of them would have reached its maximum age.
    async fn revoke_contact(
        &self,
        contact_id: &str,
        at: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The moment up to which `contact_id`'s sessions are revoked, if they are.
    async fn contact_revoked_at(&self, contact_id: &str) -> StoreResult<Option<DateTime<Utc>>>;
}
