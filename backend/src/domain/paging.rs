//! Keyset paging: sorts, the position after which a page starts, and the opaque cursor.
//!
//! Keyset rather than offset paging because Salesforce caps SOQL `OFFSET` at 2,000 rows while
//! `WHERE (key, Id) > (:last_key, :last_id)` pages through any number of records, and because a
//! page boundary stays stable while new cases arrive.

use std::cmp::Ordering;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::salesforce::SalesforceId;

pub const DEFAULT_PAGE_SIZE: usize = 25;
pub const MAX_PAGE_SIZE: usize = 100;
pub const MAX_SEARCH_CHARS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

/// A sortable field of one resource, spelled in the API as `name` or `-name` (descending).
pub trait SortField: Copy + Eq + Sized + 'static {
    const ALL: &'static [Self];
    fn name(self) -> &'static str;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort<F> {
    pub field: F,
    pub direction: Direction,
}

impl<F: SortField> Sort<F> {
    pub fn parse(raw: &str) -> Option<Self> {
        let (direction, name) = match raw.strip_prefix('-') {
            Some(rest) => (Direction::Descending, rest),
            None => (Direction::Ascending, raw),
        };
        F::ALL
            .iter()
            .find(|f| f.name() == name)
            .map(|&field| Self { field, direction })
    }

    pub fn spelling(self) -> String {
        match self.direction {
            Direction::Ascending => self.field.name().to_owned(),
            Direction::Descending => format!("-{}", self.field.name()),
        }
    }

    /// The allowed spellings, for error messages and the OpenAPI document.
    pub fn choices() -> String {
        F::ALL
            .iter()
            .map(|f| format!("{0}, -{0}", f.name()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Orders two rows by (key, id) in this sort's direction; the id breaks ties so that the
    /// order is total and a keyset position is unambiguous.
    pub fn compare(
        self,
        a: (&SortValue, &SalesforceId),
        b: (&SortValue, &SalesforceId),
    ) -> Ordering {
        let ordering = a.0.cmp(b.0).then_with(|| a.1.cmp(b.1));
        match self.direction {
            Direction::Ascending => ordering,
            Direction::Descending => ordering.reverse(),
        }
    }
}

/// The value a row is sorted by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "k", content = "v", rename_all = "lowercase")]
pub enum SortValue {
    Number(i64),
    Text(String),
    Time(DateTime<Utc>),
}

/// The last row of the previous page: the next page starts strictly after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyset {
    pub value: SortValue,
    pub id: SalesforceId,
}

/// What a cursor carries. It names the sort and filters it was made for, so a cursor replayed
/// against another query is refused instead of silently skipping rows.
#[derive(Debug, Serialize, Deserialize)]
struct CursorBody {
    s: String,
    f: String,
    #[serde(flatten)]
    after: Keyset,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CursorError {
    #[error("The cursor is not valid.")]
    Malformed,
    #[error("The cursor belongs to a different sort or filter.")]
    Mismatch,
}

pub fn encode_cursor(sort: &str, filter: &str, after: Keyset) -> String {
    let body = CursorBody {
        s: sort.to_owned(),
        f: filter.to_owned(),
        after,
    };
    // Serialising plain data cannot fail.
    let json = serde_json::to_vec(&body).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

pub fn decode_cursor(raw: &str, sort: &str, filter: &str) -> Result<Keyset, CursorError> {
    if raw.len() > 1024 {
        return Err(CursorError::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(raw)
        .map_err(|_| CursorError::Malformed)?;
    let body: CursorBody = serde_json::from_slice(&bytes).map_err(|_| CursorError::Malformed)?;
    if body.s != sort || body.f != filter {
        return Err(CursorError::Mismatch);
    }
    Ok(body.after)
}

/// One page of rows, and the keyset to continue from when there are more.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Keyset>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum F {
        A,
        B,
    }
    impl SortField for F {
        const ALL: &'static [Self] = &[F::A, F::B];
        fn name(self) -> &'static str {
            match self {
                F::A => "a",
                F::B => "b",
            }
        }
    }

    #[test]
    fn sorts_parse_both_directions() {
        assert_eq!(
            Sort::<F>::parse("-b"),
            Some(Sort {
                field: F::B,
                direction: Direction::Descending
            })
        );
        assert_eq!(Sort::<F>::parse("a").unwrap().spelling(), "a");
        assert_eq!(Sort::<F>::parse("c"), None);
        assert_eq!(Sort::<F>::parse("--a"), None);
    }

    #[test]
    fn cursors_round_trip_and_refuse_other_queries() {
        let after = Keyset {
            value: SortValue::Text("x".into()),
            id: SalesforceId::parse("500000000000001").unwrap(),
        };
        let cursor = encode_cursor("-a", "q=1", after.clone());
        assert_eq!(decode_cursor(&cursor, "-a", "q=1"), Ok(after));
        assert_eq!(
            decode_cursor(&cursor, "a", "q=1"),
            Err(CursorError::Mismatch)
        );
        assert_eq!(
            decode_cursor("not*base64", "a", ""),
            Err(CursorError::Malformed)
        );
        assert_eq!(decode_cursor("e30", "a", ""), Err(CursorError::Malformed));
    }
}
