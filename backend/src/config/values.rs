//! Value types several configuration sections share. In a module of their own, below
//! `config.rs` and beside the sections, so that a section in `config/` can use them without
//! importing its parent (`tests/layers.rs` refuses that cycle).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A per-customer rate: `per_hour` sustained, `burst` at once. Its default (`impl Default`, in
/// `config.rs`) is the case-creation limit's.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    /// Sustained case creations per customer per hour.
    pub per_hour: u32,
    /// How many may be created at once before the hourly rate applies.
    pub burst: u32,
}

/// A secret string that never shows in logs or debug output.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}
