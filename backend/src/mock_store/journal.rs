//! The mock store's write-ahead journal: new cases, one JSON line each, fsynced before the
//! create is acknowledged.
//!
//! Why a journal and not rewriting a JSON file: rewriting a file in place is what loses or
//! corrupts data under concurrent writers and `kill -9`. Appending a line and calling
//! `fdatasync` is atomic enough here: a crash can only leave a torn last line, which start-up
//! detects and cuts off. That line was never acknowledged, because acknowledgement waits for the
//! sync. Writes go through one thread that commits in groups, so concurrent creates share one
//! sync instead of queueing for one each.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::salesforce::CaseRecord;

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Entry {
    CreateCase { case: CaseRecord },
}

/// Why a write was refused without trying: an earlier failed append could not be cut back, so
/// the file may end in a partial line that a new line would follow and make unreadable.
#[derive(Debug, thiserror::Error)]
#[error(
    "the case journal refuses writes until the portal restarts: a failed append could not be cut back"
)]
pub struct JournalBroken;

pub struct Journal {
    path: PathBuf,
    file: File,
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
                file,
                len: good_len as u64,
                broken: false,
            },
            entries,
        ))
    }

    /// Appends entries and syncs them to disk. On failure the file is cut back, so a failed
    /// batch leaves no partial line behind for the next one to follow; if even that fails, the
    /// journal is broken and refuses every later append with [`JournalBroken`].
    pub fn append(&mut self, entries: &[Entry]) -> anyhow::Result<()> {
        if self.broken {
            return Err(JournalBroken.into());
        }
        let mut buf = Vec::with_capacity(entries.len() * 512);
        for entry in entries {
            serde_json::to_writer(&mut buf, entry)?;
            buf.push(b'\n');
        }
        let result = self
            .file
            .write_all(&buf)
            .and_then(|()| self.file.sync_data());
        match result {
            Ok(()) => {
                self.len += buf.len() as u64;
                Ok(())
            }
            Err(err) => {
                if let Err(cut) = self.file.set_len(self.len) {
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
    pub(super) fn over(file: File, path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            file,
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

    #[test]
    fn reopening_after_a_torn_write_keeps_every_synced_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        std::fs::write(&path, format!("{}{{\"op\":", line())).unwrap();
        let (mut journal, entries) = Journal::open(&path).unwrap();
        assert_eq!(entries.len(), 1);
        let Entry::CreateCase { case } = &entries[0];
        journal
            .append(&[Entry::CreateCase { case: case.clone() }])
            .unwrap();
        drop(journal);
        let (_, entries) = Journal::open(&path).unwrap();
        assert_eq!(entries.len(), 2);
    }
}
