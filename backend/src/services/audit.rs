//! The audit log: one JSON line per security-relevant event (a download link issued, a file
//! served through a verified link), appended to `<data_dir>/audit.jsonl` and echoed to the
//! application log under target `audit`.
//!
//! Durable like the case journal (`mock_store/journal.rs`): an event is acknowledged only once
//! its line is on disk (`fdatasync`), so a download is never served unrecorded. The writes and
//! syncs run on one dedicated thread, never on the async runtime's workers (a sync can take
//! milliseconds, more on a busy disk), and events waiting together share one sync.
//!
//! What goes in: only values the portal vouches for (ids from the session or parsed from the
//! path, and only once a link's signature verified). Refused links write nothing here; they
//! are counted in metrics (`services/documents.rs`), so no one can fill the disk with
//! requests of their choosing.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::Utc;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::salesforce::SalesforceId;

#[derive(Debug, Serialize)]
pub struct AuditEvent<'a> {
    pub event: &'static str,
    pub outcome: &'static str,
    pub request_id: Option<&'a str>,
    pub contact_id: Option<&'a SalesforceId>,
    pub account_id: Option<&'a SalesforceId>,
    pub document_id: Option<&'a SalesforceId>,
    /// A case export (issue 16): its id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export_id: Option<&'a str>,
}

/// Events waiting for the writer. Bounded, so a flood waits for the disk (each waiting request
/// holds its line) rather than growing a queue without end.
const QUEUE: usize = 1024;

struct Pending {
    line: Vec<u8>,
    done: oneshot::Sender<Result<(), String>>,
}

pub struct AuditLog {
    queue: mpsc::Sender<Pending>,
}

impl AuditLog {
    /// Opens (or creates) `<data_dir>/audit.jsonl` and starts its writer thread. A torn last
    /// line left by a crash (never acknowledged) is cut off, so the next line starts clean.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let dir = data_dir.to_owned();
        let writer = tokio::task::spawn_blocking(move || Writer::open(&dir))
            .await
            .context("opening the audit log")??;
        let (queue, receiver) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("audit-log".into())
            .spawn(move || writer.run(receiver))
            .context("starting the audit log's writer thread")?;
        Ok(Self { queue })
    }

    /// Records the event before the caller acts on it; returns once it is on disk. A download
    /// whose attempt cannot be recorded is refused rather than served unrecorded.
    pub async fn record(&self, event: AuditEvent<'_>) -> anyhow::Result<()> {
        #[derive(Serialize)]
        struct Line<'a> {
            at: String,
            #[serde(flatten)]
            event: &'a AuditEvent<'a>,
        }
        let mut line = serde_json::to_vec(&Line {
            at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            event: &event,
        })?;
        line.push(b'\n');
        tracing::info!(
            target: "audit",
            event = event.event,
            outcome = event.outcome,
            contact = event.contact_id.map(SalesforceId::as_str),
            document = event.document_id.map(SalesforceId::as_str),
            "audit"
        );
        let (done, written) = oneshot::channel();
        self.queue
            .send(Pending { line, done })
            .await
            .map_err(|_| anyhow::anyhow!("the audit log's writer has stopped"))?;
        written
            .await
            .context("the audit log's writer dropped an event")?
            .map_err(|err| anyhow::anyhow!("writing the audit log: {err}"))
    }
}

/// The file and the length of what was synced to it, owned by the writer thread.
struct Writer {
    path: PathBuf,
    file: File,
    len: u64,
}

impl Writer {
    fn open(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating {}", data_dir.display()))?;
        let path = data_dir.join("audit.jsonl");
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        if !existed {
            // The new file's directory entry must be durable too, or a crash loses the file.
            File::open(data_dir)?.sync_all()?;
        }
        let len =
            complete_lines_len(&mut file).with_context(|| format!("reading {}", path.display()))?;
        if len < file.metadata()?.len() {
            tracing::warn!(
                audit_log = %path.display(),
                "cutting off a torn audit line left by a crash; it was never acknowledged"
            );
            file.set_len(len)?;
            file.sync_all()?;
        }
        Ok(Self { path, file, len })
    }

    /// Writes what is queued, a group at a time: one write and one sync for every event that
    /// arrived while the previous group was syncing. Runs until the last sender is gone.
    fn run(mut self, mut queue: mpsc::Receiver<Pending>) {
        while let Some(first) = queue.blocking_recv() {
            let mut group = vec![first];
            while group.len() < QUEUE
                && let Ok(next) = queue.try_recv()
            {
                group.push(next);
            }
            let buf: Vec<u8> = group.iter().flat_map(|p| p.line.iter().copied()).collect();
            let result = self.append(&buf).map_err(|err| format!("{err:#}"));
            for pending in group {
                // The requester may have gone (client disconnected); the line is written anyway.
                let _ = pending.done.send(result.clone());
            }
        }
    }

    /// Appends and syncs `buf`. A failed append is cut back (and that cut synced), so no
    /// partial line is left for the next one to follow.
    fn append(&mut self, buf: &[u8]) -> anyhow::Result<()> {
        let result = self
            .file
            .write_all(buf)
            .and_then(|()| self.file.sync_data());
        match result {
            Ok(()) => {
                self.len += buf.len() as u64;
                Ok(())
            }
            Err(err) => {
                if let Err(cut) = self
                    .file
                    .set_len(self.len)
                    .and_then(|()| self.file.sync_data())
                {
                    tracing::error!(
                        audit_log = %self.path.display(),
                        write_error = %err,
                        truncate_error = %cut,
                        "a failed audit log append could not be cut back"
                    );
                }
                Err(err).with_context(|| format!("appending to {}", self.path.display()))
            }
        }
    }
}

/// The length of the file up to and including its last newline.
fn complete_lines_len(file: &mut File) -> std::io::Result<u64> {
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_end(&mut bytes)?;
    Ok(bytes
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i as u64 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> SalesforceId {
        SalesforceId::parse(s).unwrap()
    }

    #[tokio::test]
    async fn events_are_on_disk_when_acknowledged_and_a_torn_tail_is_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("audit.jsonl"), "{\"at\":\"x\"}\n{\"torn").unwrap();
        let log = AuditLog::open(dir.path()).await.unwrap();
        let document = id("069000000000001");
        let events = (0..20).map(|_| {
            log.record(AuditEvent {
                event: "document.download",
                outcome: "served",
                request_id: Some("r-1"),
                contact_id: None,
                account_id: None,
                document_id: Some(&document),
                export_id: None,
            })
        });
        for result in futures::future::join_all(events).await {
            result.unwrap();
        }
        let text = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 21, "{text}");
        assert_eq!(lines[0], "{\"at\":\"x\"}");
        for line in &lines[1..] {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(event["document_id"], document.as_str());
        }
    }
}
