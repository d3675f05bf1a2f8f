//! File uploads: a ContentVersion created with its content, as base64 `VersionData` in a JSON
//! body or as the binary part of a multipart request. As in Salesforce, the first version makes
//! its ContentDocument, and `FirstPublishLocationId` links the document to that record.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use chrono::Utc;
use serde_json::Value;

use super::{Record, Store, Undo, format_datetime};
use crate::error::ApiError;
use crate::ids;

/// How the link made by `FirstPublishLocationId` is shared: as Salesforce shares a file that an
/// internal user (the integration user) adds to a record in an org with an Experience Cloud
/// site, with internal users only, until someone makes it `AllUsers`.
pub const FIRST_LINK_VISIBILITY: &str = "InternalUsers";

impl Store {
    /// Creates a file version from `body` (its fields) and its content: `content` when it came
    /// as a multipart part, otherwise `body`'s base64 `VersionData`.
    pub fn create_content_version(
        &mut self,
        body: &Value,
        content: Option<Bytes>,
    ) -> Result<(String, Undo), ApiError> {
        let mut fields = body.as_object().cloned().ok_or_else(|| {
            ApiError::bad_request(
                "JSON_PARSER_ERROR",
                "Cannot deserialize instance of sObject from non-object value",
            )
        })?;
        let encoded = fields
            .keys()
            .find(|k| k.eq_ignore_ascii_case("VersionData"))
            .cloned()
            .and_then(|k| fields.remove(&k));
        let content = match (content, encoded) {
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_request(
                    "INVALID_MULTIPART_REQUEST",
                    "VersionData was sent both in the entity and as a binary part",
                ));
            }
            (Some(bytes), None) => bytes,
            (None, Some(Value::String(text))) => {
                let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                Bytes::from(STANDARD.decode(clean).map_err(|_| {
                    ApiError::bad_request(
                        "JSON_PARSER_ERROR",
                        "Cannot deserialize instance of base64 from VALUE_STRING value",
                    )
                })?)
            }
            (None, _) => {
                return Err(ApiError::dml(
                    "REQUIRED_FIELD_MISSING",
                    "Required fields are missing: [VersionData]",
                    &["VersionData"],
                ));
            }
        };
        let object = self.object("ContentVersion").expect("in the schema");
        let values = self.check_values(object, &fields, true)?;
        let mut version = Record::new();
        for field in &object.fields {
            version.insert(field.name.into(), Value::Null);
        }
        for (k, v) in values {
            version.insert(k.into(), v);
        }
        let path = version
            .get("PathOnClient")
            .and_then(Value::as_str)
            .filter(|p| !p.trim().is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                ApiError::dml(
                    "REQUIRED_FIELD_MISSING",
                    "Required fields are missing: [PathOnClient]",
                    &["PathOnClient"],
                )
            })?;
        let file_name = path.rsplit(['/', '\\']).next().unwrap_or(&path).to_owned();
        let (stem, extension) = match file_name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() && ext.len() <= 40 => {
                (stem.to_owned(), Some(ext.to_ascii_lowercase()))
            }
            _ => (file_name.clone(), None),
        };
        if version.get("Title").is_none_or(Value::is_null) {
            version.insert("Title".into(), Value::String(stem));
        }
        let file_type = extension
            .as_deref()
            .map_or("UNKNOWN".to_owned(), str::to_ascii_uppercase);
        let now = format_datetime(Utc::now());
        let fresh = |store: &Self, prefix: &str| loop {
            let id = ids::generate(prefix);
            if !store.id_types.contains_key(&id) {
                break id;
            }
        };
        let version_id = fresh(self, "068");
        let document_id = loop {
            let id = fresh(self, "069");
            if id != version_id {
                break id;
            }
        };
        let location = version
            .get("FirstPublishLocationId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let size = Value::from(content.len() as u64);
        for (k, v) in [
            ("Id", Value::String(version_id.clone())),
            ("ContentDocumentId", Value::String(document_id.clone())),
            (
                "FileExtension",
                extension.clone().map_or(Value::Null, Value::String),
            ),
            ("FileType", Value::String(file_type.clone())),
            ("ContentSize", size.clone()),
            ("VersionNumber", Value::String("1".into())),
            ("IsLatest", Value::Bool(true)),
            ("CreatedDate", Value::String(now.clone())),
        ] {
            version.insert(k.into(), v);
        }
        let object = self.object("ContentVersion").expect("in the schema");
        self.validate(object, &version, &version_id)?;

        let mut document = Record::new();
        for (k, v) in [
            ("Id", Value::String(document_id.clone())),
            ("Title", version["Title"].clone()),
            (
                "FileExtension",
                extension.map_or(Value::Null, Value::String),
            ),
            ("FileType", Value::String(file_type)),
            ("ContentSize", size),
            (
                "LatestPublishedVersionId",
                Value::String(version_id.clone()),
            ),
            ("OwnerId", Value::Null),
            ("CreatedDate", Value::String(now.clone())),
            ("LastModifiedDate", Value::String(now.clone())),
            ("SystemModstamp", Value::String(now.clone())),
        ] {
            document.insert(k.into(), v);
        }
        let mut undo = vec![
            self.insert_record("ContentDocument", document),
            self.insert_record("ContentVersion", version),
        ];
        if let Some(location) = location {
            let link_id = fresh(self, "06A");
            let mut link = Record::new();
            for (k, v) in [
                ("Id", link_id),
                ("ContentDocumentId", document_id),
                ("LinkedEntityId", location),
                ("ShareType", "V".into()),
                ("Visibility", FIRST_LINK_VISIBILITY.into()),
                ("SystemModstamp", now),
            ] {
                link.insert(k.into(), Value::String(v));
            }
            undo.push(self.insert_record("ContentDocumentLink", link));
        }
        self.uploaded.insert(version_id.clone(), content);
        Ok((version_id, Undo::Many(undo)))
    }

    /// The content of an uploaded version, if `id` is one.
    pub fn uploaded_content(&self, id: &str) -> Option<Bytes> {
        self.uploaded.get(&ids::normalise(id)?).cloned()
    }

    fn insert_record(&mut self, ty: &'static str, record: Record) -> Undo {
        let id = record["Id"].as_str().expect("set above").to_owned();
        self.id_types.insert(id.clone(), ty);
        self.records
            .get_mut(ty)
            .expect("every object has a table")
            .insert(id.clone(), record);
        Undo::Created { ty, id }
    }
}
