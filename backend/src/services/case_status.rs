//! Closing and reopening cases, always within the signed-in customer's account.
//!
//! Both are idempotent by nature: closing a closed case or reopening an open one answers the
//! case as it is and writes nothing. A customer may reopen a case for `cases.reopen_window_days`
//! after Salesforce closed it (`ClosedDate`); after that they open a new case. Writes (and only
//! writes) take from a per-customer budget of status changes. An `Idempotency-Key` is honoured
//! like on case creation: the same key and request answer the first result again.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::auth::Session;
use super::idempotency::{self, Begin};
use crate::config::RateLimitConfig;
use crate::domain::case::Picklists;
use crate::domain::case_status::{CloseReason, ReopenWindow};
use crate::error::{ApiError, ApiResult, RateLimitInfo, Resource};
use crate::observability::metrics::Metrics;
use crate::salesforce::{CaseRecord, CaseStatusWrite, SalesforceId, SalesforcePort};
use crate::shared_state::SharedState;
use crate::shared_state::idempotency::{Fingerprint, IdempotencyStore};
use crate::shared_state::rate_limit::{Decision, Policy, RateLimitStore, ceil_secs};

/// The rate limit's name, in its keys and in the `RateLimit-Policy` header.
const POLICY: &str = "case-status";

/// What the customer asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusChange {
    Close { reason: Option<CloseReason> },
    Reopen,
}

impl StatusChange {
    fn reason(&self) -> Option<&str> {
        match self {
            Self::Close { reason } => reason.as_ref().and_then(CloseReason::text),
            Self::Reopen => None,
        }
    }

    fn fingerprint(&self, case: &SalesforceId) -> Fingerprint {
        match self {
            Self::Close { .. } => {
                Fingerprint::of(&["close", case.as_str(), self.reason().unwrap_or("")])
            }
            Self::Reopen => Fingerprint::of(&["reopen", case.as_str()]),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Close { .. } => "close",
            Self::Reopen => "reopen",
        }
    }
}

/// The case after a close or reopen.
pub struct Changed {
    pub case: CaseRecord,
    /// The answer of an earlier request with the same `Idempotency-Key`.
    pub replayed: bool,
    /// The customer's budget of status changes, when this request wrote.
    pub rate: Option<RateLimitInfo>,
}

pub struct CaseStatusService {
    salesforce: Arc<dyn SalesforcePort>,
    idempotency: Arc<dyn IdempotencyStore>,
    limiter: Arc<dyn RateLimitStore>,
    metrics: Arc<Metrics>,
    picklists: Arc<Picklists>,
    window: ReopenWindow,
}

impl CaseStatusService {
    pub fn new(
        salesforce: Arc<dyn SalesforcePort>,
        rate: &RateLimitConfig,
        window: ReopenWindow,
        metrics: Arc<Metrics>,
        picklists: Arc<Picklists>,
        shared: &SharedState,
    ) -> Self {
        Self {
            salesforce,
            idempotency: shared.idempotency(),
            limiter: shared.rate_limit(Policy::new(
                POLICY,
                rate.per_hour,
                Duration::from_secs(3600),
                rate.burst,
            )),
            metrics,
            picklists,
            window,
        }
    }

    /// Closes or reopens the customer's case `id`. Another customer's case is "not found",
    /// exactly like a case that does not exist.
    pub async fn change(
        &self,
        session: &Session,
        id: &SalesforceId,
        idempotency_key: Option<&str>,
        change: StatusChange,
    ) -> ApiResult<Changed> {
        let key = idempotency::optional_key(idempotency_key)?;
        // Keys are the contact's, and apart from those of case creation: a key sent with a
        // create and then with a close is two requests, each answered on its own.
        let claim = match key {
            Some(key) => {
                let scoped = idempotency::scoped_key(session, &format!("case-status:{key}"));
                match idempotency::begin(&self.idempotency, scoped, change.fingerprint(id)).await? {
                    Begin::Proceed(claim) => Some(claim),
                    Begin::Replay(case) => {
                        return Ok(Changed {
                            case: *case,
                            replayed: true,
                            rate: None,
                        });
                    }
                    Begin::InFlight => return Err(ApiError::IdempotencyInFlight),
                    Begin::Mismatch => return Err(ApiError::IdempotencyMismatch),
                }
            }
            None => None,
        };
        let changed = self.change_claimed(session, id, &change).await;
        match (changed, claim) {
            (Ok(changed), Some(claim)) => {
                if let Err(err) = claim.complete(&changed.case).await {
                    // The change is made; a retry repeats it harmlessly (the same status again).
                    tracing::error!(error = %err, case = %changed.case.id, "could not record the idempotency key");
                }
                Ok(changed)
            }
            (Err(err), Some(claim)) => {
                claim.release().await;
                Err(err)
            }
            (changed, None) => changed,
        }
    }

    async fn change_claimed(
        &self,
        session: &Session,
        id: &SalesforceId,
        change: &StatusChange,
    ) -> ApiResult<Changed> {
        let case = self
            .salesforce
            .case(&session.case_scope(), id)
            .await?
            .filter(|c| c.account_id == session.account_id)
            .ok_or(ApiError::NotFound(Resource::Case))?;
        let closes = match change {
            StatusChange::Close { .. } if case.is_closed => return Ok(unchanged(case)),
            StatusChange::Reopen if !case.is_closed => return Ok(unchanged(case)),
            StatusChange::Close { .. } => true,
            StatusChange::Reopen => {
                if !self.window.allows(case.closed_date, Utc::now()) {
                    tracing::info!(case = %case.id, closed_at = ?case.closed_date, "reopen refused: the window has passed");
                    return Err(ApiError::ReopenWindowClosed {
                        case_number: case.case_number,
                        window_days: self.window.days_count(),
                        new_case: format!("/customer/{}/cases", session.account_id),
                    });
                }
                false
            }
        };

        let rate = match self.limiter.check(session.account_id.as_str()).await? {
            Decision::Allowed { remaining } => self.rate_info(remaining, 0),
            Decision::Limited { retry_after } => {
                tracing::info!(account = %session.account_id, "case status change rate-limited");
                self.metrics.refused("case_status");
                return Err(ApiError::RateLimited(
                    self.rate_info(0, ceil_secs(retry_after)),
                ));
            }
        };
        let write = CaseStatusWrite {
            account_id: session.account_id.clone(),
            case_id: case.id.clone(),
            status: if closes {
                self.picklists.close_status.clone()
            } else {
                self.picklists.reopen_status.clone()
            },
            closes,
            close_reason: change.reason().map(str::to_owned),
        };
        let written = match self.salesforce.update_case_status(write).await {
            Ok(written) => written,
            Err(err) => {
                let err = ApiError::from(err);
                if matches!(err, ApiError::StorageFull(_)) {
                    // Nothing was saved: the attempt does not count against the customer.
                    if let Err(refund) = self.limiter.refund(session.account_id.as_str()).await {
                        tracing::warn!(error = %refund, "could not give back a case-status unit");
                    }
                }
                return Err(err);
            }
        };
        let case = written.ok_or(ApiError::NotFound(Resource::Case))?;
        tracing::info!(case = %case.id, number = %case.case_number, change = change.name(), "case status changed");
        Ok(Changed {
            case,
            replayed: false,
            rate: Some(rate),
        })
    }

    fn rate_info(&self, remaining: u32, reset_secs: u64) -> RateLimitInfo {
        RateLimitInfo::of(POLICY, self.limiter.policy(), remaining, reset_secs)
    }

    pub fn prune(&self) {
        self.limiter.prune();
    }
}

fn unchanged(case: CaseRecord) -> Changed {
    Changed {
        case,
        replayed: false,
        rate: None,
    }
}
