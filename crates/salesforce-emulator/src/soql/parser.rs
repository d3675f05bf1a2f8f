use chrono::{DateTime, NaiveDate, Utc};

use super::SoqlError;
use super::ast::{CmpOp, Expr, FieldPath, Literal, OrderItem, Query, SelectItem};
use super::lexer::{Tok, Token, lex};

/// The largest OFFSET Salesforce accepts.
pub const MAX_OFFSET: u64 = 2000;

const RESERVED: &[&str] = &[
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC", "DESC",
    "NULLS", "FIRST", "LAST", "LIMIT", "OFFSET", "COUNT", "TRUE", "FALSE", "NULL", "GROUP",
    "HAVING", "WITH", "INCLUDES", "EXCLUDES", "FOR", "UPDATE", "TYPEOF", "USING",
];

/// Parses one SOQL statement.
pub fn parse(input: &str) -> Result<Query, SoqlError> {
    let tokens = lex(input)?;
    let mut p = Parser { tokens, pos: 0 };
    p.query()
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos]
    }

    fn next(&mut self) -> Token {
        let t = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    fn unexpected(&self) -> SoqlError {
        let t = self.peek();
        SoqlError::malformed(format!("unexpected token: {}", t.tok.describe()), t.offset)
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.next();
            true
        } else {
            false
        }
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), SoqlError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expect(&mut self, want: &Tok) -> Result<(), SoqlError> {
        if &self.peek().tok == want {
            self.next();
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn query(&mut self) -> Result<Query, SoqlError> {
        self.expect_kw("SELECT")?;
        let select = self.select_list()?;
        self.expect_kw("FROM")?;
        let from_tok = self.peek().clone();
        let from = match &from_tok.tok {
            Tok::Ident(s) if !is_reserved(s) && !s.contains('.') => s.clone(),
            _ => return Err(self.unexpected()),
        };
        self.next();
        let filter = if self.eat_kw("WHERE") {
            Some(self.condition()?)
        } else {
            None
        };
        let mut order_by = Vec::new();
        if self.eat_kw("ORDER") {
            self.expect_kw("BY")?;
            loop {
                order_by.push(self.order_item()?);
                if self.peek().tok == Tok::Comma {
                    self.next();
                } else {
                    break;
                }
            }
        }
        let limit = if self.eat_kw("LIMIT") {
            Some(self.unsigned()?)
        } else {
            None
        };
        let offset = if self.is_kw("OFFSET") {
            let at = self.next().offset;
            let n = self.unsigned()?;
            if n > MAX_OFFSET {
                return Err(SoqlError {
                    code: "NUMBER_OUTSIDE_VALID_RANGE",
                    detail: format!("Maximum SOQL offset allowed is {MAX_OFFSET}"),
                    offset: at,
                });
            }
            Some(n)
        } else {
            None
        };
        if self.peek().tok != Tok::Eof {
            return Err(self.unexpected());
        }
        let counts = select
            .iter()
            .filter(|s| matches!(s, SelectItem::CountAll))
            .count();
        if counts > 0 && select.len() > 1 {
            return Err(SoqlError::malformed(
                "COUNT() cannot be used with other fields",
                from_tok.offset,
            ));
        }
        Ok(Query {
            select,
            from,
            from_offset: from_tok.offset,
            filter,
            order_by,
            limit,
            offset,
        })
    }

    fn select_list(&mut self) -> Result<Vec<SelectItem>, SoqlError> {
        let mut items = Vec::new();
        loop {
            if self.is_kw("COUNT") && self.tokens[self.pos + 1].tok == Tok::LParen {
                self.next();
                self.next();
                if self.peek().tok == Tok::RParen {
                    self.next();
                    items.push(SelectItem::CountAll);
                } else {
                    let field = self.field()?;
                    self.expect(&Tok::RParen)?;
                    let alias = match &self.peek().tok {
                        Tok::Ident(s) if !is_reserved(s) && !s.contains('.') => {
                            let s = s.clone();
                            self.next();
                            Some(s)
                        }
                        _ => None,
                    };
                    items.push(SelectItem::CountField { field, alias });
                }
            } else {
                items.push(SelectItem::Field(self.field()?));
            }
            if self.peek().tok == Tok::Comma {
                self.next();
            } else {
                return Ok(items);
            }
        }
    }

    fn field(&mut self) -> Result<FieldPath, SoqlError> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Ident(s) if !is_reserved(s) => {
                let parts: Vec<String> = s.split('.').map(str::to_owned).collect();
                if parts.iter().any(String::is_empty) {
                    return Err(self.unexpected());
                }
                self.next();
                Ok(FieldPath {
                    parts,
                    offset: t.offset,
                })
            }
            _ => Err(self.unexpected()),
        }
    }

    /// `a AND b AND c` or `a OR b OR c`; mixing the two needs parentheses, as in SOQL.
    fn condition(&mut self) -> Result<Expr, SoqlError> {
        let first = self.unary()?;
        let joiner = if self.is_kw("AND") {
            "AND"
        } else if self.is_kw("OR") {
            "OR"
        } else {
            return Ok(first);
        };
        let mut terms = vec![first];
        while self.eat_kw(joiner) {
            terms.push(self.unary()?);
        }
        if self.is_kw("AND") || self.is_kw("OR") {
            return Err(self.unexpected());
        }
        Ok(if joiner == "AND" {
            Expr::And(terms)
        } else {
            Expr::Or(terms)
        })
    }

    fn unary(&mut self) -> Result<Expr, SoqlError> {
        if self.eat_kw("NOT") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek().tok == Tok::LParen {
            self.next();
            let inner = self.condition()?;
            self.expect(&Tok::RParen)?;
            return Ok(inner);
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Expr, SoqlError> {
        let field = self.field()?;
        if self.eat_kw("LIKE") {
            let t = self.next();
            return match t.tok {
                Tok::Str(_, pattern) => Ok(Expr::Like {
                    field,
                    pattern,
                    value_offset: t.offset,
                }),
                _ => {
                    self.pos -= 1;
                    Err(self.unexpected())
                }
            };
        }
        let negated = if self.is_kw("NOT")
            && matches!(&self.tokens[self.pos + 1].tok, Tok::Ident(s) if s.eq_ignore_ascii_case("IN"))
        {
            self.next();
            true
        } else {
            false
        };
        if self.eat_kw("IN") {
            let value_offset = self.peek().offset;
            self.expect(&Tok::LParen)?;
            let mut values = vec![self.literal()?];
            while self.peek().tok == Tok::Comma {
                self.next();
                values.push(self.literal()?);
            }
            self.expect(&Tok::RParen)?;
            return Ok(Expr::In {
                field,
                negated,
                values,
                value_offset,
            });
        }
        if negated {
            return Err(self.unexpected());
        }
        let op = match self.peek().tok {
            Tok::Op("=") => CmpOp::Eq,
            Tok::Op("!=") => CmpOp::Ne,
            Tok::Op("<") => CmpOp::Lt,
            Tok::Op("<=") => CmpOp::Le,
            Tok::Op(">") => CmpOp::Gt,
            Tok::Op(">=") => CmpOp::Ge,
            _ => return Err(self.unexpected()),
        };
        self.next();
        let value_offset = self.peek().offset;
        let value = self.literal()?;
        Ok(Expr::Compare {
            field,
            op,
            value,
            value_offset,
        })
    }

    fn literal(&mut self) -> Result<Literal, SoqlError> {
        let t = self.peek().clone();
        let lit = match &t.tok {
            Tok::Str(s, _) => Literal::String(s.clone()),
            Tok::Ident(s) if s.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Tok::Ident(s) if s.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Tok::Ident(s) if s.eq_ignore_ascii_case("null") => Literal::Null,
            Tok::Bare(s) => parse_bare(s)
                .ok_or_else(|| SoqlError::malformed(format!("unexpected token: {s}"), t.offset))?,
            _ => return Err(self.unexpected()),
        };
        self.next();
        Ok(lit)
    }

    fn unsigned(&mut self) -> Result<u64, SoqlError> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Bare(s) if s.chars().all(|c| c.is_ascii_digit()) => {
                let n = s.parse().map_err(|_| self.unexpected())?;
                self.next();
                Ok(n)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn order_item(&mut self) -> Result<OrderItem, SoqlError> {
        let field = self.field()?;
        let descending = if self.eat_kw("DESC") {
            true
        } else {
            self.eat_kw("ASC");
            false
        };
        let nulls_first = if self.eat_kw("NULLS") {
            if self.eat_kw("FIRST") {
                true
            } else {
                self.expect_kw("LAST")?;
                false
            }
        } else {
            // Salesforce's default: nulls first ascending, last descending.
            !descending
        };
        Ok(OrderItem {
            field,
            descending,
            nulls_first,
        })
    }
}

fn is_reserved(s: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s))
}

fn parse_bare(s: &str) -> Option<Literal> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        if s.len() == 10 {
            return Some(Literal::Date(d));
        }
    }
    if s.len() > 10 && s.as_bytes().get(10) == Some(&b'T') {
        let normalised = if let Some(stripped) = s.strip_suffix('Z') {
            format!("{stripped}+00:00")
        } else {
            s.to_owned()
        };
        return DateTime::parse_from_rfc3339(&normalised)
            .ok()
            .map(|d| Literal::DateTime(d.with_timezone(&Utc)));
    }
    let valid_number = {
        let body = s.strip_prefix(['-', '+']).unwrap_or(s);
        !body.is_empty()
            && body.chars().all(|c| c.is_ascii_digit() || c == '.')
            && body.matches('.').count() <= 1
            && body.chars().any(|c| c.is_ascii_digit())
    };
    if valid_number {
        return s.parse::<f64>().ok().map(Literal::Number);
    }
    None
}
