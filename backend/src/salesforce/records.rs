//! Salesforce records as the REST API returns them (field names in Salesforce's API spelling).
//!
//! Only the fields the portal reads are declared; others, such as `attributes`, are ignored.
//! These types never leave the service layer: routes speak DTOs (see `http::dto`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{SalesforceId, datetime};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Account {
    pub id: SalesforceId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Contact {
    pub id: SalesforceId,
    pub account_id: SalesforceId,
    pub name: String,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CaseRecord {
    pub id: SalesforceId,
    pub case_number: String,
    pub account_id: SalesforceId,
    pub contact_id: Option<SalesforceId>,
    pub subject: String,
    #[serde(default)]
    pub description: Option<String>,
    pub status: String,
    pub priority: String,
    #[serde(default)]
    pub origin: Option<String>,
    pub is_closed: bool,
    #[serde(with = "datetime")]
    pub created_date: DateTime<Utc>,
    #[serde(with = "datetime")]
    pub last_modified_date: DateTime<Utc>,
    #[serde(with = "datetime::option", default)]
    pub closed_date: Option<DateTime<Utc>>,
    /// The external id the portal upserts by, so a retried create never makes a second case.
    #[serde(
        rename = "Portal_Request_Id__c",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub portal_request_id: Option<String>,
}

/// What the portal sends to create a case. Salesforce fills in the rest.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub account_id: SalesforceId,
    pub contact_id: Option<SalesforceId>,
    pub subject: String,
    pub description: String,
    /// Salesforce picklist value, e.g. `Medium`.
    pub priority: String,
    pub origin: String,
    /// Upsert key: the same value always yields the same single case.
    pub portal_request_id: String,
}

#[derive(Debug, Clone)]
pub struct UpsertOutcome {
    pub record: CaseRecord,
    /// `false` when a case with this external id already existed and was returned unchanged.
    pub created: bool,
}

/// A file shared with the customer: a ContentDocument joined with its latest ContentVersion,
/// reached through a ContentDocumentLink to the account with Visibility `AllUsers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentRecord {
    pub id: SalesforceId,
    pub title: String,
    pub file_extension: Option<String>,
    pub content_size: u64,
    pub latest_version_id: SalesforceId,
    pub path_on_client: Option<String>,
    pub created_date: DateTime<Utc>,
}
