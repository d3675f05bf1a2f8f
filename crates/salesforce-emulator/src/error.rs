//! Salesforce's REST error shape: a JSON array of `{message, errorCode, fields}` objects.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorItem {
    pub message: String,
    #[serde(rename = "errorCode")]
    pub error_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
}

/// A failed REST call: its status and Salesforce's error array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub errors: Vec<ErrorItem>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            errors: vec![ErrorItem {
                message: message.into(),
                error_code: code.to_owned(),
                fields: None,
            }],
        }
    }

    /// A DML error, which always names its fields (possibly none).
    pub fn dml(code: &str, message: impl Into<String>, fields: &[&str]) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            errors: vec![ErrorItem {
                message: message.into(),
                error_code: code.to_owned(),
                fields: Some(fields.iter().map(|f| (*f).to_owned()).collect()),
            }],
        }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
    }

    pub fn invalid_session() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }

    pub fn request_limit_exceeded() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        )
    }

    pub fn server_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVER_UNAVAILABLE",
            "Server is temporarily unavailable. Please try again later.",
        )
    }

    pub fn unable_to_lock_row(id: Option<&str>) -> Self {
        let message = match id {
            Some(id) => {
                format!("unable to obtain exclusive access to this record or 1 records: {id}")
            }
            None => "unable to obtain exclusive access to this record".to_owned(),
        };
        Self::dml("UNABLE_TO_LOCK_ROW", message, &[])
    }

    pub fn body(&self) -> serde_json::Value {
        serde_json::to_value(&self.errors).unwrap_or_default()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.errors)).into_response()
    }
}
