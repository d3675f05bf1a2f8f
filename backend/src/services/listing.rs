//! Parsing the list endpoints' shared query parameters (limit, q, sort, cursor) into a query,
//! with every problem reported per field.

use std::sync::Arc;

use bytes::Bytes;

use crate::domain::paging::{
    self, DEFAULT_PAGE_SIZE, Keyset, MAX_PAGE_SIZE, MAX_SEARCH_CHARS, Sort, SortField,
};
use crate::error::FieldError;
use crate::salesforce::cache::{Lease, Sources};
use crate::salesforce::{SalesforceId, SalesforcePort};

/// The raw parameters, as strings, so that a wrong type is a field error and not a rejection.
#[derive(Debug, Default, Clone, Hash, PartialEq, Eq)]
pub struct RawListParams {
    pub limit: Option<String>,
    pub cursor: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
}

pub struct ListParams<F> {
    pub limit: usize,
    pub search: Option<String>,
    pub sort: Sort<F>,
    pub after: Option<Keyset>,
}

/// A page of results and the cursor for the next one.
pub struct Listed<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

pub fn parse<F: SortField>(
    raw: &RawListParams,
    default_sort: Sort<F>,
    filter: &str,
    errors: &mut Vec<FieldError>,
) -> Option<ListParams<F>> {
    let limit = match raw.limit.as_deref() {
        None => Some(DEFAULT_PAGE_SIZE),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Some(n),
            _ => {
                errors.push(FieldError::new(
                    "limit",
                    format!("Use a whole number from 1 to {MAX_PAGE_SIZE}."),
                ));
                None
            }
        },
    };
    let search = match raw.q.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(q) if q.chars().count() > MAX_SEARCH_CHARS || q.chars().any(char::is_control) => {
            errors.push(FieldError::new(
                "q",
                format!("Search for at most {MAX_SEARCH_CHARS} characters of plain text."),
            ));
            None
        }
        Some(q) => Some(Some(q.to_owned())),
    };
    let sort = match raw.sort.as_deref() {
        None | Some("") => Some(default_sort),
        Some(s) => Sort::parse(s).or_else(|| {
            errors.push(FieldError::new(
                "sort",
                format!("Sort by one of: {}.", Sort::<F>::choices()),
            ));
            None
        }),
    };
    let (limit, search, sort) = (limit?, search?, sort?);
    let after = match raw.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => match paging::decode_cursor(
            c,
            &sort.spelling(),
            &cursor_filter(filter, search.as_deref()),
        ) {
            Ok(after) => Some(after),
            Err(err) => {
                errors.push(FieldError::new("cursor", err.to_string()));
                return None;
            }
        },
    };
    Some(ListParams {
        limit,
        search,
        sort,
        after,
    })
}

/// What a cursor is bound to besides its sort: the filters of the query that made it.
pub fn cursor_filter(filter: &str, search: Option<&str>) -> String {
    format!("{filter};q={}", search.unwrap_or_default())
}

pub fn next_cursor<F: SortField>(
    params: &ListParams<F>,
    filter: &str,
    next: Option<Keyset>,
) -> Option<String> {
    next.map(|k| {
        paging::encode_cursor(
            &params.sort.spelling(),
            &cursor_filter(filter, params.search.as_deref()),
            k,
        )
    })
}

/// Rendered list pages (the response bodies of `GET /customer/{id}/cases` and `/documents`),
/// kept while the customer's data is unchanged: a cached read then costs a lookup instead of
/// copying and serialising 25 records. The key is the list, the account, the port's
/// [`SalesforcePort::list_version`] and the query parameters, so a write to the account
/// (a new case) makes every page of it render afresh, and a page is only ever served to the
/// account it was rendered for. A page rendered from a cache entry (Salesforce mode) also
/// carries that entry's [`Lease`] and is served only while an entry fetched at that time would
/// count as fresh ([`SalesforcePort::lease_fresh`]: its TTL, change polls vouching for it); a
/// page rendered from stale data, from several entries or (in Salesforce mode) from no entry
/// is not kept. Adapters without a version (the cache in Redis) render every time.
pub struct PageMemo {
    salesforce: Arc<dyn SalesforcePort>,
    /// quick_cache rather than moka, as the session cache (decision 012): looked up by every
    /// list request, and moka's bookkeeping on each read cost more than the rest of the lookup.
    pages: quick_cache::sync::Cache<MemoKey, Kept, KeptSize>,
}

/// A kept page's share of [`MEMO_MAX_BYTES`]: its body, its query and the rest of its key.
#[derive(Clone)]
struct KeptSize;

impl quick_cache::Weighter<MemoKey, Kept> for KeptSize {
    fn weight(&self, key: &MemoKey, kept: &Kept) -> u64 {
        (kept.body.len() + key.query.len() + 96) as u64
    }
}

/// A rendered page and, when it was rendered from a cache entry, that entry's lease.
#[derive(Clone)]
struct Kept {
    body: Bytes,
    lease: Option<Lease>,
}

/// A list request as the memo tells pages apart: the parameters as parsed (unknown ones
/// ignored, so that extra parameters cannot make copies of a page) and the list's own filter
/// (the cases' `status`). Compared as values: no key string is formatted per request.
#[derive(Debug, Default, Clone, Hash, PartialEq, Eq)]
pub struct PageQuery {
    pub params: RawListParams,
    pub filter: Option<String>,
}

impl PageQuery {
    fn len(&self) -> usize {
        let RawListParams {
            limit,
            cursor,
            q,
            sort,
        } = &self.params;
        [limit, cursor, q, sort, &self.filter]
            .into_iter()
            .map(|p| p.as_ref().map_or(0, String::len))
            .sum()
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq)]
struct MemoKey {
    list: &'static str,
    account: SalesforceId,
    /// `None`: the adapter cannot tell, and the page is not kept.
    version: Option<u64>,
    query: PageQuery,
}

/// A page the memo did not have: what to render it from, and under which key to keep it.
pub struct Unkept {
    key: Box<MemoKey>,
}

impl Unkept {
    pub fn query(&self) -> &PageQuery {
        &self.key.query
    }
}

/// Memory for rendered pages (a 25-item case page is about 11 KB): a few thousand pages.
const MEMO_MAX_BYTES: u64 = 32 * 1024 * 1024;

impl PageMemo {
    pub fn new(salesforce: Arc<dyn SalesforcePort>) -> Self {
        let pages = quick_cache::sync::Cache::with_weighter(
            (MEMO_MAX_BYTES / 12_000) as usize,
            MEMO_MAX_BYTES,
            KeptSize,
        );
        Self { salesforce, pages }
    }

    /// The page rendered for this list, account and query, if the account's data is unchanged
    /// since; otherwise (`Err`) what to render it from.
    pub fn get(
        &self,
        list: &'static str,
        account: &SalesforceId,
        query: PageQuery,
    ) -> Result<Bytes, Unkept> {
        let key = MemoKey {
            list,
            account: account.clone(),
            version: self.salesforce.list_version(account),
            query,
        };
        let kept = key
            .version
            .and_then(|_| self.pages.get(&key))
            .filter(|kept| {
                kept.lease
                    .as_ref()
                    .is_none_or(|lease| self.salesforce.lease_fresh(lease))
            });
        match kept {
            Some(kept) => Ok(kept.body),
            None => Err(Unkept { key: Box::new(key) }),
        }
    }

    /// Keeps a page rendered after `get` missed from what it was rendered from, unless the
    /// account's data changed in the meantime (the page may then show data of either version)
    /// or it came from stale or mixed cache entries: only a page known to match its version,
    /// and its entry's freshness, is kept.
    pub fn keep(&self, unkept: Unkept, body: Bytes, sources: Sources) {
        let key = unkept.key;
        let lease = match sources {
            // Fail closed: an adapter that calls Salesforce answers through its cache, which
            // hands out a lease for every read; a page without one came from a read this memo
            // cannot follow, and would otherwise be kept until the next write or poll.
            Sources::Uncached if self.salesforce.is_remote() => return,
            Sources::Uncached => None,
            Sources::Entry(lease) => Some(lease),
            Sources::Mixed => return,
        };
        if key.version.is_some() && self.salesforce.list_version(&key.account) == key.version {
            self.pages.insert(*key, Kept { body, lease });
        }
    }
}
