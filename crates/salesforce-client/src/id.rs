//! Salesforce record ids, checked before they go into a URL or a SOQL literal.
//!
//! The one place the id format and its case-safe checksum are written: the client, the portal
//! and the emulator all hold a [`SalesforceId`].

use std::fmt;

const CHECKSUM_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A record id: 15 case-sensitive characters or 18 with the case-safe checksum suffix.
/// Always held in its 18-character form, so two spellings of one record compare equal.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SalesforceId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Salesforce record id (15 or 18 letters and digits with a valid checksum)")]
pub struct InvalidId;

impl SalesforceId {
    /// Accepts a 15- or 18-character id; an 18-character one must carry the right checksum
    /// (in either case, as Salesforce accepts it).
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

    /// A fresh random id whose 15-character body starts with `prefix`: the three-character key
    /// prefix (`500` for Case, ...), optionally followed by more (a pod part such as `Dn000`).
    ///
    /// # Panics
    ///
    /// If `prefix` is longer than 15 characters or not all ASCII letters and digits.
    pub fn generate(prefix: &str) -> Self {
        use rand::Rng;
        let mut rng = rand::rng();
        Self::from_bytes(
            prefix,
            std::iter::repeat_with(|| rng.random_range(0..BASE62.len() as u8)),
        )
        .expect("an id prefix of at most 15 letters and digits")
    }

    /// A stable id whose 15-character body is `prefix` followed by one letter or digit per
    /// byte of `bytes` (taken modulo 62), for ids derived from a hash of something.
    /// Fails if `prefix` is not letters and digits, or prefix and bytes give fewer than 15.
    pub fn from_bytes(
        prefix: &str,
        bytes: impl IntoIterator<Item = u8>,
    ) -> Result<Self, InvalidId> {
        let mut body = String::with_capacity(18);
        body.push_str(prefix);
        body.extend(
            bytes
                .into_iter()
                .take(15usize.saturating_sub(prefix.len()))
                .map(|b| char::from(BASE62[usize::from(b) % BASE62.len()])),
        );
        Self::parse(&body)
    }

    /// The 18-character form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 15-character case-sensitive form.
    pub fn as_15(&self) -> &str {
        &self.0[..15]
    }

    /// The three characters that name the object (`001` Account, `500` Case, ...).
    pub fn key_prefix(&self) -> &str {
        &self.0[..3]
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

impl std::str::FromStr for SalesforceId {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
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

impl<'de> serde::Deserialize<'de> for SalesforceId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for SalesforceId {
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
        let id = SalesforceId::parse("001D000000IRFma").unwrap();
        assert_eq!(id.as_str(), "001D000000IRFmaIAH");
        assert_eq!(id.as_15(), "001D000000IRFma");
        assert_eq!(id.key_prefix(), "001");
        assert_eq!(id, SalesforceId::parse("001D000000IRFmaIAH").unwrap());
        assert_eq!(id, SalesforceId::parse("001D000000IRFmaiah").unwrap());
        assert_eq!(
            SalesforceId::parse("001A0000006Vm9r").unwrap().as_str(),
            "001A0000006Vm9rIAC"
        );
    }

    #[test]
    fn checksum_matches_the_emulator_fixture_ids() {
        for (id15, id18) in [
            ("500Dn000IMIULBM", "500Dn000IMIULBMIY5"),
            ("001Dn000V58wd0M", "001Dn000V58wd0MIIQ"),
        ] {
            assert_eq!(SalesforceId::parse(id15).unwrap().as_str(), id18);
            assert_eq!(SalesforceId::parse(id18).unwrap().as_15(), id15);
        }
        assert_eq!(
            SalesforceId::parse("500Dn000IMIULBMiy5").unwrap().as_str(),
            "500Dn000IMIULBMIY5"
        );
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
            "001a0000006vm9riac",
            "500Dn000IMIULBMXXX",
            "x' OR ''='",
            "../../etc/passwd",
        ] {
            assert_eq!(SalesforceId::parse(bad), Err(InvalidId), "{bad:?}");
        }
    }

    #[test]
    fn generated_ids_are_valid() {
        for prefix in ["500", "01gDn000"] {
            for _ in 0..100 {
                let id = SalesforceId::generate(prefix);
                assert_eq!(id.as_str().len(), 18);
                assert!(id.as_str().starts_with(prefix), "{id:?}");
                assert_eq!(id.key_prefix(), &prefix[..3]);
                assert_eq!(SalesforceId::parse(id.as_str()).unwrap(), id);
            }
        }
        assert_ne!(SalesforceId::generate("500"), SalesforceId::generate("500"));
    }

    #[test]
    fn ids_from_bytes_are_stable_and_checked() {
        let a = SalesforceId::from_bytes("005Dn000", [0, 61, 62, 10, 36, 200, 7]).unwrap();
        assert_eq!(a.as_15(), "005Dn0000z0AaE7");
        assert_eq!(SalesforceId::parse(a.as_str()).unwrap(), a);
        assert_eq!(SalesforceId::from_bytes("005", [1; 5]), Err(InvalidId));
        assert_eq!(SalesforceId::from_bytes("00'", [1; 12]), Err(InvalidId));
    }

    #[test]
    fn strings_and_serde_parse_and_reject() {
        let id: SalesforceId = "001D000000IRFma".parse().unwrap();
        assert_eq!(id.to_string(), "001D000000IRFmaIAH");
        assert_eq!(format!("{id:?}"), "SalesforceId(001D000000IRFmaIAH)");
        assert_eq!(String::from(id.clone()), "001D000000IRFmaIAH");
        assert_eq!(
            SalesforceId::try_from("001D000000IRFma".to_owned()),
            Ok(id.clone())
        );
        assert_eq!(SalesforceId::try_from("nope".to_owned()), Err(InvalidId));
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            r#""001D000000IRFmaIAH""#
        );
        let back: SalesforceId = serde_json::from_str(r#""001D000000IRFmaiah""#).unwrap();
        assert_eq!(back, id);
        assert!(serde_json::from_str::<SalesforceId>(r#""001D000000IRFmaIAX""#).is_err());
        assert!(serde_json::from_str::<SalesforceId>("12").is_err());
    }
}
