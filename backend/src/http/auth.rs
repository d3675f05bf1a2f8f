//! `/auth`: sign-in, the current session, sign-out.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;

use super::cookies::{cookie_name, device_cookie, session_cookie};
use super::dto::SessionInfo;
use super::dto::requests::LoginRequest;
use super::extract::{ClientIp, JsonBody};
use super::openapi::{CsrfHeader, JsonBodyProblems, Unavailable};
use super::state::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::services::auth::Session;
use crate::services::sign_in_guard::DEVICE_COOKIE;

/// Sign in with email and password.
///
/// Sets the session cookie, and a device cookie that lets this browser keep signing in to the
/// account while others fail at it. Wrong credentials get the same answer whether or not the
/// email exists. Failed attempts are limited per client address, per account from an address
/// or device, and per account overall (docs/SECURITY.md); when every password check is busy
/// the answer is 503 with Retry-After.
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
    jar: CookieJar,
    JsonBody(body): JsonBody<LoginRequest>,
) -> ApiResult<Response> {
    let device = jar.get(DEVICE_COOKIE).map(Cookie::value);
    let signed_in = state
        .auth
        .login(&body.email, &body.password, client, device)
        .await?;
    let max_age = state.auth.session_ttl().num_seconds();
    let cookie = session_cookie(&state, signed_in.token, max_age);
    let device = device_cookie(&state, signed_in.device_cookie);
    let body = SessionInfo::new(
        &signed_in.session,
        state.auth.csrf_token(&signed_in.session),
    );
    let mut response = Json(body).into_response();
    for cookie in [cookie, device] {
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
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
    params(CsrfHeader),
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
