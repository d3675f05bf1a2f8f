//! Salesforce record ids: 15 case-sensitive characters plus a 3-character suffix that makes the
//! 18-character form case-insensitively unique.

use rand::Rng;

const SUFFIX_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Appends the case-safety suffix to a 15-character id.
pub fn to_18(id15: &str) -> String {
    let bytes = id15.as_bytes();
    let mut out = String::with_capacity(18);
    out.push_str(id15);
    for chunk in bytes.chunks(5) {
        let mut mask = 0usize;
        for (i, b) in chunk.iter().enumerate() {
            if b.is_ascii_uppercase() {
                mask |= 1 << i;
            }
        }
        out.push(SUFFIX_ALPHABET[mask] as char);
    }
    out
}

/// The canonical 18-character form of a 15- or 18-character id, if it looks like one.
pub fn normalise(id: &str) -> Option<String> {
    if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    match id.len() {
        15 => Some(to_18(id)),
        18 if to_18(&id[..15]).eq_ignore_ascii_case(id) => Some(to_18(&id[..15])),
        _ => None,
    }
}

/// A fresh random id with the given 3-character key prefix.
pub fn generate(prefix: &str) -> String {
    let mut rng = rand::rng();
    let mut id15 = String::from(prefix);
    id15.push_str("Dn000");
    while id15.len() < 15 {
        id15.push(BASE62[rng.random_range(0..BASE62.len())] as char);
    }
    to_18(&id15)
}

/// A stable id derived from a seed (for users made up from the sign-in file).
pub fn derived(prefix: &str, seed: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(seed.as_bytes());
    let mut id15 = String::from(prefix);
    id15.push_str("Dn000");
    for b in digest.iter() {
        if id15.len() == 15 {
            break;
        }
        id15.push(BASE62[*b as usize % BASE62.len()] as char);
    }
    to_18(&id15)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_matches_fixture_ids() {
        assert_eq!(to_18("500Dn000IMIULBM"), "500Dn000IMIULBMIY5");
        assert_eq!(to_18("001Dn000V58wd0M"), "001Dn000V58wd0MIIQ");
    }

    #[test]
    fn normalise_accepts_both_lengths() {
        assert_eq!(
            normalise("500Dn000IMIULBM").as_deref(),
            Some("500Dn000IMIULBMIY5")
        );
        assert_eq!(
            normalise("500Dn000IMIULBMiy5").as_deref(),
            Some("500Dn000IMIULBMIY5")
        );
        assert_eq!(normalise("500Dn000IMIULBMXXX"), None);
        assert_eq!(normalise("x' OR ''='"), None);
    }

    #[test]
    fn generated_ids_are_valid() {
        let id = generate("500");
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("500"));
        assert_eq!(normalise(&id).as_deref(), Some(id.as_str()));
    }
}
