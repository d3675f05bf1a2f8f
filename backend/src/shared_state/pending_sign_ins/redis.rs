//! [`PendingSignIns`] in Redis: one key per state, read and removed in one step; the bounds
//! counted in sorted sets of states by expiry (one for all, one per client), checked and
//! written by one Lua script on Redis's clock, so instances starting sign-ins at once never
//! pass a bound together.

use std::sync::LazyLock;

use anyhow::Context;
use async_trait::async_trait;
use redis::{AsyncCommands, Script};

use super::{Admission, PENDING_TTL, PendingLimits, PendingSignIn, PendingSignIns};
use crate::shared_state::error::{StoreError, StoreResult};
use crate::shared_state::redis::{Redis, millis, run};

/// KEYS: the state's key, the set of all pending, the client's set. ARGV: the entry (JSON),
/// its TTL (ms), the per-client and total bounds, the state. Drops expired members first;
/// returns 0 when kept, 1 when the client is full, 2 when the store is.
static PUT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ms)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ms)
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[3]) then
  return 1
end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  return 2
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('ZADD', KEYS[2], ms + ttl, ARGV[5])
redis.call('ZADD', KEYS[3], ms + ttl, ARGV[5])
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
return 0
",
    )
});

pub struct RedisPendingSignIns {
    redis: Redis,
    limits: PendingLimits,
}

impl RedisPendingSignIns {
    pub fn new(redis: Redis, limits: PendingLimits) -> Self {
        Self { redis, limits }
    }

    fn all_key(&self) -> String {
        self.redis.key(&["oidc-pending"])
    }

    fn client_key(&self, client: &str) -> String {
        self.redis.key(&["oidc-pending", client])
    }
}

#[async_trait]
impl PendingSignIns for RedisPendingSignIns {
    async fn put(&self, state: &str, pending: PendingSignIn) -> StoreResult<Admission> {
        let keys = [
            self.redis.key(&["oidc", state]),
            self.all_key(),
            self.client_key(&pending.client),
        ];
        let value = serde_json::to_string(&pending).context("encoding a pending sign-in")?;
        let (per_client, total) = (self.limits.per_client, self.limits.total);
        let state = state.to_owned();
        let mut conn = self.redis.connection();
        let answer: i64 = run(async move {
            PUT.key(&keys[..])
                .arg(value)
                .arg(millis(PENDING_TTL))
                .arg(per_client)
                .arg(total)
                .arg(state)
                .invoke_async(&mut conn)
                .await
        })
        .await?;
        Ok(match answer {
            0 => Admission::Kept,
            1 => Admission::ClientFull,
            _ => Admission::Full,
        })
    }

    async fn take(&self, state: &str) -> StoreResult<Option<PendingSignIn>> {
        let redis_key = self.redis.key(&["oidc", state]);
        let mut conn = self.redis.connection();
        // GETDEL: read and remove in one step, so a callback succeeds once, on any instance.
        let value: Option<String> = run(async move { conn.get_del(redis_key).await }).await?;
        let Some(pending) = value
            .map(|v| {
                serde_json::from_str::<PendingSignIn>(&v).context("decoding a pending sign-in")
            })
            .transpose()
            .map_err(StoreError)?
        else {
            return Ok(None);
        };
        // Frees its slots. Should this fail, the slots still expire with the sign-in.
        let (all, client, member) = (
            self.all_key(),
            self.client_key(&pending.client),
            state.to_owned(),
        );
        let mut conn = self.redis.connection();
        let freed: StoreResult<()> = run(async move {
            redis::pipe()
                .zrem(all, &member)
                .ignore()
                .zrem(client, &member)
                .ignore()
                .query_async(&mut conn)
                .await
        })
        .await;
        if let Err(err) = freed {
            tracing::warn!(error = %err, "a taken sign-in's slots stay counted until they expire");
        }
        Ok(Some(pending))
    }
}
