//! `/auth`: sign-in, the current session, sign-out.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::cookies::{cookie_name, session_cookie};
use super::dto::SessionInfo;
use super::dto::requests::LoginRequest;
use super::extract::{ClientIp, JsonBody};
use super::openapi::{JsonBodyProblems, Unavailable};
use super::state::AppState;
use crate::error::{ApiError, ApiResult, Problem};
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
        (status = 401, description = "Wrong email or password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or unknown fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another attempt is accepted"))),
        JsonBodyProblems,
        Unavailable,
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    JsonBody(body): JsonBody<LoginRequest>,
) -> ApiResult<Response> {
    let (session, token) = state
        .auth
        .login(&body.email, &body.password, client)
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
        Unavailable,
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
