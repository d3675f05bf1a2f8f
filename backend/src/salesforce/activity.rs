//! Agent activity the portal tells customers about by mail (issue 14, decision 034): public
//! comments and case status values, read since a watermark. A port of its own beside
//! [`super::SalesforcePort`]; polled until issue 16's change events exist, when an event-fed
//! implementation can take its place behind the same trait.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use salesforce_client::SalesforceId;

use super::PortResult;

/// The case an activity is on: whose it is and what the customer calls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityCase {
    pub case_id: SalesforceId,
    pub case_number: String,
    pub account_id: SalesforceId,
    pub contact_id: Option<SalesforceId>,
}

/// A published comment on a case. Portal-written ones are among them (their body starts with
/// the portal's marker line, `domain::comment::Marker`): the service leaves those out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedComment {
    /// The comment's id (a Salesforce id on an org).
    pub id: String,
    pub case: ActivityCase,
    pub body: String,
    pub created: DateTime<Utc>,
}

/// A case's Status as it is now, and when the case was last modified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseState {
    pub case: ActivityCase,
    pub status: String,
    pub modified: DateTime<Utc>,
}

#[async_trait]
pub trait ActivityPort: Send + Sync + 'static {
    /// Published comments created after `since`, oldest first.
    async fn published_comments(&self, since: DateTime<Utc>) -> PortResult<Vec<PublishedComment>>;

    /// Cases modified after `since` (every case when `None`: the first start's baseline),
    /// oldest change first.
    async fn case_states(&self, since: Option<DateTime<Utc>>) -> PortResult<Vec<CaseState>>;
}
