//! Keyed rate limits (GCRA): case creation per customer, sign-in failures per address and per
//! account. [`RateLimitStore`] is one policy's limit; [`memory::InMemoryRateLimit`] keeps it in this
//! process (via `governor`), [`redis::RedisRateLimit`] in Redis with the same arithmetic, so the
//! numbers a client sees do not depend on where the state lives.

pub mod memory;
pub mod redis;

use std::time::Duration;

use async_trait::async_trait;

use super::error::StoreResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed { remaining: u32 },
    Limited { retry_after: Duration },
}

/// A named limit: one unit replenished every `period`, at most `burst` at once.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Part of the shared store's keys, e.g. `case-create`.
    pub name: &'static str,
    pub period: Duration,
    pub burst: u32,
}

impl Policy {
    /// `per_window` events every `window`, at most `burst` at once.
    pub fn new(name: &'static str, per_window: u32, window: Duration, burst: u32) -> Self {
        Self {
            name,
            period: window / per_window.max(1),
            burst: burst.max(1),
        }
    }
}

/// One policy's keyed limit, wherever its state lives.
#[async_trait]
pub trait RateLimitStore: Send + Sync {
    fn policy(&self) -> &Policy;

    /// Takes one unit for `key` if there is one.
    async fn check(&self, key: &str) -> StoreResult<Decision>;

    /// Locks `key` for `duration` (sign-in throttles lock a key that used up its failures).
    async fn lock(&self, key: &str, duration: Duration) -> StoreResult<()>;

    /// How long `key` is still locked, if it is.
    async fn locked_for(&self, key: &str) -> StoreResult<Option<Duration>>;

    /// Forgets state that no longer matters; run periodically (a no-op where entries expire).
    fn prune(&self) {}
}

/// Whole seconds to wait, never zero (a client told "retry in 0 s" retries at once).
pub fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}
