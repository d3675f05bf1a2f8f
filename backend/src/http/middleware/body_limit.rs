//! The request body limit: `http.body_limit_bytes` for every request but file uploads, which
//! get `attachments.max_bytes` and room for the multipart framing. A body announced larger is
//! refused before it is read (413); one that grows past the limit while it streams in fails
//! the read, which the extractors (and the upload's multipart reader) answer with 413.

use std::convert::Infallible;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::TryFutureExt;
use futures::future::{Either, MapOk, Ready, ready};
use tower::{Layer, Service};

use crate::error::{ApiError, Problem};

/// What a multipart body holds besides the file: boundaries, part headers, a long file name.
const MULTIPART_FRAMING: u64 = 64 * 1024;

/// The body limit of an upload whose file may be `max_bytes`.
pub fn upload_body_limit(max_bytes: u64) -> u64 {
    max_bytes.saturating_add(MULTIPART_FRAMING)
}

#[derive(Clone, Copy)]
pub struct BodyLimitLayer {
    default: u64,
    uploads: u64,
}

impl BodyLimitLayer {
    pub fn new(default: usize, uploads: u64) -> Self {
        Self {
            default: default as u64,
            uploads,
        }
    }
}

impl<S> Layer<S> for BodyLimitLayer {
    type Service = BodyLimit<S>;

    fn layer(&self, inner: S) -> BodyLimit<S> {
        BodyLimit {
            inner,
            limits: *self,
        }
    }
}

#[derive(Clone)]
pub struct BodyLimit<S> {
    inner: S,
    limits: BodyLimitLayer,
}

/// `POST /customer/{customer_id}/cases/{case_id}/attachments`.
fn is_upload(request: &Request) -> bool {
    let mut segments = request.uri().path().split('/');
    request.method() == Method::POST
        && matches!(
            (
                segments.next(),
                segments.next(),
                segments.next(),
                segments.next(),
                segments.next(),
                segments.next(),
                segments.next(),
            ),
            (
                Some(""),
                Some("customer"),
                Some(_),
                Some("cases"),
                Some(_),
                Some("attachments"),
                None
            )
        )
}

impl<S, B> Service<Request> for BodyLimit<S>
where
    S: Service<Request, Response = Response<B>, Error = Infallible>,
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future =
        Either<Ready<Result<Response, Infallible>>, MapOk<S::Future, fn(Response<B>) -> Response>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let upload = is_upload(&request);
        let limit = if upload {
            self.limits.uploads
        } else {
            self.limits.default
        };
        let announced = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if announced.is_some_and(|n| n > limit) {
            let refusal = if upload {
                ApiError::AttachmentTooLarge {
                    max_bytes: limit - MULTIPART_FRAMING,
                }
                .into_response()
            } else {
                Problem::for_status(StatusCode::PAYLOAD_TOO_LARGE).into_response()
            };
            return Either::Left(ready(Ok(refusal)));
        }
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let request = request.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
        let boxed: fn(Response<B>) -> Response = |response| response.map(Body::new);
        Either::Right(self.inner.call(request).map_ok(boxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_upload_route_gets_the_upload_limit() {
        let request = |method: Method, path: &str| {
            axum::http::Request::builder()
                .method(method)
                .uri(path)
                .body(Body::empty())
                .unwrap()
        };
        let upload = "/customer/001Dn000V58wd0MIIQ/cases/500Dn000IMIULBMIY5/attachments";
        assert!(is_upload(&request(Method::POST, upload)));
        assert!(!is_upload(&request(Method::GET, upload)));
        assert!(!is_upload(&request(Method::POST, &format!("{upload}/x"))));
        assert!(!is_upload(&request(Method::POST, "/customer/x/cases")));
    }
}
