//! The case export's port (issue 16, decision 026): a Bulk API 2.0 query job over the account's
//! cases, its progress, and its rows one set at a time. A port of its own beside
//! [`super::SalesforcePort`], like the product and appointment ports.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::PortResult;
use crate::salesforce::SalesforceId;

/// Where an export job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportState {
    /// Accepted, not started (`UploadComplete`).
    Queued,
    /// Running (`InProgress`).
    Running,
    /// Its rows can be read (`JobComplete`).
    Complete,
    /// Failed or aborted: no rows will come.
    Failed,
}

/// A job and how far it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportJob {
    /// The Bulk API job id (`750…`), or the mock store's.
    pub job_id: String,
    pub state: ExportState,
    /// Records processed so far.
    pub records: u64,
}

/// One case as the export reads it: the org's values, mapped to the portal's words by the
/// service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub case_number: String,
    pub subject: String,
    pub status: String,
    pub priority: String,
    pub is_closed: bool,
    pub created: Option<DateTime<Utc>>,
    pub closed: Option<DateTime<Utc>>,
    pub last_modified: Option<DateTime<Utc>>,
}

/// One set of rows and where the next one starts (None: this was the last).
#[derive(Debug, Clone)]
pub struct ExportPage {
    pub rows: Vec<ExportRow>,
    pub next: Option<String>,
}

#[async_trait]
pub trait ExportPort: Send + Sync + 'static {
    /// Starts a job over every case of `account` (the case list's account filter).
    async fn start(&self, account: &SalesforceId) -> PortResult<ExportJob>;

    /// The job's progress; None when there is no such job (any more).
    async fn progress(&self, job_id: &str) -> PortResult<Option<ExportJob>>;

    /// One set of a complete job's rows, from `locator` (None: the first set).
    async fn page(&self, job_id: &str, locator: Option<&str>) -> PortResult<ExportPage>;
}
