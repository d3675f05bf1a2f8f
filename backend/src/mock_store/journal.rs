//! The mock store's write-ahead journal: new cases and status changes, one JSON line each,
//! fsynced before the write is acknowledged.
//!
//! Why a journal and not rewriting a JSON file: rewriting a file in place is what loses or
//! corrupts data under concurrent writers and `kill -9`. Appending a line and calling
//! `fdatasync` is atomic enough here: a crash can only leave a torn last line, which start-up
//! detects and cuts off. That line was never acknowledged, because acknowledgement waits for the
//! sync. Writes go through one thread that commits in groups, so concurrent creates share one
//! sync instead of queueing for one each.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::salesforce::{AttachmentRecord, CaseRecord, CommentRecord};

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Entry {
    CreateCase {
        case: CaseRecord,
    },
    /// A customer closed or reopened a case: the case as it was after the change (replayed by
    /// replacing it), and the reason given with a close (`Portal_Close_Reason__c` in an org).
    CaseStatus {
        case: CaseRecord,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        close_reason: Option<String>,
    },
    /// A customer's reply: published, on a case of `account`.
    CreateComment {
        account: salesforce_client::SalesforceId,
        comment: CommentRecord,
    },
    /// A customer's interest in a product, under its `<account>:<product>` key (in
    /// `products.jsonl`).
    ProductInterest {
        key: String,
        interest: crate::salesforce::products::InterestRecord,
    },
    /// A recommendation dismissed (`true`) or brought back (in `products.jsonl`).
    ProductDismissal {
        account: salesforce_client::SalesforceId,
        product: salesforce_client::SalesforceId,
        dismissed: bool,
    },
    /// A booking as it is after a write: made, cancelled or moved (in `appointments.jsonl`;
    /// replayed by replacing the booking with the same id).
    Appointment {
        appointment: crate::salesforce::appointments::AppointmentRecord,
    },
    /// A contact's profile preferences as they are after a change (in `profiles.jsonl`;
    /// replayed by replacing the contact's preferences).
    Profile {
        contact: salesforce_client::SalesforceId,
        preferences: crate::domain::profile::Preferences,
    },
    /// A file attached to a case (in `attachments.jsonl`; its content is a file beside it).
    CreateAttachment {
        attachment: AttachmentRecord,
        /// The external id the upload is found by on a retry.
        upload_id: String,
    },
}

/// Why a write was refused without trying: an earlier failed append could not be cut back, so
/// the file may end in a partial line that a new line would follow and make unreadable.
#[derive(Debug, thiserror::Error)]
#[error(
    "the case journal refuses writes until the portal restarts: a failed append could not be cut back"
)]
pub struct JournalBroken;

/// What the journal needs of its file: appending, syncing, cutting back. A trait so that a
/// test can make any of the three fail, or watch their order.
pub trait JournalFile: Send {
    fn append(&mut self, bytes: &[u8]) -> io::Result<()>;
    fn sync_data(&mut self) -> io::Result<()>;
    fn set_len(&mut self, len: u64) -> io::Result<()>;
}

impl JournalFile for File {
    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.write_all(bytes)
    }

    fn sync_data(&mut self) -> io::Result<()> {
        File::sync_data(self)
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        File::set_len(self, len)
    }
}

pub struct Journal {
    path: PathBuf,
    file: Box<dyn JournalFile>,
    len: u64,
    /// Set when a failed append could not be cut back; every later append is refused. A restart
    /// replays the journal and cuts the partial line off (it was never acknowledged).
    broken: bool,
}

impl Journal {
    /// Opens (or creates) the journal and returns the entries it holds. A torn tail left by a
    /// crash is cut off; damage before the last good entry stops start-up, because dropping an
    /// acknowledged write silently is worse than not starting.
    pub fn open(path: &Path) -> anyhow::Result<(Self, Vec<Entry>)> {
        let dir = path.parent().context("journal path has no parent folder")?;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let existed = path.exists();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        if !existed {
            // Make the new file's directory entry durable too.
            File::open(dir)?.sync_all()?;
        }

        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let (entries, good_len) =
            parse(&bytes).with_context(|| format!("journal {}", path.display()))?;
        if good_len < bytes.len() {
            tracing::warn!(
                journal = %path.display(),
                dropped_bytes = bytes.len() - good_len,
                "cutting off a torn journal tail left by a crash; it was never acknowledged"
            );
            file.set_len(good_len as u64)?;
            file.sync_all()?;
        }
        Ok((
            Self {
                path: path.to_owned(),
                file: Box::new(file),
                len: good_len as u64,
                broken: false,
            },
            entries,
        ))
    }

    /// Appends entries and syncs them to disk. On failure (a full disk among others: a write
    /// may stop halfway through a line) the file is cut back to its last acknowledged entry and
    /// the cut is synced, so a failed batch leaves no partial line behind for the next one to
    /// follow, and no whole line of an unacknowledged batch for a restart to replay. If either
    /// fails, the journal is broken and refuses every later append with [`JournalBroken`].
    pub fn append(&mut self, entries: &[Entry]) -> anyhow::Result<()> {
        if self.broken {
            return Err(JournalBroken.into());
        }
        let mut buf = Vec::with_capacity(entries.len() * 512);
        for entry in entries {
            serde_json::to_writer(&mut buf, entry)?;
            buf.push(b'\n');
        }
        let result = self.file.append(&buf).and_then(|()| self.file.sync_data());
        match result {
            Ok(()) => {
                self.len += buf.len() as u64;
                Ok(())
            }
            Err(err) => {
                // Without the sync, a crash could bring the cut-off bytes back: whole lines of
                // this batch, which the client was told failed, would be replayed as cases.
                let len = self.len;
                let cut = self.file.set_len(len).and_then(|()| self.file.sync_data());
                if let Err(cut) = cut {
                    self.broken = true;
                    tracing::error!(
                        journal = %self.path.display(),
                        write_error = %err,
                        truncate_error = %cut,
                        "a failed journal append could not be cut back; refusing every write \
                         until a restart"
                    );
                }
                Err(err).with_context(|| format!("appending to {}", self.path.display()))
            }
        }
    }

    /// Whether the journal refuses writes (see [`JournalBroken`]).
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// A journal over an already open file, e.g. one whose writes fail.
    #[cfg(test)]
    pub(super) fn over(file: impl JournalFile + 'static, path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            file: Box::new(file),
            len: 0,
            broken: false,
        }
    }
}

/// Parses complete lines; returns the entries and the length of the good prefix.
fn parse(bytes: &[u8]) -> anyhow::Result<(Vec<Entry>, usize)> {
    let mut entries = Vec::new();
    let mut offset = 0;
    let mut bad_at = None;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        let complete = line.ends_with(b"\n");
        let parsed = complete
            .then(|| serde_json::from_slice::<Entry>(&line[..line.len() - 1]).ok())
            .flatten();
        match (parsed, bad_at) {
            (Some(entry), None) => {
                entries.push(entry);
                offset += line.len();
            }
            (Some(_), Some(at)) => {
                bail!("damaged entry at byte {at} is followed by good entries; refusing to guess")
            }
            (None, None) => bad_at = Some(offset),
            (None, Some(_)) => {}
        }
    }
    Ok((entries, offset))
}

/// Appends one entry of an extension's own journal (products, appointments) and syncs it, off
/// the runtime's threads. `what` names the journal in the error. A full data directory is an
/// outage (503, retry later), as for the case journal; anything else is internal.
pub async fn append_one(
    journal: &std::sync::Arc<std::sync::Mutex<Journal>>,
    entry: Entry,
    what: &'static str,
) -> crate::salesforce::PortResult<()> {
    use crate::salesforce::PortError;
    let journal = std::sync::Arc::clone(journal);
    let appended = tokio::task::spawn_blocking(move || {
        journal
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .append(&[entry])
    })
    .await
    .map_err(|e| PortError::Internal(e.into()))?;
    appended.map_err(|err| {
        let err = err.context(format!("the {what} journal could not be written"));
        if crate::data_dir::DataDirFull::find(&err).is_some() {
            PortError::Unavailable(err)
        } else {
            PortError::Internal(err)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> String {
        let case = serde_json::json!({
            "Id": "500Dn00000Abcd1", "CaseNumber": "00009999",
            "AccountId": "001Dn00000Abcd1", "ContactId": null,
            "Subject": "s", "Description": "d", "Status": "New", "Priority": "Medium",
            "Origin": "Web", "IsClosed": false,
            "CreatedDate": "2026-01-01T00:00:00.000+0000",
            "LastModifiedDate": "2026-01-01T00:00:00.000+0000", "ClosedDate": null
        });
        format!(
            "{}\n",
            serde_json::json!({"op": "create_case", "case": case})
        )
    }

    #[test]
    fn a_torn_tail_is_cut_off() {
        let good = line();
        for tail in ["{\"op\":\"crea", "\0\0\0\0", "{}\n\0\0"] {
            let bytes = format!("{good}{good}{tail}");
            let (entries, len) = parse(bytes.as_bytes()).unwrap();
            assert_eq!(entries.len(), 2);
            assert_eq!(len, good.len() * 2);
        }
    }

    #[test]
    fn damage_in_the_middle_is_refused() {
        let good = line();
        let bytes = format!("{good}garbage\n{good}");
        assert!(parse(bytes.as_bytes()).is_err());
    }

    /// `/dev/full` fails every write (ENOSPC) and cannot be truncated (not a regular file):
    /// the append fails and so does the roll-back.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_append_that_cannot_be_cut_back_refuses_every_later_write() {
        let path = Path::new("/dev/full");
        let Ok(file) = OpenOptions::new().append(true).open(path) else {
            return;
        };
        let mut journal = Journal::over(file, path);
        let entry: Entry = serde_json::from_str(line().trim_end()).unwrap();
        let entries = [entry];
        let first = journal.append(&entries).unwrap_err();
        assert!(
            first.downcast_ref::<JournalBroken>().is_none(),
            "the first failure is the write's: {first:#}"
        );
        assert!(journal.is_broken());
        let second = journal.append(&entries).unwrap_err();
        assert!(
            second.downcast_ref::<JournalBroken>().is_some(),
            "later appends are refused without writing: {second:#}"
        );
    }

    /// A file with room for `room` bytes (as under a full disk or `RLIMIT_FSIZE`: a write
    /// stops at the limit and the rest fails), which remembers every state a crash could leave
    /// it in: anything written since its last sync may or may not have reached the disk.
    #[derive(Clone, Default)]
    struct SmallFile(std::sync::Arc<std::sync::Mutex<SmallFileState>>);

    #[derive(Default)]
    struct SmallFileState {
        contents: Vec<u8>,
        room: usize,
        crash_states: Vec<Vec<u8>>,
    }

    impl JournalFile for SmallFile {
        fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
            let mut f = self.0.lock().unwrap();
            let fits = f.room.saturating_sub(f.contents.len()).min(bytes.len());
            f.contents.extend_from_slice(&bytes[..fits]);
            let now = f.contents.clone();
            f.crash_states.push(now);
            if fits < bytes.len() {
                return Err(io::ErrorKind::FileTooLarge.into());
            }
            Ok(())
        }

        fn sync_data(&mut self) -> io::Result<()> {
            let mut f = self.0.lock().unwrap();
            f.crash_states = vec![f.contents.clone()];
            Ok(())
        }

        fn set_len(&mut self, len: u64) -> io::Result<()> {
            let mut f = self.0.lock().unwrap();
            f.contents.truncate(len as usize);
            let now = f.contents.clone();
            f.crash_states.push(now);
            Ok(())
        }
    }

    /// A batch that fills the disk halfway through its second line: the append fails, the file
    /// is cut back to the acknowledged entries, and the cut is synced, so no crash after the
    /// failure can bring back a half line, nor the batch's first line (never acknowledged). Once
    /// there is room again, the next append works and the file parses.
    #[test]
    fn a_failed_append_is_cut_back_durably_and_the_journal_recovers() {
        let entry = || -> Entry { serde_json::from_str(line().trim_end()).unwrap() };
        let file = SmallFile::default();
        let line_len = line().len();
        file.0.lock().unwrap().room = line_len + line_len + line_len / 2;
        let mut journal = Journal::over(file.clone(), Path::new("small"));
        journal.append(&[entry()]).unwrap();
        let acknowledged = file.0.lock().unwrap().contents.clone();

        let err = journal.append(&[entry(), entry()]).unwrap_err();
        let io = err
            .downcast_ref::<io::Error>()
            .expect("the write's own error");
        assert_eq!(io.kind(), io::ErrorKind::FileTooLarge);
        assert!(!journal.is_broken(), "cut back: later appends may try");
        {
            let f = file.0.lock().unwrap();
            assert_eq!(f.contents, acknowledged);
            let lengths: Vec<usize> = f.crash_states.iter().map(Vec::len).collect();
            assert!(
                f.crash_states == std::slice::from_ref(&acknowledged),
                "a crash now can only find the acknowledged {} bytes, not any of {lengths:?}",
                acknowledged.len()
            );
        }

        file.0.lock().unwrap().room = usize::MAX;
        journal.append(&[entry()]).unwrap();
        let contents = file.0.lock().unwrap().contents.clone();
        let (entries, good) = parse(&contents).unwrap();
        assert_eq!((entries.len(), good), (2, contents.len()));
    }

    #[test]
    fn reopening_after_a_torn_write_keeps_every_synced_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        std::fs::write(&path, format!("{}{{\"op\":", line())).unwrap();
        let (mut journal, entries) = Journal::open(&path).unwrap();
        assert_eq!(entries.len(), 1);
        let Entry::CreateCase { case } = &entries[0] else {
            panic!("the line written is a create");
        };
        journal
            .append(&[Entry::CreateCase { case: case.clone() }])
            .unwrap();
        drop(journal);
        let (_, entries) = Journal::open(&path).unwrap();
        assert_eq!(entries.len(), 2);
    }
}
