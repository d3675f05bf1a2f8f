//! The Redis connection every Redis-backed store shares. One [`ConnectionManager`] per process
//! (it multiplexes and reconnects); every key starts with the configured prefix.
//!
//! Keys (each store's `redis.rs` writes its own):
//! - `{prefix}:rl:{policy}:{key}`: GCRA theoretical arrival time (µs, Redis clock), expiring
//!   when the budget is full again.
//! - `{prefix}:idem:{account}:{contact}:{key}`: idempotency record (JSON), in flight for at most a
//!   minute, done for 24 h.
//! - `{prefix}:revoked:{sid}`: a revoked session, until the session's maximum expiry;
//!   `{prefix}:revoked-contact:{contact}`: the Unix time up to which a contact's sessions are
//!   revoked (`portal revoke-sessions`), until the last of them would have expired.
//! - `{prefix}:oidc:{state}`: a pending OpenID Connect sign-in (JSON), 10 minutes, read once;
//!   `{prefix}:oidc-pending` and `{prefix}:oidc-pending:{client}`: sorted sets of the pending
//!   states (scored by expiry, ms, Redis clock) that bound them in all and per client.
//! - `{prefix}:cache:{key}`, `{prefix}:cache-gen:{account}`: the Salesforce cache's entries and
//!   per-account generations (`crate::read_path::cache`).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::error::{StoreError, StoreResult};

/// No request waits longer than this for Redis, whatever the connection does.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(3);

/// A handle on Redis: cheap to clone, shared by every store.
#[derive(Clone)]
pub struct Redis {
    conn: ConnectionManager,
    prefix: Arc<str>,
}

impl Redis {
    /// Parses the URL and prepares a connection that is made on first use and remade after
    /// failures. Does not contact Redis.
    pub fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .context("redis_url (PORTAL_REDIS_URL) is not a valid Redis URL")?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client, config)
            .context("preparing the Redis connection")?;
        Ok(Self {
            conn,
            prefix: Arc::from(prefix),
        })
    }

    /// `{prefix}:{part}:{part}...`
    pub fn key(&self, parts: &[&str]) -> String {
        let mut key = String::from(&*self.prefix);
        for part in parts {
            key.push(':');
            key.push_str(part);
        }
        key
    }

    /// A connection to run commands on (clones share one multiplexed connection).
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// `PING`, for `/readyz`.
    pub async fn ping(&self) -> StoreResult<()> {
        let mut conn = self.connection();
        let pong: String =
            run(async move { redis::cmd("PING").query_async(&mut conn).await }).await?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(StoreError(anyhow!("unexpected PING answer {pong:?}")))
        }
    }
}

/// Runs one Redis operation with the overall timeout.
pub(super) async fn run<T>(
    operation: impl Future<Output = redis::RedisResult<T>>,
) -> StoreResult<T> {
    match tokio::time::timeout(OPERATION_TIMEOUT, operation).await {
        Ok(result) => result.map_err(StoreError::from),
        Err(_) => Err(StoreError(anyhow!(
            "no answer within {} s",
            OPERATION_TIMEOUT.as_secs()
        ))),
    }
}

pub(super) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_are_prefixed() {
        let redis = Redis::connect("redis://127.0.0.1:1", "portal-test").unwrap();
        assert_eq!(
            redis.key(&["rl", "case-create", "001xx"]),
            "portal-test:rl:case-create:001xx"
        );
    }

    #[tokio::test]
    async fn an_unreachable_redis_is_an_error_not_a_hang() {
        let redis = Redis::connect("redis://127.0.0.1:1", "portal-test").unwrap();
        let started = std::time::Instant::now();
        assert!(redis.ping().await.is_err());
        assert!(started.elapsed() <= OPERATION_TIMEOUT + Duration::from_secs(1));
    }

    #[tokio::test]
    async fn bad_urls_are_refused() {
        assert!(Redis::connect("http://example.com", "p").is_err());
        assert!(Redis::connect("not a url", "p").is_err());
    }
}
