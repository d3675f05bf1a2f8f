//! [`PendingSignIns`] in this process.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{Admission, PENDING_TTL, PendingLimits, PendingSignIn, PendingSignIns};
use crate::shared_state::error::StoreResult;

/// [`PendingSignIns`] in this process: correct for a single instance.
pub struct InMemoryPendingSignIns {
    limits: PendingLimits,
    ttl: Duration,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    by_state: HashMap<String, Entry>,
    /// Every entry of `by_state` by its start (and a sequence number, to keep equal instants
    /// apart): expired ones are dropped from the front, so no put scans them all.
    by_start: BTreeMap<(Instant, u64), String>,
    per_client: HashMap<String, u32>,
    sequence: u64,
}

struct Entry {
    pending: PendingSignIn,
    started: (Instant, u64),
}

impl InMemoryPendingSignIns {
    pub fn new(limits: PendingLimits) -> Self {
        Self::with_ttl(limits, PENDING_TTL)
    }

    fn with_ttl(limits: PendingLimits, ttl: Duration) -> Self {
        Self {
            limits,
            ttl,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Inner {
    fn expire(&mut self, now: Instant, ttl: Duration) {
        while let Some(entry) = self.by_start.first_entry() {
            if now.duration_since(entry.key().0) < ttl {
                break;
            }
            let state = entry.remove();
            self.remove(&state);
        }
    }

    fn remove(&mut self, state: &str) -> Option<Entry> {
        let entry = self.by_state.remove(state)?;
        self.by_start.remove(&entry.started);
        if let Some(count) = self.per_client.get_mut(&entry.pending.client) {
            *count -= 1;
            if *count == 0 {
                self.per_client.remove(&entry.pending.client);
            }
        }
        Some(entry)
    }
}

#[async_trait]
impl PendingSignIns for InMemoryPendingSignIns {
    async fn put(&self, state: &str, pending: PendingSignIn) -> StoreResult<Admission> {
        let now = Instant::now();
        let mut inner = self.lock();
        inner.expire(now, self.ttl);
        if inner.per_client.get(&pending.client).copied().unwrap_or(0) >= self.limits.per_client {
            return Ok(Admission::ClientFull);
        }
        if inner.by_state.len() >= usize::try_from(self.limits.total).unwrap_or(usize::MAX) {
            return Ok(Admission::Full);
        }
        // States are random; should one repeat, the old entry goes, so the counts stay true.
        inner.remove(state);
        inner.sequence += 1;
        let started = (now, inner.sequence);
        *inner.per_client.entry(pending.client.clone()).or_default() += 1;
        inner.by_start.insert(started, state.to_owned());
        inner
            .by_state
            .insert(state.to_owned(), Entry { pending, started });
        Ok(Admission::Kept)
    }

    async fn take(&self, state: &str) -> StoreResult<Option<PendingSignIn>> {
        let mut inner = self.lock();
        inner.expire(Instant::now(), self.ttl);
        Ok(inner.remove(state).map(|entry| entry.pending))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(client: &str) -> PendingSignIn {
        PendingSignIn {
            nonce: "n".into(),
            verifier: "v".into(),
            return_to: "/".into(),
            client: client.into(),
        }
    }

    const LIMITS: PendingLimits = PendingLimits {
        per_client: 2,
        total: 3,
    };

    #[tokio::test]
    async fn each_client_and_the_whole_store_are_bounded_and_taking_frees_a_slot() {
        let store = InMemoryPendingSignIns::new(LIMITS);
        assert_eq!(
            store.put("a1", pending("a")).await.unwrap(),
            Admission::Kept
        );
        assert_eq!(
            store.put("a2", pending("a")).await.unwrap(),
            Admission::Kept
        );
        assert_eq!(
            store.put("a3", pending("a")).await.unwrap(),
            Admission::ClientFull
        );
        assert_eq!(
            store.put("b1", pending("b")).await.unwrap(),
            Admission::Kept
        );
        assert_eq!(
            store.put("c1", pending("c")).await.unwrap(),
            Admission::Full
        );
        // What was kept is still there: a flood never pushes out a started sign-in.
        assert!(store.take("a1").await.unwrap().is_some());
        assert!(store.take("a3").await.unwrap().is_none());
        assert_eq!(
            store.put("c1", pending("c")).await.unwrap(),
            Admission::Kept
        );
        assert_eq!(
            store.put("a3", pending("a")).await.unwrap(),
            Admission::Full
        );
        let inner = store.lock();
        assert_eq!(inner.by_state.len(), 3);
        assert_eq!(inner.by_start.len(), 3);
        assert_eq!(inner.per_client.values().sum::<u32>(), 3);
    }

    #[tokio::test]
    async fn expired_sign_ins_free_their_slots_and_cannot_be_taken() {
        let store = InMemoryPendingSignIns::with_ttl(LIMITS, Duration::ZERO);
        assert_eq!(
            store.put("a1", pending("a")).await.unwrap(),
            Admission::Kept
        );
        assert!(store.take("a1").await.unwrap().is_none());
        for n in 0..10 {
            let state = format!("a{n}");
            assert_eq!(
                store.put(&state, pending("a")).await.unwrap(),
                Admission::Kept
            );
        }
        let inner = store.lock();
        assert_eq!(inner.by_state.len(), 1, "only the newest, not yet swept");
        assert_eq!(inner.by_start.len(), 1);
        assert_eq!(inner.per_client["a"], 1);
    }
}
