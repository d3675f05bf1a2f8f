//! Which export a customer's Idempotency-Key started (issue 16): a retried `POST …/exports`
//! answers with the export the first attempt started. In this process
//! ([`memory::InMemoryExportKeys`]) or in Redis ([`redis::RedisExportKeys`], `SET NX PX`), so a
//! retry that reaches another instance finds it too. Keys are already scoped to the contact.

pub mod memory;
pub mod redis;

use std::time::Duration;

use async_trait::async_trait;

use super::error::StoreResult;

#[async_trait]
pub trait ExportKeys: Send + Sync {
    /// The export `key` started, if any.
    async fn get(&self, key: &str) -> StoreResult<Option<String>>;

    /// Records `export` for `key` for `ttl` unless the key has one already; returns the export
    /// that stands for the key (the earlier one when another request got there first).
    async fn claim(&self, key: &str, export: &str, ttl: Duration) -> StoreResult<String>;
}
