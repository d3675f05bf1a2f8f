//! `/customer/{customer_id}/cases/{case_id}/attachments`: a case's files, uploads, downloads.

use axum::Json;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use futures::TryStreamExt;

use super::dto::attachments::{Attachment, AttachmentList, AttachmentUpload};
use super::dto::requests::DocumentListQuery;
use super::extract::{CaseId, Customer, ListQuery, RequestId};
use super::openapi::{
    AttachmentPath, BudgetProblems, CasePath, CustomerProblems, KeyedWriteHeaders, ListProblems,
};
use super::state::AppState;
use crate::error::{ApiError, ApiResult, FieldError, Problem, ProblemText, Resource};
use crate::salesforce::SalesforceId;

/// The files of one of the customer's cases that the customer may see, newest first by default.
#[utoipa::path(
    get, path = "/customer/{customer_id}/cases/{case_id}/attachments", tag = "attachments",
    operation_id = "list_attachments",
    params(CasePath, DocumentListQuery),
    responses(
        (status = 200, description = "A page of the case's files", body = AttachmentList),
        (status = 404, description = "No such case for this customer", body = Problem, content_type = "application/problem+json"),
        ListProblems,
    ),
    security(("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Customer(session): Customer,
    CaseId(case): CaseId,
    ListQuery(query): ListQuery<DocumentListQuery>,
) -> ApiResult<Json<AttachmentList>> {
    let listed = state.attachments.list(&session, &case, &query).await?;
    Ok(Json(AttachmentList {
        items: listed.items.into_iter().map(Attachment::from).collect(),
        next_cursor: listed.next_cursor,
    }))
}

/// Attaches a file to one of the customer's cases.
///
/// Send the file as the `file` part of a `multipart/form-data` body, with an
/// `Idempotency-Key` (a UUID per file): a retry with the same key returns the same file and
/// never stores a second one. The file's type is decided by its content, not its name.
#[utoipa::path(
    post, path = "/customer/{customer_id}/cases/{case_id}/attachments", tag = "attachments",
    operation_id = "upload_attachment",
    params(CasePath, KeyedWriteHeaders),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored (or replayed, with Idempotent-Replayed: true)", body = Attachment,
            headers(
                ("Idempotent-Replayed" = bool, description = "`true` when an earlier request with the same Idempotency-Key stored this file; absent otherwise"),
                ("RateLimit-Policy" = String, description = "The per-customer upload quota, e.g. `\"attachment-upload\";q=10;w=36000`"),
                ("RateLimit" = String, description = "What is left of the quota"),
            )),
        (status = 400, description = "A multipart body that cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case for this customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than `attachments.max_bytes` (`/problems/attachment-too-large`); nothing was stored", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The file's content is not of an accepted type (`/problems/attachment-type`); nothing was stored", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No Idempotency-Key, no `file` part or another part besides it, an empty file, or the key reused for another file", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many uploads, or (Salesforce mode) the customer's budget of Salesforce calls spent; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another upload is taken"))),
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn upload(
    State(state): State<AppState>,
    Customer(session): Customer,
    CaseId(case): CaseId,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Response> {
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let key = state.attachments.admit(&session, &case, key).await?;
    let mut multipart = multipart.map_err(|_| not_multipart())?;
    let max_bytes = state.config.attachments.max_bytes;
    let part_error = |err: MultipartError| part_error(err, max_bytes);
    // Exactly one part, `file`: anything else is refused before the file is stored, so the
    // request means what the document says or changes nothing.
    let field = multipart.next_field().await.map_err(part_error)?;
    let Some(field) = field.filter(|field| field.name() == Some("file")) else {
        return Err(not_multipart());
    };
    let name = field.file_name().unwrap_or_default().to_owned();
    let received = state.attachments.receive(field.map_err(part_error)).await?;
    if multipart.next_field().await.map_err(part_error)?.is_some() {
        return Err(not_multipart());
    }
    let uploaded = state
        .attachments
        .upload(&session, &case, &key, &name, received)
        .await?;
    let mut response = (
        StatusCode::CREATED,
        Json(Attachment::from(uploaded.attachment)),
    )
        .into_response();
    let headers = response.headers_mut();
    if uploaded.replayed {
        headers.insert(
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        );
    }
    if let Some(rate) = uploaded.rate {
        headers.extend(rate.headers());
    }
    Ok(response)
}

fn not_multipart() -> ApiError {
    ApiError::Validation(vec![FieldError::new(
        "file",
        "Send the file as the only part, named `file`, of a multipart/form-data body.",
    )])
}

/// A body that broke off or went past the route's limit while it streamed in.
fn part_error(err: MultipartError, max_bytes: u64) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::AttachmentTooLarge { max_bytes }
    } else {
        ApiError::BadRequest(ProblemText::MultipartUnreadable {
            reason: err.body_text(),
        })
    }
}

/// Starts a download of a case's file: redirects to a signed link valid for a short time.
#[utoipa::path(
    get, path = "/customer/{customer_id}/cases/{case_id}/attachments/{attachment_id}/download",
    tag = "attachments", operation_id = "download_attachment",
    params(AttachmentPath),
    responses(
        (status = 302, description = "Redirect to the signed download link",
            headers(("Location" = String, description = "The signed link"))),
        (status = 404, description = "No such case or file for this customer", body = Problem, content_type = "application/problem+json"),
        BudgetProblems,
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn download(
    State(state): State<AppState>,
    Customer(session): Customer,
    CaseId(case): CaseId,
    RequestId(request_id): RequestId,
    Path(ids): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let id = SalesforceId::parse(&ids.2).map_err(|_| ApiError::NotFound(Resource::Attachment))?;
    let attachment = state.attachments.get(&session, &case, &id).await?;
    let link = state
        .documents
        .attachment_link(&session, &attachment, request_id.as_deref())
        .await?;
    let mut response = Redirect::to(&link).into_response();
    *response.status_mut() = StatusCode::FOUND;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
