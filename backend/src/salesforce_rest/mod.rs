//! The Salesforce adapter: the port implemented with SOQL and the REST API of a real org,
//! through `salesforce-client`. Every query filters by the session's account in SOQL itself,
//! and every literal goes through `salesforce_client::soql` quoting.

pub mod activity;
pub mod appointments;
mod attachments;
pub mod exports;
pub mod forms;
pub mod products;
pub mod profile;
pub mod resilience;
pub mod resilient_activity;
pub mod resilient_appointments;
pub mod resilient_exports;
pub mod resilient_products;
pub mod resilient_profile;
mod soql_build;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use salesforce_client::{
    CompositeRequest, CompositeSubrequest, Config as ClientConfig, Credentials, SalesforceClient,
};
use serde::Deserialize;

use crate::config::{SalesforceAuthFlow, SalesforceConfig};
use crate::domain::case::Picklists;
use crate::domain::comment::Marker;
use crate::domain::paging::{Page, SortValue};
use crate::observability::health::{Diagnostic, Probe};
use crate::salesforce::remote::{Changes, Landing, RemoteOrg};
use crate::salesforce::{
    Account, AttachmentOutcome, AttachmentRecord, CaseQuery, CaseRecord, CaseScope, CaseSortField,
    CaseStatusWrite, CommentOutcome, CommentRecord, Contact, ContentDocumentFields, ContentStream,
    DocumentQuery, DocumentRecord, DocumentScope, NewAttachment, NewCaseRecord, NewCommentRecord,
    PortError, PortResult, SalesforceId, SalesforcePort, UpsertOutcome,
};
use soql_build::{CaseAudience, CaseSoql, DocumentSoql};

pub struct SalesforceRest {
    client: SalesforceClient,
    external_id_field: String,
    /// Where a customer's close reason is written (a field name the configuration checked;
    /// empty: not written).
    close_reason_field: String,
    /// The ContentVersion field uploads are found by (a field name the configuration checked).
    attachment_external_id_field: String,
    picklists: Arc<Picklists>,
    /// The Contact field sign-ins through OpenID Connect are matched with (a field name the
    /// configuration checked: safe in SOQL as is).
    contact_field: String,
}

impl SalesforceRest {
    pub fn new(
        config: &SalesforceConfig,
        picklists: Arc<Picklists>,
        contact_field: &str,
    ) -> anyhow::Result<Self> {
        let credentials = match config.auth_flow {
            SalesforceAuthFlow::JwtBearer => {
                let path = config
                    .private_key_file
                    .as_ref()
                    .context("salesforce.private_key_file is required for the jwt_bearer flow")?;
                let pem = std::fs::read_to_string(path).with_context(|| {
                    format!("reading salesforce.private_key_file {}", path.display())
                })?;
                Credentials::JwtBearer {
                    consumer_key: config.consumer_key.clone(),
                    username: config
                        .username
                        .clone()
                        .context("salesforce.username is required for the jwt_bearer flow")?,
                    private_key_pem: pem.into(),
                }
            }
            SalesforceAuthFlow::ClientCredentials => Credentials::ClientCredentials {
                consumer_key: config.consumer_key.clone(),
                consumer_secret: config
                    .consumer_secret
                    .as_ref()
                    .context(
                        "salesforce.consumer_secret is required for the client_credentials flow",
                    )?
                    .expose()
                    .to_owned()
                    .into(),
            },
        };
        let client = SalesforceClient::new(
            ClientConfig::new(config.login_url.clone(), credentials)
                .with_api_version(config.api_version.clone())
                .with_client_name(config.client_name.clone())
                .with_connect_timeout(Duration::from_secs(config.connect_timeout_secs))
                .with_request_timeout(Duration::from_secs(config.request_timeout_secs)),
        )
        .map_err(|e| anyhow!("salesforce client configuration: {e}"))?;
        Ok(Self {
            client,
            external_id_field: config.case_external_id_field.clone(),
            close_reason_field: config.case_close_reason_field.clone(),
            attachment_external_id_field: config.attachment_external_id_field.clone(),
            picklists,
            contact_field: contact_field.to_owned(),
        })
    }

    pub fn client(&self) -> &SalesforceClient {
        &self.client
    }

    async fn query<T: serde::de::DeserializeOwned>(&self, soql: &str) -> PortResult<Vec<T>> {
        Ok(self.client.query(soql).await.map_err(port_error)?.records)
    }

    /// The cases shared with a member's contact through case teams (decision 031): the first
    /// of a member's two case queries; no call for other scopes.
    async fn shared_cases(&self, scope: &CaseScope) -> PortResult<Vec<SalesforceId>> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Member {
            parent_id: SalesforceId,
        }
        let CaseScope::Visible { account, contact } = scope else {
            return Ok(Vec::new());
        };
        let rows: Vec<Member> = self
            .query(&soql_build::shared_cases(account, contact))
            .await?;
        let mut ids: Vec<SalesforceId> = rows.into_iter().map(|m| m.parent_id).collect();
        ids.dedup();
        Ok(ids)
    }
}

/// Transient failures (timeouts, 5xx, row locks, the org's request limit, an unreachable token
/// endpoint) are "unavailable": the caller may retry later. Everything else is a bug or a
/// misconfiguration, logged in full.
fn port_error(err: salesforce_client::Error) -> PortError {
    if err.is_transient()
        || err.is_request_limit_exceeded()
        || matches!(err, salesforce_client::Error::Auth(_))
    {
        PortError::Unavailable(anyhow::Error::new(err))
    } else {
        PortError::Internal(anyhow::Error::new(err))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LinkRow {
    content_document_id: SalesforceId,
    content_document: DocumentFields,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DocumentFields {
    #[serde(flatten)]
    fields: ContentDocumentFields,
    latest_published_version: Option<VersionFields>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VersionFields {
    path_on_client: Option<String>,
}

impl From<LinkRow> for DocumentRecord {
    fn from(row: LinkRow) -> Self {
        let doc = row.content_document;
        let path_on_client = doc.latest_published_version.and_then(|v| v.path_on_client);
        doc.fields
            .into_record(row.content_document_id, path_on_client)
    }
}

/// A CaseComment row as `soql_build::case_comments` selects it.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CommentRow {
    id: SalesforceId,
    parent_id: SalesforceId,
    #[serde(default)]
    comment_body: Option<String>,
    #[serde(with = "crate::salesforce::datetime")]
    created_date: DateTime<Utc>,
    created_by: Option<UserName>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserName {
    first_name: Option<String>,
}

impl From<CommentRow> for CommentRecord {
    fn from(row: CommentRow) -> Self {
        Self {
            id: row.id,
            case_id: row.parent_id,
            body: row.comment_body.unwrap_or_default(),
            created_date: row.created_date,
            created_by_first_name: row.created_by.and_then(|u| u.first_name),
        }
    }
}

/// Cuts `limit + 1` rows into a page and the keyset of its last row.
fn into_page<T>(
    mut rows: Vec<T>,
    limit: usize,
    key: impl Fn(&T) -> (SortValue, SalesforceId),
) -> Page<T> {
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|r| {
            let (value, id) = key(r);
            crate::domain::paging::Keyset { value, id }
        })
    } else {
        None
    };
    Page { items: rows, next }
}

fn cases_page(rows: Vec<CaseRecord>, query: &CaseQuery, picklists: &Picklists) -> Page<CaseRecord> {
    let field = query.sort.field;
    into_page(rows, query.limit, |c| {
        (field.value_with(c, picklists), c.id.clone())
    })
}

/// The case audience SOQL reads for `scope`, with the ids shared with its contact.
fn audience<'a>(scope: &'a CaseScope, shared: &'a [SalesforceId]) -> CaseAudience<'a> {
    match scope {
        CaseScope::Account(_) | CaseScope::Company { .. } => CaseAudience::Account,
        CaseScope::Opened { contact, .. } => CaseAudience::Contact {
            contact,
            shared: &[],
        },
        CaseScope::Visible { contact, .. } => CaseAudience::Contact { contact, shared },
    }
}

fn documents_page(rows: Vec<LinkRow>, query: &DocumentQuery) -> Page<DocumentRecord> {
    let mut docs: Vec<DocumentRecord> = rows.into_iter().map(DocumentRecord::from).collect();
    // A file linked to both the account and the contact: its two links come side by side.
    docs.dedup_by(|a, b| a.id == b.id);
    let field = query.sort.field;
    into_page(docs, query.limit, |d| (field.value_of(d), d.id.clone()))
}

#[async_trait]
impl SalesforcePort for SalesforceRest {
    async fn account(&self, id: &SalesforceId) -> PortResult<Option<Account>> {
        self.client
            .retrieve("Account", id, &["Id", "Name"])
            .await
            .map_err(port_error)
    }

    async fn contact(&self, id: &SalesforceId) -> PortResult<Option<Contact>> {
        self.client
            .retrieve(
                "Contact",
                id,
                &[
                    "Id",
                    "AccountId",
                    "Name",
                    "Email",
                    crate::config::ROLE_FIELD,
                ],
            )
            .await
            .map_err(port_error)
    }

    /// Matches `value` with the configured Contact field (`Email` unless `oidc.contact_field`
    /// says otherwise); SOQL compares text case-insensitively.
    async fn contacts_by_sign_in(&self, value: &str) -> PortResult<Vec<Contact>> {
        let literal = if self.contact_field.eq_ignore_ascii_case("Id") {
            // Salesforce refuses a filter on Id with a value that is not one; it matches nobody.
            match SalesforceId::parse(value) {
                Ok(id) => salesforce_client::soql::id_literal(&id),
                Err(_) => return Ok(Vec::new()),
            }
        } else {
            salesforce_client::soql::quote_str(value)
        };
        let soql = format!(
            "SELECT Id, AccountId, Name, Email, {} FROM Contact WHERE {} = {literal} AND AccountId != null LIMIT 2",
            crate::config::ROLE_FIELD,
            self.contact_field
        );
        self.query(&soql).await
    }

    async fn query_cases(
        &self,
        scope: &CaseScope,
        query: &CaseQuery,
    ) -> PortResult<Page<CaseRecord>> {
        let shared = self.shared_cases(scope).await?;
        let build = CaseSoql {
            account: scope.account(),
            audience: audience(scope, &shared),
            query,
            picklists: &self.picklists,
        };
        let rows: Vec<CaseRecord> = match build.buckets() {
            // Picklist sorts: one query per business-order bucket, sent together as one
            // composite request, because SOQL orders picklists by the org's own value order.
            Some(buckets) => {
                let mut request = CompositeRequest::new(false);
                for (i, soql) in buckets.iter().enumerate() {
                    request = request.push(CompositeSubrequest::get(
                        format!("b{i}"),
                        self.client.query_url(soql),
                    ));
                }
                let response = self.client.composite(&request).await.map_err(port_error)?;
                let mut rows = Vec::new();
                for i in 0..buckets.len() {
                    let sub = response.get(&format!("b{i}")).ok_or_else(|| {
                        PortError::Internal(anyhow!("composite answer lacks b{i}"))
                    })?;
                    let page: salesforce_client::QueryPage<CaseRecord> =
                        sub.json().map_err(port_error)?;
                    rows.extend(page.records);
                    if rows.len() > query.limit {
                        break;
                    }
                }
                rows.truncate(query.limit + 1);
                rows
            }
            None => self.query(&build.single()).await?,
        };
        Ok(cases_page(rows, query, &self.picklists))
    }

    async fn case(&self, scope: &CaseScope, id: &SalesforceId) -> PortResult<Option<CaseRecord>> {
        let shared = self.shared_cases(scope).await?;
        let rows: Vec<CaseRecord> = self
            .query(&format!(
                "SELECT {} FROM Case WHERE Id = {} AND {} LIMIT 1",
                soql_build::CASE_FIELDS,
                salesforce_client::soql::id_literal(id),
                soql_build::case_audience(scope.account(), audience(scope, &shared)),
            ))
            .await?;
        Ok(rows.into_iter().next())
    }

    async fn upsert_case(&self, case: NewCaseRecord) -> PortResult<UpsertOutcome> {
        // Look first: an existing case is returned untouched, so a retry never overwrites what
        // an agent has changed since. Only a missing one is upserted (which a concurrent retry
        // cannot duplicate either: the external id is unique).
        let by_request = format!(
            "SELECT {} FROM Case WHERE {} = {} LIMIT 1",
            soql_build::CASE_FIELDS,
            self.external_id_field,
            salesforce_client::soql::quote_str(&case.portal_request_id)
        );
        if let Some(existing) = self
            .query::<CaseRecord>(&by_request)
            .await?
            .into_iter()
            .next()
        {
            return Ok(UpsertOutcome {
                record: existing,
                created: false,
            });
        }
        let mut body = serde_json::json!({
            "AccountId": case.account_id.as_str(),
            "ContactId": case.contact_id.as_ref().map(SalesforceId::as_str),
            "Subject": case.subject,
            "Description": case.description,
            "Priority": case.priority,
            "Origin": case.origin,
        });
        // A dynamic form's values, in the same write (fields checked against Case's describe
        // before the portal started serving: decision 029).
        if let Some(fields) = body.as_object_mut() {
            for (field, value) in &case.form_values {
                fields.insert(field.clone(), value.clone());
            }
        }
        let result = self
            .client
            .upsert(
                "Case",
                &self.external_id_field,
                &case.portal_request_id,
                &body,
            )
            .await
            .map_err(port_error)?;
        let id = result.id;
        let record = self
            .case(&CaseScope::Account(case.account_id.clone()), &id)
            .await?
            .ok_or_else(|| PortError::Internal(anyhow!("case {id} not readable after upsert")))?;
        Ok(UpsertOutcome {
            record,
            created: result.created,
        })
    }

    /// Reads the case within the account first (a case of another account is never written),
    /// then PATCHes its Status (and the close reason field), and reads back what Salesforce
    /// derived (`IsClosed`, `ClosedDate`, `LastModifiedDate`). A case that already has the
    /// status is returned untouched: the retry of a write whose answer was lost (a timeout,
    /// a 5xx after the commit) finds it done and writes nothing again.
    async fn update_case_status(&self, write: CaseStatusWrite) -> PortResult<Option<CaseRecord>> {
        let scope = CaseScope::Account(write.account_id.clone());
        let Some(current) = self.case(&scope, &write.case_id).await? else {
            return Ok(None);
        };
        if current.is_closed == write.closes && current.status == write.status {
            return Ok(Some(current));
        }
        let mut body = serde_json::Map::new();
        body.insert("Status".into(), write.status.into());
        if write.closes && !self.close_reason_field.is_empty() {
            body.insert(
                self.close_reason_field.clone(),
                write
                    .close_reason
                    .map_or(serde_json::Value::Null, Into::into),
            );
        }
        match self
            .client
            .update("Case", &write.case_id, &serde_json::Value::Object(body))
            .await
        {
            Ok(()) => {}
            // Deleted since it was read: as missing as a case that never was.
            Err(err) if err.status() == Some(404) => return Ok(None),
            Err(err) => return Err(port_error(err)),
        }
        self.case(&scope, &write.case_id).await
    }

    async fn query_documents(
        &self,
        scope: &DocumentScope,
        query: &DocumentQuery,
    ) -> PortResult<Page<DocumentRecord>> {
        let soql = DocumentSoql {
            account: &scope.account,
            contact: Some(&scope.contact),
            query,
        }
        .build();
        let rows: Vec<LinkRow> = self.query(&soql).await?;
        Ok(documents_page(rows, query))
    }

    async fn document(
        &self,
        scope: &DocumentScope,
        id: &SalesforceId,
    ) -> PortResult<Option<DocumentRecord>> {
        let rows: Vec<LinkRow> = self
            .query(&format!(
                "SELECT {} FROM ContentDocumentLink WHERE LinkedEntityId IN ({},{}) \
                 AND Visibility = 'AllUsers' AND ContentDocumentId = {} LIMIT 1",
                soql_build::LINK_FIELDS,
                salesforce_client::soql::id_literal(&scope.account),
                salesforce_client::soql::id_literal(&scope.contact),
                salesforce_client::soql::id_literal(id),
            ))
            .await?;
        Ok(rows.into_iter().next().map(DocumentRecord::from))
    }

    async fn version_data(&self, version_id: &SalesforceId) -> PortResult<ContentStream> {
        let download = self
            .client
            .download_version_data(version_id)
            .await
            .map_err(port_error)?;
        let length = download.content_length();
        Ok(ContentStream {
            length,
            body: Box::pin(download.map_err(std::io::Error::other)),
        })
    }

    async fn query_attachments(
        &self,
        _account: &SalesforceId,
        case: &SalesforceId,
        query: &DocumentQuery,
    ) -> PortResult<Page<AttachmentRecord>> {
        attachments::page(self, case, query).await
    }

    async fn attachment(
        &self,
        _account: &SalesforceId,
        case: &SalesforceId,
        id: &SalesforceId,
    ) -> PortResult<Option<AttachmentRecord>> {
        attachments::one(self, case, id).await
    }

    async fn upload_attachment(&self, upload: NewAttachment) -> PortResult<AttachmentOutcome> {
        attachments::upload(self, upload).await
    }

    async fn case_comments(
        &self,
        account: &SalesforceId,
        case_id: &SalesforceId,
    ) -> PortResult<Vec<CommentRecord>> {
        let rows: Vec<CommentRow> = self
            .query(&soql_build::case_comments(account, case_id))
            .await?;
        Ok(rows.into_iter().map(CommentRecord::from).collect())
    }

    /// CaseComment has no external id field (it takes no custom fields), so the retry-safe
    /// write is: look for a published comment on the case whose marker carries the
    /// reference, and create one only when there is none. A create whose answer was lost is
    /// found by the retry's look. (Two retries racing each other could both miss it; the
    /// service's idempotency claim lets only one through at a time.)
    async fn create_comment(&self, comment: NewCommentRecord) -> PortResult<CommentOutcome> {
        let find = || async {
            let rows: Vec<CommentRow> = self
                .query(&soql_build::recent_case_comments(
                    &comment.account_id,
                    &comment.case_id,
                ))
                .await?;
            PortResult::Ok(rows.into_iter().map(CommentRecord::from).find(|c| {
                Marker::parse(&c.body).is_some_and(|(m, _)| m.reference == comment.reference)
            }))
        };
        if let Some(existing) = find().await? {
            return Ok(CommentOutcome {
                record: existing,
                created: false,
            });
        }
        let body = serde_json::json!({
            "ParentId": comment.case_id.as_str(),
            "CommentBody": comment.body,
            "IsPublished": true,
        });
        self.client
            .create("CaseComment", &body)
            .await
            .map_err(port_error)?;
        let record = find().await?.ok_or_else(|| {
            PortError::Internal(anyhow!(
                "comment on case {} not readable after create",
                comment.case_id
            ))
        })?;
        Ok(CommentOutcome {
            record,
            created: true,
        })
    }
}

#[async_trait]
impl RemoteOrg for SalesforceRest {
    /// One composite request (one API call) per 24 chunks of watched accounts: the accounts
    /// with changed cases, and the watched ones with changed file links or files. Deleted
    /// records do not show in a query; the cache bounds how long it trusts an entry for that.
    async fn changes_since(
        &self,
        since: DateTime<Utc>,
        watched: &[SalesforceId],
    ) -> PortResult<Option<Changes>> {
        // 200 ids keep each subrequest's URL near 5 kB; a composite takes 25 subrequests.
        const IDS_PER_QUERY: usize = 200;
        const QUERIES_PER_CALL: usize = 24;
        let chunks: Vec<&[SalesforceId]> = watched.chunks(IDS_PER_QUERY).collect();
        let mut calls: Vec<&[&[SalesforceId]]> = chunks.chunks(QUERIES_PER_CALL).collect();
        if calls.is_empty() {
            // Cases are asked in the first call, which is made even with nothing watched.
            calls.push(&[]);
        }
        let mut changed = HashSet::new();
        for (call, group) in calls.into_iter().enumerate() {
            let first = call == 0;
            let mut request = CompositeRequest::new(false);
            if first {
                request = request.push(CompositeSubrequest::get(
                    "cases",
                    self.client
                        .query_url(&soql_build::changed_case_accounts(&since)),
                ));
            }
            for (i, accounts) in group.iter().enumerate() {
                request = request.push(CompositeSubrequest::get(
                    format!("files{i}"),
                    self.client
                        .query_url(&soql_build::changed_file_links(accounts, &since)),
                ));
            }
            let response = self.client.composite(&request).await.map_err(port_error)?;
            let mut read = |name: &str, field: &str| -> PortResult<bool> {
                let part = response
                    .get(name)
                    .ok_or_else(|| PortError::Internal(anyhow!("composite answer lacks {name}")))?;
                let page: salesforce_client::QueryPage<serde_json::Value> =
                    part.json().map_err(port_error)?;
                let full = page.records.len() >= soql_build::CHANGES_LIMIT || !page.done;
                changed.extend(
                    page.records
                        .iter()
                        .filter_map(|r| r.get(field)?.as_str())
                        .filter_map(|id| SalesforceId::parse(id).ok()),
                );
                Ok(full)
            };
            if first && read("cases", "AccountId")? {
                return Ok(Some(Changes::Everything));
            }
            for i in 0..group.len() {
                if read(&format!("files{i}"), "LinkedEntityId")? {
                    return Ok(Some(Changes::Everything));
                }
            }
        }
        Ok(Some(Changes::Accounts(changed)))
    }

    /// Both landing queries in one composite request: Salesforce counts it as one API call.
    async fn landing(&self, scope: &CaseScope, files: &DocumentScope) -> PortResult<Landing> {
        let cases = CaseQuery::landing();
        let documents = DocumentQuery::landing();
        let shared = self.shared_cases(scope).await?;
        let cases_soql = CaseSoql {
            account: scope.account(),
            audience: audience(scope, &shared),
            query: &cases,
            picklists: &self.picklists,
        };
        // The default sort is by date, never by a picklist, so it is one query; should that
        // change, ask for each page on its own.
        if cases_soql.buckets().is_some() {
            return Ok(Landing {
                cases: self.query_cases(scope, &cases).await?,
                documents: self.query_documents(files, &documents).await?,
            });
        }
        let request = CompositeRequest::new(false)
            .push(CompositeSubrequest::get(
                "cases",
                self.client.query_url(&cases_soql.single()),
            ))
            .push(CompositeSubrequest::get(
                "documents",
                self.client.query_url(
                    &DocumentSoql {
                        account: &files.account,
                        contact: Some(&files.contact),
                        query: &documents,
                    }
                    .build(),
                ),
            ));
        let response = self.client.composite(&request).await.map_err(port_error)?;
        let part = |name: &str| {
            response
                .get(name)
                .ok_or_else(|| PortError::Internal(anyhow!("composite answer lacks {name}")))
        };
        let case_rows: salesforce_client::QueryPage<CaseRecord> =
            part("cases")?.json().map_err(port_error)?;
        let link_rows: salesforce_client::QueryPage<LinkRow> =
            part("documents")?.json().map_err(port_error)?;
        Ok(Landing {
            cases: cases_page(case_rows.records, &cases, &self.picklists),
            documents: documents_page(link_rows.records, &documents),
        })
    }

    fn api_usage(&self) -> Option<(u64, u64)> {
        self.client.api_usage().map(|u| (u.used, u.limit))
    }
}

#[async_trait]
impl Probe for SalesforceRest {
    async fn check_ready(&self) -> anyhow::Result<()> {
        Ok(self.client.authenticate().await?)
    }

    /// The access token as the client holds it (`absent`, `valid`, `failed`): read from the
    /// client, so `/readyz` costs no call beyond `check_ready`'s (which requests a token only
    /// when none is held). A failed request means no call can be made until one succeeds.
    fn diagnostics(&self) -> Vec<Diagnostic> {
        let state = self.client.token_state();
        vec![Diagnostic {
            name: "token",
            state: state.as_str().to_owned(),
            failing: state == salesforce_client::TokenState::Failed,
        }]
    }
}

impl CaseSortField {
    /// [`CaseSortField::value_of`] with the org's configured picklist mapping.
    pub fn value_with(self, case: &CaseRecord, picklists: &Picklists) -> SortValue {
        match self {
            Self::Priority => SortValue::Number(picklists.priority(&case.priority).rank()),
            Self::Status => {
                SortValue::Number(picklists.status(&case.status, case.is_closed).rank())
            }
            other => other.value_of(case),
        }
    }
}
