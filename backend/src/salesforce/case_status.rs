//! What the portal writes to close or reopen a case.

use salesforce_client::SalesforceId;

/// A change of a case's Status by its customer: the org's value for "closed" or "reopened"
/// (`[picklists] close_status` / `reopen_status`). Salesforce derives `IsClosed` and
/// `ClosedDate` from the value: `ClosedDate` is set when the case becomes closed, kept while it
/// stays closed, and cleared when it is reopened. The mock store does the same.
#[derive(Debug, Clone)]
pub struct CaseStatusWrite {
    /// The session's account: a case of another account is not written (and reads as missing).
    pub account_id: SalesforceId,
    pub case_id: SalesforceId,
    /// The Status value to write.
    pub status: String,
    /// Whether `status` closes the case.
    pub closes: bool,
    /// On a close, the customer's reason (`None`: no reason, which clears an earlier one).
    /// Ignored on a reopen, which leaves the last close's reason for the agents to read.
    pub close_reason: Option<String>,
}
