//! [`RevocationStore`] in Redis: a key per revoked session, expiring with the session.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redis::AsyncCommands;

use super::RevocationStore;
use crate::shared_state::error::StoreResult;
use crate::shared_state::redis::{Redis, millis, run};

pub struct RedisRevocations {
    redis: Redis,
}

impl RedisRevocations {
    pub fn new(redis: Redis) -> Self {
        Self { redis }
    }
}

#[async_trait]
impl RevocationStore for RedisRevocations {
    async fn revoke(&self, session_id: &str, until: DateTime<Utc>) -> StoreResult<()> {
        let redis_key = self.redis.key(&["revoked", session_id]);
        // A few seconds beyond the maximum expiry, for clock differences between instances.
        let ttl = (until - Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(10);
        let mut conn = self.redis.connection();
        run(async move { conn.pset_ex::<_, _, ()>(redis_key, 1, millis(ttl)).await }).await
    }

    async fn is_revoked(&self, session_id: &str) -> StoreResult<bool> {
        let redis_key = self.redis.key(&["revoked", session_id]);
        let mut conn = self.redis.connection();
        run(async move { conn.exists(redis_key).await }).await
    }
}
