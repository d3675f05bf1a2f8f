//! What the emulator is started with.

use std::path::PathBuf;
use std::time::Duration;

/// A connected app that signs users in through the authorize page (OpenID Connect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcClient {
    pub client_id: String,
    /// When set, the token endpoint requires it (form field or HTTP Basic).
    pub client_secret: Option<String>,
    /// Exact redirect URIs accepted by `/services/oauth2/authorize` and the token endpoint.
    pub redirect_uris: Vec<String>,
}

/// Values an org's admin added to the Case picklists, accepted besides the standard ones
/// (`schema::CASE_STATUS`, `schema::CASE_PRIORITY`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CasePicklists {
    /// Status values of open cases.
    pub open_statuses: Vec<String>,
    /// Status values that close a case (`IsClosed` true, `ClosedDate` set), like `Closed`.
    pub closed_statuses: Vec<String>,
    pub priorities: Vec<String>,
}

/// The emulator's settings. [`Default`] gives the documented defaults (see README.md).
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Folder of `{Object}.json` fixtures (and the files ContentVersion's `VersionDataFile` names).
    pub fixtures_dir: PathBuf,
    /// The portal sign-ins (`local_accounts.json`): the Experience Cloud users of the authorize
    /// page. None: nobody can sign in there.
    pub users_file: Option<PathBuf>,
    /// The server-to-server connected app (JWT bearer and client credentials).
    pub consumer_key: String,
    pub consumer_secret: String,
    /// PEM of the certificate (`CERTIFICATE`) or public key (`PUBLIC KEY` / `RSA PUBLIC KEY`)
    /// that checks JWT bearer assertions. None: the JWT bearer flow is refused.
    pub jwt_verification_pem: Option<String>,
    /// The user the server-to-server flows run as (the JWT's `sub`).
    pub integration_username: String,
    pub oidc_clients: Vec<OidcClient>,
    /// The daily API request allowance shown in `Sforce-Limit-Info` and `/limits`.
    pub api_limit: u64,
    /// PKCS#8 or PKCS#1 PEM of the RSA key that signs id_tokens. None: one is generated.
    pub signing_key_pem: Option<String>,
    /// How long an access token lives.
    pub session_ttl: Duration,
    /// The emulator's public URL (issuer, instance_url). None: `http://{listener address}`.
    pub base_url: Option<String>,
    /// Audiences accepted in JWT bearer assertions besides the base URL.
    pub jwt_audiences: Vec<String>,
    /// The 15- or 18-character org id.
    pub org_id: String,
    /// Highest REST API version served (lowest is 50.0).
    pub max_api_version: u32,
    /// The org's own Case Status and Priority values.
    pub case_picklists: CasePicklists,
    /// Fields the integration user may read but not write (field-level security), as
    /// `Object.Field`: describe reports them neither createable nor updateable, and a create,
    /// update or upsert that sets one is refused with `INVALID_FIELD_FOR_INSERT_UPDATE`.
    pub read_only_fields: Vec<String>,
    /// Bulk API 2.0 query jobs: how many job-info polls a job takes to reach JobComplete
    /// (UploadComplete, then InProgress, then JobComplete; 0 or 1: complete at the first poll).
    pub bulk_polls_to_complete: u32,
    /// Bulk API 2.0 results: records per set when the request names no `maxRecords`.
    pub bulk_default_max_records: usize,
}

impl EmulatorConfig {
    /// Whether field-level security hides `field` of `object` from writes.
    pub fn is_read_only(&self, object: &str, field: &str) -> bool {
        self.read_only_fields.iter().any(|f| {
            f.split_once('.').is_some_and(|(o, name)| {
                o.eq_ignore_ascii_case(object) && name.eq_ignore_ascii_case(field)
            })
        })
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            fixtures_dir: "backend/mocks/salesforce".into(),
            users_file: Some("backend/mocks/local_accounts.json".into()),
            consumer_key: "emulator-consumer-key".into(),
            consumer_secret: "emulator-consumer-secret".into(),
            jwt_verification_pem: None,
            integration_username: "integration@portal.example".into(),
            oidc_clients: Vec::new(),
            api_limit: 15_000,
            signing_key_pem: None,
            session_ttl: Duration::from_secs(2 * 60 * 60),
            base_url: None,
            jwt_audiences: Vec::new(),
            org_id: "00DDn00000EMULA".into(),
            max_api_version: 66,
            case_picklists: CasePicklists::default(),
            read_only_fields: Vec::new(),
            bulk_polls_to_complete: 2,
            bulk_default_max_records: 50_000,
        }
    }
}
