//! List responses served through a [`PageMemo`]: the rendered JSON of a page, kept while the
//! customer's data is unchanged.

use std::future::Future;
use std::hash::Hash;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::read_path::PageMemo;
use crate::services::auth::Session;

/// Answers `query` for the session's account from `memo`, or renders what `load` makes of it
/// (kept, when the data's source can tell when it changes).
pub async fn render<Q, T, F>(
    memo: &PageMemo<Q>,
    session: &Session,
    query: Q,
    load: impl FnOnce(Q) -> F,
) -> ApiResult<Response>
where
    Q: Hash + Eq + Clone + Send + Sync + 'static,
    T: Serialize,
    F: Future<Output = ApiResult<T>>,
{
    // A member's cases and everyone's own files are theirs: pages are kept per person and role.
    let viewer = format!("{}:{}", session.contact_id, session.role.as_str());
    let body = memo
        .page_for(&session.account_id, &viewer, query, |query| async move {
            let page = load(query).await?;
            serde_json::to_vec(&page)
                .map(Bytes::from)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))
        })
        .await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}
