//! `/auth/methods` and sign-in through OpenID Connect: `/auth/oidc/login` sends the browser to
//! the provider, `/auth/oidc/callback` finishes. Refusals send the browser back to the sign-in
//! page with a reason code (`/sign-in?sso_error=...`) that the page explains.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::cookies::session_cookie;
use super::extract::{ClientIp, excerpt};
use super::state::AppState;
use crate::error::Problem;
use crate::services::oidc::Refusal;

const STATE_COOKIE: &str = "portal_oidc_state";

/// The longest `return_to` kept with a pending sign-in; a longer one is `/`. A page of the web
/// app is far shorter, and each pending sign-in holds its path until the callback.
pub const RETURN_TO_MAX_BYTES: usize = 2048;

/// How customers can sign in.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuthMethods {
    /// Email and password (`POST /auth/login`).
    pub password: bool,
    /// Sign-in through the company's identity provider, when configured.
    pub oidc: Option<OidcMethod>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OidcMethod {
    /// The button's text.
    pub label: String,
    /// Where the button leads; add `?return_to=/path` to come back to a page.
    pub login_url: String,
}

/// The sign-in methods this portal offers.
#[utoipa::path(get, path = "/auth/methods", tag = "auth", operation_id = "auth_methods",
    responses(
        (status = 200, description = "Available sign-in methods", body = AuthMethods),
        (status = 503, description = "The request timed out", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn methods(State(state): State<AppState>) -> Json<AuthMethods> {
    Json(AuthMethods {
        password: true,
        oidc: state.oidc.as_ref().map(|o| OidcMethod {
            label: o.label().to_owned(),
            login_url: "/auth/oidc/login".into(),
        }),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginQuery {
    /// A path of this site to return to after sign-in (ASCII, at most 2,048 bytes: anything
    /// else returns to `/`).
    pub return_to: Option<String>,
}

/// Starts sign-in at the identity provider (authorization code flow with PKCE).
#[utoipa::path(get, path = "/auth/oidc/login", tag = "auth", operation_id = "oidc_login",
    params(LoginQuery),
    responses(
        (status = 302, description = "To the provider's authorization page, or back to sign-in with sso_error (too_many_sign_ins: too many sign-ins pending from this address or in all)"),
        (status = 404, description = "OpenID Connect is not configured", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The request timed out", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Query(query): Query<LoginQuery>,
) -> Response {
    let Some(oidc) = &state.oidc else {
        return Problem::for_status(StatusCode::NOT_FOUND).into_response();
    };
    let return_to = safe_return_path(query.return_to.as_deref());
    match oidc.start(return_to, client).await {
        Ok(started) => {
            let cookie = Cookie::build((STATE_COOKIE, started.state))
                .http_only(true)
                // Lax: the provider sends the browser back with a top-level GET.
                .same_site(SameSite::Lax)
                .secure(state.config.is_https())
                .path("/auth/oidc")
                .max_age(time::Duration::minutes(10))
                .build();
            with_cookies(Redirect::to(&started.authorize_url), &[cookie])
        }
        Err(refusal) => refused(&state, refusal, None),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Finishes sign-in: checks state, exchanges the code (with the PKCE verifier), verifies the
/// id_token, maps the user to a Contact and opens the session.
#[utoipa::path(get, path = "/auth/oidc/callback", tag = "auth", operation_id = "oidc_callback",
    params(CallbackQuery),
    responses(
        (status = 302, description = "Signed in: to the page asked for. Refused: to /sign-in?sso_error=<reason>"),
        (status = 404, description = "OpenID Connect is not configured", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The request timed out", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let Some(oidc) = &state.oidc else {
        return Problem::for_status(StatusCode::NOT_FOUND).into_response();
    };
    if let Some(error) = &query.error {
        // Anyone can send these: logged at a bounded length.
        tracing::warn!(
            error = %excerpt(error, 64),
            description = query.error_description.as_deref().map(|d| excerpt(d, 256)).as_deref(),
            "oidc provider returned an error"
        );
        return refused(&state, Refusal::ProviderError, None);
    }
    let (Some(code), Some(query_state)) = (query.code.as_deref(), query.state.as_deref()) else {
        tracing::warn!("oidc callback without code or state");
        return refused(&state, Refusal::BadState, None);
    };
    let jar = CookieJar::from_headers(&headers);
    let cookie_state = jar.get(STATE_COOKIE).map(|c| c.value().to_owned());
    match oidc
        .finish(&state.auth, code, query_state, cookie_state.as_deref())
        .await
    {
        Ok((session, token, return_to)) => {
            let max_age = (session.expires_at - chrono::Utc::now()).num_seconds();
            // Checked again on the way out: `Redirect::to` panics on a Location that is not a
            // header value, and the path was kept by whichever instance started the sign-in.
            let return_to = safe_return_path(Some(&return_to));
            with_cookies(
                Redirect::to(&return_to),
                &[
                    session_cookie(&state, token, max_age),
                    cleared_state(&state),
                ],
            )
        }
        Err((refusal, return_to)) => refused(&state, refusal, return_to.as_deref()),
    }
}

/// Back to the sign-in page with the reason and, when this browser's sign-in was known, the
/// page it was headed for, so a retry (or a password sign-in) still lands there.
fn refused(state: &AppState, refusal: Refusal, return_to: Option<&str>) -> Response {
    let mut target = format!("/sign-in?sso_error={}", refusal.code());
    if let Some(path) = return_to.filter(|p| *p != "/") {
        let encoded =
            percent_encoding::utf8_percent_encode(path, percent_encoding::NON_ALPHANUMERIC);
        target.push_str(&format!("&returnTo={encoded}"));
    }
    with_cookies(Redirect::to(&target), &[cleared_state(state)])
}

fn cleared_state(state: &AppState) -> Cookie<'static> {
    Cookie::build((STATE_COOKIE, ""))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.is_https())
        .path("/auth/oidc")
        .max_age(time::Duration::ZERO)
        .build()
}

fn with_cookies(redirect: Redirect, cookies: &[Cookie<'static>]) -> Response {
    let mut response = redirect.into_response();
    *response.status_mut() = StatusCode::FOUND;
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Only paths of this site: `/cases?x=1`, never `//evil.example` or `https://...`; printable
/// ASCII only (a Location header carries nothing else; the web app's own links are
/// percent-encoded) and at most [`RETURN_TO_MAX_BYTES`].
pub fn safe_return_path(raw: Option<&str>) -> String {
    match raw {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && path.len() <= RETURN_TO_MAX_BYTES
                && path.bytes().all(|b| (b' '..=b'~').contains(&b))
                && !path.starts_with("/auth/") =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{RETURN_TO_MAX_BYTES, safe_return_path};

    #[test]
    fn return_paths_stay_on_this_site() {
        assert_eq!(
            safe_return_path(Some("/cases?status=open")),
            "/cases?status=open"
        );
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "cases",
            "/auth/oidc/login",
            "/x\ny",
            "/caf\u{e9}",
            "/cases?q=\u{1F600}",
        ] {
            assert_eq!(safe_return_path(Some(hostile)), "/", "{hostile}");
        }
        assert_eq!(safe_return_path(None), "/");
        let longest = format!("/{}", "a".repeat(RETURN_TO_MAX_BYTES - 1));
        assert_eq!(safe_return_path(Some(&longest)), longest);
        assert_eq!(safe_return_path(Some(&format!("{longest}a"))), "/");
    }
}
