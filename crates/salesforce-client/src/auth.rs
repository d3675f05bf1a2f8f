//! Access tokens: requested through a server-to-server flow, cached, renewed once when
//! Salesforce says the session is gone, with one token request however many callers notice.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use url::Url;

use crate::config::{Config, Credentials};
use crate::error::{AuthError, AuthFlow, AuthProblem, Error};
use crate::model::truncate;
use crate::secret::SecretString;

const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Salesforce accepts assertions that expire within three minutes; stay inside that.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(150);

/// What the client knows of its access token, for health checks: read without waiting for a
/// token request in progress, and without making one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// No token request has finished yet.
    Absent = 0,
    /// A token is cached and in use (Salesforce may still refuse it later; it is then renewed).
    Valid = 1,
    /// The latest token request failed, so there is no token: every call needs a new request.
    Failed = 2,
}

impl TokenState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Absent => "absent",
            Self::Valid => "valid",
            Self::Failed => "failed",
        }
    }

    fn from_u8(value: u8) -> Self {
        match value {
            1 => Self::Valid,
            2 => Self::Failed,
            _ => Self::Absent,
        }
    }
}

/// A signed-in session: the token and the instance it is valid for.
pub(crate) struct Session {
    pub access_token: SecretString,
    pub instance_url: Url,
    /// Which fetch produced this session; renewal compares it to avoid renewing twice.
    pub generation: u64,
}

enum Grant {
    JwtBearer {
        consumer_key: String,
        username: String,
        key: EncodingKey,
    },
    ClientCredentials {
        consumer_key: String,
        consumer_secret: SecretString,
    },
}

pub(crate) struct TokenManager {
    http: reqwest::Client,
    token_url: Url,
    audience: String,
    grant: Grant,
    timeout: Duration,
    state: Mutex<State>,
    generation: AtomicU64,
    /// Token requests finished (successfully or not), read before waiting for the lock.
    attempts: AtomicU64,
    /// The [`TokenState`] after the latest token request, mirrored outside `state`'s lock so a
    /// health check never queues behind a token request that is hanging.
    token_state: AtomicU8,
}

#[derive(Default)]
struct State {
    session: Option<Arc<Session>>,
    /// The latest failed attempt's number and error, handed to the callers that were already
    /// waiting for it instead of each asking again (an outage would otherwise cost one token
    /// request, and one timeout, per waiting caller, in a row).
    failure: Option<(u64, SharedFailure)>,
}

#[derive(Clone)]
struct SharedFailure {
    auth: Option<AuthError>,
    message: String,
    transient: bool,
}

impl SharedFailure {
    fn of(error: &Error) -> Self {
        Self {
            auth: match error {
                Error::Auth(e) => Some(e.clone()),
                _ => None,
            },
            message: error.to_string(),
            transient: error.is_transient(),
        }
    }

    fn to_error(&self) -> Error {
        match &self.auth {
            Some(auth) => Error::Auth(auth.clone()),
            None => Error::TokenUnavailable {
                message: self.message.clone(),
                transient: self.transient,
            },
        }
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: u64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    instance_url: String,
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: String,
}

impl TokenManager {
    pub fn new(http: reqwest::Client, config: &Config) -> Result<Self, Error> {
        let audience = config.login_url.trim_end_matches('/').to_owned();
        let login_url = Url::parse(&audience)
            .map_err(|e| Error::Config(format!("login URL {audience:?}: {e}")))?;
        if !matches!(login_url.scheme(), "https" | "http") || login_url.host().is_none() {
            return Err(Error::Config(format!(
                "login URL {audience:?} must be an http(s) URL"
            )));
        }
        let token_url = Url::parse(&format!("{audience}/services/oauth2/token"))
            .map_err(|e| Error::Config(format!("login URL {audience:?}: {e}")))?;
        let grant = match &config.credentials {
            Credentials::JwtBearer {
                consumer_key,
                username,
                private_key_pem,
            } => Grant::JwtBearer {
                consumer_key: consumer_key.clone(),
                username: username.clone(),
                key: EncodingKey::from_rsa_pem(private_key_pem.expose().as_bytes()).map_err(
                    |_| {
                        Error::Config(
                            "the JWT bearer private key is not an RSA private key in PEM form"
                                .into(),
                        )
                    },
                )?,
            },
            Credentials::ClientCredentials {
                consumer_key,
                consumer_secret,
            } => Grant::ClientCredentials {
                consumer_key: consumer_key.clone(),
                consumer_secret: consumer_secret.clone(),
            },
        };
        Ok(Self {
            http,
            token_url,
            audience,
            grant,
            timeout: config.request_timeout,
            state: Mutex::new(State::default()),
            generation: AtomicU64::new(0),
            attempts: AtomicU64::new(0),
            token_state: AtomicU8::new(TokenState::Absent as u8),
        })
    }

    pub fn token_state(&self) -> TokenState {
        TokenState::from_u8(self.token_state.load(Ordering::SeqCst))
    }

    /// The cached session, or a new one if there is none yet.
    pub async fn session(&self) -> Result<Arc<Session>, Error> {
        let seen = self.attempts.load(Ordering::SeqCst);
        let mut state = self.state.lock().await;
        if let Some(session) = state.session.as_ref() {
            return Ok(session.clone());
        }
        self.fetch_locked(&mut state, seen).await
    }

    /// Replaces `stale` after Salesforce refused it. Callers that waited while another renewed it
    /// get that renewal instead of asking again: the lock makes the token request single-flight.
    pub async fn renew(&self, stale: &Session) -> Result<Arc<Session>, Error> {
        let seen = self.attempts.load(Ordering::SeqCst);
        let mut state = self.state.lock().await;
        if let Some(current) = state.session.as_ref() {
            if current.generation != stale.generation {
                return Ok(current.clone());
            }
        }
        state.session = None;
        self.fetch_locked(&mut state, seen).await
    }

    async fn fetch_locked(&self, state: &mut State, seen: u64) -> Result<Arc<Session>, Error> {
        if let Some((attempt, failure)) = &state.failure {
            if *attempt > seen {
                return Err(failure.to_error());
            }
        }
        let result = self.fetch().await;
        let attempt = self.attempts.fetch_add(1, Ordering::SeqCst) + 1;
        match result {
            Ok(session) => {
                let session = Arc::new(session);
                state.session = Some(session.clone());
                state.failure = None;
                self.token_state
                    .store(TokenState::Valid as u8, Ordering::SeqCst);
                Ok(session)
            }
            Err(error) => {
                state.failure = Some((attempt, SharedFailure::of(&error)));
                self.token_state
                    .store(TokenState::Failed as u8, Ordering::SeqCst);
                Err(error)
            }
        }
    }

    fn flow(&self) -> AuthFlow {
        match self.grant {
            Grant::JwtBearer { .. } => AuthFlow::JwtBearer,
            Grant::ClientCredentials { .. } => AuthFlow::ClientCredentials,
        }
    }

    fn form(&self) -> Result<Vec<(&'static str, String)>, Error> {
        Ok(match &self.grant {
            Grant::JwtBearer {
                consumer_key,
                username,
                key,
            } => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default();
                let claims = Claims {
                    iss: consumer_key,
                    sub: username,
                    aud: &self.audience,
                    exp: (now + ASSERTION_LIFETIME).as_secs(),
                };
                let assertion = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, key)
                    .map_err(|e| Error::Config(format!("could not sign the JWT assertion: {e}")))?;
                vec![
                    ("grant_type", JWT_BEARER_GRANT.to_owned()),
                    ("assertion", assertion),
                ]
            }
            Grant::ClientCredentials {
                consumer_key,
                consumer_secret,
            } => vec![
                ("grant_type", "client_credentials".to_owned()),
                ("client_id", consumer_key.clone()),
                ("client_secret", consumer_secret.expose().to_owned()),
            ],
        })
    }

    async fn fetch(&self) -> Result<Session, Error> {
        const OPERATION: &str = "token request";
        let flow = self.flow();
        let started = Instant::now();
        let response = self
            .http
            .post(self.token_url.clone())
            .timeout(self.timeout)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&self.form()?)
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                let error = Error::from_reqwest(OPERATION, e);
                tracing::warn!(
                    operation = OPERATION,
                    %flow,
                    duration_ms = started.elapsed().as_millis() as u64,
                    error = %error,
                    "salesforce token request failed"
                );
                return Err(error);
            }
        };
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| Error::from_reqwest(OPERATION, e))?;
        tracing::info!(
            operation = OPERATION,
            %flow,
            status = status.as_u16(),
            duration_ms = started.elapsed().as_millis() as u64,
            "salesforce token request"
        );
        if status.is_success() {
            let token: TokenResponse =
                serde_json::from_slice(&body).map_err(|source| Error::Decode {
                    operation: OPERATION.into(),
                    source,
                })?;
            let instance_url = Url::parse(token.instance_url.trim_end_matches('/'))
                .ok()
                .filter(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some())
                .ok_or_else(|| Error::UnexpectedStatus {
                    operation: OPERATION.into(),
                    status: status.as_u16(),
                    body: format!(
                        "instance_url is not an http(s) URL: {:?}",
                        token.instance_url
                    ),
                })?;
            return Ok(Session {
                access_token: token.access_token,
                instance_url,
                generation: self.generation.fetch_add(1, Ordering::Relaxed) + 1,
            });
        }
        match serde_json::from_slice::<OAuthErrorBody>(&body) {
            Ok(oauth) if status.is_client_error() => {
                let problem = AuthProblem::classify(&oauth.error, &oauth.error_description);
                let error = AuthError {
                    flow,
                    status: status.as_u16(),
                    error: oauth.error,
                    description: oauth.error_description,
                    problem,
                };
                tracing::error!(error = %error, "salesforce refused the integration's credentials");
                Err(error.into())
            }
            _ => Err(Error::UnexpectedStatus {
                operation: OPERATION.into(),
                status: status.as_u16(),
                body: truncate(&String::from_utf8_lossy(&body)),
            }),
        }
    }
}
