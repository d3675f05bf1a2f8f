//! The problem responses that the routes' OpenAPI descriptions share, written once.

use std::collections::BTreeMap;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{IntoParams, IntoResponses, PartialSchema};

/// A problem response of the document: `application/problem+json` with a [`Problem`] body.
///
/// [`Problem`]: crate::error::Problem
fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// The 503 of a route that reads Salesforce or the shared state.
fn unavailable() -> Response {
    let mut response = problem(
        "Salesforce (or the shared state) unavailable, or the request timed out; Retry-After \
         says when to retry if sent",
    );
    response.headers.insert(
        "Retry-After".into(),
        HeaderBuilder::new()
            .schema(<u64 as PartialSchema>::schema())
            .description(Some("Seconds to wait before retrying"))
            .build(),
    );
    response
}

fn responses(rows: impl IntoIterator<Item = (u16, Response)>) -> BTreeMap<String, RefOr<Response>> {
    rows.into_iter()
        .map(|(status, response)| (status.to_string(), RefOr::T(response)))
        .collect()
}

/// What every route over a signed-in customer's own data may answer besides its success: not
/// signed in (401), another customer's path (403), Salesforce or the shared state down (503).
pub struct CustomerProblems;

impl IntoResponses for CustomerProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses([
            (401, problem("Not signed in")),
            (403, problem("Not the signed-in customer")),
            (503, unavailable()),
        ])
    }
}

/// What a list answers besides a page: [`CustomerProblems`], and 422 for a bad parameter.
pub struct ListProblems;

impl IntoResponses for ListProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut rows = CustomerProblems::responses();
        rows.extend(responses([(422, problem("Invalid query parameters"))]));
        rows
    }
}

/// The `{customer_id}` of every route over a customer's own data. Only ever compared with the
/// session's account (`http::extract::Customer`), never used to choose data.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CustomerPath {
    /// The signed-in customer's account id
    #[allow(
        dead_code,
        reason = "documents the path; the value is read by `Customer`"
    )]
    customer_id: String,
}

/// What a route with a JSON body answers for a body it cannot read: not JSON (400), too large
/// (413), not declared as JSON (415).
pub struct JsonBodyProblems;

impl IntoResponses for JsonBodyProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses([
            (400, problem("The body is not valid JSON")),
            (413, problem("The body is larger than the server accepts")),
            (
                415,
                problem("Not JSON (Content-Type is not application/json)"),
            ),
        ])
    }
}

/// The 503 of a route that depends on Salesforce or the shared state.
pub struct Unavailable;

impl IntoResponses for Unavailable {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses([(503, unavailable())])
    }
}
