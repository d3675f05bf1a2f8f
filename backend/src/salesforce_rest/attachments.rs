//! A case's files in a real org: ContentDocumentLinks from the case with Visibility
//! `AllUsers`; uploads as ContentVersions with `FirstPublishLocationId` = the case, found again
//! by the external id field `salesforce.attachment_external_id_field`.

use anyhow::anyhow;
use salesforce_client::FileUpload;
use salesforce_client::soql::{id_literal, quote_str};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::soql_build::{DocumentSoql, LINK_FIELDS};
use super::{SalesforceRest, into_page, port_error};
use crate::domain::paging::Page;
use crate::salesforce::{
    AttachmentOutcome, AttachmentRecord, ContentDocumentFields, DocumentQuery, NewAttachment,
    PortError, PortResult, SalesforceId,
};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Row {
    content_document_id: SalesforceId,
    content_document: Document,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Document {
    #[serde(flatten)]
    fields: ContentDocumentFields,
    latest_published_version: Option<Map<String, Value>>,
}

impl SalesforceRest {
    /// The link fields, and the upload id of the latest version (set only on the portal's).
    fn attachment_fields(&self) -> String {
        format!(
            "{LINK_FIELDS}, ContentDocument.LatestPublishedVersion.{}",
            self.attachment_external_id_field
        )
    }

    fn attachment_of(&self, case: &SalesforceId, row: Row) -> AttachmentRecord {
        let version = row
            .content_document
            .latest_published_version
            .unwrap_or_default();
        let text = |field: &str| {
            version
                .get(field)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        AttachmentRecord {
            by_customer: text(&self.attachment_external_id_field).is_some(),
            file: row
                .content_document
                .fields
                .into_record(row.content_document_id, text("PathOnClient")),
            case_id: case.clone(),
        }
    }
}

pub async fn page(
    sf: &SalesforceRest,
    case: &SalesforceId,
    query: &DocumentQuery,
) -> PortResult<Page<AttachmentRecord>> {
    let soql = DocumentSoql {
        account: case,
        contact: None,
        query,
    }
    .build_with(&sf.attachment_fields());
    let rows: Vec<Row> = sf.query(&soql).await?;
    let records: Vec<AttachmentRecord> = rows
        .into_iter()
        .map(|row| sf.attachment_of(case, row))
        .collect();
    let field = query.sort.field;
    Ok(into_page(records, query.limit, |a| {
        (field.value_of(&a.file), a.file.id.clone())
    }))
}

pub async fn one(
    sf: &SalesforceRest,
    case: &SalesforceId,
    id: &SalesforceId,
) -> PortResult<Option<AttachmentRecord>> {
    let rows: Vec<Row> = sf
        .query(&format!(
            "SELECT {} FROM ContentDocumentLink WHERE LinkedEntityId = {} AND Visibility = 'AllUsers' \
             AND ContentDocumentId = {} LIMIT 1",
            sf.attachment_fields(),
            id_literal(case),
            id_literal(id),
        ))
        .await?;
    Ok(rows
        .into_iter()
        .next()
        .map(|row| sf.attachment_of(case, row)))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VersionRow {
    content_document_id: SalesforceId,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LinkRow {
    id: SalesforceId,
    visibility: Option<String>,
}

/// Safe to repeat (the resilience layer retries it): a version already stored under the
/// upload id (a retry after a lost answer) is found and not stored again, and making it
/// visible is done again until it is.
pub async fn upload(sf: &SalesforceRest, upload: NewAttachment) -> PortResult<AttachmentOutcome> {
    let field = &sf.attachment_external_id_field;
    let existing: Option<VersionRow> = sf
        .query::<VersionRow>(&format!(
            "SELECT ContentDocumentId FROM ContentVersion WHERE {field} = {} LIMIT 1",
            quote_str(&upload.upload_id)
        ))
        .await?
        .into_iter()
        .next();
    let created = existing.is_none();
    let document = match existing {
        Some(found) => found.content_document_id,
        None => {
            let version = sf
                .client
                .create_content_version(&FileUpload {
                    fields: version_fields(&upload, field),
                    file_name: upload.file_name.clone(),
                    path: upload.spool.clone(),
                })
                .await
                .map_err(port_error)?;
            sf.query::<VersionRow>(&format!(
                "SELECT ContentDocumentId FROM ContentVersion WHERE Id = {} LIMIT 1",
                id_literal(&version)
            ))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                PortError::Internal(anyhow!("version {version} not readable after upload"))
            })?
            .content_document_id
        }
    };
    share_with_customer(sf, &document, &upload.case_id).await?;
    let record = one(sf, &upload.case_id, &document)
        .await?
        .ok_or_else(|| PortError::Internal(anyhow!("file {document} not visible after upload")))?;
    Ok(AttachmentOutcome { record, created })
}

/// Makes the case's link to the file visible to external users (`AllUsers`): Salesforce
/// shares a file an internal user adds to a record with internal users only.
async fn share_with_customer(
    sf: &SalesforceRest,
    document: &SalesforceId,
    case: &SalesforceId,
) -> PortResult<()> {
    let link: Option<LinkRow> = sf
        .query::<LinkRow>(&format!(
            "SELECT Id, Visibility FROM ContentDocumentLink WHERE ContentDocumentId = {} \
             AND LinkedEntityId = {} LIMIT 1",
            id_literal(document),
            id_literal(case),
        ))
        .await?
        .into_iter()
        .next();
    match link {
        Some(link) if link.visibility.as_deref() == Some("AllUsers") => Ok(()),
        Some(link) => sf
            .client
            .update(
                "ContentDocumentLink",
                &link.id,
                &json!({"Visibility": "AllUsers"}),
            )
            .await
            .map_err(port_error),
        None => sf
            .client
            .create(
                "ContentDocumentLink",
                &json!({
                    "ContentDocumentId": document.as_str(),
                    "LinkedEntityId": case.as_str(),
                    "ShareType": "V",
                    "Visibility": "AllUsers",
                }),
            )
            .await
            .map(|_| ())
            .map_err(port_error),
    }
}

/// What a new version is created with: its name and title, the case it is first published
/// to, and the upload id it is found by again.
fn version_fields(upload: &NewAttachment, external_id_field: &str) -> Value {
    let title = upload
        .file_name
        .rsplit_once('.')
        .map_or(upload.file_name.as_str(), |(stem, _)| stem);
    let mut fields = Map::new();
    fields.insert("Title".into(), json!(title));
    fields.insert("PathOnClient".into(), json!(upload.file_name));
    fields.insert(
        "FirstPublishLocationId".into(),
        json!(upload.case_id.as_str()),
    );
    fields.insert(external_id_field.into(), json!(upload.upload_id));
    Value::Object(fields)
}
