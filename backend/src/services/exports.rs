//! Exporting all of an account's cases as CSV (issue 16, decision 026).
//!
//! Starting an export starts a Bulk API 2.0 query job (the mock store: a snapshot) and answers
//! with an export id that is the job's id signed together with the session's account, so any
//! instance can tell, without shared state, that the export is this account's: a foreign,
//! tampered or unknown id is the same 404. The Idempotency-Key (required) maps to the export it
//! started, in the shared store, so a retried start answers with the same export.
//!
//! A complete export's status carries a short-lived download link signed, like a document's,
//! with the download key and bound to the session (`services::keys::sign`); the download
//! checks it, is audited, and streams the CSV one result set at a time in the portal's own
//! columns and words, with a guard against spreadsheet formula injection.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use futures::Stream;

use super::audit::{AuditEvent, AuditLog};
use super::auth::Session;
use super::documents::Refusal;
use super::idempotency;
use super::keys;
use crate::config::ExportsConfig;
use crate::domain::case::Picklists;
use crate::domain::role::Role;
use crate::error::{ApiError, ApiResult, ProblemText, RateLimitInfo, Resource};
use crate::observability::metrics::Metrics;
use crate::salesforce::exports::{ExportPort, ExportRow, ExportState};
use crate::shared_state::SharedState;
use crate::shared_state::export_keys::ExportKeys;
use crate::shared_state::rate_limit::{Decision, Policy, RateLimitStore, ceil_secs};

/// The rate-limit policy of starting exports.
pub const POLICY: &str = "export-start";

/// The CSV's header: the portal's own column names.
pub const HEADER: [&str; 7] = [
    "case_number",
    "subject",
    "status",
    "priority",
    "created_at",
    "closed_at",
    "last_updated_at",
];

/// The query string of a download link.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportLink {
    /// Expiry, in Unix seconds.
    pub expires: i64,
    /// HMAC-SHA256 of export, account, contact, session and expiry: 43 base64url characters.
    #[param(min_length = 43, max_length = 43, pattern = "^[A-Za-z0-9_-]{43}$")]
    pub signature: String,
}

/// An export as the API shows it.
#[derive(Debug, Clone)]
pub struct ExportStatus {
    pub id: String,
    pub state: ExportState,
    pub records: u64,
    /// When complete: the signed download link (a path) and when it expires.
    pub download: Option<(String, DateTime<Utc>)>,
}

pub struct Started {
    pub status: ExportStatus,
    pub replayed: bool,
    pub rate: Option<RateLimitInfo>,
}

pub struct ExportService {
    port: Arc<dyn ExportPort>,
    picklists: Arc<Picklists>,
    key: [u8; 32],
    started: Arc<dyn ExportKeys>,
    limiter: Arc<dyn RateLimitStore>,
    audit: Arc<AuditLog>,
    config: ExportsConfig,
    metrics: Arc<Metrics>,
}

impl ExportService {
    pub fn new(
        port: Arc<dyn ExportPort>,
        picklists: Arc<Picklists>,
        download_key: [u8; 32],
        audit: Arc<AuditLog>,
        config: &ExportsConfig,
        metrics: Arc<Metrics>,
        shared: &SharedState,
    ) -> Self {
        Self {
            port,
            picklists,
            key: download_key,
            started: shared.export_keys(),
            limiter: shared.rate_limit(Policy::new(
                POLICY,
                config.rate_limit.per_hour,
                Duration::from_secs(3600),
                config.rate_limit.burst,
            )),
            audit,
            config: config.clone(),
            metrics,
        }
    }

    /// Starts an export of every case of the session's account, or answers with the one this
    /// Idempotency-Key started.
    pub async fn start(
        &self,
        session: &Session,
        idempotency_key: Option<&str>,
    ) -> ApiResult<Started> {
        managers_only(session)?;
        let key = idempotency::required_key(
            idempotency_key,
            "Send an Idempotency-Key header (a UUID per export) so that a retry never starts a second export.",
        )?;
        let scoped = idempotency::scoped_key(session, &format!("export:{key}"));
        if let Some(existing) = self.started.get(&scoped).await? {
            let status = self.status(session, &existing).await?;
            return Ok(Started {
                status,
                replayed: true,
                rate: None,
            });
        }
        let rate = self.check_rate(session).await?;
        let job = self.port.start(&session.account_id).await?;
        let id = self.export_id(session, &job.job_id);
        let ttl = Duration::from_secs(self.config.key_ttl_secs);
        let stands = self.started.claim(&scoped, &id, ttl).await?;
        if stands != id {
            // A concurrent attempt with the same key got there first: its export stands.
            let status = self.status(session, &stands).await?;
            return Ok(Started {
                status,
                replayed: true,
                rate: None,
            });
        }
        tracing::info!(account = %session.account_id, job = %job.job_id, "case export started");
        Ok(Started {
            status: ExportStatus {
                id,
                state: job.state,
                records: job.records,
                download: None,
            },
            replayed: false,
            rate: Some(rate),
        })
    }

    /// The export's progress; when complete, with a download link bound to `session`.
    pub async fn status(&self, session: &Session, raw_id: &str) -> ApiResult<ExportStatus> {
        managers_only(session)?;
        let job_id = self.job_of(session, raw_id)?;
        let job = self
            .port
            .progress(&job_id)
            .await?
            .ok_or(ApiError::NotFound(Resource::Export))?;
        let download = (job.state == ExportState::Complete).then(|| {
            let expires = Utc::now() + chrono::Duration::seconds(self.config.link_ttl_secs as i64);
            let signature = URL_SAFE_NO_PAD.encode(keys::sign(
                &self.key,
                &link_message(raw_id, session, expires.timestamp()),
            ));
            (
                format!(
                    "/customer/{}/exports/{raw_id}/download?expires={}&signature={signature}",
                    session.account_id,
                    expires.timestamp()
                ),
                expires,
            )
        });
        Ok(ExportStatus {
            id: raw_id.to_owned(),
            state: job.state,
            records: job.records,
            download,
        })
    }

    /// Checks a download link against the session, audits the download and returns the CSV
    /// as a stream of result sets.
    pub async fn download(
        &self,
        session: &Session,
        raw_id: &str,
        link: Option<&ExportLink>,
        request_id: Option<&str>,
    ) -> ApiResult<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static> {
        managers_only(session)?;
        let job_id = self.job_of(session, raw_id)?;
        let Some(link) = link else {
            return Err(self.refuse(Refusal::Malformed));
        };
        let authentic = link.signature.len() == 43
            && URL_SAFE_NO_PAD.decode(&link.signature).is_ok_and(|tag| {
                keys::verify(
                    &self.key,
                    &link_message(raw_id, session, link.expires),
                    &tag,
                )
            });
        if !authentic {
            return Err(self.refuse(Refusal::InvalidSignature));
        }
        let audit = |outcome: &'static str| AuditEvent {
            event: "cases.export_download",
            outcome,
            request_id,
            contact_id: Some(&session.contact_id),
            account_id: Some(&session.account_id),
            document_id: None,
            export_id: Some(raw_id),
        };
        if Utc::now().timestamp() > link.expires {
            self.audit.record(audit("expired")).await?;
            return Err(self.refuse(Refusal::Expired));
        }
        // The first set before answering: a job that is gone is a 404, not a broken download.
        let first = match self.port.page(&job_id, None).await {
            Ok(page) => page,
            Err(err) => {
                if self.port.progress(&job_id).await?.is_none() {
                    self.audit.record(audit("not_found")).await?;
                    return Err(ApiError::NotFound(Resource::Export));
                }
                return Err(err.into());
            }
        };
        self.audit.record(audit("served")).await?;
        let port = Arc::clone(&self.port);
        let picklists = Arc::clone(&self.picklists);
        let mut header = String::new();
        write_line(&mut header, HEADER.iter().map(|h| (*h).to_owned()));
        enum Next {
            First(crate::salesforce::exports::ExportPage),
            From(String),
            Done,
        }
        let body = futures::stream::unfold(
            (Next::First(first), port, picklists, job_id),
            |(next, port, picklists, job_id)| async move {
                let page = match next {
                    Next::Done => return None,
                    Next::First(page) => page,
                    Next::From(locator) => match port.page(&job_id, Some(&locator)).await {
                        Ok(page) => page,
                        Err(err) => {
                            tracing::warn!(error = %err, job = %job_id, "case export stopped mid-stream");
                            return Some((
                                Err(std::io::Error::other(
                                    "the export could not be read to its end",
                                )),
                                (Next::Done, port, picklists, job_id),
                            ));
                        }
                    },
                };
                let mut out = String::new();
                for row in &page.rows {
                    write_line(&mut out, portal_cells(row, &picklists));
                }
                let next = page.next.map_or(Next::Done, Next::From);
                Some((Ok(Bytes::from(out)), (next, port, picklists, job_id)))
            },
        );
        Ok(futures::StreamExt::chain(
            futures::stream::once(async move { Ok(Bytes::from(header)) }),
            body,
        ))
    }

    fn refuse(&self, refusal: Refusal) -> ApiError {
        self.metrics.download_refused(refusal.as_str());
        tracing::info!(reason = refusal.as_str(), "export download link refused");
        refusal.error()
    }

    /// The signed export id of `job` for the session's account: `<job>-<signature>`.
    fn export_id(&self, session: &Session, job_id: &str) -> String {
        let tag = keys::sign(
            &self.key,
            &id_message(&session.account_id.to_string(), job_id),
        );
        format!("{job_id}-{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// The job behind an export id, when the id was made for the session's account.
    fn job_of(&self, session: &Session, raw_id: &str) -> ApiResult<String> {
        let not_found = || ApiError::NotFound(Resource::Export);
        let (job, signature) = raw_id.split_once('-').ok_or_else(not_found)?;
        if job.is_empty() || job.len() > 18 || !job.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(not_found());
        }
        let authentic = signature.len() == 43
            && URL_SAFE_NO_PAD.decode(signature).is_ok_and(|tag| {
                keys::verify(
                    &self.key,
                    &id_message(&session.account_id.to_string(), job),
                    &tag,
                )
            });
        if authentic {
            Ok(job.to_owned())
        } else {
            Err(not_found())
        }
    }

    async fn check_rate(&self, session: &Session) -> ApiResult<RateLimitInfo> {
        match self.limiter.check(session.account_id.as_str()).await? {
            Decision::Allowed { remaining } => Ok(self.rate_info(remaining, 0)),
            Decision::Limited { retry_after } => {
                tracing::info!(account = %session.account_id, "case export rate-limited");
                self.metrics.refused("export_start");
                Err(ApiError::RateLimited(
                    self.rate_info(0, ceil_secs(retry_after)),
                ))
            }
        }
    }

    fn rate_info(&self, remaining: u32, reset_secs: u64) -> RateLimitInfo {
        RateLimitInfo::of(POLICY, self.limiter.policy(), remaining, reset_secs)
    }

    pub fn prune(&self) {
        self.limiter.prune();
    }
}

/// What an export id's signature covers: the account it was made for and the job.
fn id_message(account: &str, job: &str) -> Vec<u8> {
    format!("export-id v1\n{account}\n{job}").into_bytes()
}

/// What a download link's signature covers: the export, and the session it was issued to.
fn link_message(export: &str, session: &Session, expires: i64) -> Vec<u8> {
    format!(
        "export-link v1\n{export}\n{}\n{}\n{}\n{expires}",
        session.account_id, session.contact_id, session.id
    )
    .into_bytes()
}

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn word<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A row in the portal's columns and words (status and priority through the picklist mapping).
/// An export holds every case of the company, which only its managers see (decision 031): a
/// member may neither start one nor read one a manager started (its id is the account's).
fn managers_only(session: &Session) -> ApiResult<()> {
    match session.role {
        Role::Manager => Ok(()),
        Role::Member => Err(ApiError::Forbidden(ProblemText::ExportManagersOnly)),
    }
}

pub fn portal_cells(row: &ExportRow, picklists: &Picklists) -> Vec<String> {
    vec![
        row.case_number.clone(),
        row.subject.clone(),
        word(picklists.status(&row.status, row.is_closed)),
        word(picklists.priority(&row.priority)),
        when(row.created),
        when(row.closed),
        when(row.last_modified),
    ]
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a leading tab or
/// carriage return) is prefixed with `'`, as OWASP's CSV injection advice says.
pub fn guard(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// One CSV line (RFC 4180: quoted when needed, quotes doubled), every cell guarded.
fn write_line(out: &mut String, cells: impl IntoIterator<Item = String>) {
    let mut first = true;
    for cell in cells {
        if !first {
            out.push(',');
        }
        first = false;
        let cell = guard(&cell);
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_cells_quoted() {
        let mut out = String::new();
        write_line(
            &mut out,
            [
                "=HYPERLINK(\"x\")".to_owned(),
                "-1+2".to_owned(),
                "a, b".to_owned(),
                "plain".to_owned(),
                "@SUM(A1)".to_owned(),
            ],
        );
        assert_eq!(
            out,
            "\"'=HYPERLINK(\"\"x\"\")\",'-1+2,\"a, b\",plain,'@SUM(A1)\r\n"
        );
    }
}
