//! `[notifications]`: mails to customers when an agent replies on their case or its status
//! changes (issue 14, decision 034). Off unless enabled; sends through `[smtp]`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotificationsConfig {
    /// Whether this instance polls for agent activity and mails the cases' contacts.
    pub enabled: bool,
    /// Seconds between polls. Each poll is two Salesforce queries in Salesforce mode.
    pub poll_secs: u64,
    /// How far each poll reaches back before the last change it saw, for records Salesforce
    /// commits with an earlier timestamp after a poll; what it finds again is not mailed twice.
    pub overlap_secs: u64,
    /// How long a sent notification is remembered (so never sent again): past `overlap_secs`
    /// by far; 7 days by default.
    pub claim_ttl_secs: u64,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            poll_secs: 60,
            overlap_secs: 300,
            claim_ttl_secs: 7 * 24 * 3600,
        }
    }
}

impl NotificationsConfig {
    pub fn validate(&self, smtp_configured: bool) -> Result<(), String> {
        if self.poll_secs == 0 || self.poll_secs > 86_400 {
            return Err("notifications.poll_secs must be between 1 and 86400".into());
        }
        if self.overlap_secs > 86_400 {
            return Err("notifications.overlap_secs must be at most 86400".into());
        }
        if self.claim_ttl_secs <= self.overlap_secs + self.poll_secs {
            return Err(
                "notifications.claim_ttl_secs must be longer than overlap_secs + poll_secs".into(),
            );
        }
        if self.enabled && !smtp_configured {
            return Err("notifications.enabled needs an [smtp] section to send with".into());
        }
        Ok(())
    }
}
