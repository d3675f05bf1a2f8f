//! Salesforce's datetime wire format: `2025-03-15T10:22:33.000+0000`.
//!
//! chrono's RFC 3339 parser rejects the colon-less offset, so records use this module through
//! `#[serde(with = ...)]`. Output is always UTC with milliseconds, exactly as Salesforce writes it.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Deserializer, Serializer};

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3f%z";

pub fn parse(s: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::<FixedOffset>::parse_from_str(s, FORMAT)
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .map(|dt| dt.with_timezone(&Utc))
}

pub fn format(dt: &DateTime<Utc>) -> String {
    dt.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

pub fn serialize<S: Serializer>(dt: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(dt))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let raw = String::deserialize(d)?;
    parse(&raw).map_err(serde::de::Error::custom)
}

pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(dt: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match dt {
            Some(dt) => s.serialize_str(&super::format(dt)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|raw| super::parse(&raw).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_wire_format() {
        let dt = parse("2025-03-15T10:22:33.000+0000").unwrap();
        assert_eq!(dt.to_rfc3339(), "2025-03-15T10:22:33+00:00");
        assert_eq!(format(&dt), "2025-03-15T10:22:33.000+0000");
    }

    #[test]
    fn normalises_other_offsets_to_utc() {
        let dt = parse("2025-03-15T12:22:33.500+0200").unwrap();
        assert_eq!(format(&dt), "2025-03-15T10:22:33.500+0000");
    }
}
