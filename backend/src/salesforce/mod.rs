//! The Salesforce port: what the services need from Salesforce, in Salesforce's own shapes.
//!
//! Adapters implement [`SalesforcePort`]: the embedded mock store (`crate::mock_store`) now, a
//! REST adapter for a real org later. Every read takes the account id from the session so an
//! adapter filters by account in the query itself; ownership is never checked after the fact.

pub mod cache;
pub mod datetime;
mod id;
mod records;
pub mod resilience;

use std::pin::Pin;

use std::collections::HashSet;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::Stream;
use serde::{Deserialize, Serialize};

use crate::domain::case::{CaseStatus, Priority};
use crate::domain::paging::{
    DEFAULT_PAGE_SIZE, Direction, Keyset, Page, Sort, SortField, SortValue,
};

pub use id::{InvalidId, SalesforceId};
pub use records::{Account, CaseRecord, Contact, DocumentRecord, NewCase, UpsertOutcome};

#[derive(Debug, thiserror::Error)]
pub enum PortError {
    /// Salesforce could not be reached or answered with a transient failure; worth a retry later.
    #[error("Salesforce is unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else: a bug, a broken store, a response we do not understand.
    #[error("Salesforce call failed")]
    Internal(#[from] anyhow::Error),
}

pub type PortResult<T> = Result<T, PortError>;

/// The bytes of one file version, streamed: a download never holds a whole file in memory.
pub struct ContentStream {
    pub length: Option<u64>,
    pub body: Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Open,
    Closed,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseSortField {
    CreatedAt,
    UpdatedAt,
    CaseNumber,
    Subject,
    Priority,
    Status,
}

impl SortField for CaseSortField {
    const ALL: &'static [Self] = &[
        Self::CreatedAt,
        Self::UpdatedAt,
        Self::CaseNumber,
        Self::Subject,
        Self::Priority,
        Self::Status,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::CreatedAt => "created_at",
            Self::UpdatedAt => "updated_at",
            Self::CaseNumber => "case_number",
            Self::Subject => "subject",
            Self::Priority => "priority",
            Self::Status => "status",
        }
    }
}

impl CaseSortField {
    /// The value a case sorts by. Text sorts ignore case; picklists sort in their business
    /// order (low < medium < high), not alphabetically.
    pub fn value_of(self, case: &CaseRecord) -> SortValue {
        match self {
            Self::CreatedAt => SortValue::Time(case.created_date),
            Self::UpdatedAt => SortValue::Time(case.last_modified_date),
            Self::CaseNumber => SortValue::Text(case.case_number.clone()),
            Self::Subject => SortValue::Text(case.subject.to_lowercase()),
            Self::Priority => SortValue::Number(Priority::from_salesforce(&case.priority).rank()),
            Self::Status => {
                SortValue::Number(CaseStatus::from_salesforce(&case.status, case.is_closed).rank())
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentSortField {
    CreatedAt,
    Title,
    Size,
}

impl SortField for DocumentSortField {
    const ALL: &'static [Self] = &[Self::CreatedAt, Self::Title, Self::Size];

    fn name(self) -> &'static str {
        match self {
            Self::CreatedAt => "created_at",
            Self::Title => "title",
            Self::Size => "size",
        }
    }
}

impl DocumentSortField {
    pub fn value_of(self, doc: &DocumentRecord) -> SortValue {
        match self {
            Self::CreatedAt => SortValue::Time(doc.created_date),
            Self::Title => SortValue::Text(doc.title.to_lowercase()),
            Self::Size => SortValue::Number(i64::try_from(doc.content_size).unwrap_or(i64::MAX)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseQuery {
    pub status: StatusFilter,
    /// Case-insensitive match on subject or case number.
    pub search: Option<String>,
    pub sort: Sort<CaseSortField>,
    pub after: Option<Keyset>,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DocumentQuery {
    /// Case-insensitive match on the title.
    pub search: Option<String>,
    pub sort: Sort<DocumentSortField>,
    pub after: Option<Keyset>,
    pub limit: usize,
}

impl CaseQuery {
    /// Newest first: the order a case list has when the customer has not chosen one.
    pub const DEFAULT_SORT: Sort<CaseSortField> = Sort {
        field: CaseSortField::CreatedAt,
        direction: Direction::Descending,
    };

    /// The first page of every case in the default order: what the case list shows first.
    pub fn landing() -> Self {
        Self {
            status: StatusFilter::All,
            search: None,
            sort: Self::DEFAULT_SORT,
            after: None,
            limit: DEFAULT_PAGE_SIZE,
        }
    }
}

impl DocumentQuery {
    /// Newest first.
    pub const DEFAULT_SORT: Sort<DocumentSortField> = Sort {
        field: DocumentSortField::CreatedAt,
        direction: Direction::Descending,
    };

    /// The first page of every document in the default order.
    pub fn landing() -> Self {
        Self {
            search: None,
            sort: Self::DEFAULT_SORT,
            after: None,
            limit: DEFAULT_PAGE_SIZE,
        }
    }
}

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

#[async_trait]
pub trait SalesforcePort: Send + Sync + 'static {
    async fn account(&self, id: &SalesforceId) -> PortResult<Option<Account>>;

    async fn contact(&self, id: &SalesforceId) -> PortResult<Option<Contact>>;

    /// The contacts (with an account) whose sign-in field equals `value`, compared
    /// case-insensitively, for mapping a user who signed in through an identity provider. The
    /// field is the adapter's configured `oidc.contact_field`: Contact.Email unless set. More
    /// than one means the mapping is ambiguous.
    async fn contacts_by_sign_in(&self, value: &str) -> PortResult<Vec<Contact>>;

    /// One page of the account's cases.
    async fn query_cases(
        &self,
        account: &SalesforceId,
        query: &CaseQuery,
    ) -> PortResult<Page<CaseRecord>>;

    /// The case, only if it belongs to the account.
    async fn case(
        &self,
        account: &SalesforceId,
        id: &SalesforceId,
    ) -> PortResult<Option<CaseRecord>>;

    /// Creates a case, or returns the one already created with the same `portal_request_id`.
    async fn upsert_case(&self, case: NewCase) -> PortResult<UpsertOutcome>;

    /// One page of the files shared with the account (Visibility `AllUsers`).
    async fn query_documents(
        &self,
        account: &SalesforceId,
        query: &DocumentQuery,
    ) -> PortResult<Page<DocumentRecord>>;

    /// The document, only if it is shared with the account.
    async fn document(
        &self,
        account: &SalesforceId,
        id: &SalesforceId,
    ) -> PortResult<Option<DocumentRecord>>;

    /// The account's landing pages. The default asks for each; adapters that can fetch both in
    /// one round trip override it.
    async fn landing(&self, account: &SalesforceId) -> PortResult<Landing> {
        Ok(Landing {
            cases: self.query_cases(account, &CaseQuery::landing()).await?,
            documents: self
                .query_documents(account, &DocumentQuery::landing())
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
    ) -> PortResult<Option<Changes>> {
        let _ = (since, watched);
        Ok(None)
    }

    /// Streams a ContentVersion's VersionData.
    async fn version_data(&self, version_id: &SalesforceId) -> PortResult<ContentStream>;

    /// Readiness: can this adapter serve requests now?
    async fn check_ready(&self) -> PortResult<()>;

    /// A number that changes whenever `query_cases` or `query_documents` for this account may
    /// answer differently, so that a caller may keep what it derived from an answer (the HTTP
    /// layer keeps rendered list pages) until it changes. It must change once a write is
    /// visible to reads, and never stand for data served stale. A caching adapter's answers
    /// also age: what was derived from them is kept only while [`lease_fresh`](Self::lease_fresh)
    /// holds as well. `None`: this adapter cannot tell, and every read goes through it.
    fn list_version(&self, _account: &SalesforceId) -> Option<u64> {
        None
    }

    /// Whether what was derived from a cached read (see [`cache::Sources`]) may still be used:
    /// whether the cache would still serve the entry behind `lease` without asking Salesforce.
    /// Only a caching adapter hands out leases.
    fn lease_fresh(&self, _lease: &cache::Lease) -> bool {
        false
    }

    /// Whether the data lives in a service every instance shares (a Salesforce org), rather
    /// than in this process (the mock store). `/readyz` reports a shared service that is down
    /// as degraded, still ready: taking instances out of a load balancer cannot bring it back,
    /// and each instance can still serve from its cache.
    fn is_remote(&self) -> bool {
        false
    }

    /// The org's API usage from the last `Sforce-Limit-Info`: (used, daily limit).
    fn api_usage(&self) -> Option<(u64, u64)> {
        None
    }

    /// Named states for `/readyz` (the circuit, the cache backend, the token...).
    fn diagnostics(&self) -> Vec<Diagnostic> {
        Vec::new()
    }
}

/// One named state an adapter reports in `/readyz`, as `salesforce_{name}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub name: &'static str,
    pub state: String,
    /// Whether this state means Salesforce cannot be used now (an open circuit, a failed token
    /// request), as opposed to a plain fact such as the cache's kind. The adapter that names
    /// the state says so, so `/readyz` need not know every adapter's words.
    pub failing: bool,
}
