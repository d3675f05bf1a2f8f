//! The queries the port answers: which of an account's cases or documents, in which order,
//! from which position, how many.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::records::{CaseRecord, DocumentRecord};
use crate::domain::case::{CaseStatus, Priority};
use crate::domain::paging::{DEFAULT_PAGE_SIZE, Direction, Keyset, Sort, SortField, SortValue};

/// Which cases a list shows, by whether they are closed. The `status` parameter of the case list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatusFilter {
    Open,
    Closed,
    #[default]
    All,
}

impl std::str::FromStr for CaseStatusFilter {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "all" => Ok(Self::All),
            "open" => Ok(Self::Open),
            "closed" => Ok(Self::Closed),
            _ => Err("Use open, closed or all."),
        }
    }
}

/// Whose turn it is on an open case: the customer's when its status is `waiting_on_customer`
/// (the agent asked something), the support team's otherwise. A closed case awaits no one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Awaiting {
    Customer,
    Agent,
}

impl Awaiting {
    pub fn of(status: CaseStatus) -> Option<Self> {
        match status {
            CaseStatus::Closed => None,
            CaseStatus::WaitingOnCustomer => Some(Self::Customer),
            _ => Some(Self::Agent),
        }
    }
}

/// The case list's `awaiting` parameter: every case, or the open ones awaiting one side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum AwaitingFilter {
    #[default]
    Any,
    Only(Awaiting),
}

impl std::str::FromStr for AwaitingFilter {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" => Ok(Self::Any),
            "customer" => Ok(Self::Only(Awaiting::Customer)),
            "agent" => Ok(Self::Only(Awaiting::Agent)),
            _ => Err("Use customer or agent."),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseSortField {
    CreatedAt,
    UpdatedAt,
    CaseNumber,
    Subject,
    Priority,
    Status,
}

impl SortField for CaseSortField {
    const SCHEMA_NAME: &'static str = "CaseSort";
    /// Newest first: the order a case list has when the customer has not chosen one.
    const DEFAULT_SORT: Sort<Self> = Sort {
        field: Self::CreatedAt,
        direction: Direction::Descending,
    };
    const ALL: &'static [Self] = &[
        Self::CreatedAt,
        Self::UpdatedAt,
        Self::CaseNumber,
        Self::Subject,
        Self::Priority,
        Self::Status,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::CreatedAt => "created_at",
            Self::UpdatedAt => "updated_at",
            Self::CaseNumber => "case_number",
            Self::Subject => "subject",
            Self::Priority => "priority",
            Self::Status => "status",
        }
    }
}

impl CaseSortField {
    /// The value a case sorts by. Text sorts ignore case; picklists sort in their business
    /// order (low < medium < high), not alphabetically.
    pub fn value_of(self, case: &CaseRecord) -> SortValue {
        match self {
            Self::CreatedAt => SortValue::Time(case.created_date),
            Self::UpdatedAt => SortValue::Time(case.last_modified_date),
            Self::CaseNumber => SortValue::Text(case.case_number.clone()),
            Self::Subject => SortValue::Text(case.subject.to_lowercase()),
            Self::Priority => SortValue::Number(Priority::from_salesforce(&case.priority).rank()),
            Self::Status => {
                SortValue::Number(CaseStatus::from_salesforce(&case.status, case.is_closed).rank())
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentSortField {
    CreatedAt,
    Title,
    Size,
}

impl SortField for DocumentSortField {
    const SCHEMA_NAME: &'static str = "DocumentSort";
    /// Newest first.
    const DEFAULT_SORT: Sort<Self> = Sort {
        field: Self::CreatedAt,
        direction: Direction::Descending,
    };
    const ALL: &'static [Self] = &[Self::CreatedAt, Self::Title, Self::Size];

    fn name(self) -> &'static str {
        match self {
            Self::CreatedAt => "created_at",
            Self::Title => "title",
            Self::Size => "size",
        }
    }
}

impl DocumentSortField {
    pub fn value_of(self, doc: &DocumentRecord) -> SortValue {
        match self {
            Self::CreatedAt => SortValue::Time(doc.created_date),
            Self::Title => SortValue::Text(doc.title.to_lowercase()),
            Self::Size => SortValue::Number(i64::try_from(doc.content_size).unwrap_or(i64::MAX)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseQuery {
    pub status: CaseStatusFilter,
    /// Only open cases awaiting this side.
    pub awaiting: AwaitingFilter,
    /// Case-insensitive match on subject or case number.
    pub search: Option<String>,
    pub sort: Sort<CaseSortField>,
    pub after: Option<Keyset>,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DocumentQuery {
    /// Case-insensitive match on the title.
    pub search: Option<String>,
    pub sort: Sort<DocumentSortField>,
    pub after: Option<Keyset>,
    pub limit: usize,
}

impl CaseQuery {
    /// The first page of every case in the default order: what the case list shows first.
    pub fn landing() -> Self {
        Self {
            status: CaseStatusFilter::All,
            awaiting: AwaitingFilter::Any,
            search: None,
            sort: Sort::default(),
            after: None,
            limit: DEFAULT_PAGE_SIZE,
        }
    }
}

impl DocumentQuery {
    /// The first page of every document in the default order.
    pub fn landing() -> Self {
        Self {
            search: None,
            sort: Sort::default(),
            after: None,
            limit: DEFAULT_PAGE_SIZE,
        }
    }
}
