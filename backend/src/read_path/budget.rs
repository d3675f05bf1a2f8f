//! Per-customer budgets of Salesforce calls, so that one signed-in customer cannot spend the
//! org's daily API allocation (shared by every customer and by the org's own users) by
//! varying query strings or downloading the same file again and again.
//!
//! The API step scopes each signed-in request with its customer (the session's account,
//! [`CustomerBudget::scope`], through `ReadPath::serve`); every Salesforce call the request
//! causes (a cache miss, a download's file) first takes one unit from that customer's GCRA
//! budget (`resilience.customer_calls_per_hour`, `customer_calls_burst`), kept in the shared
//! rate-limit store, so it holds across instances when Redis is configured. A read over budget
//! is served from the cache when there is anything cached (marked stale, as when Salesforce
//! fails), otherwise refused with 429 and `Retry-After`. Work outside a customer's request
//! (sign-in, change polls) is not counted here: sign-in has its own throttles, polls are the
//! portal's own. The mock store makes no calls and has no budget.

use std::future::Future;
use std::sync::Arc;

use crate::observability::metrics::Metrics;
use crate::salesforce::{PortError, PortResult, SalesforceId};
use crate::shared_state::rate_limit::{Decision, RateLimitStore, ceil_secs};

tokio::task_local! {
    /// The customer whose request is running, for the span of that request.
    static CUSTOMER: SalesforceId;
}

/// Every customer's budget of Salesforce calls: one rate-limit policy keyed by account.
pub struct CustomerBudget {
    calls: Arc<dyn RateLimitStore>,
    metrics: Arc<Metrics>,
}

impl CustomerBudget {
    pub fn new(calls: Arc<dyn RateLimitStore>, metrics: Arc<Metrics>) -> Self {
        Self { calls, metrics }
    }

    /// Runs `work` as a request of `customer` (none: not a customer's request, not budgeted).
    pub fn scope<F: Future>(
        customer: Option<SalesforceId>,
        work: F,
    ) -> impl Future<Output = F::Output> {
        match customer {
            Some(customer) => futures::future::Either::Left(CUSTOMER.scope(customer, work)),
            None => futures::future::Either::Right(work),
        }
    }

    /// Takes one call from the budget of the customer whose request is running, before the
    /// call is made. [`PortError::BudgetSpent`] when it is spent; `Unavailable` when the shared
    /// store cannot say (fail closed: the cache may still answer, stale).
    pub async fn take(&self) -> PortResult<()> {
        let Ok(customer) = CUSTOMER.try_with(SalesforceId::clone) else {
            return Ok(());
        };
        let decision =
            self.calls.check(customer.as_str()).await.map_err(|err| {
                PortError::Unavailable(err.0.context("the customer's call budget"))
            })?;
        match decision {
            Decision::Allowed { .. } => Ok(()),
            Decision::Limited { retry_after } => {
                self.metrics.refused("salesforce_customer");
                // Each refused request has its access line (429) already; this is the detail.
                tracing::debug!(
                    customer = %customer,
                    retry_after_secs = ceil_secs(retry_after),
                    "the customer's Salesforce call budget is spent"
                );
                Err(PortError::BudgetSpent {
                    retry_after_secs: ceil_secs(retry_after),
                })
            }
        }
    }

    /// Forgets customers whose budget has fully recovered; run periodically.
    pub fn prune(&self) {
        self.calls.prune();
    }
}
