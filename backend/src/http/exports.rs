//! `/customer/{customer_id}/exports`: exporting all of the customer's cases as CSV through a
//! Bulk API 2.0 query job (issue 16, decision 026).

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::dto::exports::Export;
use super::extract::{Customer, RequestId};
use super::openapi::{CustomerPath, CustomerProblems, ExportPath, KeyedWriteHeaders};
use super::state::AppState;
use crate::error::{ApiResult, Problem};
use crate::services::exports::ExportLink;

/// Starts an export of all the customer's cases; poll its `Location` until it is complete.
///
/// `Idempotency-Key` is required (a UUID per export, the same on every retry): a retry
/// answers with the export it started (`Idempotent-Replayed: true`).
#[utoipa::path(
    post, path = "/customer/{customer_id}/exports", tag = "exports",
    operation_id = "start_case_export",
    params(CustomerPath, KeyedWriteHeaders),
    responses(
        (status = 202, description = "Started (or, with `Idempotent-Replayed: true`, started before by this Idempotency-Key)", body = Export,
            headers(
                ("Location" = String, description = "The export's status"),
                ("RateLimit-Policy" = String, description = "The per-customer quota of exports, e.g. `\"export-start\";q=3;w=1080`"),
                ("RateLimit" = String, description = "What is left of the quota"),
                ("Idempotent-Replayed" = bool, description = "`true`: no new export was started"),
            )),
        (status = 422, description = "A missing or invalid Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many exports started, or (Salesforce mode) the customer's budget of Salesforce calls spent; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another request"))),
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn start(
    State(state): State<AppState>,
    Customer(session): Customer,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let key = headers
        .get("idempotency-key")
        .map(|value| value.to_str().unwrap_or("\u{0}"));
    let started = state.exports.start(&session, key).await?;
    let location = format!(
        "/customer/{}/exports/{}",
        session.account_id, started.status.id
    );
    let mut response = (StatusCode::ACCEPTED, Json(Export::from(started.status))).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, value);
    }
    if started.replayed {
        headers.insert(
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        );
    }
    if let Some(rate) = started.rate {
        headers.extend(rate.headers());
    }
    Ok(response)
}

/// An export's progress; when complete, a download link valid for this session for a short
/// time (`exports.link_ttl_secs`).
#[utoipa::path(
    get, path = "/customer/{customer_id}/exports/{export_id}", tag = "exports",
    operation_id = "get_case_export",
    params(ExportPath),
    responses(
        (status = 200, description = "The export", body = Export),
        (status = 429, description = "The customer's budget of Salesforce calls is spent (Salesforce mode); see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn status(
    State(state): State<AppState>,
    Customer(session): Customer,
    Path(ids): Path<(String, String)>,
) -> ApiResult<Response> {
    let status = state.exports.status(&session, &ids.1).await?;
    let mut response = Json(Export::from(status)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// The CSV of a complete export, streamed: one line per case in the portal's columns
/// (`case_number, subject, status, priority, created_at, closed_at, last_updated_at`), cells
/// that a spreadsheet would run as a formula prefixed with `'`. The link works only with the
/// session it was issued to, until it expires (403).
#[utoipa::path(
    get, path = "/customer/{customer_id}/exports/{export_id}/download", tag = "exports",
    operation_id = "download_case_export",
    params(ExportPath, ExportLink),
    responses(
        (status = 200, description = "The CSV, as an attachment", content_type = "text/csv",
            headers(("Content-Disposition" = String, description = "attachment; filename=\"cases.csv\""))),
        (status = 403, description = "The link was tampered with, has expired, or is not this session's", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The customer's budget of Salesforce calls is spent (Salesforce mode); see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn download(
    State(state): State<AppState>,
    Customer(session): Customer,
    RequestId(request_id): RequestId,
    Path(ids): Path<(String, String)>,
    query: Result<Query<ExportLink>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let link = query.ok().map(|Query(link)| link);
    let stream = state
        .exports
        .download(&session, &ids.1, link.as_ref(), request_id.as_deref())
        .await?;
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"cases.csv\""),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}
