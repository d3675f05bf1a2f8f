//! Which cache entries a piece of work was served from, so that what it derived (a rendered
//! page) is kept exactly as long as the entries themselves would be served.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

tokio::task_local! {
    /// Set by the page memo around the rendering of one page: the entries it was built from.
    static SOURCES: Cell<Sources>;
}

/// How a read may be answered from the cache.
#[derive(Clone, Copy)]
pub(super) struct Ttl {
    pub(super) fresh: Duration,
    /// An account's data (cases, documents): change polls can keep it fresh past `fresh`.
    pub(super) revalidated: bool,
}

impl Ttl {
    pub(super) fn plain(secs: u64) -> Self {
        Self {
            fresh: Duration::from_secs(secs),
            revalidated: false,
        }
    }

    pub(super) fn of_account(secs: u64) -> Self {
        Self {
            fresh: Duration::from_secs(secs),
            revalidated: true,
        }
    }
}

/// Which cache entry a read was answered from (its resource, when it was fetched, its TTL):
/// what is derived from the read may be used while the entry itself would be served fresh
/// ([`CachedPort::lease_fresh`](super::CachedPort::lease_fresh)).
#[derive(Clone, Copy)]
pub struct Lease {
    pub(super) resource: &'static str,
    pub(super) fetched_ms: i64,
    pub(super) ttl: Ttl,
}

/// What a piece of work (rendering one page) was served from, as far as the cache can tell.
#[derive(Clone, Copy, Default)]
pub enum Sources {
    /// No cache entry: the adapter answered itself (the mock store).
    #[default]
    Uncached,
    /// One cache entry, fresh when it was served.
    Entry(Lease),
    /// Stale data, or several entries: not to be kept.
    Mixed,
}

impl Sources {
    /// Runs `f` and returns its output with what it was served from.
    pub async fn track<F: Future>(f: F) -> (F::Output, Sources) {
        SOURCES
            .scope(Cell::new(Sources::Uncached), async move {
                let out = f.await;
                (out, SOURCES.with(Cell::get))
            })
            .await
    }

    pub(super) fn note(lease: Lease) {
        let _ = SOURCES.try_with(|cell| {
            cell.set(match cell.get() {
                Sources::Uncached => Sources::Entry(lease),
                _ => Sources::Mixed,
            });
        });
    }

    pub(super) fn spoil() {
        let _ = SOURCES.try_with(|cell| cell.set(Sources::Mixed));
    }
}
