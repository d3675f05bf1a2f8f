//! The API's data transfer objects: the stable JSON contract, decoupled from Salesforce's field
//! names. Responses are here; what clients send (bodies and list queries, parsed into typed
//! values) is in [`requests`]. Changing a type changes `backend/openapi.json`, which a test
//! guards.

pub mod appointments;
pub mod attachments;
pub mod comments;
pub mod exports;
pub mod forms;
pub mod passwords;
pub mod products;
pub mod profile;
pub mod requests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::case::{CaseStatus, Picklists, Priority};
use crate::domain::case_status::ReopenWindow;
use crate::domain::role::Role;
use crate::salesforce::{Awaiting, CaseRecord, DocumentRecord};
use crate::services::auth::Session;
use crate::services::documents;

/// A support case.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Case {
    /// 18-character Salesforce id.
    #[schema(example = "500Dn000001AbCdIAK")]
    pub id: String,
    #[schema(example = "00001234")]
    pub case_number: String,
    pub subject: String,
    pub description: String,
    pub status: CaseStatus,
    pub is_closed: bool,
    pub priority: Priority,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When Salesforce closed the case (`ClosedDate`); null while it is open.
    pub closed_at: Option<DateTime<Utc>>,
    /// Whose turn it is: `customer` when the support team waits for the customer's reply
    /// (status `waiting_on_customer`), `agent` for any other open status, null once closed.
    pub awaiting: Option<Awaiting>,
    /// Until when the customer may reopen the closed case (`closed_at` plus the portal's
    /// reopen window; once past, reopening answers `/problems/reopen-window-closed`). Null
    /// while the case is open, or when closed cases cannot be reopened here.
    pub reopen_until: Option<DateTime<Utc>>,
}

impl Case {
    /// Maps a Salesforce Case with the org's picklist table and the portal's reopen window.
    pub fn from_record(r: CaseRecord, picklists: &Picklists, window: ReopenWindow) -> Self {
        let status = picklists.status(&r.status, r.is_closed);
        Self {
            reopen_until: window.reopen_until(r.closed_date.filter(|_| r.is_closed)),
            awaiting: Awaiting::of(status),
            status,
            priority: picklists.priority(&r.priority),
            id: r.id.to_string(),
            case_number: r.case_number,
            subject: r.subject,
            description: r.description.unwrap_or_default(),
            is_closed: r.is_closed,
            created_at: r.created_date,
            updated_at: r.last_modified_date,
            closed_at: r.closed_date,
        }
    }
}

/// A file shared with the customer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Document {
    #[schema(example = "069Dn000001AbCdIAK")]
    pub id: String,
    pub title: String,
    /// The name the file downloads as.
    pub file_name: String,
    #[schema(example = "application/pdf")]
    pub content_type: String,
    pub size_bytes: u64,
    pub created_at: DateTime<Utc>,
}

impl From<DocumentRecord> for Document {
    fn from(r: DocumentRecord) -> Self {
        Self {
            file_name: documents::file_name(&r),
            content_type: documents::content_type(&r),
            id: r.id.to_string(),
            title: r.title,
            size_bytes: r.content_size,
            created_at: r.created_date,
        }
    }
}

/// One page of cases.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<Case>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// One page of documents.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DocumentList {
    pub items: Vec<Document>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub name: String,
    pub email: String,
    /// `member`: sees the cases they opened and those shared with them; `manager`: sees,
    /// replies to and changes every case of the company, and may filter the case list with
    /// `scope` (decision 031). Read again from Salesforce at the session's periodic recheck.
    pub role: Role,
}

/// The customer: a Salesforce Account.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Customer {
    pub id: String,
    pub name: String,
}

/// The signed-in session.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    pub user: User,
    pub customer: Customer,
    /// Send as `X-CSRF-Token` on every POST, PUT, PATCH and DELETE.
    pub csrf_token: String,
    /// When the session ends without further activity; each request extends it.
    pub expires_at: DateTime<Utc>,
    /// The language of the contact's profile (issue 14); null when they chose none.
    pub language: Option<crate::domain::profile::Language>,
}

impl SessionInfo {
    pub fn new(session: &Session, csrf_token: String) -> Self {
        Self {
            user: User {
                name: session.user_name.clone(),
                email: session.email.clone(),
                role: session.role,
            },
            customer: Customer {
                id: session.account_id.to_string(),
                name: session.customer_name.clone(),
            },
            csrf_token,
            expires_at: session.expires_at,
            language: session.language,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DependencyStatus {
    /// `up` or `down` for `salesforce` and `redis`; `valid`, `absent` or `failed` for
    /// `salesforce_token`; `closed`, `half_open` or `open` for `salesforce_circuit`; the
    /// cache's kind for `salesforce_cache` (see `/readyz`).
    pub status: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Readiness {
    /// `ready` when every dependency is up; `degraded` when only Salesforce is down, its
    /// circuit open or its token request failed (still ready: reads are served from the
    /// cache, creates answer 503 with Retry-After); `not_ready` when something of this
    /// instance's own is down (the mock store, Redis); `draining` (503, no checks) once the
    /// process is shutting down.
    pub status: String,
    pub checks: std::collections::BTreeMap<String, DependencyStatus>,
}
