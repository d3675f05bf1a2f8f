//! Record ids as the emulator stores them: the 18-character form of a
//! [`SalesforceId`](salesforce_client::SalesforceId), which parses and checksums them.

use salesforce_client::SalesforceId;
use sha2::{Digest, Sha256};

/// What follows the key prefix in the emulator's ids, as a pod identifier does in a real org's.
const POD: &str = "Dn000";

/// The canonical 18-character form of a 15- or 18-character id, if it is one.
pub fn normalise(id: &str) -> Option<String> {
    SalesforceId::parse(id).ok().map(String::from)
}

/// A fresh random id with the given 3-character key prefix.
pub fn generate(prefix: &str) -> String {
    SalesforceId::generate(&format!("{prefix}{POD}")).into()
}

/// A stable id derived from a seed (for users made up from the sign-in file).
pub fn derived(prefix: &str, seed: &str) -> String {
    SalesforceId::from_bytes(&format!("{prefix}{POD}"), Sha256::digest(seed.as_bytes()))
        .expect("a 3-character key prefix, the pod and a 32-byte digest make an id")
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(id.starts_with("500Dn000"));
        assert_eq!(normalise(&id).as_deref(), Some(id.as_str()));
    }

    #[test]
    fn derived_ids_are_stable_and_valid() {
        let id = derived("005", "someone@example.com");
        assert_eq!(id, derived("005", "someone@example.com"));
        assert_ne!(id, derived("005", "someone.else@example.com"));
        assert!(id.starts_with("005Dn000"));
        assert_eq!(normalise(&id).as_deref(), Some(id.as_str()));
    }
}
