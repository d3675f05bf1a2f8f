//! The languages the API speaks to people: the `title` and `detail` of its problem responses.
//!
//! The web app has its own catalogues for its pages (`web/src/i18n`); these are the server's,
//! for the text it writes itself. The language of a response is the signed-in customer's
//! (their profile's, carried in the session), else the best of the request's
//! `Accept-Language` the portal has, else English ([`Language::negotiate`]).
//!
//! A foundation module like `domain`: it knows nothing of HTTP or sessions, only languages and
//! texts, so that `error` (which builds problems) and `http` (which renders them) can both use it.

pub mod problems;

use std::fmt;

/// A language the portal's texts are written in: the same five as the web app's catalogues,
/// and the values of the Contact's `Portal_Language__c` (a profile's language).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    De,
    Fr,
    Es,
    Ar,
}

impl Language {
    /// Every language, English (the fallback) first.
    pub const ALL: [Language; 5] = [
        Language::En,
        Language::De,
        Language::Fr,
        Language::Es,
        Language::Ar,
    ];

    /// The language's code: its BCP 47 tag as `Content-Language` and the web app write it,
    /// `Portal_Language__c`'s value, the session's `lang`.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::De => "de",
            Self::Fr => "fr",
            Self::Es => "es",
            Self::Ar => "ar",
        }
    }

    /// The language of a code; `None` for any other value (an org's picklist may hold values
    /// the portal does not speak: read as "not chosen").
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The language of a BCP 47 tag by its primary subtag, whatever its region or script
    /// (`de-CH` is De, `es-419` Es), case-insensitively; `None` for others.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        Self::ALL
            .into_iter()
            .find(|language| primary.eq_ignore_ascii_case(language.code()))
    }

    /// The language to answer in: the session's when signed in (the customer chose it),
    /// else the first of `accept_language` (RFC 9110 §12.5.4, by quality) the portal has,
    /// else English. `*` and languages refused with `q=0` never choose.
    pub fn negotiate(session: Option<Language>, accept_language: Option<&str>) -> Self {
        if let Some(language) = session {
            return language;
        }
        accept_language
            .and_then(|header| {
                accept_language::parse_with_quality(header)
                    .into_iter()
                    .filter(|(_, quality)| *quality > 0.0)
                    .find_map(|(tag, _)| Self::from_tag(&tag))
            })
            .unwrap_or_default()
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::Language::{self, *};

    #[test]
    fn accept_language_picks_the_best_language_the_portal_has() {
        let cases: &[(&str, Language)] = &[
            ("de", De),
            ("de-CH, en;q=0.5", De),
            ("FR-ca", Fr),
            ("es-419,es;q=0.9", Es),
            ("ar-EG", Ar),
            // By quality, not by order.
            ("en;q=0.2, de;q=0.9", De),
            // The first the portal has, skipping those it lacks.
            ("nl-NL, nl;q=0.9, fr;q=0.8, en;q=0.7", Fr),
            // Nothing it has, a wildcard, nothing at all, or garbage: English.
            ("nl, pt-BR", En),
            ("*", En),
            ("", En),
            (";;;,,q=", En),
            // Refused outright.
            ("de;q=0, fr;q=0.1", Fr),
        ];
        for (header, expected) in cases {
            assert_eq!(
                Language::negotiate(None, Some(header)),
                *expected,
                "Accept-Language: {header}"
            );
        }
        assert_eq!(Language::negotiate(None, None), En);
    }

    #[test]
    fn the_session_language_wins_over_the_header() {
        assert_eq!(Language::negotiate(Some(Es), Some("de, fr")), Es);
        assert_eq!(Language::negotiate(Some(En), Some("de")), En);
    }

    #[test]
    fn tags_round_trip() {
        for language in Language::ALL {
            assert_eq!(Language::from_tag(language.code()), Some(language));
        }
        assert_eq!(Language::from_tag("pt"), None);
        assert_eq!(Language::from_tag(""), None);
    }
}
