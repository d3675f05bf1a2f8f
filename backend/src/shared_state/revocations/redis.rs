//! [`RevocationStore`] in Redis: a key per revoked session (or contact), expiring when the
//! sessions it stops would have expired anyway.

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

/// Until `until`, plus a few seconds for clock differences between instances.
fn ttl(until: DateTime<Utc>) -> Duration {
    (until - Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(10)
}

#[async_trait]
impl RevocationStore for RedisRevocations {
    async fn revoke(&self, session_id: &str, until: DateTime<Utc>) -> StoreResult<()> {
        let redis_key = self.redis.key(&["revoked", session_id]);
        let mut conn = self.redis.connection();
        run(async move {
            conn.pset_ex::<_, _, ()>(redis_key, 1, millis(ttl(until)))
                .await
        })
        .await
    }

    async fn is_revoked(&self, session_id: &str) -> StoreResult<bool> {
        let redis_key = self.redis.key(&["revoked", session_id]);
        let mut conn = self.redis.connection();
        run(async move { conn.exists(redis_key).await }).await
    }

    async fn revoke_contact(
        &self,
        contact_id: &str,
        at: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<()> {
        let redis_key = self.redis.key(&["revoked-contact", contact_id]);
        let mut conn = self.redis.connection();
        run(async move {
            conn.pset_ex::<_, _, ()>(redis_key, at.timestamp(), millis(ttl(until)))
                .await
        })
        .await
    }

    async fn contact_revoked_at(&self, contact_id: &str) -> StoreResult<Option<DateTime<Utc>>> {
        let redis_key = self.redis.key(&["revoked-contact", contact_id]);
        let mut conn = self.redis.connection();
        let at: Option<i64> = run(async move { conn.get(redis_key).await }).await?;
        Ok(at.and_then(|secs| DateTime::from_timestamp(secs, 0)))
    }
}
