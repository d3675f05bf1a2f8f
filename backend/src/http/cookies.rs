//! The session cookie and the CSRF header: how a browser carries its session.

use axum_extra::extract::cookie::{Cookie, SameSite};

use super::state::AppState;
use crate::services::sign_in_guard::{DEVICE_COOKIE, DEVICE_COOKIE_DAYS};

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

/// The device cookie ([`crate::services::sign_in_guard`]): read only by sign-in (`Path=/auth`),
/// kept for a year, `SameSite=Strict` (no other site's page ever needs to send it).
pub fn device_cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build((DEVICE_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.is_https())
        .path("/auth")
        .max_age(time::Duration::days(DEVICE_COOKIE_DAYS))
        .build()
}
