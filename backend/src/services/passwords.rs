//! Password self-service for local sign-in (issue 14, decision 032): change (the current
//! password required; the contact's other sessions revoked, this browser's kept), forgot (the
//! same 202 whether or not the email is known: the lookup, the token and the mail happen in a
//! task spawned either way) and reset by a mailed single-use token.
//!
//! A reset token is 32 random bytes (base64url); only its SHA-256 is stored, until it is used
//! or `passwords.reset_ttl_secs` pass. The token is in the mail's link only, as a URL fragment
//! (`/reset-password#token=...`: never sent to a server, so never in an access log or a
//! Referer), and never in a response or a log line.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use sha2::{Digest, Sha256};

use super::auth::{AuthService, Session, normalise_email};
use super::mail::{Mail, Mailer, Template};
use crate::config::{MAX_PASSWORD_CHARS, PasswordsConfig};
use crate::domain::profile::Language;
use crate::error::{ApiError, ApiResult, FieldError, RateLimitInfo};
use crate::observability::metrics::Metrics;
use crate::salesforce::profile::ProfilePort;
use crate::shared_state::SharedState;
use crate::shared_state::passwords::ResetGrant;
use crate::shared_state::rate_limit::{Decision, Policy, RateLimitStore, ceil_secs};

pub const PER_EMAIL: &str = "password-reset-email";
pub const PER_CLIENT: &str = "password-reset-client";

pub struct PasswordService {
    config: PasswordsConfig,
    mailer: Mailer,
    profiles: Arc<dyn ProfilePort>,
    per_email: Arc<dyn RateLimitStore>,
    per_client: Arc<dyn RateLimitStore>,
    /// Where the web app is: the reset link is `<base>/reset-password#token=...`.
    link_base: String,
    metrics: Arc<Metrics>,
}

/// The SHA-256 of a token, in hex: what the store keeps.
pub fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl PasswordService {
    pub fn new(
        config: &PasswordsConfig,
        mailer: Mailer,
        profiles: Arc<dyn ProfilePort>,
        link_base: String,
        metrics: Arc<Metrics>,
        shared: &SharedState,
    ) -> Self {
        let limit = |name, rate: &crate::config::RateLimitConfig| {
            shared.rate_limit(Policy::new(
                name,
                rate.per_hour,
                Duration::from_secs(3600),
                rate.burst,
            ))
        };
        Self {
            per_email: limit(PER_EMAIL, &config.reset_per_email),
            per_client: limit(PER_CLIENT, &config.reset_per_client),
            config: config.clone(),
            mailer,
            profiles,
            link_base: link_base.trim_end_matches('/').to_owned(),
            metrics,
        }
    }

    /// The new password's problems, if any: `min_length` to 1,024 characters, not only
    /// spaces, not the email address.
    fn check_new(&self, field: &str, password: &str, email: Option<&str>) -> ApiResult<()> {
        let chars = password.chars().count();
        let problem = if chars < self.config.min_length {
            Some(format!(
                "Choose a password of at least {} characters.",
                self.config.min_length
            ))
        } else if chars > MAX_PASSWORD_CHARS {
            Some(format!(
                "Choose a password of at most {MAX_PASSWORD_CHARS} characters."
            ))
        } else if password.trim().is_empty() {
            Some("Choose a password that is not only spaces.".to_owned())
        } else if email.is_some_and(|e| normalise_email(password) == e) {
            Some("Choose a password other than your email address.".to_owned())
        } else {
            None
        };
        match problem {
            Some(message) => Err(ApiError::Validation(vec![FieldError::new(
                field.to_owned(),
                message,
            )])),
            None => Ok(()),
        }
    }

    async fn hash(password: &str) -> ApiResult<String> {
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            Argon2::default()
                .hash_password(
                    password.as_bytes(),
                    &SaltString::generate(&mut argon2::password_hash::rand_core::OsRng),
                )
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
        })
        .await
        .context("password hashing task")?
        .map_err(ApiError::Internal)
    }

    /// Changes the signed-in contact's password: the current one is checked within the
    /// sign-in budget (a stolen session cannot guess it freely). Every session of the
    /// contact ends; this browser gets a new one, returned.
    pub async fn change(
        &self,
        auth: &AuthService,
        session: &Session,
        current: &str,
        new: &str,
        client: IpAddr,
    ) -> ApiResult<(Session, String)> {
        let email = normalise_email(&session.email);
        let Some(account) = auth
            .local_account(&email)
            .filter(|_| session.idp == "local")
            .cloned()
        else {
            return Err(ApiError::PasswordElsewhere);
        };
        self.check_new("new_password", new, Some(&email))?;
        if current.is_empty() || current.len() > MAX_PASSWORD_CHARS {
            return Err(ApiError::Validation(vec![FieldError::new(
                "current_password",
                "Enter your current password.",
            )]));
        }
        let reservation = auth.guard().reserve(&email, client, None).await?;
        if !auth.password_matches(&email, current).await? {
            drop(reservation);
            tracing::info!(contact = %session.contact_id, "password change refused: wrong current password");
            return Err(ApiError::Validation(vec![FieldError::new(
                "current_password",
                "That is not your current password.",
            )]));
        }
        reservation.succeeded().await;
        let hash = Self::hash(new).await?;
        auth.password_store()
            .set_password_hash(&email, &hash)
            .await?;
        auth.revoke_contact_sessions(&account.contact_id).await?;
        tracing::info!(contact = %session.contact_id, "password changed; the contact's other sessions revoked");
        auth.session_after_revocation(session)
    }

    /// Asks for a reset link for `email`. The answer is the same whether the email is known or
    /// not (checked: the shape of the address, the limits per address and per client, which
    /// apply to any address alike). The lookup, the token and the mail happen in a task
    /// spawned either way; the handle is returned for tests to wait on.
    pub async fn forgot(
        &self,
        auth: &AuthService,
        email: &str,
        client: IpAddr,
    ) -> ApiResult<tokio::task::JoinHandle<()>> {
        // The document's rule exactly (1 to 254 bytes): an address that is no account's is
        // answered like any other.
        if email.is_empty() || email.len() > 254 {
            return Err(ApiError::Validation(vec![FieldError::new(
                "email",
                "Enter your email address.",
            )]));
        }
        let email = normalise_email(email);
        for (limiter, key, name) in [
            (&self.per_client, client.to_string(), PER_CLIENT),
            (&self.per_email, email.clone(), PER_EMAIL),
        ] {
            if let Decision::Limited { retry_after } = limiter.check(&key).await? {
                tracing::info!(%client, limit = name, "password reset request rate-limited");
                self.metrics.refused("password_reset");
                return Err(ApiError::RateLimited(RateLimitInfo::of(
                    name,
                    limiter.policy(),
                    0,
                    ceil_secs(retry_after),
                )));
            }
        }
        let account = auth.local_account(&email).cloned();
        let store = Arc::clone(auth.password_store());
        let mailer = self.mailer.clone();
        let profiles = Arc::clone(&self.profiles);
        let ttl = self.config.reset_ttl_secs;
        let link_base = self.link_base.clone();
        Ok(tokio::spawn(async move {
            let Some(account) = account else {
                tracing::info!("password reset asked for an address without a local account");
                return;
            };
            let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
            let grant = ResetGrant {
                email: normalise_email(&account.email),
                expires_at: Utc::now() + chrono::Duration::seconds(ttl as i64),
            };
            if let Err(err) = store.put_reset(&digest(&token), &grant).await {
                tracing::warn!(error = %err, "password reset not stored; no mail sent");
                return;
            }
            let (name, language) = match profiles.profile(&account.contact_id).await {
                Ok(Some(p)) => (p.name, p.preferences.language.unwrap_or(Language::En)),
                Ok(None) => (String::new(), Language::En),
                Err(err) => {
                    tracing::warn!(error = %err, "profile unreadable; the reset mail goes out in English");
                    (String::new(), Language::En)
                }
            };
            let link = format!("{link_base}/reset-password#token={token}");
            let minutes = (ttl / 60).max(1).to_string();
            let (subject, body) = Template::PasswordReset.render(
                language,
                &[("name", &name), ("link", &link), ("minutes", &minutes)],
            );
            tracing::info!(contact = %account.contact_id, "password reset mail queued");
            let sent = mailer.send_later(Mail {
                to: account.email.clone(),
                subject,
                body,
            });
            if let Err(err) = sent.await {
                tracing::warn!(error = %err, "mail task failed");
            }
        }))
    }

    /// Sets a new password with a reset token: the token works once and only until it
    /// expires; every session of the contact ends.
    pub async fn reset(&self, auth: &AuthService, token: &str, new: &str) -> ApiResult<()> {
        let invalid = || {
            ApiError::Validation(vec![FieldError::new(
                "token",
                "This link has expired or has been used. Ask for a new one.",
            )])
        };
        let well_formed = token.len() == 43
            && URL_SAFE_NO_PAD
                .decode(token)
                .is_ok_and(|bytes| bytes.len() == 32);
        if !well_formed {
            return Err(invalid());
        }
        self.check_new("new_password", new, None)?;
        let Some(grant) = auth.password_store().take_reset(&digest(token)).await? else {
            tracing::info!("password reset refused: unknown, used or expired token");
            return Err(invalid());
        };
        let Some(account) = auth.local_account(&grant.email).cloned() else {
            return Err(invalid());
        };
        // Refused after the token is spent (a new one is a click away): better than a token
        // that stays usable after a failed attempt.
        self.check_new("new_password", new, Some(&grant.email))?;
        let hash = Self::hash(new).await?;
        auth.password_store()
            .set_password_hash(&grant.email, &hash)
            .await?;
        auth.revoke_contact_sessions(&account.contact_id).await?;
        tracing::info!(contact = %account.contact_id, "password reset; the contact's sessions revoked");
        Ok(())
    }

    pub fn prune(&self) {
        self.per_email.prune();
        self.per_client.prune();
    }
}
