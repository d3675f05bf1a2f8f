//! [`RateLimitStore`] in this process, on `governor`'s keyed GCRA.

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

use super::{Decision, Policy, RateLimitStore};
use crate::shared_state::error::StoreResult;

struct KeyedLimiter<K: Hash + Eq + Clone> {
    limiter: RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>,
    clock: DefaultClock,
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    /// One unit replenished every `period`, at most `burst` at once.
    fn with_period(period: Duration, burst: u32) -> Self {
        let burst = burst.max(1);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        Self {
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one unit for `key` if there is one.
    fn check(&self, key: &K) -> Decision {
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
    fn prune(&self) {
        self.limiter.retain_recent();
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn allows_the_burst_then_limits_until_the_period_passes() {
        let limit = InMemoryRateLimit::new(Policy::new("t", 10, Duration::from_secs(3600), 5));
        for expected_remaining in (0..5).rev() {
            match limit.check("acme").await.unwrap() {
                Decision::Allowed { remaining } => assert_eq!(remaining, expected_remaining),
                Decision::Limited { .. } => panic!("limited inside the burst"),
            }
        }
        match limit.check("acme").await.unwrap() {
            Decision::Limited { retry_after } => {
                assert!(
                    retry_after <= Duration::from_secs(360)
                        && retry_after > Duration::from_secs(350)
                );
            }
            Decision::Allowed { .. } => panic!("the sixth create was allowed"),
        }
        // Another key has its own budget.
        assert!(matches!(
            limit.check("globex").await.unwrap(),
            Decision::Allowed { .. }
        ));
    }
}
