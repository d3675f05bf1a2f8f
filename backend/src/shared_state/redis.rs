//! The Redis implementations of the shared-state traits. One [`ConnectionManager`] per process
//! (it multiplexes and reconnects); every key starts with the configured prefix.
//!
//! Keys:
//! - `{prefix}:rl:{policy}:{key}`: GCRA theoretical arrival time (µs, Redis clock), expiring
//!   when the budget is full again; `{prefix}:rl-lock:{policy}:{key}`: a sign-in lock.
//! - `{prefix}:idem:{account}:{key}`: idempotency record (JSON), in flight for at most
//!   [`IN_FLIGHT_TTL`], done for 24 h.
//! - `{prefix}:revoked:{sid}`: a revoked session, until the session's maximum expiry.
//! - `{prefix}:oidc:{state}`: a pending OpenID Connect sign-in (JSON), 10 minutes, read once.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use anyhow::{Context, anyhow};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script, SetExpiry, SetOptions};
use serde::{Deserialize, Serialize};

use super::{StoreError, StoreResult};
use crate::salesforce::CaseRecord;
use crate::services::auth::RevocationStore;
use crate::services::idempotency::{IdempotencyStore, RETENTION, Started};
use crate::services::oidc::{PENDING_TTL, PendingSignIn, PendingSignIns};
use crate::services::rate_limit::{Decision, Policy, RateLimitStore};

/// How long a claimed idempotency key stays "in flight" without being completed or released:
/// an instance that crashes mid-request blocks the key for at most this long. Longer than any
/// request may run (the HTTP timeout is 30 s by default); a create that outlives it is still
/// protected by the upsert on the external id.
pub const IN_FLIGHT_TTL: Duration = Duration::from_secs(60);

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
async fn run<T>(operation: impl Future<Output = redis::RedisResult<T>>) -> StoreResult<T> {
    match tokio::time::timeout(OPERATION_TIMEOUT, operation).await {
        Ok(result) => result.map_err(StoreError::from),
        Err(_) => Err(StoreError(anyhow!(
            "no answer within {} s",
            OPERATION_TIMEOUT.as_secs()
        ))),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

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

/// Deletes the key only while it still holds this value (our own in-flight claim).
static DELETE_IF_UNCHANGED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
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

/// An idempotency record as stored in Redis.
#[derive(Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum IdempotencyRecord {
    InFlight {
        fingerprint: String,
        token: String,
    },
    Done {
        fingerprint: String,
        /// In the record's own (Salesforce wire) form. Both adapters stamp times in
        /// milliseconds, as Salesforce does, so a replay returns exactly the same bytes.
        case: Box<CaseRecord>,
    },
}

pub struct RedisIdempotency {
    redis: Redis,
}

impl RedisIdempotency {
    pub fn new(redis: Redis) -> Self {
        Self { redis }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[async_trait]
impl IdempotencyStore for RedisIdempotency {
    async fn begin(&self, key: &str, fingerprint: [u8; 32]) -> StoreResult<Started> {
        let redis_key = self.redis.key(&["idem", key]);
        let fingerprint = hex(&fingerprint);
        let token = uuid::Uuid::new_v4().to_string();
        let claim = serde_json::to_string(&IdempotencyRecord::InFlight {
            fingerprint: fingerprint.clone(),
            token: token.clone(),
        })
        .context("encoding an idempotency claim")?;
        // Claim with SET NX; if the key is taken, read what holds it. It may expire between
        // the two commands, hence the (short) loop.
        for _ in 0..3 {
            let mut conn = self.redis.connection();
            let (k, v) = (redis_key.clone(), claim.clone());
            let claimed: Option<String> = run(async move {
                conn.set_options(
                    k,
                    v,
                    SetOptions::default()
                        .conditional_set(redis::ExistenceCheck::NX)
                        .with_expiration(SetExpiry::PX(millis(IN_FLIGHT_TTL))),
                )
                .await
            })
            .await?;
            if claimed.is_some() {
                return Ok(Started::Claimed { token });
            }
            let mut conn = self.redis.connection();
            let k = redis_key.clone();
            let existing: Option<String> = run(async move { conn.get(k).await }).await?;
            let Some(existing) = existing else { continue };
            let record: IdempotencyRecord =
                serde_json::from_str(&existing).context("decoding an idempotency record")?;
            return Ok(match record {
                IdempotencyRecord::InFlight {
                    fingerprint: fp, ..
                } if fp == fingerprint => Started::InFlight,
                IdempotencyRecord::Done {
                    fingerprint: fp,
                    case,
                } if fp == fingerprint => Started::Replay(case),
                _ => Started::Mismatch,
            });
        }
        Err(StoreError(anyhow!(
            "an idempotency key kept changing while it was being claimed"
        )))
    }

    async fn complete(
        &self,
        key: &str,
        fingerprint: [u8; 32],
        case: &CaseRecord,
    ) -> StoreResult<()> {
        let redis_key = self.redis.key(&["idem", key]);
        let record = serde_json::to_string(&IdempotencyRecord::Done {
            fingerprint: hex(&fingerprint),
            case: Box::new(case.clone()),
        })
        .context("encoding an idempotency record")?;
        let mut conn = self.redis.connection();
        run(async move {
            conn.pset_ex::<_, _, ()>(redis_key, record, millis(RETENTION))
                .await
        })
        .await
    }

    fn release(&self, key: &str, fingerprint: [u8; 32], token: &str) {
        let redis_key = self.redis.key(&["idem", key]);
        let Ok(claim) = serde_json::to_string(&IdempotencyRecord::InFlight {
            fingerprint: hex(&fingerprint),
            token: token.to_owned(),
        }) else {
            return;
        };
        let mut conn = self.redis.connection();
        // Called from Drop: the release runs in the background. If it fails, the claim expires
        // after IN_FLIGHT_TTL.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let released: StoreResult<i64> = run(async move {
                    DELETE_IF_UNCHANGED
                        .key(redis_key)
                        .arg(claim)
                        .invoke_async(&mut conn)
                        .await
                })
                .await;
                if let Err(err) = released {
                    tracing::warn!(error = %err, "could not release an idempotency claim; it expires by itself");
                }
            });
        }
    }
}

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

#[cfg(test)]
mod tests {
    use chrono::SubsecRound;

    use super::*;
    use crate::salesforce::SalesforceId;

    #[test]
    fn a_stored_case_round_trips_exactly() {
        // Milliseconds, as Salesforce and the mock store stamp records.
        let now = Utc::now().trunc_subsecs(3);
        let case = CaseRecord {
            id: SalesforceId::generate("500"),
            case_number: "00001234".into(),
            account_id: SalesforceId::generate("001"),
            contact_id: None,
            subject: "Printer jam".into(),
            description: Some("It jams.".into()),
            status: "New".into(),
            priority: "High".into(),
            origin: Some("Web".into()),
            is_closed: false,
            created_date: now,
            last_modified_date: now,
            closed_date: None,
            portal_request_id: Some("k-abc".into()),
        };
        let json = serde_json::to_string(&IdempotencyRecord::Done {
            fingerprint: "ff".into(),
            case: Box::new(case.clone()),
        })
        .unwrap();
        let IdempotencyRecord::Done { case: back, .. } = serde_json::from_str(&json).unwrap()
        else {
            panic!("not a done record");
        };
        assert_eq!(*back, case);
    }

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
