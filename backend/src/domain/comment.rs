//! A case comment's text, and the line the portal writes above a customer's reply.
//!
//! Salesforce records every comment the portal writes as created by the integration user, and a
//! CaseComment can have no custom fields, so the portal says who wrote it in the comment itself:
//! a first line `[portal:<contact id>:<reference>]` above the customer's text (decision 017).
//! The reference is derived from the request's `Idempotency-Key`, so a retry finds the comment
//! it already made instead of writing a second one.

use serde::Deserialize;

use salesforce_client::SalesforceId;

use super::text::{TextError, TextRule, text_schema};

/// Salesforce's CaseComment.CommentBody limit.
pub const COMMENT_BODY_MAX_CHARS: usize = 4_000;
/// The longest reply a customer can send: the body limit less room for the marker line
/// ([`MARKER_LEN`], with a margin).
pub const COMMENT_MAX_CHARS: usize = 3_950;
/// Hexadecimal digits of a marker's reference.
pub const REF_LEN: usize = 16;
/// `[portal:` + 18-character id + `:` + reference + `]` + line break.
pub const MARKER_LEN: usize = 8 + 18 + 1 + REF_LEN + 1 + 1;

const _: () = assert!(COMMENT_MAX_CHARS + MARKER_LEN <= COMMENT_BODY_MAX_CHARS);

/// A reply that passed validation: 1-3,950 characters as sent, not blank, line breaks and tabs kept,
/// no other control characters. Stored trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct CommentBody(String);

impl TryFrom<String> for CommentBody {
    type Error = &'static str;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl CommentBody {
    pub const RULE: TextRule = TextRule {
        max_chars: COMMENT_MAX_CHARS,
        required: true,
        multiline: true,
    };

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match Self::RULE.check(raw) {
            Ok(()) => Ok(Self(raw.trim().to_owned())),
            Err(TextError::Blank) => Err("Write a reply."),
            Err(TextError::TooLong) => Err("The reply can be at most 3,950 characters."),
            Err(TextError::ControlCharacter) => Err("The reply cannot contain control characters."),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_schema!(
    CommentBody,
    CommentBody::RULE,
    "Plain text, 1-3,950 characters, not only white space; line breaks and tabs are kept, other \
     control characters refused. Stored trimmed."
);

/// Who a portal-written comment says wrote it, and the request that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub contact_id: SalesforceId,
    pub reference: String,
}

impl Marker {
    /// The comment body as stored: the marker line, then the customer's text.
    pub fn stored_body(&self, text: &CommentBody) -> String {
        format!(
            "[portal:{}:{}]\n{}",
            self.contact_id.as_str(),
            self.reference,
            text.as_str()
        )
    }

    /// The marker of a stored body and the text under it, if its first line is one. Anything
    /// else (an agent's comment) is `None`.
    pub fn parse(stored: &str) -> Option<(Self, &str)> {
        let rest = stored.strip_prefix("[portal:")?;
        let (line, text) = rest.split_once('\n')?;
        let inner = line.strip_suffix(']')?;
        let (id, reference) = inner.split_once(':')?;
        if id.len() != 18
            || reference.len() != REF_LEN
            || !reference
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        let contact_id = SalesforceId::parse(id).ok()?;
        Some((
            Self {
                contact_id,
                reference: reference.to_owned(),
            },
            text,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_is_trimmed_bounded_and_keeps_line_breaks() {
        assert_eq!(
            CommentBody::parse("  hi\n there\t ").unwrap().as_str(),
            "hi\n there"
        );
        assert!(CommentBody::parse(" \n\t ").is_err());
        assert!(CommentBody::parse(&"é".repeat(COMMENT_MAX_CHARS)).is_ok());
        assert!(CommentBody::parse(&"é".repeat(COMMENT_MAX_CHARS + 1)).is_err());
        assert!(CommentBody::parse("bell\u{7}").is_err());
        assert!(CommentBody::parse("nul\u{0}x").is_err());
    }

    #[test]
    fn markers_round_trip_and_fit_the_body_limit() {
        let marker = Marker {
            contact_id: SalesforceId::parse("003Dn000O6V0xBhIIJ").unwrap(),
            reference: "0123456789abcdef".into(),
        };
        let text = CommentBody::parse(&"x".repeat(COMMENT_MAX_CHARS)).unwrap();
        let stored = marker.stored_body(&text);
        assert!(stored.chars().count() <= COMMENT_BODY_MAX_CHARS);
        let (parsed, rest) = Marker::parse(&stored).unwrap();
        assert_eq!(parsed, marker);
        assert_eq!(rest, text.as_str());
    }

    #[test]
    fn only_a_well_formed_first_line_is_a_marker() {
        for body in [
            "Thanks, we are on it.",
            "[portal:003Dn000O6V0xBhIIJ:0123456789abcdef] no line break",
            "[portal:003Dn000O6V0xBhIIJ:0123456789ABCDEF]\nupper case ref",
            "[portal:not-an-id-at-all-xx:0123456789abcdef]\nbad id",
            "hello\n[portal:003Dn000O6V0xBhIIJ:0123456789abcdef]\nsecond line",
        ] {
            assert!(Marker::parse(body).is_none(), "{body}");
        }
    }
}
