//! Case exports on a real org (issue 16, decision 026): a Bulk API 2.0 query job over the
//! account's cases, filtered by the case list's own account filter
//! ([`super::soql_build::case_account_filter`]); results are read one set of
//! `exports.page_records` rows at a time and parsed from CSV, so no whole file is held.

use std::sync::Arc;

use anyhow::anyhow;
use async_trait::async_trait;
use salesforce_client::{BulkJobState, BulkQueryJob};

use super::soql_build::case_account_filter;
use super::{SalesforceRest, port_error};
use crate::salesforce::datetime;
use crate::salesforce::exports::{ExportJob, ExportPage, ExportPort, ExportRow, ExportState};
use crate::salesforce::{PortError, PortResult, SalesforceId};

/// The fields an export reads, in this order (no ORDER BY or LIMIT: they disable PK chunking).
const FIELDS: [&str; 8] = [
    "CaseNumber",
    "Subject",
    "Status",
    "Priority",
    "IsClosed",
    "CreatedDate",
    "ClosedDate",
    "LastModifiedDate",
];

pub struct SalesforceExports {
    rest: Arc<SalesforceRest>,
    page_records: u32,
}

impl SalesforceExports {
    pub fn new(rest: Arc<SalesforceRest>, page_records: u32) -> Self {
        Self { rest, page_records }
    }
}

/// The SOQL of an export of `account`'s cases.
pub fn export_soql(account: &SalesforceId) -> String {
    format!(
        "SELECT {} FROM Case WHERE {}",
        FIELDS.join(", "),
        case_account_filter(account)
    )
}

fn job(job: BulkQueryJob) -> ExportJob {
    ExportJob {
        state: match job.state {
            BulkJobState::UploadComplete => ExportState::Queued,
            BulkJobState::InProgress => ExportState::Running,
            BulkJobState::JobComplete => ExportState::Complete,
            BulkJobState::Failed | BulkJobState::Aborted => ExportState::Failed,
            BulkJobState::Other(_) => ExportState::Running,
        },
        records: job.number_records_processed.unwrap_or(0),
        job_id: job.id,
    }
}

fn when(raw: &str) -> PortResult<Option<chrono::DateTime<chrono::Utc>>> {
    if raw.is_empty() {
        return Ok(None);
    }
    datetime::parse(raw)
        .map(Some)
        .map_err(|e| PortError::Internal(anyhow!("export datetime {raw:?}: {e}")))
}

/// The rows of one CSV set, by header name (the header must be the fields asked for).
pub fn parse_rows(csv_bytes: &[u8]) -> PortResult<Vec<ExportRow>> {
    let bad = |e: csv::Error| PortError::Internal(anyhow!("export CSV: {e}"));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(csv_bytes);
    let header = reader.headers().map_err(bad)?.clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| PortError::Internal(anyhow!("export CSV without {name}")))
    };
    let at: Vec<usize> = FIELDS
        .iter()
        .map(|f| column(f))
        .collect::<PortResult<_>>()?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(bad)?;
        let cell = |i: usize| record.get(at[i]).unwrap_or_default();
        rows.push(ExportRow {
            case_number: cell(0).to_owned(),
            subject: cell(1).to_owned(),
            status: cell(2).to_owned(),
            priority: cell(3).to_owned(),
            is_closed: cell(4).eq_ignore_ascii_case("true"),
            created: when(cell(5))?,
            closed: when(cell(6))?,
            last_modified: when(cell(7))?,
        });
    }
    Ok(rows)
}

#[async_trait]
impl ExportPort for SalesforceExports {
    async fn start(&self, account: &SalesforceId) -> PortResult<ExportJob> {
        self.rest
            .client()
            .bulk_query_create(&export_soql(account))
            .await
            .map(job)
            .map_err(port_error)
    }

    async fn progress(&self, job_id: &str) -> PortResult<Option<ExportJob>> {
        match self.rest.client().bulk_query_job(job_id).await {
            Ok(found) => Ok(Some(job(found))),
            Err(salesforce_client::Error::Api { status: 404, .. }) => Ok(None),
            Err(err) => Err(port_error(err)),
        }
    }

    async fn page(&self, job_id: &str, locator: Option<&str>) -> PortResult<ExportPage> {
        let page = self
            .rest
            .client()
            .bulk_query_results(job_id, locator, Some(self.page_records))
            .await
            .map_err(port_error)?;
        Ok(ExportPage {
            rows: parse_rows(&page.csv)?,
            next: page.next_locator,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_by_header_with_quoted_cells() {
        let csv = "CaseNumber,Subject,Status,Priority,IsClosed,CreatedDate,ClosedDate,LastModifiedDate\n\
            00001001,\"Printer, \"\"LP-2\"\"\nsecond\",Closed,High,true,2024-11-23T11:48:08.000Z,2024-11-30T09:58:16.000Z,2024-11-30T10:01:25.000Z\n";
        let rows = parse_rows(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].subject, "Printer, \"LP-2\"\nsecond");
        assert!(rows[0].is_closed);
        assert!(rows[0].closed.is_some());
        let account = SalesforceId::parse("001Dn000V58wd0MIIQ").unwrap();
        assert_eq!(
            export_soql(&account),
            "SELECT CaseNumber, Subject, Status, Priority, IsClosed, CreatedDate, ClosedDate, \
             LastModifiedDate FROM Case WHERE AccountId = '001Dn000V58wd0MIIQ'"
        );
    }
}
