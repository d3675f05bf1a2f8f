//! The step every API route goes through: its session ([`sessions`]) and, over Salesforce,
//! the freshness of the data it answers with ([`freshness`], through the read path).
//!
//! One tower [`Layer`] rather than an `axum::middleware::from_fn` step for each: a `from_fn`
//! step clones and boxes the route under it, then boxes the service again for `Next` and its
//! own future, on every request. This step clones the route once and boxes one future.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::Cookie;
use futures::future::BoxFuture;
use tower::{Layer, Service, ServiceExt};

use crate::error::ApiError;
use crate::http::cookies::{CSRF_HEADER, cookie_name, session_cookie};
use crate::http::state::AppState;
use crate::observability::request_id::X_REQUEST_ID;
use crate::services::auth::{Authorised, Session};

/// Installs [`Api`] on the API routes.
#[derive(Clone)]
pub struct ApiLayer {
    state: AppState,
}

impl ApiLayer {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

impl<S> Layer<S> for ApiLayer {
    type Service = Api<S>;

    fn layer(&self, inner: S) -> Api<S> {
        Api {
            inner,
            state: self.state.clone(),
        }
    }
}

/// See [`ApiLayer`].
#[derive(Clone)]
pub struct Api<S> {
    inner: S,
    state: AppState,
}

impl<S> Service<Request> for Api<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The service made ready for this call goes with it; a clone stays for the next one.
        let clone = self.inner.clone();
        let ready = std::mem::replace(&mut self.inner, clone);
        let state = self.state.clone();
        Box::pin(async move { Ok(sessions(&state, req, ready).await) })
    }
}

/// Finds the session, enforces CSRF on state-changing requests that carry one, and renews the
/// cookie as the session is used; `route` answers the request.
async fn sessions<S>(state: &AppState, mut req: Request, route: S) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let mut session: Option<Arc<Session>> =
        match session_cookie_of(req.headers(), cookie_name(state)) {
            Some(cookie) => match state.auth.authenticate(cookie.value()).await {
                Ok(session) => session,
                // Revocation cannot be checked: refuse rather than trust a possibly revoked token.
                Err(err) => return ApiError::from(err).into_response(),
            },
            None => None,
        };
    // A contact removed from the account (or whose sessions an operator revoked) loses the
    // session within the recheck interval, not at its maximum age.
    // The role is read again with the contact (decision 031): a changed one applies to this
    // request, and a token stating it is issued with the response.
    let mut role_changed = false;
    if let Some(found) = &session {
        match state.auth.still_authorised(found).await {
            Ok(Authorised::As(role)) if role != found.role => {
                role_changed = true;
                session = Some(Arc::new(Session {
                    role,
                    ..Session::clone(found)
                }));
            }
            Ok(Authorised::As(_)) => {}
            Ok(Authorised::No) => session = None,
            Err(err) => return ApiError::from(err).into_response(),
        }
    }
    if let Some(session) = &session {
        // A problem answering this request is written in the customer's own language.
        if let Some(language) = session.language {
            super::respond::remember_language(req.extensions(), language);
        }
        let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        // Sign-in replaces whatever session there was and is not cookie-authenticated.
        if unsafe_method && req.uri().path() != "/auth/login" {
            let valid = req
                .headers()
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|token| state.auth.verify_csrf(session, token));
            if !valid {
                tracing::warn!(session = %session.id, "refused a request without a valid CSRF token");
                return ApiError::Csrf.into_response();
            }
        }
        req.extensions_mut().insert(Arc::clone(session));
    }
    let mut response = freshness(state, req, route).await;
    // Handlers that set the cookie themselves (sign-in, sign-out) have the last word.
    if let Some(session) = session
        && !response.headers().contains_key(header::SET_COOKIE)
        && let Some((renewed, token)) = state.auth.renew(&session, role_changed)
    {
        let max_age = (renewed.expires_at - chrono::Utc::now()).num_seconds();
        if let Ok(value) = HeaderValue::from_str(&session_cookie(state, token, max_age).to_string())
        {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// The session cookie among the request's cookies, parsed in place (building a cookie jar
/// copied every cookie the browser sent, on every request). Of two cookies of that name the
/// last counts, as in a jar. Not percent-decoded: the portal writes its tokens (base64url and
/// dots) as they are, so a cookie that needs decoding is not one of them.
fn session_cookie_of<'h>(headers: &'h HeaderMap, name: &str) -> Option<Cookie<'h>> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .filter(|cookie| cookie.name() == name)
        .last()
}

/// Marks responses built from stale data (served from cache because Salesforce failed), so
/// clients can say the data may be out of date: `X-Data-Stale: true` and `Age`. The read path
/// also passes the request id (already set by `SetRequestId`) to every Salesforce call the
/// route makes.
async fn freshness<S>(state: &AppState, req: Request, route: S) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    // The mock store can neither serve stale data nor pass a request id on.
    if !state.reads.is_remote() {
        let Ok(response) = route.oneshot(req).await;
        return response;
    }
    let request_id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // The calls a signed-in request causes are taken from its customer's budget.
    let customer = req
        .extensions()
        .get::<Arc<Session>>()
        .map(|session| session.account_id.clone());
    let (Ok(mut response), stale_age) = state
        .reads
        .serve(request_id, customer, route.oneshot(req))
        .await;
    if let Some(age) = stale_age {
        let headers = response.headers_mut();
        headers.insert("x-data-stale", HeaderValue::from_static("true"));
        headers.insert(header::AGE, HeaderValue::from(age));
    }
    response
}
