//! API errors as RFC 9457 problem details.
//!
//! Handlers and services return [`ApiError`]. Its response carries a [`Problem`] in the response
//! extensions; `http::middleware::RespondLayer` writes the final body with the request id,
//! and also turns errors raised outside our handlers (unknown route, body too large, timeout)
//! into the same shape. Internal errors are logged here, inside the request span, with their
//! whole chain, and the client sees only a generic message.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::data_dir::DataDirFull;
use crate::i18n::Language;
pub use crate::i18n::problems::{Action, ProblemText, Resource};
use crate::salesforce::PortError;
use crate::shared_state::StoreError;
use crate::shared_state::rate_limit::Policy;

/// A field that failed validation.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The request field, e.g. `subject` or `limit`.
    pub field: String,
    /// What is wrong, written for the customer.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// RFC 9457 problem details, the body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Quote this id to support; it finds the request in the server's logs.
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Present on validation errors: one entry per invalid field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Present on `/problems/reopen-window-closed`: the address to open a new case at
    /// (`POST`), instead of reopening this one.
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_case: Option<String>,
    /// Present on `/problems/slot-taken`: slots that are free now, on the day asked for and
    /// the days around it, to choose from instead.
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fresh_slots: Option<Vec<crate::domain::appointments::Slot>>,
    /// What `title` and `detail` say, to say it again in another language.
    #[serde(skip)]
    #[schema(ignore)]
    pub text: ProblemText,
}

impl Problem {
    /// A problem of kind `/problems/{slug}` saying `text`, in English until
    /// [`Problem::in_language`] puts it into the request's language.
    pub fn new(status: StatusCode, slug: &str, text: ProblemText) -> Self {
        let (title, detail) = text.render(Language::En);
        Self {
            kind: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            request_id: None,
            errors: Vec::new(),
            new_case: None,
            fresh_slots: None,
            text,
        }
    }

    /// The same problem with its `title` and `detail` in `language`.
    pub fn in_language(mut self, language: Language) -> Self {
        if language != Language::En {
            let (title, detail) = self.text.render(language);
            self.title = title.to_owned();
            self.detail = detail;
        }
        self
    }

    /// The generic problem for a status raised outside our handlers.
    pub fn for_status(status: StatusCode) -> Self {
        use ProblemText as P;
        let (slug, text) = match status {
            StatusCode::NOT_FOUND => ("not-found", P::NoSuchAddress),
            StatusCode::METHOD_NOT_ALLOWED => ("method-not-allowed", P::MethodNotAllowed),
            StatusCode::PAYLOAD_TOO_LARGE => ("payload-too-large", P::RequestTooLarge),
            StatusCode::REQUEST_TIMEOUT
            | StatusCode::GATEWAY_TIMEOUT
            | StatusCode::SERVICE_UNAVAILABLE => ("unavailable", P::Busy),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ("unsupported-media-type", P::UnsupportedMediaType)
            }
            s if s.is_client_error() => ("bad-request", P::BadRequest),
            _ => ("internal", P::Internal),
        };
        let status = if status == StatusCode::REQUEST_TIMEOUT {
            // A timeout of ours is not the client's fault; say so with 503.
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            status
        };
        Self::new(status, slug, text)
    }

    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = (
            self.status_code(),
            [(header::CONTENT_TYPE, "application/problem+json")],
            self.to_body(),
        )
            .into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// The rate-limit state reported with a 429 (and on successful limited calls).
#[derive(Debug, Clone)]
pub struct RateLimitInfo {
    pub policy: &'static str,
    pub quota: u32,
    pub window_secs: u64,
    pub remaining: u32,
    pub reset_secs: u64,
}

impl RateLimitInfo {
    /// The state of `name`d `policy` for one caller: `remaining` units, the next in `reset_secs`.
    pub fn of(name: &'static str, policy: &Policy, remaining: u32, reset_secs: u64) -> Self {
        Self {
            policy: name,
            quota: policy.burst,
            window_secs: policy.period.as_secs() * u64::from(policy.burst),
            remaining,
            reset_secs,
        }
    }

    /// `RateLimit-Policy` and `RateLimit` fields of draft-ietf-httpapi-ratelimit-headers.
    pub fn headers(&self) -> [(HeaderName, HeaderValue); 2] {
        let policy = format!(
            "\"{}\";q={};w={}",
            self.policy, self.quota, self.window_secs
        );
        let state = format!(
            "\"{}\";r={};t={}",
            self.policy, self.remaining, self.reset_secs
        );
        [
            (
                HeaderName::from_static("ratelimit-policy"),
                HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("")),
            ),
            (
                HeaderName::from_static("ratelimit"),
                HeaderValue::from_str(&state).unwrap_or(HeaderValue::from_static("")),
            ),
        ]
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("bad request: {0:?}")]
    BadRequest(ProblemText),
    #[error("not signed in")]
    Unauthenticated,
    #[error("wrong credentials")]
    BadCredentials,
    #[error("forbidden: {0:?}")]
    Forbidden(ProblemText),
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("download link refused: {0:?}")]
    DownloadLink(ProblemText),
    #[error("{0:?} not found")]
    NotFound(Resource),
    #[error("idempotency key in use")]
    IdempotencyInFlight,
    #[error("idempotency key reused with another body")]
    IdempotencyMismatch,
    /// A reply to a closed case: the customer reopens it or opens a new one.
    #[error("case closed")]
    CaseClosed,
    /// A password change by someone who signs in through the identity provider: their
    /// password is changed there (issue 14).
    #[error("password managed by the identity provider")]
    PasswordElsewhere,
    #[error("rate limited")]
    RateLimited(RateLimitInfo),
    /// The case was closed longer ago than `cases.reopen_window_days`: the customer opens a
    /// new case (at `new_case`, the customer's case list) instead.
    #[error("case {case_number} closed too long ago to reopen")]
    ReopenWindowClosed {
        case_number: String,
        window_days: u32,
        new_case: String,
    },
    /// An uploaded file larger than `attachments.max_bytes`; nothing was stored.
    #[error("attachment too large")]
    AttachmentTooLarge { max_bytes: u64 },
    /// An uploaded file whose bytes are not of an allowed type; nothing was stored.
    #[error("attachment type not allowed")]
    AttachmentType { allowed: String },
    /// Someone else booked the slot (or it is no longer free): `fresh_slots` to pick from.
    #[error("slot taken")]
    SlotTaken {
        fresh_slots: Vec<crate::domain::appointments::Slot>,
    },
    /// A booking is too close to its start to be cancelled or moved in the portal.
    #[error("appointment past its cut-off")]
    AppointmentCutoff {
        deadline: chrono::DateTime<chrono::Utc>,
        cutoff_hours: u32,
    },
    /// A cancelled booking cannot be moved.
    #[error("appointment cancelled")]
    AppointmentCancelled,
    #[error("too many sign-in attempts")]
    LoginThrottled { retry_after_secs: u64 },
    /// Every password check is busy (a flood of sign-ins): try again in a moment.
    #[error("sign-in busy")]
    SignInBusy { retry_after_secs: u64 },
    /// The customer's budget of Salesforce calls is spent and nothing cached can answer.
    #[error("Salesforce call budget spent")]
    SalesforceBudget { retry_after_secs: u64 },
    /// A status raised by the HTTP layer (415, 413, 404 on a malformed path, ...).
    #[error("HTTP {0}")]
    Http(StatusCode),
    #[error("upstream unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// The data directory has no room for the write ([`DataDirFull`]): nothing was saved, and
    /// a retry works once the operator frees space.
    #[error("data directory full")]
    StorageFull(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// Fail closed: the request is refused with 503 and `Retry-After`, and the error is logged
/// inside the request's span (so with its request id).
impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError::Unavailable(err.0.context("shared state (redis) unavailable"))
    }
}

/// How long a client is asked to wait after [`ApiError::StorageFull`]: freeing space takes an
/// operator, not a moment.
pub const STORAGE_FULL_RETRY_AFTER_SECS: u64 = 120;

/// A full data directory is a 503 whichever way the adapter reported it; every other failure
/// keeps its kind (a disk that fails otherwise is an internal error, 500).
impl From<PortError> for ApiError {
    fn from(err: PortError) -> Self {
        match err {
            PortError::Unavailable(source) | PortError::Internal(source)
                if DataDirFull::find(&source).is_some() =>
            {
                Self::StorageFull(source)
            }
            PortError::Unavailable(source) => Self::Unavailable(source),
            PortError::Internal(source) => Self::Internal(source),
            PortError::BudgetSpent { retry_after_secs } => {
                Self::SalesforceBudget { retry_after_secs }
            }
        }
    }
}

impl ApiError {
    pub fn problem(&self) -> Problem {
        use ProblemText as P;
        use StatusCode as S;
        match self {
            Self::Validation(errors) => Problem {
                errors: errors.clone(),
                ..Problem::new(S::UNPROCESSABLE_ENTITY, "validation", P::Validation)
            },
            Self::BadRequest(text) => Problem::new(S::BAD_REQUEST, "bad-request", text.clone()),
            Self::Unauthenticated => {
                Problem::new(S::UNAUTHORIZED, "unauthenticated", P::Unauthenticated)
            }
            Self::BadCredentials => {
                Problem::new(S::UNAUTHORIZED, "bad-credentials", P::BadCredentials)
            }
            Self::Forbidden(text) => Problem::new(S::FORBIDDEN, "forbidden", text.clone()),
            Self::Csrf => Problem::new(S::FORBIDDEN, "csrf", P::Csrf),
            Self::DownloadLink(text) => Problem::new(S::FORBIDDEN, "download-link", text.clone()),
            Self::NotFound(resource) => {
                Problem::new(S::NOT_FOUND, "not-found", P::NotFound(*resource))
            }
            Self::IdempotencyInFlight => {
                Problem::new(S::CONFLICT, "idempotency-in-flight", P::IdempotencyInFlight)
            }
            Self::IdempotencyMismatch => Problem::new(
                S::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                P::IdempotencyKeyReused,
            ),
            Self::PasswordElsewhere => Problem::new(
                S::CONFLICT,
                "password-managed-elsewhere",
                P::PasswordManagedElsewhere,
            ),
            Self::CaseClosed => Problem::new(S::CONFLICT, "case-closed", P::CaseClosed),
            Self::RateLimited(info) => Problem::new(
                S::TOO_MANY_REQUESTS,
                "rate-limited",
                P::TooMany {
                    action: Action::of_policy(info.policy),
                    retry_secs: info.reset_secs,
                },
            ),
            Self::ReopenWindowClosed {
                case_number,
                window_days,
                new_case,
            } => Problem {
                new_case: Some(new_case.clone()),
                ..Problem::new(
                    S::CONFLICT,
                    "reopen-window-closed",
                    if *window_days == 0 {
                        P::ReopenNotOffered {
                            case_number: case_number.clone(),
                        }
                    } else {
                        P::ReopenWindowClosed {
                            case_number: case_number.clone(),
                            window_days: *window_days,
                        }
                    },
                )
            },
            Self::SlotTaken { fresh_slots } => Problem {
                fresh_slots: Some(fresh_slots.clone()),
                ..Problem::new(S::CONFLICT, "slot-taken", P::SlotTaken)
            },
            Self::AppointmentCutoff {
                deadline,
                cutoff_hours,
            } => Problem::new(
                S::CONFLICT,
                "appointment-cutoff",
                P::AppointmentCutoff {
                    deadline: deadline.format("%Y-%m-%d %H:%M").to_string(),
                    cutoff_hours: *cutoff_hours,
                },
            ),
            Self::AppointmentCancelled => Problem::new(
                S::CONFLICT,
                "appointment-cancelled",
                P::AppointmentCancelled,
            ),
            Self::AttachmentTooLarge { max_bytes } => Problem::new(
                S::PAYLOAD_TOO_LARGE,
                "attachment-too-large",
                P::AttachmentTooLarge {
                    limit: human_size(*max_bytes),
                },
            ),
            Self::AttachmentType { allowed } => Problem::new(
                S::UNSUPPORTED_MEDIA_TYPE,
                "attachment-type",
                P::AttachmentType {
                    allowed: allowed.clone(),
                },
            ),
            Self::LoginThrottled { retry_after_secs } => Problem::new(
                S::TOO_MANY_REQUESTS,
                "rate-limited",
                P::SignInThrottled {
                    retry_secs: *retry_after_secs,
                },
            ),
            Self::SignInBusy { retry_after_secs } => Problem::new(
                S::SERVICE_UNAVAILABLE,
                "sign-in-busy",
                P::SignInBusy {
                    retry_secs: *retry_after_secs,
                },
            ),
            Self::SalesforceBudget { retry_after_secs } => Problem::new(
                S::TOO_MANY_REQUESTS,
                "salesforce-budget",
                P::SalesforceBudget {
                    retry_secs: *retry_after_secs,
                },
            ),
            Self::Unavailable(_) => {
                Problem::new(S::SERVICE_UNAVAILABLE, "unavailable", P::Unavailable)
            }
            Self::StorageFull(_) => {
                Problem::new(S::SERVICE_UNAVAILABLE, "storage-full", P::StorageFull)
            }
            Self::Http(status) => Problem::for_status(*status),
            Self::Internal(_) => Problem::for_status(S::INTERNAL_SERVER_ERROR),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            Self::Internal(err) => tracing::error!(error = format!("{err:#}"), "internal error"),
            Self::Unavailable(err) => {
                tracing::warn!(error = format!("{err:#}"), "upstream unavailable")
            }
            // The operator's to fix: an error, with the request id of the span it is logged in.
            Self::StorageFull(err) => {
                tracing::error!(error = format!("{err:#}"), "the data directory is full")
            }
            _ => {}
        }
        let retry_after = match &self {
            Self::RateLimited(info) => Some(info.reset_secs),
            Self::LoginThrottled { retry_after_secs } | Self::SignInBusy { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            Self::SalesforceBudget { retry_after_secs } => Some(*retry_after_secs),
            Self::Unavailable(_) => Some(30),
            Self::StorageFull(_) => Some(STORAGE_FULL_RETRY_AFTER_SECS),
            _ => None,
        };
        let mut response = self.problem().into_response();
        let headers = response.headers_mut();
        if let Some(secs) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        if let Self::RateLimited(info) = &self {
            headers.extend(info.headers());
        }
        if matches!(self, Self::Unauthenticated | Self::BadCredentials) {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Cookie realm=\"portal\""),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A size as people say it: `25 MB`, `512 KB`, `100 bytes` (powers of 1,024).
pub fn human_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    match bytes {
        b if b >= KB * KB && b % (KB * KB) == 0 => format!("{} MB", b / (KB * KB)),
        b if b >= KB * KB => format!("{:.1} MB", b as f64 / (KB * KB) as f64),
        b if b >= KB => format!("{} KB", b.div_ceil(KB)),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;

    fn port_failure(kind: io::ErrorKind) -> ApiError {
        let err = anyhow::Error::new(io::Error::from(kind)).context("appending to cases.jsonl");
        ApiError::from(PortError::Internal(err))
    }

    /// Out of room (ENOSPC, EFBIG, EDQUOT) is a 503 with `Retry-After` and a problem saying
    /// nothing was saved; any other I/O error stays a generic 500.
    #[test]
    fn a_full_data_directory_is_a_503_other_io_errors_stay_500() {
        use io::ErrorKind as K;
        for kind in [K::StorageFull, K::FileTooLarge, K::QuotaExceeded] {
            let err = port_failure(kind);
            assert!(matches!(err, ApiError::StorageFull(_)), "{kind:?}: {err:?}");
            let response = err.into_response();
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(response.headers()[header::RETRY_AFTER], "120");
            let problem = response.extensions().get::<Problem>().unwrap();
            assert_eq!(problem.kind, "/problems/storage-full");
            assert!(problem.detail.contains("nothing was saved"), "{problem:?}");
        }
        for kind in [K::PermissionDenied, K::NotFound, K::Other] {
            let response = port_failure(kind).into_response();
            assert_eq!(
                response.status(),
                StatusCode::INTERNAL_SERVER_ERROR,
                "{kind:?}"
            );
            assert!(!response.headers().contains_key(header::RETRY_AFTER));
        }
        let adapter = PortError::Unavailable(
            anyhow::Error::new(DataDirFull(K::StorageFull)).context("the journal"),
        );
        assert!(matches!(ApiError::from(adapter), ApiError::StorageFull(_)));
    }
}
