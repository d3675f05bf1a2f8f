//! Where an account's list version comes from, for the page memo.

use std::sync::Arc;

use super::cache::{CachedPort, Lease};
use crate::salesforce::SalesforceId;

/// Where an account's list version comes from: what tells a kept page that its data changed.
pub(crate) enum Versions {
    /// Data kept in this process (the mock store), which counts each account's writes.
    Local(Box<dyn Fn(&SalesforceId) -> u64 + Send + Sync>),
    /// A Salesforce org behind the cache: the account's generation, and leases on entries.
    Cached(Arc<CachedPort>),
}

impl Versions {
    pub(super) fn list_version(&self, account: &SalesforceId) -> Option<u64> {
        match self {
            Self::Local(version) => Some(version(account)),
            Self::Cached(cache) => cache.list_version(account),
        }
    }

    pub(super) fn lease_fresh(&self, lease: &Lease) -> bool {
        match self {
            // Only the cache hands out leases.
            Self::Local(_) => false,
            Self::Cached(cache) => cache.lease_fresh(lease),
        }
    }

    pub(super) fn prune(&self) {
        if let Self::Cached(cache) = self {
            cache.prune();
        }
    }

    pub(super) fn is_remote(&self) -> bool {
        matches!(self, Self::Cached(_))
    }
}
