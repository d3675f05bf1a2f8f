//! The system clock as Unix time, for checks made on every request (session expiry, cache
//! freshness): read straight from `SystemTime`, where `chrono::Utc::now()` also converts the
//! instant to a calendar date first.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch (0 for a clock set before it).
pub fn unix_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

/// Whole seconds since the Unix epoch.
pub fn unix_secs() -> i64 {
    unix_millis() / 1000
}
