//! Password self-service's request bodies (issue 14, decision 032).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::requests::{FieldCheck, JsonFields};
use crate::config::MAX_PASSWORD_CHARS;

/// A password change: the current password and the new one. Unknown fields are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(min_length = 1, max_length = 1024)]
    pub current_password: String,
    /// At least `passwords.min_length` characters (12 by default), at most 1,024; not only
    /// spaces; not the email address.
    #[schema(min_length = 1, max_length = 1024)]
    pub new_password: String,
}

impl JsonFields for PasswordChange {
    const FIELDS: &'static [(&'static str, FieldCheck)] =
        &[("current_password", password), ("new_password", password)];
}

/// A request for a reset link. Unknown fields are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordForgot {
    #[schema(min_length = 1, max_length = 254, example = "alice@acme.example")]
    pub email: String,
}

impl JsonFields for PasswordForgot {
    const FIELDS: &'static [(&'static str, FieldCheck)] = &[("email", email)];
}

/// A new password set with the token of a reset link. Unknown fields are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The `token` of the link's fragment (`/reset-password#token=...`).
    #[schema(pattern = "^[A-Za-z0-9_-]{43}$", min_length = 43, max_length = 43)]
    pub token: String,
    #[schema(min_length = 1, max_length = 1024)]
    pub new_password: String,
}

impl JsonFields for PasswordReset {
    const FIELDS: &'static [(&'static str, FieldCheck)] =
        &[("token", token), ("new_password", password)];
}

/// What a reset request answers, whoever asked.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ResetRequested {
    #[schema(
        example = "If this address belongs to an account that signs in with a password here, a link to reset it is on its way."
    )]
    pub detail: String,
}

fn password(value: &Value) -> Result<(), String> {
    match value {
        Value::String(s) if !s.is_empty() && s.chars().count() <= MAX_PASSWORD_CHARS => Ok(()),
        Value::String(s) if !s.is_empty() => Err(format!(
            "Choose a password of at most {MAX_PASSWORD_CHARS} characters."
        )),
        _ => Err("Enter a password.".into()),
    }
}

fn email(value: &Value) -> Result<(), String> {
    match value {
        Value::String(s) if !s.is_empty() && s.len() <= 254 => Ok(()),
        _ => Err("Enter your email address.".into()),
    }
}

fn token(value: &Value) -> Result<(), String> {
    match value {
        Value::String(s)
            if s.len() == 43
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(())
        }
        _ => Err("This link has expired or has been used. Ask for a new one.".into()),
    }
}
