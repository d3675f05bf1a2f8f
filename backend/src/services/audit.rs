//! The audit log: one JSON line per security-relevant event (every download attempt), appended
//! to `<data_dir>/audit.jsonl` and echoed to the application log under target `audit`.

use std::path::Path;

use anyhow::Context;
use chrono::Utc;
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

#[derive(Debug, Serialize)]
pub struct AuditEvent<'a> {
    pub event: &'a str,
    pub outcome: &'a str,
    pub request_id: Option<&'a str>,
    pub contact_id: Option<&'a str>,
    pub account_id: Option<&'a str>,
    pub document_id: Option<&'a str>,
}

pub struct AuditLog {
    file: Mutex<tokio::fs::File>,
}

impl AuditLog {
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        tokio::fs::create_dir_all(data_dir)
            .await
            .with_context(|| format!("creating {}", data_dir.display()))?;
        let path = data_dir.join("audit.jsonl");
        let file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .await
            .with_context(|| format!("opening {}", path.display()))?;
        Ok(Self {
            file: Mutex::new(file),
        })
    }

    /// Records the event before the caller acts on it; a download whose attempt cannot be
    /// recorded is refused rather than served unrecorded.
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
            contact = event.contact_id,
            document = event.document_id,
            "audit"
        );
        let mut file = self.file.lock().await;
        file.write_all(&line)
            .await
            .context("writing the audit log")?;
        file.flush().await.context("flushing the audit log")?;
        Ok(())
    }
}
