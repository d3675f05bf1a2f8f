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
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::config::AccessLog;
use crate::error::Problem;
use crate::http::extract::excerpt;
use crate::http::state::AppState;
use crate::i18n::Language;
use crate::observability::request_id::X_REQUEST_ID;

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
        // Kept for the language of a problem, should the request end in one: a cheap clone
        // (the header's bytes are shared), rather than parsing it for every request.
        let accept_language = req.headers().get(header::ACCEPT_LANGUAGE).cloned();
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
                accept_language,
                slot,
                started,
            }),
        }
    }
}

/// The most of a request's path its log lines carry: more than any address of this site, and
/// a request with a longer one (refused by `bounds`) is still logged on one short line.
const LOGGED_PATH_BYTES: usize = 256;

/// The span every line logged while serving a request is inside: its method, path (at most
/// [`LOGGED_PATH_BYTES`] of it) and request id (set by `SetRequestId`, outside this step).
fn request_span(req: &Request) -> tracing::Span {
    let request_id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = req.method().as_str(),
        path = %excerpt(req.uri().path(), LOGGED_PATH_BYTES),
        request_id,
    )
}

/// What [`RespondFuture`] needs once the response is there.
struct Pending {
    in_flight: InFlight,
    security_headers: SecurityHeaders,
    access: AccessLine,
    method: Method,
    accept_language: Option<HeaderValue>,
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
            pending.slot.0.route.get().map(MatchedPath::as_str),
            &pending.method,
            response.status().as_u16(),
            took,
        );
        drop(pending.in_flight);
        let language = || {
            Language::negotiate(
                pending.slot.0.language.get().copied(),
                pending
                    .accept_language
                    .as_ref()
                    .and_then(|value| value.to_str().ok()),
            )
        };
        let response = problem_response(add_headers(response, &pending.security_headers), language);
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

/// What is learnt inside the router and needed out here once the response is there: the
/// matched route template (`/customer/{customer_id}/cases`) for the metrics, which are
/// counted outside the router and so before any route has matched, and the session's
/// language for a problem's words. Shared, so that both are known even when the route's
/// answer never comes back through the route: a timeout drops the handler, a panic is
/// answered by the catcher outside it. Requests answered before routing (a body over the
/// limit by its Content-Length, a CORS preflight, an unknown path) count as `unmatched`.
#[derive(Clone, Default)]
pub struct RouteSlot(Arc<Learnt>);

#[derive(Default)]
pub struct Learnt {
    route: std::sync::OnceLock<MatchedPath>,
    language: std::sync::OnceLock<Language>,
}

/// Leaves the signed-in customer's language where [`Respond`] finds it: a problem answering
/// this request is written in it, whatever the request's `Accept-Language`.
pub fn remember_language(extensions: &axum::http::Extensions, language: Language) {
    if let Some(slot) = extensions.get::<RouteSlot>() {
        let _ = slot.0.language.set(language);
    }
}

/// Fills the request's [`RouteSlot`] once a route has matched (a plain `map_request` layer on
/// every route: it has nothing to wait for).
pub fn remember_route(req: Request) -> Request {
    if let (Some(slot), Some(route)) = (
        req.extensions().get::<RouteSlot>(),
        req.extensions().get::<MatchedPath>(),
    ) {
        let _ = slot.0.route.set(route.clone());
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
/// sets on every response. Its title and detail are in the `language` of the request
/// (asked only when there is a problem), named by `Content-Language`.
fn problem_response(mut response: Response, language: impl FnOnce() -> Language) -> Response {
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
        .get(&X_REQUEST_ID)
        .and_then(|id| id.to_str().ok())
        .map(str::to_owned);
    let language = language();
    let problem = Problem {
        request_id,
        ..problem.in_language(language)
    };
    *response.status_mut() = problem.status_code();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(language.code()),
    );
    headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
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

/// The Content-Security-Policy of every response: no inline script or style, nothing from
/// other origins, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

pub fn security_headers(https: bool) -> Vec<(header::HeaderName, HeaderValue)> {
    let mut headers = vec![
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        // Signed download links live in query strings: never send them on as a referrer.
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
        (
            header::HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("same-origin"),
        ),
        (
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
        ),
    ];
    if https {
        headers.push((
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        ));
    }
    headers
}

/// The request's closing log line ("finished processing request", with `status` and
/// `latency_ms` to the response's headers, inside the request's span), under the target
/// `access_log`: at `error` for a 5xx, at `info` for a 4xx or for every request when
/// `log.access` asks for it, otherwise at `debug`, where the filter drops it for the price of
/// a level check. The target is not under `portal`, so that `portal=debug` (to see the
/// portal's own debug lines) does not also bring a line per request.
#[derive(Clone, Copy)]
pub struct AccessLine(pub AccessLog);

impl AccessLine {
    pub fn log(self, status: StatusCode, took: Duration) {
        let status = status.as_u16();
        let latency_ms = took.as_secs_f64() * 1000.0;
        if status >= 500 {
            tracing::error!(target: "access_log", status, latency_ms, "finished processing request");
        } else if status >= 400 || self.0 == AccessLog::All {
            tracing::info!(target: "access_log", status, latency_ms, "finished processing request");
        } else {
            tracing::debug!(target: "access_log", status, latency_ms, "finished processing request");
        }
    }
}

/// The response to a handler that panicked: a generic 500 problem (the `respond` step adds
/// the request id). The panic is logged inside the request's span, so with its request id;
/// its message never reaches the client.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    tracing::error!(panic = message, "request handler panicked");
    Problem::for_status(axum::http::StatusCode::INTERNAL_SERVER_ERROR).into_response()
}
