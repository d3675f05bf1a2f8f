//! The OpenAPI document (`/openapi.json`, committed as `backend/openapi.json` and guarded by a
//! test): every route and the schemas they share.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Customer Portal API",
        description = "A facade over Salesforce for a customer self-service portal. Errors are RFC 9457 \
problem details (`application/problem+json`) with a `request_id`. Sign in with `POST /auth/login`; \
the session is an HttpOnly cookie, and state-changing requests need the session's `csrf_token` in \
`X-CSRF-Token`. A problem's `title` and `detail` are in the signed-in customer's language, before \
sign-in in the best of `Accept-Language` the portal speaks (en, de, fr, es, ar; else English), named \
by `Content-Language`; its `type`, `status` and `errors[].field` are the same in every language.",
        version = "1.0.0"
    ),
    paths(
        super::auth::login, super::auth::session, super::auth::logout,
        super::oidc::methods, super::oidc::login, super::oidc::callback,
        super::cases::list, super::cases::get, super::cases::create,
        super::comments::list, super::comments::create,
        super::case_status::close, super::case_status::reopen,
        super::documents::list, super::documents::download, super::documents::serve,
        super::attachments::list, super::attachments::upload, super::attachments::download,
        super::products::owned, super::products::recommendations, super::products::interest,
        super::products::dismiss, super::products::undismiss,
        super::appointments::topics, super::appointments::slots, super::appointments::list,
        super::appointments::book, super::appointments::cancel, super::appointments::reschedule,
        super::appointments::calendar,
        super::forms::list, super::forms::get,
        super::profile::get, super::profile::update,
        super::passwords::change, super::passwords::forgot, super::passwords::reset,
        super::exports::start, super::exports::status, super::exports::download,
        super::health::healthz, super::health::readyz, super::health::metrics,
    ),
    components(schemas(
        crate::error::Problem,
        crate::error::FieldError,
        crate::salesforce::CaseStatusFilter,
        crate::salesforce::Awaiting,
        super::dto::requests::CaseSort,
        super::dto::requests::DocumentSort,
    )),
    modifiers(&SessionCookie, &DeclaredParametersOnly),
    tags(
        (name = "auth", description = "Sign-in and sessions"),
        (name = "cases", description = "Support cases"),
        (name = "documents", description = "Files shared with the customer"),
        (name = "attachments", description = "Files attached to a case"),
        (name = "products", description = "What the customer owns, and recommendations"),
        (name = "appointments", description = "Booking appointments with the support team"),
        (name = "profile", description = "The signed-in contact's profile and preferences"),
        (name = "exports", description = "Exporting all cases as CSV"),
        (name = "health", description = "Probes"),
    )
)]
pub struct ApiDoc;

struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "portal_session",
                "Set by POST /auth/login (named __Host-portal_session over https)",
            ))),
        );
    }
}

/// A handler that takes `axum::extract::Path` gets its path parameters added by utoipa a second
/// time, without the schema its `params(...)` type declared (`http/openapi.rs`): keep the
/// first, declared one of each name and place.
struct DeclaredParametersOnly;

impl Modify for DeclaredParametersOnly {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                if let Some(parameters) = &mut operation.parameters {
                    let mut seen = Vec::new();
                    parameters.retain(|p| {
                        let place = (p.name.clone(), p.parameter_in.clone());
                        let first = !seen.contains(&place);
                        seen.push(place);
                        first
                    });
                }
            }
        }
    }
}
