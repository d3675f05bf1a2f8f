//! Cases: the portal's stable vocabulary, and the one place Salesforce picklists are mapped.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::text::{TextError, TextRule, text_schema};

/// A case's status as the API reports it. Salesforce orgs customise the Status picklist;
/// [`CaseStatus::from_salesforce`] is the single mapping from picklist values to this enum.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    New,
    InProgress,
    WaitingOnCustomer,
    Escalated,
    OnHold,
    Closed,
}

impl CaseStatus {
    pub const ALL: [Self; 6] = [
        Self::New,
        Self::InProgress,
        Self::WaitingOnCustomer,
        Self::Escalated,
        Self::OnHold,
        Self::Closed,
    ];

    /// Maps a Salesforce Status value with the default picklist table (the mock store's data
    /// and a standard org); see [`Picklists`] for an org's own values.
    pub fn from_salesforce(value: &str, is_closed: bool) -> Self {
        Picklists::standard().status(value, is_closed)
    }

    /// Lifecycle order, used when customers sort by status.
    pub fn rank(self) -> i64 {
        match self {
            Self::New => 0,
            Self::InProgress => 1,
            Self::WaitingOnCustomer => 2,
            Self::Escalated => 3,
            Self::OnHold => 4,
            Self::Closed => 5,
        }
    }
}

/// Priority as the API reports and accepts it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Medium,
    High,
}

impl Priority {
    /// The API's spelling (`low`, `medium`, `high`).
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "low" => Some(Self::Low),
            "medium" => Some(Self::Medium),
            "high" => Some(Self::High),
            _ => None,
        }
    }

    pub const ALL: [Self; 3] = [Self::Low, Self::Medium, Self::High];

    /// Maps a Salesforce Priority value with the default picklist table.
    pub fn from_salesforce(value: &str) -> Self {
        Picklists::standard().priority(value)
    }

    pub fn rank(self) -> i64 {
        match self {
            Self::Low => 0,
            Self::Medium => 1,
            Self::High => 2,
        }
    }
}

/// How an org's Case Status and Priority picklist values map to the API's enums: the one place
/// the mapping lives, set in configuration (`[picklists]`) for orgs with their own values.
/// Values the table does not know fall back safely: a status by `IsClosed` (so a custom status
/// never makes a case look wrongly open), a priority to medium.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Picklists {
    pub status: std::collections::BTreeMap<CaseStatus, Vec<String>>,
    /// The first value of each priority is the one new cases are created with.
    pub priority: std::collections::BTreeMap<Priority, Vec<String>>,
    /// The Status a customer's close writes: one of the `closed` values.
    #[serde(default = "default_close_status")]
    pub close_status: String,
    /// The Status a customer's reopen writes: a value of an open status.
    #[serde(default = "default_reopen_status")]
    pub reopen_status: String,
    /// The Status a customer's reply writes on a case awaiting them (`waiting_on_customer`),
    /// so it goes back to the support team's queue: a value of another open status. Empty:
    /// replies leave the status to the org's own automation.
    #[serde(default = "default_replied_status")]
    pub replied_status: String,
}

fn default_close_status() -> String {
    "Closed".into()
}

fn default_reopen_status() -> String {
    "New".into()
}

fn default_replied_status() -> String {
    "Working".into()
}

/// Values of one rank in business order, for picklist sorts against Salesforce.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub rank: i64,
    pub values: Vec<String>,
    /// Whether values unknown to the table land here: `Some(None)` all of them,
    /// `Some(Some(closed))` those of cases with that `IsClosed`.
    pub unknown_values: Option<Option<bool>>,
}

impl Default for Picklists {
    fn default() -> Self {
        let list = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
        Self {
            status: [
                (CaseStatus::New, list(&["New"])),
                (CaseStatus::InProgress, list(&["Working", "In Progress"])),
                (
                    CaseStatus::WaitingOnCustomer,
                    list(&["Waiting on Customer", "Pending Customer"]),
                ),
                (CaseStatus::Escalated, list(&["Escalated"])),
                (CaseStatus::OnHold, list(&["On Hold"])),
                (CaseStatus::Closed, list(&["Closed"])),
            ]
            .into(),
            priority: [
                (Priority::Low, list(&["Low"])),
                (Priority::Medium, list(&["Medium"])),
                (Priority::High, list(&["High", "Critical", "Urgent"])),
            ]
            .into(),
            close_status: default_close_status(),
            reopen_status: default_reopen_status(),
            replied_status: default_replied_status(),
        }
    }
}

impl Picklists {
    /// The built-in table, shared.
    pub fn standard() -> &'static Self {
        static STANDARD: std::sync::OnceLock<Picklists> = std::sync::OnceLock::new();
        STANDARD.get_or_init(Self::default)
    }

    pub fn status(&self, value: &str, is_closed: bool) -> CaseStatus {
        let value = value.trim();
        self.status
            .iter()
            .find(|(_, values)| values.iter().any(|v| v.eq_ignore_ascii_case(value)))
            .map_or(
                if is_closed {
                    CaseStatus::Closed
                } else {
                    CaseStatus::InProgress
                },
                |(status, _)| *status,
            )
    }

    pub fn priority(&self, value: &str) -> Priority {
        let value = value.trim();
        self.priority
            .iter()
            .find(|(_, values)| values.iter().any(|v| v.eq_ignore_ascii_case(value)))
            .map_or(Priority::Medium, |(priority, _)| *priority)
    }

    /// The Salesforce value a new case gets for this priority.
    pub fn priority_value(&self, priority: Priority) -> &str {
        self.priority
            .get(&priority)
            .and_then(|v| v.first())
            .map_or_else(
                || Picklists::standard().priority_value(priority),
                String::as_str,
            )
    }

    pub fn priority_buckets(&self) -> Vec<Bucket> {
        Priority::ALL
            .iter()
            .map(|p| Bucket {
                rank: p.rank(),
                values: self.priority.get(p).cloned().unwrap_or_default(),
                unknown_values: (*p == Priority::Medium).then_some(None),
            })
            .collect()
    }

    pub fn status_buckets(&self) -> Vec<Bucket> {
        CaseStatus::ALL
            .iter()
            .map(|s| Bucket {
                rank: s.rank(),
                values: self.status.get(s).cloned().unwrap_or_default(),
                unknown_values: match s {
                    CaseStatus::InProgress => Some(Some(false)),
                    CaseStatus::Closed => Some(Some(true)),
                    _ => None,
                },
            })
            .collect()
    }

    pub fn validate(&self) -> Result<(), String> {
        for status in CaseStatus::ALL {
            if self.status.get(&status).is_none_or(Vec::is_empty) {
                return Err(format!("picklists.status needs values for {status:?}"));
            }
        }
        for priority in Priority::ALL {
            if self.priority.get(&priority).is_none_or(Vec::is_empty) {
                return Err(format!("picklists.priority needs values for {priority:?}"));
            }
        }
        self.validate_close_and_reopen()
    }
}

impl Picklists {
    /// The close and reopen values must be listed, as a closed and an open status: a close
    /// that wrote an open value (or a reopen a closed one) would leave the case where it was.
    fn validate_close_and_reopen(&self) -> Result<(), String> {
        let listed = |value: &str| {
            self.status
                .iter()
                .find(|(_, values)| values.iter().any(|v| v.eq_ignore_ascii_case(value.trim())))
                .map(|(status, _)| *status)
        };
        if listed(&self.close_status) != Some(CaseStatus::Closed) {
            return Err(format!(
                "picklists.close_status {:?} must be one of picklists.status.closed",
                self.close_status
            ));
        }
        if !matches!(listed(&self.reopen_status), Some(status) if status != CaseStatus::Closed) {
            return Err(format!(
                "picklists.reopen_status {:?} must be a value of an open status in \
                 picklists.status (e.g. new or in_progress)",
                self.reopen_status
            ));
        }
        match listed(&self.replied_status) {
            _ if self.replied_status.trim().is_empty() => Ok(()),
            Some(status)
                if !matches!(status, CaseStatus::Closed | CaseStatus::WaitingOnCustomer) =>
            {
                Ok(())
            }
            _ => Err(format!(
                "picklists.replied_status {:?} must be empty or a value of an open status other \
                 than waiting_on_customer in picklists.status (e.g. in_progress)",
                self.replied_status
            )),
        }
    }

    /// The Status a customer's reply moves a case of `status` to, if any: only a case awaiting
    /// the customer moves, back to the support team.
    pub fn after_reply(&self, status: CaseStatus) -> Option<&str> {
        let replied = self.replied_status.trim();
        (status == CaseStatus::WaitingOnCustomer && !replied.is_empty()).then_some(replied)
    }
}

/// Salesforce's Case.Subject limit.
pub const SUBJECT_MAX_CHARS: usize = 255;
/// Salesforce's Case.Description limit (a 32 KB long text area).
pub const DESCRIPTION_MAX_CHARS: usize = 32_000;

/// A subject that passed validation: 1-255 characters as sent, not blank, no control
/// characters. Stored trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct CaseSubject(String);

impl TryFrom<String> for CaseSubject {
    type Error = &'static str;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl CaseSubject {
    pub const RULE: TextRule = TextRule {
        max_chars: SUBJECT_MAX_CHARS,
        required: true,
        multiline: false,
    };

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match Self::RULE.check(raw) {
            Ok(()) => Ok(Self(raw.trim().to_owned())),
            Err(TextError::Blank) => Err("Enter a subject."),
            Err(TextError::TooLong) => Err("The subject can be at most 255 characters."),
            Err(TextError::ControlCharacter) => {
                Err("The subject cannot contain control characters such as tabs or line breaks.")
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_schema!(
    CaseSubject,
    CaseSubject::RULE,
    "1-255 characters, not only white space, no control characters (tabs and line breaks \
     included). Stored trimmed."
);

/// A description that passed validation: 1-32,000 characters, not only white space. Line breaks
/// and tabs are kept; other control characters are refused.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct CaseDescription(String);

impl TryFrom<String> for CaseDescription {
    type Error = &'static str;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl CaseDescription {
    pub const RULE: TextRule = TextRule {
        max_chars: DESCRIPTION_MAX_CHARS,
        required: true,
        multiline: true,
    };

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match Self::RULE.check(raw) {
            Ok(()) => Ok(Self(raw.to_owned())),
            Err(TextError::Blank) => Err("Enter a description."),
            Err(TextError::TooLong) => Err("The description can be at most 32,000 characters."),
            Err(TextError::ControlCharacter) => {
                Err("The description cannot contain control characters.")
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_schema!(
    CaseDescription,
    CaseDescription::RULE,
    "1-32,000 characters, not only white space; line breaks and tabs are kept, other control \
     characters refused."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_is_trimmed_and_bounded() {
        assert_eq!(
            CaseSubject::parse("  Printer jam ").unwrap().as_str(),
            "Printer jam"
        );
        assert!(CaseSubject::parse("   ").is_err());
        assert!(CaseSubject::parse(&"é".repeat(255)).is_ok());
        assert!(CaseSubject::parse(&"é".repeat(256)).is_err());
        assert!(CaseSubject::parse("line\nbreak").is_err());
        assert!(CaseSubject::parse("nul\u{0}").is_err());
    }

    #[test]
    fn description_keeps_line_breaks_but_not_other_controls() {
        assert!(CaseDescription::parse("first\nsecond\tthird").is_ok());
        assert!(CaseDescription::parse("bell\u{7}").is_err());
        assert!(CaseDescription::parse(" \n ").is_err());
        assert!(CaseDescription::parse(&"x".repeat(32_000)).is_ok());
        assert!(CaseDescription::parse(&"x".repeat(32_001)).is_err());
    }

    #[test]
    fn close_and_reopen_values_must_be_a_closed_and_an_open_status() {
        Picklists::default().validate().unwrap();
        let with = |close: &str, reopen: &str| Picklists {
            close_status: close.into(),
            reopen_status: reopen.into(),
            ..Picklists::default()
        };
        with("closed", "Working").validate().unwrap();
        assert!(with("Working", "New").validate().is_err());
        assert!(with("Resolved", "New").validate().is_err());
        assert!(with("Closed", "Closed").validate().is_err());
        assert!(with("Closed", "Reopened").validate().is_err());
    }

    #[test]
    fn a_reply_moves_only_a_case_awaiting_the_customer() {
        let with = |replied: &str| Picklists {
            replied_status: replied.into(),
            ..Picklists::default()
        };
        let standard = Picklists::default();
        assert_eq!(
            standard.after_reply(CaseStatus::WaitingOnCustomer),
            Some("Working")
        );
        for other in [
            CaseStatus::New,
            CaseStatus::InProgress,
            CaseStatus::Escalated,
        ] {
            assert_eq!(standard.after_reply(other), None, "{other:?}");
        }
        assert_eq!(with("").after_reply(CaseStatus::WaitingOnCustomer), None);
        with("").validate().unwrap();
        with("Escalated").validate().unwrap();
        assert!(with("Pending Customer").validate().is_err());
        assert!(with("Closed").validate().is_err());
        assert!(with("Unknown").validate().is_err());
    }

    #[test]
    fn unknown_salesforce_statuses_follow_is_closed() {
        assert_eq!(
            CaseStatus::from_salesforce("Working", false),
            CaseStatus::InProgress
        );
        assert_eq!(
            CaseStatus::from_salesforce("Resolved", true),
            CaseStatus::Closed
        );
        assert_eq!(
            CaseStatus::from_salesforce("Triage", false),
            CaseStatus::InProgress
        );
    }
}
