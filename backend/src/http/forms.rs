//! `/customer/{customer_id}/forms`: the dynamic case forms (issue 15, decision 029), each as a
//! JSON Schema (2020-12) with UI hints. A case is opened with one through `POST .../cases`
//! (`form` and `fields`).

use axum::Json;
use axum::extract::{FromRequestParts, RawPathParams, State};
use axum::http::request::Parts;

use super::dto::forms::{FormDetail, FormList, FormSummary};
use super::extract::Customer;
use super::openapi::{CustomerPath, CustomerProblems, FormPath};
use super::state::AppState;
use crate::error::{ApiError, ApiResult, Problem, Resource};

/// A `{form}` path parameter as written; the service answers 404 for any name that is not an
/// active form's.
pub struct FormName(pub String);

impl<S: Send + Sync> FromRequestParts<S> for FormName {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound(Resource::Form))?;
        params
            .iter()
            .find(|(name, _)| *name == "form")
            .map(|(_, raw)| Self(raw.to_owned()))
            .ok_or(ApiError::NotFound(Resource::Form))
    }
}

/// The forms a case can be opened with, in the order to offer them.
#[utoipa::path(
    get, path = "/customer/{customer_id}/forms", tag = "cases", operation_id = "list_forms",
    params(CustomerPath),
    responses(
        (status = 200, description = "The active forms", body = FormList),
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Customer(_session): Customer,
) -> ApiResult<Json<FormList>> {
    let catalog = state.forms.catalog().await;
    Ok(Json(FormList {
        items: catalog
            .forms
            .iter()
            .map(|f| FormSummary::from(&f.def))
            .collect(),
    }))
}

/// One form: the JSON Schema (2020-12) its `fields` are checked against, and how to render it.
#[utoipa::path(
    get, path = "/customer/{customer_id}/forms/{form}", tag = "cases", operation_id = "get_form",
    params(FormPath),
    responses(
        (status = 200, description = "The form", body = FormDetail),
        (status = 404, description = "No such active form, or a malformed customer id", body = Problem, content_type = "application/problem+json"),
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    Customer(_session): Customer,
    FormName(name): FormName,
) -> ApiResult<Json<FormDetail>> {
    let form = state.forms.form(&name).await?;
    Ok(Json(FormDetail::from(&form.def)))
}
