//! Faults injected while the emulator runs: set through `/__emulator/faults` or [`Faults`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// How a full outage looks to a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outage {
    /// New connections are reset at once; open ones are closed.
    Refuse,
    /// New connections are accepted and never answered; open ones are closed.
    Hang,
}

/// Response bodies sent in small, delayed pieces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlowBody {
    pub chunk_bytes: usize,
    pub delay_ms: u64,
}

impl Default for SlowBody {
    fn default() -> Self {
        Self {
            chunk_bytes: 64,
            delay_ms: 50,
        }
    }
}

/// A REST write that commits and then loses its answer: the record is stored, but the client
/// waits `delay_ms` and then gets `503 SERVER_UNAVAILABLE`. With a delay longer than the
/// client's timeout, the client sees a timeout after Salesforce stored the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FailAfterCommit {
    pub delay_ms: u64,
}

/// How id_tokens are signed instead of RS256 with the key published at `/id/keys`, to test that
/// a relying party checks the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdTokenSignature {
    /// RS256 under the published `kid`, by a key the JWKS does not hold.
    UnknownKey,
    /// RS256 by the published key, under a `kid` the JWKS does not list.
    WrongKid,
    /// `alg: none` and no signature.
    None,
    /// HS256 keyed with the client's secret (its id when it has none): an algorithm the
    /// provider does not announce for id_tokens.
    Hs256,
}

/// The faults in force. Every field defaults to "off"; `POST /__emulator/faults` replaces the
/// whole set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Added to every response (admin routes excepted).
    pub latency_ms: u64,
    /// A random extra delay up to this many milliseconds.
    pub jitter_ms: u64,
    /// Share of requests (0.0..=1.0) answered `503 SERVER_UNAVAILABLE`.
    pub error_rate: f64,
    /// Connection-level outage.
    pub outage: Option<Outage>,
    /// REST calls answered `403 REQUEST_LIMIT_EXCEEDED`.
    pub request_limit_exceeded: bool,
    /// Share of REST writes (0.0..=1.0) answered `400 UNABLE_TO_LOCK_ROW`.
    pub unable_to_lock_row_rate: f64,
    /// Stream response bodies in small delayed chunks.
    pub slow_body: Option<SlowBody>,
    /// Response bodies break off after this many bytes: the connection is cut mid-body, as
    /// when an upstream fails during a download.
    pub cut_body_after: Option<usize>,
    /// Only requests whose path starts with this are affected (all when absent).
    pub path_prefix: Option<String>,
    /// Claims replaced in every id_token issued (a wrong `aud`, a past `exp`, another
    /// `nonce`...), to test that a relying party verifies them; `null` removes the claim.
    pub id_token_claims: Option<serde_json::Map<String, serde_json::Value>>,
    /// Claims replaced in every userinfo (and identity URL) answer, e.g. `email_verified:
    /// false`; `null` removes the claim.
    pub userinfo_claims: Option<serde_json::Map<String, serde_json::Value>>,
    /// Every id_token issued is signed this way instead.
    pub id_token_signature: Option<IdTokenSignature>,
    /// REST writes (sObject create, update, upsert, delete; composites that write) commit, then
    /// answer late and with a 503.
    pub fail_after_commit: Option<FailAfterCommit>,
}

impl FaultConfig {
    pub fn applies_to(&self, path: &str) -> bool {
        self.path_prefix
            .as_deref()
            .is_none_or(|prefix| path.starts_with(prefix))
    }
}

/// A handle on the running emulator's faults; cheap to clone.
#[derive(Clone)]
pub struct Faults {
    inner: Arc<Inner>,
}

struct Inner {
    config: RwLock<FaultConfig>,
    outage: watch::Sender<Option<Outage>>,
    token_epoch: AtomicU64,
}

impl Default for Faults {
    fn default() -> Self {
        Self::new()
    }
}

impl Faults {
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                config: RwLock::new(FaultConfig::default()),
                outage: watch::channel(None).0,
                token_epoch: AtomicU64::new(0),
            }),
        }
    }

    /// Replaces the faults in force.
    pub fn set(&self, config: FaultConfig) {
        let outage = config.outage;
        *self.inner.config.write().unwrap_or_else(|e| e.into_inner()) = config;
        self.inner.outage.send_replace(outage);
    }

    /// Changes some faults and keeps the rest.
    pub fn update(&self, change: impl FnOnce(&mut FaultConfig)) {
        let mut config = self.get();
        change(&mut config);
        self.set(config);
    }

    pub fn get(&self) -> FaultConfig {
        self.inner
            .config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Turns every fault off.
    pub fn clear(&self) {
        self.set(FaultConfig::default());
    }

    /// Every access token issued so far becomes invalid (`INVALID_SESSION_ID`); tokens issued
    /// afterwards work, and refresh tokens keep working.
    pub fn expire_tokens(&self) {
        self.inner.token_epoch.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn token_epoch(&self) -> u64 {
        self.inner.token_epoch.load(Ordering::SeqCst)
    }

    pub(crate) fn outage(&self) -> Option<Outage> {
        *self.inner.outage.borrow()
    }

    pub(crate) fn watch_outage(&self) -> watch::Receiver<Option<Outage>> {
        self.inner.outage.subscribe()
    }
}

/// Whether an event with probability `rate` happens this time.
pub(crate) fn roll(rate: f64) -> bool {
    rate > 0.0 && (rate >= 1.0 || rand::random::<f64>() < rate)
}
