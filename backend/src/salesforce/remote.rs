//! What the read path needs of an adapter over a Salesforce org beyond the port's business
//! operations: a visit's first pages in one round trip, and what changed since a moment. The
//! cache ([`crate::read_path::cache`]) wraps a [`RemoteOrg`]; the mock store is none.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    CaseQuery, CaseRecord, CaseScope, DocumentQuery, DocumentRecord, DocumentScope, PortResult,
    SalesforceId, SalesforcePort,
};
use crate::domain::paging::Page;
use crate::observability::health::Probe;

/// What a customer's visit shows first: the landing page of their cases and of their documents
/// ([`CaseQuery::landing`], [`DocumentQuery::landing`]). Fetched together so that one
/// Salesforce round trip (one API call) serves both views of a visit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Landing {
    pub cases: Page<CaseRecord>,
    pub documents: Page<DocumentRecord>,
}

/// What was written in the org since a moment: how the cache keeps entries past their TTL
/// without asking for each of them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    /// These accounts had a case or a shared file written; no other account did.
    Accounts(HashSet<SalesforceId>),
    /// Too much to list: treat every account as changed.
    Everything,
}

/// An adapter that calls a Salesforce org: it can be cached, polled for changes and probed.
#[async_trait]
pub trait RemoteOrg: SalesforcePort + Probe {
    /// The landing pages of the cases in `cases` and the files in `documents`, in one round
    /// trip where the adapter can.
    async fn landing(&self, cases: &CaseScope, documents: &DocumentScope) -> PortResult<Landing> {
        Ok(Landing {
            cases: self.query_cases(cases, &CaseQuery::landing()).await?,
            documents: self
                .query_documents(documents, &DocumentQuery::landing())
                .await?,
        })
    }

    /// The accounts whose cases (any account) or shared files (among `watched`: Salesforce
    /// queries a file's links only by the ids they link) were written at or after `since`.
    /// `None` when the adapter cannot tell; caches then rely on their TTLs alone.
    async fn changes_since(
        &self,
        since: DateTime<Utc>,
        watched: &[SalesforceId],
    ) -> PortResult<Option<Changes>>;

    /// The org's API usage from the last `Sforce-Limit-Info`: (used, daily limit).
    fn api_usage(&self) -> Option<(u64, u64)>;
}
