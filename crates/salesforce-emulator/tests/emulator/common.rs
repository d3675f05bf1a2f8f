use std::path::PathBuf;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};
use salesforce_emulator::{Emulator, EmulatorConfig, OidcClient, spawn};
use serde_json::{Value, json};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::EncodePem;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;

pub const CONSUMER_KEY: &str = "test-consumer-key";
pub const CONSUMER_SECRET: &str = "test-consumer-secret";
pub const INTEGRATION_USER: &str = "integration@portal.example";
pub const CLIENT_ID: &str = "portal-web";
pub const CLIENT_SECRET: &str = "portal-web-secret";
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/oidc/callback";
pub const PASSWORD: &str = "portal-demo";
pub const V: &str = "v62.0";

pub struct TestKey {
    pub private_pem: String,
    pub public_pem: String,
    pub cert_pem: String,
    pub encoding: EncodingKey,
}

fn make_key(with_cert: bool) -> TestKey {
    let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("keygen");
    let public = RsaPublicKey::from(&private);
    let private_pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .expect("pem")
        .to_string();
    let public_pem = public.to_public_key_pem(LineEnding::LF).expect("pem");
    let cert_pem = if with_cert {
        let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(private.clone());
        let spki = SubjectPublicKeyInfoOwned::from_key(public).expect("spki");
        let builder = CertificateBuilder::new(
            Profile::Root,
            SerialNumber::from(1u32),
            Validity::from_now(Duration::from_secs(3600)).expect("validity"),
            Name::from_str("CN=portal-integration").expect("name"),
            spki,
            &signer,
        )
        .expect("builder");
        let cert = builder.build::<rsa::pkcs1v15::Signature>().expect("cert");
        cert.to_pem(LineEnding::LF).expect("pem")
    } else {
        String::new()
    };
    let encoding = EncodingKey::from_rsa_pem(private_pem.as_bytes()).expect("encoding key");
    TestKey {
        private_pem,
        public_pem,
        cert_pem,
        encoding,
    }
}

/// The connected app's key pair and certificate (shared: RSA keygen is slow).
pub fn app_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| make_key(true))
}

/// A key the emulator does not know.
pub fn other_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| make_key(false))
}

/// The emulator's own id_token signing key.
fn signing_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| make_key(false))
}

pub fn mocks() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../backend/mocks")
}

pub fn config() -> EmulatorConfig {
    EmulatorConfig {
        fixtures_dir: mocks().join("salesforce"),
        users_file: Some(mocks().join("local_accounts.json")),
        consumer_key: CONSUMER_KEY.into(),
        consumer_secret: CONSUMER_SECRET.into(),
        jwt_verification_pem: Some(app_key().cert_pem.clone()),
        integration_username: INTEGRATION_USER.into(),
        oidc_clients: vec![OidcClient {
            client_id: CLIENT_ID.into(),
            client_secret: Some(CLIENT_SECRET.into()),
            redirect_uris: vec![REDIRECT_URI.into()],
        }],
        signing_key_pem: Some(signing_key().private_pem.clone()),
        ..EmulatorConfig::default()
    }
}

pub async fn start_with(config: EmulatorConfig) -> Emulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    spawn(config, listener).await.expect("emulator starts")
}

pub async fn start() -> Emulator {
    start_with(config()).await
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// A client-credentials access token.
pub async fn token(emu: &Emulator) -> String {
    let res = http()
        .post(format!("{}/services/oauth2/token", emu.base_url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CONSUMER_KEY),
            ("client_secret", CONSUMER_SECRET),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// A JWT bearer assertion with the usual claims, `change` applied, signed by `key`.
pub fn assertion(emu: &Emulator, key: &TestKey, change: impl FnOnce(&mut Value)) -> String {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "iss": CONSUMER_KEY,
        "sub": INTEGRATION_USER,
        "aud": emu.base_url,
        "exp": now + 120,
    });
    change(&mut claims);
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key.encoding).expect("sign")
}

/// GET a REST path (relative to `/services/data/v62.0`) with a token.
pub async fn get(emu: &Emulator, token: &str, path: &str) -> reqwest::Response {
    http()
        .get(format!("{}/services/data/{V}{path}", emu.base_url))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

pub async fn query(emu: &Emulator, token: &str, soql: &str) -> reqwest::Response {
    http()
        .get(format!("{}/services/data/{V}/query", emu.base_url))
        .query(&[("q", soql)])
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

pub async fn send_json(
    emu: &Emulator,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> reqwest::Response {
    http()
        .request(method, format!("{}/services/data/{V}{path}", emu.base_url))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("request")
}

/// Salesforce's error array's first `errorCode`.
pub async fn error_code(res: reqwest::Response) -> (u16, String, Value) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("json error body");
    let code = body[0]["errorCode"].as_str().unwrap_or_default().to_owned();
    (status, code, body)
}

pub fn limit_info(res: &reqwest::Response) -> String {
    res.headers()
        .get("sforce-limit-info")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
