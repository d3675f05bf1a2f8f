//! Salesforce records as the REST API returns them (field names in Salesforce's API spelling).
//!
//! Only the fields the portal reads are declared; others, such as `attributes`, are ignored.
//! These types never leave the service layer: routes speak DTOs (see `http::dto`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use salesforce_client::SalesforceId;

use super::datetime;

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
    /// The person's role in the portal (decision 031), a picklist; read through `[roles]`.
    #[serde(rename = "Portal_Role__c", default)]
    pub portal_role: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CaseRecord {
    pub id: SalesforceId,
    pub case_number: String,
    pub account_id: SalesforceId,
    pub contact_id: Option<SalesforceId>,
    /// Optional in an org (agents and email-to-case may leave it empty): null reads as "".
    #[serde(default, deserialize_with = "null_as_empty")]
    pub subject: String,
    #[serde(default)]
    pub description: Option<String>,
    /// May be null in an org (a data load or an integration can clear it): null reads as "",
    /// which the picklist mapping treats like any value it does not know, by `IsClosed`
    /// (closed, or in_progress), rather than failing the whole page the case is on.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub status: String,
    /// Optional in an org: null reads as "", which the picklist mapping reports as the default
    /// priority (medium), like any value it does not know.
    #[serde(default, deserialize_with = "null_as_empty")]
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
    /// The values of the dynamic form the case was opened with, by Case field (decision 029):
    /// kept by the mock store, which has no such fields. A real org's are its Case fields,
    /// which the case queries do not select: empty there.
    #[serde(
        rename = "Portal_Form_Values",
        default,
        skip_serializing_if = "std::collections::BTreeMap::is_empty"
    )]
    pub form_values: std::collections::BTreeMap<String, serde_json::Value>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Option::<String>::deserialize(d).map(Option::unwrap_or_default)
}

/// What the portal sends to create a case. Salesforce fills in the rest.
#[derive(Debug, Clone)]
pub struct NewCaseRecord {
    pub account_id: SalesforceId,
    pub contact_id: Option<SalesforceId>,
    pub subject: String,
    pub description: String,
    /// Salesforce picklist value, e.g. `Medium`.
    pub priority: String,
    pub origin: String,
    /// Upsert key: the same value always yields the same single case.
    pub portal_request_id: String,
    /// A dynamic form's values, by Case field (decision 029), written in the same create.
    pub form_values: std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone)]
pub struct UpsertOutcome {
    pub record: CaseRecord,
    /// `false` when a case with this external id already existed and was returned unchanged.
    pub created: bool,
}

/// A public comment on a case: a CaseComment with `IsPublished = true` (agents' internal
/// comments never leave the adapters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentRecord {
    pub id: SalesforceId,
    pub case_id: SalesforceId,
    /// CommentBody as stored: a portal-written comment starts with its marker line
    /// (`domain::comment::Marker`).
    pub body: String,
    pub created_date: DateTime<Utc>,
    /// The first name of the user who created it (CreatedBy.FirstName), if it has one.
    pub created_by_first_name: Option<String>,
}

/// What the portal sends to write a published comment on a case of the account.
#[derive(Debug, Clone)]
pub struct NewCommentRecord {
    pub account_id: SalesforceId,
    pub case_id: SalesforceId,
    /// The body as stored, marker line included.
    pub body: String,
    /// The marker's reference: a comment on the case whose marker has it is this one.
    pub reference: String,
}

#[derive(Debug, Clone)]
pub struct CommentOutcome {
    pub record: CommentRecord,
    /// `false` when the case already had the comment with this reference (a retry).
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

/// The fields of a ContentDocument as Salesforce sends them (in a query's relationship, or a
/// record), which both adapters read.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContentDocumentFields {
    pub title: String,
    pub file_extension: Option<String>,
    pub content_size: u64,
    pub latest_published_version_id: SalesforceId,
    #[serde(with = "datetime")]
    pub created_date: DateTime<Utc>,
}

impl ContentDocumentFields {
    /// The document `id` with these fields, and its latest version's file name.
    pub fn into_record(self, id: SalesforceId, path_on_client: Option<String>) -> DocumentRecord {
        DocumentRecord {
            id,
            title: self.title,
            file_extension: self.file_extension,
            content_size: self.content_size,
            latest_version_id: self.latest_published_version_id,
            path_on_client,
            created_date: self.created_date,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::{CaseStatus, Picklists, Priority};

    #[test]
    fn a_case_without_subject_status_or_priority_reads_as_unknown_values() {
        let bare = |closed: bool| -> CaseRecord {
            serde_json::from_value(serde_json::json!({
                "Id": "500Dn0001euruuWIAQ", "CaseNumber": "00001234",
                "AccountId": "001Dn000V58wd0MIIQ", "ContactId": null,
                "Subject": null, "Description": null, "Status": null, "Priority": null,
                "Origin": null, "IsClosed": closed,
                "CreatedDate": "2025-03-15T10:22:33.000+0000",
                "LastModifiedDate": "2025-03-15T10:22:33.000+0000", "ClosedDate": null
            }))
            .unwrap()
        };
        let case = bare(false);
        assert_eq!(case.subject, "");
        assert_eq!(case.status, "");
        assert_eq!(case.priority, "");
        let picklists = Picklists::default();
        assert_eq!(picklists.priority(&case.priority), Priority::Medium);
        // As an unmapped status: by IsClosed.
        assert_eq!(
            picklists.status(&case.status, case.is_closed),
            CaseStatus::InProgress
        );
        let closed = bare(true);
        assert_eq!(
            picklists.status(&closed.status, closed.is_closed),
            CaseStatus::Closed
        );
    }
}
