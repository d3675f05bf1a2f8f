//! List responses served from [`PageMemo`](crate::services::listing::PageMemo): the
//! rendered JSON of a page, kept while the customer's data is unchanged.

use std::future::Future;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;

use super::AppState;
use crate::error::{ApiError, ApiResult};
use crate::services::auth::Session;

/// Answers `list` for the session's account and these query parameters (`query`: their
/// canonical spelling) from the memo, or renders what `load` returns (and keeps it, when the
/// adapter can tell when it changes).
pub async fn memoized<T: Serialize>(
    state: &AppState,
    list: &'static str,
    session: &Session,
    query: &str,
    load: impl Future<Output = ApiResult<T>>,
) -> ApiResult<Response> {
    let key = match state.page_memo.get(list, &session.account_id, query) {
        Ok(body) => return Ok(json(body)),
        Err(key) => key,
    };
    let page = load.await?;
    let body =
        Bytes::from(serde_json::to_vec(&page).map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?);
    if let Some(key) = key {
        state.page_memo.keep(key, body.clone());
    }
    Ok(json(body))
}

fn json(body: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
