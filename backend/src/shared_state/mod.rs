//! State that must be shared by every instance of the portal: rate limits and sign-in
//! throttles, idempotency records, revoked sessions and pending OpenID Connect sign-ins.
//!
//! Each kind sits behind a small trait ([`RateLimitStore`], [`IdempotencyStore`],
//! [`RevocationStore`], [`PendingSignIns`]) with two implementations: in-process (one instance,
//! the default) and Redis (`redis_url`), so any instance can serve any request. The choice is
//! made here, once, at start-up ([`SharedState::build`]).
//!
//! A Redis failure is never skipped: the operation returns a [`StoreError`], which the services
//! turn into 503 with `Retry-After` (fail closed).

pub mod redis;

use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::error::ApiError;
use crate::services::auth::{InMemoryRevocations, RevocationStore};
use crate::services::idempotency::{IdempotencyStore, InMemoryIdempotency};
use crate::services::oidc::{InMemoryPendingSignIns, PendingSignIns};
use crate::services::rate_limit::{InMemoryRateLimit, Policy, RateLimitStore};

pub use self::redis::Redis;

/// The shared store could not be reached or answered nonsense.
#[derive(Debug, thiserror::Error)]
#[error("shared state (redis): {0:#}")]
pub struct StoreError(#[from] pub anyhow::Error);

impl From<::redis::RedisError> for StoreError {
    fn from(err: ::redis::RedisError) -> Self {
        Self(anyhow::Error::new(err))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Fail closed: the request is refused with 503 and `Retry-After`, and the error is logged
/// inside the request's span (so with its request id).
impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError::Unavailable(err.0.context("shared state (redis) unavailable"))
    }
}

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
            Self::Redis(redis) => Arc::new(redis::RedisRateLimit::new(redis.clone(), policy)),
        }
    }

    pub fn idempotency(&self) -> Arc<dyn IdempotencyStore> {
        match self {
            Self::InMemory => Arc::new(InMemoryIdempotency::default()),
            Self::Redis(redis) => Arc::new(redis::RedisIdempotency::new(redis.clone())),
        }
    }

    pub fn revocations(&self) -> Arc<dyn RevocationStore> {
        match self {
            Self::InMemory => Arc::new(InMemoryRevocations::default()),
            Self::Redis(redis) => Arc::new(redis::RedisRevocations::new(redis.clone())),
        }
    }

    pub fn pending_sign_ins(&self) -> Arc<dyn PendingSignIns> {
        match self {
            Self::InMemory => Arc::new(InMemoryPendingSignIns::default()),
            Self::Redis(redis) => Arc::new(redis::RedisPendingSignIns::new(redis.clone())),
        }
    }
}
