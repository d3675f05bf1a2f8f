//! [`PendingSignIns`] in Redis: one key per state, read and removed in one step.

use anyhow::Context;
use async_trait::async_trait;
use redis::AsyncCommands;

use super::{PENDING_TTL, PendingSignIn, PendingSignIns};
use crate::shared_state::error::{StoreError, StoreResult};
use crate::shared_state::redis::{Redis, millis, run};

pub struct RedisPendingSignIns {
    redis: Redis,
}

impl RedisPendingSignIns {
    pub fn new(redis: Redis) -> Self {
        Self { redis }
    }
}

#[async_trait]
impl PendingSignIns for RedisPendingSignIns {
    async fn put(&self, state: &str, pending: PendingSignIn) -> StoreResult<()> {
        let redis_key = self.redis.key(&["oidc", state]);
        let value = serde_json::to_string(&pending).context("encoding a pending sign-in")?;
        let mut conn = self.redis.connection();
        run(async move {
            conn.pset_ex::<_, _, ()>(redis_key, value, millis(PENDING_TTL))
                .await
        })
        .await
    }

    async fn take(&self, state: &str) -> StoreResult<Option<PendingSignIn>> {
        let redis_key = self.redis.key(&["oidc", state]);
        let mut conn = self.redis.connection();
        // GETDEL: read and remove in one step, so a callback succeeds once, on any instance.
        let value: Option<String> = run(async move { conn.get_del(redis_key).await }).await?;
        value
            .map(|v| serde_json::from_str(&v).context("decoding a pending sign-in"))
            .transpose()
            .map_err(StoreError)
    }
}
