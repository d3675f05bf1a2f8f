//! List responses served from [`PageMemo`](crate::services::listing::PageMemo): the
//! rendered JSON of a page, kept while the customer's data is unchanged.

use std::future::Future;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;

use super::AppState;
use crate::error::{ApiError, ApiResult};
use crate::salesforce::cache::Sources;
use crate::services::auth::Session;
use crate::services::listing::PageQuery;

/// Answers `list` for the session's account and this query from the memo, or renders what
/// `load` makes of it (and keeps it, when the adapter can tell when it changes).
pub async fn memoized<T, F>(
    state: &AppState,
    list: &'static str,
    session: &Session,
    query: PageQuery,
    load: impl FnOnce(PageQuery) -> F,
) -> ApiResult<Response>
where
    T: Serialize,
    F: Future<Output = ApiResult<T>>,
{
    let unkept = match state.page_memo.get(list, &session.account_id, query) {
        Ok(body) => return Ok(json(body)),
        Err(unkept) => unkept,
    };
    // Boxed: reading and rendering a page is a large future, which inline would make the
    // handler's future as large, to be copied (into boxes, through the layers) by every
    // request, the many answered from the memo included.
    let (page, sources) = Box::pin(Sources::track(load(unkept.query().clone()))).await;
    let body = Bytes::from(
        serde_json::to_vec(&page?).map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?,
    );
    state.page_memo.keep(unkept, body.clone(), sources);
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
