//! Keyed rate limits (GCRA): case creation per customer, sign-in attempts per address, account
//! and device. [`RateLimitStore`] is one policy's limit; [`memory::InMemoryRateLimit`] keeps it
//! in this process, [`redis::RedisRateLimit`] in Redis (one Lua script each step); both run the
//! arithmetic of [`Gcra`], so the numbers a client sees do not depend on where the state lives.

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

    /// Takes one unit for `key` if there is one. Atomic: of many callers racing for the last
    /// unit (on any instances), one gets it.
    async fn check(&self, key: &str) -> StoreResult<Decision>;

    /// Gives back a unit taken by [`check`](Self::check) (sign-in reserves an attempt before
    /// checking the password and gives it back when the password was right). Never raises the
    /// budget above its burst.
    async fn refund(&self, key: &str) -> StoreResult<()>;

    /// Forgets state that no longer matters; run periodically (a no-op where entries expire).
    fn prune(&self) {}
}

/// Whole seconds to wait, never zero (a client told "retry in 0 s" retries at once).
pub fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// The generic cell rate algorithm, in microseconds: each key has a theoretical arrival time
/// (TAT); a unit may be taken while `now >= tat - tau`, and taking it moves the TAT one
/// emission interval `t` on. `tau = t * (burst - 1)`. The Redis script computes exactly this.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Gcra {
    t: u64,
    tau: u64,
}

impl Gcra {
    pub(crate) fn of(policy: &Policy) -> Self {
        let t = u64::try_from(policy.period.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        Self {
            t,
            tau: t.saturating_mul(u64::from(policy.burst.max(1) - 1)),
        }
    }

    /// The decision for a key whose TAT is `stored` (none: a full budget), and its new TAT
    /// when a unit was taken.
    pub(crate) fn take(self, stored: Option<u64>, now: u64) -> (Decision, Option<u64>) {
        let tat = stored.unwrap_or(now);
        let earliest = tat.saturating_sub(self.tau);
        if now < earliest {
            let wait = Duration::from_micros(earliest - now);
            return (Decision::Limited { retry_after: wait }, None);
        }
        let next = tat.max(now) + self.t;
        let left = (now + self.tau + self.t)
            .saturating_sub(next)
            .min(self.tau + self.t);
        let remaining = u32::try_from(left / self.t).unwrap_or(u32::MAX);
        (Decision::Allowed { remaining }, Some(next))
    }

    /// The TAT after giving one unit back; `None` when that leaves the budget full.
    pub(crate) fn give_back(self, tat: u64, now: u64) -> Option<u64> {
        let earlier = tat.saturating_sub(self.t);
        (earlier > now).then_some(earlier)
    }
}
