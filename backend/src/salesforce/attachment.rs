//! Files attached to a case: in Salesforce, ContentDocuments linked to the case with
//! Visibility `AllUsers` (the customer-visible ones), each uploaded through the portal as a
//! ContentVersion whose external id field holds the upload's id.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use salesforce_client::SalesforceId;

use super::records::DocumentRecord;

/// A customer-visible file of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentRecord {
    /// The file as a document: its ContentDocument id, title, size, latest version, name.
    pub file: DocumentRecord,
    pub case_id: SalesforceId,
    /// Uploaded through the portal (its version carries an upload id), so by a customer;
    /// otherwise an agent (or any other user of the org) added it.
    pub by_customer: bool,
}

/// A file to attach to a case, spooled to disk by the service.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub account_id: SalesforceId,
    pub case_id: SalesforceId,
    pub contact_id: SalesforceId,
    /// Already made safe (`domain::attachment::sanitise_file_name`).
    pub file_name: String,
    /// The spooled content; the adapter moves or reads it, and the service removes what is left.
    pub spool: PathBuf,
    pub size: u64,
    /// The external id the upload is found by: the same value always yields the same file.
    pub upload_id: String,
}

#[derive(Debug, Clone)]
pub struct AttachmentOutcome {
    pub record: AttachmentRecord,
    /// `false` when a file with this upload id already existed and was returned unchanged.
    pub created: bool,
}
