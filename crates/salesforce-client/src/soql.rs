//! SOQL literals that no input can break out of.
//!
//! Build queries with `format!` from these functions only: every value goes through a quoting
//! function, every field or object name through [`ident`]. The escapes are the ones Salesforce
//! documents for quoted strings: `\'`, `\"`, `\\`, `\n`, `\r`, `\t`, `\f`, `\uXXXX`, and in LIKE
//! patterns `\%` and `\_`.
//!
//! ```
//! use salesforce_client::soql;
//! let q = format!(
//!     "SELECT Id FROM Case WHERE AccountId = {} AND Subject LIKE {}",
//!     soql::id("001D000000IRFmaIAH").unwrap(),
//!     soql::like_contains("100% o'clock"),
//! );
//! assert_eq!(
//!     q,
//!     r"SELECT Id FROM Case WHERE AccountId = '001D000000IRFmaIAH' AND Subject LIKE '%100\% o\'clock%'"
//! );
//! ```

use chrono::{DateTime, NaiveDate, Utc};

use crate::id::{InvalidId, SalesforceId};

/// A quoted string literal for `=`, `!=`, `IN`, ...: `O'Brien` becomes `'O\'Brien'`.
pub fn quote_str(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    escape_into(&mut out, value, false);
    out.push('\'');
    out
}

/// A quoted LIKE pattern that matches `value` exactly: `%` and `_` lose their wildcard meaning.
pub fn quote_like(value: &str) -> String {
    like(value, "", "")
}

/// A LIKE pattern matching strings that contain `value`.
pub fn like_contains(value: &str) -> String {
    like(value, "%", "%")
}

/// A LIKE pattern matching strings that start with `value`.
pub fn like_starts_with(value: &str) -> String {
    like(value, "", "%")
}

/// A LIKE pattern matching strings that end with `value`.
pub fn like_ends_with(value: &str) -> String {
    like(value, "%", "")
}

fn like(value: &str, before: &str, after: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    out.push('\'');
    out.push_str(before);
    escape_into(&mut out, value, true);
    out.push_str(after);
    out.push('\'');
    out
}

fn escape_into(out: &mut String, value: &str, like: bool) {
    for c in value.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0C}' => out.push_str("\\f"),
            '%' if like => out.push_str("\\%"),
            '_' if like => out.push_str("\\_"),
            // Other control characters would reach the parser raw; spell them out instead.
            c if c.is_control() && (c as u32) <= 0xFFFF => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
}

/// A quoted id literal; refuses anything that is not a well-formed 15- or 18-character id.
pub fn id(value: &str) -> Result<String, InvalidId> {
    SalesforceId::parse(value).map(|id| id_literal(&id))
}

/// The quoted literal of an already parsed id.
pub fn id_literal(id: &SalesforceId) -> String {
    format!("'{}'", id.as_str())
}

/// `('a','b')` for `IN`; `None` when there is nothing to match (`IN ()` is a syntax error).
pub fn quote_list<I, S>(values: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let items: Vec<String> = values.into_iter().map(|v| quote_str(v.as_ref())).collect();
    (!items.is_empty()).then(|| format!("({})", items.join(",")))
}

/// A dateTime literal in UTC to the second: `2025-03-15T10:22:33Z` (dateTime literals are not
/// quoted).
pub fn datetime(value: &DateTime<Utc>) -> String {
    value.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A date literal: `2025-03-15`.
pub fn date(value: NaiveDate) -> String {
    value.format("%Y-%m-%d").to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Salesforce API name: {0:?}")]
pub struct InvalidIdentifier(pub String);

/// Checks a field, relationship path or object API name (`Account.Name`, `Portal_Request_Id__c`)
/// before it goes into a query or a URL: letters, digits and underscores, starting with a letter,
/// segments separated by dots.
pub fn ident(name: &str) -> Result<&str, InvalidIdentifier> {
    let valid = !name.is_empty()
        && name.len() <= 255
        && name.split('.').all(|segment| {
            let mut chars = segment.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    if valid {
        Ok(name)
    } else {
        Err(InvalidIdentifier(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a quoted literal back the way SOQL's lexer does; returns the value and what follows
    /// the closing quote. Used to prove that nothing escapes the literal.
    fn unquote(literal: &str) -> (String, &str) {
        let mut chars = literal.char_indices();
        assert_eq!(chars.next().map(|(_, c)| c), Some('\''));
        let mut value = String::new();
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' => return (value, &literal[i + 1..]),
                '\\' => {
                    let (_, e) = chars.next().expect("dangling backslash");
                    match e {
                        'n' => value.push('\n'),
                        'r' => value.push('\r'),
                        't' => value.push('\t'),
                        'f' => value.push('\u{0C}'),
                        'u' => {
                            let hex: String = (0..4).map(|_| chars.next().unwrap().1).collect();
                            value.push(
                                char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap(),
                            );
                        }
                        '\'' | '"' | '\\' | '%' | '_' => value.push(e),
                        other => panic!("undocumented escape \\{other}"),
                    }
                }
                c => {
                    assert!(
                        !c.is_control() || c == '\u{7f}' || (c as u32) > 0xFFFF,
                        "raw control {c:?}"
                    );
                    value.push(c);
                }
            }
        }
        panic!("unterminated literal: {literal}");
    }

    const HOSTILE: &[&str] = &[
        "O'Brien",
        "' OR Name != '",
        "\\' OR Id != null --",
        "back\\slash\\",
        "\\",
        "'",
        "''",
        "\"double\"",
        "line\nbreak\r\n\ttab",
        "null\u{0}byte\u{7}bell\u{8}bs\u{c}ff",
        "unicode: é ü 日本 🚀 \u{2028}",
        "%_ wild % cards _",
        "x') OR (Name LIKE '%",
    ];

    #[test]
    fn quoted_strings_round_trip_and_never_end_early() {
        for input in HOSTILE {
            let literal = quote_str(input);
            let (value, rest) = unquote(&literal);
            assert_eq!(&value, input, "{literal}");
            assert_eq!(rest, "", "literal of {input:?} ended early: {literal}");
        }
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(quote_like("100%_done"), r"'100\%\_done'");
        assert_eq!(like_contains("a'b"), r"'%a\'b%'");
        assert_eq!(like_starts_with("Ter%"), r"'Ter\%%'");
        assert_eq!(like_ends_with("_x"), r"'%\_x'");
        for input in HOSTILE {
            let literal = quote_like(input);
            let (value, rest) = unquote(&literal);
            assert_eq!(&value, input);
            assert_eq!(rest, "");
            // No unescaped wildcard survives.
            let body = &literal[1..literal.len() - 1];
            let mut escaped = false;
            for c in body.chars() {
                assert!(
                    escaped || (c != '%' && c != '_'),
                    "raw wildcard in {literal}"
                );
                escaped = !escaped && c == '\\';
            }
        }
    }

    #[test]
    fn simple_escapes() {
        assert_eq!(quote_str("O'Brien"), r"'O\'Brien'");
        assert_eq!(quote_str(r"a\b"), r"'a\\b'");
        assert_eq!(quote_str("a\nb"), r"'a\nb'");
        assert_eq!(quote_str("\u{0}"), r"'\u0000'");
        assert_eq!(quote_str("日本"), "'日本'");
    }

    #[test]
    fn id_literals_validate() {
        assert_eq!(id("001D000000IRFma").unwrap(), "'001D000000IRFmaIAH'");
        assert!(id("001D000000IRFma' OR Id != '").is_err());
        assert!(id("").is_err());
        assert!(id("001D000000IRFmaIAX").is_err());
    }

    #[test]
    fn lists_datetimes_dates_and_identifiers() {
        assert_eq!(quote_list(["a", "b'c"]).unwrap(), r"('a','b\'c')");
        assert_eq!(quote_list(Vec::<String>::new()), None);
        let dt = DateTime::parse_from_rfc3339("2025-03-15T12:22:33.456+02:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(datetime(&dt), "2025-03-15T10:22:33Z");
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2025, 3, 5).unwrap()),
            "2025-03-05"
        );
        assert!(ident("Portal_Request_Id__c").is_ok());
        assert!(ident("Account.Owner.Name").is_ok());
        for bad in [
            "",
            "Name, (SELECT Id FROM Users)",
            "Id--",
            "1abc",
            "a..b",
            "Na me",
            "Name'",
        ] {
            assert!(ident(bad).is_err(), "{bad:?}");
        }
    }
}
