//! Bounds on the request line, before routing and before any handler: a path longer than
//! [`MAX_PATH_BYTES`] is a 404 (no route, page or file of this site has such an address) and a
//! query string longer than [`MAX_QUERY_BYTES`] a 400. Each parameter a route takes is bounded
//! again where it is parsed (ids, cursors, search text); this step makes sure that nothing,
//! including routes that are not ours to parse (the web app's fallback, the API docs), ever
//! works on, stores or logs an address of any length. The problem names no value.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::future::Either;
use tower::{Layer, Service};

use crate::error::{ApiError, ProblemText};

/// The longest path (percent-encoded, as sent) any request may have. The API's longest is
/// under 100 bytes (`/customer/{id}/documents/{id}/download`), the web app's pages and files
/// are of the same order.
pub const MAX_PATH_BYTES: usize = 1024;

/// The longest query string (as sent). The longest legitimate ones are a list's (a cursor of at
/// most 1,024 bytes and a search of 100 characters, percent-encoded), a sign-in's `return_to`
/// (at most 2,048 bytes, percent-encoded) and a provider's callback (`code`, `state`, an error's
/// description).
pub const MAX_QUERY_BYTES: usize = 8192;

/// Why a request line is refused, if it is.
pub fn refusal(req: &Request) -> Option<ApiError> {
    let uri = req.uri();
    if uri.path().len() > MAX_PATH_BYTES {
        return Some(ApiError::Http(StatusCode::NOT_FOUND));
    }
    if uri.query().is_some_and(|q| q.len() > MAX_QUERY_BYTES) {
        return Some(ApiError::BadRequest(ProblemText::QueryTooLong {
            max_bytes: MAX_QUERY_BYTES,
        }));
    }
    None
}

/// Installs [`Bounds`].
#[derive(Clone, Copy, Default)]
pub struct BoundsLayer;

impl<S> Layer<S> for BoundsLayer {
    type Service = Bounds<S>;

    fn layer(&self, inner: S) -> Bounds<S> {
        Bounds { inner }
    }
}

/// See [`BoundsLayer`]. A plain tower service: its future is the inner one, or a ready
/// refusal, never a box.
#[derive(Clone)]
pub struct Bounds<S> {
    inner: S,
}

impl<S> Service<Request> for Bounds<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        match refusal(&req) {
            Some(refused) => Either::Left(ready(Ok(refused.into_response()))),
            None => Either::Right(self.inner.call(req)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str) -> Request {
        Request::builder()
            .uri(uri)
            .body(axum::body::Body::empty())
            .unwrap()
    }

    #[test]
    fn long_paths_and_query_strings_are_refused_short_ones_pass() {
        let at_limit = format!("/{}", "a".repeat(MAX_PATH_BYTES - 1));
        assert!(refusal(&request(&at_limit)).is_none());
        let over = format!("{at_limit}a");
        assert!(matches!(
            refusal(&request(&over)),
            Some(ApiError::Http(StatusCode::NOT_FOUND))
        ));
        let query = format!("/x?q={}", "a".repeat(MAX_QUERY_BYTES - 2));
        assert!(refusal(&request(&query)).is_none());
        let problem = refusal(&request(&format!("{query}a"))).unwrap().problem();
        assert_eq!(problem.status, 400);
        assert!(problem.detail.len() < 100, "{}", problem.detail);
    }
}
