//! The export port through the org's resilience (decision 026): the same timeouts, retries,
//! circuit breaker and call metrics as the case port. All three calls are retried like reads:
//! a repeated start can only leave a second read-only job that nothing refers to (the
//! service's Idempotency-Key covers the customer's own retries).

use std::sync::Arc;

use async_trait::async_trait;

use super::exports::SalesforceExports;
use super::resilience::{Kind, ResilientPort};
use crate::salesforce::exports::{ExportJob, ExportPage, ExportPort};
use crate::salesforce::{PortResult, SalesforceId};

pub struct ResilientExports {
    resilience: Arc<ResilientPort>,
    inner: Arc<SalesforceExports>,
}

impl ResilientExports {
    pub fn new(resilience: Arc<ResilientPort>, inner: Arc<SalesforceExports>) -> Self {
        Self { resilience, inner }
    }
}

#[async_trait]
impl ExportPort for ResilientExports {
    async fn start(&self, account: &SalesforceId) -> PortResult<ExportJob> {
        self.resilience
            .call("export_start", Kind::Read, || self.inner.start(account))
            .await
    }

    async fn progress(&self, job_id: &str) -> PortResult<Option<ExportJob>> {
        self.resilience
            .call("export_progress", Kind::Read, || {
                self.inner.progress(job_id)
            })
            .await
    }

    async fn page(&self, job_id: &str, locator: Option<&str>) -> PortResult<ExportPage> {
        self.resilience
            .call("export_page", Kind::Read, || {
                self.inner.page(job_id, locator)
            })
            .await
    }
}
