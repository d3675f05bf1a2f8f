//! A read-through cache in front of Salesforce: the port as the services see it in Salesforce
//! mode ([`CachedPort`], over the resilient REST adapter).
//!
//! - Each resource has its own freshness TTL; a fresh entry answers without a call.
//! - Concurrent misses for one key make one call: `moka`'s `try_get_with` runs one loader and
//!   hands its result to every waiter (`reads.rs`).
//! - Stale-if-error: entries are kept past their TTL, up to `max_stale_secs`; when Salesforce
//!   fails (or the circuit or the API budget guard refuses a read), the last good value is
//!   served and the response is marked stale ([`Freshness`]). With nothing to serve, the
//!   error stands (503 with Retry-After).
//! - Writes invalidate: a customer's new case bumps the account's generation, which is part of
//!   every key of that account, so its lists are reloaded at once (`changes.rs`).
//! - Change polls ([`CachedPort::poll_changes`]): every `change_poll_secs` one call asks
//!   Salesforce which accounts had cases or shared files written since the last poll; those are
//!   invalidated, and every other account's entries count as checked at the poll, fresh for
//!   another TTL (up to `revalidated_max_age_secs`, which bounds what a poll cannot see:
//!   deleted records). A TTL then bounds staleness without reloading data that did not change.
//! - What is derived from a read (a rendered page) may be kept exactly as long as the read
//!   itself would be served: [`Sources`] tells the deriving code which entry it was built from,
//!   as a [`Lease`], and [`CachedPort::lease_fresh`] whether that entry is still fresh.
//!   Without Redis the account's generation is [`CachedPort::list_version`]; with Redis the
//!   generation lives in Redis (another instance may bump it), so nothing is kept.

mod changes;
mod entry;
mod freshness;
mod lease;
mod reads;

use std::collections::HashMap;
use std::sync::atomic::AtomicI64;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use moka::future::Cache;

pub use freshness::Freshness;
pub use lease::{Lease, Sources};

use entry::{Entry, KeepFor, Lookup};
use lease::Ttl;

use super::budget::CustomerBudget;
use crate::config::CacheConfig;
use crate::domain::paging::Page;
use crate::observability::health::{Diagnostic, Probe};
use crate::observability::metrics::Metrics;
use crate::salesforce::remote::{Landing, RemoteOrg};
use crate::salesforce::{
    Account, AttachmentOutcome, AttachmentRecord, CaseQuery, CaseRecord, CaseScope,
    CaseStatusWrite, CommentOutcome, CommentRecord, Contact, ContentStream, DocumentQuery,
    DocumentRecord, DocumentScope, NewAttachment, NewCaseRecord, NewCommentRecord, PortResult,
    SalesforceId, SalesforcePort, UpsertOutcome,
};
use crate::shared_state::Redis;

pub struct CachedPort {
    inner: Arc<dyn RemoteOrg>,
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
    /// Each customer's budget of Salesforce calls: taken before every call a customer's
    /// request causes (a miss, a file).
    budget: Arc<CustomerBudget>,
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
        inner: Arc<dyn RemoteOrg>,
        config: CacheConfig,
        metrics: Arc<Metrics>,
        redis: Option<Redis>,
        budget: Arc<CustomerBudget>,
    ) -> Self {
        let fresh = Cache::builder()
            .max_capacity(config.max_entries)
            .expire_after(KeepFor)
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
            budget,
            watched: RwLock::new(HashMap::new()),
            validated_ms: AtomicI64::new(0),
            covered_from_ms: AtomicI64::new(0),
        }
    }

    /// One read of the account's data: the account's generation is part of its key, so a
    /// write to the account makes every earlier key of it unreachable.
    async fn account_read(
        &self,
        resource: &'static str,
        account: &SalesforceId,
        read: &str,
        ttl_secs: u64,
    ) -> PortResult<Lookup> {
        let generation = self.generation(account).await?;
        Ok(Lookup {
            resource,
            key: format!("{resource}:{account}:{generation}:{read}"),
            ttl: Ttl::of_account(ttl_secs),
        })
    }

    /// One read of a record that belongs to no account's lists (an account, a contact).
    fn record_read(&self, resource: &'static str, id: &SalesforceId) -> Lookup {
        Lookup {
            resource,
            key: format!("{resource}:{id}"),
            ttl: Ttl::plain(self.config.accounts_ttl_secs),
        }
    }

    /// A visit's first views (cases and documents) share one entry, loaded by one call: the
    /// customer who looks at their cases usually looks at their documents next. Per contact
    /// (decision 031): a member's cases and everyone's own files are theirs alone.
    async fn landing(&self, cases: &CaseScope, documents: &DocumentScope) -> PortResult<Landing> {
        let ttl = (self.config.cases_ttl_secs).min(self.config.documents_ttl_secs);
        let read = format!("{}:{}", cases.key(), documents.contact);
        let lookup = self
            .account_read("landing", &documents.account, &read, ttl)
            .await?;
        self.read(lookup, self.inner.landing(cases, documents))
            .await
    }

    /// The account's generation, without Redis: every write through this portal and every
    /// change a poll finds bumps it. With Redis, another instance may bump the shared one at
    /// any moment, so there is no version to keep pages by. Reading it counts as reading the
    /// account, for change polls.
    pub fn list_version(&self, account: &SalesforceId) -> Option<u64> {
        if self.redis.is_some() {
            return None;
        }
        self.watch(account);
        Some(self.local_generation(account))
    }

    /// Forgets customers whose call budget has fully recovered; run periodically.
    pub fn prune(&self) {
        self.budget.prune();
    }

    /// Whether what was derived from a cached read may still be used: the same rule as a read
    /// of the entry itself. A fresh lease counts as a cache hit.
    pub fn lease_fresh(&self, lease: &Lease) -> bool {
        let fresh = self.is_fresh(lease.fetched_ms, lease.ttl);
        if fresh {
            self.metrics.cache_lookup(lease.resource, "hit");
        }
        fresh
    }
}

#[async_trait]
impl SalesforcePort for CachedPort {
    async fn account(&self, id: &SalesforceId) -> PortResult<Option<Account>> {
        let lookup = self.record_read("account", id);
        self.read(lookup, self.inner.account(id)).await
    }

    async fn contact(&self, id: &SalesforceId) -> PortResult<Option<Contact>> {
        let lookup = self.record_read("contact", id);
        self.read(lookup, self.inner.contact(id)).await
    }

    async fn contacts_by_sign_in(&self, email: &str) -> PortResult<Vec<Contact>> {
        // Sign-in must see the org as it is now.
        self.inner.contacts_by_sign_in(email).await
    }

    async fn query_cases(
        &self,
        scope: &CaseScope,
        query: &CaseQuery,
    ) -> PortResult<Page<CaseRecord>> {
        let account = scope.account();
        if *query == CaseQuery::landing()
            && let Some(contact) = scope.contact()
        {
            let documents = DocumentScope {
                account: account.clone(),
                contact: contact.clone(),
                manager: matches!(scope, CaseScope::Company { .. }),
            };
            // A manager's `scope=mine` page is not what their visit shows first.
            if documents.landing_cases() == *scope {
                return self
                    .landing(scope, &documents)
                    .await
                    .map(|landing| landing.cases);
            }
        }
        // The scope first: a member's entries are never a manager's, nor another member's.
        let read = format!(
            "{}:{:?}:{:?}:{:?}:{}:{:?}:{}",
            scope.key(),
            query.status,
            query.awaiting,
            query.search,
            query.sort.spelling(),
            query.after,
            query.limit
        );
        let ttl = self.config.cases_ttl_secs;
        let lookup = self.account_read("cases", account, &read, ttl).await?;
        let load = self.inner.query_cases(scope, query);
        self.read(lookup, load).await
    }

    async fn case(&self, scope: &CaseScope, id: &SalesforceId) -> PortResult<Option<CaseRecord>> {
        let ttl = self.config.cases_ttl_secs;
        let read = format!("{}:{id}", scope.key());
        let lookup = self
            .account_read("case", scope.account(), &read, ttl)
            .await?;
        self.read(lookup, self.inner.case(scope, id)).await
    }

    async fn upsert_case(&self, case: NewCaseRecord) -> PortResult<UpsertOutcome> {
        let account = case.account_id.clone();
        let outcome = self.inner.upsert_case(case).await;
        if outcome.is_ok() {
            self.invalidate(&account).await;
        }
        outcome
    }

    /// Invalidates the account whatever the outcome: a write whose answer was lost may have
    /// changed the case all the same, and its lists and detail must not show the old status.
    async fn update_case_status(&self, write: CaseStatusWrite) -> PortResult<Option<CaseRecord>> {
        let account = write.account_id.clone();
        let outcome = self.inner.update_case_status(write).await;
        self.invalidate(&account).await;
        outcome
    }

    async fn query_documents(
        &self,
        scope: &DocumentScope,
        query: &DocumentQuery,
    ) -> PortResult<Page<DocumentRecord>> {
        if *query == DocumentQuery::landing() {
            return self
                .landing(&scope.landing_cases(), scope)
                .await
                .map(|landing| landing.documents);
        }
        let account = &scope.account;
        // The contact first: their own files are theirs alone.
        let read = format!(
            "{}:{:?}:{}:{:?}:{}",
            scope.contact,
            query.search,
            query.sort.spelling(),
            query.after,
            query.limit
        );
        let ttl = self.config.documents_ttl_secs;
        let lookup = self.account_read("documents", account, &read, ttl).await?;
        let load = self.inner.query_documents(scope, query);
        self.read(lookup, load).await
    }

    async fn document(
        &self,
        scope: &DocumentScope,
        id: &SalesforceId,
    ) -> PortResult<Option<DocumentRecord>> {
        let ttl = self.config.documents_ttl_secs;
        let read = format!("{}:{id}", scope.contact);
        let lookup = self
            .account_read("document", &scope.account, &read, ttl)
            .await?;
        self.read(lookup, self.inner.document(scope, id)).await
    }

    /// Files are not cached: every download is a call, taken from the customer's budget.
    async fn version_data(&self, version_id: &SalesforceId) -> PortResult<ContentStream> {
        self.budget.take().await?;
        self.inner.version_data(version_id).await
    }

    /// A case's files, with the documents' TTL; keyed by the account's generation, which an
    /// upload bumps.
    async fn query_attachments(
        &self,
        account: &SalesforceId,
        case: &SalesforceId,
        query: &DocumentQuery,
    ) -> PortResult<Page<AttachmentRecord>> {
        let read = format!(
            "{case}:{:?}:{}:{:?}:{}",
            query.search,
            query.sort.spelling(),
            query.after,
            query.limit
        );
        let ttl = self.config.documents_ttl_secs;
        let mut lookup = self
            .account_read("attachments", account, &read, ttl)
            .await?;
        // Change polls see the files linked to accounts, not those linked to cases: a case's
        // files are fresh for their TTL only (an upload through the portal still bumps the
        // account's generation).
        lookup.ttl = Ttl::plain(ttl);
        let load = self.inner.query_attachments(account, case, query);
        self.read(lookup, load).await
    }

    async fn attachment(
        &self,
        account: &SalesforceId,
        case: &SalesforceId,
        id: &SalesforceId,
    ) -> PortResult<Option<AttachmentRecord>> {
        let ttl = self.config.documents_ttl_secs;
        let mut lookup = self
            .account_read("attachment", account, &format!("{case}:{id}"), ttl)
            .await?;
        lookup.ttl = Ttl::plain(ttl);
        self.read(lookup, self.inner.attachment(account, case, id))
            .await
    }

    async fn upload_attachment(&self, upload: NewAttachment) -> PortResult<AttachmentOutcome> {
        let account = upload.account_id.clone();
        let outcome = self.inner.upload_attachment(upload).await;
        if outcome.is_ok() {
            self.invalidate(&account).await;
        }
        outcome
    }

    /// A case's conversation is one entry, under the account's generation: the customer's
    /// own reply bumps it (below), an agent's comment reaches it through the change polls
    /// (a new CaseComment touches its Case's `SystemModstamp`).
    async fn case_comments(
        &self,
        account: &SalesforceId,
        case_id: &SalesforceId,
    ) -> PortResult<Vec<CommentRecord>> {
        let ttl = self.config.cases_ttl_secs;
        let lookup = self
            .account_read("comments", account, case_id.as_str(), ttl)
            .await?;
        self.read(lookup, self.inner.case_comments(account, case_id))
            .await
    }

    async fn create_comment(&self, comment: NewCommentRecord) -> PortResult<CommentOutcome> {
        let account = comment.account_id.clone();
        let outcome = self.inner.create_comment(comment).await;
        if outcome.is_ok() {
            self.invalidate(&account).await;
        }
        outcome
    }
}

#[async_trait]
impl Probe for CachedPort {
    async fn check_ready(&self) -> anyhow::Result<()> {
        self.inner.check_ready().await
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
