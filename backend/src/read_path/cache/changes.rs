//! Keeping entries no longer and no shorter than the org's data allows: per-account
//! generations (a write invalidates the account's entries at once, on every instance), and
//! change polls that vouch for the entries of accounts nothing was written to.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use anyhow::anyhow;

use super::CachedPort;
use super::lease::Ttl;
use crate::clock::unix_millis;
use crate::salesforce::remote::Changes;
use crate::salesforce::{PortError, PortResult, SalesforceId};

/// Overlap between consecutive change polls: covers clock skew between Salesforce and the
/// portal and transactions that commit a moment after their timestamp.
const POLL_OVERLAP: Duration = Duration::from_secs(10);

impl CachedPort {
    /// Whether an entry loaded at `fetched_ms` may answer without a call.
    pub(super) fn is_fresh(&self, fetched_ms: i64, ttl: Ttl) -> bool {
        let now = unix_millis();
        let fresh_ms = i64::try_from(ttl.fresh.as_millis()).unwrap_or(i64::MAX);
        let age = now - fetched_ms;
        if age < fresh_ms {
            return true;
        }
        let covered_from = self.covered_from_ms.load(Ordering::Acquire);
        if !ttl.revalidated || covered_from == 0 || fetched_ms < covered_from {
            return false;
        }
        let max_age = i64::try_from(self.config.revalidated_max_age_secs)
            .unwrap_or(i64::MAX)
            .saturating_mul(1000);
        age < max_age && now - self.validated_ms.load(Ordering::Acquire) < fresh_ms
    }

    /// How long the in-process cache keeps an entry.
    pub(super) fn keep(&self, ttl: Ttl) -> Duration {
        if ttl.revalidated && self.config.change_poll_secs > 0 {
            ttl.fresh
                .max(Duration::from_secs(self.config.revalidated_max_age_secs))
        } else {
            ttl.fresh
        }
    }

    /// Asks Salesforce every `change_poll_secs` what was written since the last successful
    /// poll (with `POLL_OVERLAP`), invalidates those accounts and marks the rest as checked.
    /// A failed poll vouches for nothing: entries then age out by their TTL. Returns when the
    /// adapter cannot tell what changed.
    pub async fn poll_changes(self: Arc<Self>) {
        let every = Duration::from_secs(self.config.change_poll_secs);
        if every.is_zero() {
            return;
        }
        let mut since = chrono::Utc::now() - POLL_OVERLAP;
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let started = chrono::Utc::now();
            let watched = self.watched_accounts();
            match self.inner.changes_since(since, &watched).await {
                Ok(Some(changes)) => {
                    let changed: Vec<SalesforceId> = match changes {
                        Changes::Accounts(accounts) => accounts.into_iter().collect(),
                        Changes::Everything => watched,
                    };
                    for account in &changed {
                        self.invalidate(account).await;
                    }
                    // Only now: a read between the poll's start and here must not count a
                    // changed account's old entry as checked.
                    let _ = self.covered_from_ms.compare_exchange(
                        0,
                        since.timestamp_millis(),
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    );
                    self.validated_ms
                        .store(started.timestamp_millis(), Ordering::Release);
                    since = started - POLL_OVERLAP;
                    self.metrics.change_poll("ok");
                    tracing::debug!(changed = changed.len(), "change poll");
                }
                Ok(None) => {
                    tracing::info!(
                        "the Salesforce adapter cannot report changes; caching by TTL only"
                    );
                    return;
                }
                Err(err) => {
                    self.metrics.change_poll("error");
                    tracing::warn!(
                        error = format!("{err:#}"),
                        "change poll failed; entries age out by TTL"
                    );
                }
            }
        }
    }

    /// The accounts read from within `revalidated_max_age_secs` (older ones are forgotten:
    /// their entries are no longer trusted through polls anyway).
    fn watched_accounts(&self) -> Vec<SalesforceId> {
        let horizon = unix_millis()
            - i64::try_from(self.config.revalidated_max_age_secs)
                .unwrap_or(i64::MAX)
                .saturating_mul(1000);
        let mut watched = self.watched.write().unwrap_or_else(|p| p.into_inner());
        watched.retain(|_, read| *read.get_mut() >= horizon);
        watched.keys().cloned().collect()
    }

    /// Notes that the account is being read, so change polls ask about it.
    pub(super) fn watch(&self, account: &SalesforceId) {
        if self.config.change_poll_secs > 0 {
            let now = unix_millis();
            // Every read passes here: an account already watched is refreshed in place (when
            // its time is a second old: polls ask about minutes), only a new one takes the
            // write lock, and the id is cloned only then.
            if let Some(read) = self
                .watched
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(account)
            {
                if now - read.load(Ordering::Relaxed) >= 1000 {
                    read.store(now, Ordering::Relaxed);
                }
                return;
            }
            self.watched
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .entry(account.clone())
                .or_insert_with(|| AtomicI64::new(now))
                .store(now, Ordering::Relaxed);
        }
    }

    pub(super) fn local_generation(&self, account: &SalesforceId) -> u64 {
        self.generations
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(account)
            .copied()
            .unwrap_or(0)
    }

    /// The account's generation, part of every key of its data. Also notes that the account
    /// is being read, so change polls ask about it.
    pub(super) async fn generation(&self, account: &SalesforceId) -> PortResult<u64> {
        self.watch(account);
        if let Some(redis) = &self.redis {
            let key = redis.key(&["cache-gen", account.as_str()]);
            let generation: Option<u64> = redis::AsyncCommands::get(&mut redis.connection(), &key)
                .await
                .map_err(|e| {
                    PortError::Unavailable(anyhow!("reading the cache generation from Redis: {e}"))
                })?;
            return Ok(generation.unwrap_or(0));
        }
        Ok(self.local_generation(account))
    }

    /// Forgets everything cached for the account, on every instance: its lists show a new
    /// case at once.
    pub(super) async fn invalidate(&self, account: &SalesforceId) {
        *self
            .generations
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .entry(account.clone())
            .or_insert(0) += 1;
        if let Some(redis) = &self.redis {
            let key = redis.key(&["cache-gen", account.as_str()]);
            let bumped: Result<u64, _> =
                redis::AsyncCommands::incr(&mut redis.connection(), &key, 1u64).await;
            if let Err(err) = bumped {
                // The case exists; other instances may show it only after their TTL.
                tracing::warn!(error = %err, account = %account, "could not invalidate the shared cache");
            }
        }
    }
}
