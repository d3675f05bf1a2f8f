//! Cross-cutting HTTP concerns: sessions and CSRF, problem rendering, security headers and
//! request ids.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use std::time::Duration;
use tower_http::trace::{DefaultOnResponse, OnResponse};
use tracing::Level;

use super::AppState;
use crate::config::AccessLog;
use crate::error::{ApiError, Problem};
use crate::services::auth::Session;

pub const CSRF_HEADER: &str = "x-csrf-token";

/// The session cookie's name. With https the `__Host-` prefix makes browsers insist on Secure,
/// Path=/ and no Domain, so a sibling subdomain cannot plant or read it.
pub fn cookie_name(state: &AppState) -> &'static str {
    if state.config.is_https() {
        "__Host-portal_session"
    } else {
        "portal_session"
    }
}

pub fn session_cookie(state: &AppState, token: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build((cookie_name(state), token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.is_https())
        .path("/")
        .max_age(time::Duration::seconds(max_age_secs.max(0)))
        .build()
}

/// Finds the session, enforces CSRF on state-changing requests that carry one, and renews the
/// cookie as the session is used.
pub async fn sessions(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let session: Option<Arc<Session>> = match session_cookie_of(req.headers(), cookie_name(&state))
    {
        Some(cookie) => match state.auth.authenticate(cookie.value()).await {
            Ok(session) => session,
            // Revocation cannot be checked: refuse rather than trust a possibly revoked token.
            Err(err) => return ApiError::from(err).into_response(),
        },
        None => None,
    };
    if let Some(session) = &session {
        let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        // Sign-in replaces whatever session there was and is not cookie-authenticated.
        if unsafe_method && req.uri().path() != "/auth/login" {
            let valid = req
                .headers()
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|token| state.auth.verify_csrf(session, token));
            if !valid {
                tracing::warn!(session = %session.id, "refused a request without a valid CSRF token");
                return ApiError::Csrf.into_response();
            }
        }
        req.extensions_mut().insert(Arc::clone(session));
    }
    let mut response = next.run(req).await;
    // Handlers that set the cookie themselves (sign-in, sign-out) have the last word.
    if let Some(session) = session
        && !response.headers().contains_key(header::SET_COOKIE)
        && let Some((renewed, token)) = state.auth.renew(&session)
    {
        let max_age = (renewed.expires_at - chrono::Utc::now()).num_seconds();
        if let Ok(value) =
            HeaderValue::from_str(&session_cookie(&state, token, max_age).to_string())
        {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The headers [`add_headers`] sets on every response, shared by every request.
pub type SecurityHeaders = Arc<[(header::HeaderName, HeaderValue)]>;

/// The session cookie among the request's cookies, parsed in place (building a cookie jar
/// copied every cookie the browser sent, on every request). Of two cookies of that name the
/// last counts, as in a jar. Not percent-decoded: the portal writes its tokens (base64url and
/// dots) as they are, so a cookie that needs decoding is not one of them.
fn session_cookie_of<'h>(headers: &'h HeaderMap, name: &str) -> Option<Cookie<'h>> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .filter(|cookie| cookie.name() == name)
        .last()
}

/// The outermost step of every request once it has an id: counts and times it
/// (`record_metrics`), sets the security headers ([`add_headers`]) and writes error
/// responses as problems (`problem_response`). One step rather than three: each `from_fn`
/// step boxes a copy of the stack under it and its future on every request.
pub async fn respond(
    State((state, security_headers)): State<(AppState, SecurityHeaders)>,
    req: Request,
    next: Next,
) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = record_metrics(&state, req, next).await;
    let response = add_headers(response, &security_headers);
    problem_response(response, request_id)
}

/// Writes an error response as RFC 9457 problem details carrying the request id: those of our
/// handlers (which leave a [`Problem`] in the response) and those of the framework and
/// middleware (unknown route, wrong method, body too large, timeout, panic).
fn problem_response(mut response: Response, request_id: Option<String>) -> Response {
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

/// A client-sent `X-Request-Id` is kept only when it is short and plain; otherwise a fresh id
/// replaces it, so logs cannot be flooded or forged through it.
pub fn sanitise_request_id<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    let acceptable = req.headers().get("x-request-id").is_none_or(|v| {
        v.len() <= 128
            && !v.is_empty()
            && v.as_bytes()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    });
    if !acceptable {
        req.headers_mut().remove("x-request-id");
    }
    req
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

/// Answers 503 (a problem, through `problems`) when the request is not done within
/// `http.request_timeout_secs`.
///
/// The timer is started only if the request is not done at its first poll: most are (a cached
/// page, a session check), and each tokio timer registered and dropped takes the runtime's
/// timer lock and wakes the thread parked on the I/O driver, which under load cost more than
/// the rest of such a request. The deadline still counts from the request's arrival.
pub async fn request_timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    let deadline = tokio::time::Instant::now() + limit;
    let mut response = std::pin::pin!(next.run(req));
    if let std::task::Poll::Ready(response) = futures::poll!(response.as_mut()) {
        return response;
    }
    match tokio::time::timeout_at(deadline, response).await {
        Ok(response) => response,
        Err(_) => axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// Where the matched route template (`/customer/{customer_id}/cases`) is left for
/// `record_metrics`, which runs outside the router and so before any route has matched.
/// Shared, so that it is known even when the route's answer never comes back through the
/// route: a timeout drops the handler, a panic is answered by the catcher outside it.
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

/// Counts requests by route template, method and status, and times them. Requests answered
/// before routing (a body over the limit by its Content-Length, a CORS preflight, an unknown
/// path) count as `unmatched`.
async fn record_metrics(state: &AppState, mut req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let slot = RouteSlot::default();
    req.extensions_mut().insert(slot.clone());
    let metrics = &state.metrics;
    let in_flight = InFlight::enter(&metrics.http_in_flight);
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    drop(in_flight);
    metrics.http_request(
        slot.0.get().map(MatchedPath::as_str),
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
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

/// The request's closing log line ("finished processing request", with status and latency):
/// at `info` when `log.access` asks for it, otherwise at `debug`, where the filter drops it
/// for the price of a level check.
#[derive(Clone, Copy)]
pub struct AccessLine(pub AccessLog);

impl<B> OnResponse<B> for AccessLine {
    fn on_response(self, response: &Response<B>, latency: Duration, span: &tracing::Span) {
        let failed = response.status().is_client_error() || response.status().is_server_error();
        let level = if failed || self.0 == AccessLog::All {
            Level::INFO
        } else {
            Level::DEBUG
        };
        DefaultOnResponse::new()
            .level(level)
            .on_response(response, latency, span);
    }
}

/// One request counted in the in-flight gauge, until dropped: also when the client goes away
/// and the request's future is dropped before it answers.
struct InFlight<'a>(&'a prometheus_client::metrics::gauge::Gauge);

impl<'a> InFlight<'a> {
    fn enter(gauge: &'a prometheus_client::metrics::gauge::Gauge) -> Self {
        gauge.inc();
        Self(gauge)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
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

/// Marks responses built from stale data (served from cache because Salesforce failed), so
/// clients can say the data may be out of date: `X-Data-Stale: true` and `Age`.
///
/// It also scopes the request id (already set by `SetRequestId`) over the handler, so every
/// Salesforce REST call made for this request sends it as `X-Request-Id`. The scope is a task
/// local: a cache load shared by concurrent requests carries the id of the one that made it.
pub async fn freshness(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let handled = crate::salesforce::cache::Freshness::track(next.run(req));
    let (mut response, stale_age) = match request_id {
        Some(id) => salesforce_client::RequestId::scope(id, handled).await,
        None => handled.await,
    };
    if let Some(age) = stale_age {
        let headers = response.headers_mut();
        headers.insert("x-data-stale", HeaderValue::from_static("true"));
        headers.insert(header::AGE, HeaderValue::from(age));
    }
    response
}
