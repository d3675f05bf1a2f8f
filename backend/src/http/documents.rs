//! `/customer/{customer_id}/documents` and the signed `/downloads/{document_id}` links.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use futures::TryStreamExt;

use super::dto::requests::DocumentListQuery;
use super::dto::{Document, DocumentList};
use super::extract::{Customer, ListQuery, RequestId};
use super::openapi::{
    CustomerPath, CustomerProblems, DocumentPath, DownloadPath, ListProblems, Unavailable,
};
use super::pages;
use super::state::AppState;
use crate::error::{ApiResult, Problem};
use crate::services::auth::Session;
use crate::services::documents::{self, SignedLink};

/// The files shared with the customer.
#[utoipa::path(
    get, path = "/customer/{customer_id}/documents", tag = "documents", operation_id = "list_documents",
    params(CustomerPath, DocumentListQuery),
    responses(
        (status = 200, description = "A page of documents", body = DocumentList),
        ListProblems,
    ),
    security(("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Customer(session): Customer,
    ListQuery(query): ListQuery<DocumentListQuery>,
) -> ApiResult<Response> {
    let (state, session) = (&state, &session);
    pages::render(&state.document_pages, session, query, |query| async move {
        let listed = state.documents.list(session, &query).await?;
        Ok(DocumentList {
            items: listed.items.into_iter().map(Document::from).collect(),
            next_cursor: listed.next_cursor,
        })
    })
    .await
}

/// Starts a download: redirects to a signed link that is valid for a short time.
#[utoipa::path(
    get, path = "/customer/{customer_id}/documents/{document_id}/download", tag = "documents", operation_id = "download_document",
    params(DocumentPath),
    responses(
        (status = 302, description = "Redirect to the signed download link",
            headers(("Location" = String, description = "The signed link"))),
        (status = 404, description = "No such document for this customer", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The customer's budget of Salesforce calls is spent and nothing cached can answer (Salesforce mode)", body = Problem, content_type = "application/problem+json",
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
) -> ApiResult<Response> {
    let link = state
        .documents
        .link(&session, &ids.1, request_id.as_deref())
        .await?;
    let mut response = Redirect::to(&link).into_response();
    // `Redirect::to` answers 303; browsers and clients treat 302 the same for a GET.
    *response.status_mut() = StatusCode::FOUND;
    Ok(response)
}

/// Streams a file through a signed link. The link works only with the session that asked for
/// it (the browser's session cookie): refused with 403 when tampered with, expired, without
/// that session, or when the contact no longer belongs to the account.
#[utoipa::path(
    get, path = "/downloads/{document_id}", tag = "documents", operation_id = "serve_download",
    params(DownloadPath, SignedLink),
    responses(
        (status = 200, description = "The file, as an attachment", content_type = "application/octet-stream",
            headers(
                ("Content-Disposition" = String, description = "attachment with a safe file name"),
                ("Content-Length" = u64, description = "Size in bytes"),
            )),
        (status = 403, description = "The link was tampered with, has expired, or is not the signed-in session's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The document is no longer shared", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The customer's budget of Salesforce calls is spent and nothing cached can answer (Salesforce mode)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        Unavailable,
    ),
    security(("session" = []))
)]
pub async fn serve(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    session: Option<Session>,
    Path(document_id): Path<String>,
    query: Result<Query<SignedLink>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let link = query.ok().map(|Query(link)| link);
    let download = state
        .documents
        .open(
            &document_id,
            link.as_ref(),
            session.as_ref(),
            request_id.as_deref(),
        )
        .await?;
    let mut response = body_logging_failures(download.content.body).into_response();
    let headers = response.headers_mut();
    let content_type = documents::content_type(&download.document);
    let disposition = documents::content_disposition(&download.document);
    for (name, value) in [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, disposition),
        (header::CACHE_CONTROL, "private, no-store".to_owned()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    if let Some(length) = download.content.length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    Ok(response)
}

/// A file's bytes as a response body. A stream that fails midway (Salesforce drops the
/// connection, the file cannot be read) can no longer change the response's status, and the
/// client sees the body cut short; the failure is logged here, inside the request's span,
/// which is no longer entered by the time the body is sent.
fn body_logging_failures(
    body: impl futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static,
) -> Body {
    let span = tracing::Span::current();
    Body::from_stream(body.inspect_err(move |err| {
        span.in_scope(|| tracing::error!(error = %err, "the download broke off midway"));
    }))
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use futures::StreamExt;

    use super::body_logging_failures;
    use crate::observability::telemetry::captured::CapturedLogs;

    /// A download whose source fails after its first chunk: the client gets the first chunk
    /// and then an error (the connection is cut), and the failure is logged with the request
    /// id although the body is sent after the handler's span was left.
    #[tokio::test]
    async fn a_download_that_breaks_off_is_logged_with_its_request_id() {
        let logs = CapturedLogs::default();
        let _logging = tracing::subscriber::set_default(logs.subscriber());

        let source = futures::stream::iter([
            Ok(Bytes::from_static(b"first chunk")),
            Err(std::io::Error::other("connection reset by Salesforce")),
        ]);
        let body = tracing::info_span!("request", request_id = "download-0001")
            .in_scope(|| body_logging_failures(source));
        let frames: Vec<_> = body.into_data_stream().collect().await;
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].as_ref().unwrap(), "first chunk");
        assert!(frames[1].is_err(), "the body ends in an error, not cleanly");

        let line = logs.find("the download broke off midway");
        assert_eq!(line["level"], "ERROR");
        assert_eq!(line["span"]["request_id"], "download-0001");
        assert_eq!(line["error"], "connection reset by Salesforce");
    }
}
