//! Request ids: one per request, from the client when it sent a sane one, returned as
//! `X-Request-Id`, written on every log line of the request and sent on every Salesforce call
//! made for it.

use std::future::Future;

use axum::http::HeaderName;
use futures::future::Either;

/// The request id's header, as a name: looking a header up by a `&str` parses the name first,
/// and the request id is looked up several times in every request.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A client-sent `X-Request-Id` is kept only when it is short and plain; otherwise a fresh id
/// replaces it, so logs cannot be flooded or forged through it.
pub fn sanitise<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    let acceptable = req.headers().get(&X_REQUEST_ID).is_none_or(|v| {
        v.len() <= 128
            && !v.is_empty()
            && v.as_bytes()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    });
    if !acceptable {
        req.headers_mut().remove(&X_REQUEST_ID);
    }
    req
}

/// `work` with `id` as the request id of every Salesforce REST call it makes (sent as
/// `X-Request-Id`). A task local: a cache load shared by concurrent requests carries the id of
/// the one that made it. A plain function rather than an `async fn`: every request's future
/// passes through here, and each `async fn` around it is one more copy of it.
pub fn scope<F: Future>(id: Option<String>, work: F) -> impl Future<Output = F::Output> {
    match id {
        Some(id) => Either::Left(salesforce_client::RequestId::scope(id, work)),
        None => Either::Right(work),
    }
}
