//! `/auth`: sign-in, the current session, sign-out.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::AppState;
use super::dto::{LoginRequest, SessionInfo};
use super::extract::{ClientIp, JsonBody};
use super::middleware::{cookie_name, session_cookie};
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::services::auth::Session;

/// Sign in with email and password.
///
/// Sets the session cookie. Wrong credentials get the same answer whether or not the email
/// exists. Attempts are limited per client address and per account.
#[utoipa::path(
    post, path = "/auth/login", tag = "auth", operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = SessionInfo),
        (status = 400, description = "The body is not valid JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong email or password", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than the server accepts", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (Content-Type is not application/json)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another attempt is accepted"))),
        (status = 503, description = "Salesforce (or the shared state) unavailable, or the request timed out; Retry-After says when to retry if sent", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let field = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if let Some(object) = body.as_object()
        && let Some(unknown) = object
            .keys()
            .find(|k| !matches!(k.as_str(), "email" | "password"))
    {
        return Err(ApiError::Validation(vec![FieldError::new(
            unknown.clone(),
            "This field is not accepted.",
        )]));
    }
    let (session, token) = state
        .auth
        .login(&field("email"), &field("password"), client)
        .await?;
    let max_age = state.auth.session_ttl().num_seconds();
    let cookie = session_cookie(&state, token, max_age);
    let body = SessionInfo::new(&session, state.auth.csrf_token(&session));
    Ok(([(header::SET_COOKIE, cookie.to_string())], Json(body)).into_response())
}

/// The signed-in session, with the CSRF token to send on state-changing requests.
#[utoipa::path(
    get, path = "/auth/session", tag = "auth", operation_id = "get_session",
    responses(
        (status = 200, description = "The current session", body = SessionInfo),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Salesforce (or the shared state) unavailable, or the request timed out; Retry-After says when to retry if sent", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))),
    ),
    security(("session" = []))
)]
pub async fn session(State(state): State<AppState>, session: Session) -> Json<SessionInfo> {
    let token = state.auth.csrf_token(&session);
    Json(SessionInfo::new(&session, token))
}

/// Sign out: the session is revoked on the server and the cookie cleared.
#[utoipa::path(
    post, path = "/auth/logout", tag = "auth", operation_id = "logout",
    params(("X-CSRF-Token" = String, Header, description = "The session's csrf_token")),
    responses(
        (status = 204, description = "Signed out (also when there was no session)"),
        (status = 403, description = "Missing or wrong CSRF token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The session could not be revoked (shared state unavailable), or the request timed out; sign out again", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))),
    ),
    security(("session" = []))
)]
pub async fn logout(State(state): State<AppState>, session: Option<Session>) -> Response {
    if let Some(session) = &session
        && let Err(err) = state.auth.logout(session).await
    {
        // Not revoked: say so (503, retry) rather than pretend the token stopped working.
        return ApiError::from(err).into_response();
    }
    let cleared = session_cookie(&state, String::new(), 0);
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(value) = HeaderValue::from_str(&cleared.to_string()) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    debug_assert!(!cookie_name(&state).is_empty());
    response
}
