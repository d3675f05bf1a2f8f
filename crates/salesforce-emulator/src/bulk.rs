//! Bulk API 2.0 query jobs under `/services/data/vXX.X/jobs/query`: create, job info (the state
//! moves UploadComplete -> InProgress -> JobComplete over `bulk_polls_to_complete` polls),
//! CSV results in sets with `Sforce-Locator` / `Sforce-NumberOfRecords` (the string `null` after
//! the last set), abort (PATCH) and delete. Rows come from the emulator's own SOQL engine.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::ids;
use crate::rest::Reply;
use crate::soql;
use crate::state::{AppState, lock};
use crate::store::{Out, QueryRows};

/// The query jobs of the org, by id.
#[derive(Default)]
pub struct BulkJobs {
    jobs: HashMap<String, Job>,
}

struct Job {
    id: String,
    object: String,
    /// The API version the job was created with (`v62.0`); results need the same.
    version: String,
    created: String,
    created_by: String,
    state: JobState,
    polls: u32,
    header: Vec<String>,
    rows: Arc<Vec<Vec<String>>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum JobState {
    UploadComplete,
    InProgress,
    JobComplete,
    Aborted,
}

impl JobState {
    fn as_str(self) -> &'static str {
        match self {
            Self::UploadComplete => "UploadComplete",
            Self::InProgress => "InProgress",
            Self::JobComplete => "JobComplete",
            Self::Aborted => "Aborted",
        }
    }
}

fn api_version_number(version: &str) -> f64 {
    version
        .trim_start_matches('v')
        .parse::<f64>()
        .unwrap_or_default()
}

impl Job {
    fn processed(&self, polls_to_complete: u32) -> usize {
        match self.state {
            JobState::JobComplete => self.rows.len(),
            JobState::InProgress if polls_to_complete > 0 => {
                self.rows.len() * self.polls as usize / polls_to_complete as usize
            }
            _ => 0,
        }
    }

    fn info(&self, polls_to_complete: u32, detailed: bool) -> Value {
        let mut v = json!({
            "id": self.id,
            "operation": "query",
            "object": self.object,
            "createdById": self.created_by,
            "createdDate": self.created,
            "systemModstamp": self.created,
            "state": self.state.as_str(),
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": api_version_number(&self.version),
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        });
        if detailed {
            v["jobType"] = json!("V2Query");
            v["numberRecordsProcessed"] = json!(self.processed(polls_to_complete));
            v["retries"] = json!(0);
            v["totalProcessingTime"] = json!(0);
        }
        v
    }
}

fn invalid_job(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("INVALIDJOB", message)
}

/// A cell of the CSV: Bulk API writes empty for null, and datetimes with `Z`.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => match s.strip_suffix("+0000") {
            Some(utc) if s.len() == 28 && s.as_bytes().get(10) == Some(&b'T') => format!("{utc}Z"),
            _ => s.clone(),
        },
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// The value of a dotted path (`Owner.Name`) in a query row, case-insensitively.
fn lookup(row: &Out, parts: &[String]) -> String {
    let mut current = row;
    for part in parts {
        let Out::Obj(map) = current else {
            return String::new();
        };
        match map
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(part))
            .map(|(_, v)| v)
        {
            Some(next) => current = next,
            None => return String::new(),
        }
    }
    match current {
        Out::Value(v) => cell(v),
        other => other.to_value().to_string(),
    }
}

/// RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn csv_line(out: &mut String, fields: &[String]) {
    let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
    out.push_str(&line.join(","));
    out.push('\n');
}

/// `POST /jobs/query`, `GET|PATCH|DELETE /jobs/query/{id}`.
pub fn dispatch(
    state: &AppState,
    version: &str,
    method: &Method,
    rest: &[&str],
    body: &[u8],
    created_by: &str,
) -> Result<Reply, ApiError> {
    match rest {
        [] => {
            if method != Method::POST {
                return Err(ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "METHOD_NOT_ALLOWED",
                    format!("HTTP Method '{method}' not allowed. Allowed are POST"),
                ));
            }
            create(state, version, body, created_by)
        }
        [id] => {
            let polls_to_complete = state.config.bulk_polls_to_complete;
            let mut jobs = lock(&state.bulk);
            match *method {
                Method::GET => {
                    let job = jobs.jobs.get_mut(*id).ok_or_else(ApiError::not_found)?;
                    if matches!(job.state, JobState::UploadComplete | JobState::InProgress) {
                        job.polls += 1;
                        job.state = if job.polls >= polls_to_complete {
                            JobState::JobComplete
                        } else {
                            JobState::InProgress
                        };
                    }
                    Ok(Reply::json(
                        StatusCode::OK,
                        job.info(polls_to_complete, true),
                    ))
                }
                Method::PATCH => {
                    let job = jobs.jobs.get_mut(*id).ok_or_else(ApiError::not_found)?;
                    let value: Value = serde_json::from_slice(body).map_err(|e| {
                        ApiError::bad_request("JSON_PARSER_ERROR", format!("Invalid body: {e}"))
                    })?;
                    if value.get("state").and_then(Value::as_str) != Some("Aborted") {
                        return Err(invalid_job(
                            "The only state a query job can be set to is Aborted",
                        ));
                    }
                    if job.state == JobState::JobComplete {
                        return Err(invalid_job("Cannot abort a job that is already complete"));
                    }
                    job.state = JobState::Aborted;
                    Ok(Reply::json(
                        StatusCode::OK,
                        job.info(polls_to_complete, false),
                    ))
                }
                Method::DELETE => {
                    jobs.jobs.remove(*id).ok_or_else(ApiError::not_found)?;
                    Ok(Reply::no_content())
                }
                _ => Err(ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "METHOD_NOT_ALLOWED",
                    format!("HTTP Method '{method}' not allowed. Allowed are GET,PATCH,DELETE"),
                )),
            }
        }
        _ => Err(ApiError::not_found()),
    }
}

fn create(
    state: &AppState,
    version: &str,
    body: &[u8],
    created_by: &str,
) -> Result<Reply, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("JSON_PARSER_ERROR", format!("Invalid body: {e}")))?;
    match value.get("operation").and_then(Value::as_str) {
        Some("query" | "queryAll") => {}
        _ => return Err(invalid_job("operation must be query or queryAll")),
    }
    for (field, only) in [
        ("contentType", "CSV"),
        ("columnDelimiter", "COMMA"),
        ("lineEnding", "LF"),
    ] {
        if let Some(v) = value.get(field)
            && v.as_str() != Some(only)
        {
            return Err(invalid_job(format!(
                "The emulator only serves {field} {only}"
            )));
        }
    }
    let text = value
        .get("query")
        .and_then(Value::as_str)
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| invalid_job("query is required"))?;
    let to_api = |e: soql::SoqlError| ApiError::bad_request(e.code, e.message(text));
    let parsed = soql::parse(text).map_err(to_api)?;
    if parsed.offset.is_some() {
        return Err(invalid_job("Bulk API 2.0 does not support OFFSET"));
    }
    let mut header = Vec::new();
    for item in &parsed.select {
        match item {
            soql::SelectItem::Field(p) => header.push(p.dotted()),
            _ => {
                return Err(invalid_job(
                    "Bulk API 2.0 does not support aggregate functions such as COUNT()",
                ));
            }
        }
    }
    let rows = match lock(&state.store).query(&parsed, version).map_err(to_api)? {
        QueryRows::Rows(rows) => rows,
        QueryRows::Count(_) => {
            return Err(invalid_job(
                "Bulk API 2.0 does not support aggregate functions such as COUNT()",
            ));
        }
    };
    let paths: Vec<Vec<String>> = parsed
        .select
        .iter()
        .filter_map(|s| match s {
            soql::SelectItem::Field(p) => Some(p.parts.clone()),
            _ => None,
        })
        .collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| paths.iter().map(|p| lookup(row, p)).collect())
        .collect();
    let object = lock(&state.store)
        .object(&parsed.from)
        .map_or_else(|| parsed.from.clone(), |o| o.name.to_owned());
    let job = Job {
        id: ids::generate("750"),
        object,
        version: version.to_owned(),
        created: crate::store::format_datetime(chrono::Utc::now()),
        created_by: created_by.to_owned(),
        state: JobState::UploadComplete,
        polls: 0,
        header,
        rows: Arc::new(rows),
    };
    let info = job.info(state.config.bulk_polls_to_complete, false);
    lock(&state.bulk).jobs.insert(job.id.clone(), job);
    Ok(Reply::json(StatusCode::OK, info))
}

fn encode_locator(start: usize) -> String {
    STANDARD_NO_PAD.encode(start.to_string())
}

fn decode_locator(locator: &str) -> Option<usize> {
    let bytes = STANDARD_NO_PAD.decode(locator).ok()?;
    std::str::from_utf8(&bytes).ok()?.parse().ok()
}

/// `GET /jobs/query/{id}/results?locator=&maxRecords=`: one set of CSV rows.
pub fn results(
    state: &AppState,
    version: &str,
    id: &str,
    locator: Option<&str>,
    max_records: Option<&str>,
) -> Response {
    let (header, rows, job_version, job_state) = {
        let jobs = lock(&state.bulk);
        let Some(job) = jobs.jobs.get(id) else {
            return ApiError::not_found().into_response();
        };
        (
            job.header.clone(),
            job.rows.clone(),
            job.version.clone(),
            job.state,
        )
    };
    if job_version != version {
        return ApiError::new(
            StatusCode::CONFLICT,
            "INVALIDJOB",
            format!("Use the API version the job was created with ({job_version})"),
        )
        .into_response();
    }
    if job_state != JobState::JobComplete {
        return ApiError::bad_request(
            "JOB_NOT_COMPLETE",
            format!(
                "The job {id} is not complete: its state is {}",
                job_state.as_str()
            ),
        )
        .into_response();
    }
    let max = match max_records {
        None => state.config.bulk_default_max_records,
        Some(m) => match m.parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => {
                return ApiError::bad_request(
                    "INVALID_MAX_RECORDS",
                    "maxRecords must be a positive integer",
                )
                .into_response();
            }
        },
    };
    let start = match locator.filter(|l| !l.is_empty()) {
        None => 0,
        Some(l) => match decode_locator(l).filter(|s| *s > 0 && *s < rows.len()) {
            Some(s) => s,
            None => {
                return ApiError::bad_request("INVALID_LOCATOR", "invalid locator").into_response();
            }
        },
    };
    let end = (start + max).min(rows.len());
    let mut body = String::new();
    csv_line(&mut body, &header);
    for row in &rows[start..end] {
        csv_line(&mut body, row);
    }
    let next = if end < rows.len() {
        encode_locator(end)
    } else {
        "null".to_owned()
    };
    let mut res = Response::new(Body::from(body));
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=UTF-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&next) {
        headers.insert("sforce-locator", v);
    }
    headers.insert("sforce-numberofrecords", HeaderValue::from(end - start));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_follows_rfc_4180() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn locators_round_trip_and_datetimes_use_z() {
        assert_eq!(encode_locator(10000), "MTAwMDA");
        assert_eq!(decode_locator("MTAwMDA"), Some(10000));
        assert_eq!(
            cell(&json!("2022-01-02T17:38:59.000+0000")),
            "2022-01-02T17:38:59.000Z"
        );
        assert_eq!(cell(&Value::Null), "");
    }
}
