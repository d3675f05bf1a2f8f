//! "This notification is sent" claims (issue 14, decision 034): a notification is claimed
//! before its mail goes out, and only the first claim of a key sends. In Redis (`SET NX EX`),
//! so of several instances on one Redis only one sends; without Redis in a file of the data
//! directory, written and synced before the mail is sent, so a restart never sends it again.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use chrono::Utc;

use super::error::{StoreError, StoreResult};
use super::redis::{Redis, millis, run};

#[async_trait]
pub trait NotificationClaims: Send + Sync + 'static {
    /// Claims `key` for `ttl`: `true` when this is the first claim (the caller sends), `false`
    /// when it was claimed already (sent, or being sent, by this or another instance).
    async fn claim(&self, key: &str, ttl: Duration) -> StoreResult<bool>;
}

pub struct RedisClaims {
    redis: Redis,
}

impl RedisClaims {
    pub fn new(redis: Redis) -> Self {
        Self { redis }
    }
}

#[async_trait]
impl NotificationClaims for RedisClaims {
    async fn claim(&self, key: &str, ttl: Duration) -> StoreResult<bool> {
        let redis_key = self.redis.key(&["notified", key]);
        let mut conn = self.redis.connection();
        run(async move {
            let set: Option<String> = redis::cmd("SET")
                .arg(&redis_key)
                .arg(1)
                .arg("NX")
                .arg("PX")
                .arg(millis(ttl))
                .query_async(&mut conn)
                .await?;
            Ok(set.is_some())
        })
        .await
    }
}

/// The claims in `<data_dir>/notifications-sent.json`: key -> expiry (Unix seconds), rewritten
/// whole (temporary file, fsync, rename) at each claim, expired keys dropped. Notifications are
/// few (one per agent reply or status change), so the file stays small.
pub struct FileClaims {
    path: PathBuf,
    claims: tokio::sync::Mutex<HashMap<String, i64>>,
}

pub const CLAIMS_FILE: &str = "notifications-sent.json";

impl FileClaims {
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(CLAIMS_FILE);
        let claims = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("reading {}", path.display()))?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => HashMap::new(),
            Err(err) => {
                return Err(anyhow::Error::new(err).context(format!("reading {}", path.display())));
            }
        };
        Ok(Self {
            path,
            claims: tokio::sync::Mutex::new(claims),
        })
    }
}

/// Writes `bytes` to `path` so that a crash leaves the old file or the new one, never half.
pub fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[async_trait]
impl NotificationClaims for FileClaims {
    async fn claim(&self, key: &str, ttl: Duration) -> StoreResult<bool> {
        let mut claims = self.claims.lock().await;
        let now = Utc::now().timestamp();
        claims.retain(|_, expiry| *expiry > now);
        if claims.contains_key(key) {
            return Ok(false);
        }
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2);
        claims.insert(key.to_owned(), now.saturating_add(ttl));
        let bytes = serde_json::to_vec(&*claims).map_err(|e| StoreError(e.into()))?;
        let path = self.path.clone();
        let written = tokio::task::spawn_blocking(move || write_durably(&path, &bytes))
            .await
            .map_err(|e| StoreError(e.into()))?;
        if let Err(err) = written {
            // Not durable: not claimed (nothing is sent; the next poll tries again).
            claims.remove(key);
            return Err(StoreError(
                anyhow::Error::new(err).context(format!("writing {}", self.path.display())),
            ));
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_key_is_claimed_once_and_stays_claimed_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let claims = FileClaims::open(dir.path()).unwrap();
        let ttl = Duration::from_secs(60);
        assert!(claims.claim("a", ttl).await.unwrap());
        assert!(!claims.claim("a", ttl).await.unwrap());
        assert!(claims.claim("b", ttl).await.unwrap());
        let reopened = FileClaims::open(dir.path()).unwrap();
        assert!(!reopened.claim("a", ttl).await.unwrap());
        assert!(!reopened.claim("b", ttl).await.unwrap());
    }

    #[tokio::test]
    async fn an_expired_claim_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let claims = FileClaims::open(dir.path()).unwrap();
        assert!(claims.claim("a", Duration::ZERO).await.unwrap());
        assert!(claims.claim("a", Duration::from_secs(60)).await.unwrap());
    }
}
