//! The activity port through the org's resilience: the same timeouts, retries, circuit breaker
//! and call metrics as the case port, sharing its breaker. Its reads are optional ones: near
//! the org's API limit the budget guard stops them before a customer's read (decision 034).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::activity::SalesforceActivity;
use super::resilience::{Kind, ResilientPort};
use crate::salesforce::PortResult;
use crate::salesforce::activity::{ActivityPort, CaseState, PublishedComment};

pub struct ResilientActivity {
    resilience: Arc<ResilientPort>,
    inner: Arc<SalesforceActivity>,
}

impl ResilientActivity {
    pub fn new(resilience: Arc<ResilientPort>, inner: Arc<SalesforceActivity>) -> Self {
        Self { resilience, inner }
    }
}

#[async_trait]
impl ActivityPort for ResilientActivity {
    async fn published_comments(&self, since: DateTime<Utc>) -> PortResult<Vec<PublishedComment>> {
        self.resilience
            .call("notification_comments", Kind::OptionalRead, || {
                self.inner.published_comments(since)
            })
            .await
    }

    async fn case_states(&self, since: Option<DateTime<Utc>>) -> PortResult<Vec<CaseState>> {
        self.resilience
            .call("notification_cases", Kind::OptionalRead, || {
                self.inner.case_states(since)
            })
            .await
    }
}
