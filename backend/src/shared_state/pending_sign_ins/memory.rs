//! [`PendingSignIns`] in this process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use async_trait::async_trait;

use super::{PENDING_TTL, PendingSignIn, PendingSignIns};
use crate::shared_state::error::StoreResult;

/// [`PendingSignIns`] in this process: correct for a single instance.
#[derive(Default)]
pub struct InMemoryPendingSignIns {
    pending: Mutex<HashMap<String, (PendingSignIn, Instant)>>,
}

#[async_trait]
impl PendingSignIns for InMemoryPendingSignIns {
    async fn put(&self, state: &str, pending: PendingSignIn) -> StoreResult<()> {
        let mut map = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, (_, started)| started.elapsed() < PENDING_TTL);
        map.insert(state.to_owned(), (pending, Instant::now()));
        Ok(())
    }

    async fn take(&self, state: &str) -> StoreResult<Option<PendingSignIn>> {
        let taken = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(state);
        Ok(taken
            .filter(|(_, started)| started.elapsed() < PENDING_TTL)
            .map(|(pending, _)| pending))
    }
}
