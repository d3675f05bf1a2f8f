//! `[profile]`: how often a customer may change their profile (issue 14, decision 032).

use serde::{Deserialize, Serialize};

use super::values::RateLimitConfig;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProfileConfig {
    /// Profile changes per contact: `per_hour` sustained, `burst` at once. Each change is one
    /// Salesforce write.
    pub rate_limit: RateLimitConfig,
}

impl Default for ProfileConfig {
    fn default() -> Self {
        Self {
            rate_limit: RateLimitConfig {
                per_hour: 60,
                burst: 20,
            },
        }
    }
}

impl ProfileConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.rate_limit.per_hour == 0 || self.rate_limit.burst == 0 {
            return Err(
                "profile.rate_limit.per_hour and profile.rate_limit.burst must be at least 1"
                    .into(),
            );
        }
        Ok(())
    }
}
