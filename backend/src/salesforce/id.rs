//! Salesforce record ids: 15-character case-sensitive or 18-character case-safe.
//!
//! Ids arrive from URLs, so they are parsed once here; everything past the routes holds a
//! [`SalesforceId`], always in its 18-character form, so two spellings of one record compare equal.

use std::fmt;

const SUFFIX_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SalesforceId(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a Salesforce id")]
pub struct InvalidId;

impl SalesforceId {
    /// Accepts a 15- or 18-character id; an 18-character one must carry the right checksum.
    pub fn parse(s: &str) -> Result<Self, InvalidId> {
        if !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(InvalidId);
        }
        match s.len() {
            15 => Ok(Self(format!("{s}{}", checksum(s)))),
            18 => {
                let (body, suffix) = s.split_at(15);
                // The suffix is case-insensitive in Salesforce; compare in upper case.
                if suffix.eq_ignore_ascii_case(&checksum(body)) {
                    Ok(Self(format!("{body}{}", suffix.to_ascii_uppercase())))
                } else {
                    Err(InvalidId)
                }
            }
            _ => Err(InvalidId),
        }
    }

    /// A fresh id with the given three-character key prefix (`500` for Case, ...).
    pub fn generate(prefix: &str) -> Self {
        use rand::Rng;
        let mut rng = rand::rng();
        let mut body = String::with_capacity(15);
        body.push_str(prefix);
        // Salesforce pads with a pod identifier and zeros; the mock only needs uniqueness.
        body.push_str("Pt");
        while body.len() < 15 {
            body.push(BASE62[rng.random_range(0..BASE62.len())] as char);
        }
        let suffix = checksum(&body);
        Self(body + &suffix)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn key_prefix(&self) -> &str {
        &self.0[..3]
    }
}

fn checksum(body15: &str) -> String {
    body15
        .as_bytes()
        .chunks(5)
        .map(|chunk| {
            let bits = chunk
                .iter()
                .enumerate()
                .filter(|(_, b)| b.is_ascii_uppercase())
                .fold(0usize, |acc, (i, _)| acc | (1 << i));
            SUFFIX_ALPHABET[bits] as char
        })
        .collect()
}

impl TryFrom<String> for SalesforceId {
    type Error = InvalidId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<SalesforceId> for String {
    fn from(id: SalesforceId) -> Self {
        id.0
    }
}

impl fmt::Display for SalesforceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SalesforceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SalesforceId({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_character_ids_gain_the_documented_checksum() {
        // Example from Salesforce's documentation of case-safe ids.
        let id = SalesforceId::parse("001A0000006Vm9r").unwrap();
        assert_eq!(id.as_str(), "001A0000006Vm9rIAC");
    }

    #[test]
    fn eighteen_character_ids_are_checked() {
        assert!(SalesforceId::parse("001A0000006Vm9rIAC").is_ok());
        assert_eq!(
            SalesforceId::parse("001a0000006vm9riac").unwrap_err(),
            InvalidId
        );
        assert_eq!(SalesforceId::parse("001A0000006Vm9rXXX"), Err(InvalidId));
        assert_eq!(SalesforceId::parse("../../etc/passwd"), Err(InvalidId));
        assert_eq!(SalesforceId::parse(""), Err(InvalidId));
    }

    #[test]
    fn generated_ids_round_trip() {
        for _ in 0..100 {
            let id = SalesforceId::generate("500");
            assert_eq!(id.key_prefix(), "500");
            assert_eq!(SalesforceId::parse(id.as_str()).unwrap(), id);
        }
    }
}
