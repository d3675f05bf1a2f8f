//! A read-through cache in front of Salesforce.
//!
//! - Each resource has its own freshness TTL; a fresh entry answers without a call.
//! - Concurrent misses for one key make one call: `moka`'s `try_get_with` runs one loader and
//!   hands its result to every waiter.
//! - Stale-if-error: entries are kept past their TTL, up to `max_stale_secs`; when Salesforce
//!   fails (or the circuit or the API budget guard refuses a read), the last good value is
//!   served and the response is marked stale ([`Freshness`]). With nothing to serve, the
//!   error stands (503 with Retry-After).
//! - Writes invalidate: a customer's new case bumps the account's generation, which is part of
//!   every key of that account, so its lists are reloaded at once.
//! - Change polls ([`CachedPort::poll_changes`]): every `change_poll_secs` one call asks
//!   Salesforce which accounts had cases or shared files written since the last poll; those are
//!   invalidated, and every other account's entries count as checked at the poll, fresh for
//!   another TTL (up to `revalidated_max_age_secs`, which bounds what a poll cannot see:
//!   deleted records). A TTL then bounds staleness without reloading data that did not change.
//! - What is derived from a read (a rendered page) may be kept exactly as long as the read
//!   itself would be served: [`Sources`] tells the deriving code which entry it was built from,
//!   as a [`Lease`], and [`SalesforcePort::lease_fresh`] whether that entry is still fresh.
//!   Without Redis the account's generation is [`SalesforcePort::list_version`]; with Redis the
//!   generation lives in Redis (another instance may bump it), so nothing is kept.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use async_trait::async_trait;
use moka::Expiry;
use moka::future::Cache;
use serde::{Deserialize, Serialize};

use super::{
    Account, CaseQuery, CaseRecord, Changes, Contact, ContentStream, Diagnostic, DocumentQuery,
    DocumentRecord, Landing, NewCase, PortError, PortResult, SalesforceId, SalesforcePort,
    UpsertOutcome,
};
use crate::clock::unix_millis;
use crate::domain::paging::Page;
use crate::services::metrics::Metrics;
use crate::shared_state::redis::Redis;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// Freshness of accounts and contacts (names rarely change).
    pub accounts_ttl_secs: u64,
    /// Freshness of case lists and cases.
    pub cases_ttl_secs: u64,
    /// Freshness of document lists and documents.
    pub documents_ttl_secs: u64,
    /// How old a value may be when it is served because Salesforce failed.
    pub max_stale_secs: u64,
    /// Most entries kept.
    pub max_entries: u64,
    /// How often to ask Salesforce what changed (0: never; entries then expire by TTL alone).
    pub change_poll_secs: u64,
    /// The longest an entry is trusted through change polls, since it was loaded.
    pub revalidated_max_age_secs: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            accounts_ttl_secs: 600,
            cases_ttl_secs: 60,
            documents_ttl_secs: 300,
            max_stale_secs: 3600,
            max_entries: 100_000,
            change_poll_secs: 30,
            revalidated_max_age_secs: 900,
        }
    }
}

tokio::task_local! {
    /// Set for the span of one request by the HTTP layer: the age in seconds of the oldest
    /// stale value served, so the response can say the data may be out of date.
    static STALE_AGE: Cell<Option<u64>>;
}

tokio::task_local! {
    /// Set by the page memo around the rendering of one page: the entries it was built from.
    static SOURCES: Cell<Sources>;
}

/// Which cache entry a read was answered from (its resource, when it was fetched, its TTL):
/// what is derived from the read may be used while the entry itself would be served fresh.
#[derive(Clone, Copy)]
pub struct Lease {
    resource: &'static str,
    fetched_ms: i64,
    ttl: Ttl,
}

/// What a piece of work (rendering one page) was served from, as far as the cache can tell.
#[derive(Clone, Copy, Default)]
pub enum Sources {
    /// No cache entry: the adapter answered itself (the mock store).
    #[default]
    Uncached,
    /// One cache entry, fresh when it was served.
    Entry(Lease),
    /// Stale data, or several entries: not to be kept.
    Mixed,
}

impl Sources {
    /// Runs `f` and returns its output with what it was served from.
    pub async fn track<F: Future>(f: F) -> (F::Output, Sources) {
        SOURCES
            .scope(Cell::new(Sources::Uncached), async move {
                let out = f.await;
                (out, SOURCES.with(Cell::get))
            })
            .await
    }

    fn note(lease: Lease) {
        let _ = SOURCES.try_with(|cell| {
            cell.set(match cell.get() {
                Sources::Uncached => Sources::Entry(lease),
                _ => Sources::Mixed,
            });
        });
    }

    fn spoil() {
        let _ = SOURCES.try_with(|cell| cell.set(Sources::Mixed));
    }
}

/// Tracks whether a request was answered from stale data.
pub struct Freshness;

impl Freshness {
    /// Runs `f` and returns its output with the age of the stalest value it was served.
    pub async fn track<F: Future>(f: F) -> (F::Output, Option<u64>) {
        STALE_AGE
            .scope(Cell::new(None), async move {
                let out = f.await;
                (out, STALE_AGE.with(Cell::get))
            })
            .await
    }

    fn mark(age: Duration) {
        let _ = STALE_AGE.try_with(|cell| {
            let age = age.as_secs();
            cell.set(Some(cell.get().map_or(age, |a| a.max(age))));
        });
    }
}

#[derive(Clone, Serialize, Deserialize)]
enum Value {
    Account(Option<Account>),
    Contact(Option<Contact>),
    Cases(Page<CaseRecord>),
    Case(Option<CaseRecord>),
    Documents(Page<DocumentRecord>),
    Document(Option<DocumentRecord>),
    Landing(Landing),
}

#[derive(Clone)]
struct Entry {
    value: Value,
    fetched: Instant,
    /// Unix milliseconds, for comparing with change polls.
    fetched_ms: i64,
    /// How long the in-process cache keeps it: its TTL, or longer when change polls may keep
    /// it fresh (freshness itself is judged on every read).
    keep: Duration,
}

/// How a read may be answered from the cache.
#[derive(Clone, Copy)]
struct Ttl {
    fresh: Duration,
    /// An account's data (cases, documents): change polls can keep it fresh past `fresh`.
    revalidated: bool,
}

impl Ttl {
    fn plain(secs: u64) -> Self {
        Self {
            fresh: Duration::from_secs(secs),
            revalidated: false,
        }
    }

    fn of_account(secs: u64) -> Self {
        Self {
            fresh: Duration::from_secs(secs),
            revalidated: true,
        }
    }
}

/// Overlap between consecutive change polls: covers clock skew between Salesforce and the
/// portal and transactions that commit a moment after their timestamp.
const POLL_OVERLAP: Duration = Duration::from_secs(10);

/// An entry as stored in Redis: the value and when it was fetched (Unix milliseconds), so
/// every instance judges its freshness the same way.
#[derive(Serialize, Deserialize)]
struct SharedEntry {
    value: Value,
    fetched_ms: i64,
}

impl SharedEntry {
    fn age(&self) -> Duration {
        Duration::from_millis(u64::try_from(unix_millis() - self.fetched_ms).unwrap_or(0))
    }
}

struct FreshFor;

impl Expiry<String, Arc<Entry>> for FreshFor {
    fn expire_after_create(
        &self,
        _: &String,
        entry: &Arc<Entry>,
        _: std::time::Instant,
    ) -> Option<Duration> {
        Some(entry.keep)
    }

    fn expire_after_update(
        &self,
        _: &String,
        entry: &Arc<Entry>,
        _: std::time::Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.keep)
    }
}

pub struct CachedPort {
    inner: Arc<dyn SalesforcePort>,
    config: CacheConfig,
    /// Entries within their TTL.
    fresh: Cache<String, Arc<Entry>>,
    /// The last good value of every key, kept for `max_stale_secs` to serve when Salesforce fails.
    last_good: Cache<String, Arc<Entry>>,
    /// Per-account generations, in process; with Redis, in Redis, so that a write on one
    /// instance invalidates the account's entries on every instance.
    /// Read by every list request (readers do not wait for each other), written by writes.
    generations: RwLock<HashMap<SalesforceId, u64>>,
    redis: Option<Redis>,
    metrics: Arc<Metrics>,
    /// Accounts read from recently (when, Unix ms): what change polls ask about. Every read
    /// notes its account; the time is kept to the second, so that most reads only look.
    watched: RwLock<HashMap<SalesforceId, AtomicI64>>,
    /// Start of the last successful change poll (Unix ms; 0: none yet).
    validated_ms: AtomicI64,
    /// Changes are known from this moment on (the first poll's start of window; 0: none yet):
    /// only entries loaded after it can be vouched for by a poll.
    covered_from_ms: AtomicI64,
}

impl CachedPort {
    pub fn new(
        inner: Arc<dyn SalesforcePort>,
        config: CacheConfig,
        metrics: Arc<Metrics>,
        redis: Option<Redis>,
    ) -> Self {
        let fresh = Cache::builder()
            .max_capacity(config.max_entries)
            .expire_after(FreshFor)
            .build();
        let last_good = Cache::builder()
            .max_capacity(config.max_entries)
            .time_to_live(Duration::from_secs(config.max_stale_secs))
            .build();
        Self {
            inner,
            config,
            fresh,
            last_good,
            generations: RwLock::new(HashMap::new()),
            redis,
            metrics,
            watched: RwLock::new(HashMap::new()),
            validated_ms: AtomicI64::new(0),
            covered_from_ms: AtomicI64::new(0),
        }
    }

    /// Whether an entry loaded at `fetched_ms` may answer without a call.
    fn is_fresh(&self, fetched_ms: i64, ttl: Ttl) -> bool {
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
    fn keep(&self, ttl: Ttl) -> Duration {
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
    fn watch(&self, account: &SalesforceId) {
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

    fn local_generation(&self, account: &SalesforceId) -> u64 {
        self.generations
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(account)
            .copied()
            .unwrap_or(0)
    }

    /// The account's generation, part of every key of its data. Also notes that the account
    /// is being read, so change polls ask about it.
    async fn generation(&self, account: &SalesforceId) -> PortResult<u64> {
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
    async fn invalidate(&self, account: &SalesforceId) {
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

    async fn read<T>(
        &self,
        resource: &'static str,
        key: String,
        ttl: Ttl,
        load: impl Future<Output = PortResult<T>> + Send,
        wrap: fn(T) -> Value,
        unwrap: fn(&Value) -> Option<T>,
    ) -> PortResult<T> {
        match &self.redis {
            Some(redis) => {
                self.read_shared(redis, resource, key, ttl, load, wrap, unwrap)
                    .await
            }
            None => {
                self.read_local(resource, key, ttl, load, wrap, unwrap)
                    .await
            }
        }
    }

    async fn read_local<T>(
        &self,
        resource: &'static str,
        key: String,
        ttl: Ttl,
        load: impl Future<Output = PortResult<T>> + Send,
        wrap: fn(T) -> Value,
        unwrap: fn(&Value) -> Option<T>,
    ) -> PortResult<T> {
        // An entry answers the read: counted as a hit or a miss, and noted as the read's source.
        let answer = |entry: &Entry, result: &'static str| {
            self.metrics.cache_lookup(resource, result);
            Sources::note(Lease {
                resource,
                fetched_ms: entry.fetched_ms,
                ttl,
            });
            unwrap(&entry.value).ok_or_else(|| {
                PortError::Internal(anyhow!("cache entry {resource} has another type"))
            })
        };
        if let Some(entry) = self.fresh.get(&key).await {
            if self.is_fresh(entry.fetched_ms, ttl) {
                return answer(&entry, "hit");
            }
            // Kept for a poll that did not vouch for it (failed, or too long ago): reload.
            self.fresh.invalidate(&key).await;
        }
        let keep = self.keep(ttl);
        let loaded = self
            .fresh
            .try_get_with(key.clone(), async move {
                load.await.map(|value| {
                    Arc::new(Entry {
                        value: wrap(value),
                        fetched: Instant::now(),
                        fetched_ms: unix_millis(),
                        keep,
                    })
                })
            })
            .await;
        match loaded {
            Ok(entry) => {
                self.last_good.insert(key, Arc::clone(&entry)).await;
                answer(&entry, "miss")
            }
            Err(err) => {
                let last = self.last_good.get(&key).await;
                let last = last.as_ref().map(|e| (e.fetched.elapsed(), &e.value));
                self.fall_back(resource, &err, last).and_then(|value| {
                    unwrap(value).ok_or_else(|| {
                        PortError::Internal(anyhow!("cache entry {resource} has another type"))
                    })
                })
            }
        }
    }

    /// A load failed: when Salesforce was unavailable and the last good value (its age, its
    /// value) is young enough, serve it marked stale; otherwise pass the error on.
    fn fall_back<'v>(
        &self,
        resource: &'static str,
        err: &PortError,
        last: Option<(Duration, &'v Value)>,
    ) -> PortResult<&'v Value> {
        match err {
            PortError::Unavailable(cause) => match last {
                Some((age, value)) if age <= Duration::from_secs(self.config.max_stale_secs) => {
                    self.metrics.cache_lookup(resource, "stale");
                    Sources::spoil();
                    tracing::warn!(
                        resource,
                        age_secs = age.as_secs(),
                        error = format!("{cause:#}"),
                        "serving stale data"
                    );
                    Freshness::mark(age);
                    Ok(value)
                }
                _ => Err(PortError::Unavailable(anyhow!("{cause:#}"))),
            },
            PortError::Internal(cause) => Err(PortError::Internal(anyhow!("{cause:#}"))),
        }
    }

    /// The Redis-backed path: entries live in Redis (shared by every instance, kept for
    /// `max_stale_secs`, fresh for the resource's TTL); concurrent misses on this instance still
    /// share one load through the local cache, which then holds only what is in flight.
    #[allow(clippy::too_many_arguments, reason = "the same shape as read_local")]
    async fn read_shared<T>(
        &self,
        redis: &Redis,
        resource: &'static str,
        key: String,
        ttl: Ttl,
        load: impl Future<Output = PortResult<T>> + Send,
        wrap: fn(T) -> Value,
        unwrap: fn(&Value) -> Option<T>,
    ) -> PortResult<T> {
        use redis::AsyncCommands;
        let unwrap_value = |value: &Value| {
            unwrap(value).ok_or_else(|| {
                PortError::Internal(anyhow!("cache entry {resource} has another type"))
            })
        };
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
            return unwrap_value(&entry.value);
        }
        // Only coalescing here: the local entry lives a moment, Redis keeps the value.
        let loaded = self
            .fresh
            .try_get_with(key.clone(), async move {
                load.await.map(|value| {
                    Arc::new(Entry {
                        value: wrap(value),
                        fetched: Instant::now(),
                        fetched_ms: unix_millis(),
                        keep: Duration::from_secs(1).min(ttl.fresh),
                    })
                })
            })
            .await;
        match loaded {
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
                unwrap_value(&entry.value)
            }
            Err(err) => {
                let last = stored.as_ref().map(|e| (e.age(), &e.value));
                self.fall_back(resource, &err, last).and_then(unwrap_value)
            }
        }
    }
}

#[async_trait]
impl SalesforcePort for CachedPort {
    async fn account(&self, id: &SalesforceId) -> PortResult<Option<Account>> {
        let key = format!("account:{id}");
        self.read(
            "account",
            key,
            Ttl::plain(self.config.accounts_ttl_secs),
            self.inner.account(id),
            Value::Account,
            |v| match v {
                Value::Account(a) => Some(a.clone()),
                _ => None,
            },
        )
        .await
    }

    async fn contact(&self, id: &SalesforceId) -> PortResult<Option<Contact>> {
        let key = format!("contact:{id}");
        self.read(
            "contact",
            key,
            Ttl::plain(self.config.accounts_ttl_secs),
            self.inner.contact(id),
            Value::Contact,
            |v| match v {
                Value::Contact(c) => Some(c.clone()),
                _ => None,
            },
        )
        .await
    }

    async fn contacts_by_sign_in(&self, email: &str) -> PortResult<Vec<Contact>> {
        // Sign-in must see the org as it is now.
        self.inner.contacts_by_sign_in(email).await
    }

    async fn query_cases(
        &self,
        account: &SalesforceId,
        query: &CaseQuery,
    ) -> PortResult<Page<CaseRecord>> {
        if *query == CaseQuery::landing() {
            return self.landing(account).await.map(|landing| landing.cases);
        }
        let key = format!(
            "cases:{account}:{}:{:?}:{:?}:{}:{:?}:{}",
            self.generation(account).await?,
            query.status,
            query.search,
            query.sort.spelling(),
            query.after,
            query.limit
        );
        self.read(
            "cases",
            key,
            Ttl::of_account(self.config.cases_ttl_secs),
            self.inner.query_cases(account, query),
            Value::Cases,
            |v| match v {
                Value::Cases(p) => Some(p.clone()),
                _ => None,
            },
        )
        .await
    }

    async fn case(
        &self,
        account: &SalesforceId,
        id: &SalesforceId,
    ) -> PortResult<Option<CaseRecord>> {
        let key = format!("case:{account}:{}:{id}", self.generation(account).await?);
        self.read(
            "case",
            key,
            Ttl::of_account(self.config.cases_ttl_secs),
            self.inner.case(account, id),
            Value::Case,
            |v| match v {
                Value::Case(c) => Some(c.clone()),
                _ => None,
            },
        )
        .await
    }

    async fn upsert_case(&self, case: NewCase) -> PortResult<UpsertOutcome> {
        let account = case.account_id.clone();
        let outcome = self.inner.upsert_case(case).await;
        if outcome.is_ok() {
            self.invalidate(&account).await;
        }
        outcome
    }

    async fn query_documents(
        &self,
        account: &SalesforceId,
        query: &DocumentQuery,
    ) -> PortResult<Page<DocumentRecord>> {
        if *query == DocumentQuery::landing() {
            return self.landing(account).await.map(|landing| landing.documents);
        }
        let key = format!(
            "documents:{account}:{}:{:?}:{}:{:?}:{}",
            self.generation(account).await?,
            query.search,
            query.sort.spelling(),
            query.after,
            query.limit
        );
        self.read(
            "documents",
            key,
            Ttl::of_account(self.config.documents_ttl_secs),
            self.inner.query_documents(account, query),
            Value::Documents,
            |v| match v {
                Value::Documents(p) => Some(p.clone()),
                _ => None,
            },
        )
        .await
    }

    async fn document(
        &self,
        account: &SalesforceId,
        id: &SalesforceId,
    ) -> PortResult<Option<DocumentRecord>> {
        let key = format!(
            "document:{account}:{}:{id}",
            self.generation(account).await?
        );
        self.read(
            "document",
            key,
            Ttl::of_account(self.config.documents_ttl_secs),
            self.inner.document(account, id),
            Value::Document,
            |v| match v {
                Value::Document(d) => Some(d.clone()),
                _ => None,
            },
        )
        .await
    }

    /// A visit's first views (cases and documents) share one entry, loaded by one call: the
    /// customer who looks at their cases usually looks at their documents next.
    async fn landing(&self, account: &SalesforceId) -> PortResult<Landing> {
        let key = format!("landing:{account}:{}", self.generation(account).await?);
        self.read(
            "landing",
            key,
            Ttl::of_account(
                self.config
                    .cases_ttl_secs
                    .min(self.config.documents_ttl_secs),
            ),
            self.inner.landing(account),
            Value::Landing,
            |v| match v {
                Value::Landing(l) => Some(l.clone()),
                _ => None,
            },
        )
        .await
    }

    async fn version_data(&self, version_id: &SalesforceId) -> PortResult<ContentStream> {
        self.inner.version_data(version_id).await
    }

    async fn check_ready(&self) -> PortResult<()> {
        self.inner.check_ready().await
    }

    fn api_usage(&self) -> Option<(u64, u64)> {
        self.inner.api_usage()
    }

    /// The account's generation, without Redis: every write through this portal and every
    /// change a poll finds bumps it. With Redis, another instance may bump the shared one at
    /// any moment, so there is no version to keep pages by. Reading it counts as reading the
    /// account, for change polls.
    fn list_version(&self, account: &SalesforceId) -> Option<u64> {
        if self.redis.is_some() {
            return None;
        }
        self.watch(account);
        Some(self.local_generation(account))
    }

    /// The same rule as a read of the entry itself; a fresh lease counts as a cache hit.
    fn lease_fresh(&self, lease: &Lease) -> bool {
        let fresh = self.is_fresh(lease.fetched_ms, lease.ttl);
        if fresh {
            self.metrics.cache_lookup(lease.resource, "hit");
        }
        fresh
    }

    fn is_remote(&self) -> bool {
        self.inner.is_remote()
    }

    fn diagnostics(&self) -> Vec<Diagnostic> {
        let kind = if self.redis.is_some() {
            "memory+redis-invalidation"
        } else {
            "memory"
        };
        let mut out = vec![Diagnostic {
            name: "cache",
            state: kind.to_owned(),
            failing: false,
        }];
        out.extend(self.inner.diagnostics());
        out
    }
}
