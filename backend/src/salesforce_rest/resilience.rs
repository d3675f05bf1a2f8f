//! Calls to Salesforce that survive Salesforce's bad days: a timeout on every call, retries
//! only where repeating is safe (reads, and creates by external-id upsert) with exponential
//! backoff and full jitter bounded in count and time, a circuit breaker that fails fast while
//! Salesforce is down and probes it before trusting it again, and an API budget guard that
//! stops optional reads before the portal can exhaust the org's daily allocation.
//!
//! It wraps the REST adapter (any [`RemoteOrg`]); the cache sits in front of it, so reads
//! refused here are served from cache (marked stale) when there is something to serve.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rand::Rng;

use crate::config::ResilienceConfig;
use crate::domain::paging::Page;
use crate::observability::health::{Diagnostic, Probe};
use crate::observability::metrics::Metrics;
use crate::salesforce::remote::{Changes, Landing, RemoteOrg};
use crate::salesforce::{
    Account, AttachmentOutcome, AttachmentRecord, CaseQuery, CaseRecord, CaseScope,
    CaseStatusWrite, CommentOutcome, CommentRecord, Contact, ContentStream, DocumentQuery,
    DocumentRecord, DocumentScope, NewAttachment, NewCaseRecord, NewCommentRecord, PortError,
    PortResult, SalesforceId, SalesforcePort, UpsertOutcome,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    Closed,
    Open,
    HalfOpen,
}

impl CircuitState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }

    /// For the metrics gauge: 0 closed, 1 half-open, 2 open.
    pub fn level(self) -> i64 {
        match self {
            Self::Closed => 0,
            Self::HalfOpen => 1,
            Self::Open => 2,
        }
    }
}

enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// One probe is out; it decides. A probe that never reports (its caller went away) is
    /// replaced after `stale_after`.
    HalfOpen {
        probe_started: Instant,
    },
}

/// A circuit breaker for one Salesforce org.
pub struct Breaker {
    state: Mutex<State>,
    threshold: u32,
    open_for: Duration,
    stale_probe: Duration,
}

impl Breaker {
    pub fn new(threshold: u32, open_for: Duration, stale_probe: Duration) -> Self {
        Self {
            state: Mutex::new(State::Closed { failures: 0 }),
            threshold: threshold.max(1),
            open_for,
            stale_probe,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// May a call go out now? `Err(wait)` while the circuit is open.
    pub fn admit(&self) -> Result<(), Duration> {
        let mut state = self.lock();
        let now = Instant::now();
        match *state {
            State::Closed { .. } => Ok(()),
            State::Open { until } if now < until => Err(until - now),
            State::Open { .. } => {
                *state = State::HalfOpen { probe_started: now };
                Ok(())
            }
            State::HalfOpen { probe_started }
                if now.duration_since(probe_started) > self.stale_probe =>
            {
                *state = State::HalfOpen { probe_started: now };
                Ok(())
            }
            State::HalfOpen { .. } => Err(self.open_for),
        }
    }

    pub fn success(&self) {
        *self.lock() = State::Closed { failures: 0 };
    }

    pub fn failure(&self) {
        let mut state = self.lock();
        let open = State::Open {
            until: Instant::now() + self.open_for,
        };
        *state = match *state {
            State::Closed { failures } if failures + 1 < self.threshold => State::Closed {
                failures: failures + 1,
            },
            _ => open,
        };
    }

    pub fn state(&self) -> CircuitState {
        match *self.lock() {
            State::Closed { .. } => CircuitState::Closed,
            State::Open { until } if Instant::now() < until => CircuitState::Open,
            State::Open { .. } | State::HalfOpen { .. } => CircuitState::HalfOpen,
        }
    }
}

pub struct ResilientPort {
    inner: Arc<dyn RemoteOrg>,
    config: ResilienceConfig,
    breaker: Breaker,
    metrics: Arc<Metrics>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A read the cache can stand in for: stopped by the budget guard.
    OptionalRead,
    /// A read the request cannot do without (e.g. the file of a download): retried, not budgeted.
    Read,
    /// A write that is safe to repeat (upsert by external id, a status set to a value).
    SafeWrite,
}

impl ResilientPort {
    pub fn new(inner: Arc<dyn RemoteOrg>, config: ResilienceConfig, metrics: Arc<Metrics>) -> Self {
        let breaker = Breaker::new(
            config.breaker_failures,
            Duration::from_secs(config.breaker_open_secs),
            Duration::from_millis(config.call_timeout_ms.saturating_mul(2)),
        );
        Self {
            inner,
            config,
            breaker,
            metrics,
        }
    }

    pub fn circuit(&self) -> CircuitState {
        self.breaker.state()
    }

    fn over_budget(&self) -> bool {
        let Some((used, limit)) = self.inner.api_usage() else {
            return false;
        };
        limit > 0 && (used as f64) >= self.config.api_budget_share * limit as f64
    }

    fn backoff(&self, retry: u32) -> Duration {
        full_jitter(
            self.config.backoff_base_ms,
            self.config.backoff_max_ms,
            retry,
        )
    }

    fn observe(&self, operation: &'static str, outcome: &'static str, took: Duration) {
        self.metrics.salesforce_call(operation, outcome, took);
        self.metrics.circuit_state.set(self.breaker.state().level());
        if let Some((used, limit)) = self.inner.api_usage() {
            self.metrics.set_api_usage(used, limit);
        }
    }

    pub(crate) async fn call<T, F, Fut>(
        &self,
        operation: &'static str,
        kind: Kind,
        attempt: F,
    ) -> PortResult<T>
    where
        F: Fn() -> Fut + Send + Sync,
        Fut: Future<Output = PortResult<T>> + Send,
    {
        if kind == Kind::OptionalRead && self.over_budget() {
            self.observe(operation, "budget_guard", Duration::ZERO);
            return Err(PortError::Unavailable(anyhow!(
                "the org's API allocation is nearly used up; optional reads are paused"
            )));
        }
        let started = Instant::now();
        let budget = Duration::from_millis(self.config.retry_budget_ms);
        let timeout = Duration::from_millis(self.config.call_timeout_ms);
        let mut tries = 0;
        loop {
            if let Err(wait) = self.breaker.admit() {
                self.observe(operation, "circuit_open", Duration::ZERO);
                return Err(PortError::Unavailable(anyhow!(
                    "the Salesforce circuit is open for another {} s",
                    wait.as_secs().max(1)
                )));
            }
            tries += 1;
            let call_started = Instant::now();
            let result = match tokio::time::timeout(timeout, attempt()).await {
                Ok(result) => result,
                Err(_) => Err(PortError::Unavailable(anyhow!(
                    "Salesforce did not answer within {timeout:?}"
                ))),
            };
            let took = call_started.elapsed();
            match result {
                Ok(value) => {
                    self.breaker.success();
                    self.observe(operation, "ok", took);
                    return Ok(value);
                }
                Err(PortError::Unavailable(err)) => {
                    self.breaker.failure();
                    self.observe(operation, "unavailable", took);
                    let wait = self.backoff(tries);
                    if tries >= self.config.max_attempts || started.elapsed() + wait > budget {
                        return Err(PortError::Unavailable(err));
                    }
                    tracing::info!(
                        operation,
                        tries,
                        wait_ms = wait.as_millis() as u64,
                        error = format!("{err:#}"),
                        "retrying a Salesforce call"
                    );
                    tokio::time::sleep(wait).await;
                }
                Err(other) => {
                    // Salesforce answered; the request itself was wrong. The org is healthy.
                    self.breaker.success();
                    self.observe(operation, "error", took);
                    return Err(other);
                }
            }
        }
    }
}

#[async_trait]
impl SalesforcePort for ResilientPort {
    // Accounts and contacts are what sign-in needs: essential, never budget-guarded.
    async fn account(&self, id: &SalesforceId) -> PortResult<Option<Account>> {
        self.call("account", Kind::Read, || self.inner.account(id))
            .await
    }

    async fn contact(&self, id: &SalesforceId) -> PortResult<Option<Contact>> {
        self.call("contact", Kind::Read, || self.inner.contact(id))
            .await
    }

    async fn contacts_by_sign_in(&self, email: &str) -> PortResult<Vec<Contact>> {
        // Sign-in cannot work from a cache of other people's emails: essential.
        self.call("contacts_by_sign_in", Kind::Read, || {
            self.inner.contacts_by_sign_in(email)
        })
        .await
    }

    async fn query_cases(
        &self,
        scope: &CaseScope,
        query: &CaseQuery,
    ) -> PortResult<Page<CaseRecord>> {
        self.call("query_cases", Kind::OptionalRead, || {
            self.inner.query_cases(scope, query)
        })
        .await
    }

    async fn case(&self, scope: &CaseScope, id: &SalesforceId) -> PortResult<Option<CaseRecord>> {
        self.call("case", Kind::OptionalRead, || self.inner.case(scope, id))
            .await
    }

    async fn upsert_case(&self, case: NewCaseRecord) -> PortResult<UpsertOutcome> {
        self.call("upsert_case", Kind::SafeWrite, || {
            self.inner.upsert_case(case.clone())
        })
        .await
    }

    /// Setting a status is idempotent (the same value again changes nothing, `ClosedDate`
    /// included), so a write whose answer was lost is retried like the create.
    async fn update_case_status(&self, write: CaseStatusWrite) -> PortResult<Option<CaseRecord>> {
        self.call("update_case_status", Kind::SafeWrite, || {
            self.inner.update_case_status(write.clone())
        })
        .await
    }

    async fn query_documents(
        &self,
        scope: &DocumentScope,
        query: &DocumentQuery,
    ) -> PortResult<Page<DocumentRecord>> {
        self.call("query_documents", Kind::OptionalRead, || {
            self.inner.query_documents(scope, query)
        })
        .await
    }

    async fn document(
        &self,
        scope: &DocumentScope,
        id: &SalesforceId,
    ) -> PortResult<Option<DocumentRecord>> {
        self.call("document", Kind::OptionalRead, || {
            self.inner.document(scope, id)
        })
        .await
    }

    async fn version_data(&self, version_id: &SalesforceId) -> PortResult<ContentStream> {
        self.call("version_data", Kind::Read, || {
            self.inner.version_data(version_id)
        })
        .await
    }

    async fn query_attachments(
        &self,
        account: &SalesforceId,
        case: &SalesforceId,
        query: &DocumentQuery,
    ) -> PortResult<Page<AttachmentRecord>> {
        self.call("query_attachments", Kind::OptionalRead, || {
            self.inner.query_attachments(account, case, query)
        })
        .await
    }

    async fn attachment(
        &self,
        account: &SalesforceId,
        case: &SalesforceId,
        id: &SalesforceId,
    ) -> PortResult<Option<AttachmentRecord>> {
        self.call("attachment", Kind::OptionalRead, || {
            self.inner.attachment(account, case, id)
        })
        .await
    }

    /// Safe to repeat: the adapter finds an upload already stored under its upload id.
    async fn upload_attachment(&self, upload: NewAttachment) -> PortResult<AttachmentOutcome> {
        self.call("upload_attachment", Kind::SafeWrite, || {
            self.inner.upload_attachment(upload.clone())
        })
        .await
    }

    async fn case_comments(
        &self,
        account: &SalesforceId,
        case_id: &SalesforceId,
    ) -> PortResult<Vec<CommentRecord>> {
        self.call("case_comments", Kind::OptionalRead, || {
            self.inner.case_comments(account, case_id)
        })
        .await
    }

    /// Safe to repeat: the adapter looks for the comment by its marker's reference first.
    async fn create_comment(&self, comment: NewCommentRecord) -> PortResult<CommentOutcome> {
        self.call("create_comment", Kind::SafeWrite, || {
            self.inner.create_comment(comment.clone())
        })
        .await
    }
}

#[async_trait]
impl RemoteOrg for ResilientPort {
    async fn changes_since(
        &self,
        since: DateTime<Utc>,
        watched: &[SalesforceId],
    ) -> PortResult<Option<Changes>> {
        self.call("changes_since", Kind::OptionalRead, || {
            self.inner.changes_since(since, watched)
        })
        .await
    }

    async fn landing(&self, cases: &CaseScope, documents: &DocumentScope) -> PortResult<Landing> {
        self.call("landing", Kind::OptionalRead, || {
            self.inner.landing(cases, documents)
        })
        .await
    }

    fn api_usage(&self) -> Option<(u64, u64)> {
        self.inner.api_usage()
    }
}

#[async_trait]
impl Probe for ResilientPort {
    async fn check_ready(&self) -> anyhow::Result<()> {
        if self.breaker.state() == CircuitState::Open {
            anyhow::bail!("the Salesforce circuit is open");
        }
        self.inner.check_ready().await
    }

    fn diagnostics(&self) -> Vec<Diagnostic> {
        let state = self.breaker.state();
        let mut out = vec![Diagnostic {
            name: "circuit",
            state: state.as_str().to_owned(),
            // Half-open lets a probe through: only open stops every call.
            failing: state == CircuitState::Open,
        }];
        out.extend(self.inner.diagnostics());
        out
    }
}

/// Exponential backoff with full jitter: a wait drawn uniformly from zero to
/// `base * 2^retry`, capped at `max`, so that callers failing together do not retry together.
fn full_jitter(base_ms: u64, max_ms: u64, retry: u32) -> Duration {
    let cap = base_ms.saturating_mul(1u64 << retry.min(20)).min(max_ms);
    Duration::from_millis(rand::rng().random_range(0..=cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_up_to_its_cap_with_full_jitter() {
        for retry in 1..=8 {
            let cap = (20u64 << retry).min(1_000);
            let waits: Vec<u64> = (0..400)
                .map(|_| full_jitter(20, 1_000, retry).as_millis() as u64)
                .collect();
            assert!(
                waits.iter().all(|w| *w <= cap),
                "retry {retry}: above {cap}"
            );
            // Full jitter spreads the waits over the whole range (the chance of 400 draws all
            // in one half is 2^-399).
            assert!(waits.iter().any(|w| *w < cap / 2), "retry {retry}");
            assert!(waits.iter().any(|w| *w > cap / 2), "retry {retry}");
        }
        // A retry count far past the shift's range neither overflows nor passes the cap.
        assert!(full_jitter(20, 1_000, 60) <= Duration::from_millis(1_000));
    }

    #[test]
    fn the_breaker_opens_after_the_threshold_and_lets_one_probe_through() {
        let breaker = Breaker::new(3, Duration::from_millis(50), Duration::from_secs(10));
        for _ in 0..2 {
            breaker.failure();
            assert_eq!(breaker.state(), CircuitState::Closed);
        }
        breaker.failure();
        assert_eq!(breaker.state(), CircuitState::Open);
        assert!(breaker.admit().is_err(), "fails fast while open");
        std::thread::sleep(Duration::from_millis(60));
        assert!(breaker.admit().is_ok(), "one probe after the open period");
        assert!(breaker.admit().is_err(), "only one probe at a time");
        breaker.failure();
        assert_eq!(
            breaker.state(),
            CircuitState::Open,
            "a failed probe reopens"
        );
        std::thread::sleep(Duration::from_millis(60));
        assert!(breaker.admit().is_ok());
        breaker.success();
        assert_eq!(breaker.state(), CircuitState::Closed);
        assert!(breaker.admit().is_ok());
    }

    #[test]
    fn a_success_resets_the_count() {
        let breaker = Breaker::new(2, Duration::from_secs(60), Duration::from_secs(10));
        breaker.failure();
        breaker.success();
        breaker.failure();
        assert_eq!(breaker.state(), CircuitState::Closed);
    }
}
