//! Files a customer attaches to one of their cases: listing, reading one, and uploads.
//!
//! An upload is streamed to a spool file in `<data_dir>/uploads` (never held in memory), its
//! size capped while it streams in (`attachments.max_bytes`), its kind told from its first
//! bytes (`domain::attachment::detect`) and checked against `attachments.allowed_types`, its
//! name made safe; only then does it reach the adapter. An `Idempotency-Key` is required:
//! the key (scoped to the contact) names the upload in the adapter (the mock store's upload id,
//! Salesforce's `attachment_external_id_field` on ContentVersion), so a retry with the same key
//! returns the same file and never stores a second one, whatever was lost on the way.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::auth::Session;
use super::idempotency::{self, Begin};
use super::listing::{Listed, PageRequest};
use crate::config::AttachmentsConfig;
use crate::domain::attachment::{self, FileKind, SNIFF_BYTES};
use crate::error::{ApiError, ApiResult, FieldError, RateLimitInfo, Resource};
use crate::observability::metrics::Metrics;
use crate::salesforce::{
    AttachmentRecord, DocumentQuery, DocumentSortField, NewAttachment, SalesforceId, SalesforcePort,
};
use crate::shared_state::SharedState;
use crate::shared_state::idempotency::{Fingerprint, IdempotencyStore};
use crate::shared_state::rate_limit::{Decision, Policy, RateLimitStore, ceil_secs};

/// The spool folder inside the data directory.
pub const UPLOADS_FOLDER: &str = "uploads";

/// The result of an upload: the file, and whether an earlier request with the key stored it.
/// A file spooled by [`AttachmentService::receive`], not yet stored.
pub struct Received(Spool);

pub struct Uploaded {
    pub attachment: AttachmentRecord,
    pub replayed: bool,
    pub rate: Option<RateLimitInfo>,
}

pub struct AttachmentService {
    salesforce: Arc<dyn SalesforcePort>,
    idempotency: Arc<dyn IdempotencyStore>,
    limiter: Arc<dyn RateLimitStore>,
    metrics: Arc<Metrics>,
    max_bytes: u64,
    allowed: Vec<&'static FileKind>,
    uploads: PathBuf,
}

impl AttachmentService {
    /// Creates the spool folder and empties it: what is left there is an upload a crash or a
    /// restart interrupted, never stored.
    pub fn new(
        salesforce: Arc<dyn SalesforcePort>,
        config: &AttachmentsConfig,
        data_dir: &Path,
        metrics: Arc<Metrics>,
        shared: &SharedState,
    ) -> anyhow::Result<Self> {
        let uploads = data_dir.join(UPLOADS_FOLDER);
        std::fs::create_dir_all(&uploads)
            .with_context(|| format!("creating {}", uploads.display()))?;
        for entry in std::fs::read_dir(&uploads)? {
            let path = entry?.path();
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
        Ok(Self {
            salesforce,
            idempotency: shared.idempotency(),
            limiter: shared.rate_limit(Policy::new(
                "attachment-upload",
                config.rate_limit.per_hour,
                Duration::from_secs(3600),
                config.rate_limit.burst,
            )),
            metrics,
            max_bytes: config.max_bytes,
            allowed: config
                .allowed_types
                .iter()
                .filter_map(|m| attachment::kind(m))
                .collect(),
            uploads,
        })
    }

    /// The accepted types, as the refusal names them.
    fn allowed_names(&self) -> String {
        let names: Vec<&str> = self
            .allowed
            .iter()
            .flat_map(|k| k.extensions.first().copied())
            .collect();
        names.join(", ")
    }

    /// The case, if it is the customer's: another customer's is "not found", like a missing one.
    async fn own_case(&self, session: &Session, case: &SalesforceId) -> ApiResult<()> {
        self.salesforce
            .case(&session.case_scope(), case)
            .await?
            .filter(|c| c.account_id == session.account_id)
            .map(|_| ())
            .ok_or(ApiError::NotFound(Resource::Case))
    }

    pub async fn list(
        &self,
        session: &Session,
        case: &SalesforceId,
        page: &PageRequest<DocumentSortField>,
    ) -> ApiResult<Listed<AttachmentRecord>> {
        self.own_case(session, case).await?;
        page.read(&format!("case={case}"), |after| async move {
            let query = DocumentQuery {
                search: page.search.get().map(str::to_owned),
                sort: page.sort,
                after,
                limit: page.limit.get(),
            };
            self.salesforce
                .query_attachments(&session.account_id, case, &query)
                .await
        })
        .await
    }

    /// One file of one of the customer's cases.
    pub async fn get(
        &self,
        session: &Session,
        case: &SalesforceId,
        id: &SalesforceId,
    ) -> ApiResult<AttachmentRecord> {
        self.own_case(session, case).await?;
        self.salesforce
            .attachment(&session.account_id, case, id)
            .await?
            .ok_or(ApiError::NotFound(Resource::Attachment))
    }

    /// Checks the key and the case before anything is read: a refused request costs no upload.
    pub async fn admit(
        &self,
        session: &Session,
        case: &SalesforceId,
        idempotency_key: Option<&str>,
    ) -> ApiResult<String> {
        self.own_case(session, case).await?;
        idempotency_key
            .filter(|k| idempotency::valid_key(k))
            .map(str::to_owned)
            .ok_or_else(|| {
                idempotency::key_error(
                    "Send an Idempotency-Key of 1 to 255 visible ASCII characters (a UUID per \
                     file), so a retry never stores the file twice.",
                )
            })
    }

    /// Spools a file's content to disk (see the module's notes), refusing an empty one: the
    /// first half of an upload, before [`AttachmentService::upload`] stores it. Nothing is
    /// stored or claimed yet, so the caller may still refuse the request.
    pub async fn receive<S>(&self, content: S) -> ApiResult<Received>
    where
        S: Stream<Item = ApiResult<Bytes>>,
    {
        let spool = Spool::receive(&self.uploads, content, self.max_bytes).await?;
        if spool.size == 0 {
            return Err(ApiError::Validation(vec![FieldError::new(
                "file",
                "The file is empty.",
            )]));
        }
        Ok(Received(spool))
    }

    /// Stores a received file on the case. `key` is what [`AttachmentService::admit`] returned.
    pub async fn upload(
        &self,
        session: &Session,
        case: &SalesforceId,
        key: &str,
        raw_name: &str,
        Received(spool): Received,
    ) -> ApiResult<Uploaded> {
        let kind = attachment::detect(&spool.head, raw_name)
            .filter(|k| self.allowed.contains(k))
            .ok_or_else(|| ApiError::AttachmentType {
                allowed: self.allowed_names(),
            })?;
        let file_name = attachment::sanitise_file_name(raw_name, kind);
        let scoped = idempotency::scoped_key(session, &format!("attachment:{case}:{key}"));
        let fingerprint = Fingerprint::of(&[case.as_str(), &file_name, &spool.sha256]);
        let claim = match idempotency::begin(&self.idempotency, scoped.clone(), fingerprint).await?
        {
            Begin::Proceed(claim) => claim,
            // Attachment keys are never completed with a record (the adapter finds the upload
            // by its id instead), so a key is replayed only from there.
            Begin::Replay(_) | Begin::Mismatch => return Err(ApiError::IdempotencyMismatch),
            Begin::InFlight => return Err(ApiError::IdempotencyInFlight),
        };
        let stored = self.store(session, case, &scoped, file_name, &spool).await;
        // The upload id finds the file from now on: the claim has done its work either way.
        claim.release().await;
        stored
    }

    async fn store(
        &self,
        session: &Session,
        case: &SalesforceId,
        scoped_key: &str,
        file_name: String,
        spool: &Spool,
    ) -> ApiResult<Uploaded> {
        let rate = match self.limiter.check(session.account_id.as_str()).await? {
            Decision::Allowed { remaining } => self.rate_info(remaining, 0),
            Decision::Limited { retry_after } => {
                tracing::info!(account = %session.account_id, "attachment upload rate-limited");
                self.metrics.refused("attachment_upload");
                return Err(ApiError::RateLimited(
                    self.rate_info(0, ceil_secs(retry_after)),
                ));
            }
        };
        let outcome = self
            .salesforce
            .upload_attachment(NewAttachment {
                account_id: session.account_id.clone(),
                case_id: case.clone(),
                contact_id: session.contact_id.clone(),
                file_name: file_name.clone(),
                spool: spool.path.clone(),
                size: spool.size,
                upload_id: upload_id(scoped_key),
            })
            .await
            .map_err(ApiError::from);
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(err @ ApiError::StorageFull(_)) => {
                // Nothing was stored: the attempt does not count against the quota.
                if let Err(refund) = self.limiter.refund(session.account_id.as_str()).await {
                    tracing::warn!(error = %refund, "could not give back an upload unit");
                }
                return Err(err);
            }
            Err(err) => return Err(err),
        };
        let same = outcome.record.file.path_on_client.as_deref() == Some(file_name.as_str())
            && outcome.record.file.content_size == spool.size;
        if !outcome.created && !same {
            return Err(ApiError::IdempotencyMismatch);
        }
        if outcome.created {
            tracing::info!(case = %case, attachment = %outcome.record.file.id, size = spool.size, "attachment stored");
        }
        Ok(Uploaded {
            replayed: !outcome.created,
            attachment: outcome.record,
            rate: Some(rate),
        })
    }

    fn rate_info(&self, remaining: u32, reset_secs: u64) -> RateLimitInfo {
        RateLimitInfo::of(
            "attachment-upload",
            self.limiter.policy(),
            remaining,
            reset_secs,
        )
    }

    pub fn prune(&self) {
        self.limiter.prune();
    }
}

/// The upload id a keyed upload is stored under: derived from the scoped key, 40 hexadecimal
/// digits of its SHA-256 (fits any text field, says nothing of the key).
fn upload_id(scoped_key: &str) -> String {
    format!("u-{}", idempotency::key_digest(scoped_key, 40))
}

/// An upload on its way to the adapter: a file in the spool folder, removed when dropped if
/// the adapter left it there (the mock store moves it into its own folder).
struct Spool {
    path: PathBuf,
    size: u64,
    /// The first [`SNIFF_BYTES`], for telling the file's kind.
    head: Vec<u8>,
    sha256: String,
}

impl Spool {
    /// Writes `content` to a new spool file, refusing it as soon as it passes `max_bytes`.
    async fn receive<S>(folder: &Path, content: S, max_bytes: u64) -> ApiResult<Self>
    where
        S: Stream<Item = ApiResult<Bytes>>,
    {
        let path = folder.join(format!("{}.part", uuid::Uuid::new_v4().simple()));
        let mut spool = Self {
            path,
            size: 0,
            head: Vec::new(),
            sha256: String::new(),
        };
        let mut file = tokio::fs::File::create(&spool.path)
            .await
            .map_err(|e| storage_error(e, "creating the upload's spool file"))?;
        let mut hash = Sha256::new();
        let mut content = std::pin::pin!(content);
        while let Some(chunk) = content.next().await {
            let chunk = chunk?;
            spool.size += chunk.len() as u64;
            if spool.size > max_bytes {
                return Err(ApiError::AttachmentTooLarge { max_bytes });
            }
            if spool.head.len() < SNIFF_BYTES {
                let take = (SNIFF_BYTES - spool.head.len()).min(chunk.len());
                spool.head.extend_from_slice(&chunk[..take]);
            }
            hash.update(&chunk);
            file.write_all(&chunk)
                .await
                .map_err(|e| storage_error(e, "writing the upload's spool file"))?;
        }
        file.flush()
            .await
            .map_err(|e| storage_error(e, "writing the upload's spool file"))?;
        spool.sha256 = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Ok(spool)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        match std::fs::remove_file(&self.path) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                tracing::warn!(error = %err, file = %self.path.display(), "could not remove a spool file")
            }
        }
    }
}

/// A failed spool write: a full disk is a 503 saying nothing was saved, like a full journal.
fn storage_error(err: std::io::Error, doing: &'static str) -> ApiError {
    let err = anyhow::Error::new(err).context(doing);
    if crate::data_dir::DataDirFull::find(&err).is_some() {
        ApiError::StorageFull(err)
    } else {
        ApiError::Internal(err)
    }
}
