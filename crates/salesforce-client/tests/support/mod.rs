//! A recording fake of Salesforce on 127.0.0.1:0: each test scripts the answers and then checks
//! what the client sent.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of this module"
)]

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::response::Response;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use salesforce_client::{Config, Credentials, SalesforceClient};

pub const CONSUMER_KEY: &str = "3MVG9lKcPoNINVBIPJjdw1J9LLM82HnFVVX19KY1uA5mu0QqEWhqKpoW3svG3X";
pub const USERNAME: &str = "integration@portal.example";
pub const CONSUMER_SECRET: &str = "F3D1A1C3B2E4-test-only-consumer-secret";
pub const DOC_TOKEN: &str = "00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.39AsX.LVpxezPwuX5VAIrrbbHMuol7GQxnMeYMN7cj8EoWr78nt1u44zU31IbYNNJguseu";
pub const LIMIT_INFO: &str = "api-usage=10018/100000; api-bursts=1/750";

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A test-only RSA key pair, generated once per test binary: (private PKCS#8 PEM, public PEM).
pub fn test_keys() -> &'static (String, String) {
    static KEYS: OnceLock<(String, String)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = rsa::rand_core::OsRng;
        let key = rsa::RsaPrivateKey::new(&mut rng, 2048).expect("RSA key generation");
        let private = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
        let public = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        (private, public)
    })
}

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn form(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    pub fn query_params(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
            .into_owned()
            .collect()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }

    pub fn bearer(&self) -> Option<&str> {
        self.header("authorization")?.strip_prefix("Bearer ")
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = Response> + Send>>;
type Handler = Arc<dyn Fn(Recorded) -> BoxFuture + Send + Sync>;

#[derive(Default)]
struct State {
    routes: Mutex<Vec<(Method, String, Handler)>>,
    requests: Mutex<Vec<Recorded>>,
}

/// One fake server. Unscripted requests get a 599 so a test notices them.
#[derive(Clone)]
pub struct Fake {
    pub url: String,
    state: Arc<State>,
}

impl Fake {
    pub async fn start() -> Self {
        let state = Arc::new(State::default());
        let app = axum::Router::new().fallback({
            let state = state.clone();
            move |request: Request<Body>| {
                let state = state.clone();
                async move { dispatch(state, request).await }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, state }
    }

    /// Answers `method path` (exact path, any query) with `handler`; the latest script wins.
    pub fn on<F, Fut>(&self, method: Method, path: &str, handler: F)
    where
        F: Fn(Recorded) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Response> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |r| Box::pin(handler(r)));
        self.state
            .routes
            .lock()
            .unwrap()
            .insert(0, (method, path.to_owned(), handler));
    }

    /// Answers with the same JSON every time.
    pub fn on_json(&self, method: Method, path: &str, status: u16, body: &str) {
        let body = body.to_owned();
        self.on(method, path, move |_| {
            let body = body.clone();
            async move { json(status, &body) }
        });
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

async fn dispatch(state: Arc<State>, request: Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let recorded = Recorded {
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    };
    state.requests.lock().unwrap().push(recorded.clone());
    let handler = state
        .routes
        .lock()
        .unwrap()
        .iter()
        .find(|(m, p, _)| *m == recorded.method && *p == recorded.path)
        .map(|(_, _, h)| h.clone());
    match handler {
        Some(handler) => handler(recorded).await,
        None => Response::builder()
            .status(599)
            .body(Body::from(format!(
                "unscripted {} {}",
                recorded.method, recorded.path
            )))
            .unwrap(),
    }
}

/// A JSON answer carrying `Sforce-Limit-Info`, as every REST answer does.
pub fn json(status: u16, body: &str) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", "application/json;charset=UTF-8")
        .header("sforce-limit-info", LIMIT_INFO)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

pub fn empty(status: u16) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("sforce-limit-info", LIMIT_INFO)
        .body(Body::empty())
        .unwrap()
}

/// A login server and an instance server, like production: the token response names the
/// instance, and REST calls must go there.
pub struct Org {
    pub login: Fake,
    pub instance: Fake,
    /// Token requests answered so far; token N is `DOC_TOKEN-N`.
    pub tokens_issued: Arc<AtomicUsize>,
}

pub const TOKEN_PATH: &str = "/services/oauth2/token";

impl Org {
    pub async fn start() -> Self {
        Self::start_with_token_delay(Duration::ZERO).await
    }

    pub async fn start_with_token_delay(delay: Duration) -> Self {
        let login = Fake::start().await;
        let instance = Fake::start().await;
        let tokens_issued = Arc::new(AtomicUsize::new(0));
        let template = fixture("token_response.json");
        let instance_url = instance.url.clone();
        let issued = tokens_issued.clone();
        login.on(Method::POST, TOKEN_PATH, move |_| {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            let body = template
                .replace("https://yourInstance.salesforce.com", &instance_url)
                .replace(DOC_TOKEN, &token(n));
            async move {
                tokio::time::sleep(delay).await;
                json(200, &body)
            }
        });
        Self {
            login,
            instance,
            tokens_issued,
        }
    }

    pub fn jwt_config(&self) -> Config {
        Config::new(
            self.login.url.clone(),
            Credentials::JwtBearer {
                consumer_key: CONSUMER_KEY.into(),
                username: USERNAME.into(),
                private_key_pem: test_keys().0.clone().into(),
            },
        )
        .with_client_name("portal")
    }

    pub fn client(&self) -> SalesforceClient {
        SalesforceClient::new(self.jwt_config()).unwrap()
    }

    pub fn tokens_issued(&self) -> usize {
        self.tokens_issued.load(Ordering::SeqCst)
    }

    pub fn data(path: &str) -> String {
        format!("/services/data/v62.0{path}")
    }
}

pub fn token(n: usize) -> String {
    format!("{DOC_TOKEN}-{n}")
}
