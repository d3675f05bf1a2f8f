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
use crate::error::{ApiError, Problem, ProblemText, Resource};
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
        let params = path_params(parts, state).await?;
        let path_customer = path_param(&params, "customer_id")?;
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
                Err(ApiError::Forbidden(ProblemText::OtherAccount))
            }
        }
    }
}

/// The longest Salesforce id (the case-insensitive 18-character form; the other is 15).
const SALESFORCE_ID_MAX: usize = 18;

/// The path's parameters, percent-decoded (not UTF-8: no such address).
async fn path_params<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<RawPathParams, ApiError> {
    RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| ApiError::Http(StatusCode::NOT_FOUND))
}

/// A path parameter's value. One longer than any id is refused as "no such address" before it
/// is parsed, compared or logged: the API's path parameters are all ids.
fn path_param<'p>(params: &'p RawPathParams, name: &str) -> Result<&'p str, ApiError> {
    params
        .iter()
        .find(|(param, _)| *param == name)
        .map(|(_, value)| value)
        .filter(|value| value.len() <= SALESFORCE_ID_MAX)
        .ok_or(ApiError::Http(StatusCode::NOT_FOUND))
}

/// A `{case_id}` path parameter that is a Salesforce id; anything else is a 404 like a case
/// that does not exist (another customer's included: the service checks the account).
pub struct CaseId(pub SalesforceId);

impl<S: Send + Sync> FromRequestParts<S> for CaseId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = path_params(parts, state)
            .await
            .map_err(|_| ApiError::NotFound(Resource::Case))?;
        path_param(&params, "case_id")
            .ok()
            .and_then(|raw| SalesforceId::parse(raw).ok())
            .map(Self)
            .ok_or(ApiError::NotFound(Resource::Case))
    }
}

/// At most `max` bytes of `value` (cut at a character boundary) for a log line, with its
/// length when cut: a client's text is never logged at whatever length it was sent.
pub fn excerpt(value: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if value.len() <= max {
        return value.into();
    }
    let mut end = max;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes)", &value[..end], value.len()).into()
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
            Err(_) => Err(ApiError::BadRequest(ProblemText::InvalidJson)),
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

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn excerpts_are_bounded_and_cut_at_a_character() {
        assert_eq!(excerpt("short", 18), "short");
        assert_eq!(excerpt(&"a".repeat(10_000), 4), "aaaa... (10000 bytes)");
        assert_eq!(excerpt("ééé", 3), "é... (6 bytes)");
    }
}
