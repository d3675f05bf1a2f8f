//! [`RateLimitStore`] in Redis: the GCRA as one Lua script, on Redis's clock.

use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use redis::{AsyncCommands, Script};

use super::{Decision, Policy, RateLimitStore};
use crate::shared_state::error::StoreResult;
use crate::shared_state::redis::{Redis, millis, run};

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

pub struct RedisRateLimit {
    redis: Redis,
    policy: Policy,
}

impl RedisRateLimit {
    pub fn new(redis: Redis, policy: Policy) -> Self {
        Self { redis, policy }
    }
}

#[async_trait]
impl RateLimitStore for RedisRateLimit {
    fn policy(&self) -> &Policy {
        &self.policy
    }

    async fn check(&self, key: &str) -> StoreResult<Decision> {
        let period = u64::try_from(self.policy.period.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
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

    async fn lock(&self, key: &str, duration: Duration) -> StoreResult<()> {
        let redis_key = self.redis.key(&["rl-lock", self.policy.name, key]);
        let mut conn = self.redis.connection();
        run(async move {
            conn.pset_ex::<_, _, ()>(redis_key, 1, millis(duration))
                .await
        })
        .await
    }

    async fn locked_for(&self, key: &str) -> StoreResult<Option<Duration>> {
        let redis_key = self.redis.key(&["rl-lock", self.policy.name, key]);
        let mut conn = self.redis.connection();
        let ttl_ms: i64 = run(async move { conn.pttl(redis_key).await }).await?;
        // -2: no lock; -1 cannot happen (locks are always set with an expiry).
        Ok(u64::try_from(ttl_ms)
            .ok()
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis))
    }
}
