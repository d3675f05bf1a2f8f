//! The product port through the org's resilience (decision 022): the same timeouts, retries
//! with backoff, circuit breaker and call metrics as the case port, sharing its breaker (one
//! org, one circuit). Not through the read cache: the product service keeps the catalog itself,
//! and a customer's own rows are read fresh.

use std::sync::Arc;

use async_trait::async_trait;

use super::products::SalesforceProducts;
use super::resilience::{Kind, ResilientPort};
use crate::salesforce::products::{
    AssetRecord, DismissalWrite, Holding, InterestOutcome, InterestRecord, NewInterest,
    ProductPort, ProductRecord,
};
use crate::salesforce::{PortResult, SalesforceId};

pub struct ResilientProducts {
    resilience: Arc<ResilientPort>,
    inner: Arc<SalesforceProducts>,
}

impl ResilientProducts {
    pub fn new(resilience: Arc<ResilientPort>, inner: Arc<SalesforceProducts>) -> Self {
        Self { resilience, inner }
    }
}

#[async_trait]
impl ProductPort for ResilientProducts {
    async fn catalog(&self) -> PortResult<Vec<ProductRecord>> {
        self.resilience
            .call("product_catalog", Kind::Read, || self.inner.catalog())
            .await
    }

    async fn assets(&self, account: &SalesforceId) -> PortResult<Vec<AssetRecord>> {
        self.resilience
            .call("assets", Kind::Read, || self.inner.assets(account))
            .await
    }

    async fn holdings(&self) -> PortResult<Vec<Holding>> {
        self.resilience
            .call("product_holdings", Kind::Read, || self.inner.holdings())
            .await
    }

    async fn interests(&self, account: &SalesforceId) -> PortResult<Vec<InterestRecord>> {
        self.resilience
            .call("product_interests", Kind::Read, || {
                self.inner.interests(account)
            })
            .await
    }

    /// Safe to repeat: the adapter looks for the interest by its external id first, and the
    /// upsert by that id cannot make a second one.
    async fn register_interest(&self, interest: NewInterest) -> PortResult<InterestOutcome> {
        self.resilience
            .call("register_interest", Kind::SafeWrite, || {
                self.inner.register_interest(interest.clone())
            })
            .await
    }

    async fn dismissed(&self, account: &SalesforceId) -> PortResult<Vec<SalesforceId>> {
        self.resilience
            .call("dismissed_recommendations", Kind::Read, || {
                self.inner.dismissed(account)
            })
            .await
    }

    /// Safe to repeat: an upsert setting the dismissal's state.
    async fn set_dismissed(&self, write: DismissalWrite) -> PortResult<()> {
        self.resilience
            .call("set_dismissed", Kind::SafeWrite, || {
                self.inner.set_dismissed(write.clone())
            })
            .await
    }
}
