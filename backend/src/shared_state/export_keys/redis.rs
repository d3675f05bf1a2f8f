//! [`ExportKeys`] in Redis: one key per Idempotency-Key, set only if absent, expiring by itself.

use std::time::Duration;

use async_trait::async_trait;
use redis::AsyncCommands;

use super::ExportKeys;
use crate::shared_state::error::StoreResult;
use crate::shared_state::redis::{Redis, millis, run};

pub struct RedisExportKeys {
    redis: Redis,
}

impl RedisExportKeys {
    pub fn new(redis: Redis) -> Self {
        Self { redis }
    }
}

#[async_trait]
impl ExportKeys for RedisExportKeys {
    async fn get(&self, key: &str) -> StoreResult<Option<String>> {
        let redis_key = self.redis.key(&["export-key", key]);
        let mut conn = self.redis.connection();
        run(async move { conn.get(redis_key).await }).await
    }

    async fn claim(&self, key: &str, export: &str, ttl: Duration) -> StoreResult<String> {
        let redis_key = self.redis.key(&["export-key", key]);
        let mut conn = self.redis.connection();
        let export = export.to_owned();
        run(async move {
            let set: Option<String> = redis::cmd("SET")
                .arg(&redis_key)
                .arg(&export)
                .arg("NX")
                .arg("PX")
                .arg(millis(ttl))
                .query_async(&mut conn)
                .await?;
            if set.is_some() {
                return Ok(export);
            }
            let existing: Option<String> = conn.get(&redis_key).await?;
            Ok(existing.unwrap_or(export))
        })
        .await
    }
}
