//! `[forms]`: the dynamic case forms read from Salesforce Custom Metadata (issue 15, decision
//! 029).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FormsConfig {
    /// How long the forms read from Custom Metadata (and their compiled schemas) are reused
    /// before they are read again, in seconds (1-86400). A changed form is checked against
    /// Case again before it replaces the one in use.
    pub cache_ttl_secs: u64,
}

impl Default for FormsConfig {
    fn default() -> Self {
        Self {
            cache_ttl_secs: 300,
        }
    }
}

impl FormsConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.cache_ttl_secs == 0 || self.cache_ttl_secs > 86_400 {
            return Err("forms.cache_ttl_secs must be 1 to 86400".into());
        }
        Ok(())
    }
}
