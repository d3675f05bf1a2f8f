use chrono::{NaiveDate, TimeZone, Utc};

use super::ast::LikePart;
use super::*;
use crate::soql_like::like_matches;

fn field(s: &str) -> Vec<String> {
    s.split('.').map(str::to_owned).collect()
}

fn where_of(q: &str) -> Expr {
    parse(q).expect("parses").filter.expect("has WHERE")
}

#[test]
fn select_list_with_parent_relationships_and_count() {
    let q = parse("SELECT Id, ContentDocument.Title, ContentDocument.LatestPublishedVersion.VersionData FROM ContentDocumentLink").unwrap();
    assert_eq!(q.from, "ContentDocumentLink");
    let names: Vec<Vec<String>> = q
        .select
        .iter()
        .map(|s| match s {
            SelectItem::Field(f) => f.parts.clone(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        vec![
            field("Id"),
            field("ContentDocument.Title"),
            field("ContentDocument.LatestPublishedVersion.VersionData")
        ]
    );
    assert_eq!(
        parse("select count() from Case").unwrap().select,
        vec![SelectItem::CountAll]
    );
    match &parse("SELECT COUNT(Id) n FROM Case").unwrap().select[0] {
        SelectItem::CountField { field, alias } => {
            assert_eq!(field.parts, vec!["Id"]);
            assert_eq!(alias.as_deref(), Some("n"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn keywords_are_case_insensitive() {
    let q = parse("select Id from Case where Status = 'New' order by CreatedDate desc nulls last limit 5 offset 10").unwrap();
    assert_eq!(q.limit, Some(5));
    assert_eq!(q.offset, Some(10));
    assert!(q.order_by[0].descending);
    assert!(!q.order_by[0].nulls_first);
}

#[test]
fn comparison_operators() {
    for (op, want) in [
        ("=", CmpOp::Eq),
        ("!=", CmpOp::Ne),
        ("<>", CmpOp::Ne),
        ("<", CmpOp::Lt),
        ("<=", CmpOp::Le),
        (">", CmpOp::Gt),
        (">=", CmpOp::Ge),
    ] {
        match where_of(&format!("SELECT Id FROM Case WHERE ContentSize {op} 10")) {
            Expr::Compare { op, value, .. } => {
                assert_eq!(op, want);
                assert_eq!(value, Literal::Number(10.0));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn and_or_not_and_parentheses() {
    let e = where_of(
        "SELECT Id FROM Case WHERE (Status = 'New' OR Status = 'Working') AND NOT IsClosed = true AND Priority != null",
    );
    let Expr::And(terms) = e else {
        panic!("expected AND")
    };
    assert_eq!(terms.len(), 3);
    assert!(matches!(&terms[0], Expr::Or(x) if x.len() == 2));
    assert!(matches!(&terms[1], Expr::Not(_)));
    assert!(matches!(
        &terms[2],
        Expr::Compare {
            value: Literal::Null,
            op: CmpOp::Ne,
            ..
        }
    ));
    assert!(matches!(
        where_of("SELECT Id FROM Case WHERE NOT (Status = 'New' OR Status = 'Closed')"),
        Expr::Not(inner) if matches!(*inner, Expr::Or(_))
    ));
}

#[test]
fn mixing_and_with_or_needs_parentheses() {
    let err =
        parse("SELECT Id FROM Case WHERE Status = 'New' AND Priority = 'High' OR IsClosed = true")
            .unwrap_err();
    assert_eq!(err.code, "MALFORMED_QUERY");
    assert!(err.detail.contains("OR"), "{}", err.detail);
}

#[test]
fn in_and_not_in() {
    match where_of("SELECT Id FROM Case WHERE Status IN ('New', 'Working')") {
        Expr::In {
            negated, values, ..
        } => {
            assert!(!negated);
            assert_eq!(
                values,
                vec![
                    Literal::String("New".into()),
                    Literal::String("Working".into())
                ]
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(
        where_of("SELECT Id FROM Case WHERE Status NOT IN ('Closed')"),
        Expr::In { negated: true, .. }
    ));
}

#[test]
fn literals_booleans_null_numbers_dates() {
    let lit = |q: &str| match where_of(q) {
        Expr::Compare { value, .. } => value,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(
        lit("SELECT Id FROM Case WHERE IsClosed = TRUE"),
        Literal::Bool(true)
    );
    assert_eq!(
        lit("SELECT Id FROM Case WHERE IsClosed = false"),
        Literal::Bool(false)
    );
    assert_eq!(
        lit("SELECT Id FROM Case WHERE ClosedDate = NULL"),
        Literal::Null
    );
    assert_eq!(
        lit("SELECT Id FROM Case WHERE ContentSize > -1.5"),
        Literal::Number(-1.5)
    );
    assert_eq!(
        lit("SELECT Id FROM Case WHERE CreatedDate >= 2025-01-01T00:00:00Z"),
        Literal::DateTime(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap())
    );
    assert_eq!(
        lit("SELECT Id FROM Case WHERE CreatedDate < 2025-01-01T02:00:00.000+02:00"),
        Literal::DateTime(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap())
    );
    assert_eq!(
        lit("SELECT Id FROM Case WHERE CloseDate = 2025-03-31"),
        Literal::Date(NaiveDate::from_ymd_opt(2025, 3, 31).unwrap())
    );
}

#[test]
fn string_escapes() {
    let lit = |q: &str| match where_of(q) {
        Expr::Compare {
            value: Literal::String(s),
            ..
        } => s,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(
        lit(r"SELECT Id FROM Case WHERE Subject = 'O\'Brien'"),
        "O'Brien"
    );
    assert_eq!(lit(r"SELECT Id FROM Case WHERE Subject = 'a\\b'"), r"a\b");
    assert_eq!(
        lit(r"SELECT Id FROM Case WHERE Subject = 'line\nnext\ttab'"),
        "line\nnext\ttab"
    );
    assert_eq!(
        lit(r#"SELECT Id FROM Case WHERE Subject = 'say \"hi\"'"#),
        "say \"hi\""
    );
    assert_eq!(
        lit(r"SELECT Id FROM Case WHERE Subject = '\u00e9t\u00E9'"),
        "été"
    );
    let err = parse(r"SELECT Id FROM Case WHERE Subject = 'bad \q'").unwrap_err();
    assert_eq!(err.code, "MALFORMED_QUERY");
    let err = parse("SELECT Id FROM Case WHERE Subject = 'unterminated").unwrap_err();
    assert_eq!(err.code, "MALFORMED_QUERY");
}

#[test]
fn injection_attempts_stay_literals() {
    // A properly escaped quote is part of the value: the OR never becomes syntax.
    match where_of(r"SELECT Id FROM Case WHERE Subject = 'x\' OR Subject != \''") {
        Expr::Compare {
            value: Literal::String(s),
            ..
        } => assert_eq!(s, "x' OR Subject != '"),
        other => panic!("unexpected {other:?}"),
    }
    // An unescaped quote ends the literal and what follows is a syntax error, not a filter.
    assert!(parse("SELECT Id FROM Case WHERE Subject = 'x' OR '1'='1'").is_err());
    assert!(parse("SELECT Id FROM Case WHERE Subject = 'x'; DELETE FROM Case").is_err());
    assert!(parse("SELECT Id FROM Case WHERE Subject = 'x' -- comment").is_err());
}

#[test]
fn like_patterns_and_matching() {
    let pattern = |q: &str| match where_of(q) {
        Expr::Like { pattern, .. } => pattern,
        other => panic!("unexpected {other:?}"),
    };
    let p = pattern("SELECT Id FROM Case WHERE Subject LIKE '%vpn_client%'");
    assert!(like_matches(&p, "The VPN-client crashes"));
    assert!(like_matches(&p, "vpn client"));
    assert!(!like_matches(&p, "vpnclient"));
    let p = pattern(r"SELECT Id FROM Case WHERE Subject LIKE '100\%'");
    assert_eq!(p.last(), Some(&LikePart::Char('%')));
    assert!(like_matches(&p, "100%"));
    assert!(!like_matches(&p, "1000"));
    let p = pattern(r"SELECT Id FROM Case WHERE Subject LIKE 'a\_b%'");
    assert!(like_matches(&p, "A_Bcd"));
    assert!(!like_matches(&p, "axb"));
}

#[test]
fn offset_is_capped_at_2000() {
    assert!(parse("SELECT Id FROM Case OFFSET 2000").is_ok());
    let err = parse("SELECT Id FROM Case OFFSET 2001").unwrap_err();
    assert_eq!(err.code, "NUMBER_OUTSIDE_VALID_RANGE");
}

#[test]
fn malformed_queries() {
    for q in [
        "",
        "SELECT",
        "SELECT Id",
        "SELECT Id FROM",
        "SELECT FROM Case",
        "SELECT Id, FROM Case",
        "SELECT Id FROM Case WHERE",
        "SELECT Id FROM Case WHERE Status",
        "SELECT Id FROM Case WHERE Status = ",
        "SELECT Id FROM Case WHERE Status IN ()",
        "SELECT Id FROM Case LIMIT x",
        "SELECT Id FROM Case ORDER Id",
        "SELECT Id FROM Case WHERE Status = :status",
        "SELECT Id FROM Case GROUP BY Status",
        "SELECT Id, (SELECT Id FROM Cases) FROM Account",
        "SELECT COUNT(), Id FROM Case",
        "SELECT Id FROM Case WHERE Subject = \"double\"",
    ] {
        let err = parse(q).expect_err(q);
        assert_eq!(err.code, "MALFORMED_QUERY", "{q}: {err:?}");
    }
}

#[test]
fn error_message_points_at_the_column() {
    let q = "SELECT Id FROM Case WHERE";
    let err = parse(q).unwrap_err();
    let msg = err.message(q);
    assert!(msg.contains("ERROR at Row:1:Column:26"), "{msg}");
    assert!(msg.contains("unexpected token: <EOF>"), "{msg}");
}
