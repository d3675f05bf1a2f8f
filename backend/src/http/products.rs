//! `/customer/{customer_id}/products` and `/customer/{customer_id}/recommendations`: what the
//! customer owns, what is recommended to them and why, "I'm interested", and dismissing a
//! recommendation (issue 15).

use axum::Json;
use axum::extract::{FromRequestParts, RawPathParams, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::dto::products::{Interest, OwnedProduct, OwnedProductList, RecommendationList};
use super::dto::requests::ProductListQuery;
use super::extract::{Customer, ListQuery};
use super::openapi::{
    BudgetProblems, CsrfHeader, CustomerPath, CustomerProblems, KeyedWriteHeaders, ListProblems,
    ProductPath,
};
use super::state::AppState;
use crate::error::{ApiError, ApiResult, Problem, Resource};
use crate::salesforce::SalesforceId;

/// A `{product_id}` path parameter that is a Salesforce id; anything else is a 404 like a
/// product outside the catalog.
pub struct ProductId(pub SalesforceId);

impl<S: Send + Sync> FromRequestParts<S> for ProductId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound(Resource::Product))?;
        params
            .iter()
            .find(|(name, _)| *name == "product_id")
            .and_then(|(_, raw)| SalesforceId::parse(raw).ok())
            .map(Self)
            .ok_or(ApiError::NotFound(Resource::Product))
    }
}

/// What the customer's account owns (its Salesforce Assets), by name.
#[utoipa::path(
    get, path = "/customer/{customer_id}/products", tag = "products",
    operation_id = "list_owned_products",
    params(CustomerPath, ProductListQuery),
    responses(
        (status = 200, description = "A page of the customer's products", body = OwnedProductList),
        ListProblems,
    ),
    security(("session" = []))
)]
pub async fn owned(
    State(state): State<AppState>,
    Customer(session): Customer,
    ListQuery(query): ListQuery<ProductListQuery>,
) -> ApiResult<Json<OwnedProductList>> {
    let listed = state.products.owned(&session, &query).await?;
    Ok(Json(OwnedProductList {
        items: listed.items.into_iter().map(OwnedProduct::from).collect(),
        next_cursor: listed.next_cursor,
    }))
}

/// Catalog products recommended to the customer, best first, each with its reasons.
///
/// Products the account owns and recommendations the customer dismissed are never included;
/// the dismissed ones are listed apart, to show again. At most `products.max_recommendations`.
#[utoipa::path(
    get, path = "/customer/{customer_id}/recommendations", tag = "products",
    operation_id = "list_recommendations",
    params(CustomerPath),
    responses(
        (status = 200, description = "The customer's recommendations", body = RecommendationList),
        BudgetProblems,
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn recommendations(
    State(state): State<AppState>,
    Customer(session): Customer,
) -> ApiResult<Json<RecommendationList>> {
    Ok(Json(state.products.recommendations(&session).await?.into()))
}

/// The customer asks to be contacted about a catalog product.
///
/// Creates one Opportunity (or Lead, as configured) per customer and product: the first
/// request answers 201; any later one, with any `Idempotency-Key` and from any contact of the
/// customer, answers 200 with the same interest and `Idempotent-Replayed: true`, and writes
/// nothing. `Idempotency-Key` is required (a UUID per click, the same on every retry).
#[utoipa::path(
    post, path = "/customer/{customer_id}/recommendations/{product_id}/interest", tag = "products",
    operation_id = "register_product_interest",
    params(ProductPath, KeyedWriteHeaders),
    responses(
        (status = 201, description = "Registered", body = Interest,
            headers(
                ("RateLimit-Policy" = String, description = "The per-customer quota of interest and dismiss requests, e.g. `\"recommendation-write\";q=10;w=3600`"),
                ("RateLimit" = String, description = "What is left of the quota, e.g. `\"recommendation-write\";r=9;t=0`"),
            )),
        (status = 200, description = "Already registered for this customer and product (Idempotent-Replayed: true)", body = Interest,
            headers(("Idempotent-Replayed" = bool, description = "`true`: the interest was registered before"))),
        (status = 404, description = "No such product in the portal's catalog", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing or invalid Idempotency-Key, or one in use by a request for another product", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many interest and dismiss requests, or (Salesforce mode) the customer's budget of Salesforce calls spent; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another request"))),
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn interest(
    State(state): State<AppState>,
    Customer(session): Customer,
    ProductId(product_id): ProductId,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let key = headers
        .get("idempotency-key")
        .map(|value| value.to_str().unwrap_or("\u{0}"));
    let registered = state
        .products
        .register_interest(&session, &product_id, key)
        .await?;
    let (created, rate) = (registered.created, registered.rate.clone());
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut response = (status, Json(Interest::from(registered))).into_response();
    let headers = response.headers_mut();
    if !created {
        headers.insert(
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        );
    }
    if let Some(rate) = rate {
        headers.extend(rate.headers());
    }
    Ok(response)
}

/// Hides a recommendation for the customer (every contact of the account), until shown again.
///
/// Safe to repeat: dismissing a dismissed recommendation changes nothing.
#[utoipa::path(
    post, path = "/customer/{customer_id}/recommendations/{product_id}/dismiss", tag = "products",
    operation_id = "dismiss_recommendation",
    params(ProductPath, CsrfHeader),
    responses(
        (status = 204, description = "Dismissed"),
        (status = 404, description = "No such product in the portal's catalog", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many interest and dismiss requests, or (Salesforce mode) the customer's budget of Salesforce calls spent; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another request"))),
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn dismiss(
    State(state): State<AppState>,
    Customer(session): Customer,
    ProductId(product_id): ProductId,
) -> ApiResult<StatusCode> {
    state
        .products
        .set_dismissed(&session, &product_id, true)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Shows a dismissed recommendation again (if the product is still one to recommend).
///
/// Safe to repeat: showing a recommendation that is not dismissed changes nothing.
#[utoipa::path(
    delete, path = "/customer/{customer_id}/recommendations/{product_id}/dismiss", tag = "products",
    operation_id = "undo_dismiss_recommendation",
    params(ProductPath, CsrfHeader),
    responses(
        (status = 204, description = "Shown again"),
        (status = 404, description = "No such product in the portal's catalog", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many interest and dismiss requests, or (Salesforce mode) the customer's budget of Salesforce calls spent; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another request"))),
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn undismiss(
    State(state): State<AppState>,
    Customer(session): Customer,
    ProductId(product_id): ProductId,
) -> ApiResult<StatusCode> {
    state
        .products
        .set_dismissed(&session, &product_id, false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
