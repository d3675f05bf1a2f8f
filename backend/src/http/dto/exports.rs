//! What the case export routes answer (issue 16).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::salesforce::exports::ExportState;
use crate::services::exports::ExportStatus;

/// Where an export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportProgress {
    /// Accepted, not started yet.
    Queued,
    Running,
    /// Ready: `download_url` is set.
    Complete,
    /// Salesforce could not run it; start another.
    Failed,
}

impl From<ExportState> for ExportProgress {
    fn from(state: ExportState) -> Self {
        match state {
            ExportState::Queued => Self::Queued,
            ExportState::Running => Self::Running,
            ExportState::Complete => Self::Complete,
            ExportState::Failed => Self::Failed,
        }
    }
}

/// An export of all the customer's cases as CSV.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Export {
    /// The export's id (opaque; valid only for this customer).
    pub id: String,
    pub state: ExportProgress,
    /// Cases read so far.
    pub records: u64,
    /// When complete: a link to the CSV, valid for this session for a short time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
    /// When the download link stops working.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_expires_at: Option<DateTime<Utc>>,
}

impl From<ExportStatus> for Export {
    fn from(status: ExportStatus) -> Self {
        let (download_url, download_expires_at) = match status.download {
            Some((url, expires)) => (Some(url), Some(expires)),
            None => (None, None),
        };
        Self {
            id: status.id,
            state: status.state.into(),
            records: status.records,
            download_url,
            download_expires_at,
        }
    }
}
