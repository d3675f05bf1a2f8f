//! `[passwords]`: password self-service for local sign-in (issue 14, decision 032): the new
//! password policy, the reset link's lifetime, and the limits on asking for one.

use serde::{Deserialize, Serialize};

use super::values::RateLimitConfig;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordsConfig {
    /// The fewest characters a new password may have (8-128).
    pub min_length: usize,
    /// How long a reset link works, in seconds (1-86400).
    pub reset_ttl_secs: u64,
    /// Reset requests per email address (known or not: the answer must not tell).
    pub reset_per_email: RateLimitConfig,
    /// Reset requests per client address.
    pub reset_per_client: RateLimitConfig,
}

/// The most characters a password may have (argon2 takes anything; this bounds the work).
pub const MAX_PASSWORD_CHARS: usize = 1024;

impl Default for PasswordsConfig {
    fn default() -> Self {
        Self {
            min_length: 12,
            reset_ttl_secs: 1800,
            reset_per_email: RateLimitConfig {
                per_hour: 3,
                burst: 3,
            },
            reset_per_client: RateLimitConfig {
                per_hour: 20,
                burst: 10,
            },
        }
    }
}

impl PasswordsConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !(8..=128).contains(&self.min_length) {
            return Err("passwords.min_length must be between 8 and 128".into());
        }
        if !(1..=86_400).contains(&self.reset_ttl_secs) {
            return Err("passwords.reset_ttl_secs must be between 1 and 86400".into());
        }
        for (name, limit) in [
            ("reset_per_email", &self.reset_per_email),
            ("reset_per_client", &self.reset_per_client),
        ] {
            if limit.per_hour == 0 || limit.burst == 0 {
                return Err(format!(
                    "passwords.{name}.per_hour and passwords.{name}.burst must be at least 1"
                ));
            }
        }
        Ok(())
    }
}
