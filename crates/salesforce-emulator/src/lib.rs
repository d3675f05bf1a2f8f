//! A Salesforce emulator that speaks Salesforce's wire protocol: OAuth 2.0 and OpenID Connect,
//! the REST API (SOQL query, sObjects, composite, limits) seeded from JSON fixtures, and faults
//! that tests switch on while it runs.
//!
//! ```no_run
//! # async fn demo() -> Result<(), salesforce_emulator::SpawnError> {
//! use salesforce_emulator::{EmulatorConfig, spawn};
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! let emulator = spawn(EmulatorConfig::default(), listener).await?;
//! println!("{}", emulator.base_url);
//! # Ok(()) }
//! ```

mod admin;
mod bulk;
mod composite;
mod config;
mod error;
mod faults;
mod ids;
mod log;
mod middleware;
mod oauth;
mod rest;
mod schema;
mod server;
pub mod soql;
mod soql_like;
mod state;
mod store;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use config::{CasePicklists, EmulatorConfig, OidcClient};
pub use error::{ApiError, ErrorItem};
pub use faults::{FailAfterCommit, FaultConfig, Faults, IdTokenSignature, Outage, SlowBody};
pub use log::{LoggedRequest, RequestLog};

use state::{AppState, Keys, PortalUser, Principal, SharedState, lock};
use store::Store;

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("loading fixtures from {dir}")]
    Fixtures {
        dir: PathBuf,
        #[source]
        source: store::LoadError,
    },
    #[error("reading users file {path}")]
    Users {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("invalid key material: {0}")]
    Key(String),
    #[error("reading the listener's address")]
    Listener(#[source] std::io::Error),
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    /// `http://127.0.0.1:PORT` (or the configured base URL): login URL, issuer and instance URL.
    pub base_url: String,
    pub addr: SocketAddr,
    /// Switch faults on and off while it runs.
    pub faults: Faults,
    /// Read (and check) the records it holds.
    pub records: Records,
    /// Every request it answered.
    pub requests: RequestLog,
    state: SharedState,
    shutdown: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl Emulator {
    /// API calls counted so far (the `used` of `Sforce-Limit-Info`).
    pub fn api_usage(&self) -> u64 {
        self.state.usage()
    }

    /// The JWKS document served at `/id/keys`.
    pub fn jwks(&self) -> Value {
        json!({"keys": [self.state.keys.jwk]})
    }

    /// The org id (18 characters).
    pub fn org_id(&self) -> &str {
        &self.state.org_id
    }

    /// Stops accepting connections, drops the open ones and waits for the server task.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Read access to the emulated org's records, shaped as the REST API returns them.
#[derive(Clone)]
pub struct Records {
    state: SharedState,
}

impl Records {
    /// Every record of `sobject` (e.g. `"Case"`); None for an unknown object.
    pub fn all(&self, sobject: &str) -> Option<Vec<Value>> {
        let store = lock(&self.state.store);
        Some(
            store
                .all(sobject, "v62.0")?
                .iter()
                .map(store::Out::to_value)
                .collect(),
        )
    }

    pub fn get(&self, sobject: &str, id: &str) -> Option<Value> {
        let store = lock(&self.state.store);
        let object = store.object(sobject)?;
        let record = store.get(object.name, id)?;
        Some(store.full_record(object, record, "v62.0").to_value())
    }

    pub fn count(&self, sobject: &str) -> usize {
        self.all(sobject).map_or(0, |v| v.len())
    }

    /// Creates a record as someone working in the org would (an agent, another integration):
    /// the same checks, defaults and derived fields as a REST create. Returns its id.
    pub fn create(&self, sobject: &str, fields: &Value) -> Result<String, String> {
        let mut store = lock(&self.state.store);
        store
            .create(sobject, fields)
            .map(|(id, _)| id)
            .map_err(|e| {
                e.errors
                    .iter()
                    .map(|item| item.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
    }

    /// Creates a record as the user `user_id` (an agent writing a case comment), who becomes
    /// its `CreatedById`.
    pub fn create_by(
        &self,
        user_id: &str,
        sobject: &str,
        fields: &Value,
    ) -> Result<String, String> {
        let mut store = lock(&self.state.store);
        store
            .create_by(user_id, sobject, fields)
            .map(|(id, _)| id)
            .map_err(|e| {
                e.errors
                    .iter()
                    .map(|item| item.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
    }

    /// Changes a record as someone working in the org would (an agent closing a case, a file
    /// renamed): the same checks and derived fields as a REST update, stamped now.
    pub fn update(&self, sobject: &str, id: &str, fields: &Value) -> Result<(), String> {
        let mut store = lock(&self.state.store);
        store.update(sobject, id, fields).map(|_| ()).map_err(|e| {
            e.errors
                .iter()
                .map(|item| item.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

#[derive(Deserialize)]
struct UserFileEntry {
    email: String,
    /// The Salesforce username (`preferred_username`); the email when absent.
    #[serde(default)]
    username: Option<String>,
    password_hash: String,
    contact_id: String,
    account_id: String,
    /// The `portal_role` claim the provider sends for this user (decision 031), if any.
    #[serde(default)]
    portal_role: Option<String>,
}

fn load_users(path: &Path, store: &Store) -> Result<Vec<PortalUser>, SpawnError> {
    let err = |source: Box<dyn std::error::Error + Send + Sync>| SpawnError::Users {
        path: path.to_path_buf(),
        source,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.into()))?;
    let entries: Vec<UserFileEntry> = serde_json::from_str(&text).map_err(|e| err(e.into()))?;
    Ok(entries
        .into_iter()
        .map(|e| {
            let contact = store.get("Contact", &e.contact_id);
            let text = |k: &str| {
                contact
                    .and_then(|c| c.get(k))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let (given, family) = (text("FirstName"), text("LastName"));
            let name = match text("Name") {
                n if n.is_empty() => e.email.clone(),
                n => n,
            };
            PortalUser {
                principal: Principal {
                    user_id: ids::derived("005", &e.contact_id),
                    username: e.username.unwrap_or_else(|| e.email.clone()),
                    email: e.email,
                    name,
                    given_name: given,
                    family_name: family,
                    contact_id: Some(e.contact_id),
                    account_id: Some(e.account_id),
                    user_type: "CSP_LITE_PORTAL",
                    portal_role: e.portal_role,
                },
                password_hash: e.password_hash,
            }
        })
        .collect())
}

fn signing_key(pem: Option<&str>) -> Result<RsaPrivateKey, SpawnError> {
    match pem {
        Some(pem) => RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|e| SpawnError::Key(format!("signing key: {e}"))),
        None => RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
            .map_err(|e| SpawnError::Key(format!("generating the signing key: {e}"))),
    }
}

fn keys(private: &RsaPrivateKey) -> Result<Keys, SpawnError> {
    let der = private
        .to_pkcs1_der()
        .map_err(|e| SpawnError::Key(e.to_string()))?;
    let public = private.to_public_key();
    let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
    let kid = hex(&Sha256::digest(n.as_bytes())[..6]);
    Ok(Keys {
        encoding: EncodingKey::from_rsa_der(der.as_bytes()),
        jwk: json!({"kty": "RSA", "n": n, "e": e, "alg": "RS256", "use": "sig", "kid": kid}),
        kid,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key that checks JWT bearer assertions, from a certificate or a public key PEM.
fn verification_key(pem: &str) -> Result<DecodingKey, SpawnError> {
    let public = if pem.contains("BEGIN CERTIFICATE") {
        use x509_cert::der::{DecodePem, Encode};
        let cert = x509_cert::Certificate::from_pem(pem.as_bytes())
            .map_err(|e| SpawnError::Key(format!("certificate: {e}")))?;
        let spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| SpawnError::Key(format!("certificate: {e}")))?;
        RsaPublicKey::from_public_key_der(&spki)
            .map_err(|e| SpawnError::Key(format!("certificate key is not RSA: {e}")))?
    } else if pem.contains("BEGIN RSA PUBLIC KEY") {
        RsaPublicKey::from_pkcs1_pem(pem)
            .map_err(|e| SpawnError::Key(format!("public key: {e}")))?
    } else {
        RsaPublicKey::from_public_key_pem(pem)
            .map_err(|e| SpawnError::Key(format!("public key: {e}")))?
    };
    // Round-trip through DER so that a malformed key fails here, not at the first assertion.
    let _ = public
        .to_public_key_der()
        .map_err(|e| SpawnError::Key(e.to_string()))?;
    Ok(DecodingKey::from_rsa_raw_components(
        &public.n().to_bytes_be(),
        &public.e().to_bytes_be(),
    ))
}

/// Starts the emulator on `listener` and returns once it accepts connections.
pub async fn spawn(config: EmulatorConfig, listener: TcpListener) -> Result<Emulator, SpawnError> {
    let addr = listener.local_addr().map_err(SpawnError::Listener)?;
    let base_url = config
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"))
        .trim_end_matches('/')
        .to_owned();
    let mut store = Store::load(&config.fixtures_dir).map_err(|source| SpawnError::Fixtures {
        dir: config.fixtures_dir.clone(),
        source,
    })?;
    store.add_case_picklist_values(&config.case_picklists);
    let users = match &config.users_file {
        Some(path) => load_users(path, &store)?,
        None => Vec::new(),
    };
    let pem = config.signing_key_pem.clone();
    let private = tokio::task::spawn_blocking(move || signing_key(pem.as_deref()))
        .await
        .map_err(|e| SpawnError::Key(e.to_string()))??;
    let keys = keys(&private)?;
    let jwt_key = config
        .jwt_verification_pem
        .as_deref()
        .map(verification_key)
        .transpose()?;
    let org_id = ids::normalise(&config.org_id).ok_or_else(|| {
        SpawnError::Key(format!("org id {:?} is not a Salesforce id", config.org_id))
    })?;
    let integration_user = Principal {
        user_id: ids::derived("005", &config.integration_username),
        username: config.integration_username.clone(),
        email: config.integration_username.clone(),
        name: "Integration User".into(),
        given_name: "Integration".into(),
        family_name: "User".into(),
        contact_id: None,
        account_id: None,
        user_type: "STANDARD",
        portal_role: None,
    };
    store.set_current_user(
        &integration_user.user_id,
        &integration_user.given_name,
        &integration_user.family_name,
    );
    let faults = Faults::new();
    let log = RequestLog::default();
    let state = Arc::new(AppState {
        config,
        base_url: base_url.clone(),
        org_id,
        store: Mutex::new(store),
        auth: Mutex::default(),
        cursors: Mutex::default(),
        bulk: Mutex::default(),
        faults: faults.clone(),
        log: log.clone(),
        usage: AtomicU64::new(0),
        keys,
        jwt_key,
        integration_user,
        users,
        started: chrono::Utc::now(),
    });
    let app = server::router(state.clone());
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(server::serve(
        listener,
        app,
        faults.clone(),
        shutdown.clone(),
    ));
    Ok(Emulator {
        base_url,
        addr,
        faults,
        records: Records {
            state: state.clone(),
        },
        requests: log,
        state,
        shutdown,
        task: Some(task),
    })
}
