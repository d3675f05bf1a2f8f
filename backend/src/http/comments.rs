//! `/customer/{customer_id}/cases/{case_id}/comments`: a case's public conversation.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::dto::comments::{Comment, CommentList};
use super::dto::requests::{CommentListQuery, NewComment};
use super::extract::{CaseId, Customer, JsonBody, ListQuery};
use super::openapi::{CasePath, JsonBodyProblems, KeyedWriteHeaders, ListProblems};
use super::state::AppState;
use crate::error::{ApiResult, Problem};

/// The case's public conversation, oldest first.
///
/// Only published comments: agents' internal notes are never listed, counted or hinted at.
/// A comment the customer wrote through the portal has `author.kind = customer` and the
/// contact's name; any other is an agent's, named by first name only.
#[utoipa::path(
    get, path = "/customer/{customer_id}/cases/{case_id}/comments", tag = "cases",
    operation_id = "list_case_comments",
    params(CasePath, CommentListQuery),
    responses(
        (status = 200, description = "A page of the conversation", body = CommentList),
        (status = 404, description = "No such case for this customer", body = Problem, content_type = "application/problem+json"),
        ListProblems,
    ),
    security(("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Customer(session): Customer,
    CaseId(case_id): CaseId,
    ListQuery(query): ListQuery<CommentListQuery>,
) -> ApiResult<Json<CommentList>> {
    let listed = state
        .comments
        .list(&state.cases, &session, &case_id, &query)
        .await?;
    Ok(Json(CommentList {
        items: listed.items.into_iter().map(Comment::from).collect(),
        next_cursor: listed.next_cursor,
    }))
}

/// Replies on the case.
///
/// `Idempotency-Key` is required (a UUID per reply, the same on every retry of it): a repeat
/// with the same key and body returns the first reply again, never a second comment, even when
/// the first answer was lost. A closed case takes no replies (409 `/problems/case-closed`):
/// reopen it or open a new case.
#[utoipa::path(
    post, path = "/customer/{customer_id}/cases/{case_id}/comments", tag = "cases",
    operation_id = "create_case_comment",
    params(CasePath, KeyedWriteHeaders),
    request_body = NewComment,
    responses(
        (status = 201, description = "Written (or replayed, with Idempotent-Replayed: true)", body = Comment,
            headers(
                ("Idempotent-Replayed" = bool, description = "`true` when this is the reply of an earlier request with the same Idempotency-Key; absent otherwise"),
                ("RateLimit-Policy" = String, description = "The per-customer reply quota, e.g. `\"comment-create\";q=10;w=3600` (absent on a replay)"),
                ("RateLimit" = String, description = "What is left of the quota, e.g. `\"comment-create\";r=9;t=0` (absent on a replay)"),
            )),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the signed-in customer, or missing CSRF token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case for this customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case is closed (`/problems/case-closed`), or a request with this Idempotency-Key is in progress (`/problems/idempotency-in-flight`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body, a missing or invalid Idempotency-Key, or a key reused with another body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many replies, or (Salesforce mode) the customer's budget of Salesforce calls spent; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(
                ("Retry-After" = u64, description = "Seconds until another reply may be sent"),
                ("RateLimit-Policy" = String, description = "The per-customer reply quota"),
                ("RateLimit" = String, description = "What is left of the quota (`r=0`) and when it refills (`t`, seconds)"),
            )),
        (status = 503, description = "Salesforce (or the shared state) unavailable, the portal's storage full, or the request timed out; retry with the same Idempotency-Key, which never writes a second comment", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying (sent when a dependency is unavailable)"))),
        JsonBodyProblems,
    ),
    security(("session" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    Customer(session): Customer,
    CaseId(case_id): CaseId,
    headers: HeaderMap,
    JsonBody(body): JsonBody<NewComment>,
) -> ApiResult<Response> {
    let key = headers
        .get("idempotency-key")
        .map(|value| value.to_str().unwrap_or("\u{0}"));
    let created = state
        .comments
        .create(&state.cases, &session, &case_id, key, body.body)
        .await?;
    let mut response = (StatusCode::CREATED, Json(Comment::from(created.comment))).into_response();
    let headers = response.headers_mut();
    if created.replayed {
        headers.insert(
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        );
    }
    if let Some(rate) = created.rate {
        headers.extend(rate.headers());
    }
    Ok(response)
}
