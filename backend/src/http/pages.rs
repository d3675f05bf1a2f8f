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

/// Answers `list` for the session's account and these query parameters from the memo, or
/// renders what `load` makes of them (and keeps it, when the adapter can tell when it changes).
/// Pages are keyed by the parameters as parsed (unknown ones ignored), so that extra
/// parameters cannot make copies of a page.
pub async fn memoized<Q, T, F>(
    state: &AppState,
    list: &'static str,
    session: &Session,
    query: Q,
    load: impl FnOnce(Q) -> F,
) -> ApiResult<Response>
where
    Q: std::fmt::Debug,
    T: Serialize,
    F: Future<Output = ApiResult<T>>,
{
    let key = match state
        .page_memo
        .get(list, &session.account_id, &format!("{query:?}"))
    {
        Ok(body) => return Ok(json(body)),
        Err(key) => key,
    };
    let page = load(query).await?;
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
