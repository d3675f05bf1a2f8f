//! The read path, below the services: how a read reaches its data and how long what it
//! returns may be kept.
//!
//! - [`cache`]: in Salesforce mode the services' port is the cache ([`CachedPort`]) over the
//!   resilient REST adapter: TTLs, one load per cold key, stale-if-error, invalidation on
//!   write, change polls, leases on entries.
//! - [`PageMemo`]: rendered list pages, kept by the account's list version (and, over the
//!   cache, a lease on the entry they came from).
//! - [`ReadPath`]: the one handle the rest of the application holds: it makes page memos,
//!   and scopes a request's work ([`ReadPath::serve`]) so that its Salesforce calls carry the
//!   request id and are taken from its customer's [`CustomerBudget`], and a stale answer is
//!   reported.

pub mod budget;
pub mod budgeted_appointments;
pub mod budgeted_exports;
pub mod budgeted_products;
pub mod cache;
mod page_memo;
mod versions;

use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

pub use budget::CustomerBudget;
pub use budgeted_appointments::BudgetedAppointments;
pub use budgeted_exports::BudgetedExports;
pub use budgeted_products::BudgetedProducts;
pub use cache::CachedPort;
pub use page_memo::PageMemo;

use crate::observability::request_id;
use crate::salesforce::SalesforceId;
use cache::Freshness;
use versions::Versions;

/// The read path as the HTTP layer sees it. Cheap to clone.
#[derive(Clone)]
pub struct ReadPath {
    versions: Arc<Versions>,
}

impl ReadPath {
    /// Over data kept in this process; `version` counts an account's writes.
    pub fn local(version: impl Fn(&SalesforceId) -> u64 + Send + Sync + 'static) -> Self {
        Self {
            versions: Arc::new(Versions::Local(Box::new(version))),
        }
    }

    /// Over a Salesforce org through `cache`.
    pub fn cached(cache: Arc<CachedPort>) -> Self {
        Self {
            versions: Arc::new(Versions::Cached(cache)),
        }
    }

    /// A memo for the rendered pages of one list, keyed by its parsed query `Q`.
    pub fn page_memo<Q: Hash + Eq + Clone + Send + Sync + 'static>(&self) -> PageMemo<Q> {
        PageMemo::new(Arc::clone(&self.versions))
    }

    /// Forgets state that no longer matters (customers' recovered call budgets); run
    /// periodically.
    pub fn prune(&self) {
        self.versions.prune();
    }

    /// Whether the data lives in a service every instance shares (a Salesforce org), rather
    /// than in this process (the mock store).
    pub fn is_remote(&self) -> bool {
        self.versions.is_remote()
    }

    /// One request's `work` over Salesforce: every call it makes sends `request_id` as
    /// `X-Request-Id` and is taken from `customer`'s budget (the session's account; `None`
    /// for a request without a session), and the second value is the age in seconds of the stalest value it was
    /// served (`None`: all fresh). Requests to the mock store need neither (it makes no calls
    /// and serves nothing stale); the API step skips this for them (`is_remote`). Not an
    /// `async fn`, for the reason `request_id::scope` is not.
    pub fn serve<F: Future>(
        &self,
        request_id: Option<String>,
        customer: Option<SalesforceId>,
        work: F,
    ) -> impl Future<Output = (F::Output, Option<u64>)> {
        request_id::scope(
            request_id,
            CustomerBudget::scope(customer, Freshness::track(work)),
        )
    }
}
