//! The export port with every call taken from the requesting customer's budget of Salesforce
//! calls ([`CustomerBudget`]), as for the product and appointment ports: starting an export,
//! each progress poll and each result set is one call, so polling is no way around the budget.

use std::sync::Arc;

use async_trait::async_trait;

use super::budget::CustomerBudget;
use crate::salesforce::exports::{ExportJob, ExportPage, ExportPort};
use crate::salesforce::{PortResult, SalesforceId};

pub struct BudgetedExports {
    inner: Arc<dyn ExportPort>,
    budget: Arc<CustomerBudget>,
}

impl BudgetedExports {
    pub fn new(inner: Arc<dyn ExportPort>, budget: Arc<CustomerBudget>) -> Self {
        Self { inner, budget }
    }
}

#[async_trait]
impl ExportPort for BudgetedExports {
    async fn start(&self, account: &SalesforceId) -> PortResult<ExportJob> {
        self.budget.take().await?;
        self.inner.start(account).await
    }

    async fn progress(&self, job_id: &str) -> PortResult<Option<ExportJob>> {
        self.budget.take().await?;
        self.inner.progress(job_id).await
    }

    async fn page(&self, job_id: &str, locator: Option<&str>) -> PortResult<ExportPage> {
        self.budget.take().await?;
        self.inner.page(job_id, locator).await
    }
}
