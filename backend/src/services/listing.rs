//! What the list services share: the page a client asked for, and the cursor that continues it,
//! bound to the query that made it.

use std::future::Future;

use crate::domain::paging::{self, Keyset, Page, PageSize, SearchText, Sort, SortField};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::salesforce::PortResult;

/// One page of a list as the client asked for it (parsed by the HTTP layer, which also
/// describes it in the OpenAPI document). Compared as values, for the page memo.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest<F> {
    pub limit: PageSize,
    /// `next_cursor` of the previous page, as sent.
    pub cursor: Option<String>,
    pub search: SearchText,
    pub sort: Sort<F>,
}

/// The first page in the list's default order.
impl<F: SortField> Default for PageRequest<F> {
    fn default() -> Self {
        Self {
            limit: PageSize::default(),
            cursor: None,
            search: SearchText::default(),
            sort: Sort::default(),
        }
    }
}

/// A page of a list in one fixed order (a case's conversation, "My products"): only its size
/// and where it continues.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CursorPage {
    pub limit: PageSize,
    /// `next_cursor` of the previous page, as sent.
    pub cursor: Option<String>,
}

/// A page of results and the cursor for the next one.
pub struct Listed<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<F: SortField> PageRequest<F> {
    /// Reads the page through `fetch`, given the position it starts after (the cursor, checked
    /// against this query and `filter`), and gives the cursor that continues it.
    pub async fn read<T, Fut>(
        &self,
        filter: &str,
        fetch: impl FnOnce(Option<Keyset>) -> Fut,
    ) -> ApiResult<Listed<T>>
    where
        Fut: Future<Output = PortResult<Page<T>>>,
    {
        let after = self
            .after(filter)
            .map_err(|e| ApiError::Validation(vec![e]))?;
        let found = fetch(after).await?;
        Ok(Listed {
            next_cursor: self.next_cursor(filter, found.next),
            items: found.items,
        })
    }

    /// The position the page starts after: the cursor decoded, if it was made for this same
    /// sort, `filter` and search (a cursor replayed against another query would skip rows).
    fn after(&self, filter: &str) -> Result<Option<Keyset>, FieldError> {
        let Some(cursor) = &self.cursor else {
            return Ok(None);
        };
        paging::decode_cursor(cursor, &self.sort.spelling(), &self.bound_to(filter))
            .map(Some)
            .map_err(|err| FieldError::new("cursor", err.to_string()))
    }

    /// The cursor that continues after `next`, bound to this query.
    fn next_cursor(&self, filter: &str, next: Option<Keyset>) -> Option<String> {
        next.map(|k| paging::encode_cursor(&self.sort.spelling(), &self.bound_to(filter), k))
    }

    /// What a cursor is bound to besides its sort: the filters of the query that made it.
    fn bound_to(&self, filter: &str) -> String {
        format!("{filter};q={}", self.search.get().unwrap_or_default())
    }
}
