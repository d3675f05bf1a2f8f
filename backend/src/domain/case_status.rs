//! Closing and reopening a case: the close reason a customer may give, and how long after
//! closing a case may be reopened.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::text::{TextError, TextRule, text_schema};

/// The longest close reason: enough for a few sentences, short enough for any text field.
pub const CLOSE_REASON_MAX_CHARS: usize = 1_000;

/// A close reason that passed validation: at most 1,000 characters as sent (stored trimmed), line breaks and
/// tabs kept and every other control character refused. A blank reason is the same as none.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct CloseReason(String);

impl TryFrom<String> for CloseReason {
    type Error = &'static str;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl CloseReason {
    pub const RULE: TextRule = TextRule {
        max_chars: CLOSE_REASON_MAX_CHARS,
        required: false,
        multiline: true,
    };

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match Self::RULE.check(raw) {
            Ok(()) => Ok(Self(raw.trim().to_owned())),
            Err(TextError::TooLong) => Err("The reason can be at most 1,000 characters."),
            Err(TextError::ControlCharacter | TextError::Blank) => {
                Err("The reason cannot contain control characters.")
            }
        }
    }

    /// The reason, or `None` when it was blank.
    pub fn text(&self) -> Option<&str> {
        (!self.0.is_empty()).then_some(self.0.as_str())
    }
}

text_schema!(
    CloseReason,
    CloseReason::RULE,
    "At most 1,000 characters; line breaks and tabs are kept, other control characters \
     refused. Blank: no reason. Stored trimmed."
);

/// How long after closing a customer may reopen a case (`cases.reopen_window_days`). Zero: a
/// closed case can never be reopened from the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReopenWindow {
    days: u32,
}

impl ReopenWindow {
    pub const fn days(days: u32) -> Self {
        Self { days }
    }

    /// The window's length in days.
    pub const fn days_count(self) -> u32 {
        self.days
    }

    /// Until when a case closed at `closed_at` may be reopened: `None` for an open case
    /// (`closed_at` is `None`) or when the window is zero. The moment itself still counts.
    pub fn reopen_until(self, closed_at: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        if self.days == 0 {
            return None;
        }
        closed_at.map(|at| at + Duration::days(i64::from(self.days)))
    }

    /// Whether a case closed at `closed_at` may be reopened at `now`.
    pub fn allows(self, closed_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        self.reopen_until(closed_at)
            .is_some_and(|until| now <= until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(
            CloseReason::parse("  Fixed by the update \n")
                .unwrap()
                .text(),
            Some("Fixed by the update")
        );
        assert_eq!(CloseReason::parse(" \n\t ").unwrap().text(), None);
        assert!(CloseReason::parse("line one\nline two\ttab").is_ok());
        assert!(CloseReason::parse(&"é".repeat(1_000)).is_ok());
        assert!(CloseReason::parse(&"é".repeat(1_001)).is_err());
        assert!(CloseReason::parse("bell\u{7}").is_err());
        assert!(CloseReason::parse("nul\u{0}").is_err());
        assert!(CloseReason::parse("escape\u{1b}[31m").is_err());
    }

    #[test]
    fn the_window_runs_from_the_closing_time_and_includes_its_last_moment() {
        let closed = "2026-03-01T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let window = ReopenWindow::days(14);
        let until = "2026-03-15T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(window.reopen_until(Some(closed)), Some(until));
        assert!(window.allows(Some(closed), until));
        assert!(!window.allows(Some(closed), until + Duration::milliseconds(1)));
        assert!(window.allows(Some(closed), closed));
        assert_eq!(window.reopen_until(None), None);
        assert!(!window.allows(None, closed));
        let never = ReopenWindow::days(0);
        assert_eq!(never.reopen_until(Some(closed)), None);
        assert!(!never.allows(Some(closed), closed));
    }
}
