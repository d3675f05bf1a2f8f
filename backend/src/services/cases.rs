//! Cases: listing, reading and creating, always within the signed-in customer's account.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::auth::Session;
use super::idempotency::{self, Begin, IdempotencyStore};
use super::listing::{self, Listed, RawListParams};
use super::metrics::Metrics;
use super::rate_limit::{Decision, Policy, RateLimitStore, ceil_secs};
use crate::config::RateLimitConfig;
use crate::domain::case::{CaseDescription, CaseSubject, Picklists, Priority};
use crate::domain::paging::Sort;
use crate::error::{ApiError, ApiResult, FieldError, RateLimitInfo};
use crate::salesforce::{
    CaseQuery, CaseRecord, CaseSortField, NewCase, SalesforceId, SalesforcePort, StatusFilter,
};
use crate::shared_state::SharedState;

pub const DEFAULT_SORT: Sort<CaseSortField> = CaseQuery::DEFAULT_SORT;

/// A validated request to open a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseInput {
    pub subject: CaseSubject,
    pub description: CaseDescription,
    pub priority: Priority,
}

impl CaseInput {
    /// Parses the JSON body, reporting every invalid or unknown field at once.
    pub fn parse(body: &Value) -> Result<Self, Vec<FieldError>> {
        let Some(object) = body.as_object() else {
            return Err(vec![FieldError::new("body", "Send a JSON object.")]);
        };
        let mut errors: Vec<FieldError> = object
            .keys()
            .filter(|k| !matches!(k.as_str(), "subject" | "description" | "priority"))
            .map(|k| FieldError::new(k.clone(), "This field is not accepted."))
            .collect();
        let text = |name: &str, errors: &mut Vec<FieldError>| match object.get(name) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) | None => Some(String::new()),
            Some(_) => {
                errors.push(FieldError::new(name, "Must be text."));
                None
            }
        };
        let subject = text("subject", &mut errors).and_then(|s| {
            CaseSubject::parse(&s)
                .map_err(|m| errors.push(FieldError::new("subject", m)))
                .ok()
        });
        let description = text("description", &mut errors).and_then(|s| {
            CaseDescription::parse(&s)
                .map_err(|m| errors.push(FieldError::new("description", m)))
                .ok()
        });
        let priority = match object.get("priority") {
            None | Some(Value::Null) => Some(Priority::default()),
            Some(Value::String(s)) => Priority::parse(s),
            Some(_) => None,
        };
        if priority.is_none() {
            errors.push(FieldError::new("priority", "Choose low, medium or high."));
        }
        match (subject, description, priority) {
            (Some(subject), Some(description), Some(priority)) if errors.is_empty() => Ok(Self {
                subject,
                description,
                priority,
            }),
            _ => Err(errors),
        }
    }

    fn fingerprint(&self) -> [u8; 32] {
        let mut hash = Sha256::new();
        for part in [
            self.subject.as_str(),
            self.description.as_str(),
            self.priority_name(),
        ] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        hash.finalize().into()
    }

    fn priority_name(&self) -> &'static str {
        match self.priority {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
        }
    }

    /// Whether an existing case was made from this same input.
    fn matches(&self, case: &CaseRecord, picklists: &Picklists) -> bool {
        case.subject == self.subject.as_str()
            && case.description.as_deref() == Some(self.description.as_str())
            && picklists.priority(&case.priority) == self.priority
    }
}

/// The result of a create: the case, and whether it is a replay of an earlier request.
pub struct Created {
    pub case: CaseRecord,
    pub replayed: bool,
    pub rate: Option<RateLimitInfo>,
}

pub struct CaseService {
    salesforce: Arc<dyn SalesforcePort>,
    idempotency: Arc<dyn IdempotencyStore>,
    limiter: Arc<dyn RateLimitStore>,
    metrics: Arc<Metrics>,
    picklists: Arc<Picklists>,
}

impl CaseService {
    pub fn new(
        salesforce: Arc<dyn SalesforcePort>,
        rate: &RateLimitConfig,
        metrics: Arc<Metrics>,
        picklists: Arc<Picklists>,
        shared: &SharedState,
    ) -> Self {
        Self {
            picklists,
            metrics,
            salesforce,
            idempotency: shared.idempotency(),
            limiter: shared.rate_limit(Policy::new(
                "case-create",
                rate.per_hour,
                Duration::from_secs(3600),
                rate.burst,
            )),
        }
    }

    pub async fn list(
        &self,
        session: &Session,
        raw: &RawListParams,
        status: Option<&str>,
    ) -> ApiResult<Listed<CaseRecord>> {
        let mut errors = Vec::new();
        let status = match status {
            None | Some("" | "all") => Some(StatusFilter::All),
            Some("open") => Some(StatusFilter::Open),
            Some("closed") => Some(StatusFilter::Closed),
            Some(_) => {
                errors.push(FieldError::new("status", "Use open, closed or all."));
                None
            }
        };
        let filter = format!("status={status:?}");
        let params = listing::parse(raw, DEFAULT_SORT, &filter, &mut errors);
        let (Some(status), Some(params), true) = (status, params, errors.is_empty()) else {
            return Err(ApiError::Validation(errors));
        };
        let query = CaseQuery {
            status,
            search: params.search.clone(),
            sort: params.sort,
            after: params.after.clone(),
            limit: params.limit,
        };
        let page = self
            .salesforce
            .query_cases(&session.account_id, &query)
            .await?;
        Ok(Listed {
            next_cursor: listing::next_cursor(&params, &filter, page.next),
            items: page.items,
        })
    }

    /// The case if it is the customer's. Another customer's case is "not found", exactly like
    /// a case that does not exist, so ids cannot be probed.
    pub async fn get(&self, session: &Session, raw_id: &str) -> ApiResult<CaseRecord> {
        let id = SalesforceId::parse(raw_id).map_err(|_| ApiError::NotFound("case"))?;
        self.salesforce
            .case(&session.account_id, &id)
            .await?
            .filter(|c| c.account_id == session.account_id)
            .ok_or(ApiError::NotFound("case"))
    }

    pub async fn create(
        &self,
        session: &Session,
        idempotency_key: Option<&str>,
        body: &Value,
    ) -> ApiResult<Created> {
        let key = match idempotency_key {
            Some(k)
                if k.is_empty() || k.len() > 255 || !k.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "Idempotency-Key",
                    "Use 1 to 255 visible ASCII characters, for example a UUID.",
                )]));
            }
            other => other,
        };
        let input = CaseInput::parse(body).map_err(ApiError::Validation)?;

        // Keys are per customer: two customers may well pick the same one.
        let scoped_key = key.map(|k| format!("{}:{k}", session.account_id));
        let claim = match &scoped_key {
            Some(scoped) => {
                match idempotency::begin(&self.idempotency, scoped.clone(), input.fingerprint())
                    .await?
                {
                    Begin::Proceed(claim) => Some(claim),
                    Begin::Replay(case) => {
                        return Ok(Created {
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

        let rate = match self.limiter.check(session.account_id.as_str()).await? {
            Decision::Allowed { remaining } => self.rate_info(remaining, 0),
            Decision::Limited { retry_after } => {
                tracing::info!(account = %session.account_id, "case creation rate-limited");
                self.metrics.refused("case_create");
                return Err(ApiError::RateLimited(
                    self.rate_info(0, ceil_secs(retry_after)),
                ));
            }
        };

        let portal_request_id = match &scoped_key {
            Some(scoped) => {
                let digest = Sha256::digest(scoped.as_bytes());
                format!("k-{}", hex(&digest[..20]))
            }
            None => format!("r-{}", uuid::Uuid::new_v4().simple()),
        };
        let outcome = self
            .salesforce
            .upsert_case(NewCase {
                account_id: session.account_id.clone(),
                contact_id: Some(session.contact_id.clone()),
                subject: input.subject.as_str().to_owned(),
                description: input.description.as_str().to_owned(),
                priority: self.picklists.priority_value(input.priority).to_owned(),
                origin: "Web".into(),
                portal_request_id,
            })
            .await?;
        if !outcome.created && !input.matches(&outcome.record, &self.picklists) {
            return Err(ApiError::IdempotencyMismatch);
        }
        if let Some(claim) = claim
            && let Err(err) = claim.complete(&outcome.record).await
        {
            // The case exists and a retry still finds it through the upsert on the external
            // id; failing this request now would only make the client retry for nothing.
            tracing::error!(error = %err, case = %outcome.record.id, "could not record the idempotency key");
        }
        if outcome.created {
            tracing::info!(case = %outcome.record.id, number = %outcome.record.case_number, "case created");
        }
        Ok(Created {
            replayed: !outcome.created,
            case: outcome.record,
            rate: Some(rate),
        })
    }

    fn rate_info(&self, remaining: u32, reset_secs: u64) -> RateLimitInfo {
        let policy = self.limiter.policy();
        RateLimitInfo {
            policy: "case-create",
            quota: policy.burst,
            window_secs: policy.period.as_secs() * u64::from(policy.burst),
            remaining,
            reset_secs,
        }
    }

    pub fn prune(&self) {
        self.limiter.prune();
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_every_bad_field_at_once() {
        let errors = CaseInput::parse(&json!({"subject": " ", "priority": "urgent", "extra": 1}))
            .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["extra", "subject", "description", "priority"]);
    }

    #[test]
    fn priority_defaults_to_medium() {
        let input = CaseInput::parse(&json!({"subject": "a", "description": "b"})).unwrap();
        assert_eq!(input.priority, Priority::Medium);
    }

    #[test]
    fn wrong_types_are_field_errors() {
        let errors = CaseInput::parse(&json!({"subject": 5, "description": ["x"]})).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(CaseInput::parse(&json!([1])).is_err());
    }
}
