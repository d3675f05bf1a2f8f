//! OpenID Connect sign-ins started and not yet called back (state, nonce, PKCE verifier):
//! in this process ([`memory::InMemoryPendingSignIns`]) or in Redis ([`redis::RedisPendingSignIns`]).
//!
//! Starting a sign-in needs no account, so the store is bounded: at most
//! [`PendingLimits::per_client`] from one client address (an IPv6 client counts by its /64,
//! what one host usually gets) and [`PendingLimits::total`] in all. A sign-in over either
//! bound is not kept ([`Admission`]); the entries already kept are never evicted for it, so a
//! flood cannot push out the sign-ins of customers on their way back from the provider.

pub mod memory;
pub mod redis;

use std::net::IpAddr;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::error::StoreResult;

/// How long a started sign-in may take at the provider.
pub const PENDING_TTL: Duration = Duration::from_secs(10 * 60);

/// A started sign-in, kept server-side under its state until the callback.
#[derive(Serialize, Deserialize)]
pub struct PendingSignIn {
    pub nonce: String,
    /// The PKCE code verifier.
    pub verifier: String,
    /// Where the browser goes after signing in.
    pub return_to: String,
    /// The client it counts against ([`client_key`]), freed when it is taken.
    pub client: String,
}

/// The most sign-ins kept pending at once.
#[derive(Debug, Clone, Copy)]
pub struct PendingLimits {
    /// From one client address.
    pub per_client: u32,
    /// From everyone.
    pub total: u32,
}

/// Whether a started sign-in was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Kept,
    /// Its client already has [`PendingLimits::per_client`] pending.
    ClientFull,
    /// [`PendingLimits::total`] are pending.
    Full,
}

/// The key a client's pending sign-ins are counted under: an IPv4 address, or the /64 an IPv6
/// address is in (an IPv4-mapped IPv6 address counts as its IPv4 address).
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Pending sign-ins, wherever they are kept: each lives [`PENDING_TTL`] and is taken once.
#[async_trait]
pub trait PendingSignIns: Send + Sync {
    /// Keeps `pending` under `state` unless its client (`pending.client`) or the store is at
    /// its bound. Atomic: instances putting at once never pass a bound together.
    async fn put(&self, state: &str, pending: PendingSignIn) -> StoreResult<Admission>;

    /// Removes and returns the sign-in started with `state`, unless it expired. Atomic: of two
    /// callbacks with the same state (on any instances), at most one gets it.
    async fn take(&self, state: &str) -> StoreResult<Option<PendingSignIn>>;
}

#[cfg(test)]
mod tests {
    use super::client_key;

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let key = |s: &str| client_key(s.parse().unwrap());
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff::9"), key("2001:db8:1:2:aaaa::1"));
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
    }
}
