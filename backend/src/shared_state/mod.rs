//! State that must be shared by every instance of the portal: rate limits and sign-in
//! throttles, idempotency records, revoked sessions and pending OpenID Connect sign-ins.
//!
//! Each kind has its own module: a small trait ([`RateLimitStore`], [`IdempotencyStore`],
//! [`RevocationStore`], [`PendingSignIns`]) beside its two implementations, in-process
//! (`memory.rs`: one instance, the default) and Redis (`redis.rs`, on the shared connection in
//! [`redis`]: `redis_url`), so any instance can serve any request. The choice is made once, at
//! start-up ([`SharedState::build`]).
//!
//! A Redis failure is never skipped: the operation returns a [`StoreError`], which the services
//! turn into 503 with `Retry-After` (fail closed).

pub mod error;
pub mod export_keys;
pub mod idempotency;
pub mod notification_claims;
pub mod passwords;
pub mod pending_sign_ins;
pub mod rate_limit;
pub mod redis;
pub mod revocations;

use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use idempotency::IdempotencyStore;
use idempotency::memory::InMemoryIdempotency;
use idempotency::redis::RedisIdempotency;
use pending_sign_ins::memory::InMemoryPendingSignIns;
use pending_sign_ins::redis::RedisPendingSignIns;
use pending_sign_ins::{PendingLimits, PendingSignIns};
use rate_limit::memory::InMemoryRateLimit;
use rate_limit::redis::RedisRateLimit;
use rate_limit::{Policy, RateLimitStore};
use revocations::RevocationStore;
use revocations::memory::InMemoryRevocations;
use revocations::redis::RedisRevocations;

pub use self::error::{StoreError, StoreResult};
pub use self::redis::Redis;

/// Where the shared state lives, chosen once at start-up.
#[derive(Clone)]
pub enum SharedState {
    /// In this process: correct for one instance only.
    InMemory,
    /// In Redis, shared by every instance.
    Redis(Redis),
}

impl SharedState {
    /// Redis when `redis_url` is configured, otherwise in-process. Does not wait for Redis:
    /// the portal starts while it is down, `/readyz` says so, and requests that need it get
    /// 503 until it is back.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        match &config.redis_url {
            Some(url) => {
                let redis = Redis::connect(url.expose(), &config.redis_prefix)?;
                match tokio::time::timeout(Duration::from_secs(2), redis.ping()).await {
                    Ok(Ok(())) => {
                        tracing::info!(prefix = %config.redis_prefix, "shared state in redis")
                    }
                    Ok(Err(err)) => {
                        tracing::warn!(error = %err, "redis is not reachable yet; requests that need it get 503");
                    }
                    Err(_) => {
                        tracing::warn!(
                            "redis did not answer in time; requests that need it get 503"
                        );
                    }
                }
                Ok(Self::Redis(redis))
            }
            None => Ok(Self::InMemory),
        }
    }

    pub fn redis(&self) -> Option<&Redis> {
        match self {
            Self::InMemory => None,
            Self::Redis(redis) => Some(redis),
        }
    }

    /// A keyed GCRA rate limit for `policy`.
    pub fn rate_limit(&self, policy: Policy) -> Arc<dyn RateLimitStore> {
        match self {
            Self::InMemory => Arc::new(InMemoryRateLimit::new(policy)),
            Self::Redis(redis) => Arc::new(RedisRateLimit::new(redis.clone(), policy)),
        }
    }

    /// Which export each Idempotency-Key started (issue 16).
    pub fn export_keys(&self) -> Arc<dyn export_keys::ExportKeys> {
        match self {
            Self::InMemory => Arc::new(export_keys::memory::InMemoryExportKeys::default()),
            Self::Redis(redis) => Arc::new(export_keys::redis::RedisExportKeys::new(redis.clone())),
        }
    }

    pub fn idempotency(&self) -> Arc<dyn IdempotencyStore> {
        match self {
            Self::InMemory => Arc::new(InMemoryIdempotency::default()),
            Self::Redis(redis) => Arc::new(RedisIdempotency::new(redis.clone())),
        }
    }

    /// In memory, contact revocations are kept in a file of `data_dir` (see
    /// [`InMemoryRevocations`]).
    pub fn revocations(&self, data_dir: &std::path::Path) -> Arc<dyn RevocationStore> {
        match self {
            Self::InMemory => Arc::new(InMemoryRevocations::new(data_dir)),
            Self::Redis(redis) => Arc::new(RedisRevocations::new(redis.clone())),
        }
    }

    /// Passwords customers set and pending reset tokens (issue 14): in memory, in
    /// `<data_dir>/passwords.jsonl` (see [`passwords::file::FilePasswords`]).
    pub fn passwords(
        &self,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Arc<dyn passwords::PasswordStore>> {
        Ok(match self {
            Self::InMemory => Arc::new(passwords::file::FilePasswords::open(data_dir)?),
            Self::Redis(redis) => Arc::new(passwords::redis::RedisPasswords::new(redis.clone())),
        })
    }

    pub fn pending_sign_ins(&self, limits: PendingLimits) -> Arc<dyn PendingSignIns> {
        match self {
            Self::InMemory => Arc::new(InMemoryPendingSignIns::new(limits)),
            Self::Redis(redis) => Arc::new(RedisPendingSignIns::new(redis.clone(), limits)),
        }
    }
}
