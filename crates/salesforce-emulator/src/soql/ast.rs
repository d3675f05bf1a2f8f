use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub select: Vec<SelectItem>,
    pub from: String,
    pub from_offset: usize,
    pub filter: Option<Expr>,
    pub order_by: Vec<OrderItem>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    Field(FieldPath),
    /// `COUNT()` (no field): the answer is only `totalSize`.
    CountAll,
    /// `COUNT(field) [alias]`: one aggregate row.
    CountField {
        field: FieldPath,
        alias: Option<String>,
    },
}

/// A possibly dotted field reference, e.g. `ContentDocument.LatestPublishedVersion.Title`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    pub parts: Vec<String>,
    pub offset: usize,
}

impl FieldPath {
    pub fn dotted(&self) -> String {
        self.parts.join(".")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Number(f64),
    Bool(bool),
    Null,
    DateTime(DateTime<Utc>),
    Date(NaiveDate),
}

/// One piece of a LIKE pattern: escaped `\%` and `\_` stay literal characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LikePart {
    Char(char),
    AnyOne,
    AnyMany,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare {
        field: FieldPath,
        op: CmpOp,
        value: Literal,
        value_offset: usize,
    },
    In {
        field: FieldPath,
        negated: bool,
        values: Vec<Literal>,
        value_offset: usize,
    },
    Like {
        field: FieldPath,
        pattern: Vec<LikePart>,
        value_offset: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderItem {
    pub field: FieldPath,
    pub descending: bool,
    pub nulls_first: bool,
}
