//! [`RevocationStore`] in this process.

use std::collections::HashMap;
use std::sync::RwLock;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::RevocationStore;
use crate::shared_state::error::StoreResult;

/// [`RevocationStore`] in this process: correct for a single instance.
#[derive(Default)]
pub struct InMemoryRevocations {
    /// Session id -> the Unix time its tokens expire anyway. Read by every signed-in request
    /// (readers do not wait for each other), written by sign-outs.
    revoked: RwLock<HashMap<String, i64>>,
}

#[async_trait]
impl RevocationStore for InMemoryRevocations {
    async fn revoke(&self, session_id: &str, until: DateTime<Utc>) -> StoreResult<()> {
        let mut revoked = self.revoked.write().unwrap_or_else(|p| p.into_inner());
        let now = Utc::now().timestamp();
        revoked.retain(|_, until| *until > now);
        revoked.insert(session_id.to_owned(), until.timestamp());
        Ok(())
    }

    async fn is_revoked(&self, session_id: &str) -> StoreResult<bool> {
        let revoked = self.revoked.read().unwrap_or_else(|p| p.into_inner());
        Ok(revoked.contains_key(session_id))
    }
}
