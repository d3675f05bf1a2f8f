//! Sign-in through an OpenID Connect provider: a Salesforce Experience Cloud site, or any
//! standard provider. Authorization code flow with PKCE, state and nonce; the id_token is
//! verified against the provider's JWKS (signature, issuer, audience, expiry, nonce), the
//! userinfo endpoint (or the id_token) supplies the claim that maps the user to a Contact
//! (`oidc.contact_claim`, matched with `oidc.contact_field`), and the same session as a local
//! sign-in follows.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreProviderMetadata,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, UserInfoClaims, reqwest,
};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use super::auth::{AuthService, Session};
use crate::config::OidcConfig;
use crate::salesforce::SalesforcePort;
use crate::shared_state::SharedState;
use crate::shared_state::pending_sign_ins::{
    Admission, PendingLimits, PendingSignIn, PendingSignIns, client_key,
};

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a sign-in through the provider was refused. The code travels to the sign-in page, which
/// explains it; details stay in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The provider reported an error (the user cancelled, or the app is misconfigured there).
    ProviderError,
    /// Missing, unknown, expired or replayed state: not the sign-in this browser started.
    BadState,
    /// The provider refused the code (replayed, expired, or the PKCE verifier does not match).
    CodeRejected,
    /// The id_token failed verification (signature, issuer, audience, expiry or nonce).
    InvalidToken,
    /// No single Contact matches the user.
    UnknownContact,
    /// The user is matched by email, and the provider does not vouch for that email
    /// (`email_verified` is not true): anyone could have typed it there.
    EmailNotVerified,
    /// Too many sign-ins are pending, from this client or in all: none is started until some
    /// finish or expire.
    TooManySignIns,
    /// The provider could not be reached.
    Unavailable,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::ProviderError => "provider_error",
            Self::BadState => "bad_state",
            Self::CodeRejected => "code_rejected",
            Self::InvalidToken => "invalid_token",
            Self::UnknownContact => "unknown_contact",
            Self::EmailNotVerified => "email_not_verified",
            Self::TooManySignIns => "too_many_sign_ins",
            Self::Unavailable => "unavailable",
        }
    }
}

/// A started sign-in: where to send the browser, and the state to bind it to.
pub struct Started {
    pub authorize_url: String,
    pub state: String,
}

pub struct OidcService {
    config: OidcConfig,
    redirect_url: RedirectUrl,
    http: reqwest::Client,
    /// Discovered lazily and kept, so the portal starts even while the provider is down.
    client: RwLock<Option<Arc<Client>>>,
    pending: Arc<dyn PendingSignIns>,
    salesforce: Arc<dyn SalesforcePort>,
}

impl OidcService {
    pub fn new(
        config: OidcConfig,
        redirect_url: String,
        salesforce: Arc<dyn SalesforcePort>,
        shared: &SharedState,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // Following redirects from the provider's endpoints would open the portal to SSRF.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .context("building the OpenID Connect HTTP client")?;
        let pending = shared.pending_sign_ins(PendingLimits {
            per_client: config.max_pending_sign_ins_per_client,
            total: config.max_pending_sign_ins,
        });
        Ok(Self {
            redirect_url: RedirectUrl::new(redirect_url).context("oidc redirect URL")?,
            config,
            http,
            client: RwLock::new(None),
            pending,
            salesforce,
        })
    }

    pub fn label(&self) -> &str {
        &self.config.label
    }

    async fn client(&self) -> anyhow::Result<Arc<Client>> {
        if let Some(client) = self.client.read().await.as_ref() {
            return Ok(Arc::clone(client));
        }
        let mut slot = self.client.write().await;
        if let Some(client) = slot.as_ref() {
            return Ok(Arc::clone(client));
        }
        let issuer = IssuerUrl::new(self.config.issuer_url.clone()).context("oidc issuer URL")?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| anyhow!("OpenID Connect discovery failed: {e}"))?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            self.config
                .client_secret
                .as_ref()
                .map(|s| ClientSecret::new(s.expose().to_owned())),
        )
        .set_redirect_uri(self.redirect_url.clone());
        let client = Arc::new(client);
        *slot = Some(Arc::clone(&client));
        Ok(client)
    }

    /// Starts a sign-in for `client`: remembers state, nonce and PKCE verifier, and returns the
    /// provider's authorization URL; refused while `client`, or everyone, has too many pending.
    pub async fn start(&self, return_to: String, address: IpAddr) -> Result<Started, Refusal> {
        let client = self.client().await.map_err(|e| {
            tracing::warn!(error = format!("{e:#}"), "oidc sign-in could not start");
            Refusal::Unavailable
        })?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.config.scopes {
            if scope != "openid" {
                request = request.add_scope(Scope::new(scope.clone()));
            }
        }
        let (url, state, nonce) = request.url();
        let client = client_key(address);
        let admission = self
            .pending
            .put(
                state.secret(),
                PendingSignIn {
                    nonce: nonce.secret().clone(),
                    verifier: verifier.secret().clone(),
                    return_to,
                    client: client.clone(),
                },
            )
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "oidc sign-in could not start: pending sign-ins unavailable");
                Refusal::Unavailable
            })?;
        match admission {
            Admission::Kept => {}
            Admission::ClientFull => {
                tracing::warn!(
                    client,
                    limit = self.config.max_pending_sign_ins_per_client,
                    "oidc sign-in not started: too many pending from this client"
                );
                return Err(Refusal::TooManySignIns);
            }
            Admission::Full => {
                tracing::warn!(
                    limit = self.config.max_pending_sign_ins,
                    "oidc sign-in not started: too many pending in all"
                );
                return Err(Refusal::TooManySignIns);
            }
        }
        Ok(Started {
            authorize_url: url.to_string(),
            state: state.secret().clone(),
        })
    }

    /// Finishes a sign-in. `cookie_state` is the state this browser was given at the start;
    /// the pending entry is consumed whatever happens, so a callback can never be replayed.
    pub async fn finish(
        &self,
        auth: &AuthService,
        code: &str,
        state: &str,
        cookie_state: Option<&str>,
    ) -> Result<(Session, String, String), (Refusal, Option<String>)> {
        let pending = self
            .pending
            .take(state)
            .await
            .map_err(|e| (refuse(Refusal::Unavailable, &e.to_string()), None))?;
        let Some(pending) = pending else {
            return Err((
                refuse(Refusal::BadState, "unknown, expired or replayed state"),
                None,
            ));
        };
        if cookie_state != Some(state) {
            // Not this browser's sign-in: do not echo its return path either.
            return Err((
                refuse(
                    Refusal::BadState,
                    "state does not match this browser's cookie",
                ),
                None,
            ));
        }
        let return_to = pending.return_to.clone();
        self.complete(auth, code, pending)
            .await
            .map(|(session, token)| (session, token, return_to.clone()))
            .map_err(|refusal| (refusal, Some(return_to)))
    }

    /// The part of a sign-in after its state checked out: code, tokens, user, session.
    async fn complete(
        &self,
        auth: &AuthService,
        code: &str,
        pending: PendingSignIn,
    ) -> Result<(Session, String), Refusal> {
        let client = self
            .client()
            .await
            .map_err(|e| refuse(Refusal::Unavailable, &format!("{e:#}")))?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| refuse(Refusal::Unavailable, &e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                // The provider refusing the code is the user's to retry; not reaching the
                // provider at all is "unavailable". Logged by Display, never Debug: a Parse
                // error's Debug carries the provider's whole answer, tokens included.
                let refusal = match &e {
                    openidconnect::RequestTokenError::ServerResponse(_) => Refusal::CodeRejected,
                    _ => Refusal::Unavailable,
                };
                refuse(refusal, &token_error(&e))
            })?;
        let id_token = token
            .id_token()
            .ok_or_else(|| refuse(Refusal::InvalidToken, "the token response has no id_token"))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(pending.nonce))
            .map_err(|e| refuse(Refusal::InvalidToken, &e.to_string()))?;
        let subject = claims.subject().clone();
        let userinfo: UserInfoClaims<OtherClaims, CoreGenderClaim> = client
            .user_info(token.access_token().to_owned(), Some(subject))
            .map_err(|e| refuse(Refusal::Unavailable, &e.to_string()))?
            .request_async(&self.http)
            .await
            .map_err(|e| {
                let refusal = match &e {
                    openidconnect::UserInfoError::Request(_) => Refusal::Unavailable,
                    _ => Refusal::InvalidToken,
                };
                refuse(refusal, &format!("userinfo: {e}"))
            })?;

        let name = self.config.contact_claim.as_str();
        let documents: Vec<serde_json::Value> = [
            serde_json::to_value(&userinfo).ok(),
            serde_json::to_value(claims).ok(),
        ]
        .into_iter()
        .flatten()
        .collect();
        let value = documents
            .iter()
            .find_map(|all| claim(all, name))
            .ok_or_else(|| {
                refuse(
                    Refusal::UnknownContact,
                    &format!("the provider sent no {name} claim"),
                )
            })?;
        if name == "email" {
            email_verified(&documents, &value)
                .map_err(|detail| refuse(Refusal::EmailNotVerified, detail))?;
        }
        // The adapter matches the value with the configured Contact field (`contact_field`).
        let mut contacts = self
            .salesforce
            .contacts_by_sign_in(&value)
            .await
            .map_err(|e| refuse(Refusal::Unavailable, &format!("{e:#}")))?;
        if contacts.len() != 1 {
            return Err(refuse(
                Refusal::UnknownContact,
                &format!(
                    "{} contacts match the signed-in user's {name} claim",
                    contacts.len()
                ),
            ));
        }
        let contact = contacts.remove(0);
        let email = match name {
            "email" => value,
            _ => contact.email.clone().unwrap_or(value),
        };
        // The role claim (decision 031), read whatever `[roles] source` says: the session
        // service decides whether it counts.
        let role_claim = documents
            .iter()
            .find_map(|all| claim(all, auth.role_claim()));
        let opened = auth
            .open_session(contact, email.to_lowercase(), "oidc", role_claim.as_deref())
            .await
            .map_err(|e| refuse(Refusal::Unavailable, &e.to_string()))?;
        opened.ok_or_else(|| refuse(Refusal::UnknownContact, "the contact has no account"))
    }
}

/// Every claim of the userinfo response: the standard ones and whatever else the provider sends
/// (`custom_attributes` of a Salesforce connected app, a provider's own claims).
#[derive(Debug, Serialize, Deserialize)]
struct OtherClaims(HashMap<String, serde_json::Value>);

impl AdditionalClaims for OtherClaims {}

/// The text of claim `name` in `claims`; a dotted name that is not a claim of its own reaches
/// into object claims (`custom_attributes.ContactId`). Blank values count as absent.
fn claim(claims: &serde_json::Value, name: &str) -> Option<String> {
    let found = claims
        .get(name)
        .or_else(|| name.split('.').try_fold(claims, |v, part| v.get(part)))?;
    match found {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether the provider vouches for `email`: the userinfo answer or the id_token that carries
/// this email says `email_verified: true`, and neither says `false`. A provider that leaves
/// the claim out says nothing: an email typed at a provider that does not check it could be
/// anyone's, and it would open that Contact's account.
fn email_verified(documents: &[serde_json::Value], email: &str) -> Result<(), &'static str> {
    let mut vouched = false;
    for document in documents
        .iter()
        .filter(|d| claim(d, "email").as_deref() == Some(email))
    {
        match document.get("email_verified") {
            Some(serde_json::Value::Bool(true)) => vouched = true,
            Some(serde_json::Value::Bool(false)) => {
                return Err("the provider says the email is not verified");
            }
            _ => {}
        }
    }
    if vouched {
        Ok(())
    } else {
        Err("the provider does not say that the email is verified")
    }
}

/// What a failed code exchange logs: the variant and, for the provider's refusal, its error
/// code; never a response body (a `Parse` error holds the whole answer, which may carry the
/// tokens) nor the provider's free-text description.
fn token_error<RE: std::error::Error>(
    e: &openidconnect::RequestTokenError<
        RE,
        openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    >,
) -> String {
    match e {
        openidconnect::RequestTokenError::ServerResponse(response) => {
            format!(
                "the provider refused the code: {}",
                response.error().as_ref()
            )
        }
        openidconnect::RequestTokenError::Request(err) => {
            format!("the token request failed: {err}")
        }
        openidconnect::RequestTokenError::Parse(err, _body) => {
            format!("the token response could not be read at {}", err.path())
        }
        openidconnect::RequestTokenError::Other(_) => {
            "the token response was not understood".to_owned()
        }
    }
}

fn refuse(refusal: Refusal, detail: &str) -> Refusal {
    tracing::warn!(reason = refusal.code(), detail, "oidc sign-in refused");
    refusal
}
