//! [`RevocationStore`] in this process; contact revocations also in
//! `<data_dir>/revoked-contacts.json`, which `portal revoke-sessions` writes and the server
//! reads again whenever it changes (there is no other way for a command to reach a server that
//! keeps its state in memory).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};
use std::time::SystemTime;

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::RevocationStore;
use crate::shared_state::error::{StoreError, StoreResult};

/// The file's name in the data directory.
pub const CONTACTS_FILE: &str = "revoked-contacts.json";

/// One contact's revocation: sessions signed in at or before `at` (Unix seconds) are revoked;
/// forgotten after `until`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct ContactRevocation {
    at: i64,
    until: i64,
}

/// [`RevocationStore`] in this process: correct for a single instance.
pub struct InMemoryRevocations {
    /// Session id -> the Unix time its tokens expire anyway. Read by every signed-in request
    /// (readers do not wait for each other), written by sign-outs.
    revoked: RwLock<HashMap<String, i64>>,
    contacts_file: PathBuf,
    /// The file's contents as last read, and its modification time then.
    contacts: Mutex<(HashMap<String, ContactRevocation>, Option<SystemTime>)>,
}

impl InMemoryRevocations {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            revoked: RwLock::default(),
            contacts_file: data_dir.join(CONTACTS_FILE),
            contacts: Mutex::default(),
        }
    }

    /// The file's revocations, read again when it changed since the last look (a `stat` per
    /// call: contact revocations are asked once per session per recheck interval).
    fn contacts(&self) -> StoreResult<HashMap<String, ContactRevocation>> {
        let modified = match std::fs::metadata(&self.contacts_file) {
            Ok(meta) => meta.modified().ok(),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => return Err(read_error(&self.contacts_file, err.into())),
        };
        let mut cached = self.contacts.lock().unwrap_or_else(|p| p.into_inner());
        if modified.is_some() && cached.1 != modified {
            cached.0 = read_contacts(&self.contacts_file)
                .map_err(|err| read_error(&self.contacts_file, err))?;
            cached.1 = modified;
        }
        Ok(cached.0.clone())
    }
}

fn read_error(path: &Path, err: anyhow::Error) -> StoreError {
    StoreError(err.context(format!("reading {}", path.display())))
}

fn read_contacts(path: &Path) -> anyhow::Result<HashMap<String, ContactRevocation>> {
    match std::fs::read(path) {
        Ok(raw) => Ok(serde_json::from_slice(&raw)?),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(HashMap::new()),
        Err(err) => Err(err.into()),
    }
}

/// Writes the file whole, through a temporary file renamed over it and synced, so a reader
/// sees the old contents or the new, never half.
fn write_contacts(
    path: &Path,
    contacts: &HashMap<String, ContactRevocation>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path.parent().context("the data directory")?;
    std::fs::create_dir_all(dir)?;
    // One writer at a time is the norm (an operator's command); the process id keeps two
    // commands at once from writing into the same temporary file.
    let temporary = dir.join(format!(".{CONTACTS_FILE}.{}", std::process::id()));
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(&serde_json::to_vec_pretty(contacts)?)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[async_trait]
impl RevocationStore for InMemoryRevocations {
    async fn revoke(&self, session_id: &str, until: DateTime<Utc>) -> StoreResult<()> {
        let mut revoked = self.revoked.write().unwrap_or_else(|p| p.into_inner());
        let now = Utc::now().timestamp();
        revoked.retain(|_, until| *until > now);
        revoked.insert(session_id.to_owned(), until.timestamp());
        Ok(())
    }

    async fn is_revoked(&self, session_id: &str) -> StoreResult<bool> {
        let revoked = self.revoked.read().unwrap_or_else(|p| p.into_inner());
        Ok(revoked.contains_key(session_id))
    }

    async fn revoke_contact(
        &self,
        contact_id: &str,
        at: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<()> {
        let path = self.contacts_file.clone();
        let contact_id = contact_id.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut contacts = read_contacts(&path)?;
            let now = Utc::now().timestamp();
            contacts.retain(|_, r| r.until > now);
            contacts.insert(
                contact_id,
                ContactRevocation {
                    at: at.timestamp(),
                    until: until.timestamp(),
                },
            );
            write_contacts(&path, &contacts)
        })
        .await
        .context("revoking a contact's sessions")
        .and_then(|written| written)
        .map_err(StoreError)
    }

    async fn contact_revoked_at(&self, contact_id: &str) -> StoreResult<Option<DateTime<Utc>>> {
        let now = Utc::now().timestamp();
        Ok(self
            .contacts()?
            .get(contact_id)
            .filter(|r| r.until > now)
            .and_then(|r| DateTime::from_timestamp(r.at, 0)))
    }
}
