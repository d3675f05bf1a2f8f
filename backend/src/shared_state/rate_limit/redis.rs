//! [`RateLimitStore`] in Redis: the GCRA as one Lua script, on Redis's clock.

use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use redis::Script;

use super::{Decision, Policy, RateLimitStore};
use crate::shared_state::error::StoreResult;
use crate::shared_state::redis::{Redis, run};

/// GCRA exactly as `governor` computes it (emission interval `t`, tolerance
/// `tau = t * (burst - 1)`), in microseconds on Redis's clock so every instance agrees.
/// Returns `{1, remaining}` when allowed (and takes the unit), `{0, wait_us}` when limited.
static GCRA: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local t = tonumber(ARGV[1])
local tau = tonumber(ARGV[2])
local now = redis.call('TIME')
local t0 = tonumber(now[1]) * 1000000 + tonumber(now[2])
local stored = redis.call('GET', KEYS[1])
local tat = t0
if stored then tat = tonumber(stored) end
local earliest = tat - tau
if t0 < earliest then
  return {0, earliest - t0}
end
local nxt = math.max(tat, t0) + t
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', math.ceil((nxt - t0) / 1000))
local remaining = math.floor(math.min(t0 + tau + t - nxt, tau + t) / t)
return {1, remaining}
",
    )
});

/// Gives one unit back ([`super::Gcra::give_back`]): the TAT moves one interval back, and a
/// key left with its whole budget is deleted.
static REFUND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local t = tonumber(ARGV[1])
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
local now = redis.call('TIME')
local t0 = tonumber(now[1]) * 1000000 + tonumber(now[2])
local earlier = tonumber(stored) - t
if earlier <= t0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], string.format('%d', earlier), 'PX', math.ceil((earlier - t0) / 1000))
end
return 1
",
    )
});

pub struct RedisRateLimit {
    redis: Redis,
    policy: Policy,
}

impl RedisRateLimit {
    pub fn new(redis: Redis, policy: Policy) -> Self {
        Self { redis, policy }
    }

    /// The emission interval in microseconds, as [`super::Gcra`] has it.
    fn gcra_period(&self) -> u64 {
        u64::try_from(self.policy.period.as_micros())
            .unwrap_or(u64::MAX)
            .max(1)
    }
}

#[async_trait]
impl RateLimitStore for RedisRateLimit {
    fn policy(&self) -> &Policy {
        &self.policy
    }

    async fn check(&self, key: &str) -> StoreResult<Decision> {
        let period = self.gcra_period();
        let tau = period.saturating_mul(u64::from(self.policy.burst.max(1) - 1));
        let redis_key = self.redis.key(&["rl", self.policy.name, key]);
        let mut conn = self.redis.connection();
        let (allowed, value): (i64, i64) = run(async move {
            GCRA.key(redis_key)
                .arg(period)
                .arg(tau)
                .invoke_async(&mut conn)
                .await
        })
        .await?;
        let value = u64::try_from(value).unwrap_or(0);
        Ok(if allowed == 1 {
            Decision::Allowed {
                remaining: u32::try_from(value).unwrap_or(u32::MAX),
            }
        } else {
            Decision::Limited {
                retry_after: Duration::from_micros(value),
            }
        })
    }

    async fn refund(&self, key: &str) -> StoreResult<()> {
        let period = self.gcra_period();
        let redis_key = self.redis.key(&["rl", self.policy.name, key]);
        let mut conn = self.redis.connection();
        run(async move {
            REFUND
                .key(redis_key)
                .arg(period)
                .invoke_async::<()>(&mut conn)
                .await
        })
        .await
    }
}
