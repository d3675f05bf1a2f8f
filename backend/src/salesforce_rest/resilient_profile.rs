//! The profile port through the org's resilience: the same timeouts, retries with backoff,
//! circuit breaker and call metrics as the case port, sharing its breaker. The write sets
//! absolute values, so a retried PATCH changes nothing more.

use std::sync::Arc;

use async_trait::async_trait;

use super::profile::SalesforceProfiles;
use super::resilience::{Kind, ResilientPort};
use crate::domain::profile::Preferences;
use crate::salesforce::profile::{ProfilePort, ProfileRecord};
use crate::salesforce::{PortResult, SalesforceId};

pub struct ResilientProfiles {
    resilience: Arc<ResilientPort>,
    inner: Arc<SalesforceProfiles>,
}

impl ResilientProfiles {
    pub fn new(resilience: Arc<ResilientPort>, inner: Arc<SalesforceProfiles>) -> Self {
        Self { resilience, inner }
    }
}

#[async_trait]
impl ProfilePort for ResilientProfiles {
    async fn profile(&self, contact: &SalesforceId) -> PortResult<Option<ProfileRecord>> {
        self.resilience
            .call("profile", Kind::Read, || self.inner.profile(contact))
            .await
    }

    async fn update_profile(
        &self,
        contact: &SalesforceId,
        preferences: &Preferences,
    ) -> PortResult<Option<ProfileRecord>> {
        self.resilience
            .call("update_profile", Kind::SafeWrite, || {
                self.inner.update_profile(contact, preferences)
            })
            .await
    }
}
