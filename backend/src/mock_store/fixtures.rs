//! Loading the JSON fixtures: Salesforce records as a query would return them.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::salesforce::{
    Account, CaseRecord, CommentRecord, Contact, ContentDocumentFields, DocumentRecord,
    SalesforceId,
};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContentDocument {
    id: SalesforceId,
    #[serde(flatten)]
    fields: ContentDocumentFields,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContentVersion {
    id: SalesforceId,
    content_size: u64,
    path_on_client: Option<String>,
    /// Mock-only: where the bytes live, relative to the fixtures folder.
    version_data_file: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContentDocumentLink {
    content_document_id: SalesforceId,
    linked_entity_id: SalesforceId,
    visibility: String,
}

/// A case shared with a contact through the case's team (decision 031).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CaseTeamMember {
    parent_id: SalesforceId,
    member_id: SalesforceId,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CaseComment {
    id: SalesforceId,
    parent_id: SalesforceId,
    comment_body: String,
    is_published: bool,
    #[serde(with = "crate::salesforce::datetime")]
    created_date: chrono::DateTime<chrono::Utc>,
    created_by_id: SalesforceId,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct User {
    id: SalesforceId,
    first_name: Option<String>,
}

/// A comment as the fixtures hold it: published or internal.
pub struct FixtureComment {
    pub is_published: bool,
    pub record: CommentRecord,
}

/// Everything the fixtures hold, indexed the way the store reads it.
pub struct Fixtures {
    pub accounts: Vec<Account>,
    pub contacts: Vec<Contact>,
    /// Each contact's fields as the fixture has them, custom ones included.
    pub contact_rows: Vec<serde_json::Map<String, serde_json::Value>>,
    pub cases: Vec<CaseRecord>,
    pub documents_by_account: HashMap<SalesforceId, Vec<DocumentRecord>>,
    /// Files shared with one contact alone (linked to the Contact, not to its account), by
    /// contact.
    pub documents_by_contact: HashMap<SalesforceId, Vec<DocumentRecord>>,
    /// The cases shared with contacts through case teams: (case, contact).
    pub case_team: Vec<(SalesforceId, SalesforceId)>,
    pub version_files: HashMap<SalesforceId, PathBuf>,
    /// Every case comment, internal ones included (the store never returns those).
    pub comments: Vec<FixtureComment>,
}

/// An object's fixture, or none when the folder has no file for it (comments and users are
/// optional: a fixture set without them has cases without conversations).
fn read_optional<T: DeserializeOwned>(dir: &Path, object: &str) -> anyhow::Result<Vec<T>> {
    if dir.join(format!("{object}.json")).exists() {
        read(dir, object)
    } else {
        Ok(Vec::new())
    }
}

fn read<T: DeserializeOwned>(dir: &Path, object: &str) -> anyhow::Result<Vec<T>> {
    let path = dir.join(format!("{object}.json"));
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))
}

pub fn load(dir: &Path) -> anyhow::Result<Fixtures> {
    let accounts: Vec<Account> = read(dir, "Account")?;
    let contact_rows: Vec<serde_json::Map<String, serde_json::Value>> = read(dir, "Contact")?;
    let contacts = contact_rows
        .iter()
        .map(|row| Contact::deserialize(&serde_json::Value::Object(row.clone())))
        .collect::<Result<Vec<Contact>, _>>()
        .context("parsing Contact.json")?;
    let cases: Vec<CaseRecord> = read(dir, "Case")?;
    let documents: Vec<ContentDocument> = read(dir, "ContentDocument")?;
    let versions: Vec<ContentVersion> = read(dir, "ContentVersion")?;
    let links: Vec<ContentDocumentLink> = read(dir, "ContentDocumentLink")?;

    let mut version_files = HashMap::new();
    let mut versions_by_id = HashMap::new();
    for version in versions {
        let relative = Path::new(&version.version_data_file);
        // Fixture paths are data, not code: never let one point outside the fixtures folder.
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            bail!(
                "ContentVersion {} has an unsafe VersionDataFile",
                version.id
            );
        }
        let path = dir.join(relative);
        let size = std::fs::metadata(&path)
            .with_context(|| format!("ContentVersion {}: {}", version.id, path.display()))?
            .len();
        if size != version.content_size {
            bail!(
                "ContentVersion {}: ContentSize {} but {} has {size} bytes",
                version.id,
                version.content_size,
                path.display()
            );
        }
        version_files.insert(version.id.clone(), path);
        versions_by_id.insert(version.id.clone(), version);
    }

    let documents: HashMap<_, _> = documents.into_iter().map(|d| (d.id.clone(), d)).collect();
    let mut documents_by_account: HashMap<SalesforceId, Vec<DocumentRecord>> = HashMap::new();
    let mut documents_by_contact: HashMap<SalesforceId, Vec<DocumentRecord>> = HashMap::new();
    for link in links {
        // Only files shared with external users reach the portal: with an account, or with
        // one contact.
        let by_entity = match link.linked_entity_id.key_prefix() {
            "001" => &mut documents_by_account,
            "003" => &mut documents_by_contact,
            _ => continue,
        };
        if link.visibility != "AllUsers" {
            continue;
        }
        let doc = documents.get(&link.content_document_id).with_context(|| {
            format!(
                "link to unknown ContentDocument {}",
                link.content_document_id
            )
        })?;
        let latest = versions_by_id
            .get(&doc.fields.latest_published_version_id)
            .with_context(|| format!("ContentDocument {} has no latest version", doc.id))?;
        by_entity.entry(link.linked_entity_id).or_default().push(
            doc.fields
                .clone()
                .into_record(doc.id.clone(), latest.path_on_client.clone()),
        );
    }

    let users: HashMap<SalesforceId, Option<String>> = read_optional::<User>(dir, "User")?
        .into_iter()
        .map(|u| (u.id, u.first_name))
        .collect();
    let comments = read_optional::<CaseComment>(dir, "CaseComment")?
        .into_iter()
        .map(|c| FixtureComment {
            is_published: c.is_published,
            record: CommentRecord {
                created_by_first_name: users.get(&c.created_by_id).cloned().flatten(),
                id: c.id,
                case_id: c.parent_id,
                body: c.comment_body,
                created_date: c.created_date,
            },
        })
        .collect();

    let case_team = read_optional::<CaseTeamMember>(dir, "CaseTeamMember")?
        .into_iter()
        .filter(|m| m.member_id.key_prefix() == "003")
        .map(|m| (m.parent_id, m.member_id))
        .collect();

    Ok(Fixtures {
        accounts,
        contacts,
        contact_rows,
        cases,
        documents_by_account,
        documents_by_contact,
        case_team,
        version_files,
        comments,
    })
}
