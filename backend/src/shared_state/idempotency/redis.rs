//! [`IdempotencyStore`] in Redis: a claim is a `SET NX` with a short expiry, released only by
//! the claim that made it.

use std::sync::LazyLock;
use std::time::Duration;

use anyhow::{Context, anyhow};
use async_trait::async_trait;
use redis::{AsyncCommands, Script, SetExpiry, SetOptions};
use serde::{Deserialize, Serialize};

use super::{Fingerprint, IdempotencyStore, RETENTION, Started};
use crate::salesforce::CaseRecord;
use crate::shared_state::error::{StoreError, StoreResult};
use crate::shared_state::redis::{Redis, millis, run};

/// How long a claimed idempotency key stays "in flight" without being completed or released:
/// an instance that crashes mid-request blocks the key for at most this long. Longer than any
/// request may run (the HTTP timeout is 30 s by default); a create that outlives it is still
/// protected by the upsert on the external id.
pub const IN_FLIGHT_TTL: Duration = Duration::from_secs(60);

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

#[async_trait]
impl IdempotencyStore for RedisIdempotency {
    async fn begin(&self, key: &str, body: Fingerprint) -> StoreResult<Started> {
        let redis_key = self.redis.key(&["idem", key]);
        let fingerprint = body.hex();
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

    async fn complete(&self, key: &str, body: Fingerprint, case: &CaseRecord) -> StoreResult<()> {
        let redis_key = self.redis.key(&["idem", key]);
        let record = serde_json::to_string(&IdempotencyRecord::Done {
            fingerprint: body.hex(),
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

    async fn release(&self, key: &str, body: Fingerprint, token: &str) -> StoreResult<()> {
        let redis_key = self.redis.key(&["idem", key]);
        let claim = serde_json::to_string(&IdempotencyRecord::InFlight {
            fingerprint: body.hex(),
            token: token.to_owned(),
        })
        .context("encoding an idempotency claim")?;
        let mut conn = self.redis.connection();
        let _deleted: i64 = run(async move {
            DELETE_IF_UNCHANGED
                .key(redis_key)
                .arg(claim)
                .invoke_async(&mut conn)
                .await
        })
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{SubsecRound, Utc};

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
            form_values: Default::default(),
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
}
