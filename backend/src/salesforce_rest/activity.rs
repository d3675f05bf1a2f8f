//! Agent activity on a real org (issue 14, decision 034): published CaseComments created since
//! the watermark, and Cases modified since it with their Status, by SOQL. The service compares
//! each case's Status with the last one it saw; with issue 16 `CaseChangeEvent` can take over.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use salesforce_client::QueryOptions;
use salesforce_client::soql::datetime;
use serde::Deserialize;

use super::{SalesforceRest, port_error};
use crate::salesforce::activity::{ActivityCase, ActivityPort, CaseState, PublishedComment};
use crate::salesforce::{PortResult, SalesforceId};

/// Most comments one poll reads: a poll that finds as many moves its watermark to the last of
/// them and reads the rest at the next.
pub const MAX_COMMENTS_PER_POLL: usize = 2_000;

pub fn comments_soql(since: &DateTime<Utc>) -> String {
    format!(
        "SELECT Id, ParentId, Parent.CaseNumber, Parent.AccountId, Parent.ContactId, \
         CommentBody, CreatedDate FROM CaseComment WHERE IsPublished = true \
         AND CreatedDate > {} ORDER BY CreatedDate ASC, Id ASC LIMIT {MAX_COMMENTS_PER_POLL}",
        datetime(since)
    )
}

pub fn cases_soql(since: Option<&DateTime<Utc>>) -> String {
    let filter = since
        .map(|since| format!(" WHERE LastModifiedDate > {}", datetime(since)))
        .unwrap_or_default();
    format!(
        "SELECT Id, CaseNumber, AccountId, ContactId, Status, LastModifiedDate FROM Case{filter} \
         ORDER BY LastModifiedDate ASC, Id ASC"
    )
}

pub struct SalesforceActivity {
    rest: Arc<SalesforceRest>,
}

impl SalesforceActivity {
    pub fn new(rest: Arc<SalesforceRest>) -> Self {
        Self { rest }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ParentRow {
    case_number: String,
    account_id: Option<SalesforceId>,
    contact_id: Option<SalesforceId>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CommentRow {
    id: String,
    parent_id: SalesforceId,
    parent: ParentRow,
    #[serde(default)]
    comment_body: Option<String>,
    #[serde(with = "crate::salesforce::datetime")]
    created_date: DateTime<Utc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CaseRow {
    id: SalesforceId,
    case_number: String,
    account_id: Option<SalesforceId>,
    contact_id: Option<SalesforceId>,
    #[serde(default)]
    status: Option<String>,
    #[serde(with = "crate::salesforce::datetime")]
    last_modified_date: DateTime<Utc>,
}

#[async_trait]
impl ActivityPort for SalesforceActivity {
    async fn published_comments(&self, since: DateTime<Utc>) -> PortResult<Vec<PublishedComment>> {
        let rows: Vec<CommentRow> = self
            .rest
            .client()
            .query_all_pages(&comments_soql(&since), &QueryOptions::default())
            .await
            .map_err(port_error)?;
        // A case without an account is no customer's: nobody to tell.
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                Some(PublishedComment {
                    id: row.id,
                    case: ActivityCase {
                        case_id: row.parent_id,
                        case_number: row.parent.case_number,
                        account_id: row.parent.account_id?,
                        contact_id: row.parent.contact_id,
                    },
                    body: row.comment_body.unwrap_or_default(),
                    created: row.created_date,
                })
            })
            .collect())
    }

    async fn case_states(&self, since: Option<DateTime<Utc>>) -> PortResult<Vec<CaseState>> {
        let rows: Vec<CaseRow> = self
            .rest
            .client()
            .query_all_pages(&cases_soql(since.as_ref()), &QueryOptions::default())
            .await
            .map_err(port_error)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                Some(CaseState {
                    case: ActivityCase {
                        case_id: row.id,
                        case_number: row.case_number,
                        account_id: row.account_id?,
                        contact_id: row.contact_id,
                    },
                    status: row.status.unwrap_or_default(),
                    modified: row.last_modified_date,
                })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queries_filter_by_the_watermark_in_salesforce_s_format() {
        let since = crate::salesforce::datetime::parse("2026-12-07T10:00:00.000+0000").unwrap();
        let comments = comments_soql(&since);
        assert!(comments.contains("IsPublished = true"), "{comments}");
        assert!(
            comments.contains("CreatedDate > 2026-12-07T10:00:00"),
            "{comments}"
        );
        assert!(cases_soql(Some(&since)).contains("WHERE LastModifiedDate > 2026-12-07T10:00:00"));
        assert!(!cases_soql(None).contains("WHERE"));
    }
}
