//! A case's conversation: its public comments, and the customer's replies, always within the
//! signed-in customer's account.
//!
//! Who wrote a comment: the portal writes every reply as the integration user, with a marker
//! line naming the contact (`domain::comment::Marker`, decision 017); a comment with that
//! marker is the customer's, any other public comment is an agent's (shown by first name).
//! Internal comments never leave the adapters.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::auth::Session;
use super::cases::CaseService;
use super::idempotency::{self, Begin};
use super::listing::Listed;
use crate::config::RateLimitConfig;
use crate::domain::case::Picklists;
use crate::domain::comment::{CommentBody, Marker, REF_LEN};
use crate::domain::paging::{self, Keyset, SortValue};
use crate::error::{ApiError, ApiResult, FieldError, RateLimitInfo};
use crate::observability::metrics::Metrics;
use crate::salesforce::{
    CaseRecord, CaseStatusWrite, CommentOutcome, CommentRecord, NewCommentRecord, SalesforceId,
    SalesforcePort,
};
use crate::shared_state::SharedState;
use crate::shared_state::idempotency::{Fingerprint, IdempotencyStore};
use crate::shared_state::rate_limit::{Decision, Policy, RateLimitStore, ceil_secs};

/// The rate-limit policy of replies (also how its 429 problem is worded).
pub const POLICY: &str = "comment-create";

/// Who wrote a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorKind {
    Customer,
    Agent,
}

/// A public comment as the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: SalesforceId,
    /// The text, without the portal's marker line.
    pub body: String,
    pub author: AuthorKind,
    /// A customer's contact name, or an agent's first name; `None` when unknown.
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a case's detail says of its conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// Public comments only.
    pub comment_count: usize,
    /// The latest public comment's time, or the case's creation when it has none.
    pub last_activity_at: DateTime<Utc>,
    /// Who wrote the latest public comment; `None` when there is none.
    pub last_actor: Option<AuthorKind>,
}

/// The page of a conversation a client asked for: oldest first.
pub type CommentPage = super::listing::CursorPage;

/// The result of a reply: the comment, and whether it is a replay of an earlier request.
pub struct Created {
    pub comment: Comment,
    pub replayed: bool,
    pub rate: Option<RateLimitInfo>,
}

pub struct CommentService {
    salesforce: Arc<dyn SalesforcePort>,
    picklists: Arc<Picklists>,
    idempotency: Arc<dyn IdempotencyStore>,
    limiter: Arc<dyn RateLimitStore>,
    metrics: Arc<Metrics>,
}

/// The sort a conversation's cursors are made for: oldest first, always.
const SORT: &str = "created_at";

impl CommentService {
    pub fn new(
        salesforce: Arc<dyn SalesforcePort>,
        picklists: Arc<Picklists>,
        rate: &RateLimitConfig,
        metrics: Arc<Metrics>,
        shared: &SharedState,
    ) -> Self {
        Self {
            salesforce,
            picklists,
            metrics,
            idempotency: shared.idempotency(),
            limiter: shared.rate_limit(Policy::new(
                POLICY,
                rate.per_hour,
                Duration::from_secs(3600),
                rate.burst,
            )),
        }
    }

    /// One page of the case's public conversation, oldest first. A case that is not the
    /// customer's is "not found", as one that does not exist.
    pub async fn list(
        &self,
        cases: &CaseService,
        session: &Session,
        case_id: &SalesforceId,
        page: &CommentPage,
    ) -> ApiResult<Listed<Comment>> {
        let filter = format!("comments:{case_id}");
        let after = match &page.cursor {
            Some(cursor) => Some(paging::decode_cursor(cursor, SORT, &filter).map_err(|e| {
                ApiError::Validation(vec![FieldError::new("cursor", e.to_string())])
            })?),
            None => None,
        };
        cases.get(session, case_id).await?;
        let records = self
            .salesforce
            .case_comments(&session.account_id, case_id)
            .await?;
        let limit = page.limit.get();
        let mut rows: Vec<CommentRecord> = records
            .into_iter()
            .filter(|c| {
                after
                    .as_ref()
                    .is_none_or(|k| position(c) > (k.value.clone(), &k.id))
            })
            .collect();
        rows.sort_by(|a, b| position(a).cmp(&position(b)));
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|c| Keyset {
                value: SortValue::Time(c.created_date),
                id: c.id.clone(),
            })
        } else {
            None
        };
        let items = self.authored(session, rows).await?;
        Ok(Listed {
            items,
            next_cursor: next.map(|k| paging::encode_cursor(SORT, &filter, k)),
        })
    }

    /// Counts and the latest activity of a case the caller has already read (so authorised).
    pub async fn activity(&self, session: &Session, case: &CaseRecord) -> ApiResult<Activity> {
        let records = self
            .salesforce
            .case_comments(&session.account_id, &case.id)
            .await?;
        let last = records.iter().max_by(|a, b| position(a).cmp(&position(b)));
        Ok(Activity {
            comment_count: records.len(),
            last_activity_at: last.map_or(case.created_date, |c| c.created_date),
            last_actor: last.map(|c| match Marker::parse(&c.body) {
                Some(_) => AuthorKind::Customer,
                None => AuthorKind::Agent,
            }),
        })
    }

    /// Writes the customer's reply on their case. The `Idempotency-Key` is required: the same
    /// key (and body) always comes back as the same single comment.
    pub async fn create(
        &self,
        cases: &CaseService,
        session: &Session,
        case_id: &SalesforceId,
        idempotency_key: Option<&str>,
        body: CommentBody,
    ) -> ApiResult<Created> {
        let key = idempotency::required_key(
            idempotency_key,
            "Send an Idempotency-Key header (a UUID per reply) so that a retry never posts it twice.",
        )?;
        let case = cases.get(session, case_id).await?;
        // Keys are per contact and per case, as case creation's are per contact.
        let scoped = format!(
            "comment:{}:{}:{}:{key}",
            session.account_id, session.contact_id, case.id
        );
        let fingerprint = Fingerprint::of(&[case.id.as_str(), body.as_str()]);
        // The claim only keeps two requests with one key from running at once; the record of
        // what the first one made is the comment itself (found by its marker's reference), so
        // the claim is released, never completed.
        let claim = match idempotency::begin(&self.idempotency, scoped.clone(), fingerprint).await?
        {
            Begin::Proceed(claim) => claim,
            Begin::InFlight | Begin::Replay(_) => return Err(ApiError::IdempotencyInFlight),
            Begin::Mismatch => return Err(ApiError::IdempotencyMismatch),
        };
        let created = self.create_claimed(session, &case, &scoped, &body).await;
        claim.release().await;
        created
    }

    async fn create_claimed(
        &self,
        session: &Session,
        case: &CaseRecord,
        scoped_key: &str,
        body: &CommentBody,
    ) -> ApiResult<Created> {
        let marker = Marker {
            contact_id: session.contact_id.clone(),
            reference: reference(scoped_key),
        };
        if case.is_closed {
            // Salesforce would take it, but a reply on a closed case reaches no one (decision
            // 017). A retry of a reply written before the case closed still gets its comment.
            return match self.existing(session, case, &marker).await? {
                Some(replay) => self.answer(session, case, body, replay, None),
                None => Err(ApiError::CaseClosed),
            };
        }
        let rate = match self.limiter.check(session.account_id.as_str()).await? {
            Decision::Allowed { remaining } => self.rate_info(remaining, 0),
            Decision::Limited { retry_after } => {
                // A retry of a reply already written costs nothing, even over the quota.
                if let Some(replay) = self.existing(session, case, &marker).await? {
                    return self.answer(session, case, body, replay, None);
                }
                tracing::info!(account = %session.account_id, "reply rate-limited");
                self.metrics.refused("comment_create");
                return Err(ApiError::RateLimited(
                    self.rate_info(0, ceil_secs(retry_after)),
                ));
            }
        };
        let written = self
            .salesforce
            .create_comment(NewCommentRecord {
                account_id: session.account_id.clone(),
                case_id: case.id.clone(),
                body: marker.stored_body(body),
                reference: marker.reference.clone(),
            })
            .await
            .map_err(ApiError::from);
        let outcome = match written {
            Ok(outcome) => outcome,
            Err(err @ ApiError::StorageFull(_)) => {
                // Nothing was saved, so the attempt does not count against the quota.
                self.refund(&session.account_id).await;
                return Err(err);
            }
            Err(err) => return Err(err),
        };
        if !outcome.created {
            // A replay costs nothing.
            self.refund(&session.account_id).await;
        }
        let answered = self.answer(session, case, body, outcome, Some(rate))?;
        self.back_to_support(session, case).await;
        Ok(answered)
    }

    /// A reply on a case awaiting the customer hands it back to the support team
    /// (`picklists.replied_status`), as help desks do. Done after the reply is written, and
    /// again on a retry of it, so a reply never waits on this write: when it fails, the reply
    /// stands, the failure is logged, and the retry or the agent sets it.
    async fn back_to_support(&self, session: &Session, case: &CaseRecord) {
        let status = self.picklists.status(&case.status, case.is_closed);
        let Some(replied) = self.picklists.after_reply(status) else {
            return;
        };
        let write = CaseStatusWrite {
            account_id: session.account_id.clone(),
            case_id: case.id.clone(),
            status: replied.to_owned(),
            closes: false,
            close_reason: None,
        };
        match self.salesforce.update_case_status(write).await {
            Ok(_) => {
                tracing::info!(case = %case.id, status = replied, "case handed back to support after a reply")
            }
            // The failed call is counted with the adapter's other Salesforce calls.
            Err(err) => {
                tracing::warn!(case = %case.id, error = %err, "a reply could not hand its case back to support");
            }
        }
    }

    /// The reply as answered: a replay must be of the same reply by the same contact.
    fn answer(
        &self,
        session: &Session,
        case: &CaseRecord,
        body: &CommentBody,
        outcome: CommentOutcome,
        rate: Option<RateLimitInfo>,
    ) -> ApiResult<Created> {
        let Some((found, text)) = Marker::parse(&outcome.record.body) else {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "comment {} was written without its marker",
                outcome.record.id
            )));
        };
        if !outcome.created && (text != body.as_str() || found.contact_id != session.contact_id) {
            return Err(ApiError::IdempotencyMismatch);
        }
        if outcome.created {
            tracing::info!(case = %case.id, comment = %outcome.record.id, "reply written");
        }
        Ok(Created {
            replayed: !outcome.created,
            comment: Comment {
                body: text.to_owned(),
                id: outcome.record.id,
                author: AuthorKind::Customer,
                author_name: Some(session.user_name.clone()),
                created_at: outcome.record.created_date,
            },
            rate: rate.filter(|_| outcome.created),
        })
    }

    /// The reply this marker's request already wrote on the case, as a replay.
    async fn existing(
        &self,
        session: &Session,
        case: &CaseRecord,
        marker: &Marker,
    ) -> ApiResult<Option<CommentOutcome>> {
        Ok(self
            .salesforce
            .case_comments(&session.account_id, &case.id)
            .await?
            .into_iter()
            .find(|c| Marker::parse(&c.body).is_some_and(|(m, _)| m.reference == marker.reference))
            .map(|record| CommentOutcome {
                record,
                created: false,
            }))
    }

    async fn refund(&self, account: &SalesforceId) {
        if let Err(err) = self.limiter.refund(account.as_str()).await {
            tracing::warn!(error = %err, "could not give back a reply unit");
        }
    }

    /// Each comment with its author: a marker names a contact of the customer (the name is
    /// the contact's, while it is still of this account); any other comment is an agent's.
    async fn authored(
        &self,
        session: &Session,
        rows: Vec<CommentRecord>,
    ) -> ApiResult<Vec<Comment>> {
        let mut names: HashMap<SalesforceId, Option<String>> = HashMap::new();
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let comment = match Marker::parse(&row.body) {
                Some((marker, text)) => {
                    let name = match names.get(&marker.contact_id) {
                        Some(name) => name.clone(),
                        None => {
                            let name = self
                                .salesforce
                                .contact(&marker.contact_id)
                                .await?
                                .filter(|c| c.account_id == session.account_id)
                                .map(|c| c.name);
                            names.insert(marker.contact_id.clone(), name.clone());
                            name
                        }
                    };
                    Comment {
                        id: row.id.clone(),
                        body: text.to_owned(),
                        author: AuthorKind::Customer,
                        author_name: name,
                        created_at: row.created_date,
                    }
                }
                None => Comment {
                    id: row.id.clone(),
                    author: AuthorKind::Agent,
                    author_name: row
                        .created_by_first_name
                        .clone()
                        .filter(|n| !n.trim().is_empty()),
                    body: row.body,
                    created_at: row.created_date,
                },
            };
            items.push(comment);
        }
        Ok(items)
    }

    fn rate_info(&self, remaining: u32, reset_secs: u64) -> RateLimitInfo {
        RateLimitInfo::of(POLICY, self.limiter.policy(), remaining, reset_secs)
    }

    pub fn prune(&self) {
        self.limiter.prune();
    }
}

/// Where a comment sorts in its conversation: by creation, then id.
fn position(c: &CommentRecord) -> (SortValue, &SalesforceId) {
    (SortValue::Time(c.created_date), &c.id)
}

/// The marker reference a keyed reply is written with: the first 16 hexadecimal digits of the
/// SHA-256 of its scoped key, so a retry finds what it wrote and nobody else's key does.
fn reference(scoped_key: &str) -> String {
    idempotency::key_digest(scoped_key, REF_LEN)
}
