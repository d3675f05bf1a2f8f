//! Typed errors: what Salesforce said, what the network did, and what the operator must fix.

use std::fmt;

/// Everything a [`SalesforceClient`](crate::SalesforceClient) call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The OAuth token endpoint refused the credentials: a configuration problem, never transient.
    #[error(transparent)]
    Auth(#[from] AuthError),

    /// Salesforce answered with its error array (`[{"message","errorCode","fields"}]`).
    #[error(
        "Salesforce refused {operation} (HTTP {status}): {}",
        ApiErrors(errors)
    )]
    Api {
        operation: String,
        status: u16,
        errors: Vec<ApiError>,
    },

    /// A status the call does not expect, with a body that is not Salesforce's error array
    /// (a proxy's HTML page, a 300 "multiple records match" list, ...). `body` is cut short.
    #[error("Salesforce answered {operation} with unexpected HTTP {status}")]
    UnexpectedStatus {
        operation: String,
        status: u16,
        body: String,
    },

    /// The connect timeout or the whole-request timeout passed.
    #[error("{operation} timed out")]
    Timeout {
        operation: String,
        #[source]
        source: reqwest::Error,
    },

    /// No connection could be made (DNS, refused, TLS handshake).
    #[error("could not connect to Salesforce for {operation}")]
    Connect {
        operation: String,
        #[source]
        source: reqwest::Error,
    },

    /// The connection failed after it was made (reset, truncated body, ...).
    #[error("HTTP transport failed during {operation}")]
    Transport {
        operation: String,
        #[source]
        source: reqwest::Error,
    },

    /// A response body that does not have the shape the call expects.
    #[error("could not decode the response to {operation}")]
    Decode {
        operation: String,
        #[source]
        source: serde_json::Error,
    },

    /// The token request this call was waiting on failed (another caller made it); the
    /// original error was logged and returned to that caller.
    #[error("the Salesforce token request failed: {message}")]
    TokenUnavailable { message: String, transient: bool },

    /// The client configuration is unusable (bad URL, unreadable private key, ...).
    #[error("invalid Salesforce client configuration: {0}")]
    Config(String),

    /// An argument the caller passed cannot be sent safely (bad sObject name, bad id, foreign
    /// `nextRecordsUrl`, ...). Nothing was sent.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// The file to upload could not be read (see [`FileUpload`](crate::FileUpload)). Nothing
    /// was stored.
    #[error("could not read the file to upload for {operation}")]
    Upload {
        operation: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// True when repeating the same call later may succeed: 5xx answers, `UNABLE_TO_LOCK_ROW`,
    /// `SERVER_UNAVAILABLE`, timeouts and connection failures. Configuration and validation errors
    /// are permanent, and so is `REQUEST_LIMIT_EXCEEDED` (the daily allowance does not come back
    /// within a retry's backoff; see [`Error::is_request_limit_exceeded`]).
    ///
    /// Transient does not mean a non-idempotent call (create, composite) is safe to repeat: after a
    /// timeout or a transport error it may have been carried out. Upsert by external id is.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Timeout { .. } | Error::Connect { .. } | Error::Transport { .. } => true,
            Error::Api { status, errors, .. } => {
                *status >= 500
                    || errors.iter().any(|e| {
                        matches!(
                            e.error_code,
                            ErrorCode::UnableToLockRow | ErrorCode::ServerUnavailable
                        )
                    })
            }
            Error::UnexpectedStatus { status, .. } => *status >= 500 || *status == 429,
            Error::TokenUnavailable { transient, .. } => *transient,
            Error::Auth(_)
            | Error::Decode { .. }
            | Error::Config(_)
            | Error::InvalidArgument(_)
            | Error::Upload { .. } => false,
        }
    }

    /// True when the org's API request allowance is used up.
    pub fn is_request_limit_exceeded(&self) -> bool {
        self.has_code(&ErrorCode::RequestLimitExceeded)
    }

    /// True when Salesforce's error array contains `code`.
    pub fn has_code(&self, code: &ErrorCode) -> bool {
        self.api_errors().iter().any(|e| &e.error_code == code)
    }

    /// Salesforce's error array, empty for errors that did not come from the REST API.
    pub fn api_errors(&self) -> &[ApiError] {
        match self {
            Error::Api { errors, .. } => errors,
            _ => &[],
        }
    }

    /// The HTTP status Salesforce answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::UnexpectedStatus { status, .. } => Some(*status),
            Error::Auth(e) => Some(e.status),
            _ => None,
        }
    }

    pub(crate) fn from_reqwest(operation: &str, source: reqwest::Error) -> Self {
        // The URL can carry SOQL with customer data in its query string; keep it out of errors.
        let source = source.without_url();
        let operation = operation.to_owned();
        if source.is_timeout() {
            Error::Timeout { operation, source }
        } else if source.is_connect() {
            Error::Connect { operation, source }
        } else {
            Error::Transport { operation, source }
        }
    }
}

/// One entry of Salesforce's error array.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    pub error_code: ErrorCode,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub fields: Vec<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_code, self.message)?;
        if !self.fields.is_empty() {
            write!(f, " (fields: {})", self.fields.join(", "))?;
        }
        Ok(())
    }
}

struct ApiErrors<'a>(&'a [ApiError]);

impl fmt::Display for ApiErrors<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

macro_rules! error_codes {
    ($($variant:ident => $code:literal,)*) => {
        /// Salesforce's `errorCode`, with the codes callers are likely to branch on named.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($variant,)*
            /// Any code not named above, verbatim.
            Other(String),
        }

        impl ErrorCode {
            pub fn as_str(&self) -> &str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                    ErrorCode::Other(code) => code,
                }
            }
        }

        impl From<&str> for ErrorCode {
            fn from(code: &str) -> Self {
                match code {
                    $($code => ErrorCode::$variant,)*
                    other => ErrorCode::Other(other.to_owned()),
                }
            }
        }
    };
}

error_codes! {
    InvalidSessionId => "INVALID_SESSION_ID",
    RequestLimitExceeded => "REQUEST_LIMIT_EXCEEDED",
    UnableToLockRow => "UNABLE_TO_LOCK_ROW",
    ServerUnavailable => "SERVER_UNAVAILABLE",
    MalformedQuery => "MALFORMED_QUERY",
    InvalidQueryLocator => "INVALID_QUERY_LOCATOR",
    InvalidField => "INVALID_FIELD",
    InvalidType => "INVALID_TYPE",
    MalformedId => "MALFORMED_ID",
    NotFound => "NOT_FOUND",
    EntityIsDeleted => "ENTITY_IS_DELETED",
    DuplicateValue => "DUPLICATE_VALUE",
    DuplicatesDetected => "DUPLICATES_DETECTED",
    RequiredFieldMissing => "REQUIRED_FIELD_MISSING",
    InvalidFieldForInsertUpdate => "INVALID_FIELD_FOR_INSERT_UPDATE",
    InvalidOrNullForRestrictedPicklist => "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    StringTooLong => "STRING_TOO_LONG",
    FieldCustomValidationException => "FIELD_CUSTOM_VALIDATION_EXCEPTION",
    InvalidCrossReferenceKey => "INVALID_CROSS_REFERENCE_KEY",
    InsufficientAccessOrReadonly => "INSUFFICIENT_ACCESS_OR_READONLY",
    InsufficientAccessOnCrossReferenceEntity => "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
    ApiDisabledForOrg => "API_DISABLED_FOR_ORG",
    JsonParserError => "JSON_PARSER_ERROR",
    ProcessingHalted => "PROCESSING_HALTED",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Ok(ErrorCode::from(code.as_str()))
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Which OAuth 2.0 server-to-server flow was attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFlow {
    JwtBearer,
    ClientCredentials,
}

impl fmt::Display for AuthFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthFlow::JwtBearer => "JWT bearer",
            AuthFlow::ClientCredentials => "client credentials",
        })
    }
}

/// The token endpoint's `{"error","error_description"}`, with what it means for the operator.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "Salesforce refused the {flow} token request ({error}: {description}). {}",
    problem.hint()
)]
pub struct AuthError {
    pub flow: AuthFlow,
    pub status: u16,
    pub error: String,
    pub description: String,
    pub problem: AuthProblem,
}

/// What an OAuth error from Salesforce's token endpoint says is misconfigured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthProblem {
    /// `invalid_grant` "user hasn't approved this consumer".
    ConsumerNotApproved,
    /// `invalid_app_access`: the user is not admin-approved for the app.
    AppAccessDenied,
    /// `invalid_grant` "invalid assertion": the signature does not match the app's certificate.
    InvalidAssertion,
    /// `invalid_grant` "audience is invalid".
    AudienceInvalid,
    /// `invalid_client_id`: unknown consumer key.
    InvalidClientId,
    /// `invalid_client`: wrong consumer secret.
    InvalidClientCredentials,
    /// `invalid_grant` "no client credentials user enabled".
    ClientCredentialsNotEnabled,
    /// "request not supported on this domain": client credentials sent to login.salesforce.com.
    WrongDomain,
    /// `invalid_grant` mentioning an IP restriction or login hours.
    IpRestricted,
    /// `invalid_grant` mentioning an inactive, frozen or locked user.
    UserInactive,
    /// `unsupported_grant_type`: the flow is not enabled for the app.
    UnsupportedGrantType,
    /// Anything else; the description says what.
    Other,
}

impl AuthProblem {
    pub(crate) fn classify(error: &str, description: &str) -> Self {
        let d = description.to_ascii_lowercase();
        if d.contains("approved this consumer") {
            AuthProblem::ConsumerNotApproved
        } else if error == "invalid_app_access" || d.contains("not admin approved") {
            AuthProblem::AppAccessDenied
        } else if d.contains("audience") {
            AuthProblem::AudienceInvalid
        } else if d.contains("invalid assertion") || d.contains("signature") {
            AuthProblem::InvalidAssertion
        } else if d.contains("no client credentials user") {
            AuthProblem::ClientCredentialsNotEnabled
        } else if d.contains("not supported on this domain") {
            AuthProblem::WrongDomain
        } else if d.contains("ip restricted") || d.contains("login hours") {
            AuthProblem::IpRestricted
        } else if d.contains("inactive") || d.contains("frozen") || d.contains("locked") {
            AuthProblem::UserInactive
        } else if error == "invalid_client_id" {
            AuthProblem::InvalidClientId
        } else if error == "invalid_client" {
            AuthProblem::InvalidClientCredentials
        } else if error == "unsupported_grant_type" {
            AuthProblem::UnsupportedGrantType
        } else {
            AuthProblem::Other
        }
    }

    /// What to change, in the words an operator needs.
    pub fn hint(&self) -> &'static str {
        match self {
            AuthProblem::ConsumerNotApproved | AuthProblem::AppAccessDenied => {
                "The integration user is not pre-authorised for the connected app: set its OAuth \
                 policy 'Permitted Users' to 'Admin approved users are pre-authorized' and assign \
                 the user's profile or a permission set to the app."
            }
            AuthProblem::InvalidAssertion => {
                "The JWT signature does not verify: the private key must belong to the certificate \
                 uploaded to the connected app ('Use digital signatures'), and the consumer key and \
                 username must be right."
            }
            AuthProblem::AudienceInvalid => {
                "The login URL (the JWT's audience) is wrong: use https://login.salesforce.com for \
                 production, https://test.salesforce.com for sandboxes, or the org's My Domain URL."
            }
            AuthProblem::InvalidClientId => {
                "The consumer key is not known to this org: check it, and the login URL (production \
                 vs sandbox); a new connected app can take minutes to become usable."
            }
            AuthProblem::InvalidClientCredentials => {
                "The consumer key or consumer secret is wrong."
            }
            AuthProblem::ClientCredentialsNotEnabled => {
                "Enable the client credentials flow in the connected app's OAuth policies and set \
                 its 'Run As' user."
            }
            AuthProblem::WrongDomain => {
                "The client credentials flow only works against the org's My Domain URL \
                 (https://MyDomainName.my.salesforce.com), not login.salesforce.com."
            }
            AuthProblem::IpRestricted => {
                "The integration user's profile restricts login IP ranges or hours, or the app's IP \
                 relaxation policy is not 'Relax IP restrictions'."
            }
            AuthProblem::UserInactive => {
                "The integration user is inactive, frozen or locked out: reactivate or unlock it."
            }
            AuthProblem::UnsupportedGrantType => {
                "This OAuth flow is not enabled for the connected app, or the login URL is wrong."
            }
            AuthProblem::Other => "Check the connected app and the integration user's settings.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_array_parses_known_and_unknown_codes() {
        let body = r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"},
                       {"message":"x","errorCode":"SOMETHING_NEW","fields":["Name"]}]"#;
        let errors: Vec<ApiError> = serde_json::from_str(body).unwrap();
        assert_eq!(errors[0].error_code, ErrorCode::InvalidSessionId);
        assert!(errors[0].fields.is_empty());
        assert_eq!(
            errors[1].error_code,
            ErrorCode::Other("SOMETHING_NEW".into())
        );
        assert_eq!(errors[1].error_code.as_str(), "SOMETHING_NEW");
    }

    fn api(status: u16, code: &str) -> Error {
        Error::Api {
            operation: "test".into(),
            status,
            errors: vec![ApiError {
                error_code: code.into(),
                message: String::new(),
                fields: vec![],
            }],
        }
    }

    #[test]
    fn transient_classification() {
        assert!(api(400, "UNABLE_TO_LOCK_ROW").is_transient());
        assert!(api(503, "SERVER_UNAVAILABLE").is_transient());
        assert!(api(500, "UNKNOWN_EXCEPTION").is_transient());
        assert!(!api(400, "MALFORMED_QUERY").is_transient());
        assert!(!api(403, "REQUEST_LIMIT_EXCEEDED").is_transient());
        assert!(api(403, "REQUEST_LIMIT_EXCEEDED").is_request_limit_exceeded());
        assert!(!api(400, "DUPLICATE_VALUE").is_transient());
        assert!(!Error::Config("x".into()).is_transient());
    }

    #[test]
    fn oauth_errors_become_operator_hints() {
        let p = AuthProblem::classify("invalid_grant", "user hasn't approved this consumer");
        assert_eq!(p, AuthProblem::ConsumerNotApproved);
        assert!(p.hint().contains("pre-authorized"));
        assert_eq!(
            AuthProblem::classify("invalid_grant", "audience is invalid"),
            AuthProblem::AudienceInvalid
        );
        assert_eq!(
            AuthProblem::classify("invalid_client_id", "client identifier invalid"),
            AuthProblem::InvalidClientId
        );
        assert_eq!(
            AuthProblem::classify("invalid_grant", "no client credentials user enabled"),
            AuthProblem::ClientCredentialsNotEnabled
        );
    }
}
