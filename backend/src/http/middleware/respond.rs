//! The outermost of the application's own steps, once the request has an id: opens the
//! request's span, counts and times the request, sets the security headers, writes error
//! responses as problems and logs the request's closing line.
//!
//! The span and the closing line are ours rather than tower-http's `TraceLayer`: that one
//! also wraps the response body, entering the span and reading the clock twice for every
//! frame, and its body then had to be boxed once more; together about as much CPU as the
//! rest of this step for a cached page.
//!
//! A tower [`Layer`] with its own future rather than an `axum::middleware::from_fn` step:
//! every request passes through it, and a `from_fn` step clones and boxes the stack under
//! it, boxes its future and moves it into the box, four allocations and a copy of the whole
//! nested future for each request. This one holds the inner future in place.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::Response;
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::error::Problem;
use crate::http::AppState;

use super::AccessLine;

/// The headers [`add_headers`] sets on every response, shared by every request.
pub type SecurityHeaders = Arc<[(header::HeaderName, HeaderValue)]>;

/// Installs [`Respond`]: the request span, metrics, security headers, problem rendering and
/// the closing log line, in one step.
#[derive(Clone)]
pub struct RespondLayer {
    state: AppState,
    security_headers: SecurityHeaders,
    access: AccessLine,
}

impl RespondLayer {
    pub fn new(state: AppState, security_headers: SecurityHeaders, access: AccessLine) -> Self {
        Self {
            state,
            security_headers,
            access,
        }
    }
}

impl<S> Layer<S> for RespondLayer {
    type Service = Respond<S>;

    fn layer(&self, inner: S) -> Respond<S> {
        Respond {
            inner,
            state: self.state.clone(),
            security_headers: self.security_headers.clone(),
            access: self.access,
        }
    }
}

/// See [`RespondLayer`].
#[derive(Clone)]
pub struct Respond<S> {
    inner: S,
    state: AppState,
    security_headers: SecurityHeaders,
    access: AccessLine,
}

impl<S> Service<Request> for Respond<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = RespondFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let started = Instant::now();
        let span = request_span(&req);
        let method = req.method().clone();
        let slot = RouteSlot::default();
        req.extensions_mut().insert(slot.clone());
        let in_flight = InFlight::enter(self.state.clone());
        let inner = span.in_scope(|| self.inner.call(req));
        RespondFuture {
            inner,
            span,
            pending: Some(Pending {
                in_flight,
                security_headers: self.security_headers.clone(),
                access: self.access,
                method,
                slot,
                started,
            }),
        }
    }
}

/// The span every line logged while serving a request is inside: its method, path and
/// request id (set by `SetRequestId`, outside this step).
fn request_span(req: &Request) -> tracing::Span {
    let request_id = req
        .headers()
        .get(&super::X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = req.method().as_str(),
        path = req.uri().path(),
        request_id,
    )
}

/// What [`RespondFuture`] needs once the response is there.
struct Pending {
    in_flight: InFlight,
    security_headers: SecurityHeaders,
    access: AccessLine,
    method: Method,
    slot: RouteSlot,
    started: Instant,
}

pin_project! {
    /// The future of [`Respond`]: the inner service's future, polled inside the request's
    /// span, and what to do with its answer.
    pub struct RespondFuture<F> {
        #[pin]
        inner: F,
        span: tracing::Span,
        pending: Option<Pending>,
    }
}

impl<F> Future for RespondFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        assert!(
            this.pending.is_some(),
            "RespondFuture polled after it completed"
        );
        let _entered = this.span.enter();
        let Ok(response) = ready!(this.inner.poll(cx));
        let Some(pending) = this.pending.take() else {
            unreachable!("checked above")
        };
        let took = pending.started.elapsed();
        let InFlight(state) = &pending.in_flight;
        state.metrics.http_request(
            pending.slot.0.get().map(MatchedPath::as_str),
            &pending.method,
            response.status().as_u16(),
            took,
        );
        drop(pending.in_flight);
        let response = problem_response(add_headers(response, &pending.security_headers));
        pending.access.log(response.status(), took);
        Poll::Ready(Ok(response))
    }
}

/// One request counted in the in-flight gauge, until dropped: also when the client goes away
/// and the request's future is dropped before it answers.
struct InFlight(AppState);

impl InFlight {
    fn enter(state: AppState) -> Self {
        state.metrics.http_in_flight.inc();
        Self(state)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.metrics.http_in_flight.dec();
    }
}

/// Where the matched route template (`/customer/{customer_id}/cases`) is left for the
/// metrics, which are counted outside the router and so before any route has matched.
/// Shared, so that it is known even when the route's answer never comes back through the
/// route: a timeout drops the handler, a panic is answered by the catcher outside it.
/// Requests answered before routing (a body over the limit by its Content-Length, a CORS
/// preflight, an unknown path) count as `unmatched`.
#[derive(Clone, Default)]
pub struct RouteSlot(Arc<std::sync::OnceLock<MatchedPath>>);

/// Fills the request's [`RouteSlot`] once a route has matched (a plain `map_request` layer on
/// every route: it has nothing to wait for).
pub fn remember_route(req: Request) -> Request {
    if let (Some(slot), Some(route)) = (
        req.extensions().get::<RouteSlot>(),
        req.extensions().get::<MatchedPath>(),
    ) {
        let _ = slot.0.set(route.clone());
    }
    req
}

/// Sets the security headers on every response, and `Cache-Control: no-store` where the
/// handler chose no caching policy of its own.
pub fn add_headers(
    mut response: Response,
    security_headers: &[(header::HeaderName, HeaderValue)],
) -> Response {
    let headers = response.headers_mut();
    // Room for them all at once, rather than growing the map as they come.
    headers.reserve(security_headers.len() + 1);
    for (name, value) in security_headers {
        headers.insert(name.clone(), value.clone());
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Writes an error response as RFC 9457 problem details carrying the request id: those of our
/// handlers (which leave a [`Problem`] in the response) and those of the framework and
/// middleware (unknown route, wrong method, body too large, timeout, panic). The request id
/// is the response's own `X-Request-Id`, which `PropagateRequestId`, just inside this step,
/// sets on every response.
fn problem_response(mut response: Response) -> Response {
    let status = response.status();
    let problem = match response.extensions_mut().remove::<Problem>() {
        Some(problem) => problem,
        None if (status.is_client_error() || status.is_server_error())
            && is_bare(response.headers()) =>
        {
            if status.is_server_error() {
                tracing::error!(status = status.as_u16(), "request failed outside a handler");
            }
            Problem::for_status(status)
        }
        None => return response,
    };
    let request_id = response
        .headers()
        .get(&super::X_REQUEST_ID)
        .and_then(|id| id.to_str().ok())
        .map(str::to_owned);
    let problem = Problem {
        request_id,
        ..problem
    };
    *response.status_mut() = problem.status_code();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    headers.remove(header::CONTENT_LENGTH);
    *response.body_mut() = Body::from(problem.to_body());
    response
}

/// A response the framework or a middleware produced (no body type, or plain text): ours to
/// turn into a problem. JSON bodies, such as `/readyz`'s report, are left as they are.
fn is_bare(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"))
}
