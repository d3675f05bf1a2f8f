//! Salesforce record ids, checked before they go into a URL or a SOQL literal.

use std::fmt;

const CHECKSUM_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// A record id: 15 case-sensitive characters or 18 with the case-safe checksum suffix.
/// Always held in its 18-character form, so two spellings of one record compare equal.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Salesforce record id (15 or 18 letters and digits with a valid checksum)")]
pub struct InvalidId;

impl RecordId {
    pub fn parse(s: &str) -> Result<Self, InvalidId> {
        if !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(InvalidId);
        }
        match s.len() {
            15 => Ok(Self(format!("{s}{}", checksum(s)))),
            18 => {
                let (body, suffix) = s.split_at(15);
                if suffix.eq_ignore_ascii_case(&checksum(body)) {
                    Ok(Self(format!("{body}{}", suffix.to_ascii_uppercase())))
                } else {
                    Err(InvalidId)
                }
            }
            _ => Err(InvalidId),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 15-character case-sensitive form.
    pub fn as_15(&self) -> &str {
        &self.0[..15]
    }
}

/// One checksum letter per 5-character chunk: a bit per upper-case letter, read as an index.
fn checksum(body: &str) -> String {
    body.as_bytes()
        .chunks(5)
        .map(|chunk| {
            let index = chunk
                .iter()
                .enumerate()
                .filter(|(_, b)| b.is_ascii_uppercase())
                .map(|(i, _)| 1usize << i)
                .sum::<usize>();
            char::from(CHECKSUM_ALPHABET[index])
        })
        .collect()
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordId({})", self.0)
    }
}

impl std::str::FromStr for RecordId {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl<'de> serde::Deserialize<'de> for RecordId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for RecordId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_character_ids_gain_their_checksum() {
        // The pair from Salesforce's documentation of case-safe ids.
        let id = RecordId::parse("001D000000IRFma").unwrap();
        assert_eq!(id.as_str(), "001D000000IRFmaIAH");
        assert_eq!(id.as_15(), "001D000000IRFma");
        assert_eq!(id, RecordId::parse("001D000000IRFmaIAH").unwrap());
        assert_eq!(id, RecordId::parse("001D000000IRFmaiah").unwrap());
    }

    #[test]
    fn rejects_bad_ids() {
        for bad in [
            "",
            "001D000000IRFm",
            "001D000000IRFmaIAX",
            "001D000000IRFma'",
            "001D000000IRF a",
            "001D000000IRFmaIAH0",
            "001D000000IRFmé",
        ] {
            assert_eq!(RecordId::parse(bad), Err(InvalidId), "{bad:?}");
        }
    }
}
