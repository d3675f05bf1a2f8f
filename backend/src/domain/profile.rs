//! A contact's profile (issue 14): the preferred language, the time zone, the phone number and
//! the notification preferences the customer edits, with the rules each value must pass.
//!
//! Each rule is one value that both checks the input and describes it in the OpenAPI document
//! (the phone's pattern, the languages' and time zones' enumerations), so the contract is the
//! check.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// The languages the portal speaks (the web app's catalogues; `Portal_Language__c`'s values):
/// one type with the API's own texts (`i18n`), so a profile's language is the language a
/// problem is written in.
pub use crate::i18n::Language;

/// The longest phone number Salesforce's Contact.Phone holds.
pub const PHONE_MAX_CHARS: usize = 40;

/// What a phone number may look like: an optional `+`, a digit, then digits, spaces,
/// parentheses, dots and hyphens; 4 to 40 characters. The same rule as [`Phone::PATTERN`].
fn phone_ok(raw: &str) -> bool {
    let digits = raw.strip_prefix('+').unwrap_or(raw);
    let len = raw.chars().count();
    (4..=PHONE_MAX_CHARS).contains(&len)
        && digits.starts_with(|c: char| c.is_ascii_digit())
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '.' | '-'))
}

/// A phone number that passed validation, or empty: no phone number (clears it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Phone(String);

impl Phone {
    /// [`phone_ok`] as a regular expression (ECMA 262), or the empty string.
    pub const PATTERN: &'static str = r"^(?:\+[0-9][0-9 ().-]{2,38}|[0-9][0-9 ().-]{3,39})?$";

    /// The number, or `None` when it was sent empty (cleared).
    pub fn number(&self) -> Option<&str> {
        (!self.0.is_empty()).then_some(self.0.as_str())
    }
}

impl TryFrom<String> for Phone {
    type Error = &'static str;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        if raw.is_empty() || phone_ok(&raw) {
            Ok(Self(raw))
        } else {
            Err(
                "Enter a phone number of 4 to 40 characters: digits, spaces, ( ) . - and a leading +.",
            )
        }
    }
}

impl utoipa::PartialSchema for Phone {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(PHONE_MAX_CHARS))
            .pattern(Some(Self::PATTERN))
            .description(Some(
                "The contact's phone number: an optional +, a digit, then digits, spaces, \
                 parentheses, dots and hyphens (4 to 40 characters). Empty: no phone number.",
            ))
            .into()
    }
}
impl ToSchema for Phone {}

/// An IANA time zone name chrono-tz knows (`Europe/Berlin`, `UTC`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct TimeZone(String);

impl TimeZone {
    pub fn name(&self) -> &str {
        &self.0
    }

    /// Every accepted name, as the OpenAPI document enumerates them.
    pub fn names() -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
    }
}

impl TryFrom<String> for TimeZone {
    type Error = &'static str;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        match raw.parse::<chrono_tz::Tz>() {
            // chrono-tz also accepts some names case-insensitively: keep the canonical one.
            Ok(zone) if zone.name() == raw => Ok(Self(raw)),
            _ => Err("Choose a time zone from the list (an IANA name such as Europe/Berlin)."),
        }
    }
}

impl utoipa::PartialSchema for TimeZone {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(Self::names()))
            .description(Some("An IANA time zone name, such as Europe/Berlin."))
            .into()
    }
}
impl ToSchema for TimeZone {}

/// The contact's preferences as stored on the Contact (custom fields `Portal_Language__c`,
/// `Portal_Time_Zone__c`, `Portal_Notify_Reply__c`, `Portal_Notify_Status__c`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    pub phone: Option<String>,
    pub language: Option<Language>,
    pub time_zone: Option<String>,
    pub notify_on_reply: bool,
    pub notify_on_status: bool,
}

impl Default for Preferences {
    /// What a contact without preferences has: notifications on, as the Checkbox fields'
    /// defaults in the org.
    fn default() -> Self {
        Self {
            phone: None,
            language: None,
            time_zone: None,
            notify_on_reply: true,
            notify_on_status: true,
        }
    }
}

/// A change of the profile: `None` leaves a value as it is; a `Some` phone that is empty
/// clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    pub phone: Option<Phone>,
    pub language: Option<Language>,
    pub time_zone: Option<TimeZone>,
    pub notify_on_reply: Option<bool>,
    pub notify_on_status: Option<bool>,
}

impl ProfileChange {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// `current` with the change applied.
    pub fn apply(&self, current: &Preferences) -> Preferences {
        let mut next = current.clone();
        if let Some(phone) = &self.phone {
            next.phone = phone.number().map(str::to_owned);
        }
        if let Some(language) = self.language {
            next.language = Some(language);
        }
        if let Some(zone) = &self.time_zone {
            next.time_zone = Some(zone.name().to_owned());
        }
        if let Some(on) = self.notify_on_reply {
            next.notify_on_reply = on;
        }
        if let Some(on) = self.notify_on_status {
            next.notify_on_status = on;
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_phone_check_and_its_pattern_agree() {
        let pattern = regex::Regex::new(Phone::PATTERN).unwrap();
        for raw in [
            "",
            "+1 415 555 6406",
            "0049 (30) 123-456",
            "12.34",
            "1234",
            "+123",
            "123",
            "+",
            "++1234",
            "abc1234",
            "(030) 1234",
            " 1234",
            "1234\n",
            "+1 415 555 6406 7777 8888 9999 0000 11112",
            "1234567890123456789012345678901234567890",
            "+123456789012345678901234567890123456789",
            "+1234567890123456789012345678901234567890",
            "12345678901234567890123456789012345678901",
        ] {
            assert_eq!(
                Phone::try_from(raw.to_owned()).is_ok(),
                pattern.is_match(raw),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn time_zones_are_iana_names_as_spelled() {
        assert!(TimeZone::try_from("Europe/Berlin".to_owned()).is_ok());
        assert!(TimeZone::try_from("UTC".to_owned()).is_ok());
        assert!(TimeZone::try_from("europe/berlin".to_owned()).is_err());
        assert!(TimeZone::try_from("Mars/Olympus".to_owned()).is_err());
        assert!(TimeZone::names().any(|n| n == "America/New_York"));
    }

    #[test]
    fn a_change_touches_only_what_it_names() {
        let current = Preferences {
            phone: Some("+1 415 555 6406".into()),
            ..Preferences::default()
        };
        let change = ProfileChange {
            language: Some(Language::De),
            notify_on_reply: Some(false),
            ..ProfileChange::default()
        };
        let next = change.apply(&current);
        assert_eq!(next.phone.as_deref(), Some("+1 415 555 6406"));
        assert_eq!(next.language, Some(Language::De));
        assert!(!next.notify_on_reply);
        assert!(next.notify_on_status);
        let cleared = ProfileChange {
            phone: Some(Phone::try_from(String::new()).unwrap()),
            ..ProfileChange::default()
        }
        .apply(&next);
        assert_eq!(cleared.phone, None);
    }
}
