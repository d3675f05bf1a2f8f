//! Sign-in, sessions and CSRF.
//!
//! A session is a short-lived signed token (JWT, HS256) in an HttpOnly cookie, renewed as it is
//! used (sliding expiry) up to an absolute maximum age. Tokens carry a session id so sign-out
//! can revoke them on the server. The session records how the user signed in (`idp`), so the
//! Salesforce OpenID Connect sign-in can issue the very same session later.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::keys::{self, Keys};
use super::sign_in_guard::SignInGuard;
use crate::clock::unix_secs;
use crate::config::{AuthConfig, RoleSource, RolesConfig};
use crate::domain::profile::Language;
use crate::domain::role::Role;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::observability::metrics::Metrics;
use crate::salesforce::profile::ProfilePort;
use crate::salesforce::{Contact, SalesforceId, SalesforcePort};
use crate::shared_state::passwords::PasswordStore;
use crate::shared_state::revocations::RevocationStore;
use crate::shared_state::{SharedState, StoreResult};

const ISSUER: &str = "customer-portal";

/// A local sign-in of the mock store (the production sign-in goes through Salesforce).
#[derive(Debug, Clone, Deserialize)]
pub struct LocalAccount {
    pub email: String,
    pub password_hash: String,
    pub contact_id: SalesforceId,
    pub account_id: SalesforceId,
}

/// Clock skew allowed on a session token's expiry.
const TOKEN_LEEWAY_SECS: u64 = 5;
/// Verified session tokens remembered (about 1 KB each).
const VERIFIED_TOKENS: usize = 10_000;

/// Whether a session from an authentic token may be used at `now`: before its token expires
/// (give or take the leeway) and within the maximum age since sign-in.
///
/// Compared in whole seconds, as the token states its times ([`unix_secs`]: this runs on
/// every signed-in request).
fn usable(session: &Session, now_secs: i64, max_age: chrono::Duration) -> bool {
    let leeway = i64::try_from(TOKEN_LEEWAY_SECS).unwrap_or(0);
    now_secs <= session.expires_at.timestamp() + leeway
        && now_secs <= session.signed_in_at.timestamp() + max_age.num_seconds()
}

/// The signed-in customer, as every authorised route sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub contact_id: SalesforceId,
    pub account_id: SalesforceId,
    pub user_name: String,
    pub email: String,
    pub customer_name: String,
    pub signed_in_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub idp: String,
    /// Member or manager (decision 031): from the source of truth at sign-in, read again with
    /// the contact at every authorisation recheck.
    pub role: Role,
    /// The contact's preferred language from their profile (issue 14): read at sign-in,
    /// re-issued when the profile changes it; `None` when they chose none.
    pub language: Option<Language>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sid: String,
    sub: String,
    acc: String,
    name: String,
    email: String,
    cname: String,
    idp: String,
    /// The role (`member`, `manager`); absent in tokens from before roles: a member.
    #[serde(default)]
    rl: Option<String>,
    auth_time: i64,
    iat: i64,
    exp: i64,
    /// The session's language (a [`Language`] code); absent: none chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lang: Option<String>,
}

pub struct AuthService {
    accounts: HashMap<String, LocalAccount>,
    /// Verified against when the email is unknown, so both failures take the same time.
    dummy_hash: String,
    salesforce: Arc<dyn SalesforcePort>,
    /// Where a new session's language is read from (the contact's profile).
    profiles: Arc<dyn ProfilePort>,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Tokens already verified, with their sessions: decoding a token (base64, JSON twice,
    /// HMAC) costs more than the rest of a cached read. Bounded in count; expiry is
    /// checked again on every use, and revocation is always asked of `revoked`. Only tokens
    /// that verified are ever inserted, so no one can fill it with keys of their choosing.
    /// quick_cache rather than moka (decision 012): every signed-in request looks a token up,
    /// and moka's bookkeeping on each read (an access log for its eviction policy, drained
    /// by the reading thread, an epoch guard) cost more than the rest of the lookup.
    verified: quick_cache::sync::Cache<Box<str>, Arc<Session>>,
    csrf_key: [u8; 32],
    ttl: chrono::Duration,
    max_age: chrono::Duration,
    /// Revoked session ids, until their tokens would have expired anyway, and contacts whose
    /// sessions an operator revoked.
    revoked: Arc<dyn RevocationStore>,
    /// Attempt budgets, the cap on password checks, device cookies.
    guard: SignInGuard,
    /// Passwords customers set (overriding the accounts file) and pending resets (issue 14).
    passwords: Arc<dyn PasswordStore>,
    /// Session id -> when (Unix seconds) its contact was last found still of its account and
    /// not revoked: checked again after `recheck_secs`. Per instance; bounded like `verified`.
    /// With the role found at that check (decision 031): a role changed in the org applies
    /// from the next check on.
    authorised: quick_cache::sync::Cache<Box<str>, (i64, Role)>,
    recheck_secs: i64,
    metrics: Arc<Metrics>,
    /// Where roles come from.
    roles: RolesConfig,
}

/// Whether a session may still act, and with which role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorised {
    No,
    As(Role),
}

/// A successful sign-in: the session, its token, and the device cookie for the browser.
pub struct SignedIn {
    pub session: Session,
    pub token: String,
    pub device_cookie: String,
}

impl AuthService {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: &AuthConfig,
        keys: &Keys,
        local_accounts_file: &Path,
        data_dir: &Path,
        salesforce: Arc<dyn SalesforcePort>,
        profiles: Arc<dyn ProfilePort>,
        metrics: Arc<Metrics>,
        shared: &SharedState,
    ) -> anyhow::Result<Self> {
        let raw = std::fs::read(local_accounts_file)
            .with_context(|| format!("reading {}", local_accounts_file.display()))?;
        let list: Vec<LocalAccount> = serde_json::from_slice(&raw)
            .with_context(|| format!("parsing {}", local_accounts_file.display()))?;
        let mut accounts = HashMap::new();
        for account in list {
            PasswordHash::new(&account.password_hash)
                .map_err(|e| anyhow::anyhow!("bad password hash for {}: {e}", account.email))?;
            accounts.insert(normalise_email(&account.email), account);
        }
        let dummy_hash = Argon2::default()
            .hash_password(
                b"not a real password",
                &SaltString::generate(&mut argon2::password_hash::rand_core::OsRng),
            )
            .map_err(|e| anyhow::anyhow!("hashing the dummy password: {e}"))?
            .to_string();

        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = TOKEN_LEEWAY_SECS;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);

        let ttl = chrono::Duration::seconds(i64::try_from(config.session_ttl_secs).unwrap_or(1800));
        let max_age =
            chrono::Duration::seconds(i64::try_from(config.session_max_age_secs).unwrap_or(43_200));
        Ok(Self {
            accounts,
            dummy_hash,
            salesforce,
            profiles,
            encoding: EncodingKey::from_secret(&keys.session),
            decoding: DecodingKey::from_secret(&keys.session),
            validation,
            verified: quick_cache::sync::Cache::new(VERIFIED_TOKENS),
            csrf_key: keys.csrf,
            ttl,
            max_age,
            revoked: shared.revocations(data_dir),
            guard: SignInGuard::new(config, keys.device, shared, Arc::clone(&metrics)),
            passwords: shared.passwords(data_dir)?,
            authorised: quick_cache::sync::Cache::new(VERIFIED_TOKENS),
            recheck_secs: i64::try_from(config.authorization_recheck_secs).unwrap_or(60),
            metrics,
            roles: RolesConfig::default(),
        })
    }

    /// Where roles come from (`[roles]`; the default: the Contact's `Portal_Role__c`).
    #[must_use]
    pub fn with_roles(mut self, roles: RolesConfig) -> Self {
        self.roles = roles;
        self
    }

    /// The OpenID Connect claim that states the role (`roles.claim`).
    pub fn role_claim(&self) -> &str {
        &self.roles.claim
    }

    /// The role of a person signing in: the identity provider's claim (`claim`, the configured
    /// claim's value) with `source = "oidc_claim"` and an OpenID Connect sign-in; the
    /// Contact's field otherwise.
    fn role_at_sign_in(&self, contact: &Contact, idp: &str, claim: Option<&str>) -> Role {
        match self.roles.source {
            RoleSource::OidcClaim if idp == "oidc" => self.roles.role_of(claim),
            _ => self.roles.role_of(contact.portal_role.as_deref()),
        }
    }

    /// The role of a signed-in person as the contact now says, at a recheck: the claim of an
    /// OpenID Connect sign-in is only read at sign-in, so such a session keeps its role.
    fn role_now(&self, session: &Session, contact: &Contact) -> Role {
        match self.roles.source {
            RoleSource::OidcClaim if session.idp == "oidc" => session.role,
            _ => self.roles.role_of(contact.portal_role.as_deref()),
        }
    }

    /// Checks the credentials and opens a session. `device` is the browser's device cookie,
    /// if it sent one ([`SignInGuard`]: a known device of the account is not held back by
    /// failures elsewhere).
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: IpAddr,
        device: Option<&str>,
    ) -> ApiResult<SignedIn> {
        let mut errors = Vec::new();
        let email = normalise_email(email);
        if email.is_empty() || email.len() > 254 {
            errors.push(FieldError::new("email", "Enter your email address."));
        }
        if password.is_empty() || password.len() > 1024 {
            errors.push(FieldError::new("password", "Enter your password."));
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        // Reserved before the check: attempts racing in parallel cannot all get checked.
        let reservation = self.guard.reserve(&email, client, device).await?;

        let account = self.accounts.get(&email).cloned();
        let matches = self.password_matches(&email, password).await?;
        let Some(account) = account.filter(|_| matches) else {
            self.metrics.password_check(false);
            // The reservation stays spent: this was a failure.
            drop(reservation);
            tracing::info!(%client, "sign-in refused: wrong credentials");
            return Err(ApiError::BadCredentials);
        };
        self.metrics.password_check(true);
        reservation.succeeded().await;

        let Some(contact) = self.salesforce.contact(&account.contact_id).await? else {
            tracing::warn!(contact = %account.contact_id, "sign-in refused: contact missing");
            return Err(ApiError::BadCredentials);
        };
        if contact.account_id != account.account_id {
            tracing::warn!(contact = %contact.id, "sign-in refused: contact belongs to another account");
            return Err(ApiError::BadCredentials);
        }
        let (session, token) = self
            .open_session(contact, account.email, "local", None)
            .await?
            .ok_or(ApiError::BadCredentials)?;
        Ok(SignedIn {
            session,
            token,
            device_cookie: self.guard.device_cookie(&email, device),
        })
    }

    /// Whether `password` is the current password of the local account `email`: the one the
    /// customer set (issue 14), else the accounts file's. An unknown email is checked against
    /// a dummy hash, so both take the same time. Not budgeted: callers reserve first.
    pub(super) async fn password_matches(&self, email: &str, password: &str) -> ApiResult<bool> {
        // Asked whether the account exists or not: the lookup costs the same either way.
        let set = self.passwords.password_hash(email).await?;
        let hash = match self.accounts.get(email) {
            Some(account) => set.unwrap_or_else(|| account.password_hash.clone()),
            None => self.dummy_hash.clone(),
        };
        let password = password.to_owned();
        Ok(tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .await
        .context("password check task")?)
    }

    /// The local account of an email, if there is one.
    pub(super) fn local_account(&self, email: &str) -> Option<&LocalAccount> {
        self.accounts.get(&normalise_email(email))
    }

    pub(super) fn password_store(&self) -> &Arc<dyn PasswordStore> {
        &self.passwords
    }

    pub(super) fn guard(&self) -> &SignInGuard {
        &self.guard
    }

    /// Ends every session of `contact` signed in until now, on every instance (this one at
    /// once, others at their next recheck, within `authorization_recheck_secs`).
    pub(super) async fn revoke_contact_sessions(&self, contact: &SalesforceId) -> StoreResult<()> {
        let now = Utc::now();
        self.revoked
            .revoke_contact(contact.as_str(), now, now + self.max_age)
            .await?;
        // Sessions this instance found authorised recently would skip the check until their
        // recheck: every session here checks again at its next request.
        self.authorised.clear();
        Ok(())
    }

    /// A new session for `session`'s browser after its contact's sessions were revoked: a new
    /// id, signed in a second after the revocation (revocation compares whole seconds).
    pub(super) fn session_after_revocation(
        &self,
        session: &Session,
    ) -> ApiResult<(Session, String)> {
        let now = Utc::now() + chrono::Duration::seconds(1);
        let renewed = Session {
            id: uuid::Uuid::new_v4().to_string(),
            signed_in_at: now,
            expires_at: now + self.ttl,
            ..session.clone()
        };
        let token = self.issue(&renewed)?;
        self.authorised
            .insert(renewed.id.as_str().into(), (unix_secs(), renewed.role));
        Ok((renewed, token))
    }

    /// Opens a session for a contact, however they proved who they are (`idp`: `local`,
    /// `oidc`; `role_claim`: the identity provider's role claim, if it sent one). `None` when
    /// the contact's account does not exist.
    pub async fn open_session(
        &self,
        contact: Contact,
        email: String,
        idp: &str,
        role_claim: Option<&str>,
    ) -> ApiResult<Option<(Session, String)>> {
        let role = self.role_at_sign_in(&contact, idp, role_claim);
        let Some(customer) = self.salesforce.account(&contact.account_id).await? else {
            tracing::warn!(contact = %contact.id, "no session: the contact's account is missing");
            return Ok(None);
        };
        // The session speaks the profile's language; without one (or when it cannot be read
        // now) the browser's choice stands, and the sign-in goes ahead.
        let language = match self.profiles.profile(&contact.id).await {
            Ok(profile) => profile.and_then(|p| p.preferences.language),
            Err(err) => {
                tracing::warn!(error = %err, contact = %contact.id, "could not read the profile's language at sign-in");
                None
            }
        };
        let now = Utc::now();
        let session = Session {
            id: uuid::Uuid::new_v4().to_string(),
            contact_id: contact.id,
            account_id: customer.id,
            user_name: contact.name,
            email,
            customer_name: customer.name,
            signed_in_at: now,
            expires_at: now + self.ttl,
            idp: idp.to_owned(),
            role,
            language,
        };
        let token = self.issue(&session)?;
        // Just checked: the contact is of this account.
        self.authorised
            .insert(session.id.as_str().into(), (unix_secs(), role));
        tracing::info!(session = %session.id, contact = %session.contact_id, idp, role = role.as_str(), "signed in");
        Ok(Some((session, token)))
    }

    fn issue(&self, session: &Session) -> ApiResult<String> {
        let claims = Claims {
            iss: ISSUER.into(),
            sid: session.id.clone(),
            sub: session.contact_id.to_string(),
            acc: session.account_id.to_string(),
            name: session.user_name.clone(),
            email: session.email.clone(),
            cname: session.customer_name.clone(),
            idp: session.idp.clone(),
            rl: Some(session.role.as_str().to_owned()),
            auth_time: session.signed_in_at.timestamp(),
            iat: Utc::now().timestamp(),
            exp: session.expires_at.timestamp(),
            lang: session.language.map(|l| l.code().to_owned()),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .context("signing a session token")
            .map_err(ApiError::Internal)
    }

    /// The session a token stands for, if it is authentic, unexpired and not revoked. An error
    /// when revocation cannot be checked (the shared store is down): fail closed.
    pub async fn authenticate(&self, token: &str) -> StoreResult<Option<Arc<Session>>> {
        let Some(session) = self.verify(token) else {
            return Ok(None);
        };
        if self.revoked.is_revoked(&session.id).await? {
            return Ok(None);
        }
        Ok(Some(session))
    }

    /// Whether the session may still act for its contact: the contact still exists, is still
    /// of the session's account, and an operator has not revoked the contact's sessions since
    /// it signed in. Asked on every request, answered from memory for `recheck_secs` after
    /// each check; a session that fails it is revoked. When Salesforce cannot be asked, the
    /// session keeps its access (the portal serves what it has cached then too) and the next
    /// request asks again; when the shared store cannot be asked, an error (fail closed).
    ///
    /// The role is read again with the contact (decision 031): the answer carries the role the
    /// session has now, which may differ from its token's until the token is renewed.
    pub async fn still_authorised(&self, session: &Session) -> StoreResult<Authorised> {
        let now = unix_secs();
        if let Some((checked, role)) = self.authorised.get(session.id.as_str())
            && now - checked < self.recheck_secs
        {
            return Ok(Authorised::As(role));
        }
        if let Some(at) = self
            .revoked
            .contact_revoked_at(session.contact_id.as_str())
            .await?
            && session.signed_in_at <= at
        {
            tracing::info!(session = %session.id, contact = %session.contact_id, "session ended: the contact's sessions were revoked");
            self.end(session).await?;
            return Ok(Authorised::No);
        }
        match self.salesforce.contact(&session.contact_id).await {
            Ok(Some(contact)) if contact.account_id == session.account_id => {
                let role = self.role_now(session, &contact);
                if role != session.role {
                    tracing::info!(session = %session.id, contact = %session.contact_id, from = session.role.as_str(), to = role.as_str(), "the session's role changed in the org");
                }
                self.authorised
                    .insert(session.id.as_str().into(), (now, role));
                Ok(Authorised::As(role))
            }
            Ok(found) => {
                tracing::warn!(
                    session = %session.id,
                    contact = %session.contact_id,
                    reason = if found.is_some() { "moved to another account" } else { "no longer exists" },
                    "session ended: the contact lost access"
                );
                self.end(session).await?;
                Ok(Authorised::No)
            }
            Err(err) => {
                tracing::warn!(error = %err, session = %session.id, "could not check the session's contact again; asking on the next request");
                Ok(Authorised::As(session.role))
            }
        }
    }

    /// Revokes a session that lost its authorisation.
    async fn end(&self, session: &Session) -> StoreResult<()> {
        self.authorised.remove(session.id.as_str());
        self.revoked
            .revoke(&session.id, session.signed_in_at + self.max_age)
            .await
    }

    /// The session in an authentic, unexpired token (revocation not checked).
    fn verify(&self, token: &str) -> Option<Arc<Session>> {
        if let Some(session) = self.verified.get(token)
            && usable(&session, unix_secs(), self.max_age)
        {
            return Some(session);
        }
        let session = Arc::new(self.decode(token)?);
        self.verified.insert(token.into(), Arc::clone(&session));
        Some(session)
    }

    fn decode(&self, token: &str) -> Option<Session> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        let signed_in_at = DateTime::from_timestamp(claims.auth_time, 0)?;
        let session = Session {
            id: claims.sid,
            contact_id: SalesforceId::parse(&claims.sub).ok()?,
            account_id: SalesforceId::parse(&claims.acc).ok()?,
            user_name: claims.name,
            email: claims.email,
            customer_name: claims.cname,
            signed_in_at,
            expires_at: DateTime::from_timestamp(claims.exp, 0)?,
            idp: claims.idp,
            role: Role::from_claim(claims.rl.as_deref()),
            language: claims.lang.as_deref().and_then(Language::from_code),
        };
        usable(&session, unix_secs(), self.max_age).then_some(session)
    }

    /// A renewed token once half the session's idle time has passed, never beyond the
    /// maximum age; `None` while the current token is fresh enough. `changed`: the session
    /// differs from its token (a role read again at a recheck), so a token is issued now.
    pub fn renew(&self, session: &Session, changed: bool) -> Option<(Session, String)> {
        // Most requests stop here, every request asks: in Unix seconds, as in `usable`.
        if !changed && session.expires_at.timestamp() - unix_secs() > self.ttl.num_seconds() / 2 {
            return None;
        }
        let now = Utc::now();
        let expires_at = (now + self.ttl).min(session.signed_in_at + self.max_age);
        if expires_at <= session.expires_at && !changed {
            return None;
        }
        let expires_at = expires_at.max(session.expires_at);
        let renewed = Session {
            expires_at,
            ..session.clone()
        };
        let token = self.issue(&renewed).ok()?;
        Some((renewed, token))
    }

    /// The session re-issued with another language (the profile changed it): same id, same
    /// expiry, a new token.
    pub fn with_language(
        &self,
        session: &Session,
        language: Option<Language>,
    ) -> ApiResult<(Session, String)> {
        let changed = Session {
            language,
            ..session.clone()
        };
        let token = self.issue(&changed)?;
        Ok((changed, token))
    }

    /// Revokes the session on the server: its token stops working everywhere at once.
    pub async fn logout(&self, session: &Session) -> StoreResult<()> {
        let max_expiry = session.signed_in_at + self.max_age;
        self.revoked.revoke(&session.id, max_expiry).await?;
        tracing::info!(session = %session.id, "signed out");
        Ok(())
    }

    /// The session's CSRF token: derived from the session id, so nothing is stored.
    pub fn csrf_token(&self, session: &Session) -> String {
        URL_SAFE_NO_PAD.encode(keys::sign(&self.csrf_key, session.id.as_bytes()))
    }

    pub fn verify_csrf(&self, session: &Session, presented: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(presented)
            .is_ok_and(|tag| keys::verify(&self.csrf_key, session.id.as_bytes(), &tag))
    }

    pub fn prune(&self) {
        self.guard.prune();
    }

    pub fn session_ttl(&self) -> chrono::Duration {
        self.ttl
    }
}

pub(super) fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use super::{Session, usable};
    use crate::salesforce::SalesforceId;

    /// A remembered token is checked again on every use: it stops working when it expires
    /// (after the leeway) or when the session reaches its maximum age, whichever comes first.
    #[test]
    fn a_session_is_usable_until_its_token_expires_or_it_reaches_its_maximum_age() {
        let signed_in_at = Utc::now() - Duration::hours(1);
        let session = Session {
            id: "s".into(),
            contact_id: SalesforceId::parse("003Dn000O6V0xBhIIJ").unwrap(),
            account_id: SalesforceId::parse("001Dn000V58wd0MIIQ").unwrap(),
            user_name: "Alice".into(),
            email: "alice@acme.example".into(),
            customer_name: "Acme".into(),
            signed_in_at,
            expires_at: signed_in_at + Duration::minutes(90),
            idp: "local".into(),
            role: crate::domain::role::Role::Member,
            language: None,
        };
        let max_age = Duration::hours(2);
        let expiry = session.expires_at;
        let at = |time: chrono::DateTime<chrono::Utc>| time.timestamp();
        assert!(usable(&session, at(expiry - Duration::seconds(1)), max_age));
        assert!(usable(&session, at(expiry + Duration::seconds(5)), max_age));
        assert!(!usable(
            &session,
            at(expiry + Duration::seconds(6)),
            max_age
        ));
        // A maximum age shorter than the token's lifetime wins.
        let short = Duration::minutes(30);
        assert!(usable(&session, at(signed_in_at + short), short));
        assert!(!usable(
            &session,
            at(signed_in_at + short + Duration::seconds(1)),
            short
        ));
    }
}
