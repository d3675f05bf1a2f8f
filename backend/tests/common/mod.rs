//! The test harness: the real server on a random port, and signed-in clients.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]

use std::net::SocketAddr;
use std::path::PathBuf;

use portal::Config;
use portal::config::Secret;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub mod smtp;

pub const PASSWORD: &str = "portal-demo";
pub const ACME: &str = "001Dn000V58wd0MIIQ";
pub const GLOBEX: &str = "001Dn0004Ot9nDpIQI";
pub const SECRET: &str = "test-secret-key-that-is-long-enough-0123456789";

pub fn mocks_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mocks")
}

/// A config for tests: the demo fixtures, a fresh data folder, a fixed secret.
pub fn test_config(data_dir: &std::path::Path) -> Config {
    let mut config = Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: data_dir.to_owned(),
        web_dir: data_dir.join("no-web-app"),
        ..Config::default()
    };
    config.mock.fixtures_dir = mocks_dir().join("salesforce");
    config.mock.local_accounts_file = mocks_dir().join("local_accounts.json");
    config.auth.secret_key = Some(Secret::new(SECRET));
    config
}

/// Which adapter the suite runs against: the mock store (default), or Salesforce through the
/// emulator over HTTP (`PORTAL_TEST_BACKEND=salesforce`). Same tests, same assertions.
pub fn salesforce_backend() -> bool {
    std::env::var("PORTAL_TEST_BACKEND").is_ok_and(|b| b == "salesforce")
}

thread_local! {
    static FORCE_SALESFORCE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The probe `TestApp::start` waits for: `/readyz`, or `/healthz` for a server that is
    /// meant to start with a dependency down.
    static READY_PROBE: std::cell::Cell<&'static str> = const { std::cell::Cell::new("/readyz") };
}

pub const OIDC_CLIENT_ID: &str = "portal-web";
pub const OIDC_CLIENT_SECRET: &str = "portal-web-secret";

/// The shared Redis of the suite's third run (`PORTAL_TEST_REDIS=redis://127.0.0.1:PORT`, set
/// by `scripts/test`); `None` runs on the in-process stores.
pub fn test_redis() -> Option<String> {
    std::env::var("PORTAL_TEST_REDIS")
        .ok()
        .filter(|url| !url.is_empty())
}

/// A key prefix no other test (or test run) uses, so tests never see each other's keys.
pub fn unique_redis_prefix() -> String {
    format!("portal-test-{}", uuid::Uuid::new_v4().simple())
}

/// One RSA key pair per test binary (generating one takes a moment): the private half signs
/// the portal's JWT bearer assertions, the public half is what the connected app holds.
pub fn jwt_keys() -> &'static (String, String) {
    static KEYS: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA key");
        let private = key.to_pkcs8_pem(LineEnding::LF).expect("PEM").to_string();
        let public = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("PEM");
        (private, public)
    })
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub data_dir: tempfile::TempDir,
    /// The Salesforce emulator, when the suite runs against Salesforce or signs in through it.
    pub emulator: Option<salesforce_emulator::Emulator>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::start(false, Vec::new(), |_| {}, adjust).await
    }

    /// On the Salesforce adapter through the emulator whatever `PORTAL_TEST_BACKEND` says:
    /// for tests of Salesforce behaviour (faults, cache, circuit).
    pub async fn spawn_salesforce_with(adjust: impl FnOnce(&mut Config)) -> Self {
        FORCE_SALESFORCE.with(|f| f.set(true));
        let app = Self::start(false, Vec::new(), |_| {}, adjust).await;
        FORCE_SALESFORCE.with(|f| f.set(false));
        app
    }

    /// On the Salesforce adapter through an emulator set up by `org` first (the org's own
    /// picklist values...), with sign-in through it when `oidc`, and more users at the provider.
    pub async fn spawn_salesforce_org(
        oidc: bool,
        extra_users: Vec<serde_json::Value>,
        org: impl FnOnce(&mut salesforce_emulator::EmulatorConfig),
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        FORCE_SALESFORCE.with(|f| f.set(true));
        let app = Self::start(oidc, extra_users, org, adjust).await;
        FORCE_SALESFORCE.with(|f| f.set(false));
        app
    }

    /// Like [`TestApp::spawn_with`], but ready once `/healthz` answers: for a server started
    /// with a dependency down (so `/readyz` says 503).
    pub async fn spawn_unready_with(adjust: impl FnOnce(&mut Config)) -> Self {
        READY_PROBE.with(|p| p.set("/healthz"));
        let app = Self::start(false, Vec::new(), |_| {}, adjust).await;
        READY_PROBE.with(|p| p.set("/readyz"));
        app
    }

    /// With sign-in through the emulator's OpenID Connect provider configured.
    pub async fn spawn_oidc() -> Self {
        Self::start(true, Vec::new(), |_| {}, |_| {}).await
    }

    /// Like [`TestApp::spawn_oidc`], with more users at the provider (`{email, password_hash,
    /// contact_id, account_id}`), e.g. one that matches no Contact.
    pub async fn spawn_oidc_with_users(extra: Vec<serde_json::Value>) -> Self {
        Self::start(true, extra, |_| {}, |_| {}).await
    }

    /// Like [`TestApp::spawn_oidc_with_users`], with the portal's config adjusted.
    pub async fn spawn_oidc_with(
        extra: Vec<serde_json::Value>,
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        Self::start(true, extra, |_| {}, adjust).await
    }

    async fn start(
        oidc: bool,
        extra_users: Vec<serde_json::Value>,
        org: impl FnOnce(&mut salesforce_emulator::EmulatorConfig),
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        // PORTAL_TEST_LOG=debug shows the servers' logs while a test runs.
        if let Ok(filter) = std::env::var("PORTAL_TEST_LOG") {
            portal::observability::telemetry::init(&portal::config::LogConfig {
                format: portal::config::LogFormat::Pretty,
                filter,
                access: portal::config::AccessLog::All,
            });
        }
        let data_dir = tempfile::tempdir().expect("temp dir");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut config = test_config(data_dir.path());
        config.listen = addr;
        let callback = format!("http://{addr}/auth/oidc/callback");
        // The test's own thread polls this future (block_on), so the flag set by
        // `spawn_salesforce_with` is visible here.
        let salesforce = salesforce_backend() || FORCE_SALESFORCE.with(std::cell::Cell::get);
        let emulator = if salesforce || oidc {
            let (private, public) = jwt_keys();
            let users_file = if extra_users.is_empty() {
                mocks_dir().join("local_accounts.json")
            } else {
                let mut users: Vec<serde_json::Value> = serde_json::from_slice(
                    &std::fs::read(mocks_dir().join("local_accounts.json")).expect("users"),
                )
                .expect("users JSON");
                users.extend(extra_users);
                let path = data_dir.path().join("idp-users.json");
                std::fs::write(&path, serde_json::to_vec(&users).expect("JSON"))
                    .expect("write users");
                path
            };
            let emulator =
                spawn_emulator_with(users_file, public, vec![callback.clone()], org).await;
            if salesforce {
                let key_file = data_dir.path().join("jwt-key.pem");
                std::fs::write(&key_file, private).expect("write key");
                config.backend = portal::config::Backend::Salesforce;
                config.salesforce = Some(portal::config::SalesforceConfig {
                    login_url: emulator.base_url.clone(),
                    consumer_key: salesforce_emulator::EmulatorConfig::default().consumer_key,
                    username: Some(
                        salesforce_emulator::EmulatorConfig::default().integration_username,
                    ),
                    private_key_file: Some(key_file),
                    ..portal::config::SalesforceConfig::default()
                });
            }
            if oidc {
                config.oidc = Some(portal::config::OidcConfig {
                    issuer_url: emulator.base_url.clone(),
                    client_id: OIDC_CLIENT_ID.into(),
                    client_secret: Some(Secret::new(OIDC_CLIENT_SECRET)),
                    redirect_url: Some(callback),
                    ..portal::config::OidcConfig::default()
                });
            }
            Some(emulator)
        } else {
            None
        };
        if let Some(url) = test_redis() {
            config.redis_url = Some(Secret::new(url));
            config.redis_prefix = unique_redis_prefix();
        }
        adjust(&mut config);
        config.validate().expect("test config is valid");
        let server = tokio::spawn(portal::run(config, listener));
        let app = Self {
            addr,
            data_dir,
            emulator,
            server,
        };
        // Ready once /readyz answers 200: the store is loaded and the listener accepts.
        let client = app.anonymous();
        let probe = READY_PROBE.with(std::cell::Cell::get);
        for _ in 0..500 {
            if let Ok(r) = client.get(app.url(probe)).send().await
                && r.status() == 200
            {
                return app;
            }
            assert!(
                !app.server.is_finished(),
                "the server stopped during start-up"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the server did not become ready");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A client with its own cookie jar that does not follow redirects.
    pub fn anonymous(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// The `/metrics` text, asked for without a session.
    pub async fn metrics_text(&self) -> String {
        self.anonymous()
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// POSTs a sign-in with `email` and `password` from `client`, and returns the answer as is.
    pub async fn sign_in_with(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(self.url("/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("login request")
    }

    pub async fn login(&self, email: &str) -> User {
        let client = self.anonymous();
        let response = self.sign_in_with(&client, email, PASSWORD).await;
        assert_eq!(response.status(), 200, "login of {email}");
        let body: Value = response.json().await.expect("login body");
        User {
            client,
            base: self.url(""),
            csrf: body["csrf_token"].as_str().expect("csrf").to_owned(),
            customer: body["customer"]["id"]
                .as_str()
                .expect("customer")
                .to_owned(),
        }
    }
}

/// The Salesforce emulator on a random port, seeded from the demo fixtures, with `users_file`
/// as its users, `jwt_public_pem` as the connected app's certificate and the portal's OpenID
/// Connect client registered with `redirect_uris`.
pub async fn spawn_emulator(
    users_file: PathBuf,
    jwt_public_pem: &str,
    redirect_uris: Vec<String>,
) -> salesforce_emulator::Emulator {
    spawn_emulator_with(users_file, jwt_public_pem, redirect_uris, |_| {}).await
}

/// [`spawn_emulator`], with its configuration adjusted by `org` before it starts.
pub async fn spawn_emulator_with(
    users_file: PathBuf,
    jwt_public_pem: &str,
    redirect_uris: Vec<String>,
    org: impl FnOnce(&mut salesforce_emulator::EmulatorConfig),
) -> salesforce_emulator::Emulator {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind emulator");
    let mut config = salesforce_emulator::EmulatorConfig {
        fixtures_dir: mocks_dir().join("salesforce"),
        users_file: Some(users_file),
        jwt_verification_pem: Some(jwt_public_pem.to_owned()),
        oidc_clients: vec![salesforce_emulator::OidcClient {
            client_id: OIDC_CLIENT_ID.into(),
            client_secret: Some(OIDC_CLIENT_SECRET.into()),
            redirect_uris,
        }],
        ..salesforce_emulator::EmulatorConfig::default()
    };
    org(&mut config);
    salesforce_emulator::spawn(config, listener)
        .await
        .expect("start the emulator")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A signed-in customer.
#[derive(Clone)]
pub struct User {
    pub client: reqwest::Client,
    pub base: String,
    pub csrf: String,
    pub customer: String,
}

impl User {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("JSON body")
    }

    /// POSTs a JSON body with the CSRF token.
    pub async fn post(&self, path: &str, body: &Value, headers: HeaderMap) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("x-csrf-token", &self.csrf)
            .headers(headers)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn create_case(&self, body: &Value, key: Option<&str>) -> reqwest::Response {
        let mut headers = HeaderMap::new();
        if let Some(key) = key {
            headers.insert("idempotency-key", key.parse().expect("header"));
        }
        self.post(&format!("/customer/{}/cases", self.customer), body, headers)
            .await
    }

    /// Every case of the customer, following the cursors.
    pub async fn all_cases(&self, query: &str) -> Vec<Value> {
        self.all_pages("cases", &format!("limit=100&{query}")).await
    }

    /// Every item of one of the customer's lists (`cases`, `documents`), following the
    /// cursors; `query` carries the limit, filters and sort.
    pub async fn all_pages(&self, list: &str, query: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/customer/{}/{list}?{query}", self.customer);
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = self.get_json(&path).await;
            items.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return items,
            }
        }
    }
}

/// Asserts an RFC 9457 problem response and returns its body.
pub async fn problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = response.json().await.expect("problem body");
    assert_eq!(body["status"], status);
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("/problems/")),
        "{body}"
    );
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    assert_eq!(
        body["request_id"].as_str(),
        request_id.as_deref(),
        "request id in body and header"
    );
    body
}

/// Sends `request` and returns the body it answers with as JSON, whatever the status.
pub async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON body")
}

/// Sends `request` and asserts that it is answered with an RFC 9457 problem of `status`
/// (see [`problem`]); returns the problem's body.
pub async fn problem_of(request: reqwest::RequestBuilder, status: u16) -> Value {
    problem(request.send().await.expect("request"), status).await
}

/// The `field` of each of a validation problem's `errors`, in order.
pub fn error_fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect()
}

/// The seconds a response's `Retry-After` header asks to wait.
pub fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .expect("retry-after")
        .parse()
        .expect("retry-after seconds")
}

/// The portal binary set up as the tests run it: listening on a random port, its data in
/// `data_dir`, the demo fixtures and accounts, the test secret, its JSON log on a piped stderr.
pub fn portal_command(data_dir: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_portal"));
    cmd.env_clear()
        .env("PORTAL_LISTEN", "127.0.0.1:0")
        .env("PORTAL_DATA_DIR", data_dir)
        .env("PORTAL_WEB_DIR", data_dir.join("no-web-app"))
        .env("PORTAL_MOCK__FIXTURES_DIR", mocks_dir().join("salesforce"))
        .env(
            "PORTAL_MOCK__LOCAL_ACCOUNTS_FILE",
            mocks_dir().join("local_accounts.json"),
        )
        .env("PORTAL_AUTH__SECRET_KEY", SECRET)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    cmd
}

/// The log lines of a portal process started from [`portal_command`].
pub type LogLines = std::io::Lines<std::io::BufReader<std::process::ChildStderr>>;

/// Takes `child`'s stderr and reads its log until the "portal listening" line: the address it
/// names, and the log lines after it (which the caller must keep draining, or the server
/// blocks on a full pipe).
pub fn wait_listening(child: &mut std::process::Child) -> (SocketAddr, LogLines) {
    use std::io::BufRead;
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = std::io::BufReader::new(stderr).lines();
    loop {
        let line = lines
            .next()
            .expect("portal exited before listening")
            .expect("log line");
        let event: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if event["message"] == "portal listening" {
            let addr = event["addr"].as_str().expect("addr").parse().expect("addr");
            return (addr, lines);
        }
    }
}

pub fn new_case(subject: &str) -> Value {
    json!({"subject": subject, "description": "Steps to reproduce: open the portal.", "priority": "high"})
}
