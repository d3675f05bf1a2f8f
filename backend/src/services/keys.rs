//! Keys derived from the one configured secret, one per purpose, so a key leaked or misused in
//! one place (say, a download link) cannot forge another (a session).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

pub type HmacSha256 = Hmac<Sha256>;

pub struct Keys {
    pub session: [u8; 32],
    pub csrf: [u8; 32],
    pub download: [u8; 32],
    /// Signs the device cookies of browsers that signed in (`services::sign_in_guard`).
    pub device: [u8; 32],
}

impl Keys {
    /// Without a configured secret (development only; production refuses to start) a random
    /// one is used, so sessions and links do not survive a restart.
    pub fn derive(secret: Option<&Secret>) -> Self {
        let root: Vec<u8> = match secret {
            Some(secret) => secret.expose().as_bytes().to_vec(),
            None => {
                tracing::warn!(
                    "no auth.secret_key configured: using a random key; sessions end at restart"
                );
                rand::random::<[u8; 32]>().to_vec()
            }
        };
        Self {
            session: sign(&root, b"portal session token v1"),
            csrf: sign(&root, b"portal csrf token v1"),
            download: sign(&root, b"portal download link v1"),
            device: sign(&root, b"portal device cookie v1"),
        }
    }
}

pub fn sign(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Constant-time check of an HMAC-SHA256 tag.
pub fn verify(key: &[u8], message: &[u8], tag: &[u8]) -> bool {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.verify_slice(tag).is_ok()
}
