//! The profile's port (issue 14): a contact's details and preferences as the Contact holds
//! them, and the write-back of what the customer edits. A port of its own beside
//! [`super::SalesforcePort`], like the product and appointment ports.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use salesforce_client::SalesforceId;

use super::PortResult;
use crate::domain::profile::Preferences;

/// A contact's profile: read-only details (the Contact's name and email) and the preferences
/// the customer edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRecord {
    pub contact_id: SalesforceId,
    pub account_id: SalesforceId,
    pub name: String,
    pub email: Option<String>,
    pub preferences: Preferences,
}

#[async_trait]
pub trait ProfilePort: Send + Sync + 'static {
    /// The contact's profile, or `None` when the contact does not exist.
    async fn profile(&self, contact: &SalesforceId) -> PortResult<Option<ProfileRecord>>;

    /// Writes `preferences` (all of them, absolute values: a repeat changes nothing more) to
    /// the contact and returns the profile as it now is; `None` when the contact does not
    /// exist.
    async fn update_profile(
        &self,
        contact: &SalesforceId,
        preferences: &Preferences,
    ) -> PortResult<Option<ProfileRecord>>;
}
