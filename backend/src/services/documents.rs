//! Documents: listing the files shared with the customer, and downloads through short-lived
//! signed links.
//!
//! Why a redirect to a signed link instead of streaming from the authorised route: the link
//! expires in seconds and names one file, so the file route can check it without repeating
//! the listing's work, and the download manager can fetch it as a plain GET.
//!
//! A link works only for the session that asked for it: the signature binds document,
//! account, contact, the session's id and the expiry, and the file route verifies it against
//! the session of the request's cookie (which the browser's download manager sends: the link
//! is same-site, reached by a redirect from the portal's own route). So everything that ends a
//! session ends its links (sign-out, expiry, an operator's revocation), a link that leaks
//! (browser history, a proxy's log, a shared screen) is of no use to anyone else, and the
//! session id itself never appears in a URL. At open the contact is checked again (it still
//! exists and still belongs to the account).
//!
//! Only links whose signature verified are audited (`services/audit.rs`); refused ones are
//! counted in `portal_download_refusals_total{reason}` and logged at most once per
//! `downloads.refusal_log_interval_secs`, so unauthenticated requests write nothing to disk
//! and a flood of them cannot flood the log.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use super::audit::{AuditEvent, AuditLog};
use super::auth::Session;
use super::keys;
use super::listing::{Listed, PageRequest};
use crate::config::DownloadsConfig;
use crate::error::{ApiError, ApiResult, ProblemText, Resource};
use crate::observability::metrics::Metrics;
use crate::salesforce::{
    AttachmentRecord, ContentStream, DocumentQuery, DocumentRecord, DocumentSortField,
    SalesforceId, SalesforcePort,
};

/// The query string of a signed download link. The account, contact and session it was issued
/// to are not in it: they are the session's, which the signature binds.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignedLink {
    /// Expiry, in Unix seconds.
    pub expires: i64,
    /// HMAC-SHA256 of document, account, contact, session and expiry (and case): 43
    /// base64url characters.
    #[param(min_length = 43, max_length = 43)]
    pub signature: String,
    /// For a file attached to a case: the case (which the signature covers too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(max_length = 18)]
    pub case: Option<String>,
}

/// A file ready to stream.
pub struct Download {
    pub document: DocumentRecord,
    pub content: ContentStream,
}

/// Why a link was refused, as the metric's `reason` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The path's id or the query string is not a link's.
    Malformed,
    /// No signed-in session came with the request (or it was signed out).
    NoSession,
    /// The signature does not match: tampered with, or made for another session.
    InvalidSignature,
    Expired,
    /// The contact no longer exists or no longer belongs to the account.
    ContactChanged,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::NoSession => "no_session",
            Self::InvalidSignature => "invalid_signature",
            Self::Expired => "expired",
            Self::ContactChanged => "contact_changed",
        }
    }

    pub(crate) fn error(self) -> ApiError {
        ApiError::DownloadLink(match self {
            Self::Expired => ProblemText::DownloadLinkExpired,
            Self::NoSession => ProblemText::DownloadLinkOtherBrowser,
            _ => ProblemText::DownloadLinkInvalid,
        })
    }
}

/// Counts refused links and logs them at most once per interval: one line with how many were
/// refused since the last line, whatever the flood. Generic over the clock for its tests.
struct RefusalLog<C: Clock = DefaultClock> {
    metrics: Arc<Metrics>,
    lines: RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<C::Instant>>,
    unlogged: AtomicU64,
}

impl<C: Clock> RefusalLog<C> {
    fn new(metrics: Arc<Metrics>, interval: Duration, clock: C) -> Self {
        let quota = Quota::with_period(interval.max(Duration::from_millis(1)))
            .expect("a positive interval")
            .allow_burst(NonZeroU32::MIN);
        Self {
            metrics,
            lines: RateLimiter::direct_with_clock(quota, clock),
            unlogged: AtomicU64::new(0),
        }
    }

    /// Counts the refusal, logs if a line is due, and returns the error to answer with.
    fn refuse(&self, refusal: Refusal) -> ApiError {
        self.metrics.download_refused(refusal.as_str());
        self.unlogged.fetch_add(1, Ordering::Relaxed);
        if self.lines.check().is_ok() {
            let refused = self.unlogged.swap(0, Ordering::Relaxed);
            tracing::warn!(
                refused,
                last_reason = refusal.as_str(),
                "download links refused since the last such line"
            );
        }
        refusal.error()
    }
}

pub struct DocumentService {
    salesforce: Arc<dyn SalesforcePort>,
    audit: Arc<AuditLog>,
    key: [u8; 32],
    ttl_secs: i64,
    refusals: RefusalLog,
}

impl DocumentService {
    pub fn new(
        salesforce: Arc<dyn SalesforcePort>,
        audit: Arc<AuditLog>,
        key: [u8; 32],
        config: &DownloadsConfig,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            salesforce,
            audit,
            key,
            ttl_secs: i64::try_from(config.url_ttl_secs).unwrap_or(60),
            refusals: RefusalLog::new(
                metrics,
                Duration::from_secs(config.refusal_log_interval_secs),
                DefaultClock::default(),
            ),
        }
    }

    pub async fn list(
        &self,
        session: &Session,
        page: &PageRequest<DocumentSortField>,
    ) -> ApiResult<Listed<DocumentRecord>> {
        page.read("", |after| async move {
            let query = DocumentQuery {
                search: page.search.get().map(str::to_owned),
                sort: page.sort,
                after,
                limit: page.limit.get(),
            };
            self.salesforce
                .query_documents(&session.document_scope(), &query)
                .await
        })
        .await
    }

    /// Issues a signed link for one of the customer's documents, bound to `session`.
    pub async fn link(
        &self,
        session: &Session,
        raw_id: &str,
        request_id: Option<&str>,
    ) -> ApiResult<String> {
        let id = SalesforceId::parse(raw_id).ok();
        let document = match &id {
            Some(id) => {
                self.salesforce
                    .document(&session.document_scope(), id)
                    .await?
            }
            None => None,
        };
        let outcome = if document.is_some() {
            "link_issued"
        } else {
            "not_found"
        };
        // The id as parsed (an unparsable one is recorded as none): never the raw path text.
        self.audit
            .record(AuditEvent {
                event: "document.download_requested",
                outcome,
                request_id,
                contact_id: Some(&session.contact_id),
                account_id: Some(&session.account_id),
                document_id: id.as_ref(),
                export_id: None,
            })
            .await?;
        let document = document.ok_or(ApiError::NotFound(Resource::Document))?;
        Ok(self.signed_link(&document.id, None, session))
    }

    /// Issues a signed link for a file of one of the customer's cases, bound to `session`.
    /// `attachment` was read for the session's account (`AttachmentService::get`).
    pub async fn attachment_link(
        &self,
        session: &Session,
        attachment: &AttachmentRecord,
        request_id: Option<&str>,
    ) -> ApiResult<String> {
        self.audit
            .record(AuditEvent {
                event: "attachment.download_requested",
                outcome: "link_issued",
                request_id,
                contact_id: Some(&session.contact_id),
                account_id: Some(&session.account_id),
                document_id: Some(&attachment.file.id),
                export_id: None,
            })
            .await?;
        Ok(self.signed_link(&attachment.file.id, Some(&attachment.case_id), session))
    }

    fn signed_link(
        &self,
        document: &SalesforceId,
        case: Option<&SalesforceId>,
        session: &Session,
    ) -> String {
        let expires = Utc::now().timestamp() + self.ttl_secs;
        let signature = keys::sign(&self.key, &signed_message(document, case, session, expires));
        let case = case.map(|c| format!("&case={c}")).unwrap_or_default();
        format!(
            "/downloads/{document}?expires={expires}&signature={}{case}",
            URL_SAFE_NO_PAD.encode(signature)
        )
    }

    /// Checks a signed link against the request's session and opens the file it names.
    /// `link` is `None` when the query string is not a link's at all; `session` is the
    /// request's, if it has one.
    pub async fn open(
        &self,
        raw_id: &str,
        link: Option<&SignedLink>,
        session: Option<&Session>,
        request_id: Option<&str>,
    ) -> ApiResult<Download> {
        let (Ok(id), Some(link)) = (SalesforceId::parse(raw_id), link) else {
            return Err(self.refusals.refuse(Refusal::Malformed));
        };
        let case = match link.case.as_deref().map(SalesforceId::parse) {
            None => None,
            Some(Ok(case)) => Some(case),
            Some(Err(_)) => return Err(self.refusals.refuse(Refusal::Malformed)),
        };
        let Some(session) = session else {
            return Err(self.refusals.refuse(Refusal::NoSession));
        };
        // 32 bytes are 43 characters; anything else is not worth decoding.
        let authentic = link.signature.len() == 43
            && URL_SAFE_NO_PAD.decode(&link.signature).is_ok_and(|tag| {
                keys::verify(
                    &self.key,
                    &signed_message(&id, case.as_ref(), session, link.expires),
                    &tag,
                )
            });
        if !authentic {
            return Err(self.refusals.refuse(Refusal::InvalidSignature));
        }
        // From here on the signature vouches for every value: what is audited is ours.
        let audit = |outcome: &'static str| AuditEvent {
            event: if case.is_some() {
                "attachment.download"
            } else {
                "document.download"
            },
            outcome,
            request_id,
            contact_id: Some(&session.contact_id),
            account_id: Some(&session.account_id),
            document_id: Some(&id),
            export_id: None,
        };
        if Utc::now().timestamp() > link.expires {
            self.audit.record(audit("expired")).await?;
            return Err(self.refusals.refuse(Refusal::Expired));
        }
        // The contact may have been moved to another account or deleted since the link was
        // issued (or since the session began).
        let contact = self.salesforce.contact(&session.contact_id).await?;
        if contact.is_none_or(|c| c.account_id != session.account_id) {
            self.audit.record(audit("contact_changed")).await?;
            return Err(self.refusals.refuse(Refusal::ContactChanged));
        }
        // The file may have been unshared after the link was issued (or, attached to a case,
        // the case moved to another account).
        let found = match &case {
            None => {
                self.salesforce
                    .document(&session.document_scope(), &id)
                    .await?
            }
            Some(case) => {
                let own = self
                    .salesforce
                    .case(&session.case_scope(), case)
                    .await?
                    .is_some_and(|c| c.account_id == session.account_id);
                if own {
                    self.salesforce
                        .attachment(&session.account_id, case, &id)
                        .await?
                        .map(|a| a.file)
                } else {
                    None
                }
            }
        };
        let Some(document) = found else {
            self.audit.record(audit("not_found")).await?;
            return Err(ApiError::NotFound(Resource::Document));
        };
        let content = self
            .salesforce
            .version_data(&document.latest_version_id)
            .await?;
        self.audit.record(audit("served")).await?;
        Ok(Download { document, content })
    }
}

/// What a link's signature covers. `v2`: the session id joined the message (`v1` links, bound
/// to no session, no longer verify); a case's file adds the case, so a link to one file can
/// never be turned into a link to another record's.
fn signed_message(
    document: &SalesforceId,
    case: Option<&SalesforceId>,
    session: &Session,
    expires: i64,
) -> Vec<u8> {
    let mut message = format!(
        "v2\n{document}\n{}\n{}\n{}\n{expires}",
        session.account_id, session.contact_id, session.id
    );
    if let Some(case) = case {
        message.push_str(&format!("\ncase {case}"));
    }
    message.into_bytes()
}

/// The name a downloaded file gets, and the `Content-Disposition` header that carries it safely:
/// an ASCII fallback with anything risky replaced, plus the exact name in RFC 8187 encoding.
pub fn content_disposition(document: &DocumentRecord) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    let name = file_name(document);
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    const ATTR: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'-').remove(b'_');
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        ascii.trim(),
        utf8_percent_encode(&name, ATTR)
    )
}

/// The customer-facing file name: the uploaded name without any folders, or the title plus
/// extension; control characters removed; never empty.
pub fn file_name(document: &DocumentRecord) -> String {
    let from_client = document
        .path_on_client
        .as_deref()
        .map(|p| p.rsplit(['/', '\\']).next().unwrap_or(p).to_owned())
        .filter(|n| !n.trim().is_empty());
    let name = from_client.unwrap_or_else(|| match &document.file_extension {
        Some(ext) if !ext.is_empty() => format!("{}.{ext}", document.title),
        _ => document.title.clone(),
    });
    let clean: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    let clean = clean.trim().trim_start_matches('.').to_owned();
    if clean.is_empty() {
        "download".into()
    } else {
        clean
    }
}

/// The MIME type from the file extension; unknown types download as octet-stream.
pub fn content_type(document: &DocumentRecord) -> String {
    let ext = document.file_extension.clone().unwrap_or_else(|| {
        file_name(document)
            .rsplit('.')
            .next()
            .unwrap_or_default()
            .to_owned()
    });
    mime_guess::from_ext(&ext).first().map_or_else(
        || "application/octet-stream".to_owned(),
        |m| m.essence_str().to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observability::telemetry::captured::CapturedLogs;

    /// However many links are refused, at most one line per interval, and each line counts the
    /// refusals since the one before.
    #[test]
    fn refusals_are_logged_at_most_once_per_interval_with_their_count() {
        let logs = CapturedLogs::default();
        let _logging = tracing::subscriber::set_default(logs.subscriber());
        logs.recheck_call_sites();
        let clock = governor::clock::FakeRelativeClock::default();
        let metrics = Arc::new(Metrics::default());
        let log = RefusalLog::new(Arc::clone(&metrics), Duration::from_secs(60), clock.clone());
        let lines = || -> Vec<serde_json::Value> {
            logs.lines()
                .into_iter()
                .filter(|l| l["message"] == "download links refused since the last such line")
                .collect()
        };
        for _ in 0..500 {
            log.refuse(Refusal::InvalidSignature);
        }
        assert_eq!(lines().len(), 1);
        assert_eq!(lines()[0]["refused"], 1);
        clock.advance(Duration::from_secs(59));
        log.refuse(Refusal::NoSession);
        assert_eq!(lines().len(), 1, "not before the interval has passed");
        clock.advance(Duration::from_secs(1));
        log.refuse(Refusal::Expired);
        let lines = lines();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[1]["refused"], 501,
            "every refusal since the first line"
        );
        assert_eq!(lines[1]["last_reason"], "expired");
        assert!(
            metrics
                .render()
                .contains("portal_download_refusals_total{reason=\"invalid_signature\"} 500")
        );
    }

    fn doc(path: Option<&str>, title: &str, ext: Option<&str>) -> DocumentRecord {
        DocumentRecord {
            id: SalesforceId::parse("069000000000001").unwrap(),
            title: title.into(),
            file_extension: ext.map(Into::into),
            content_size: 1,
            latest_version_id: SalesforceId::parse("068000000000001").unwrap(),
            path_on_client: path.map(Into::into),
            created_date: Utc::now(),
        }
    }

    #[test]
    fn dangerous_names_are_neutralised() {
        let d = doc(Some("Report \"Q3\"; final/v2.pdf"), "Report", Some("pdf"));
        assert_eq!(file_name(&d), "v2.pdf");
        let d = doc(Some("a\"b;c\r\n.pdf"), "x", Some("pdf"));
        let header = content_disposition(&d);
        assert_eq!(
            header,
            "attachment; filename=\"a_b_c.pdf\"; filename*=UTF-8''a%22b%3Bc.pdf"
        );
    }

    #[test]
    fn non_ascii_names_keep_their_exact_form_in_filename_star() {
        let d = doc(Some("Überweisung März 2025.pdf"), "x", Some("pdf"));
        assert_eq!(
            content_disposition(&d),
            "attachment; filename=\"_berweisung M_rz 2025.pdf\"; filename*=UTF-8''%C3%9Cberweisung%20M%C3%A4rz%202025.pdf"
        );
        assert_eq!(content_type(&d), "application/pdf");
    }

    #[test]
    fn falls_back_to_title_and_extension() {
        assert_eq!(
            file_name(&doc(None, "Invoice 7", Some("csv"))),
            "Invoice 7.csv"
        );
        assert_eq!(file_name(&doc(Some("../.."), "", None)), "download");
        assert_eq!(
            content_type(&doc(None, "x", Some("weird"))),
            "application/octet-stream"
        );
    }
}
