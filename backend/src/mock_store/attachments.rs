//! Files attached to cases in the mock store: each file in `<data_dir>/attachments/`, named by
//! its version id, and a record of it in the journal `<data_dir>/attachments.jsonl`.
//!
//! Crash-safe in the case journal's way: the spooled file is synced, renamed into place and
//! the folder synced, then the record is appended and synced; only then is the upload visible
//! and acknowledged. A crash before the record leaves a file no record names (removed at the
//! next start); a crash after it, a file and its record. A failed append removes the file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use anyhow::Context;
use chrono::{SubsecRound, Utc};

use super::index::SortedIndex;
use super::journal::{Entry, Journal};
use crate::domain::paging::Page;
use crate::salesforce::{
    AttachmentOutcome, AttachmentRecord, DocumentQuery, DocumentRecord, DocumentSortField,
    NewAttachment, PortError, PortResult, SalesforceId,
};

/// The folder of attachment files, inside the data directory.
pub const FOLDER: &str = "attachments";

#[derive(Default)]
struct State {
    by_case: HashMap<SalesforceId, SortedIndex<DocumentSortField, AttachmentRecord>>,
    by_upload: HashMap<String, AttachmentRecord>,
    /// Version id -> the file holding its content.
    files: HashMap<SalesforceId, PathBuf>,
}

impl State {
    fn insert(&mut self, folder: &Path, upload_id: Option<String>, record: AttachmentRecord) {
        let version = record.file.latest_version_id.clone();
        self.files
            .insert(version.clone(), folder.join(version.as_str()));
        if let Some(upload_id) = upload_id {
            self.by_upload.insert(upload_id, record.clone());
        }
        self.by_case
            .entry(record.case_id.clone())
            .or_insert_with(|| SortedIndex::new(|field, a| field.value_of(&a.file)))
            .upsert(&record.file.id.clone(), Arc::new(record));
    }
}

pub struct Attachments {
    folder: PathBuf,
    state: RwLock<State>,
    /// One upload at a time writes: uploads are rare, and the check for an existing upload id
    /// and the write it decides on must not interleave.
    writing: tokio::sync::Mutex<()>,
    /// Appended to off the runtime's threads (`spawn_blocking`).
    journal: Arc<std::sync::Mutex<Journal>>,
}

impl Attachments {
    /// Replays `attachments.jsonl` and removes files no record names (an upload a crash
    /// interrupted before its record was written).
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let folder = data_dir.join(FOLDER);
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("creating {}", folder.display()))?;
        let (journal, entries) = Journal::open(&data_dir.join("attachments.jsonl"))?;
        let mut state = State::default();
        for entry in entries {
            match entry {
                Entry::CreateAttachment {
                    attachment,
                    upload_id,
                } => state.insert(&folder, Some(upload_id), attachment),
                Entry::CreateCase { .. }
                | Entry::CaseStatus { .. }
                | Entry::CreateComment { .. }
                | Entry::ProductInterest { .. }
                | Entry::ProductDismissal { .. }
                | Entry::Appointment { .. }
                | Entry::Profile { .. } => {
                    anyhow::bail!("the attachment journal holds a case entry")
                }
            }
        }
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            let named = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| SalesforceId::parse(n).ok())
                .is_some_and(|id| state.files.contains_key(&id));
            if !named {
                tracing::warn!(file = %path.display(), "removing an attachment file no record names (an interrupted upload)");
                std::fs::remove_file(&path)
                    .with_context(|| format!("removing {}", path.display()))?;
            }
        }
        Ok(Self {
            folder,
            state: RwLock::new(state),
            writing: tokio::sync::Mutex::new(()),
            journal: Arc::new(std::sync::Mutex::new(journal)),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn page(&self, case: &SalesforceId, query: &DocumentQuery) -> Page<AttachmentRecord> {
        let state = self.read();
        let Some(index) = state.by_case.get(case) else {
            return Page {
                items: Vec::new(),
                next: None,
            };
        };
        let search = query.search.as_deref().map(str::to_lowercase);
        index.page(query.sort, query.after.as_ref(), query.limit, |a| {
            search
                .as_deref()
                .is_none_or(|q| a.file.title.to_lowercase().contains(q))
        })
    }

    pub fn get(&self, case: &SalesforceId, id: &SalesforceId) -> Option<AttachmentRecord> {
        self.read().by_case.get(case)?.get(id).cloned()
    }

    /// The file holding a version's content, if it is an attachment's.
    pub fn file(&self, version: &SalesforceId) -> Option<PathBuf> {
        self.read().files.get(version).cloned()
    }

    pub async fn upload(&self, upload: NewAttachment) -> PortResult<AttachmentOutcome> {
        let writing = self.writing.lock().await;
        if let Some(existing) = self.read().by_upload.get(&upload.upload_id).cloned() {
            return Ok(AttachmentOutcome {
                record: existing,
                created: false,
            });
        }
        let (document, version) = {
            let state = self.read();
            let taken = |id: &SalesforceId| {
                state.files.contains_key(id)
                    || state.by_case.values().any(|index| index.get(id).is_some())
            };
            let fresh = |prefix: &str| loop {
                let id = SalesforceId::generate(prefix);
                if !taken(&id) {
                    break id;
                }
            };
            (fresh("069"), fresh("068"))
        };
        let (title, extension) = match upload.file_name.rsplit_once('.') {
            Some((stem, ext)) => (stem.to_owned(), Some(ext.to_ascii_lowercase())),
            None => (upload.file_name.clone(), None),
        };
        let record = AttachmentRecord {
            file: DocumentRecord {
                id: document,
                title,
                file_extension: extension,
                content_size: upload.size,
                latest_version_id: version.clone(),
                path_on_client: Some(upload.file_name.clone()),
                // Milliseconds, as Salesforce stamps records and the journal keeps them.
                created_date: Utc::now().trunc_subsecs(3),
            },
            case_id: upload.case_id.clone(),
            by_customer: true,
        };
        let target = self.folder.join(version.as_str());
        let (spool, folder) = (upload.spool.clone(), self.folder.clone());
        let placed = target.clone();
        tokio::task::spawn_blocking(move || place(&spool, &placed, &folder))
            .await
            .map_err(|e| PortError::Internal(e.into()))?
            .map_err(PortError::Internal)?;
        let entry = Entry::CreateAttachment {
            attachment: record.clone(),
            upload_id: upload.upload_id.clone(),
        };
        let journal = Arc::clone(&self.journal);
        let appended = tokio::task::spawn_blocking(move || {
            journal
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .append(&[entry])
        })
        .await
        .map_err(|e| PortError::Internal(e.into()))?;
        if let Err(err) = appended {
            // Not acknowledged, so not kept: the file goes too (a restart would remove it).
            if let Err(remove) = std::fs::remove_file(&target) {
                tracing::warn!(error = %remove, file = %target.display(), "could not remove the file of a failed upload");
            }
            return Err(PortError::Internal(
                err.context("the attachment journal could not be written"),
            ));
        }
        self.state
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(&self.folder, Some(upload.upload_id), record.clone());
        drop(writing);
        Ok(AttachmentOutcome {
            record,
            created: true,
        })
    }
}

/// Makes the spooled file durable under its final name: sync it, rename it into the folder,
/// sync the folder (so the new name survives a crash too).
fn place(spool: &Path, target: &Path, folder: &Path) -> anyhow::Result<()> {
    std::fs::File::open(spool)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("syncing {}", spool.display()))?;
    std::fs::rename(spool, target)
        .with_context(|| format!("moving the upload to {}", target.display()))?;
    std::fs::File::open(folder)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("syncing {}", folder.display()))?;
    Ok(())
}
