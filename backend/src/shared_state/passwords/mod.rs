//! Password self-service's state (issue 14, decision 032): passwords customers set, which
//! override the read-only local accounts file, and pending reset tokens. In a file of the
//! data directory (one instance; [`file::FilePasswords`]) or in Redis ([`redis::RedisPasswords`])
//! so that a link mailed by one instance works at another.
//!
//! A reset token itself is never stored: only its SHA-256 digest (hex), so a copy of the store
//! gives no one a working link.

pub mod file;
pub mod redis;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::StoreResult;

/// A pending reset: whose password, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetGrant {
    /// The sign-in's normalised email (the local account's key).
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait PasswordStore: Send + Sync {
    /// The argon2id hash a customer set for `email`, if they set one.
    async fn password_hash(&self, email: &str) -> StoreResult<Option<String>>;

    /// Stores the hash a customer set for `email`, durably, before returning.
    async fn set_password_hash(&self, email: &str, hash: &str) -> StoreResult<()>;

    /// Remembers a reset token by its digest until `grant.expires_at`.
    async fn put_reset(&self, digest: &str, grant: &ResetGrant) -> StoreResult<()>;

    /// The grant of a token digest, removed as it is read: a token works once. Expired grants
    /// are `None`.
    async fn take_reset(&self, digest: &str) -> StoreResult<Option<ResetGrant>>;
}
