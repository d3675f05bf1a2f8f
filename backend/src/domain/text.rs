//! The rules of the API's free-text fields, written once: each rule both checks a value and
//! describes itself as the OpenAPI schema of the field, so the document says exactly what the
//! check accepts (tested below against the schema's own pattern).
//!
//! A rule counts characters (Unicode scalar values, as JSON Schema's `maxLength` does) of the
//! text *as sent*, before any trimming: a schema cannot say "at most 255 once trimmed", and the
//! portal stores nothing longer than it was sent anyway.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// Every character Rust's `char::is_whitespace` (Unicode `White_Space`) takes, as ranges: what
/// `str::trim` removes, hence what "blank" means. Kept as data so the schema's pattern and the
/// check cannot drift apart (a test walks every character).
const WHITESPACE: &[(char, char)] = &[
    ('\u{0009}', '\u{000D}'),
    ('\u{0020}', '\u{0020}'),
    ('\u{0085}', '\u{0085}'),
    ('\u{00A0}', '\u{00A0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200A}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202F}', '\u{202F}'),
    ('\u{205F}', '\u{205F}'),
    ('\u{3000}', '\u{3000}'),
];

/// The control characters (Unicode category Cc, `char::is_control`).
const CONTROL: &[(char, char)] = &[('\u{0000}', '\u{001F}'), ('\u{007F}', '\u{009F}')];

/// Tab, line feed and carriage return: the control characters a multi-line field keeps.
const LINE_BREAKS: [char; 3] = ['\t', '\n', '\r'];

/// What a text field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// At most this many characters as sent.
    pub max_chars: usize,
    /// Must hold something besides white space.
    pub required: bool,
    /// Tabs and line breaks are kept; otherwise every control character is refused.
    pub multiline: bool,
}

/// Why a text was refused; the field's own messages say it to the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    Blank,
    TooLong,
    ControlCharacter,
}

impl TextRule {
    /// The text, if it follows the rule.
    pub fn check(&self, raw: &str) -> Result<(), TextError> {
        if raw.chars().count() > self.max_chars {
            return Err(TextError::TooLong);
        }
        if raw
            .chars()
            .any(|c| c.is_control() && !(self.multiline && LINE_BREAKS.contains(&c)))
        {
            return Err(TextError::ControlCharacter);
        }
        if self.required && raw.trim().is_empty() {
            return Err(TextError::Blank);
        }
        Ok(())
    }

    /// The ECMA-262 pattern of a text the rule takes, length aside (`maxLength` says that):
    /// no refused control character, and when required, one character that is not white space.
    /// Characters are written as `\uXXXX` escapes, read alike by every regex dialect in use.
    pub fn pattern(&self) -> String {
        let refused = self.refused_class();
        let allowed = format!("[^{refused}]*");
        if self.required {
            let blank = ranges(WHITESPACE);
            format!("^{allowed}[^{refused}{blank}]{allowed}$")
        } else {
            format!("^{allowed}$")
        }
    }

    /// The field's schema: a string, its length bounds and its pattern.
    pub fn schema(&self, description: &str) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(self.required.then_some(1))
            .max_length(Some(self.max_chars))
            .pattern(Some(self.pattern()))
            .description(Some(description))
            .into()
    }

    /// The characters the field refuses, as the inside of a character class.
    fn refused_class(&self) -> String {
        let mut class = String::new();
        for &(from, to) in CONTROL {
            let mut start = from;
            for c in from..=to {
                let kept = self.multiline && LINE_BREAKS.contains(&c);
                if kept {
                    if c > start {
                        class.push_str(&range(start, char_before(c)));
                    }
                    start = char_after(c);
                }
            }
            if start <= to {
                class.push_str(&range(start, to));
            }
        }
        class
    }
}

fn ranges(set: &[(char, char)]) -> String {
    set.iter().map(|&(from, to)| range(from, to)).collect()
}

fn range(from: char, to: char) -> String {
    if from == to {
        format!("\\u{:04X}", u32::from(from))
    } else {
        format!("\\u{:04X}-\\u{:04X}", u32::from(from), u32::from(to))
    }
}

fn char_before(c: char) -> char {
    char::from_u32(u32::from(c) - 1).expect("a control character follows another character")
}

fn char_after(c: char) -> char {
    char::from_u32(u32::from(c) + 1).expect("a control character precedes another character")
}

/// Describes a text type to the OpenAPI document by its [`TextRule`]: the schema of the field
/// is the rule that checks it.
macro_rules! text_schema {
    ($ty:ty, $rule:expr, $description:expr) => {
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $rule.schema($description)
            }
        }
        impl utoipa::ToSchema for $ty {}
    };
}

pub(crate) use text_schema;

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: [TextRule; 3] = [
        TextRule {
            max_chars: 5,
            required: true,
            multiline: false,
        },
        TextRule {
            max_chars: 5,
            required: true,
            multiline: true,
        },
        TextRule {
            max_chars: 5,
            required: false,
            multiline: true,
        },
    ];

    #[test]
    fn the_whitespace_table_is_rusts() {
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            let listed = WHITESPACE
                .iter()
                .any(|&(from, to)| (from..=to).contains(&c));
            assert_eq!(listed, c.is_whitespace(), "U+{:04X}", u32::from(c));
        }
    }

    /// The schema's pattern and length take exactly what the check takes, over texts built from
    /// every kind of character the rules tell apart.
    #[test]
    fn the_schema_says_what_the_check_does() {
        let alphabet = [
            "a", "é", "😀", " ", "\u{00A0}", "\u{3000}", "\u{FEFF}", "\t", "\n", "\r", "\u{0000}",
            "\u{001F}", "\u{007F}", "\u{0085}", "\u{009F}", "\u{200B}",
        ];
        let mut texts = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        texts.push("abcdef".into());
        texts.push(" abcde".into());
        for rule in RULES {
            let pattern = regex::Regex::new(&rule.pattern()).unwrap();
            for text in &texts {
                let by_schema = pattern.is_match(text)
                    && text.chars().count() <= rule.max_chars
                    && (!rule.required || !text.is_empty());
                assert_eq!(
                    by_schema,
                    rule.check(text).is_ok(),
                    "{rule:?} on {text:?}: pattern {}",
                    rule.pattern()
                );
            }
        }
    }

    #[test]
    fn each_refusal_has_its_reason() {
        let [single, multi, optional] = RULES;
        assert_eq!(single.check("  "), Err(TextError::Blank));
        assert_eq!(single.check("a\tb"), Err(TextError::ControlCharacter));
        assert_eq!(multi.check("a\tb"), Ok(()));
        assert_eq!(multi.check("a\u{7}b"), Err(TextError::ControlCharacter));
        assert_eq!(single.check("abcdef"), Err(TextError::TooLong));
        assert_eq!(optional.check(""), Ok(()));
        assert_eq!(single.check("éééé😀"), Ok(()), "characters, not bytes");
    }
}
