//! `/customer/{customer_id}/cases`

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::dto::comments::CaseDetail;
use super::dto::requests::{CaseListQuery, NewCase};
use super::dto::{Case, CaseList};
use super::extract::{CaseId, Customer, JsonBody, ListQuery};
use super::openapi::{
    BudgetProblems, CaseListProblems, CasePath, CustomerPath, CustomerProblems, JsonBodyProblems,
    WriteHeaders,
};
use super::pages;
use super::state::AppState;
use crate::error::{ApiResult, Problem};
use crate::services::cases::CaseInput;

/// The customer's cases, newest first by default.
#[utoipa::path(
    get, path = "/customer/{customer_id}/cases", tag = "cases", operation_id = "list_cases",
    params(CustomerPath, CaseListQuery),
    responses(
        (status = 200, description = "A page of cases", body = CaseList),
        CaseListProblems,
    ),
    security(("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Customer(session): Customer,
    ListQuery(query): ListQuery<CaseListQuery>,
) -> ApiResult<Response> {
    let (state, session) = (&state, &session);
    pages::render(&state.case_pages, session, query, |query| async move {
        let listed = state
            .cases
            .list(
                session,
                query.scope,
                query.status,
                query.awaiting,
                &query.page,
            )
            .await?;
        Ok(CaseList {
            items: listed
                .items
                .into_iter()
                .map(|c| Case::from_record(c, &state.picklists, state.reopen_window))
                .collect(),
            next_cursor: listed.next_cursor,
        })
    })
    .await
}

/// One of the customer's cases.
#[utoipa::path(
    get, path = "/customer/{customer_id}/cases/{case_id}", tag = "cases", operation_id = "get_case",
    params(CasePath),
    responses(
        (status = 200, description = "The case, with its conversation's count and latest activity", body = CaseDetail),
        (status = 404, description = "No such case for this customer", body = Problem, content_type = "application/problem+json"),
        BudgetProblems,
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    Customer(session): Customer,
    CaseId(id): CaseId,
) -> ApiResult<Json<CaseDetail>> {
    let case = state.cases.get(&session, &id).await?;
    let activity = state.comments.activity(&session, &case).await?;
    Ok(Json(CaseDetail::new(
        Case::from_record(case, &state.picklists, state.reopen_window),
        activity,
    )))
}

/// Opens a new case.
///
/// Send an `Idempotency-Key` (a UUID per attempt) so that retries never create a second case:
/// a repeat with the same key and body returns the first response again.
///
/// With `form`, the case is opened with a dynamic form: `fields` is checked against the form's
/// JSON Schema and written to the Case fields the form maps them to.
#[utoipa::path(
    post, path = "/customer/{customer_id}/cases", tag = "cases", operation_id = "create_case",
    params(CustomerPath, WriteHeaders),
    request_body = NewCase,
    responses(
        (status = 201, description = "Created (or replayed, with Idempotent-Replayed: true)", body = Case,
            headers(
                ("Location" = String, description = "The new case's URL"),
                ("Idempotent-Replayed" = bool, description = "`true` when this is the response of an earlier request with the same Idempotency-Key; absent otherwise"),
                ("RateLimit-Policy" = String, description = "The per-customer creation quota, e.g. `\"case-create\";q=10;w=3600` (absent on a replay of a recorded response)"),
                ("RateLimit" = String, description = "What is left of the quota, e.g. `\"case-create\";r=4;t=0` (absent on a replay of a recorded response)"),
            )),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the signed-in customer, or missing CSRF token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "A malformed customer id (no such address)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many new cases; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(
                ("Retry-After" = u64, description = "Seconds until another case may be created"),
                ("RateLimit-Policy" = String, description = "The per-customer creation quota, e.g. `\"case-create\";q=10;w=3600`"),
                ("RateLimit" = String, description = "What is left of the quota (`r=0`) and when it refills (`t`, seconds)"),
            )),
        (status = 503, description = "Salesforce (or the shared state) unavailable, the portal's storage full (`/problems/storage-full`: nothing was saved), or the request timed out; retry with the same Idempotency-Key, which never creates a second case", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying (sent when a dependency is unavailable)"))),
        JsonBodyProblems,
    ),
    security(("session" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    Customer(session): Customer,
    headers: HeaderMap,
    JsonBody(body): JsonBody<NewCase>,
) -> ApiResult<Response> {
    let key = match headers.get("idempotency-key") {
        Some(value) => Some(value.to_str().unwrap_or("\u{0}")),
        None => None,
    };
    let form = state.forms.case_values(body.form, body.fields).await?;
    let input = CaseInput {
        subject: body.subject,
        description: body.description,
        priority: body.priority.unwrap_or_default(),
        form,
    };
    let created = state.cases.create(&session, key, input).await?;
    let location = format!("/customer/{}/cases/{}", session.account_id, created.case.id);
    let mut response = (
        StatusCode::CREATED,
        Json(Case::from_record(
            created.case,
            &state.picklists,
            state.reopen_window,
        )),
    )
        .into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, value);
    }
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
