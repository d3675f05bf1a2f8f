//! `Idempotency-Key` handling for case creation.
//!
//! The first request with a key claims it; a second one while the first runs gets 409, one after
//! it gets the same response again (or 422 if its body differs). Records live for a day, in the
//! shared state ([`IdempotencyStore`]). Duplicates are also prevented one layer down: the case is
//! created by upsert on an external id derived from the key, so even after a restart, when these
//! records are gone, a retry returns the case it already made.

use std::sync::Arc;

use crate::salesforce::CaseRecord;
use crate::shared_state::StoreResult;
use crate::shared_state::idempotency::{Fingerprint, IdempotencyStore, Started};

pub enum Begin {
    /// The key is ours: do the work, then complete the claim.
    Proceed(Claim),
    /// Done before with the same body: answer with this case again.
    Replay(Box<CaseRecord>),
    InFlight,
    Mismatch,
}

/// Claims `key` in `store`; a successful claim is released again unless completed.
pub async fn begin(
    store: &Arc<dyn IdempotencyStore>,
    key: String,
    fingerprint: Fingerprint,
) -> StoreResult<Begin> {
    Ok(match store.begin(&key, fingerprint).await? {
        Started::Claimed { token } => Begin::Proceed(Claim {
            store: Arc::clone(store),
            key,
            fingerprint,
            token,
            done: false,
        }),
        Started::Replay(case) => Begin::Replay(case),
        Started::InFlight => Begin::InFlight,
        Started::Mismatch => Begin::Mismatch,
    })
}

/// A claimed key. Dropped without [`Claim::complete`] (an error, or the client went away) it
/// frees the key, so the retry is free to run; the upsert keeps that retry from duplicating.
pub struct Claim {
    store: Arc<dyn IdempotencyStore>,
    key: String,
    fingerprint: Fingerprint,
    token: String,
    done: bool,
}

impl Claim {
    pub async fn complete(mut self, case: &CaseRecord) -> StoreResult<()> {
        let result = self.store.complete(&self.key, self.fingerprint, case).await;
        // Completed or not, the case exists: a retry replays it (from the record, or from the
        // upsert on the external id once the claim is released or expired).
        self.done = result.is_ok();
        result
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if !self.done {
            self.store.release(&self.key, self.fingerprint, &self.token);
        }
    }
}
