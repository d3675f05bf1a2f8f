//! [`PasswordStore`] in `<data_dir>/passwords.jsonl`: one JSON line per change (a password
//! set, a reset granted, a reset taken), appended and `fdatasync`ed before the call returns,
//! replayed at start-up. A torn last line (a crash mid-append, never acknowledged) is ignored.
//! The file is small: a line per password change and per reset asked for.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use async_trait::async_trait;
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::{PasswordStore, ResetGrant};
use crate::shared_state::error::{StoreError, StoreResult};

/// The file's name in the data directory.
pub const FILE: &str = "passwords.jsonl";

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Line {
    Password { email: String, hash: String },
    Reset { digest: String, grant: ResetGrant },
    Taken { digest: String },
}

#[derive(Default)]
struct State {
    hashes: HashMap<String, String>,
    resets: HashMap<String, ResetGrant>,
}

impl State {
    fn apply(&mut self, line: Line) {
        match line {
            Line::Password { email, hash } => {
                self.hashes.insert(email, hash);
            }
            Line::Reset { digest, grant } => {
                self.resets.insert(digest, grant);
            }
            Line::Taken { digest } => {
                self.resets.remove(&digest);
            }
        }
    }
}

pub struct FilePasswords {
    path: PathBuf,
    inner: Arc<Mutex<(State, Option<File>)>>,
}

impl FilePasswords {
    /// Replays the file if there is one; opened for appending at the first write.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(FILE);
        let mut state = State::default();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    match serde_json::from_str::<Line>(line) {
                        Ok(parsed) => state.apply(parsed),
                        // Only the last line can be torn, and it was never acknowledged.
                        Err(err) => {
                            tracing::warn!(error = %err, file = %path.display(), "skipping an unreadable line")
                        }
                    }
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
        }
        let now = Utc::now();
        state.resets.retain(|_, g| g.expires_at > now);
        Ok(Self {
            path,
            inner: Arc::new(Mutex::new((state, None))),
        })
    }

    /// Appends `line` (synced) and applies it, off the runtime's threads.
    async fn write(&self, line: Line) -> StoreResult<()> {
        let inner = Arc::clone(&self.inner);
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut guard = inner.lock().unwrap_or_else(|p| p.into_inner());
            let (state, file) = &mut *guard;
            if file.is_none() {
                *file = Some(
                    OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&path)
                        .with_context(|| format!("opening {}", path.display()))?,
                );
            }
            let out = file.as_mut().expect("opened above");
            let mut bytes = serde_json::to_vec(&line)?;
            bytes.push(b'\n');
            out.write_all(&bytes)
                .and_then(|()| out.sync_data())
                .with_context(|| format!("appending to {}", path.display()))?;
            state.apply(line);
            Ok(())
        })
        .await
        .context("password store task")
        .and_then(|r| r)
        .map_err(StoreError)
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&guard.0)
    }
}

#[async_trait]
impl PasswordStore for FilePasswords {
    async fn password_hash(&self, email: &str) -> StoreResult<Option<String>> {
        Ok(self.read(|s| s.hashes.get(email).cloned()))
    }

    async fn set_password_hash(&self, email: &str, hash: &str) -> StoreResult<()> {
        self.write(Line::Password {
            email: email.to_owned(),
            hash: hash.to_owned(),
        })
        .await
    }

    async fn put_reset(&self, digest: &str, grant: &ResetGrant) -> StoreResult<()> {
        self.write(Line::Reset {
            digest: digest.to_owned(),
            grant: grant.clone(),
        })
        .await
    }

    async fn take_reset(&self, digest: &str) -> StoreResult<Option<ResetGrant>> {
        let Some(grant) = self.read(|s| s.resets.get(digest).cloned()) else {
            return Ok(None);
        };
        // Taken under the file's lock: of two uses racing, the second finds it gone.
        let inner = Arc::clone(&self.inner);
        let path = self.path.clone();
        let digest = digest.to_owned();
        let taken = tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
            let mut guard = inner.lock().unwrap_or_else(|p| p.into_inner());
            let (state, file) = &mut *guard;
            if state.resets.remove(&digest).is_none() {
                return Ok(false);
            }
            let out = match file {
                Some(out) => out,
                None => file.insert(
                    OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&path)
                        .with_context(|| format!("opening {}", path.display()))?,
                ),
            };
            let mut bytes = serde_json::to_vec(&Line::Taken { digest })?;
            bytes.push(b'\n');
            out.write_all(&bytes)
                .and_then(|()| out.sync_data())
                .with_context(|| format!("appending to {}", path.display()))?;
            Ok(true)
        })
        .await
        .context("password store task")
        .and_then(|r| r)
        .map_err(StoreError)?;
        Ok((taken && grant.expires_at > Utc::now()).then_some(grant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_and_resets_survive_a_restart_and_a_reset_works_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = FilePasswords::open(dir.path()).unwrap();
        store.set_password_hash("a@x", "hash-1").await.unwrap();
        let grant = ResetGrant {
            email: "a@x".into(),
            expires_at: Utc::now() + chrono::Duration::minutes(5),
        };
        store.put_reset("d1", &grant).await.unwrap();
        store.put_reset("d2", &grant).await.unwrap();
        assert_eq!(store.take_reset("d1").await.unwrap(), Some(grant.clone()));
        assert_eq!(store.take_reset("d1").await.unwrap(), None);
        drop(store);
        let store = FilePasswords::open(dir.path()).unwrap();
        assert_eq!(
            store.password_hash("a@x").await.unwrap().as_deref(),
            Some("hash-1")
        );
        assert_eq!(
            store.take_reset("d1").await.unwrap(),
            None,
            "taken stays taken"
        );
        assert_eq!(store.take_reset("d2").await.unwrap(), Some(grant));
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(!text.contains("token"), "only digests are kept");
    }
}
