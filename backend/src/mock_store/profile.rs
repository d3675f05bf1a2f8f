//! Profiles in the mock store (issue 14): the contacts' details from the fixtures
//! (`Contact.json`, the same file the emulator serves, with its `Portal_*` preference fields
//! when present), and the customers' changes in the journal `<data_dir>/profiles.jsonl`, each
//! appended and synced before it is visible or acknowledged, replayed at start-up.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use anyhow::{Context, bail};
use async_trait::async_trait;
use serde::Deserialize;

use super::journal::{Entry, Journal, append_one};
use crate::domain::profile::{Language, Preferences};
use crate::salesforce::profile::{ProfilePort, ProfileRecord};
use crate::salesforce::{PortResult, SalesforceId};

/// A Contact of the fixtures, with the fields a profile shows.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContactRow {
    id: SalesforceId,
    account_id: Option<SalesforceId>,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    #[serde(rename = "Portal_Language__c", default)]
    language: Option<String>,
    #[serde(rename = "Portal_Time_Zone__c", default)]
    time_zone: Option<String>,
    #[serde(rename = "Portal_Notify_Reply__c", default)]
    notify_reply: Option<bool>,
    #[serde(rename = "Portal_Notify_Status__c", default)]
    notify_status: Option<bool>,
}

impl ContactRow {
    fn record(self) -> Option<ProfileRecord> {
        let defaults = Preferences::default();
        Some(ProfileRecord {
            contact_id: self.id,
            account_id: self.account_id?,
            name: self.name,
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

pub struct MockProfiles {
    profiles: RwLock<HashMap<SalesforceId, ProfileRecord>>,
    /// One write at a time: the journal's order is the order writes became visible.
    writing: tokio::sync::Mutex<()>,
    journal: Arc<std::sync::Mutex<Journal>>,
}

impl MockProfiles {
    /// Loads `Contact.json` from `fixtures_dir` and replays `profiles.jsonl` in `data_dir`.
    pub fn open(fixtures_dir: &Path, data_dir: &Path) -> anyhow::Result<Self> {
        let path = fixtures_dir.join("Contact.json");
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let rows: Vec<ContactRow> = serde_json::from_slice(&bytes)
            .with_context(|| format!("parsing {}", path.display()))?;
        let mut profiles: HashMap<SalesforceId, ProfileRecord> = rows
            .into_iter()
            .filter_map(ContactRow::record)
            .map(|p| (p.contact_id.clone(), p))
            .collect();
        let (journal, replay) = Journal::open(&data_dir.join("profiles.jsonl"))?;
        for entry in replay {
            match entry {
                Entry::Profile {
                    contact,
                    preferences,
                } => {
                    if let Some(profile) = profiles.get_mut(&contact) {
                        profile.preferences = preferences;
                    }
                }
                _ => bail!("the profile journal holds another kind of entry"),
            }
        }
        Ok(Self {
            profiles: RwLock::new(profiles),
            writing: tokio::sync::Mutex::new(()),
            journal: Arc::new(std::sync::Mutex::new(journal)),
        })
    }

    fn get(&self, contact: &SalesforceId) -> Option<ProfileRecord> {
        self.profiles
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(contact)
            .cloned()
    }
}

#[async_trait]
impl ProfilePort for MockProfiles {
    async fn profile(&self, contact: &SalesforceId) -> PortResult<Option<ProfileRecord>> {
        Ok(self.get(contact))
    }

    async fn update_profile(
        &self,
        contact: &SalesforceId,
        preferences: &Preferences,
    ) -> PortResult<Option<ProfileRecord>> {
        let _writing = self.writing.lock().await;
        let Some(mut profile) = self.get(contact) else {
            return Ok(None);
        };
        let entry = Entry::Profile {
            contact: contact.clone(),
            preferences: preferences.clone(),
        };
        append_one(&self.journal, entry, "profile").await?;
        profile.preferences = preferences.clone();
        self.profiles
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(contact.clone(), profile.clone());
        Ok(Some(profile))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Changes are in the journal before they are acknowledged: a store opened again on the
    /// same data directory has them.
    #[tokio::test]
    async fn changes_survive_a_restart() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("mocks/salesforce");
        let data = tempfile::tempdir().unwrap();
        let alice = SalesforceId::parse("003Dn000O6V0xBhIIJ").unwrap();
        let store = MockProfiles::open(&fixtures, data.path()).unwrap();
        let before = store.profile(&alice).await.unwrap().unwrap();
        assert_eq!(before.preferences.language, None);
        assert!(before.preferences.notify_on_reply);
        let wanted = Preferences {
            phone: Some("+49 30 1234567".into()),
            language: Some(Language::Fr),
            time_zone: Some("Europe/Paris".into()),
            notify_on_reply: false,
            notify_on_status: true,
        };
        let written = store
            .update_profile(&alice, &wanted)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(written.preferences, wanted);
        drop(store);
        let reopened = MockProfiles::open(&fixtures, data.path()).unwrap();
        let after = reopened.profile(&alice).await.unwrap().unwrap();
        assert_eq!(after.preferences, wanted);
        assert_eq!(after.name, before.name);
        let nobody = SalesforceId::parse("003Dn0000000000").unwrap();
        assert_eq!(
            reopened.update_profile(&nobody, &wanted).await.unwrap(),
            None
        );
    }
}
