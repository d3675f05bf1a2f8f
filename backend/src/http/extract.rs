//! Extractors: the signed-in session, the authorised customer, JSON bodies whose rejections are
//! problem responses, the client address and the request id.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{
    ConnectInfo, FromRequest, FromRequestParts, OptionalFromRequestParts, RawPathParams, Request,
};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde_json::Value;

use super::dto::requests::{FromQuery, JsonFields};
use super::state::AppState;
use crate::error::{ApiError, Problem};
use crate::observability::request_id::X_REQUEST_ID;
use crate::salesforce::SalesforceId;
use crate::services::auth::Session;

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = ApiError;

    /// The session the session middleware found; none means 401.
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Arc<Session>>()
            .map(|session| Session::clone(session))
            .ok_or(ApiError::Unauthenticated)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Session {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Arc<Session>>()
            .map(|session| Session::clone(session)))
    }
}

/// A signed-in customer acting on their own account: the `{customer_id}` in the path must be
/// the session's account. The path is never trusted to pick the account; it is only checked.
/// The session is shared with the middleware that found it (an `Arc`), not copied.
pub struct Customer(pub Arc<Session>);

impl<S: Send + Sync> FromRequestParts<S> for Customer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = parts
            .extensions
            .get::<Arc<Session>>()
            .cloned()
            .ok_or(ApiError::Unauthenticated)?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::Http(StatusCode::NOT_FOUND))?;
        let path_customer = params
            .iter()
            .find(|(name, _)| *name == "customer_id")
            .map(|(_, value)| value)
            .ok_or(ApiError::Http(StatusCode::NOT_FOUND))?;
        // The path as the web app writes it, the session's id itself, needs no parsing; any
        // other spelling (15 characters, a lower-case suffix) is parsed and compared.
        if path_customer == session.account_id.as_str() {
            return Ok(Self(session));
        }
        match SalesforceId::parse(path_customer) {
            Ok(id) if id == session.account_id => Ok(Self(session)),
            _ => {
                tracing::warn!(
                    session_account = %session.account_id,
                    path_customer,
                    "refused access to another customer's path"
                );
                Err(ApiError::Forbidden("You can only access your own account."))
            }
        }
    }
}

/// A JSON body parsed as `T`: a body that is not JSON is refused (400, 415, 413), one whose
/// fields are wrong gets a 422 naming each of them.
pub struct JsonBody<T>(pub T);

impl<T: JsonFields> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::Json::<Value>::from_request(req, state).await {
            Ok(axum::Json(value)) => T::from_json(value).map(Self).map_err(ApiError::Validation),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(ApiError::Http(StatusCode::UNSUPPORTED_MEDIA_TYPE))
            }
            Err(JsonRejection::BytesRejection(rejection)) => {
                Err(ApiError::Http(rejection.status()))
            }
            Err(_) => Err(ApiError::BadRequest(
                "The request body is not valid JSON.".into(),
            )),
        }
    }
}

/// A list's query string parsed as `T`; a 422 names each bad parameter.
pub struct ListQuery<T>(pub T);

impl<S: Send + Sync, T: FromQuery> FromRequestParts<S> for ListQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.uri.query() {
            // Most list requests, the first page of each list among them.
            None | Some("") => Ok(Self(T::default())),
            Some(query) => T::from_query(query).map(Self).map_err(ApiError::Validation),
        }
    }
}

/// The client's address: the peer, or with `http.trust_forwarded_for` the address our proxy
/// appended last to `X-Forwarded-For` (the earlier entries are the client's to forge).
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config.http.trust_forwarded_for
            && let Some(ip) = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|s| s.trim().parse::<IpAddr>().ok())
                .next_back()
        {
            return Ok(Self(ip));
        }
        let ConnectInfo(addr) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .cloned()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no peer address on the request")))?;
        Ok(Self(addr.ip()))
    }
}

/// The request id that the request-id layer set (or accepted from the client).
pub struct RequestId(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .headers
                .get(&X_REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        ))
    }
}
