//! Bulk API 2.0 query jobs: create, job info, one set of CSV results at a time (with the locator
//! of the next set), abort and delete.

use bytes::Bytes;
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{Call, SalesforceClient, Target, decode, encode};
use crate::error::Error;

/// Where a Bulk API 2.0 query job is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkJobState {
    UploadComplete,
    InProgress,
    JobComplete,
    Failed,
    Aborted,
    /// A state this client does not know, verbatim.
    Other(String),
}

impl BulkJobState {
    fn parse(s: &str) -> Self {
        match s {
            "UploadComplete" => Self::UploadComplete,
            "InProgress" => Self::InProgress,
            "JobComplete" => Self::JobComplete,
            "Failed" => Self::Failed,
            "Aborted" => Self::Aborted,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Whether the job will not change any more.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::JobComplete | Self::Failed | Self::Aborted)
    }
}

impl<'de> Deserialize<'de> for BulkJobState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Self::parse(&s))
    }
}

/// A query job as `POST /jobs/query` and `GET /jobs/query/{id}` describe it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkQueryJob {
    pub id: String,
    pub state: BulkJobState,
    #[serde(default)]
    pub object: Option<String>,
    /// Records processed so far (job info only).
    #[serde(default)]
    pub number_records_processed: Option<u64>,
    /// Why a job failed.
    #[serde(default)]
    pub error_message: Option<String>,
}

/// One set of a query job's results: CSV with its header line.
#[derive(Debug, Clone)]
pub struct BulkResultsPage {
    pub csv: Bytes,
    /// `Sforce-NumberOfRecords`.
    pub number_of_records: Option<u64>,
    /// `Sforce-Locator` of the next set; None after the last one (Salesforce sends `null`).
    pub next_locator: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateJob<'a> {
    operation: &'static str,
    query: &'a str,
    content_type: &'static str,
    column_delimiter: &'static str,
    line_ending: &'static str,
}

fn job_segments(id: &str) -> Result<Vec<String>, Error> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::InvalidArgument(format!("{id:?} is not a job id")));
    }
    Ok(vec!["jobs".into(), "query".into(), id.to_owned()])
}

impl SalesforceClient {
    /// `POST /jobs/query`: starts a query job (CSV, comma, LF) and returns it (UploadComplete).
    pub async fn bulk_query_create(&self, soql: &str) -> Result<BulkQueryJob, Error> {
        let body = CreateJob {
            operation: "query",
            query: soql,
            content_type: "CSV",
            column_delimiter: "COMMA",
            line_ending: "LF",
        };
        let call = Call {
            body: Some(encode("bulk query create", &body)?),
            ..self.call(
                "bulk query create",
                Method::POST,
                Target::Data {
                    segments: vec!["jobs".into(), "query".into()],
                    query: vec![],
                },
            )
        };
        let response = self.execute_ok(&call).await?;
        decode(&call, response).await
    }

    /// `GET /jobs/query/{id}`: the job's state and records processed so far.
    pub async fn bulk_query_job(&self, id: &str) -> Result<BulkQueryJob, Error> {
        let call = self.call(
            "bulk query job",
            Method::GET,
            Target::Data {
                segments: job_segments(id)?,
                query: vec![],
            },
        );
        let response = self.execute_ok(&call).await?;
        decode(&call, response).await
    }

    /// `GET /jobs/query/{id}/results`: one set of at most `max_records` rows, from `locator`
    /// (None: the first set). The job must be JobComplete.
    pub async fn bulk_query_results(
        &self,
        id: &str,
        locator: Option<&str>,
        max_records: Option<u32>,
    ) -> Result<BulkResultsPage, Error> {
        let mut segments = job_segments(id)?;
        segments.push("results".into());
        let mut query = Vec::new();
        if let Some(l) = locator {
            query.push(("locator", l.to_owned()));
        }
        if let Some(m) = max_records {
            query.push(("maxRecords", m.to_string()));
        }
        let call = Call {
            timeout: self.inner.download_timeout,
            ..self.call(
                "bulk query results",
                Method::GET,
                Target::Data { segments, query },
            )
        };
        let response = self.execute_ok(&call).await?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let next_locator = header("sforce-locator").filter(|l| !l.is_empty() && l != "null");
        let number_of_records = header("sforce-numberofrecords").and_then(|n| n.parse().ok());
        let csv = response
            .bytes()
            .await
            .map_err(|e| Error::from_reqwest("bulk query results", e))?;
        Ok(BulkResultsPage {
            csv,
            number_of_records,
            next_locator,
        })
    }

    /// `PATCH /jobs/query/{id}` `{"state":"Aborted"}`.
    pub async fn bulk_query_abort(&self, id: &str) -> Result<BulkQueryJob, Error> {
        let call = Call {
            body: Some(encode(
                "bulk query abort",
                &serde_json::json!({"state": "Aborted"}),
            )?),
            ..self.call(
                "bulk query abort",
                Method::PATCH,
                Target::Data {
                    segments: job_segments(id)?,
                    query: vec![],
                },
            )
        };
        let response = self.execute_ok(&call).await?;
        decode(&call, response).await
    }

    /// `DELETE /jobs/query/{id}`: the job and its results.
    pub async fn bulk_query_delete(&self, id: &str) -> Result<(), Error> {
        let call = self.call(
            "bulk query delete",
            Method::DELETE,
            Target::Data {
                segments: job_segments(id)?,
                query: vec![],
            },
        );
        self.execute_ok(&call).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_and_unknown_ones_are_kept() {
        let job: BulkQueryJob = serde_json::from_str(
            r#"{"id":"750x","state":"JobComplete","numberRecordsProcessed":40}"#,
        )
        .unwrap();
        assert_eq!(job.state, BulkJobState::JobComplete);
        assert!(job.state.is_final());
        assert_eq!(job.number_records_processed, Some(40));
        assert_eq!(
            BulkJobState::parse("Paused"),
            BulkJobState::Other("Paused".into())
        );
        assert!(job_segments("750/../x").is_err());
    }
}
