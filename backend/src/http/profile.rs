//! `/customer/{customer_id}/profile`: the signed-in contact's details and preferences, and
//! changes of them written back to the Contact (issue 14, decision 032).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::cookies::session_cookie;
use super::dto::profile::{Profile, ProfilePatch};
use super::extract::{Customer, JsonBody};
use super::openapi::{
    BudgetProblems, CsrfHeader, CustomerPath, CustomerProblems, JsonBodyProblems,
};
use super::state::AppState;
use crate::error::{ApiResult, Problem};

/// The signed-in contact's profile: name and email (read-only), phone, preferred language,
/// time zone, notification preferences, and how they signed in.
#[utoipa::path(
    get, path = "/customer/{customer_id}/profile", tag = "profile",
    operation_id = "get_profile",
    params(CustomerPath),
    responses(
        (status = 200, description = "The profile", body = Profile),
        CustomerProblems,
        BudgetProblems,
    ),
    security(("session" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    Customer(session): Customer,
) -> ApiResult<Json<Profile>> {
    let profile = state.profile.get(&session).await?;
    Ok(Json(Profile::of(profile, &session.idp)))
}

/// Changes the profile: only the fields sent change, and the Contact is written at once.
///
/// Idempotent by nature (absolute values): a repeat changes nothing more, and a change to the
/// values already held writes nothing. Any invalid field refuses the whole change (422 naming
/// each field; nothing written). When the language changes, the session cookie is re-issued
/// with it.
#[utoipa::path(
    patch, path = "/customer/{customer_id}/profile", tag = "profile",
    operation_id = "update_profile",
    params(CustomerPath, CsrfHeader),
    request_body = ProfilePatch,
    responses(
        (status = 200, description = "The profile as it now is", body = Profile,
            headers(
                ("RateLimit-Policy" = String, description = "The per-contact quota of profile changes, e.g. `\"profile-update\";q=20;w=3600` (absent when nothing changed)"),
                ("RateLimit" = String, description = "What is left of the quota (absent when nothing changed)"),
                ("Set-Cookie" = String, description = "The session re-issued with the new language, when the language changed"),
            )),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the signed-in customer, or missing CSRF token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The contact no longer exists, or a malformed customer id", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`; nothing written", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many profile changes, or (Salesforce mode) the customer's budget of Salesforce calls spent; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(
                ("Retry-After" = u64, description = "Seconds until another change is accepted"),
            )),
        (status = 503, description = "Salesforce (or the shared state) unavailable, the portal's storage full, or the request timed out; repeat the change", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying (sent when a dependency is unavailable)"))),
        JsonBodyProblems,
    ),
    security(("session" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    Customer(session): Customer,
    JsonBody(body): JsonBody<ProfilePatch>,
) -> ApiResult<Response> {
    let updated = state.profile.update(&session, &body.change()).await?;
    let reissued = if updated.language_changed {
        Some(
            state
                .auth
                .with_language(&session, updated.profile.preferences.language)?,
        )
    } else {
        None
    };
    let mut response = Json(Profile::of(updated.profile, &session.idp)).into_response();
    let headers = response.headers_mut();
    if let Some(rate) = updated.rate {
        headers.extend(rate.headers());
    }
    if let Some((changed, token)) = reissued {
        let max_age = (changed.expires_at - chrono::Utc::now()).num_seconds();
        if let Ok(value) =
            HeaderValue::from_str(&session_cookie(&state, token, max_age).to_string())
        {
            headers.append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}
