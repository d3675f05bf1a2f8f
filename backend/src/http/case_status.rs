//! `/customer/{customer_id}/cases/{case_id}/close` and `/reopen`

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::dto::Case;
use super::dto::comments::CaseDetail;
use super::dto::requests::CloseCase;
use super::extract::{CaseId, Customer, JsonBody};
use super::openapi::{CasePath, CustomerProblems, JsonBodyProblems, WriteHeaders};
use super::state::AppState;
use crate::error::{ApiResult, Problem};
use crate::services::auth::Session;
use crate::services::case_status::{Changed, StatusChange};

/// Closes one of the customer's cases.
///
/// Closing a closed case changes nothing and answers it as it is. Salesforce stamps the closing
/// time (`closed_at`); from then on the customer may reopen the case until `reopen_until`. An
/// `Idempotency-Key` is honoured as on case creation.
#[utoipa::path(
    post, path = "/customer/{customer_id}/cases/{case_id}/close", tag = "cases", operation_id = "close_case",
    params(CasePath, WriteHeaders),
    request_body = CloseCase,
    responses(
        (status = 200, description = "The case, closed (or as it was, if it was closed already; replayed with Idempotent-Replayed: true)", body = CaseDetail,
            headers(
                ("Idempotent-Replayed" = bool, description = "`true` when this is the response of an earlier request with the same Idempotency-Key; absent otherwise"),
                ("RateLimit-Policy" = String, description = "The per-customer quota of closes and reopens, e.g. `\"case-status\";q=10;w=1200` (sent when the request changed the case)"),
                ("RateLimit" = String, description = "What is left of the quota, e.g. `\"case-status\";r=9;t=0` (sent when the request changed the case)"),
            )),
        (status = 404, description = "No such case for this customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid reason, or an Idempotency-Key reused with another request", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many closes and reopens, or (Salesforce mode) the customer's budget of Salesforce calls spent; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another close or reopen"))),
        CustomerProblems,
        JsonBodyProblems,
    ),
    security(("session" = []))
)]
pub async fn close(
    State(state): State<AppState>,
    Customer(session): Customer,
    CaseId(id): CaseId,
    headers: HeaderMap,
    JsonBody(body): JsonBody<CloseCase>,
) -> ApiResult<Response> {
    let change = StatusChange::Close {
        reason: body.reason,
    };
    let changed = state
        .case_status
        .change(&session, &id, idempotency_key(&headers), change)
        .await?;
    respond(&state, &session, changed).await
}

/// Reopens one of the customer's closed cases.
///
/// Allowed until the case's `reopen_until` (`cases.reopen_window_days` after Salesforce closed
/// it); after that the answer is 409 `/problems/reopen-window-closed`, whose `new_case` is where
/// to open a new case instead. Reopening an open case changes nothing and answers it as it is.
/// No request body.
#[utoipa::path(
    post, path = "/customer/{customer_id}/cases/{case_id}/reopen", tag = "cases", operation_id = "reopen_case",
    params(CasePath, WriteHeaders),
    responses(
        (status = 200, description = "The case, reopened (or as it was, if it was open; replayed with Idempotent-Replayed: true)", body = CaseDetail,
            headers(
                ("Idempotent-Replayed" = bool, description = "`true` when this is the response of an earlier request with the same Idempotency-Key; absent otherwise"),
                ("RateLimit-Policy" = String, description = "The per-customer quota of closes and reopens (sent when the request changed the case)"),
                ("RateLimit" = String, description = "What is left of the quota (sent when the request changed the case)"),
            )),
        (status = 404, description = "No such case for this customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case was closed longer ago than the reopen window (`/problems/reopen-window-closed`, with `new_case`: open a new case instead), or a request with this Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An Idempotency-Key that is not valid, or reused with another request", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many closes and reopens, or (Salesforce mode) the customer's budget of Salesforce calls spent; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another close or reopen"))),
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn reopen(
    State(state): State<AppState>,
    Customer(session): Customer,
    CaseId(id): CaseId,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let changed = state
        .case_status
        .change(
            &session,
            &id,
            idempotency_key(&headers),
            StatusChange::Reopen,
        )
        .await?;
    respond(&state, &session, changed).await
}

/// The `Idempotency-Key` header; one that is not text reads as a key the service refuses.
fn idempotency_key(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("idempotency-key")
        .map(|value| value.to_str().unwrap_or("\u{0}"))
}

/// The case as its detail page shows it (the same body as `GET .../cases/{case_id}`), so a
/// client can replace what it shows with the answer.
async fn respond(state: &AppState, session: &Session, changed: Changed) -> ApiResult<Response> {
    let activity = state.comments.activity(session, &changed.case).await?;
    let detail = CaseDetail::new(
        Case::from_record(changed.case, &state.picklists, state.reopen_window),
        activity,
    );
    let mut response = (StatusCode::OK, Json(detail)).into_response();
    let headers = response.headers_mut();
    if changed.replayed {
        headers.insert(
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        );
    }
    if let Some(rate) = changed.rate {
        headers.extend(rate.headers());
    }
    Ok(response)
}
