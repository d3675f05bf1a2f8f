//! Cross-cutting HTTP concerns: request ids, the response step (metrics, security headers,
//! problems: `respond`), the request timeout, sessions and CSRF on the API routes (`api`),
//! the panic response and the access log line.

mod api;
mod respond;
mod timeout;

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use std::time::Duration;

pub use api::ApiLayer;
pub use respond::{RespondLayer, SecurityHeaders, remember_route};
pub use timeout::TimeoutLayer;

use super::AppState;
use crate::config::AccessLog;
use crate::error::Problem;

pub const CSRF_HEADER: &str = "x-csrf-token";

/// The request id's header, as a name: looking a header up by a `&str` parses the name first,
/// and the request id is looked up several times in every request.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

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

/// A client-sent `X-Request-Id` is kept only when it is short and plain; otherwise a fresh id
/// replaces it, so logs cannot be flooded or forged through it.
pub fn sanitise_request_id<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
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
