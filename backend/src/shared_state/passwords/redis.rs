//! [`PasswordStore`] in Redis: the hashes customers set in one hash (`passwords`, field the
//! email), each pending reset a key of its own expiring with it (`reset:<digest>`), taken with
//! `GETDEL` so a token works once across every instance. Passwords live as long as Redis keeps
//! its data: run it with persistence (decision 032).

use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use redis::AsyncCommands;

use super::{PasswordStore, ResetGrant};
use crate::shared_state::error::{StoreError, StoreResult};
use crate::shared_state::redis::{Redis, millis, run};

pub struct RedisPasswords {
    redis: Redis,
}

impl RedisPasswords {
    pub fn new(redis: Redis) -> Self {
        Self { redis }
    }
}

#[async_trait]
impl PasswordStore for RedisPasswords {
    async fn password_hash(&self, email: &str) -> StoreResult<Option<String>> {
        let key = self.redis.key(&["passwords"]);
        let mut conn = self.redis.connection();
        let email = email.to_owned();
        run(async move { conn.hget(key, email).await }).await
    }

    async fn set_password_hash(&self, email: &str, hash: &str) -> StoreResult<()> {
        let key = self.redis.key(&["passwords"]);
        let mut conn = self.redis.connection();
        let (email, hash) = (email.to_owned(), hash.to_owned());
        run(async move { conn.hset::<_, _, _, ()>(key, email, hash).await }).await
    }

    async fn put_reset(&self, digest: &str, grant: &ResetGrant) -> StoreResult<()> {
        let key = self.redis.key(&["reset", digest]);
        let mut conn = self.redis.connection();
        let ttl = (grant.expires_at - Utc::now())
            .to_std()
            .unwrap_or(Duration::from_millis(1));
        let value = serde_json::to_string(grant).map_err(|e| StoreError(e.into()))?;
        run(async move { conn.pset_ex::<_, _, ()>(key, value, millis(ttl)).await }).await
    }

    async fn take_reset(&self, digest: &str) -> StoreResult<Option<ResetGrant>> {
        let key = self.redis.key(&["reset", digest]);
        let mut conn = self.redis.connection();
        let value: Option<String> = run(async move { conn.get_del(key).await }).await?;
        let Some(value) = value else {
            return Ok(None);
        };
        let grant: ResetGrant = serde_json::from_str(&value).map_err(|e| StoreError(e.into()))?;
        Ok((grant.expires_at > Utc::now()).then_some(grant))
    }
}
