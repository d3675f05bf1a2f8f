//! [`RateLimitStore`] in this process: the same GCRA as the Redis script, over a map.
//!
//! Not `governor` (which this used to be): sign-in reserves an attempt before checking the
//! password and gives it back when the password was right (see `services::auth`), and
//! governor's keyed state cannot give a unit back. The arithmetic is a few lines, the same as
//! `redis.rs`'s Lua script, so both stores answer with the same numbers.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use async_trait::async_trait;

use super::{Decision, Gcra, Policy, RateLimitStore};
use crate::shared_state::error::StoreResult;

/// [`RateLimitStore`] in this process: correct for a single instance.
pub struct InMemoryRateLimit {
    policy: Policy,
    gcra: Gcra,
    /// Key -> its theoretical arrival time (µs since `epoch`). A key whose time has passed has
    /// its whole burst again, so it is forgotten ([`RateLimitStore::prune`]).
    tats: Mutex<HashMap<String, u64>>,
    epoch: Instant,
}

impl InMemoryRateLimit {
    pub fn new(policy: Policy) -> Self {
        Self {
            gcra: Gcra::of(&policy),
            policy,
            tats: Mutex::new(HashMap::new()),
            epoch: Instant::now(),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    fn tats(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.tats.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl RateLimitStore for InMemoryRateLimit {
    fn policy(&self) -> &Policy {
        &self.policy
    }

    async fn check(&self, key: &str) -> StoreResult<Decision> {
        let now = self.now();
        let mut tats = self.tats();
        let stored = tats.get(key).copied();
        let (decision, tat) = self.gcra.take(stored, now);
        if let Some(tat) = tat {
            tats.insert(key.to_owned(), tat);
        }
        Ok(decision)
    }

    async fn refund(&self, key: &str) -> StoreResult<()> {
        let now = self.now();
        let mut tats = self.tats();
        if let Some(tat) = tats.get_mut(key) {
            match self.gcra.give_back(*tat, now) {
                Some(earlier) => *tat = earlier,
                None => {
                    tats.remove(key);
                }
            }
        }
        Ok(())
    }

    fn prune(&self) {
        let now = self.now();
        self.tats().retain(|_, tat| *tat > now);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn remaining(decision: Decision) -> u32 {
        match decision {
            Decision::Allowed { remaining } => remaining,
            Decision::Limited { .. } => panic!("limited inside the burst"),
        }
    }

    #[tokio::test]
    async fn allows_the_burst_then_limits_until_the_period_passes() {
        let limit = InMemoryRateLimit::new(Policy::new("t", 10, Duration::from_secs(3600), 5));
        for expected_remaining in (0..5).rev() {
            assert_eq!(
                remaining(limit.check("acme").await.unwrap()),
                expected_remaining
            );
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

    /// A unit given back can be taken again at once, and giving back never grants more than
    /// the burst.
    #[tokio::test]
    async fn a_refunded_unit_can_be_taken_again() {
        let limit = InMemoryRateLimit::new(Policy::new("t", 3, Duration::from_secs(3600), 3));
        assert_eq!(limit.policy.period, Duration::from_secs(1200));
        for _ in 0..3 {
            limit.check("k").await.unwrap();
        }
        assert!(matches!(
            limit.check("k").await.unwrap(),
            Decision::Limited { .. }
        ));
        limit.refund("k").await.unwrap();
        assert_eq!(remaining(limit.check("k").await.unwrap()), 0);
        for _ in 0..10 {
            limit.refund("k").await.unwrap();
        }
        assert!(limit.tats().is_empty(), "a full budget is not remembered");
        assert_eq!(remaining(limit.check("k").await.unwrap()), 2);
    }
}
