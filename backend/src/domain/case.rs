//! Cases: the portal's stable vocabulary, and the one place Salesforce picklists are mapped.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A case's status as the API reports it. Salesforce orgs customise the Status picklist;
/// [`CaseStatus::from_salesforce`] is the single mapping from picklist values to this enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
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
    /// Maps a Salesforce Status picklist value. Values this table does not know fall back on
    /// `IsClosed`, so a custom status never makes a case disappear or look wrongly open.
    pub fn from_salesforce(value: &str, is_closed: bool) -> Self {
        match value.trim().to_ascii_lowercase().as_str() {
            "new" => Self::New,
            "working" | "in progress" => Self::InProgress,
            "waiting on customer" | "pending customer" => Self::WaitingOnCustomer,
            "escalated" => Self::Escalated,
            "on hold" => Self::OnHold,
            "closed" => Self::Closed,
            _ if is_closed => Self::Closed,
            _ => Self::InProgress,
        }
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Medium,
    High,
}

impl Priority {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "low" => Some(Self::Low),
            "medium" => Some(Self::Medium),
            "high" => Some(Self::High),
            _ => None,
        }
    }

    pub fn from_salesforce(value: &str) -> Self {
        match value.trim().to_ascii_lowercase().as_str() {
            "low" => Self::Low,
            "high" | "critical" | "urgent" => Self::High,
            _ => Self::Medium,
        }
    }

    pub fn to_salesforce(self) -> &'static str {
        match self {
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
        }
    }

    pub fn rank(self) -> i64 {
        match self {
            Self::Low => 0,
            Self::Medium => 1,
            Self::High => 2,
        }
    }
}

/// Salesforce's Case.Subject limit.
pub const SUBJECT_MAX_CHARS: usize = 255;
/// Salesforce's Case.Description limit (a 32 KB long text area).
pub const DESCRIPTION_MAX_CHARS: usize = 32_000;

/// A subject that passed validation: trimmed, 1-255 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSubject(String);

impl CaseSubject {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("Enter a subject.");
        }
        if trimmed.chars().count() > SUBJECT_MAX_CHARS {
            return Err("The subject can be at most 255 characters.");
        }
        if trimmed.chars().any(char::is_control) {
            return Err(
                "The subject cannot contain control characters such as tabs or line breaks.",
            );
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A description that passed validation: 1-32,000 characters, not only white space. Line breaks
/// and tabs are kept; other control characters are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDescription(String);

impl CaseDescription {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.trim().is_empty() {
            return Err("Enter a description.");
        }
        if raw.chars().count() > DESCRIPTION_MAX_CHARS {
            return Err("The description can be at most 32,000 characters.");
        }
        if raw
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err("The description cannot contain control characters.");
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

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
