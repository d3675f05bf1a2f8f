//! The shapes of Salesforce's REST answers that the client hands back.

use std::collections::{BTreeMap, HashMap};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, Error};
use crate::id::SalesforceId;

/// One page of a SOQL query result.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: DeserializeOwned"))]
pub struct QueryPage<T> {
    /// All matching records, across every page.
    pub total_size: u64,
    pub done: bool,
    /// Pass to [`SalesforceClient::query_more`](crate::SalesforceClient::query_more) while
    /// `done` is false.
    #[serde(default)]
    pub next_records_url: Option<String>,
    pub records: Vec<T>,
}

/// Options for a query.
#[derive(Debug, Clone, Default)]
pub struct QueryOptions {
    /// Sent as `Sforce-Query-Options: batchSize=N` (Salesforce accepts 200 to 2000 and may send
    /// fewer).
    pub batch_size: Option<u16>,
}

/// What an upsert by external id did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsertResult {
    pub id: SalesforceId,
    /// True for 201 Created, false for 200 (an existing record was updated).
    pub created: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SaveResult {
    pub id: SalesforceId,
    #[serde(default)]
    pub success: Option<bool>,
    #[serde(default)]
    pub errors: Vec<ApiError>,
    #[serde(default)]
    pub created: Option<bool>,
}

/// `Sforce-Limit-Info: api-usage=used/limit`, as last seen on any response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiUsage {
    pub used: u64,
    pub limit: u64,
}

impl ApiUsage {
    /// Reads the `api-usage` part of a `Sforce-Limit-Info` header value, e.g.
    /// `api-usage=10018/100000; api-bursts=1/750`.
    pub fn parse_header(value: &str) -> Option<Self> {
        value.split(';').find_map(|part| {
            let (key, val) = part.trim().split_once('=')?;
            if key.trim() != "api-usage" {
                return None;
            }
            let (used, limit) = val.trim().split_once('/')?;
            Some(ApiUsage {
                used: used.trim().parse().ok()?,
                limit: limit.trim().parse().ok()?,
            })
        })
    }

    /// Share of the daily allowance still available, 0.0 to 1.0.
    pub fn remaining_fraction(&self) -> f64 {
        if self.limit == 0 {
            return 0.0;
        }
        self.limit.saturating_sub(self.used) as f64 / self.limit as f64
    }
}

/// `GET /limits`: each limit by name (`DailyApiRequests`, `DataStorageMB`, ...).
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct Limits(pub BTreeMap<String, Limit>);

impl Limits {
    pub fn get(&self, name: &str) -> Option<&Limit> {
        self.0.get(name)
    }

    pub fn daily_api_requests(&self) -> Option<&Limit> {
        self.get("DailyApiRequests")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Limit {
    #[serde(rename = "Max", deserialize_with = "lenient_i64")]
    pub max: i64,
    #[serde(rename = "Remaining", deserialize_with = "lenient_i64")]
    pub remaining: i64,
    /// Per-app breakdowns and anything else Salesforce adds.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// Early API versions sent limits as strings (`"Max":"5000"`); accept both.
fn lenient_i64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrString {
        Number(i64),
        String(String),
    }
    match NumberOrString::deserialize(d)? {
        NumberOrString::Number(n) => Ok(n),
        NumberOrString::String(s) => s.trim().parse().map_err(serde::de::Error::custom),
    }
}

/// A `/composite` request: up to 25 subrequests, later ones able to use earlier results through
/// `@{referenceId.field}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompositeRequest {
    pub all_or_none: bool,
    pub composite_request: Vec<CompositeSubrequest>,
}

impl CompositeRequest {
    pub fn new(all_or_none: bool) -> Self {
        Self {
            all_or_none,
            composite_request: Vec::new(),
        }
    }

    pub fn push(mut self, subrequest: CompositeSubrequest) -> Self {
        self.composite_request.push(subrequest);
        self
    }
}

/// One subrequest. Build `url` with the client's `*_url` helpers so it is versioned and escaped.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompositeSubrequest {
    pub method: String,
    pub url: String,
    pub reference_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

impl CompositeSubrequest {
    pub fn get(reference_id: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            method: "GET".into(),
            url: url.into(),
            reference_id: reference_id.into(),
            body: None,
        }
    }

    pub fn post(
        reference_id: impl Into<String>,
        url: impl Into<String>,
        body: serde_json::Value,
    ) -> Self {
        Self {
            method: "POST".into(),
            url: url.into(),
            reference_id: reference_id.into(),
            body: Some(body),
        }
    }

    pub fn patch(
        reference_id: impl Into<String>,
        url: impl Into<String>,
        body: serde_json::Value,
    ) -> Self {
        Self {
            method: "PATCH".into(),
            url: url.into(),
            reference_id: reference_id.into(),
            body: Some(body),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompositeResponse {
    pub composite_response: Vec<CompositeSubresponse>,
}

impl CompositeResponse {
    pub fn get(&self, reference_id: &str) -> Option<&CompositeSubresponse> {
        self.composite_response
            .iter()
            .find(|r| r.reference_id == reference_id)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompositeSubresponse {
    #[serde(default)]
    pub body: serde_json::Value,
    #[serde(default)]
    pub http_headers: HashMap<String, String>,
    pub http_status_code: u16,
    pub reference_id: String,
}

impl CompositeSubresponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.http_status_code)
    }

    /// The subrequest's body as `T`, or its error array as [`Error::Api`].
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let operation = format!("composite subrequest {}", self.reference_id);
        if !self.is_success() {
            return Err(
                match serde_json::from_value::<Vec<ApiError>>(self.body.clone()) {
                    Ok(errors) if !errors.is_empty() => Error::Api {
                        operation,
                        status: self.http_status_code,
                        errors,
                    },
                    _ => Error::UnexpectedStatus {
                        operation,
                        status: self.http_status_code,
                        body: truncate(&self.body.to_string()),
                    },
                },
            );
        }
        serde_json::from_value(self.body.clone())
            .map_err(|source| Error::Decode { operation, source })
    }
}

pub(crate) fn truncate(body: &str) -> String {
    const MAX: usize = 512;
    if body.len() <= MAX {
        return body.to_owned();
    }
    let mut end = MAX;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &body[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_limit_info_header() {
        assert_eq!(
            ApiUsage::parse_header("api-usage=10018/100000; api-bursts=1/750"),
            Some(ApiUsage {
                used: 10018,
                limit: 100000
            })
        );
        assert_eq!(
            ApiUsage::parse_header("api-usage=18/5000"),
            Some(ApiUsage {
                used: 18,
                limit: 5000
            })
        );
        assert_eq!(
            ApiUsage::parse_header("per-app-api-usage=17/250(appName=x); api-usage=25/5000"),
            Some(ApiUsage {
                used: 25,
                limit: 5000
            })
        );
        assert_eq!(ApiUsage::parse_header("garbage"), None);
    }
}
