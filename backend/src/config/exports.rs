//! `[exports]`: exporting all of an account's cases as CSV (issue 16, decision 026).

use serde::{Deserialize, Serialize};

/// The most rows one result set may be asked for (Bulk API 2.0 bounds a set by size anyway).
pub const MAX_PAGE_RECORDS: u32 = 100_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExportsConfig {
    /// Rows read from Salesforce per result set (`maxRecords`): what the portal holds in memory
    /// at once while it streams a download.
    pub page_records: u32,
    /// How long a download link lives, in seconds.
    pub link_ttl_secs: u64,
    /// How long a retried start (same Idempotency-Key) answers with the same export, in seconds.
    pub key_ttl_secs: u64,
    /// Exports a customer may start: a sustained hourly rate and a burst.
    pub rate_limit: ExportRateLimit,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExportRateLimit {
    pub per_hour: u32,
    pub burst: u32,
}

impl Default for ExportRateLimit {
    fn default() -> Self {
        Self {
            per_hour: 10,
            burst: 3,
        }
    }
}

impl Default for ExportsConfig {
    fn default() -> Self {
        Self {
            page_records: 10_000,
            link_ttl_secs: 60,
            key_ttl_secs: 24 * 60 * 60,
            rate_limit: ExportRateLimit::default(),
        }
    }
}

impl ExportsConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_PAGE_RECORDS).contains(&self.page_records) {
            return Err(format!(
                "exports.page_records must be 1 to {MAX_PAGE_RECORDS}"
            ));
        }
        if !(1..=3600).contains(&self.link_ttl_secs) {
            return Err("exports.link_ttl_secs must be 1 to 3600".into());
        }
        if self.key_ttl_secs < 60 {
            return Err("exports.key_ttl_secs must be at least 60".into());
        }
        if self.rate_limit.per_hour == 0 || self.rate_limit.burst == 0 {
            return Err("exports.rate_limit.per_hour and burst must be positive".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bounds_are_checked() {
        assert!(ExportsConfig::default().validate().is_ok());
        let zero = ExportsConfig {
            page_records: 0,
            ..ExportsConfig::default()
        };
        assert!(zero.validate().is_err());
        let long = ExportsConfig {
            link_ttl_secs: 7200,
            ..ExportsConfig::default()
        };
        assert!(long.validate().is_err());
    }
}
