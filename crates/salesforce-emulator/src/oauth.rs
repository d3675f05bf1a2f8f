//! OAuth 2.0 and OpenID Connect: the token endpoint (JWT bearer, client credentials,
//! authorization code with PKCE, refresh token), the authorize page, userinfo, discovery, JWKS.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::Utc;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, Header, Validation};
use rand::distr::{Alphanumeric, SampleString};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::faults::IdTokenSignature;
use crate::state::{AuthCode, Principal, RefreshGrant, Session, SharedState, lock};

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// How long an authorization code can be redeemed.
pub const CODE_TTL: Duration = Duration::from_secs(120);
/// How far in the future a JWT bearer assertion may expire.
const MAX_ASSERTION_LIFETIME: i64 = 180;
const CLOCK_SKEW: i64 = 5;

/// An OAuth error response: `{"error", "error_description"}`.
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }
    fn invalid_grant(description: &str) -> Self {
        Self::new("invalid_grant", description)
    }
    fn invalid_client_id() -> Self {
        Self::new("invalid_client_id", "client identifier invalid")
    }
    fn invalid_client() -> Self {
        Self::new("invalid_client", "invalid client credentials")
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response();
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }
}

fn random_token(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), len)
}

fn form(body: &[u8]) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

fn eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Client id and secret from HTTP Basic, else from the form.
fn client_credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> (Option<String>, Option<String>) {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
    {
        if let Some((id, secret)) = basic.split_once(':') {
            return (Some(id.to_owned()), Some(secret.to_owned()));
        }
    }
    (
        form.get("client_id").cloned(),
        form.get("client_secret").cloned(),
    )
}

pub async fn token(State(state): State<SharedState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = form(&body);
    let result = match form.get("grant_type").map(String::as_str) {
        Some(JWT_BEARER) => jwt_bearer(&state, &form),
        Some("client_credentials") => client_credentials_grant(&state, &headers, &form),
        Some("authorization_code") => authorization_code(&state, &headers, &form),
        Some("refresh_token") => refresh_token(&state, &headers, &form),
        _ => Err(OAuthError::new(
            "unsupported_grant_type",
            "grant type not supported",
        )),
    };
    match result {
        Ok(body) => {
            let mut res = Json(body).into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => {
            tracing::info!(error = e.error, description = %e.description, "token request refused");
            e.into_response()
        }
    }
}

#[derive(Deserialize)]
struct AssertionClaims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Value>,
    exp: Option<i64>,
}

fn jwt_bearer(state: &SharedState, form: &HashMap<String, String>) -> Result<Value, OAuthError> {
    let assertion = form
        .get("assertion")
        .ok_or_else(|| OAuthError::invalid_grant("invalid assertion"))?;
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|_| OAuthError::invalid_grant("invalid assertion"))?;
    if header.alg != Algorithm::RS256 {
        return Err(OAuthError::invalid_grant("invalid assertion"));
    }
    let key = state.jwt_key.as_ref().ok_or_else(|| {
        tracing::warn!("JWT bearer assertion received but no certificate is configured");
        OAuthError::invalid_grant("invalid assertion")
    })?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<AssertionClaims>(assertion, key, &validation)
        .map_err(|_| OAuthError::invalid_grant("invalid assertion"))?
        .claims;
    if !claims
        .iss
        .as_deref()
        .is_some_and(|iss| eq(iss, &state.config.consumer_key))
    {
        return Err(OAuthError::invalid_client_id());
    }
    let audiences: Vec<&str> = match &claims.aud {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let accepted = |aud: &str| {
        let aud = aud.trim_end_matches('/');
        aud == state.base_url
            || state
                .config
                .jwt_audiences
                .iter()
                .any(|a| a.trim_end_matches('/') == aud)
    };
    if !audiences.iter().any(|a| accepted(a)) {
        return Err(OAuthError::invalid_grant("audience is invalid"));
    }
    let now = Utc::now().timestamp();
    match claims.exp {
        Some(exp) if exp + CLOCK_SKEW <= now => {
            return Err(OAuthError::invalid_grant("expired authorization code"));
        }
        Some(exp) if exp > now + MAX_ASSERTION_LIFETIME + CLOCK_SKEW => {
            return Err(OAuthError::invalid_grant("invalid assertion"));
        }
        Some(_) => {}
        None => return Err(OAuthError::invalid_grant("invalid assertion")),
    }
    if !claims
        .sub
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case(&state.config.integration_username))
    {
        return Err(OAuthError::invalid_grant(
            "user hasn't approved this consumer",
        ));
    }
    let principal = state.integration_user.clone();
    Ok(issue(
        state,
        principal,
        &state.config.consumer_key,
        "api",
        &state.config.consumer_secret,
        None,
        false,
    ))
}

fn client_credentials_grant(
    state: &SharedState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<Value, OAuthError> {
    let (id, secret) = client_credentials(headers, form);
    if !id
        .as_deref()
        .is_some_and(|id| eq(id, &state.config.consumer_key))
    {
        return Err(OAuthError::invalid_client_id());
    }
    if !secret
        .as_deref()
        .is_some_and(|s| eq(s, &state.config.consumer_secret))
    {
        return Err(OAuthError::invalid_client());
    }
    let principal = state.integration_user.clone();
    Ok(issue(
        state,
        principal,
        &state.config.consumer_key,
        "api",
        &state.config.consumer_secret,
        None,
        false,
    ))
}

/// Checks an OIDC client's credentials at the token endpoint; returns its secret (for `signature`).
fn check_oidc_client(
    state: &SharedState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(String, String), OAuthError> {
    let (id, secret) = client_credentials(headers, form);
    let id = id.ok_or_else(OAuthError::invalid_client_id)?;
    let client = state
        .client(&id)
        .ok_or_else(OAuthError::invalid_client_id)?;
    if let Some(expected) = &client.client_secret {
        if !secret.as_deref().is_some_and(|s| eq(s, expected)) {
            return Err(OAuthError::invalid_client());
        }
    }
    Ok((id, client.client_secret.clone().unwrap_or_default()))
}

fn authorization_code(
    state: &SharedState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<Value, OAuthError> {
    let (client_id, secret) = check_oidc_client(state, headers, form)?;
    let code = form
        .get("code")
        .ok_or_else(|| OAuthError::invalid_grant("invalid authorization code"))?;
    // Single use: the code is gone whatever happens next.
    let grant = lock(&state.auth)
        .codes
        .remove(code)
        .ok_or_else(|| OAuthError::invalid_grant("invalid authorization code"))?;
    if grant.expires <= Instant::now() {
        return Err(OAuthError::invalid_grant("expired authorization code"));
    }
    if grant.client_id != client_id {
        return Err(OAuthError::invalid_grant("invalid authorization code"));
    }
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return Err(OAuthError::invalid_grant(
            "redirect_uri must match configuration",
        ));
    }
    if let Some(challenge) = &grant.code_challenge {
        let verifier = form
            .get("code_verifier")
            .ok_or_else(|| OAuthError::invalid_grant("invalid code verifier"))?;
        let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        if !eq(&computed, challenge) {
            return Err(OAuthError::invalid_grant("invalid code verifier"));
        }
    } else if form.contains_key("code_verifier") {
        return Err(OAuthError::invalid_grant("invalid code verifier"));
    }
    let refresh =
        has_scope(&grant.scope, "refresh_token") || has_scope(&grant.scope, "offline_access");
    Ok(issue(
        state,
        grant.principal,
        &client_id,
        &grant.scope,
        &secret,
        grant.nonce.as_deref(),
        refresh,
    ))
}

fn refresh_token(
    state: &SharedState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<Value, OAuthError> {
    let token = form
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_grant("expired access/refresh token"))?;
    let grant = lock(&state.auth)
        .refresh
        .get(token)
        .cloned()
        .ok_or_else(|| OAuthError::invalid_grant("expired access/refresh token"))?;
    let secret = if grant.client_id == state.config.consumer_key {
        state.config.consumer_secret.clone()
    } else {
        let (client_id, secret) = check_oidc_client(state, headers, form)?;
        if client_id != grant.client_id {
            return Err(OAuthError::invalid_grant("expired access/refresh token"));
        }
        secret
    };
    Ok(issue(
        state,
        grant.principal,
        &grant.client_id,
        &grant.scope,
        &secret,
        None,
        false,
    ))
}

fn has_scope(scope: &str, want: &str) -> bool {
    scope.split_whitespace().any(|s| s == want)
}

/// Issues an access token (and refresh / id token as the scope asks) and builds the response.
fn issue(
    state: &SharedState,
    principal: Principal,
    client_id: &str,
    scope: &str,
    secret: &str,
    nonce: Option<&str>,
    with_refresh: bool,
) -> Value {
    let org15 = &state.org_id[..15];
    let access_token = format!("{org15}!AQ{}", random_token(96));
    let issued_at = Utc::now().timestamp_millis().to_string();
    let id_url = state.identity_url(&principal.user_id);
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(id_url.as_bytes());
    mac.update(issued_at.as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());

    let mut body = json!({
        "access_token": access_token,
        "signature": signature,
        "scope": scope,
        "instance_url": state.base_url,
        "id": id_url,
        "token_type": "Bearer",
        "issued_at": issued_at,
    });
    if has_scope(scope, "openid") {
        body["id_token"] =
            Value::String(id_token(state, &principal, client_id, nonce, &access_token));
    }
    let mut auth = lock(&state.auth);
    if with_refresh {
        let refresh = format!("5Aep{}", random_token(80));
        auth.refresh.insert(
            refresh.clone(),
            RefreshGrant {
                client_id: client_id.to_owned(),
                principal: principal.clone(),
                scope: scope.to_owned(),
            },
        );
        body["refresh_token"] = Value::String(refresh);
    }
    let now = Instant::now();
    auth.tokens.retain(|_, s| s.expires > now);
    auth.tokens.insert(
        access_token,
        Session {
            principal,
            expires: now + state.config.session_ttl,
            epoch: state.faults.token_epoch(),
        },
    );
    body
}

fn id_token(
    state: &SharedState,
    p: &Principal,
    client_id: &str,
    nonce: Option<&str>,
    access_token: &str,
) -> String {
    let now = Utc::now().timestamp();
    let digest = Sha256::digest(access_token.as_bytes());
    let at_hash = URL_SAFE_NO_PAD.encode(&digest[..16]);
    let mut claims = json!({
        "at_hash": at_hash,
        "sub": state.identity_url(&p.user_id),
        "aud": client_id,
        "iss": state.base_url,
        "name": p.name,
        "preferred_username": p.username,
        "nickname": p.given_name,
        "email": p.email,
        "email_verified": true,
        "given_name": p.given_name,
        "family_name": p.family_name,
        "user_id": p.user_id,
        "organization_id": state.org_id,
        "exp": now + 300,
        "iat": now,
        "auth_time": now,
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = Value::String(nonce.to_owned());
    }
    if let Some(custom) = custom_attributes(p) {
        claims["custom_attributes"] = custom;
    }
    if let Some(role) = &p.portal_role {
        claims["portal_role"] = Value::String(role.clone());
    }
    if let Some(overrides) = state.faults.get().id_token_claims {
        override_claims(&mut claims, overrides);
    }
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(state.keys.kid.clone());
    let mut key = &state.keys.encoding;
    let hmac_key;
    match state.faults.get().id_token_signature {
        None => {}
        Some(IdTokenSignature::UnknownKey) => key = unknown_key(),
        Some(IdTokenSignature::WrongKid) => {
            header.kid = Some(format!("{}-rotated", state.keys.kid))
        }
        Some(IdTokenSignature::None) => {
            // jsonwebtoken refuses to write an unsigned token; it is two parts and a dot.
            let header = json!({"alg": "none", "typ": "JWT"});
            return format!(
                "{}.{}.",
                URL_SAFE_NO_PAD.encode(header.to_string()),
                URL_SAFE_NO_PAD.encode(claims.to_string())
            );
        }
        Some(IdTokenSignature::Hs256) => {
            let secret = state
                .client(client_id)
                .and_then(|c| c.client_secret.clone())
                .unwrap_or_else(|| client_id.to_owned());
            hmac_key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes());
            key = &hmac_key;
            header.alg = Algorithm::HS256;
        }
    }
    jsonwebtoken::encode(&header, &claims, key).expect("signing with a valid key")
}

/// An RSA key nobody published: made once, on first use.
fn unknown_key() -> &'static jsonwebtoken::EncodingKey {
    static KEY: std::sync::OnceLock<jsonwebtoken::EncodingKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA key");
        let der = key.to_pkcs1_der().expect("DER");
        jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes())
    })
}

/// The connected app's custom attributes: where an Experience Cloud user's contact lives.
fn custom_attributes(p: &Principal) -> Option<Value> {
    let contact = p.contact_id.as_ref()?;
    Some(json!({"ContactId": contact, "AccountId": p.account_id}))
}

// ---- authorize page ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorizeParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    login_hint: Option<String>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn error_page(status: StatusCode, error: &str, description: &str) -> Response {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Error</title></head><body>\
         <h1>error={}</h1><p id=\"error_description\">{}</p></body></html>",
        escape(error),
        escape(description)
    );
    (status, Html(body)).into_response()
}

fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!("{redirect_uri}{sep}{query}");
    match HeaderValue::from_str(&location) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "invalid redirect_uri",
        ),
    }
}

/// Checks the client and redirect URI (refused on a page), then the rest (refused by redirect).
fn check_authorize(state: &SharedState, p: &AuthorizeParams) -> Result<(), Box<Response>> {
    let Some(client) = p.client_id.as_deref().and_then(|id| state.client(id)) else {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            "invalid_client_id",
            "client identifier invalid",
        )));
    };
    let Some(redirect) = p
        .redirect_uri
        .as_deref()
        .filter(|r| client.redirect_uris.iter().any(|u| u == r))
    else {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
        )));
    };
    let fail = |error: &str, description: &str| {
        let mut params = vec![("error", error), ("error_description", description)];
        if let Some(s) = p.state.as_deref() {
            params.push(("state", s));
        }
        redirect_with(redirect, &params)
    };
    if p.response_type.as_deref() != Some("code") {
        return Err(Box::new(fail(
            "unsupported_response_type",
            "response type not supported",
        )));
    }
    match (
        p.code_challenge.as_deref(),
        p.code_challenge_method.as_deref(),
    ) {
        (None, None) => {}
        (Some(c), Some("S256")) if c.len() >= 43 => {}
        (Some(_), None) => {}
        _ => {
            return Err(Box::new(fail(
                "invalid_request",
                "invalid code_challenge or code_challenge_method",
            )));
        }
    }
    Ok(())
}

fn login_form(p: &AuthorizeParams, email: &str, message: Option<&str>) -> Response {
    let hidden: String = [
        ("response_type", &p.response_type),
        ("client_id", &p.client_id),
        ("redirect_uri", &p.redirect_uri),
        ("scope", &p.scope),
        ("state", &p.state),
        ("nonce", &p.nonce),
        ("code_challenge", &p.code_challenge),
        ("code_challenge_method", &p.code_challenge_method),
    ]
    .iter()
    .filter_map(|(name, value)| {
        value.as_deref().map(|v| {
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                escape(v)
            )
        })
    })
    .collect();
    let message = message
        .map(|m| format!("<p id=\"error\" role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default();
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Login | Salesforce emulator</title></head>\
         <body><h1>Log in</h1>{message}<form method=\"post\" action=\"/services/oauth2/authorize\">{hidden}\
         <label>Username <input type=\"email\" name=\"username\" id=\"username\" value=\"{}\" autocomplete=\"username\"></label>\
         <label>Password <input type=\"password\" name=\"pw\" id=\"password\" autocomplete=\"current-password\"></label>\
         <button type=\"submit\" id=\"Login\">Log In</button></form></body></html>",
        escape(email)
    );
    Html(body).into_response()
}

pub async fn authorize_get(
    State(state): State<SharedState>,
    Query(p): Query<AuthorizeParams>,
) -> Response {
    if let Err(res) = check_authorize(&state, &p) {
        return *res;
    }
    let hint = p.login_hint.clone().unwrap_or_default();
    login_form(&p, &hint, None)
}

#[derive(Deserialize)]
struct LoginFields {
    #[serde(default)]
    username: String,
    #[serde(default)]
    pw: String,
}

pub async fn authorize_post(State(state): State<SharedState>, body: Bytes) -> Response {
    let p: AuthorizeParams = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let login: LoginFields = serde_urlencoded::from_bytes(&body).unwrap_or(LoginFields {
        username: String::new(),
        pw: String::new(),
    });
    if let Err(res) = check_authorize(&state, &p) {
        return *res;
    }
    let user = state
        .users
        .iter()
        .find(|u| {
            let name = login.username.trim();
            u.principal.username.eq_ignore_ascii_case(name)
                || u.principal.email.eq_ignore_ascii_case(name)
        })
        .cloned();
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let password = login.pw.clone();
    let verified = tokio::task::spawn_blocking(move || {
        hash.is_some_and(|h| {
            PasswordHash::new(&h).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
        })
    })
    .await
    .unwrap_or(false);
    let Some(user) = user.filter(|_| verified) else {
        return login_form(
            &p,
            &login.username,
            Some(
                "Please check your username and password. If you still can't log in, contact your Salesforce administrator.",
            ),
        );
    };
    let code = format!("aPrx{}", random_token(64));
    let redirect_uri = p.redirect_uri.clone().unwrap_or_default();
    lock(&state.auth).codes.insert(
        code.clone(),
        AuthCode {
            client_id: p.client_id.clone().unwrap_or_default(),
            redirect_uri: redirect_uri.clone(),
            principal: user.principal,
            scope: p.scope.clone().unwrap_or_else(|| "id api".into()),
            nonce: p.nonce.clone(),
            code_challenge: p.code_challenge.clone(),
            expires: Instant::now() + CODE_TTL,
        },
    );
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = p.state.as_deref() {
        params.push(("state", s));
    }
    redirect_with(&redirect_uri, &params)
}

// ---- userinfo, identity, discovery, keys --------------------------------------------------------

fn user_json(state: &SharedState, p: &Principal) -> Value {
    let mut v = json!({
        "sub": state.identity_url(&p.user_id),
        "user_id": p.user_id,
        "organization_id": state.org_id,
        "preferred_username": p.username,
        "nickname": p.given_name,
        "name": p.name,
        "email": p.email,
        "email_verified": true,
        "given_name": p.given_name,
        "family_name": p.family_name,
        "zoneinfo": "Europe/Berlin",
        "profile": format!("{}/{}", state.base_url, p.user_id),
        "active": true,
        "user_type": p.user_type,
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 3_600_000,
        "updated_at": state.started.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "is_app_installed": true,
    });
    if let Some(custom) = custom_attributes(p) {
        v["custom_attributes"] = custom;
    }
    // A claim the connected app adds for the portal (decision 031: the role from the user's
    // profile or permission set), as an org's custom claim would.
    if let Some(role) = &p.portal_role {
        v["portal_role"] = Value::String(role.clone());
    }
    if let Some(overrides) = state.faults.get().userinfo_claims {
        override_claims(&mut v, overrides);
    }
    v
}

/// Replaces claims as a fault asks; `null` removes one (a provider that does not send it).
fn override_claims(claims: &mut Value, overrides: serde_json::Map<String, Value>) {
    let Some(claims) = claims.as_object_mut() else {
        return;
    };
    for (name, value) in overrides {
        if value.is_null() {
            claims.remove(&name);
        } else {
            claims.insert(name, value);
        }
    }
}

fn bearer_error() -> Response {
    let mut res = (StatusCode::FORBIDDEN, "Bad_OAuth_Token").into_response();
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    res
}

pub async fn userinfo(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    match state.session(&headers) {
        Some(session) => Json(user_json(&state, &session.principal)).into_response(),
        None => bearer_error(),
    }
}

/// The identity URL (`id` in the token response).
pub async fn identity(
    State(state): State<SharedState>,
    Path((org, user)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(session) = state.session(&headers) else {
        return bearer_error();
    };
    if org != state.org_id || user != session.principal.user_id {
        return (StatusCode::FORBIDDEN, "Bad_Id").into_response();
    }
    let mut v = user_json(&state, &session.principal);
    v["id"] = Value::String(state.identity_url(&user));
    v["username"] = Value::String(session.principal.username.clone());
    v["display_name"] = Value::String(session.principal.name.clone());
    Json(v).into_response()
}

pub async fn revoke(State(state): State<SharedState>, body: Bytes) -> Response {
    let form = form(&body);
    let Some(token) = form.get("token") else {
        return OAuthError::new("unsupported_token_type", "this token type is not supported")
            .into_response();
    };
    let mut auth = lock(&state.auth);
    let known = auth.tokens.remove(token).is_some() | auth.refresh.remove(token).is_some();
    if known {
        StatusCode::OK.into_response()
    } else {
        OAuthError::new("invalid_token", "invalid token").into_response()
    }
}

pub async fn discovery(State(state): State<SharedState>) -> Json<Value> {
    let b = &state.base_url;
    Json(json!({
        "issuer": b,
        "authorization_endpoint": format!("{b}/services/oauth2/authorize"),
        "token_endpoint": format!("{b}/services/oauth2/token"),
        "revocation_endpoint": format!("{b}/services/oauth2/revoke"),
        "userinfo_endpoint": format!("{b}/services/oauth2/userinfo"),
        "jwks_uri": format!("{b}/id/keys"),
        "scopes_supported": ["id", "api", "web", "full", "chatter_api", "visualforce", "refresh_token", "openid", "profile", "email", "address", "phone", "offline_access", "custom_permissions", "wave_api", "eclair_api"],
        "response_types_supported": ["code", "token", "token id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "display_values_supported": ["page", "popup", "touch"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic", "private_key_jwt"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", JWT_BEARER],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["active", "address", "email", "email_verified", "family_name", "given_name", "is_app_installed", "language", "locale", "name", "nickname", "organization_id", "phone_number", "photos", "picture", "preferred_username", "profile", "sub", "updated_at", "urls", "user_id", "user_type", "zoneinfo"],
    }))
}

pub async fn jwks(State(state): State<SharedState>) -> Json<Value> {
    Json(json!({"keys": [state.keys.jwk]}))
}
