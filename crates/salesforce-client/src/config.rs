//! What the client needs to know: where to sign in, as whom, and how patiently.

use std::time::Duration;

use crate::secret::SecretString;

/// The API version used when none is configured.
pub const DEFAULT_API_VERSION: &str = "62.0";

/// Client configuration. Build with [`Config::new`] and the `with_*` methods; it is checked when
/// the client is built ([`SalesforceClient::new`](crate::SalesforceClient::new)).
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the token is requested and, for the JWT bearer flow, the assertion's audience:
    /// `https://login.salesforce.com`, `https://test.salesforce.com`, or the org's My Domain URL
    /// (required for the client credentials flow). An `http://127.0.0.1:PORT` emulator works too.
    pub login_url: String,
    pub credentials: Credentials,
    /// `NN.N`, without the `v`.
    pub api_version: String,
    pub connect_timeout: Duration,
    /// Limit for a whole JSON call, from sending to the last byte of the answer.
    pub request_timeout: Duration,
    /// Limit for a whole file download; large files need longer than JSON calls.
    pub download_timeout: Duration,
    /// Sent as `Sforce-Call-Options: client=NAME` so the org's API usage shows who called.
    pub client_name: Option<String>,
}

/// The connected app's server-to-server credentials.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// OAuth 2.0 JWT bearer flow: an RS256 assertion signed with the key whose certificate is
    /// uploaded to the connected app.
    JwtBearer {
        consumer_key: String,
        /// The integration user's username (the assertion's `sub`).
        username: String,
        /// PEM, PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`).
        private_key_pem: SecretString,
    },
    /// OAuth 2.0 client credentials flow, against the org's My Domain URL.
    ClientCredentials {
        consumer_key: String,
        consumer_secret: SecretString,
    },
}

impl Config {
    pub fn new(login_url: impl Into<String>, credentials: Credentials) -> Self {
        Self {
            login_url: login_url.into(),
            credentials,
            api_version: DEFAULT_API_VERSION.to_owned(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            download_timeout: Duration::from_secs(600),
            client_name: None,
        }
    }

    pub fn with_api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    pub fn with_client_name(mut self, name: impl Into<String>) -> Self {
        self.client_name = Some(name.into());
        self
    }

    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    pub fn with_download_timeout(mut self, timeout: Duration) -> Self {
        self.download_timeout = timeout;
        self
    }
}
