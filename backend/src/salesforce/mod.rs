//! The Salesforce port: what the services need from Salesforce, in Salesforce's own shapes.
//!
//! Adapters implement [`SalesforcePort`], the business operations the services need: the
//! embedded mock store (`crate::mock_store`) and the REST adapter for a real org
//! (`crate::salesforce_rest`), which also implements [`remote::RemoteOrg`] for the cache in front
//! of it. Every read takes the account id from the session so an adapter filters by account in
//! the query itself; ownership is never checked after the fact.

pub mod activity;
pub mod appointments;
mod attachment;
mod case_status;
pub mod datetime;
pub mod exports;
pub mod forms;
pub mod products;
pub mod profile;
mod query;
mod records;
pub mod remote;
mod visibility;

use std::pin::Pin;

use async_trait::async_trait;
use bytes::Bytes;
use futures::Stream;

use crate::domain::paging::Page;

pub use attachment::{AttachmentOutcome, AttachmentRecord, NewAttachment};
pub use case_status::CaseStatusWrite;
pub use query::{
    Awaiting, AwaitingFilter, CaseQuery, CaseSortField, CaseStatusFilter, DocumentQuery,
    DocumentSortField,
};
pub use records::{
    Account, CaseRecord, CommentOutcome, CommentRecord, Contact, ContentDocumentFields,
    DocumentRecord, NewCaseRecord, NewCommentRecord, UpsertOutcome,
};
pub use salesforce_client::{InvalidId, SalesforceId};
pub use visibility::{CaseScope, DocumentScope};

#[derive(Debug, thiserror::Error)]
pub enum PortError {
    /// Salesforce could not be reached or answered with a transient failure; worth a retry later.
    #[error("Salesforce is unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else: a bug, a broken store, a response we do not understand.
    #[error("Salesforce call failed")]
    Internal(#[from] anyhow::Error),
    /// The call was not made: the customer whose request needed it has spent their budget of
    /// Salesforce calls (`read_path/budget.rs`); worth a retry after this many seconds.
    #[error("the customer's Salesforce call budget is spent")]
    BudgetSpent { retry_after_secs: u64 },
}

pub type PortResult<T> = Result<T, PortError>;

/// The bytes of one file version, streamed: a download never holds a whole file in memory.
pub struct ContentStream {
    pub length: Option<u64>,
    pub body: Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>,
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

    /// One page of the cases in `scope` (decision 031: filtered in the query itself).
    async fn query_cases(
        &self,
        scope: &CaseScope,
        query: &CaseQuery,
    ) -> PortResult<Page<CaseRecord>>;

    /// The case, only if it is in `scope` (another account's, or one outside a member's
    /// view, is `None` like one that does not exist).
    async fn case(&self, scope: &CaseScope, id: &SalesforceId) -> PortResult<Option<CaseRecord>>;

    /// Creates a case, or returns the one already created with the same `portal_request_id`.
    async fn upsert_case(&self, case: NewCaseRecord) -> PortResult<UpsertOutcome>;

    /// Writes a case's Status (closing or reopening it) and returns the case as it is after
    /// the write; `None` when the account has no such case. Safe to repeat: writing the same
    /// status again changes nothing (a closed case keeps its `ClosedDate`).
    async fn update_case_status(&self, write: CaseStatusWrite) -> PortResult<Option<CaseRecord>>;

    /// One page of the files shared with the account or with the contact alone (Visibility
    /// `AllUsers`).
    async fn query_documents(
        &self,
        scope: &DocumentScope,
        query: &DocumentQuery,
    ) -> PortResult<Page<DocumentRecord>>;

    /// The document, only if it is shared with the account or with the contact alone.
    async fn document(
        &self,
        scope: &DocumentScope,
        id: &SalesforceId,
    ) -> PortResult<Option<DocumentRecord>>;

    /// Streams a ContentVersion's VersionData.
    async fn version_data(&self, version_id: &SalesforceId) -> PortResult<ContentStream>;

    /// One page of the customer-visible files of `case` (Visibility `AllUsers`), in the
    /// document sorts. The service has checked that the case is `account`'s.
    async fn query_attachments(
        &self,
        account: &SalesforceId,
        case: &SalesforceId,
        query: &DocumentQuery,
    ) -> PortResult<Page<AttachmentRecord>>;

    /// One customer-visible file of `case`, by its ContentDocument id.
    async fn attachment(
        &self,
        account: &SalesforceId,
        case: &SalesforceId,
        id: &SalesforceId,
    ) -> PortResult<Option<AttachmentRecord>>;

    /// Stores a file on a case, visible to the customer, or returns the one already stored
    /// with the same `upload_id`.
    async fn upload_attachment(&self, upload: NewAttachment) -> PortResult<AttachmentOutcome>;

    /// The public comments of the case (only if it belongs to the account), oldest first: at
    /// most [`MAX_CASE_COMMENTS`], the oldest ones. Internal comments are never returned.
    async fn case_comments(
        &self,
        account: &SalesforceId,
        case_id: &SalesforceId,
    ) -> PortResult<Vec<CommentRecord>>;

    /// Writes a published comment on the case, or returns the one already written with the
    /// same marker reference (a retry whose first answer was lost).
    async fn create_comment(&self, comment: NewCommentRecord) -> PortResult<CommentOutcome>;
}

/// The most public comments one case's conversation holds in the portal (a query's page; far
/// more than a support conversation has).
pub const MAX_CASE_COMMENTS: usize = 2_000;
