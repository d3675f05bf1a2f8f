//! Keyed rate limits (GCRA, via `governor`): case creation per customer, sign-in per address and
//! per account. In-process for now; a shared store for several instances is a later issue.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

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
        let per_window = per_window.max(1);
        let period = window / per_window;
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
