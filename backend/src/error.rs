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
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            request_id: None,
            errors: Vec::new(),
            new_case: None,
            fresh_slots: None,
        }
    }

    /// The generic problem for a status raised outside our handlers.
    pub fn for_status(status: StatusCode) -> Self {
        let (slug, title, detail) = match status {
            StatusCode::NOT_FOUND => (
                "not-found",
                "Not found",
                "There is nothing at this address.",
            ),
            StatusCode::METHOD_NOT_ALLOWED => (
                "method-not-allowed",
                "Method not allowed",
                "This address does not accept that method.",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                "payload-too-large",
                "Request too large",
                "The request body is larger than the server accepts.",
            ),
            StatusCode::REQUEST_TIMEOUT
            | StatusCode::GATEWAY_TIMEOUT
            | StatusCode::SERVICE_UNAVAILABLE => (
                "unavailable",
                "Service unavailable",
                "The request took too long or the service is busy. Please try again.",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "unsupported-media-type",
                "Unsupported media type",
                "Send the request body as application/json.",
            ),
            s if s.is_client_error() => ("bad-request", "Bad request", "The request is not valid."),
            _ => (
                "internal",
                "Internal error",
                "Something went wrong on our side. Please try again later.",
            ),
        };
        let status = if status == StatusCode::REQUEST_TIMEOUT {
            // A timeout of ours is not the client's fault; say so with 503.
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            status
        };
        Self::new(status, slug, title, detail)
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
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("not signed in")]
    Unauthenticated,
    #[error("wrong credentials")]
    BadCredentials,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("download link refused: {0}")]
    DownloadLink(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
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
        use StatusCode as S;
        match self {
            Self::Validation(errors) => Problem {
                errors: errors.clone(),
                ..Problem::new(
                    S::UNPROCESSABLE_ENTITY,
                    "validation",
                    "Invalid request",
                    "Some fields are not valid; see errors.",
                )
            },
            Self::BadRequest(detail) => {
                Problem::new(S::BAD_REQUEST, "bad-request", "Bad request", detail)
            }
            Self::Unauthenticated => Problem::new(
                S::UNAUTHORIZED,
                "unauthenticated",
                "Not signed in",
                "Sign in to continue.",
            ),
            Self::BadCredentials => Problem::new(
                S::UNAUTHORIZED,
                "bad-credentials",
                "Sign-in failed",
                "The email or password is not correct.",
            ),
            Self::Forbidden(detail) => {
                Problem::new(S::FORBIDDEN, "forbidden", "Forbidden", *detail)
            }
            Self::Csrf => Problem::new(
                S::FORBIDDEN,
                "csrf",
                "Missing or invalid CSRF token",
                "Send the session's csrf_token in the X-CSRF-Token header.",
            ),
            Self::DownloadLink(detail) => Problem::new(
                S::FORBIDDEN,
                "download-link",
                "Download link not valid",
                *detail,
            ),
            Self::NotFound(what) => Problem::new(
                S::NOT_FOUND,
                "not-found",
                "Not found",
                format!("The {what} does not exist."),
            ),
            Self::IdempotencyInFlight => Problem::new(
                S::CONFLICT,
                "idempotency-in-flight",
                "Request already in progress",
                "A request with this Idempotency-Key is still being processed; retry shortly.",
            ),
            Self::IdempotencyMismatch => Problem::new(
                S::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "Idempotency-Key reused",
                "This Idempotency-Key was already used with a different request body.",
            ),
            Self::PasswordElsewhere => Problem::new(
                S::CONFLICT,
                "password-managed-elsewhere",
                "Password managed elsewhere",
                "You sign in through your company's sign-in page, so your password is changed there, not here.",
            ),
            Self::CaseClosed => Problem::new(
                S::CONFLICT,
                "case-closed",
                "Case closed",
                "This case is closed, so it takes no more replies. Reopen it, or open a new case.",
            ),
            Self::RateLimited(info) if info.policy == "comment-create" => Problem::new(
                S::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!(
                    "Too many replies. You can send another in {} seconds.",
                    info.reset_secs
                ),
            ),
            Self::RateLimited(info) if info.policy == "case-status" => Problem::new(
                S::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!(
                    "Too many cases closed or reopened. You can close or reopen another in {} seconds.",
                    info.reset_secs
                ),
            ),
            Self::RateLimited(info) if info.policy == "attachment-upload" => Problem::new(
                S::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!(
                    "Too many files uploaded. You can upload another in {} seconds.",
                    info.reset_secs
                ),
            ),
            Self::RateLimited(info) if info.policy == "appointment-write" => Problem::new(
                S::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!(
                    "Too many bookings, cancellations or moves. You can make another in {} seconds.",
                    info.reset_secs
                ),
            ),
            Self::RateLimited(info) if info.policy.starts_with("password-reset") => Problem::new(
                S::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!(
                    "Too many password reset requests. You can ask again in {} seconds.",
                    info.reset_secs
                ),
            ),
            Self::RateLimited(info) if info.policy == "profile-update" => Problem::new(
                S::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!(
                    "Too many profile changes. You can change it again in {} seconds.",
                    info.reset_secs
                ),
            ),
            Self::RateLimited(info) => Problem::new(
                S::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!(
                    "Too many new cases. You can create another in {} seconds.",
                    info.reset_secs
                ),
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
                    "This case can no longer be reopened",
                    if *window_days == 0 {
                        format!(
                            "Closed cases cannot be reopened here. Please open a new case and \
                             mention case {case_number}."
                        )
                    } else {
                        format!(
                            "Case {case_number} was closed more than {window_days} days ago, so \
                             it can no longer be reopened. Please open a new case and mention \
                             case {case_number}."
                        )
                    },
                )
            },
            Self::SlotTaken { fresh_slots } => Problem {
                fresh_slots: Some(fresh_slots.clone()),
                ..Problem::new(
                    S::CONFLICT,
                    "slot-taken",
                    "This time is no longer free",
                    "Someone booked this time a moment ago, or it is no longer free. Please \
                     choose another time; fresh_slots lists times that are free now.",
                )
            },
            Self::AppointmentCutoff {
                deadline,
                cutoff_hours,
            } => Problem::new(
                S::CONFLICT,
                "appointment-cutoff",
                "Too late to change this appointment",
                format!(
                    "Appointments can be cancelled or moved here until {cutoff_hours} hours \
                     before they start; for this one that was {} UTC. Please contact us \
                     directly to change it.",
                    deadline.format("%Y-%m-%d %H:%M")
                ),
            ),
            Self::AppointmentCancelled => Problem::new(
                S::CONFLICT,
                "appointment-cancelled",
                "Appointment cancelled",
                "This appointment was cancelled, so it cannot be moved. Please book a new one.",
            ),
            Self::AttachmentTooLarge { max_bytes } => Problem::new(
                S::PAYLOAD_TOO_LARGE,
                "attachment-too-large",
                "File too large",
                format!(
                    "The file is larger than the {} the portal takes, so it was not saved.",
                    human_size(*max_bytes)
                ),
            ),
            Self::AttachmentType { allowed } => Problem::new(
                S::UNSUPPORTED_MEDIA_TYPE,
                "attachment-type",
                "File type not accepted",
                format!(
                    "The file's content is not of a type the portal takes, so it was not saved. \
                     Accepted: {allowed}."
                ),
            ),
            Self::LoginThrottled { retry_after_secs } => Problem::new(
                S::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many sign-in attempts",
                format!("Too many sign-in attempts. Try again in {retry_after_secs} seconds."),
            ),
            Self::SignInBusy { retry_after_secs } => Problem::new(
                S::SERVICE_UNAVAILABLE,
                "sign-in-busy",
                "Sign-in is busy",
                format!(
                    "Many people are signing in right now. Try again in {retry_after_secs} seconds."
                ),
            ),
            Self::SalesforceBudget { retry_after_secs } => Problem::new(
                S::TOO_MANY_REQUESTS,
                "salesforce-budget",
                "Too many requests for fresh data",
                format!(
                    "You have asked for a lot of data that is not ready yet in a short time. \
                     Try again in {retry_after_secs} seconds; pages you have already seen still work."
                ),
            ),
            Self::Unavailable(_) => Problem::new(
                S::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
                "A system the portal depends on is not reachable right now. Please try again in a minute.",
            ),
            Self::StorageFull(_) => Problem::new(
                S::SERVICE_UNAVAILABLE,
                "storage-full",
                "Cannot save right now",
                "The portal has no room to save new data at the moment, so nothing was saved. \
                 Please try again later; with the same Idempotency-Key a retry never creates a \
                 second case.",
            ),
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
