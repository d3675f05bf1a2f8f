//! Configuration in layers: defaults embedded here, then an optional TOML file, then `PORTAL_*`
//! environment variables (`__` separates sections: `PORTAL_AUTH__SESSION_TTL_SECS=900`).
//! Everything is validated at start-up so a bad value stops the server with a clear message.
//! `portal.example.toml` documents every key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::domain::case::Picklists;

mod appointments;
pub use appointments::{
    AppointmentRateLimit, AppointmentsConfig, MAX_WINDOW_DAYS, TOPIC_PATTERN, Topic, WorkingHours,
    is_topic_code,
};
mod exports;
mod forms;
mod notifications;
mod passwords;
mod products;
mod profile;
mod roles;
mod smtp;
mod values;
pub use exports::{ExportRateLimit, ExportsConfig};
pub use forms::FormsConfig;
pub use notifications::NotificationsConfig;
pub use passwords::{MAX_PASSWORD_CHARS, PasswordsConfig};
pub use products::{InterestRecordKind, ProductRateLimit, ProductRule, ProductsConfig};
pub use profile::ProfileConfig;
pub use roles::{ROLE_FIELD, RoleSource, RolesConfig};
pub use smtp::{SmtpConfig, SmtpSecurity};
pub use values::{RateLimitConfig, Secret};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    pub mode: Mode,
    /// The URL customers use. An `https` URL turns on Secure cookies and HSTS.
    pub public_url: Option<String>,
    /// The built web app (`web/dist`); served with an SPA fallback when it exists.
    pub web_dir: PathBuf,
    /// Where the portal keeps what it writes: the mock store's case journal, the audit log.
    pub data_dir: PathBuf,
    pub backend: Backend,
    pub mock: MockConfig,
    pub auth: AuthConfig,
    pub downloads: DownloadsConfig,
    pub cases: CasesConfig,
    /// Customers' replies on their cases.
    pub comments: CommentsConfig,
    pub attachments: AttachmentsConfig,
    /// "My products" and recommendations (issue 15).
    pub products: ProductsConfig,
    /// Booking appointments with the org's people (issue 15, decision 028).
    pub appointments: AppointmentsConfig,
    /// Profile changes (issue 14, decision 032).
    pub profile: ProfileConfig,
    /// Password self-service for local sign-in (issue 14, decision 032).
    pub passwords: PasswordsConfig,
    /// Outgoing mail (password resets). Off unless configured.
    pub smtp: Option<SmtpConfig>,
    /// Mails on agent replies and status changes (issue 14, decision 034). Off by default.
    pub notifications: NotificationsConfig,
    /// Dynamic case forms from Salesforce Custom Metadata (issue 15).
    pub forms: FormsConfig,
    /// Members and managers: where the role comes from (issue 14, decision 031).
    pub roles: RolesConfig,
    /// Exporting all of an account's cases as CSV (issue 16, decision 026).
    pub exports: ExportsConfig,
    pub http: HttpConfig,
    pub log: LogConfig,
    pub metrics: MetricsConfig,
    /// Trace export over OTLP.
    pub telemetry: TelemetryConfig,
    /// How the org's Case Status and Priority values map to the API's enums.
    pub picklists: Picklists,
    /// The org to use when `backend = "salesforce"`.
    pub salesforce: Option<SalesforceConfig>,
    /// Timeouts, retries, circuit breaker and API budget guard for Salesforce calls.
    pub resilience: ResilienceConfig,
    /// The read cache in front of Salesforce.
    pub cache: CacheConfig,
    /// Sign-in through an OpenID Connect provider (a Salesforce Experience Cloud site or any
    /// standard provider). Off unless configured.
    pub oidc: Option<OidcConfig>,
    /// Redis shared by every instance (`redis://host:6379/0`): rate limits, idempotency
    /// records, revoked sessions, pending sign-ins. Unset: kept in this process (one instance).
    pub redis_url: Option<Secret>,
    /// Prefix of every key the portal writes in Redis.
    pub redis_prefix: String,
    /// Serve HTTPS (HTTP/1.1 and HTTP/2) on `listen` with this certificate. Unset: plain HTTP.
    pub tls: Option<TlsConfig>,
    /// What happens on SIGTERM: not ready first, then a bounded drain.
    pub shutdown: ShutdownConfig,
}

/// The listener's certificate and key, PEM files read at start-up (docs/decisions/020-tls-and-shutdown.md).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// The certificate chain, leaf first.
    pub cert_file: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
}

/// Graceful shutdown on SIGTERM or Ctrl-C: `/readyz` answers 503 at once while requests are
/// still served for `drain_delay_secs` (load balancers take the instance out), then the
/// listener closes and requests in flight get up to `timeout_secs` to finish.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShutdownConfig {
    pub drain_delay_secs: u64,
    pub timeout_secs: u64,
}

impl Default for ShutdownConfig {
    fn default() -> Self {
        Self {
            drain_delay_secs: 5,
            timeout_secs: 20,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// The embedded mock store of JSON fixtures.
    Mock,
    /// A Salesforce org through its REST API (see `[salesforce]`).
    Salesforce,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalesforceAuthFlow {
    /// OAuth 2.0 JWT bearer: a certificate uploaded to the connected app, an integration user.
    JwtBearer,
    /// OAuth 2.0 client credentials with a run-as user set on the connected app.
    ClientCredentials,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SalesforceConfig {
    /// `https://login.salesforce.com`, `https://test.salesforce.com`, or the org's My Domain
    /// URL (required for client credentials).
    pub login_url: String,
    pub auth_flow: SalesforceAuthFlow,
    /// The connected app's consumer key.
    pub consumer_key: String,
    /// For client credentials; prefer PORTAL_SALESFORCE__CONSUMER_SECRET.
    pub consumer_secret: Option<Secret>,
    /// The integration user, for the JWT bearer flow.
    pub username: Option<String>,
    /// PEM private key whose certificate is uploaded to the connected app (JWT bearer).
    pub private_key_file: Option<PathBuf>,
    pub api_version: String,
    /// Sent as `Sforce-Call-Options: client=<name>`.
    pub client_name: String,
    pub connect_timeout_secs: u64,
    pub request_timeout_secs: u64,
    /// The unique external id text field on Case that makes creates retry-safe.
    pub case_external_id_field: String,
    /// The text field on Case a customer's close reason is written to (a custom field, e.g. a
    /// long text area `Portal_Close_Reason__c`); empty: the reason is not stored.
    pub case_close_reason_field: String,
    /// The unique external id text field on ContentVersion that makes uploads retry-safe (and
    /// tells the customer's files from the agents').
    pub attachment_external_id_field: String,
}

impl Default for SalesforceConfig {
    fn default() -> Self {
        Self {
            login_url: "https://login.salesforce.com".into(),
            auth_flow: SalesforceAuthFlow::JwtBearer,
            consumer_key: String::new(),
            consumer_secret: None,
            username: None,
            private_key_file: None,
            api_version: "62.0".into(),
            client_name: "customer-portal".into(),
            connect_timeout_secs: 5,
            request_timeout_secs: 15,
            case_external_id_field: "Portal_Request_Id__c".into(),
            case_close_reason_field: "Portal_Close_Reason__c".into(),
            attachment_external_id_field: "Portal_Upload_Id__c".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// Freshness of accounts and contacts (names rarely change).
    pub accounts_ttl_secs: u64,
    /// Freshness of case lists and cases.
    pub cases_ttl_secs: u64,
    /// Freshness of document lists and documents.
    pub documents_ttl_secs: u64,
    /// How old a value may be when it is served because Salesforce failed.
    pub max_stale_secs: u64,
    /// Most entries kept.
    pub max_entries: u64,
    /// How often to ask Salesforce what changed (0: never; entries then expire by TTL alone).
    pub change_poll_secs: u64,
    /// The longest an entry is trusted through change polls, since it was loaded.
    pub revalidated_max_age_secs: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            accounts_ttl_secs: 600,
            cases_ttl_secs: 60,
            documents_ttl_secs: 300,
            max_stale_secs: 3600,
            max_entries: 100_000,
            change_poll_secs: 30,
            revalidated_max_age_secs: 900,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResilienceConfig {
    /// Most attempts of one retryable call, the first included.
    pub max_attempts: u32,
    /// Backoff: the n-th retry waits a random time up to `min(max, base * 2^n)` ("full jitter").
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    /// Retries stop when the next wait would pass this much time since the first attempt.
    pub retry_budget_ms: u64,
    /// One attempt, from sending to the last header, may take this long.
    pub call_timeout_ms: u64,
    /// Consecutive failures that open the circuit.
    pub breaker_failures: u32,
    /// How long an open circuit fails fast before one probe is let through.
    pub breaker_open_secs: u64,
    /// Share of the org's daily API allocation (from `Sforce-Limit-Info`) above which the
    /// portal stops optional reads and serves them from cache only; creates still go through.
    pub api_budget_share: f64,
    /// Salesforce calls each customer (account) may cause per hour, sustained: cache misses of
    /// its reads and the files of its downloads. Over it, reads are served from cache (marked
    /// stale) when there is anything cached, otherwise refused with 429 and `Retry-After`.
    /// Shared by every instance through Redis when `redis_url` is set.
    pub customer_calls_per_hour: u32,
    /// How many of those calls a customer may make at once before the hourly rate applies.
    pub customer_calls_burst: u32,
}

impl Default for ResilienceConfig {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            backoff_base_ms: 100,
            backoff_max_ms: 1_000,
            retry_budget_ms: 3_000,
            call_timeout_ms: 10_000,
            breaker_failures: 5,
            breaker_open_secs: 30,
            api_budget_share: 0.9,
            customer_calls_per_hour: 600,
            customer_calls_burst: 120,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// An OTLP/HTTP collector, e.g. `http://127.0.0.1:4318` (traces go to `/v1/traces`).
    /// Unset: no traces are exported.
    pub otlp_endpoint: Option<String>,
    /// `service.name` of the exported spans.
    pub service_name: String,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            service_name: "customer-portal".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MockConfig {
    pub fixtures_dir: PathBuf,
    /// Local sign-ins (email, argon2id hash, contact) for the mock store.
    pub local_accounts_file: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// The server's secret, at least 32 characters; session tokens, CSRF tokens and download
    /// links are signed with keys derived from it. Required in production.
    pub secret_key: Option<Secret>,
    /// A session ends after this long without a request; each request renews it.
    pub session_ttl_secs: u64,
    /// A session ends this long after sign-in, however active.
    pub session_max_age_secs: u64,
    /// Failed sign-ins allowed per client address per minute (browsers without a device
    /// cookie for the account); then the address waits until its budget recovers.
    pub login_attempts_per_ip_per_minute: u32,
    /// Failed sign-ins allowed per account per hour from one client address, or from one
    /// device (a browser that signed in to the account before). Another address or device of
    /// the owner is not held back by them.
    pub login_attempts_per_account_per_hour: u32,
    /// Failed sign-ins allowed per account per hour from all addresses together (devices that
    /// signed in before excepted): the ceiling against guessing from many addresses.
    pub login_attempts_per_account_per_hour_all_clients: u32,
    /// Password checks (argon2, 19 MiB each) run at once; 0: one per CPU core.
    pub password_check_concurrency: usize,
    /// How long a sign-in waits for a password check before it is refused with 503.
    pub password_check_wait_ms: u64,
    /// How often a session's contact is checked again against Salesforce (still there, still
    /// of the same account, sessions not revoked by an operator): a removed contact loses
    /// access within this time. 0: on every request (a contact read each, cached over
    /// Salesforce).
    pub authorization_recheck_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DownloadsConfig {
    /// How long a signed download link stays valid.
    pub url_ttl_secs: u64,
    /// Refused download links are counted in `/metrics` and logged at most once per this many
    /// seconds, as one line saying how many were refused since the last (a flood of bad links
    /// cannot flood the log).
    pub refusal_log_interval_secs: u64,
}

/// Files customers attach to cases.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttachmentsConfig {
    /// The largest file taken, in bytes; a larger one is refused while it streams in (413).
    pub max_bytes: u64,
    /// MIME types taken, recognised by the file's bytes (`domain/attachment.rs` lists those
    /// the portal can recognise).
    pub allowed_types: Vec<String>,
    pub rate_limit: RateLimitConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CasesConfig {
    pub rate_limit: RateLimitConfig,
    /// How many days after closing a customer may reopen a case (0: never from the portal).
    pub reopen_window_days: u32,
    /// Closes and reopens per customer (only those that change a case count).
    pub status_rate_limit: RateLimitConfig,
}

impl CasesConfig {
    pub fn reopen_window(&self) -> crate::domain::case_status::ReopenWindow {
        crate::domain::case_status::ReopenWindow::days(self.reopen_window_days)
    }
}

/// The longest reopen window accepted: ten years.
pub const MAX_REOPEN_WINDOW_DAYS: u32 = 3_650;

/// The longest `shutdown.drain_delay_secs`: an instance shutting down serves at most this long.
pub const MAX_DRAIN_SECS: u64 = 300;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommentsConfig {
    /// Replies per customer (account): a sustained hourly rate and a burst.
    pub rate_limit: RateLimitConfig,
}

impl Default for CommentsConfig {
    fn default() -> Self {
        Self {
            rate_limit: RateLimitConfig {
                per_hour: 60,
                burst: 10,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    pub request_timeout_secs: u64,
    pub body_limit_bytes: usize,
    /// Origins allowed to call the API from another site. Empty: CORS stays off.
    pub cors_allowed_origins: Vec<String>,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// When set, `/metrics` requires `Authorization: Bearer <token>`.
    pub token: Option<Secret>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OidcConfig {
    /// The provider's issuer, e.g. `https://mycompany.my.site.com` for an Experience Cloud site
    /// or `https://login.salesforce.com`; discovery is read from
    /// `<issuer>/.well-known/openid-configuration`.
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    /// Where the provider sends the browser back; defaults to
    /// `<public_url>/auth/oidc/callback`. Register exactly this URL at the provider.
    pub redirect_url: Option<String>,
    pub scopes: Vec<String>,
    /// The claim that finds the user's Contact, read from userinfo (else the id_token): `email`
    /// by default, or e.g. `preferred_username`; a dotted name reaches into an object claim
    /// (`custom_attributes.ContactId`).
    pub contact_claim: String,
    /// The Contact field the claim's value must equal (exactly one Contact with an account):
    /// `Email` by default, `Id`, or a custom field such as `Portal_Username__c`.
    pub contact_field: String,
    /// The sign-in button's text.
    pub label: String,
    /// Sign-ins started and not yet finished (each is kept up to 10 minutes) from one client
    /// address (an IPv6 client by its /64); over it, starting one is refused.
    pub max_pending_sign_ins_per_client: u32,
    /// Sign-ins started and not yet finished from everyone; over it, starting one is refused.
    pub max_pending_sign_ins: u32,
}

impl Default for OidcConfig {
    fn default() -> Self {
        Self {
            issuer_url: String::new(),
            client_id: String::new(),
            client_secret: None,
            redirect_url: None,
            scopes: vec!["openid".into(), "email".into(), "profile".into()],
            contact_claim: "email".into(),
            contact_field: "Email".into(),
            label: "Sign in with Salesforce".into(),
            max_pending_sign_ins_per_client: 100,
            max_pending_sign_ins: 10_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `info,portal=debug`; closing lines have the target
    /// `access_log`.
    pub filter: String,
    /// Which requests get a closing line ("finished processing request") at `info` (at
    /// `error` for a 5xx).
    pub access: AccessLog,
}

/// Requests logged one line each, at `info` (a 5xx at `error`). Whatever the choice, every request is counted
/// in the metrics, and what happens inside a request (sign-ins, new cases, downloads, warnings,
/// errors) is logged with its request id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessLog {
    /// Those answered with a 4xx or 5xx; the others' lines are at `debug`
    /// (`filter = "info,access_log=debug"` shows them). A line per successful read costs
    /// more than the read itself (docs/decisions/010-access-log.md).
    Errors,
    /// Every request.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8000)),
            mode: Mode::Development,
            public_url: None,
            web_dir: "web/dist".into(),
            data_dir: "data".into(),
            backend: Backend::Mock,
            mock: MockConfig::default(),
            auth: AuthConfig::default(),
            downloads: DownloadsConfig::default(),
            cases: CasesConfig::default(),
            comments: CommentsConfig::default(),
            attachments: AttachmentsConfig::default(),
            products: ProductsConfig::default(),
            appointments: AppointmentsConfig::default(),
            profile: ProfileConfig::default(),
            passwords: PasswordsConfig::default(),
            smtp: None,
            notifications: NotificationsConfig::default(),
            forms: FormsConfig::default(),
            roles: RolesConfig::default(),
            exports: ExportsConfig::default(),
            http: HttpConfig::default(),
            log: LogConfig::default(),
            metrics: MetricsConfig::default(),
            telemetry: TelemetryConfig::default(),
            picklists: Picklists::default(),
            salesforce: None,
            resilience: ResilienceConfig::default(),
            cache: CacheConfig::default(),
            oidc: None,
            redis_url: None,
            redis_prefix: "portal".into(),
            tls: None,
            shutdown: ShutdownConfig::default(),
        }
    }
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            fixtures_dir: "backend/mocks/salesforce".into(),
            local_accounts_file: "backend/mocks/local_accounts.json".into(),
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            secret_key: None,
            session_ttl_secs: 30 * 60,
            session_max_age_secs: 12 * 60 * 60,
            login_attempts_per_ip_per_minute: 20,
            login_attempts_per_account_per_hour: 10,
            login_attempts_per_account_per_hour_all_clients: 100,
            password_check_concurrency: 0,
            password_check_wait_ms: 2_000,
            authorization_recheck_secs: 60,
        }
    }
}

impl Default for DownloadsConfig {
    fn default() -> Self {
        Self {
            url_ttl_secs: 60,
            refusal_log_interval_secs: 60,
        }
    }
}

impl Default for AttachmentsConfig {
    fn default() -> Self {
        Self {
            max_bytes: 25 * 1024 * 1024,
            allowed_types: [
                "application/pdf",
                "image/png",
                "image/jpeg",
                "image/gif",
                "image/webp",
                "text/plain",
                "text/csv",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ]
            .map(String::from)
            .to_vec(),
            rate_limit: RateLimitConfig {
                per_hour: 30,
                burst: 10,
            },
        }
    }
}

impl Default for CasesConfig {
    fn default() -> Self {
        Self {
            rate_limit: RateLimitConfig {
                per_hour: 10,
                burst: 5,
            },
            reopen_window_days: 14,
            status_rate_limit: RateLimitConfig {
                per_hour: 30,
                burst: 10,
            },
        }
    }
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        CasesConfig::default().rate_limit
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            request_timeout_secs: 30,
            // A 32,000-character description is up to 128 KB of UTF-8, plus JSON escaping.
            body_limit_bytes: 256 * 1024,
            cors_allowed_origins: Vec::new(),
            trust_forwarded_for: false,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Json,
            filter: "info".into(),
            access: AccessLog::Errors,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Parse(#[from] Box<figment::Error>),
    #[error("configuration: {0}")]
    Invalid(String),
    /// Every setting production mode refuses, each on its own line.
    #[error("configuration: production mode refuses insecure settings:{}", .0.iter().map(|p| format!("\n  - {p}")).collect::<String>())]
    Insecure(Vec<String>),
}

impl Config {
    /// Defaults, then the file (if given), then `PORTAL_*` variables; validated.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::Invalid(format!(
                    "config file {} does not exist",
                    file.display()
                )));
            }
            figment = figment.merge(Toml::file(file));
        }
        // PORTAL_CONFIG names the file; PORTAL_TEST_* belong to the test suite. Neither is a
        // setting, so neither trips the unknown-key check.
        figment = figment.merge(
            Env::prefixed("PORTAL_")
                .filter(|key| {
                    key != "config" && !key.as_str().to_ascii_lowercase().starts_with("test_")
                })
                .split("__"),
        );
        let config: Config = figment.extract().map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |msg: &str| Err(ConfigError::Invalid(msg.to_owned()));
        match &self.auth.secret_key {
            Some(key) if key.expose().len() < 32 => {
                return invalid(
                    "auth.secret_key (PORTAL_AUTH__SECRET_KEY) must be at least 32 characters",
                );
            }
            _ => {}
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return invalid("public_url must start with https:// or http://");
        }
        if self.auth.session_ttl_secs == 0
            || self.auth.session_max_age_secs < self.auth.session_ttl_secs
        {
            return invalid(
                "auth.session_ttl_secs must be positive and at most auth.session_max_age_secs",
            );
        }
        if self.auth.login_attempts_per_ip_per_minute == 0
            || self.auth.login_attempts_per_account_per_hour == 0
            || self.auth.login_attempts_per_account_per_hour_all_clients == 0
        {
            return invalid("auth.login_attempts_* must be at least 1");
        }
        if self.auth.authorization_recheck_secs > self.auth.session_ttl_secs {
            return invalid(
                "auth.authorization_recheck_secs must be at most auth.session_ttl_secs",
            );
        }
        if self.downloads.url_ttl_secs == 0 {
            return invalid("downloads.url_ttl_secs must be at least 1");
        }
        if self.cases.rate_limit.per_hour == 0 || self.cases.rate_limit.burst == 0 {
            return invalid(
                "cases.rate_limit.per_hour and cases.rate_limit.burst must be at least 1",
            );
        }
        if self.comments.rate_limit.per_hour == 0 || self.comments.rate_limit.burst == 0 {
            return invalid(
                "comments.rate_limit.per_hour and comments.rate_limit.burst must be at least 1",
            );
        }
        if self.cases.status_rate_limit.per_hour == 0 || self.cases.status_rate_limit.burst == 0 {
            return invalid(
                "cases.status_rate_limit.per_hour and cases.status_rate_limit.burst must be at least 1",
            );
        }
        if self.cases.reopen_window_days > MAX_REOPEN_WINDOW_DAYS {
            return invalid("cases.reopen_window_days must be at most 3650 (ten years)");
        }
        self.validate_attachments()?;
        self.products.validate().map_err(ConfigError::Invalid)?;
        self.forms.validate().map_err(ConfigError::Invalid)?;
        self.roles.validate().map_err(ConfigError::Invalid)?;
        if !is_field_name(&self.products.interest_external_id_field) {
            return invalid(
                "products.interest_external_id_field must be a field API name like Portal_Interest_Key__c",
            );
        }
        self.appointments.validate().map_err(ConfigError::Invalid)?;
        self.profile.validate().map_err(ConfigError::Invalid)?;
        self.passwords.validate().map_err(ConfigError::Invalid)?;
        if let Some(smtp) = &self.smtp {
            smtp.validate().map_err(ConfigError::Invalid)?;
        }
        self.exports.validate().map_err(ConfigError::Invalid)?;
        self.notifications
            .validate(self.smtp.is_some())
            .map_err(ConfigError::Invalid)?;
        self.validate_tls_and_shutdown()?;
        if self.http.request_timeout_secs == 0 || self.http.body_limit_bytes < 1024 {
            return invalid(
                "http.request_timeout_secs must be positive and http.body_limit_bytes at least 1024",
            );
        }
        for origin in &self.http.cors_allowed_origins {
            if origin == "*" || !(origin.starts_with("https://") || origin.starts_with("http://")) {
                return Err(ConfigError::Invalid(format!(
                    "http.cors_allowed_origins: {origin:?} is not an origin like https://app.example.com"
                )));
            }
        }
        self.picklists.validate().map_err(ConfigError::Invalid)?;
        if let Some(url) = &self.redis_url
            && let Err(err) = redis::Client::open(url.expose())
        {
            // The error names the problem without repeating the URL (it may hold a password).
            return Err(ConfigError::Invalid(format!(
                "redis_url (PORTAL_REDIS_URL) is not a valid Redis URL like redis://127.0.0.1:6379/0: {err}"
            )));
        }
        if self.redis_prefix.is_empty()
            || !self
                .redis_prefix
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'{' && b != b'}')
        {
            return invalid("redis_prefix must be non-empty visible ASCII without braces");
        }
        let r = &self.resilience;
        if r.max_attempts == 0
            || r.call_timeout_ms == 0
            || r.breaker_failures == 0
            || !(0.0..=1.0).contains(&r.api_budget_share)
        {
            return invalid(
                "resilience: max_attempts, call_timeout_ms and breaker_failures must be positive, api_budget_share within 0..1",
            );
        }
        if self.cache.max_stale_secs
            < self
                .cache
                .cases_ttl_secs
                .max(self.cache.documents_ttl_secs)
                .max(self.cache.accounts_ttl_secs)
        {
            return invalid("cache.max_stale_secs must be at least the longest TTL");
        }
        if self.backend == Backend::Salesforce {
            let Some(sf) = &self.salesforce else {
                return invalid(
                    "backend = \"salesforce\" needs the [salesforce] section (PORTAL_SALESFORCE__*)",
                );
            };
            if sf.consumer_key.is_empty() {
                return invalid(
                    "salesforce.consumer_key (PORTAL_SALESFORCE__CONSUMER_KEY) is required",
                );
            }
            match sf.auth_flow {
                SalesforceAuthFlow::JwtBearer
                    if sf.username.is_none() || sf.private_key_file.is_none() =>
                {
                    return invalid(
                        "the jwt_bearer flow needs salesforce.username and salesforce.private_key_file",
                    );
                }
                SalesforceAuthFlow::ClientCredentials if sf.consumer_secret.is_none() => {
                    return invalid("the client_credentials flow needs salesforce.consumer_secret");
                }
                _ => {}
            }
            if !sf.case_external_id_field.ends_with("__c") {
                return invalid(
                    "salesforce.case_external_id_field must be a custom field (ending in __c)",
                );
            }
            // Written into a request body by name: a field name or nothing.
            let reason = &sf.case_close_reason_field;
            let custom_field = reason.ends_with("__c") && is_field_name(reason);
            if !(reason.is_empty() || custom_field) {
                return invalid(
                    "salesforce.case_close_reason_field must be a custom field name (ending in \
                     __c, e.g. Portal_Close_Reason__c), or empty to not store close reasons",
                );
            }
        }
        if let Some(oidc) = &self.oidc {
            if !(oidc.issuer_url.starts_with("https://") || oidc.issuer_url.starts_with("http://"))
            {
                return invalid(
                    "oidc.issuer_url (PORTAL_OIDC__ISSUER_URL) must be the provider's https:// URL",
                );
            }
            if oidc.client_id.is_empty() {
                return invalid("oidc.client_id (PORTAL_OIDC__CLIENT_ID) is required with oidc");
            }
            if oidc.contact_claim.is_empty()
                || oidc.contact_claim.len() > 255
                || !oidc.contact_claim.bytes().all(|b| b.is_ascii_graphic())
            {
                return invalid(
                    "oidc.contact_claim must name a claim, e.g. `email` or `preferred_username`",
                );
            }
            if !is_field_name(&oidc.contact_field) {
                return Err(ConfigError::Invalid(format!(
                    "oidc.contact_field {:?} is not a Contact field name like `Email` or \
                     `Portal_Username__c` (letters, digits and single underscores, starting \
                     with a letter)",
                    oidc.contact_field
                )));
            }
            if oidc.max_pending_sign_ins_per_client == 0
                || oidc.max_pending_sign_ins < oidc.max_pending_sign_ins_per_client
            {
                return invalid(
                    "oidc.max_pending_sign_ins_per_client must be at least 1 and at most \
                     oidc.max_pending_sign_ins",
                );
            }
            if self.oidc_redirect_url().is_none() {
                return invalid(
                    "oidc needs public_url or oidc.redirect_url for the callback address",
                );
            }
        }
        self.validate_download_and_budget_limits()?;
        let problems = self.production_problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Insecure(problems))
        }
    }

    /// What production mode refuses (nothing in development): no secret key; customers,
    /// cookies or the identity provider over plain http; `/metrics` open to anyone; the demo
    /// accounts shipped with the repository, whose password is published, as password
    /// sign-ins (in either backend, the local accounts file is the only password sign-in).
    fn production_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.mode != Mode::Production {
            return problems;
        }
        if self.auth.secret_key.is_none() {
            problems.push(
                "auth.secret_key (PORTAL_AUTH__SECRET_KEY) is required; generate one with \
                 `openssl rand -base64 48`"
                    .to_owned(),
            );
        }
        if !self.is_https() {
            problems.push(
                "public_url (PORTAL_PUBLIC_URL) must be the https:// URL customers use: over \
                 http session cookies travel in clear and HSTS is off"
                    .to_owned(),
            );
        }
        if let Some(smtp) = &self.smtp
            && smtp.security == SmtpSecurity::None
            && !smtp.is_loopback()
        {
            problems.push(
                "smtp.security = \"none\" sends password-reset links in clear: use \"starttls\" \
                 or \"tls\" unless smtp.host is this machine"
                    .to_owned(),
            );
        }
        if let Some(oidc) = &self.oidc {
            if !oidc.issuer_url.starts_with("https://") {
                problems.push(
                    "oidc.issuer_url (PORTAL_OIDC__ISSUER_URL) must be an https:// URL: its \
                     discovery document and keys decide who signs in"
                        .to_owned(),
                );
            }
            if oidc
                .redirect_url
                .as_deref()
                .is_some_and(|u| !u.starts_with("https://"))
            {
                problems.push(
                    "oidc.redirect_url (PORTAL_OIDC__REDIRECT_URL) must be an https:// URL: the \
                     authorization code travels to it"
                        .to_owned(),
                );
            }
        }
        if self.metrics.token.is_none() {
            problems.push(
                "metrics.token (PORTAL_METRICS__TOKEN) is required: without it /metrics is \
                 open to anyone"
                    .to_owned(),
            );
        }
        if let Some(problem) = demo_accounts(&self.mock.local_accounts_file) {
            problems.push(problem);
        }
        problems
    }

    /// The download refusal log's interval and the per-customer Salesforce budget.
    fn validate_download_and_budget_limits(&self) -> Result<(), ConfigError> {
        if self.downloads.refusal_log_interval_secs == 0 {
            return Err(ConfigError::Invalid(
                "downloads.refusal_log_interval_secs must be at least 1".into(),
            ));
        }
        let r = &self.resilience;
        if r.customer_calls_per_hour == 0 || r.customer_calls_burst == 0 {
            return Err(ConfigError::Invalid(
                "resilience.customer_calls_per_hour and resilience.customer_calls_burst must be at least 1"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The Contact field that signs in through OpenID Connect (`Email` without `[oidc]`).
    pub fn contact_field(&self) -> &str {
        self.oidc
            .as_ref()
            .map_or("Email", |o| o.contact_field.as_str())
    }

    /// The OpenID Connect callback URL: configured, or derived from the public URL.
    pub fn oidc_redirect_url(&self) -> Option<String> {
        let oidc = self.oidc.as_ref()?;
        oidc.redirect_url.clone().or_else(|| {
            self.public_url
                .as_ref()
                .map(|u| format!("{}/auth/oidc/callback", u.trim_end_matches('/')))
        })
    }

    /// Whether customers reach the portal over https (cookies get `Secure`, responses HSTS).
    pub fn is_https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

/// Why `file` cannot hold production's password sign-ins, if it cannot: it is the demo file
/// shipped in the repository (`backend/mocks/local_accounts.json`, the default), it cannot be
/// read, or an account in it is at a `.example` domain (reserved, RFC 2606: no customer has
/// one, every demo account does). An empty list (`[]`) turns password sign-in off in effect.
fn demo_accounts(file: &Path) -> Option<String> {
    let key = "mock.local_accounts_file (PORTAL_MOCK__LOCAL_ACCOUNTS_FILE)";
    let shipped = Path::new("backend/mocks/local_accounts.json");
    let canonical = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_owned());
    if file == MockConfig::default().local_accounts_file || canonical.ends_with(shipped) {
        return Some(format!(
            "{key} is the demo accounts file shipped with the portal (its password is \
             published): set it to your own accounts file (`[]` for none)"
        ));
    }
    let accounts: Vec<serde_json::Value> = match std::fs::read(file)
        .map_err(|e| e.to_string())
        .and_then(|raw| serde_json::from_slice(&raw).map_err(|e| e.to_string()))
    {
        Ok(accounts) => accounts,
        Err(err) => return Some(format!("{key} {}: {err}", file.display())),
    };
    let demo = accounts.iter().find_map(|a| {
        a["email"]
            .as_str()
            .filter(|e| e.to_ascii_lowercase().ends_with(".example"))
    });
    demo.map(|email| {
        format!(
            "{key} {} holds the demo account {email} (a .example domain): remove the demo \
             accounts",
            file.display()
        )
    })
}

/// A Salesforce field API name (`Email`, `Portal_Username__c`): safe to write into SOQL as is.
/// Letters, digits and underscores, starting with a letter, no double underscore but a final
/// `__c`, at most 80 characters.
impl Config {
    fn validate_tls_and_shutdown(&self) -> Result<(), ConfigError> {
        if let Some(tls) = &self.tls {
            for (key, path) in [
                ("tls.cert_file", &tls.cert_file),
                ("tls.key_file", &tls.key_file),
            ] {
                if path.as_os_str().is_empty() || !path.is_file() {
                    return Err(ConfigError::Invalid(format!(
                        "{key} must name a readable PEM file (is {:?})",
                        path.display().to_string()
                    )));
                }
            }
        }
        if self.shutdown.timeout_secs == 0 || self.shutdown.drain_delay_secs > MAX_DRAIN_SECS {
            return Err(ConfigError::Invalid(format!(
                "shutdown.timeout_secs must be at least 1 and shutdown.drain_delay_secs at most \
                 {MAX_DRAIN_SECS}"
            )));
        }
        Ok(())
    }

    fn validate_attachments(&self) -> Result<(), ConfigError> {
        let a = &self.attachments;
        if a.max_bytes == 0 || a.max_bytes > MAX_ATTACHMENT_BYTES {
            return Err(ConfigError::Invalid(format!(
                "attachments.max_bytes must be from 1 to {MAX_ATTACHMENT_BYTES} (2 GiB)"
            )));
        }
        if a.rate_limit.per_hour == 0 || a.rate_limit.burst == 0 {
            return Err(ConfigError::Invalid(
                "attachments.rate_limit.per_hour and attachments.rate_limit.burst must be at least 1"
                    .into(),
            ));
        }
        if a.allowed_types.is_empty() {
            return Err(ConfigError::Invalid(
                "attachments.allowed_types must name at least one type".into(),
            ));
        }
        for mime in &a.allowed_types {
            if crate::domain::attachment::kind(mime).is_none() {
                let known: Vec<&str> = crate::domain::attachment::KINDS
                    .iter()
                    .map(|k| k.mime)
                    .collect();
                return Err(ConfigError::Invalid(format!(
                    "attachments.allowed_types: {mime:?} is not a type the portal recognises by \
                     content; choose from {}",
                    known.join(", ")
                )));
            }
        }
        if let Some(sf) = &self.salesforce
            && !is_field_name(&sf.attachment_external_id_field)
        {
            return Err(ConfigError::Invalid(format!(
                "salesforce.attachment_external_id_field {:?} is not a field name like \
                 `Portal_Upload_Id__c`",
                sf.attachment_external_id_field
            )));
        }
        Ok(())
    }
}

/// The largest file an upload may be: what Salesforce takes in one multipart request.
pub const MAX_ATTACHMENT_BYTES: u64 = 2 * 1024 * 1024 * 1024;

fn is_field_name(name: &str) -> bool {
    let base = name.strip_suffix("__c").unwrap_or(name);
    (1..=80).contains(&name.len())
        && base.starts_with(|c: char| c.is_ascii_alphabetic())
        && base.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !base.contains("__")
        && !base.ends_with('_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_for_development() {
        Config::default().validate().unwrap();
    }

    #[test]
    fn production_requires_a_secret_key() {
        let config = Config {
            mode: Mode::Production,
            ..Config::default()
        };
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("secret_key"), "{err}");
    }

    /// A production config that passes: https everywhere, a metrics token, own accounts.
    fn production(accounts: &Path) -> Config {
        let mut config = Config {
            mode: Mode::Production,
            public_url: Some("https://portal.example.com".into()),
            oidc: Some(OidcConfig {
                issuer_url: "https://idp.example.com".into(),
                client_id: "portal".into(),
                ..OidcConfig::default()
            }),
            ..Config::default()
        };
        config.auth.secret_key = Some(Secret::new("k".repeat(40)));
        config.metrics.token = Some(Secret::new("scraper-token"));
        config.mock.local_accounts_file = accounts.to_owned();
        config
    }

    #[test]
    fn production_refuses_insecure_settings_and_names_each() {
        let dir = tempfile::tempdir().unwrap();
        let own = dir.path().join("accounts.json");
        std::fs::write(&own, r#"[{"email": "ops@acme.com"}]"#).unwrap();
        production(&own).validate().unwrap();
        let empty = dir.path().join("none.json");
        std::fs::write(&empty, "[]").unwrap();
        production(&empty).validate().unwrap();

        let mut config = production(&own);
        config.auth.secret_key = None;
        config.public_url = Some("http://portal.example.com".into());
        config.oidc.as_mut().unwrap().issuer_url = "http://idp.example.com".into();
        config.oidc.as_mut().unwrap().redirect_url = Some("http://portal.example.com/cb".into());
        config.metrics.token = None;
        config.mock.local_accounts_file = MockConfig::default().local_accounts_file;
        let err = config.validate().unwrap_err();
        let ConfigError::Insecure(problems) = &err else {
            panic!("{err}");
        };
        let keys = [
            "auth.secret_key",
            "public_url",
            "oidc.issuer_url",
            "oidc.redirect_url",
            "metrics.token",
            "mock.local_accounts_file",
        ];
        assert_eq!(problems.len(), keys.len(), "{err}");
        for (problem, key) in problems.iter().zip(keys) {
            assert!(problem.starts_with(key), "{problem}");
            assert!(err.to_string().contains(&format!("\n  - {problem}")));
        }

        // The shipped file found by its place, wherever the portal runs from; a copy by its
        // demo accounts; an unreadable file by name.
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("mocks/local_accounts.json");
        let copy = dir.path().join("copy.json");
        std::fs::copy(&shipped, &copy).unwrap();
        for (file, says) in [
            (shipped.clone(), "shipped with the portal"),
            (copy, "holds the demo account"),
            (dir.path().join("missing.json"), "missing.json"),
        ] {
            let err = production(&file).validate().unwrap_err().to_string();
            assert!(err.contains(says), "{err}");
        }
        // Development takes all of it.
        config.mode = Mode::Development;
        config.auth.secret_key = None;
        config.validate().unwrap();
    }

    #[test]
    fn short_keys_and_wildcard_origins_are_refused() {
        let mut config = Config::default();
        config.auth.secret_key = Some(Secret::new("short"));
        assert!(config.validate().is_err());
        let mut config = Config::default();
        config.http.cors_allowed_origins = vec!["*".into()];
        assert!(config.validate().is_err());
    }

    #[test]
    fn the_documented_example_file_matches_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../portal.example.toml");
        let from_file: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file_exact(&path))
            .extract()
            .unwrap();
        assert_eq!(
            serde_json::to_value(&from_file).unwrap(),
            serde_json::to_value(Config::default()).unwrap(),
            "portal.example.toml and Config::default() disagree"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        for key in [
            "listen",
            "secret_key",
            "session_ttl_secs",
            "per_hour",
            "cors_allowed_origins",
            "filter",
            "access",
            "drain_delay_secs",
            "cert_file",
        ] {
            assert!(text.contains(key), "{key} undocumented");
        }
    }

    #[test]
    fn the_contact_field_must_be_a_field_name_safe_in_soql() {
        let with_field = |field: &str| {
            let config = Config {
                public_url: Some("https://portal.example.com".into()),
                oidc: Some(OidcConfig {
                    issuer_url: "https://idp.example.com".into(),
                    client_id: "portal".into(),
                    contact_claim: "preferred_username".into(),
                    contact_field: field.into(),
                    ..OidcConfig::default()
                }),
                ..Config::default()
            };
            config.validate()
        };
        for good in ["Email", "Id", "Portal_Username__c", "Username2__c"] {
            with_field(good).unwrap();
        }
        for bad in [
            "",
            "Email OR Id != null",
            "Account.Name",
            "Email'",
            "_Email",
            "Bad__Name",
            "Name_",
            "1Email",
            &"x".repeat(81),
        ] {
            let err = with_field(bad).unwrap_err().to_string();
            assert!(err.contains("oidc.contact_field"), "{bad}: {err}");
        }
    }

    #[test]
    fn case_status_settings_are_checked() {
        let mut config = Config::default();
        config.cases.reopen_window_days = 0;
        config.validate().unwrap();
        config.cases.reopen_window_days = MAX_REOPEN_WINDOW_DAYS + 1;
        assert!(config.validate().is_err());
        let mut config = Config::default();
        config.cases.status_rate_limit.burst = 0;
        assert!(config.validate().is_err());
        let with_reason_field = |field: &str| {
            let config = Config {
                backend: Backend::Salesforce,
                salesforce: Some(SalesforceConfig {
                    consumer_key: "key".into(),
                    username: Some("integration@example.com".into()),
                    private_key_file: Some("portal.key".into()),
                    case_close_reason_field: field.into(),
                    ..SalesforceConfig::default()
                }),
                ..Config::default()
            };
            config.validate()
        };
        for good in ["", "Portal_Close_Reason__c", "Reason2__c"] {
            with_reason_field(good).unwrap();
        }
        for bad in ["Reason", "Bad Field__c", "X__c, Status", "Reason__c'"] {
            let err = with_reason_field(bad).unwrap_err().to_string();
            assert!(err.contains("case_close_reason_field"), "{bad}: {err}");
        }
    }

    #[test]
    fn secrets_do_not_print() {
        let secret = Secret::new("x".repeat(40));
        assert_eq!(format!("{secret:?}"), "Secret(***)");
    }
}
