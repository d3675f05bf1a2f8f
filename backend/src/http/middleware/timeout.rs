//! The request timeout: 503 (rendered as a problem by `respond`) when a request is not done
//! within `http.request_timeout_secs`.
//!
//! Not tower-http's `TimeoutLayer`: that one creates its timer with every request, and a
//! tokio timer, even one never polled, takes the runtime's timer lock when dropped. Here the
//! timer is made only if the request is not done at its first poll: most are (a cached page,
//! a session check), and under load the timer cost more than the rest of such a request. The
//! deadline still counts from the request's arrival.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::BoxError;
use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use pin_project_lite::pin_project;
use tokio::task::Unconstrained;
use tokio::time::{Instant, Sleep};
use tower::{Layer, Service};

/// Installs [`Timeout`].
#[derive(Clone, Copy)]
pub struct TimeoutLayer {
    limit: Duration,
}

impl TimeoutLayer {
    pub fn new(limit: Duration) -> Self {
        Self { limit }
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = Timeout<S>;

    fn layer(&self, inner: S) -> Timeout<S> {
        Timeout {
            inner,
            limit: self.limit,
        }
    }
}

/// See [`TimeoutLayer`].
#[derive(Clone)]
pub struct Timeout<S> {
    inner: S,
    limit: Duration,
}

impl<S, B> Service<Request> for Timeout<S>
where
    S: Service<Request, Response = Response<B>, Error = Infallible>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = TimeoutFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        TimeoutFuture {
            deadline: Instant::now() + self.limit,
            inner: self.inner.call(req),
            timer: None,
        }
    }
}

pin_project! {
    /// The future of [`Timeout`]: the request, and its timer once it has had to wait.
    pub struct TimeoutFuture<F> {
        #[pin]
        inner: F,
        deadline: Instant,
        // Unconstrained, as in `tokio::time::timeout`: a request that has used up its task's
        // budget still sees its deadline pass.
        #[pin]
        timer: Option<Unconstrained<Sleep>>,
    }
}

impl<F, B> Future for TimeoutFuture<F>
where
    F: Future<Output = Result<Response<B>, Infallible>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if let Poll::Ready(Ok(response)) = this.inner.poll(cx) {
            return Poll::Ready(Ok(response.map(Body::new)));
        }
        if this.timer.is_none() {
            let timer = tokio::time::sleep_until(*this.deadline);
            this.timer.set(Some(tokio::task::unconstrained(timer)));
        }
        if let Some(timer) = this.timer.as_pin_mut() {
            ready!(timer.poll(cx));
        }
        Poll::Ready(Ok(StatusCode::SERVICE_UNAVAILABLE.into_response()))
    }
}
