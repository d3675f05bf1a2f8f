//! Profiles on a real org (issue 14): the Contact's name, email and phone, and the portal's
//! preference fields (`Portal_Language__c` picklist, `Portal_Time_Zone__c` text,
//! `Portal_Notify_Reply__c` and `Portal_Notify_Status__c` checkboxes), read by id and written
//! back with one PATCH of absolute values.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

use super::{SalesforceRest, port_error};
use crate::domain::profile::{Language, Preferences};
use crate::salesforce::profile::{ProfilePort, ProfileRecord};
use crate::salesforce::{PortResult, SalesforceId};

/// The Contact fields a profile is read with.
const FIELDS: &[&str] = &[
    "Id",
    "AccountId",
    "Name",
    "Email",
    "Phone",
    "Portal_Language__c",
    "Portal_Time_Zone__c",
    "Portal_Notify_Reply__c",
    "Portal_Notify_Status__c",
];

pub struct SalesforceProfiles {
    rest: Arc<SalesforceRest>,
}

impl SalesforceProfiles {
    pub fn new(rest: Arc<SalesforceRest>) -> Self {
        Self { rest }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContactRow {
    id: SalesforceId,
    account_id: Option<SalesforceId>,
    #[serde(default)]
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    #[serde(rename = "Portal_Language__c")]
    language: Option<String>,
    #[serde(rename = "Portal_Time_Zone__c")]
    time_zone: Option<String>,
    #[serde(rename = "Portal_Notify_Reply__c")]
    notify_reply: Option<bool>,
    #[serde(rename = "Portal_Notify_Status__c")]
    notify_status: Option<bool>,
}

impl ContactRow {
    /// A contact without an account is no portal user's: `None`, like a missing one.
    fn record(self) -> Option<ProfileRecord> {
        let defaults = Preferences::default();
        Some(ProfileRecord {
            contact_id: self.id,
            account_id: self.account_id?,
            name: self.name.unwrap_or_default(),
            email: self.email,
            preferences: Preferences {
                phone: self.phone,
                language: self.language.as_deref().and_then(Language::from_code),
                time_zone: self.time_zone,
                notify_on_reply: self.notify_reply.unwrap_or(defaults.notify_on_reply),
                notify_on_status: self.notify_status.unwrap_or(defaults.notify_on_status),
            },
        })
    }
}

#[async_trait]
impl ProfilePort for SalesforceProfiles {
    async fn profile(&self, contact: &SalesforceId) -> PortResult<Option<ProfileRecord>> {
        let row: Option<ContactRow> = self
            .rest
            .client()
            .retrieve("Contact", contact, FIELDS)
            .await
            .map_err(port_error)?;
        Ok(row.and_then(ContactRow::record))
    }

    async fn update_profile(
        &self,
        contact: &SalesforceId,
        preferences: &Preferences,
    ) -> PortResult<Option<ProfileRecord>> {
        if self.profile(contact).await?.is_none() {
            return Ok(None);
        }
        let body = serde_json::json!({
            "Phone": preferences.phone,
            "Portal_Language__c": preferences.language.map(Language::code),
            "Portal_Time_Zone__c": preferences.time_zone,
            "Portal_Notify_Reply__c": preferences.notify_on_reply,
            "Portal_Notify_Status__c": preferences.notify_on_status,
        });
        self.rest
            .client()
            .update("Contact", contact, &body)
            .await
            .map_err(port_error)?;
        self.profile(contact).await
    }
}
