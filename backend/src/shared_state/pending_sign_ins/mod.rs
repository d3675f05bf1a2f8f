//! OpenID Connect sign-ins started and not yet called back (state, nonce, PKCE verifier):
//! in this process ([`memory::InMemoryPendingSignIns`]) or in Redis ([`redis::RedisPendingSignIns`]).

pub mod memory;
pub mod redis;

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::error::StoreResult;

/// How long a started sign-in may take at the provider.
pub const PENDING_TTL: Duration = Duration::from_secs(10 * 60);

/// A started sign-in, kept server-side under its state until the callback.
#[derive(Serialize, Deserialize)]
pub struct PendingSignIn {
    pub nonce: String,
    /// The PKCE code verifier.
    pub verifier: String,
    /// Where the browser goes after signing in.
    pub return_to: String,
}

/// Pending sign-ins, wherever they are kept: each lives [`PENDING_TTL`] and is taken once.
#[async_trait]
pub trait PendingSignIns: Send + Sync {
    async fn put(&self, state: &str, pending: PendingSignIn) -> StoreResult<()>;

    /// Removes and returns the sign-in started with `state`, unless it expired. Atomic: of two
    /// callbacks with the same state (on any instances), at most one gets it.
    async fn take(&self, state: &str) -> StoreResult<Option<PendingSignIn>>;
}
