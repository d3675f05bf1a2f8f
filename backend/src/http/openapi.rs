//! The problem responses that the routes' OpenAPI descriptions share, written once.

use std::collections::BTreeMap;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required};
use utoipa::{IntoParams, IntoResponses, PartialSchema};

use crate::services::idempotency;

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
/// signed in (401), another customer's path (403), an address with no such record or a
/// malformed id (404), Salesforce or the shared state down (503).
pub struct CustomerProblems;

impl IntoResponses for CustomerProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses([
            (401, problem("Not signed in")),
            (403, problem("Not the signed-in customer")),
            (
                404,
                problem("No such record for this customer, or a malformed id"),
            ),
            (503, unavailable()),
        ])
    }
}

/// The 429 of a read in Salesforce mode: the customer's budget of Salesforce calls is spent
/// and nothing cached can answer (`read_path/budget.rs`).
fn budget_spent() -> Response {
    let mut response = problem(
        "The customer's budget of Salesforce calls is spent and nothing cached can answer \
         (`/problems/salesforce-budget`, Salesforce mode); see Retry-After",
    );
    response.headers.insert(
        "Retry-After".into(),
        HeaderBuilder::new()
            .schema(<u64 as PartialSchema>::schema())
            .description(Some("Seconds until the budget has a call again"))
            .build(),
    );
    response
}

/// The 429 of a route that reads Salesforce for its customer and has no quota of its own.
pub struct BudgetProblems;

impl IntoResponses for BudgetProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses([(429, budget_spent())])
    }
}

/// What a list answers besides a page: [`CustomerProblems`], 422 for a bad parameter, and
/// [`BudgetProblems`].
pub struct ListProblems;

impl IntoResponses for ListProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut rows = CustomerProblems::responses();
        rows.extend(responses([
            (422, problem("Invalid query parameters")),
            (429, budget_spent()),
        ]));
        rows
    }
}

/// What the case list answers besides a page: [`ListProblems`], its 403 also for a member
/// asking for `scope=company` (decision 031).
pub struct CaseListProblems;

impl IntoResponses for CaseListProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut rows = ListProblems::responses();
        rows.extend(responses([(
            403,
            problem(
                "Not the signed-in customer, or `scope=company` asked by a member \
                 (`/problems/forbidden`: only managers list their company's cases)",
            ),
        )]));
        rows
    }
}

/// The pattern of a Salesforce record id in a path: 15 letters and digits, or 18 (the last
/// three a checksum, which only the parser checks: an id that fails it names no record, 404).
const SALESFORCE_ID_PATTERN: &str = "^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$";

/// A path parameter holding a Salesforce id.
fn id_param(name: &str, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(SALESFORCE_ID_PATTERN))
                .min_length(Some(15))
                .max_length(Some(18)),
        ))
        .build()
}

/// A request header.
fn header_param(name: &str, required: bool, description: &str, schema: ObjectBuilder) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

fn customer_id() -> Parameter {
    id_param(
        "customer_id",
        "The signed-in customer's account id; only compared with the session's (another \
         account's is 403), never used to choose data",
    )
}

fn case_id() -> Parameter {
    id_param(
        "case_id",
        "The case's Salesforce id; another customer's case is 404, like one that does not exist",
    )
}

/// A dynamic form's name (a Custom Metadata DeveloperName).
fn form_name() -> Parameter {
    ParameterBuilder::new()
        .name("form")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(
            "The form's name, as `GET /customer/{customer_id}/forms` lists it; an unknown or \
             inactive one is 404",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(crate::domain::forms::NAME_PATTERN))
                .min_length(Some(1))
                .max_length(Some(crate::domain::forms::NAME_MAX)),
        ))
        .build()
}

/// The pattern of an export id: the job's id, `-`, and the 43-character signature that binds
/// it to the customer (issue 16).
pub const EXPORT_ID_PATTERN: &str = "^[0-9A-Za-z]{1,18}-[0-9A-Za-z_-]{43}$";

fn export_id() -> Parameter {
    ParameterBuilder::new()
        .name("export_id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(
            "The export's id as `POST /customer/{customer_id}/exports` answered it; another \
             customer's, or one that does not exist, is 404",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(EXPORT_ID_PATTERN))
                .min_length(Some(45))
                .max_length(Some(62)),
        ))
        .build()
}

/// Declares a set of path parameters, in order, as one `IntoParams` type.
macro_rules! path_params {
    ($(#[$doc:meta])* $name:ident => [$($param:expr),+ $(,)?]) => {
        $(#[$doc])*
        pub struct $name;

        impl IntoParams for $name {
            fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
                vec![$($param),+]
            }
        }
    };
}

path_params!(
    /// `{customer_id}`: every route over a customer's own data.
    CustomerPath => [customer_id()]
);
path_params!(
    /// `{customer_id}/cases/{case_id}`.
    CasePath => [customer_id(), case_id()]
);
path_params!(
    /// `{customer_id}/cases/{case_id}/attachments/{attachment_id}`.
    AttachmentPath => [
        customer_id(),
        case_id(),
        id_param("attachment_id", "The file's id (a ContentDocument of this case)"),
    ]
);
path_params!(
    /// `{customer_id}/documents/{document_id}`.
    DocumentPath => [
        customer_id(),
        id_param("document_id", "The ContentDocument id"),
    ]
);
path_params!(
    /// `{customer_id}/recommendations/{product_id}`.
    ProductPath => [
        customer_id(),
        id_param("product_id", "The catalog product's Salesforce id (a Product2)"),
    ]
);
path_params!(
    /// `{customer_id}/appointments/{appointment_id}`.
    AppointmentPath => [
        customer_id(),
        id_param(
            "appointment_id",
            "The booking's id (a Salesforce Event); another customer's is 404, like one that \
             does not exist",
        ),
    ]
);
path_params!(
    /// `{customer_id}/exports/{export_id}`.
    ExportPath => [customer_id(), export_id()]
);
path_params!(
    /// `{customer_id}/forms/{form}`.
    FormPath => [customer_id(), form_name()]
);
path_params!(
    /// `/downloads/{document_id}`.
    DownloadPath => [id_param("document_id", "The ContentDocument id")]
);

/// `X-CSRF-Token`: what every state-changing request sends.
fn csrf_token() -> Parameter {
    header_param(
        "X-CSRF-Token",
        true,
        "The session's `csrf_token` (from `POST /auth/login` or `GET /auth/session`); a missing \
         or wrong one is 403",
        ObjectBuilder::new().schema_type(Type::String),
    )
}

/// `Idempotency-Key`, described from the rule that checks it.
fn idempotency_key(required: bool) -> Parameter {
    header_param(
        "Idempotency-Key",
        required,
        "1-255 visible ASCII characters, new for each request and the same on each of its \
         retries (a UUID): a retry answers what the first attempt did and never writes twice. \
         Reused with another body: 422",
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(idempotency::KEY_MAX_CHARS))
            .pattern(Some(idempotency::KEY_PATTERN)),
    )
}

path_params!(
    /// The headers of a sign-out: the CSRF token.
    CsrfHeader => [csrf_token()]
);
path_params!(
    /// The headers of a write that may be retried: the CSRF token and, optionally, an
    /// `Idempotency-Key`.
    WriteHeaders => [csrf_token(), idempotency_key(false)]
);
path_params!(
    /// The headers of a write that must be retryable: the CSRF token and an `Idempotency-Key`.
    KeyedWriteHeaders => [csrf_token(), idempotency_key(true)]
);

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
