//! Keyed rate limits (GCRA): case creation per customer, sign-in failures per address and per
//! account. [`RateLimitStore`] is one policy's limit; [`InMemoryRateLimit`] keeps it in this
//! process (via `governor`), `shared_state::redis::RedisRateLimit` in Redis with the same
//! arithmetic, so the numbers a client sees do not depend on where the state lives.

use std::collections::HashMap;
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::shared_state::StoreResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed { remaining: u32 },
    Limited { retry_after: Duration },
}

pub struct KeyedLimiter<K: Hash + Eq + Clone> {
    limiter: RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>,
    clock: DefaultClock,
    /// One unit of quota is replenished every `period`.
    pub period: Duration,
    pub burst: u32,
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    /// `per_window` events every `window`, at most `burst` at once.
    pub fn new(per_window: u32, window: Duration, burst: u32) -> Self {
        Self::with_period(window / per_window.max(1), burst)
    }

    /// One unit replenished every `period`, at most `burst` at once.
    pub fn with_period(period: Duration, burst: u32) -> Self {
        let burst = burst.max(1);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        Self {
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            clock: DefaultClock::default(),
            period,
            burst,
        }
    }

    /// Takes one unit for `key` if there is one.
    pub fn check(&self, key: &K) -> Decision {
        match self.limiter.check_key(key) {
            Ok(snapshot) => Decision::Allowed {
                remaining: snapshot.remaining_burst_capacity(),
            },
            Err(not_until) => Decision::Limited {
                retry_after: not_until.wait_time_from(self.clock.now()),
            },
        }
    }

    /// Forgets keys whose limits have fully recovered, so memory stays bounded.
    pub fn prune(&self) {
        self.limiter.retain_recent();
    }
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

/// [`RateLimitStore`] in this process: correct for a single instance.
pub struct InMemoryRateLimit {
    policy: Policy,
    limiter: KeyedLimiter<String>,
    locked_until: Mutex<HashMap<String, Instant>>,
}

impl InMemoryRateLimit {
    pub fn new(policy: Policy) -> Self {
        Self {
            limiter: KeyedLimiter::with_period(policy.period, policy.burst),
            locked_until: Mutex::new(HashMap::new()),
            policy,
        }
    }
}

#[async_trait]
impl RateLimitStore for InMemoryRateLimit {
    fn policy(&self) -> &Policy {
        &self.policy
    }

    async fn check(&self, key: &str) -> StoreResult<Decision> {
        Ok(self.limiter.check(&key.to_owned()))
    }

    async fn lock(&self, key: &str, duration: Duration) -> StoreResult<()> {
        let mut locked = self.locked_until.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        locked.retain(|_, until| *until > now);
        locked.insert(key.to_owned(), now + duration);
        Ok(())
    }

    async fn locked_for(&self, key: &str) -> StoreResult<Option<Duration>> {
        let locked = self.locked_until.lock().unwrap_or_else(|p| p.into_inner());
        Ok(locked
            .get(key)
            .and_then(|until| until.checked_duration_since(Instant::now())))
    }

    fn prune(&self) {
        self.limiter.prune();
        let now = Instant::now();
        self.locked_until
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, until| *until > now);
    }
}

/// Whole seconds to wait, never zero (a client told "retry in 0 s" retries at once).
pub fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_burst_then_limits_until_the_period_passes() {
        let limiter = KeyedLimiter::new(10, Duration::from_secs(3600), 5);
        for expected_remaining in (0..5).rev() {
            match limiter.check(&"acme") {
                Decision::Allowed { remaining } => assert_eq!(remaining, expected_remaining),
                Decision::Limited { .. } => panic!("limited inside the burst"),
            }
        }
        match limiter.check(&"acme") {
            Decision::Limited { retry_after } => {
                assert!(
                    retry_after <= Duration::from_secs(360)
                        && retry_after > Duration::from_secs(350)
                );
            }
            Decision::Allowed { .. } => panic!("the sixth create was allowed"),
        }
        // Another key has its own budget.
        assert!(matches!(limiter.check(&"globex"), Decision::Allowed { .. }));
    }
}
