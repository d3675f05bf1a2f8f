//! Cases: listing, reading and creating, always within the signed-in customer's account.

use std::sync::Arc;
use std::time::Duration;

use super::auth::Session;
use super::idempotency::{self, Begin};
use super::listing::{Listed, PageRequest};
use crate::config::RateLimitConfig;
use crate::domain::case::{CaseDescription, CaseSubject, Picklists, Priority};
use crate::domain::role::CaseListScope;
use crate::error::{ApiError, ApiResult, RateLimitInfo, Resource};
use crate::observability::metrics::Metrics;
use crate::salesforce::{
    AwaitingFilter, CaseQuery, CaseRecord, CaseSortField, CaseStatusFilter, NewCaseRecord,
    SalesforceId, SalesforcePort,
};
use crate::shared_state::SharedState;
use crate::shared_state::idempotency::{Fingerprint, IdempotencyStore};
use crate::shared_state::rate_limit::{Decision, Policy, RateLimitStore, ceil_secs};

/// A validated request to open a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseInput {
    pub subject: CaseSubject,
    pub description: CaseDescription,
    pub priority: Priority,
    /// A dynamic form's valid values (`services::forms`), when the case is opened with one.
    pub form: Option<FormValues>,
}

/// The values of a dynamic form, checked against its schema, by the Case field they go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormValues {
    pub form: String,
    pub case_values: std::collections::BTreeMap<String, serde_json::Value>,
}

impl CaseInput {
    fn fingerprint(&self) -> Fingerprint {
        match &self.form {
            // Without a form, as before forms existed: recorded keys stay valid.
            None => Fingerprint::of(&[
                self.subject.as_str(),
                self.description.as_str(),
                self.priority_name(),
            ]),
            // The values in the Case fields' order (a BTreeMap): the same fields sent in
            // another order are the same body.
            Some(form) => {
                let values = serde_json::to_string(&form.case_values).unwrap_or_default();
                Fingerprint::of(&[
                    self.subject.as_str(),
                    self.description.as_str(),
                    self.priority_name(),
                    form.form.as_str(),
                    values.as_str(),
                ])
            }
        }
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
        scope: CaseListScope,
        status: CaseStatusFilter,
        awaiting: AwaitingFilter,
        page: &PageRequest<CaseSortField>,
    ) -> ApiResult<Listed<CaseRecord>> {
        // Spelled as the cursors made before the filter was typed, which stay valid; the
        // awaiting filter, when given, binds them too.
        let filter = match awaiting {
            AwaitingFilter::Any => format!("status={status:?}"),
            AwaitingFilter::Only(side) => format!("status={status:?};awaiting={side:?}"),
        };
        // Which cases: checked before anything is read (a member asking for the company's is
        // refused). Cursors carry the filter, so a page of one scope never continues another.
        let cases = session.list_scope(scope)?;
        let filter = match scope {
            CaseListScope::Default => filter,
            CaseListScope::Mine => format!("{filter};scope=mine"),
            CaseListScope::Company => format!("{filter};scope=company"),
        };
        let cases = &cases;
        page.read(&filter, |after| async move {
            let query = CaseQuery {
                status,
                awaiting,
                search: page.search.get().map(str::to_owned),
                sort: page.sort,
                after,
                limit: page.limit.get(),
            };
            self.salesforce.query_cases(cases, &query).await
        })
        .await
    }

    /// The case if it is the customer's. Another customer's case is "not found", exactly like
    /// a case that does not exist, so ids cannot be probed.
    pub async fn get(&self, session: &Session, id: &SalesforceId) -> ApiResult<CaseRecord> {
        self.salesforce
            .case(&session.case_scope(), id)
            .await?
            .filter(|c| c.account_id == session.account_id)
            .ok_or(ApiError::NotFound(Resource::Case))
    }

    pub async fn create(
        &self,
        session: &Session,
        idempotency_key: Option<&str>,
        input: CaseInput,
    ) -> ApiResult<Created> {
        let key = idempotency::optional_key(idempotency_key)?;
        // Keys are per contact: two customers, or two people of one customer, may well pick
        // the same one, and each must get their own case.
        let scoped_key = key.map(|k| idempotency::scoped_key(session, k));
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
        let created = self
            .create_claimed(session, scoped_key.as_deref(), &input)
            .await;
        match (created, claim) {
            (Ok(created), Some(claim)) => {
                if let Err(err) = claim.complete(&created.case).await {
                    // The case exists and a retry still finds it through the upsert on the
                    // external id; failing this request now would only make the client retry
                    // for nothing.
                    tracing::error!(error = %err, case = %created.case.id, "could not record the idempotency key");
                }
                Ok(created)
            }
            (Err(err), Some(claim)) => {
                // Nothing was made (refused, or the write failed: a full disk, Salesforce
                // down): the key must not stay claimed for a case that does not exist, so the
                // retry is free to run as soon as it comes.
                claim.release().await;
                Err(err)
            }
            (created, None) => created,
        }
    }

    /// The create itself, once the key (if any) is claimed.
    async fn create_claimed(
        &self,
        session: &Session,
        scoped_key: Option<&str>,
        input: &CaseInput,
    ) -> ApiResult<Created> {
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

        let portal_request_id = match scoped_key {
            Some(scoped) => external_id(scoped),
            None => format!("r-{}", uuid::Uuid::new_v4().simple()),
        };
        let written = self
            .salesforce
            .upsert_case(NewCaseRecord {
                account_id: session.account_id.clone(),
                contact_id: Some(session.contact_id.clone()),
                subject: input.subject.as_str().to_owned(),
                description: input.description.as_str().to_owned(),
                priority: self.picklists.priority_value(input.priority).to_owned(),
                origin: "Web".into(),
                portal_request_id,
                form_values: input
                    .form
                    .as_ref()
                    .map(|f| f.case_values.clone())
                    .unwrap_or_default(),
            })
            .await
            .map_err(ApiError::from);
        let outcome = match written {
            Ok(outcome) => outcome,
            Err(err @ ApiError::StorageFull(_)) => {
                // Nothing was saved, so the attempt does not count against the customer's
                // quota: retrying until space is freed must not lock them out for an hour.
                // (Other failures may have saved the case in Salesforce: those keep counting.)
                if let Err(refund) = self.limiter.refund(session.account_id.as_str()).await {
                    tracing::warn!(error = %refund, "could not give back a case-creation unit");
                }
                return Err(err);
            }
            Err(err) => return Err(err),
        };
        if !outcome.created && !input.matches(&outcome.record, &self.picklists) {
            return Err(ApiError::IdempotencyMismatch);
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
        RateLimitInfo::of("case-create", self.limiter.policy(), remaining, reset_secs)
    }

    pub fn prune(&self) {
        self.limiter.prune();
    }
}

/// The external id a keyed create upserts by (both adapters: the mock store's request id,
/// Salesforce's `case_external_id_field`): derived from the scoped key, so the same contact's
/// retry, even after the idempotency record is gone, finds the case it made, and another
/// contact's same key never does. 40 hexadecimal digits of its SHA-256 fit any text field.
fn external_id(scoped_key: &str) -> String {
    format!("k-{}", idempotency::key_digest(scoped_key, 40))
}
