//! One cached read: in process, or in Redis shared by every instance; one load per cold key;
//! the last good value served, marked stale, when Salesforce fails.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;

use super::CachedPort;
use super::entry::{Cacheable, Entry, Lookup, SharedEntry, Value};
use super::freshness::Freshness;
use super::lease::{Lease, Sources};
use crate::salesforce::{PortError, PortResult};
use crate::shared_state::Redis;

impl CachedPort {
    /// Answers `lookup` from the cache, or from `load` (once for concurrent misses).
    pub(super) async fn read<T: Cacheable>(
        &self,
        lookup: Lookup,
        load: impl Future<Output = PortResult<T>> + Send,
    ) -> PortResult<T> {
        match &self.redis {
            Some(redis) => self.read_shared(redis, lookup, load).await,
            None => self.read_local(lookup, load).await,
        }
    }

    async fn read_local<T: Cacheable>(
        &self,
        Lookup { resource, key, ttl }: Lookup,
        load: impl Future<Output = PortResult<T>> + Send,
    ) -> PortResult<T> {
        // An entry answers the read: counted as a hit or a miss, and noted as the read's source.
        let answer = |entry: &Entry, result: &'static str| {
            self.metrics.cache_lookup(resource, result);
            Sources::note(Lease {
                resource,
                fetched_ms: entry.fetched_ms,
                ttl,
            });
            unwrap(resource, &entry.value)
        };
        if let Some(entry) = self.fresh.get(&key).await {
            if self.is_fresh(entry.fetched_ms, ttl) {
                return answer(&entry, "hit");
            }
            // Kept for a poll that did not vouch for it (failed, or too long ago): reload.
            self.fresh.invalidate(&key).await;
        }
        if let Err(spent) = self.budget.take().await {
            let last = self.last_good.get(&key).await;
            let last = last.as_ref().map(|e| (e.fetched.elapsed(), &e.value));
            return self
                .fall_back(resource, &spent, last)
                .and_then(|value| unwrap(resource, value));
        }
        let keep = self.keep(ttl);
        match self.load_once(&key, keep, load).await {
            Ok(entry) => {
                self.last_good.insert(key, Arc::clone(&entry)).await;
                answer(&entry, "miss")
            }
            Err(err) => {
                let last = self.last_good.get(&key).await;
                let last = last.as_ref().map(|e| (e.fetched.elapsed(), &e.value));
                self.fall_back(resource, &err, last)
                    .and_then(|value| unwrap(resource, value))
            }
        }
    }

    /// The Redis-backed path: entries live in Redis (shared by every instance, kept for
    /// `max_stale_secs`, fresh for the resource's TTL); concurrent misses on this instance still
    /// share one load through the local cache, which then holds only what is in flight.
    async fn read_shared<T: Cacheable>(
        &self,
        redis: &Redis,
        Lookup { resource, key, ttl }: Lookup,
        load: impl Future<Output = PortResult<T>> + Send,
    ) -> PortResult<T> {
        use redis::AsyncCommands;
        // Another instance may replace or invalidate what Redis holds at any moment: nothing
        // derived from it is kept in this process.
        Sources::spoil();
        let redis_key = redis.key(&["cache", &key]);
        let stored: Option<String> =
            redis.connection().get(&redis_key).await.map_err(|e| {
                PortError::Unavailable(anyhow!("reading the cache from Redis: {e}"))
            })?;
        let stored: Option<SharedEntry> = stored.and_then(|json| serde_json::from_str(&json).ok());
        if let Some(entry) = stored.as_ref().filter(|e| self.is_fresh(e.fetched_ms, ttl)) {
            self.metrics.cache_lookup(resource, "hit");
            return unwrap(resource, &entry.value);
        }
        if let Err(spent) = self.budget.take().await {
            let last = stored.as_ref().map(|e| (e.age(), &e.value));
            return self
                .fall_back(resource, &spent, last)
                .and_then(|value| unwrap(resource, value));
        }
        // Only coalescing here: the local entry lives a moment, Redis keeps the value.
        let keep = Duration::from_secs(1).min(ttl.fresh);
        match self.load_once(&key, keep, load).await {
            Ok(entry) => {
                self.metrics.cache_lookup(resource, "miss");
                let shared = SharedEntry {
                    value: entry.value.clone(),
                    fetched_ms: entry.fetched_ms,
                };
                if let Ok(json) = serde_json::to_string(&shared) {
                    let keep_ms = self.config.max_stale_secs.saturating_mul(1000).max(1);
                    let saved: Result<(), _> =
                        redis.connection().pset_ex(&redis_key, json, keep_ms).await;
                    if let Err(err) = saved {
                        tracing::warn!(error = %err, "could not store a cache entry in Redis");
                    }
                }
                unwrap(resource, &entry.value)
            }
            Err(err) => {
                let last = stored.as_ref().map(|e| (e.age(), &e.value));
                self.fall_back(resource, &err, last)
                    .and_then(|value| unwrap(resource, value))
            }
        }
    }

    /// Loads the value of `key` into the in-process cache, kept for `keep`: concurrent misses
    /// of one key wait for the one load (moka's `try_get_with`) and share its result.
    async fn load_once<T: Cacheable>(
        &self,
        key: &str,
        keep: Duration,
        load: impl Future<Output = PortResult<T>> + Send,
    ) -> Result<Arc<Entry>, Arc<PortError>> {
        self.fresh
            .try_get_with(key.to_owned(), async move {
                load.await.map(|value| Entry::new(value.wrap(), keep))
            })
            .await
    }

    /// A load failed or was not made: when Salesforce was unavailable, or the customer's call
    /// budget is spent, and the last good value (its age, its value) is young enough, serve it
    /// marked stale; otherwise pass the error on.
    fn fall_back<'v>(
        &self,
        resource: &'static str,
        err: &PortError,
        last: Option<(Duration, &'v Value)>,
    ) -> PortResult<&'v Value> {
        let (cause, again) = match err {
            PortError::Unavailable(cause) => (
                format!("{cause:#}"),
                PortError::Unavailable(anyhow!("{cause:#}")),
            ),
            PortError::BudgetSpent { retry_after_secs } => (
                err.to_string(),
                PortError::BudgetSpent {
                    retry_after_secs: *retry_after_secs,
                },
            ),
            PortError::Internal(cause) => return Err(PortError::Internal(anyhow!("{cause:#}"))),
        };
        match last {
            Some((age, value)) if age <= Duration::from_secs(self.config.max_stale_secs) => {
                self.metrics.cache_lookup(resource, "stale");
                Sources::spoil();
                tracing::warn!(
                    resource,
                    age_secs = age.as_secs(),
                    error = cause,
                    "serving stale data"
                );
                Freshness::mark(age);
                Ok(value)
            }
            _ => Err(again),
        }
    }
}

fn unwrap<T: Cacheable>(resource: &str, value: &Value) -> PortResult<T> {
    T::unwrap(value)
        .ok_or_else(|| PortError::Internal(anyhow!("cache entry {resource} has another type")))
}
