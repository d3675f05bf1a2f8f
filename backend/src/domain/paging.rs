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

use salesforce_client::SalesforceId;

use super::text::TextRule;

pub const DEFAULT_PAGE_SIZE: usize = 25;
pub const MAX_PAGE_SIZE: usize = 100;
pub const MAX_SEARCH_CHARS: usize = 100;
/// The longest cursor accepted: far more than any this API hands out (a sort value of at most
/// a subject's 255 characters, an id and the query it is bound to, in base64).
pub const MAX_CURSOR_BYTES: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Ascending,
    Descending,
}

/// A sortable field of one resource, spelled in the API as `name` or `-name` (descending).
pub trait SortField: Copy + Eq + std::hash::Hash + Sized + 'static {
    /// The name of the sort's schema in the OpenAPI document.
    const SCHEMA_NAME: &'static str;
    const ALL: &'static [Self];
    /// The order a list has when the client chose none.
    const DEFAULT_SORT: Sort<Self>;
    fn name(self) -> &'static str;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

impl<F: SortField> Default for Sort<F> {
    fn default() -> Self {
        F::DEFAULT_SORT
    }
}

impl<F: SortField> std::str::FromStr for Sort<F> {
    type Err = String;

    /// Empty is the list's default order, as an absent parameter is.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Ok(Self::default());
        }
        Self::parse(s).ok_or_else(|| format!("Sort by one of: {}.", Self::choices()))
    }
}

/// The API's spellings of a sort, as an enum schema named after its resource (`CaseSort`).
impl<F: SortField> utoipa::PartialSchema for Sort<F> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let spellings = F::ALL.iter().flat_map(|f| {
            let name = f.name();
            [name.to_owned(), format!("-{name}")]
        });
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "Sort order: a field, ascending, or descending with a leading `-`.",
            ))
            .enum_values(Some(spellings))
            .into()
    }
}

impl<F: SortField> utoipa::ToSchema for Sort<F> {
    fn name() -> std::borrow::Cow<'static, str> {
        F::SCHEMA_NAME.into()
    }
}

/// How many rows a page holds: 1 to [`MAX_PAGE_SIZE`], [`DEFAULT_PAGE_SIZE`] unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageSize(usize);

impl PageSize {
    pub fn get(self) -> usize {
        self.0
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self(DEFAULT_PAGE_SIZE)
    }
}

/// An integer from 1 to [`MAX_PAGE_SIZE`].
impl utoipa::PartialSchema for PageSize {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .minimum(Some(1))
            .maximum(Some(MAX_PAGE_SIZE as u32))
            .into()
    }
}

impl utoipa::ToSchema for PageSize {}

impl std::str::FromStr for PageSize {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(Self(n)),
            _ => Err(format!("Use a whole number from 1 to {MAX_PAGE_SIZE}.")),
        }
    }
}

/// Text to search a list for: at most [`MAX_SEARCH_CHARS`] characters as sent, no control
/// characters; kept trimmed. Empty means no search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SearchText(Option<String>);

impl SearchText {
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl SearchText {
    /// What `q` takes; empty or blank means no search.
    pub const RULE: TextRule = TextRule {
        max_chars: MAX_SEARCH_CHARS,
        required: false,
        multiline: false,
    };
}

super::text::text_schema!(
    SearchText,
    SearchText::RULE,
    "At most 100 characters of plain text (no control characters); blank: no search."
);

impl std::str::FromStr for SearchText {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if Self::RULE.check(s).is_err() {
            return Err(format!(
                "Search for at most {MAX_SEARCH_CHARS} characters of plain text."
            ));
        }
        match s.trim() {
            "" => Ok(Self(None)),
            q => Ok(Self(Some(q.to_owned()))),
        }
    }
}

/// The value a row is sorted by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "k", content = "v", rename_all = "lowercase")]
pub enum SortValue {
    Number(i64),
    Text(String),
    Time(DateTime<Utc>),
}

/// The last row of the previous page: the next page starts strictly after it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    if raw.len() > MAX_CURSOR_BYTES {
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

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    enum F {
        A,
        B,
    }
    impl SortField for F {
        const SCHEMA_NAME: &'static str = "TestSort";
        const DEFAULT_SORT: Sort<Self> = Sort {
            field: F::A,
            direction: Direction::Ascending,
        };
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
