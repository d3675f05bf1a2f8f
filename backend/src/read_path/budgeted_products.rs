//! The product port with every call taken from the requesting customer's budget of Salesforce
//! calls ([`CustomerBudget`]), as the cache does for the case port: "My products" and the
//! recommendations read Salesforce directly (decision 022), and must not be a way around the
//! budget. Calls outside a customer's request are not budgeted (see the budget's notes).

use std::sync::Arc;

use async_trait::async_trait;

use super::budget::CustomerBudget;
use crate::salesforce::products::{
    AssetRecord, DismissalWrite, Holding, InterestOutcome, InterestRecord, NewInterest,
    ProductPort, ProductRecord,
};
use crate::salesforce::{PortResult, SalesforceId};

pub struct BudgetedProducts {
    inner: Arc<dyn ProductPort>,
    budget: Arc<CustomerBudget>,
}

impl BudgetedProducts {
    pub fn new(inner: Arc<dyn ProductPort>, budget: Arc<CustomerBudget>) -> Self {
        Self { inner, budget }
    }
}

#[async_trait]
impl ProductPort for BudgetedProducts {
    async fn catalog(&self) -> PortResult<Vec<ProductRecord>> {
        self.budget.take().await?;
        self.inner.catalog().await
    }

    async fn assets(&self, account: &SalesforceId) -> PortResult<Vec<AssetRecord>> {
        self.budget.take().await?;
        self.inner.assets(account).await
    }

    async fn holdings(&self) -> PortResult<Vec<Holding>> {
        self.budget.take().await?;
        self.inner.holdings().await
    }

    async fn interests(&self, account: &SalesforceId) -> PortResult<Vec<InterestRecord>> {
        self.budget.take().await?;
        self.inner.interests(account).await
    }

    async fn register_interest(&self, interest: NewInterest) -> PortResult<InterestOutcome> {
        self.budget.take().await?;
        self.inner.register_interest(interest).await
    }

    async fn dismissed(&self, account: &SalesforceId) -> PortResult<Vec<SalesforceId>> {
        self.budget.take().await?;
        self.inner.dismissed(account).await
    }

    async fn set_dismissed(&self, write: DismissalWrite) -> PortResult<()> {
        self.budget.take().await?;
        self.inner.set_dismissed(write).await
    }
}
