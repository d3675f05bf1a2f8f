//! Rendered list pages (the response bodies of `GET /customer/{id}/cases` and `/documents`),
//! kept while the customer's data is unchanged: a cached read then costs a lookup instead of
//! copying and serialising 25 records.
//!
//! The key is the account, the account's list version ([`ReadPath`](super::ReadPath) asks the
//! mock store or the cache) and the query as parsed (compared as values, so spellings of one
//! query share a page and extra parameters cannot make copies), so a write to the account (a
//! new case) makes every page of it render afresh, and a page is only ever served to the
//! account it was rendered for. A page rendered from a cache entry (Salesforce mode) also
//! carries that entry's [`Lease`] and is served only while an entry fetched at that time would
//! count as fresh (its TTL, change polls vouching for it); a page rendered from stale data,
//! from several entries or (in Salesforce mode) from no entry is not kept. With the cache in
//! Redis there is no version, and pages render every time.

use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use bytes::Bytes;

use super::cache::{Lease, Sources};
use super::versions::Versions;
use crate::salesforce::SalesforceId;

/// Memory for the rendered pages of one list (a 25-item case page is about 11 KB).
const MEMO_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// The kept pages of one list, keyed by the list's parsed query `Q`.
pub struct PageMemo<Q> {
    versions: Arc<Versions>,
    /// quick_cache rather than moka, as the session cache (decision 012): looked up by every
    /// list request, and moka's bookkeeping on each read cost more than the rest of the lookup.
    pages: quick_cache::sync::Cache<MemoKey<Q>, Kept, KeptSize>,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
struct MemoKey<Q> {
    account: SalesforceId,
    /// Who the page was rendered for, when that changes what it holds (decision 031: a
    /// member's cases, anyone's own files): a page is only ever served to the same viewer.
    viewer: Box<str>,
    /// `None`: the data's source cannot tell when it changes, and the page is not kept.
    version: Option<u64>,
    query: Q,
}

/// A rendered page and, when it was rendered from a cache entry, that entry's lease.
#[derive(Clone)]
struct Kept {
    body: Bytes,
    lease: Option<Lease>,
}

/// A kept page's share of [`MEMO_MAX_BYTES`]: its body and its key.
#[derive(Clone)]
struct KeptSize;

impl<Q> quick_cache::Weighter<MemoKey<Q>, Kept> for KeptSize {
    fn weight(&self, _: &MemoKey<Q>, kept: &Kept) -> u64 {
        (kept.body.len() + std::mem::size_of::<MemoKey<Q>>() + 64) as u64
    }
}

impl<Q: Hash + Eq + Clone + Send + Sync + 'static> PageMemo<Q> {
    pub(super) fn new(versions: Arc<Versions>) -> Self {
        let pages = quick_cache::sync::Cache::with_weighter(
            (MEMO_MAX_BYTES / 12_000) as usize,
            MEMO_MAX_BYTES,
            KeptSize,
        );
        Self { versions, pages }
    }

    /// The page of `query` for the account: the kept one while the account's data is
    /// unchanged, otherwise what `render` makes of the query (kept when it can be told when it
    /// changes).
    pub async fn page<E, F>(
        &self,
        account: &SalesforceId,
        query: Q,
        render: impl FnOnce(Q) -> F,
    ) -> Result<Bytes, E>
    where
        F: Future<Output = Result<Bytes, E>>,
    {
        self.page_for(account, "", query, render).await
    }

    /// [`Self::page`] for one viewer of the account (their contact and role).
    pub async fn page_for<E, F>(
        &self,
        account: &SalesforceId,
        viewer: &str,
        query: Q,
        render: impl FnOnce(Q) -> F,
    ) -> Result<Bytes, E>
    where
        F: Future<Output = Result<Bytes, E>>,
    {
        let key = MemoKey {
            account: account.clone(),
            viewer: viewer.into(),
            version: self.versions.list_version(account),
            query,
        };
        if let Some(body) = self.kept(&key) {
            return Ok(body);
        }
        // Boxed: reading and rendering a page is a large future, which inline would make the
        // caller's future as large, to be copied (into boxes, through the layers) by every
        // request, the many answered from the memo included.
        let (body, sources) = Box::pin(Sources::track(render(key.query.clone()))).await;
        let body = body?;
        self.keep(key, body.clone(), sources);
        Ok(body)
    }

    fn kept(&self, key: &MemoKey<Q>) -> Option<Bytes> {
        key.version?;
        let kept = self.pages.get(key)?;
        let fresh = kept
            .lease
            .as_ref()
            .is_none_or(|lease| self.versions.lease_fresh(lease));
        fresh.then_some(kept.body)
    }

    /// Keeps a page rendered after a miss, unless the account's data changed in the meantime
    /// (the page may then show data of either version) or it came from stale or mixed cache
    /// entries: only a page known to match its version, and its entry's freshness, is kept.
    fn keep(&self, key: MemoKey<Q>, body: Bytes, sources: Sources) {
        let lease = match sources {
            // Fail closed: an adapter that calls Salesforce answers through its cache, which
            // hands out a lease for every read; a page without one came from a read this memo
            // cannot follow, and would otherwise be kept until the next write or poll.
            Sources::Uncached if self.versions.is_remote() => return,
            Sources::Uncached => None,
            Sources::Entry(lease) => Some(lease),
            Sources::Mixed => return,
        };
        if key.version.is_some() && self.versions.list_version(&key.account) == key.version {
            self.pages.insert(key, Kept { body, lease });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    use super::*;
    use crate::read_path::ReadPath;

    fn account(n: u8) -> SalesforceId {
        SalesforceId::parse(&format!("001Dn000V58wd0{}", char::from(b'A' + n))).unwrap()
    }

    /// Renders `query` through the memo, counting the renders.
    async fn page(memo: &PageMemo<u32>, renders: &AtomicUsize, who: u8, query: u32) -> Bytes {
        memo.page(&account(who), query, |q| async move {
            renders.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(Bytes::from(format!("page {q} of {who}")))
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn a_page_is_kept_per_account_and_query_until_the_accounts_version_changes() {
        let version = Arc::new(AtomicU64::new(0));
        let reads = {
            let version = Arc::clone(&version);
            ReadPath::local(move |_| version.load(Ordering::SeqCst))
        };
        let memo = reads.page_memo::<u32>();
        let renders = AtomicUsize::new(0);

        assert_eq!(page(&memo, &renders, 0, 1).await, "page 1 of 0");
        assert_eq!(page(&memo, &renders, 0, 1).await, "page 1 of 0");
        assert_eq!(
            renders.load(Ordering::SeqCst),
            1,
            "the second answer was kept"
        );

        assert_eq!(
            page(&memo, &renders, 1, 1).await,
            "page 1 of 1",
            "never another's page"
        );
        assert_eq!(page(&memo, &renders, 0, 2).await, "page 2 of 0");
        assert_eq!(renders.load(Ordering::SeqCst), 3);

        version.fetch_add(1, Ordering::SeqCst);
        page(&memo, &renders, 0, 1).await;
        assert_eq!(renders.load(Ordering::SeqCst), 4, "a write renders afresh");
        page(&memo, &renders, 0, 1).await;
        assert_eq!(renders.load(Ordering::SeqCst), 4);
        assert!(!reads.is_remote());
    }

    #[tokio::test]
    async fn failures_and_pages_of_a_changing_account_are_not_kept() {
        let version = Arc::new(AtomicU64::new(0));
        let reads = {
            let version = Arc::clone(&version);
            ReadPath::local(move |_| version.load(Ordering::SeqCst))
        };
        let memo = reads.page_memo::<u32>();
        let failed: Result<Bytes, &str> =
            memo.page(&account(0), 1, |_| async { Err("down") }).await;
        assert_eq!(failed, Err("down"));

        // The account is written while the page renders: the page may show either version.
        let renders = AtomicUsize::new(0);
        memo.page(&account(0), 1, |_| async {
            renders.fetch_add(1, Ordering::SeqCst);
            version.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(Bytes::from_static(b"torn"))
        })
        .await
        .unwrap();
        page(&memo, &renders, 0, 1).await;
        assert_eq!(
            renders.load(Ordering::SeqCst),
            2,
            "neither was kept from before"
        );
    }
}
