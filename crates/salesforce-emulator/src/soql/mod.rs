//! A subset of SOQL: enough to run the queries a REST integration sends, with the error codes
//! (`MALFORMED_QUERY`, `INVALID_FIELD`, `INVALID_TYPE`) Salesforce answers with.
//!
//! Parsing is purely syntactic ([`parse`]); field and object names are resolved against the
//! schema when the query runs ([`crate::store`]), as Salesforce reports them.

mod ast;
mod lexer;
mod parser;

pub use ast::{CmpOp, Expr, FieldPath, LikePart, Literal, OrderItem, Query, SelectItem};
pub use parser::parse;

/// Why a query was refused, with the column it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoqlError {
    pub code: &'static str,
    pub detail: String,
    /// Character offset into the query text.
    pub offset: usize,
}

impl SoqlError {
    pub fn malformed(detail: impl Into<String>, offset: usize) -> Self {
        Self {
            code: "MALFORMED_QUERY",
            detail: detail.into(),
            offset,
        }
    }

    pub fn invalid_field(detail: impl Into<String>, offset: usize) -> Self {
        Self {
            code: "INVALID_FIELD",
            detail: detail.into(),
            offset,
        }
    }

    pub fn invalid_type(detail: impl Into<String>, offset: usize) -> Self {
        Self {
            code: "INVALID_TYPE",
            detail: detail.into(),
            offset,
        }
    }

    /// The message as Salesforce formats it: the query, a caret under the column, the position
    /// and the reason.
    pub fn message(&self, query: &str) -> String {
        let before = &query[..self.offset.min(query.len())];
        let row = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        let line = query[line_start..].lines().next().unwrap_or("");
        format!(
            "\n{line}\n{caret:>width$}\nERROR at Row:{row}:Column:{column}\n{detail}",
            caret = "^",
            width = column,
            detail = self.detail
        )
    }
}

#[cfg(test)]
mod tests;
