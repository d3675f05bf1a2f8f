//! Documents: listing the files shared with the customer, and downloads through short-lived
//! signed links.
//!
//! Why a redirect to a signed link instead of streaming from the authorised route: the link can
//! be handed to the browser's download manager (no cookie, no CSRF concerns), it expires in
//! seconds, and the file route needs no session lookup. The signature binds document, account,
//! contact and expiry; every attempt, allowed or refused, is audited.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;

use super::audit::{AuditEvent, AuditLog};
use super::auth::Session;
use super::keys;
use super::listing::{Listed, PageRequest};
use crate::error::{ApiError, ApiResult};
use crate::salesforce::{
    ContentStream, DocumentQuery, DocumentRecord, DocumentSortField, SalesforceId, SalesforcePort,
};

/// The query string of a signed download link.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::IntoParams)]
pub struct SignedLink {
    /// The account the link was issued to.
    pub account: String,
    /// The contact the link was issued to.
    pub contact: String,
    /// Expiry, in Unix seconds.
    pub expires: i64,
    /// HMAC-SHA256 over the other fields, base64url.
    pub signature: String,
}

/// A file ready to stream.
pub struct Download {
    pub document: DocumentRecord,
    pub content: ContentStream,
}

pub struct DocumentService {
    salesforce: Arc<dyn SalesforcePort>,
    audit: Arc<AuditLog>,
    key: [u8; 32],
    ttl_secs: i64,
}

impl DocumentService {
    pub fn new(
        salesforce: Arc<dyn SalesforcePort>,
        audit: Arc<AuditLog>,
        key: [u8; 32],
        ttl_secs: u64,
    ) -> Self {
        Self {
            salesforce,
            audit,
            key,
            ttl_secs: i64::try_from(ttl_secs).unwrap_or(60),
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
                .query_documents(&session.account_id, &query)
                .await
        })
        .await
    }

    /// Issues a signed link for one of the customer's documents.
    pub async fn link(
        &self,
        session: &Session,
        raw_id: &str,
        request_id: Option<&str>,
    ) -> ApiResult<String> {
        let id = SalesforceId::parse(raw_id).ok();
        let document = match &id {
            Some(id) => self.salesforce.document(&session.account_id, id).await?,
            None => None,
        };
        let outcome = if document.is_some() {
            "link_issued"
        } else {
            "not_found"
        };
        self.audit
            .record(AuditEvent {
                event: "document.download_requested",
                outcome,
                request_id,
                contact_id: Some(session.contact_id.as_str()),
                account_id: Some(session.account_id.as_str()),
                document_id: Some(raw_id),
            })
            .await?;
        let document = document.ok_or(ApiError::NotFound("document"))?;
        let expires = Utc::now().timestamp() + self.ttl_secs;
        let link = SignedLink {
            account: session.account_id.to_string(),
            contact: session.contact_id.to_string(),
            expires,
            signature: URL_SAFE_NO_PAD.encode(keys::sign(
                &self.key,
                &signed_message(
                    document.id.as_str(),
                    &session.account_id.to_string(),
                    &session.contact_id.to_string(),
                    expires,
                ),
            )),
        };
        let query = serde_urlencoded(&link);
        Ok(format!("/downloads/{}?{query}", document.id))
    }

    /// Checks a signed link and opens the file it names. `link` is `None` when the query
    /// string is not a link's at all.
    pub async fn open(
        &self,
        raw_id: &str,
        link: Option<&SignedLink>,
        request_id: Option<&str>,
    ) -> ApiResult<Download> {
        let Some(link) = link else {
            self.audit
                .record(AuditEvent {
                    event: "document.download",
                    outcome: "invalid_signature",
                    request_id,
                    contact_id: None,
                    account_id: None,
                    document_id: Some(raw_id),
                })
                .await?;
            return Err(ApiError::DownloadLink("This download link is not valid."));
        };
        let audit = |outcome: &'static str| AuditEvent {
            event: "document.download",
            outcome,
            request_id,
            contact_id: Some(&link.contact),
            account_id: Some(&link.account),
            document_id: Some(raw_id),
        };
        let authentic = URL_SAFE_NO_PAD.decode(&link.signature).is_ok_and(|tag| {
            keys::verify(
                &self.key,
                &signed_message(raw_id, &link.account, &link.contact, link.expires),
                &tag,
            )
        });
        if !authentic {
            self.audit.record(audit("invalid_signature")).await?;
            return Err(ApiError::DownloadLink("This download link is not valid."));
        }
        if Utc::now().timestamp() > link.expires {
            self.audit.record(audit("expired")).await?;
            return Err(ApiError::DownloadLink(
                "This download link has expired. Start the download again from the documents page.",
            ));
        }
        // The signature vouches for these values, so they parse; re-check ownership anyway, in
        // case the file was unshared after the link was issued.
        let (Ok(id), Ok(account)) = (
            SalesforceId::parse(raw_id),
            SalesforceId::parse(&link.account),
        ) else {
            self.audit.record(audit("invalid_signature")).await?;
            return Err(ApiError::DownloadLink("This download link is not valid."));
        };
        let Some(document) = self.salesforce.document(&account, &id).await? else {
            self.audit.record(audit("not_found")).await?;
            return Err(ApiError::NotFound("document"));
        };
        let content = self
            .salesforce
            .version_data(&document.latest_version_id)
            .await?;
        self.audit.record(audit("served")).await?;
        Ok(Download { document, content })
    }
}

fn signed_message(document: &str, account: &str, contact: &str, expires: i64) -> Vec<u8> {
    format!("v1\n{document}\n{account}\n{contact}\n{expires}").into_bytes()
}

fn serde_urlencoded(link: &SignedLink) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    const QUERY: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_');
    let enc = |s: &str| utf8_percent_encode(s, QUERY).to_string();
    format!(
        "account={}&contact={}&expires={}&signature={}",
        enc(&link.account),
        enc(&link.contact),
        link.expires,
        enc(&link.signature)
    )
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
