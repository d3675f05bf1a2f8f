//! `/auth/password`: password self-service for local sign-in (issue 14, decision 032).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::cookies::session_cookie;
use super::dto::SessionInfo;
use super::dto::passwords::{PasswordChange, PasswordForgot, PasswordReset, ResetRequested};
use super::extract::{ClientIp, JsonBody};
use super::openapi::{CsrfHeader, JsonBodyProblems, Unavailable};
use super::state::AppState;
use crate::error::{ApiResult, Problem};
use crate::services::auth::Session;

/// Changes the signed-in customer's password (local sign-in only).
///
/// The current password is required and counts against the sign-in attempt limits. Every
/// session of the contact ends, on every device; this browser gets a new session cookie (and
/// CSRF token) in the answer. Someone who signs in through the identity provider changes
/// their password there: 409 `/problems/password-managed-elsewhere`.
#[utoipa::path(
    post, path = "/auth/password", tag = "auth", operation_id = "change_password",
    params(CsrfHeader),
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Changed; the new session cookie is set", body = SessionInfo),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing or wrong CSRF token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The password is managed by the identity provider", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong current password (`current_password`), or a new password the policy refuses (`new_password`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another attempt is accepted"))),
        JsonBodyProblems,
        Unavailable,
    ),
    security(("session" = []))
)]
pub async fn change(
    State(state): State<AppState>,
    session: Session,
    ClientIp(client): ClientIp,
    JsonBody(body): JsonBody<PasswordChange>,
) -> ApiResult<Response> {
    let (renewed, token) = state
        .passwords
        .change(
            &state.auth,
            &session,
            &body.current_password,
            &body.new_password,
            client,
        )
        .await?;
    let max_age = (renewed.expires_at - chrono::Utc::now()).num_seconds();
    let cookie = session_cookie(&state, token, max_age);
    let info = SessionInfo::new(&renewed, state.auth.csrf_token(&renewed));
    let mut response = Json(info).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// Asks for a password reset link by email.
///
/// Always the same 202 answer, whether or not the address has an account here (and the work
/// is done after answering either way), so the answer tells nothing about who has one. Limited
/// per address and per client (429). The link works once, for `passwords.reset_ttl_secs`.
#[utoipa::path(
    post, path = "/auth/password/forgot", tag = "auth", operation_id = "forgot_password",
    request_body = PasswordForgot,
    responses(
        (status = 202, description = "Accepted; a mail goes out if the address has an account here", body = ResetRequested),
        (status = 422, description = "No email address", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reset requests for this address or from this client; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(
                ("Retry-After" = u64, description = "Seconds until another request is accepted"),
                ("RateLimit-Policy" = String, description = "The quota that was exceeded"),
                ("RateLimit" = String, description = "What is left of it (`r=0`) and when it refills"),
            )),
        JsonBodyProblems,
        Unavailable,
    )
)]
pub async fn forgot(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    JsonBody(body): JsonBody<PasswordForgot>,
) -> ApiResult<Response> {
    // The task runs on; the answer does not wait for it.
    drop(
        state
            .passwords
            .forgot(&state.auth, &body.email, client)
            .await?,
    );
    Ok((
        StatusCode::ACCEPTED,
        Json(ResetRequested {
            detail: "If this address belongs to an account that signs in with a password here, \
                     a link to reset it is on its way."
                .into(),
        }),
    )
        .into_response())
}

/// Sets a new password with the token of a reset link.
///
/// The token works once and only until it expires (422 on `token` otherwise). Every session
/// of the account ends; sign in with the new password.
#[utoipa::path(
    post, path = "/auth/password/reset", tag = "auth", operation_id = "reset_password",
    request_body = PasswordReset,
    responses(
        (status = 204, description = "The password is set; sign in with it"),
        (status = 422, description = "An unknown, used or expired token (`token`), or a new password the policy refuses (`new_password`)", body = Problem, content_type = "application/problem+json"),
        JsonBodyProblems,
        Unavailable,
    )
)]
pub async fn reset(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<PasswordReset>,
) -> ApiResult<StatusCode> {
    state
        .passwords
        .reset(&state.auth, &body.token, &body.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
