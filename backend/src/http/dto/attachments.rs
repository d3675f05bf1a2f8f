//! Files attached to a case, as the API shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};

use crate::salesforce::AttachmentRecord;
use crate::services::documents;

/// Who added a file to the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UploaderKind {
    /// Someone of the customer, through the portal.
    Customer,
    /// The support team (anyone in the org).
    Agent,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Uploader {
    pub kind: UploaderKind,
}

/// A file attached to one of the customer's cases.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    /// The file's id (a ContentDocument id).
    #[schema(example = "069Dn000001AbCdIAK")]
    pub id: String,
    /// The name the file was stored and downloads under (made safe at upload).
    pub file_name: String,
    /// The type recognised from the file's content at upload.
    #[schema(example = "application/pdf")]
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    pub created_at: DateTime<Utc>,
    pub uploaded_by: Uploader,
}

impl From<AttachmentRecord> for Attachment {
    fn from(r: AttachmentRecord) -> Self {
        Self {
            file_name: documents::file_name(&r.file),
            content_type: documents::content_type(&r.file),
            id: r.file.id.to_string(),
            size: r.file.content_size,
            created_at: r.file.created_date,
            uploaded_by: Uploader {
                kind: if r.by_customer {
                    UploaderKind::Customer
                } else {
                    UploaderKind::Agent
                },
            },
        }
    }
}

/// One page of a case's files.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttachmentList {
    pub items: Vec<Attachment>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The upload form (`multipart/form-data`): one part, `file`, a file of at least one byte.
#[allow(
    dead_code,
    reason = "describes the multipart body in the OpenAPI document only"
)]
pub struct AttachmentUpload;

impl utoipa::PartialSchema for AttachmentUpload {
    fn schema() -> RefOr<Schema> {
        let file = ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .min_length(Some(1))
            .description(Some(
                "The file: its bytes decide its type (415 for one the portal does not take); \
                 its name is made safe.",
            ));
        ObjectBuilder::new()
            .property("file", file)
            .required("file")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}

impl ToSchema for AttachmentUpload {}
