//! The profile's DTOs (issue 14, decision 032): what `GET /customer/{id}/profile` answers, and
//! the change `PATCH` takes, described by the very types that check it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::requests::{FieldCheck, JsonFields};
use crate::domain::profile::{Language, Phone, ProfileChange, TimeZone};
use crate::salesforce::profile::ProfileRecord;

/// The signed-in contact's profile.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Profile {
    /// The contact's name as the Contact holds it. Read-only here: the support team changes
    /// it (decision 032).
    pub name: String,
    /// The email the contact signs in with. Read-only in v1: changing a sign-in identity needs
    /// a verified flow (decision 032).
    pub email: Option<String>,
    /// The contact's phone number; null when none.
    pub phone: Option<String>,
    /// The preferred language; null when none chosen (the browser's then).
    pub language: Option<Language>,
    /// The IANA time zone dates are shown in; null when none chosen (the browser's then).
    pub time_zone: Option<String>,
    /// Email on an agent's reply to one of their cases.
    pub notify_on_reply: bool,
    /// Email when one of their cases changes status.
    pub notify_on_status: bool,
    /// Whether the contact signed in with a password here (`local`: the password can be
    /// changed here) or through the identity provider (`oidc`: it is changed there).
    #[schema(example = "local")]
    pub sign_in: String,
}

impl Profile {
    pub fn of(record: ProfileRecord, idp: &str) -> Self {
        let p = record.preferences;
        Self {
            name: record.name,
            email: record.email,
            phone: p.phone,
            language: p.language,
            time_zone: p.time_zone,
            notify_on_reply: p.notify_on_reply,
            notify_on_status: p.notify_on_status,
            sign_in: idp.to_owned(),
        }
    }
}

/// A change of the profile: only the fields sent change (absent or null: unchanged). Unknown
/// fields are refused, and so are the read-only ones (name, email).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    /// The phone number; empty clears it.
    #[serde(default)]
    #[schema(inline)]
    pub phone: Option<Phone>,
    #[serde(default)]
    pub language: Option<Language>,
    #[serde(default)]
    #[schema(inline)]
    pub time_zone: Option<TimeZone>,
    #[serde(default)]
    pub notify_on_reply: Option<bool>,
    #[serde(default)]
    pub notify_on_status: Option<bool>,
}

impl ProfilePatch {
    pub fn change(self) -> ProfileChange {
        ProfileChange {
            phone: self.phone,
            language: self.language,
            time_zone: self.time_zone,
            notify_on_reply: self.notify_on_reply,
            notify_on_status: self.notify_on_status,
        }
    }
}

impl JsonFields for ProfilePatch {
    const FIELDS: &'static [(&'static str, FieldCheck)] = &[
        ("phone", phone),
        ("language", language),
        ("time_zone", time_zone),
        ("notify_on_reply", flag),
        ("notify_on_status", flag),
    ];
}

fn phone(value: &Value) -> Result<(), String> {
    match value {
        Value::Null => Ok(()),
        Value::String(raw) => Phone::try_from(raw.clone())
            .map(drop)
            .map_err(str::to_owned),
        _ => Err("Must be text.".into()),
    }
}

fn language(value: &Value) -> Result<(), String> {
    match value {
        Value::Null => Ok(()),
        Value::String(code) if Language::from_code(code).is_some() => Ok(()),
        _ => Err("Choose one of en, de, fr, es, ar.".into()),
    }
}

fn time_zone(value: &Value) -> Result<(), String> {
    match value {
        Value::Null => Ok(()),
        Value::String(raw) => TimeZone::try_from(raw.clone())
            .map(drop)
            .map_err(str::to_owned),
        _ => Err("Choose a time zone from the list (an IANA name such as Europe/Berlin).".into()),
    }
}

fn flag(value: &Value) -> Result<(), String> {
    match value {
        Value::Null | Value::Bool(_) => Ok(()),
        _ => Err("Must be true or false.".into()),
    }
}
