//! Shared state behind every handler.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use jsonwebtoken::{DecodingKey, EncodingKey};

use crate::config::{EmulatorConfig, OidcClient};
use crate::faults::Faults;
use crate::log::RequestLog;
use crate::rest::Cursors;
use crate::store::Store;

/// A Salesforce user the emulator can issue tokens for.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub username: String,
    pub email: String,
    pub name: String,
    pub given_name: String,
    pub family_name: String,
    pub contact_id: Option<String>,
    pub account_id: Option<String>,
    pub user_type: &'static str,
    /// The `portal_role` claim, when the users file gives one.
    pub portal_role: Option<String>,
}

/// A sign-in from the users file.
#[derive(Debug, Clone)]
pub struct PortalUser {
    pub principal: Principal,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub principal: Principal,
    pub expires: Instant,
    pub epoch: u64,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub principal: Principal,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub expires: Instant,
}

#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub client_id: String,
    pub principal: Principal,
    pub scope: String,
}

#[derive(Default)]
pub struct AuthState {
    pub tokens: HashMap<String, Session>,
    pub codes: HashMap<String, AuthCode>,
    pub refresh: HashMap<String, RefreshGrant>,
}

pub struct Keys {
    pub encoding: EncodingKey,
    pub kid: String,
    pub jwk: serde_json::Value,
}

pub struct AppState {
    pub config: EmulatorConfig,
    pub base_url: String,
    pub org_id: String,
    pub store: Mutex<Store>,
    pub auth: Mutex<AuthState>,
    pub cursors: Mutex<Cursors>,
    pub bulk: Mutex<crate::bulk::BulkJobs>,
    pub faults: Faults,
    pub log: RequestLog,
    pub usage: AtomicU64,
    pub keys: Keys,
    pub jwt_key: Option<DecodingKey>,
    pub integration_user: Principal,
    pub users: Vec<PortalUser>,
    pub started: DateTime<Utc>,
}

pub type SharedState = Arc<AppState>;

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl AppState {
    pub fn client(&self, client_id: &str) -> Option<&OidcClient> {
        self.config
            .oidc_clients
            .iter()
            .find(|c| c.client_id == client_id)
    }

    pub fn identity_url(&self, user_id: &str) -> String {
        format!("{}/id/{}/{}", self.base_url, self.org_id, user_id)
    }

    /// The session behind an `Authorization: Bearer` header, if it is still valid.
    pub fn session(&self, headers: &HeaderMap) -> Option<Session> {
        let value = headers.get("authorization")?.to_str().ok()?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("OAuth "))?
            .trim();
        let auth = lock(&self.auth);
        let session = auth.tokens.get(token)?;
        if session.expires <= Instant::now() || session.epoch < self.faults.token_epoch() {
            return None;
        }
        Some(session.clone())
    }

    pub fn usage(&self) -> u64 {
        self.usage.load(Ordering::SeqCst)
    }

    pub fn limit_info(&self) -> String {
        format!("api-usage={}/{}", self.usage(), self.config.api_limit)
    }
}
