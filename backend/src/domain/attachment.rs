//! Files customers attach to cases: which kinds the portal takes (decided by the file's bytes,
//! never its name or declared type) and the names they are stored under.

/// A kind of file the portal can recognise by its content.
#[derive(Debug, PartialEq, Eq)]
pub struct FileKind {
    /// The MIME type, as configured in `attachments.allowed_types` and served on download.
    pub mime: &'static str,
    /// The extensions a file of this kind is named with; the first is added to a name that
    /// has none of them.
    pub extensions: &'static [&'static str],
}

/// Every kind [`detect`] recognises. The download's `Content-Type` comes from the stored
/// name's extension, which an upload makes one of its kind's (a unit test checks that each
/// extension maps back to its kind's type).
pub const KINDS: &[FileKind] = &[
    FileKind {
        mime: "application/pdf",
        extensions: &["pdf"],
    },
    FileKind {
        mime: "image/png",
        extensions: &["png"],
    },
    FileKind {
        mime: "image/jpeg",
        extensions: &["jpg", "jpeg"],
    },
    FileKind {
        mime: "image/gif",
        extensions: &["gif"],
    },
    FileKind {
        mime: "image/webp",
        extensions: &["webp"],
    },
    FileKind {
        mime: "text/plain",
        extensions: &["txt"],
    },
    FileKind {
        mime: "text/csv",
        extensions: &["csv"],
    },
    FileKind {
        mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        extensions: &["docx"],
    },
    FileKind {
        mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        extensions: &["xlsx"],
    },
    FileKind {
        mime: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        extensions: &["pptx"],
    },
    FileKind {
        mime: "application/zip",
        extensions: &["zip"],
    },
];

/// How many bytes of a file [`detect`] looks at (Office documents name their parts within
/// the first few kilobytes of the zip).
pub const SNIFF_BYTES: usize = 16 * 1024;

/// The longest stored name, in characters.
pub const MAX_NAME_CHARS: usize = 120;

/// The kind with this MIME type, if the portal knows it.
pub fn kind(mime: &str) -> Option<&'static FileKind> {
    KINDS.iter().find(|k| k.mime.eq_ignore_ascii_case(mime))
}

/// What the file is, from its first bytes (`head`, up to [`SNIFF_BYTES`]). Binary formats by
/// their signatures; text only when the bytes are UTF-8 without control characters, and then
/// CSV when the name says so (the one thing a name decides: both are plain text to any
/// program). `None`: a kind the portal does not recognise.
pub fn detect(head: &[u8], name: &str) -> Option<&'static FileKind> {
    if let Some(found) = infer::get(head) {
        return kind(found.mime_type());
    }
    if !is_text(head) {
        return None;
    }
    let csv = extension(name).is_some_and(|e| e == "csv");
    kind(if csv { "text/csv" } else { "text/plain" })
}

/// UTF-8 (a character cut at the end of `head` allowed) with no control characters but tab,
/// line breaks and form feed.
fn is_text(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let valid = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(err) if err.error_len().is_none() => {
            std::str::from_utf8(&head[..err.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    !valid.is_empty()
        && valid
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
}

/// The lower-case extension of a name, if it has one.
fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// A file name safe to store, show and send back in `Content-Disposition`, whatever the
/// client sent: no folders (either separator), no control or bidirectional-override
/// characters, none of the characters Windows refuses, no leading or trailing dots or spaces,
/// not a name Windows reserves for a device, at most [`MAX_NAME_CHARS`] characters with the
/// extension kept, and named for its kind (`kind`'s extension added when it has none of
/// them, so a PNG sent as `photo.pdf` is stored as `photo.pdf.png`). Never empty.
pub fn sanitise_file_name(raw: &str, kind: &FileKind) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .map(|c| {
            if matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let mut name = cleaned
        .trim_matches(|c: char| c.is_whitespace() || c == '.')
        .to_owned();
    if name.is_empty() {
        name = "attachment".into();
    }
    let stem = name.split('.').next().unwrap_or_default().trim_end();
    if is_windows_reserved(stem) {
        name.insert(0, '_');
    }
    let named_for_kind = extension(&name).is_some_and(|e| kind.extensions.contains(&e.as_str()));
    let (stem, ext) = if named_for_kind {
        let (stem, ext) = name.rsplit_once('.').expect("has an extension");
        (stem.to_owned(), ext.to_owned())
    } else {
        (name, kind.extensions[0].to_owned())
    };
    let room = MAX_NAME_CHARS - ext.chars().count() - 1;
    let stem: String = stem.chars().take(room).collect();
    format!("{}.{ext}", stem.trim_end_matches(['.', ' ']))
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn is_windows_reserved(stem: &str) -> bool {
    let upper = stem.to_ascii_uppercase();
    matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.len() == 4
            && upper.as_bytes()[3].is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf() -> &'static FileKind {
        kind("application/pdf").unwrap()
    }

    #[test]
    fn kinds_are_told_by_their_bytes_not_their_names() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(detect(png, "report.pdf").unwrap().mime, "image/png");
        assert_eq!(
            detect(b"%PDF-1.7\n", "x.png").unwrap().mime,
            "application/pdf"
        );
        assert_eq!(
            detect(b"\xFF\xD8\xFF\xE0\0\x10JFIF", "a").unwrap().mime,
            "image/jpeg"
        );
        assert_eq!(detect(b"GIF89a\x01\0", "a").unwrap().mime, "image/gif");
        assert_eq!(detect(b"a,b\n1,2\n", "data.CSV").unwrap().mime, "text/csv");
        assert_eq!(
            detect("héllo\r\n".as_bytes(), "a.csv.exe").unwrap().mime,
            "text/plain"
        );
        // An executable, whatever it is called, and binary junk are not recognised.
        assert_eq!(detect(b"MZ\x90\0\x03\0\0\0\x04\0", "notes.txt"), None);
        assert_eq!(detect(b"\x7FELF\x02\x01\x01", "a.txt"), None);
        assert_eq!(detect(b"text\0with a nul", "a.txt"), None);
        assert_eq!(detect(b"", "a.txt"), None);
        // A character cut at the end of the sniffed head is still text.
        assert_eq!(
            detect(&"aé".as_bytes()[..2], "a").unwrap().mime,
            "text/plain"
        );
    }

    #[test]
    fn every_kind_downloads_with_its_own_type() {
        for kind in KINDS {
            for ext in kind.extensions {
                let guessed = mime_guess::from_ext(ext).first().unwrap();
                assert_eq!(guessed.essence_str(), kind.mime, "{ext}");
            }
        }
    }

    #[test]
    fn names_are_made_safe() {
        let cases = [
            ("../../etc/passwd", "passwd.pdf"),
            ("C:\\Users\\me\\report.pdf", "report.pdf"),
            ("re\u{202E}fdp.exe", "refdp.exe.pdf"),
            ("a<b>c:d\"e|f?g*.pdf", "a_b_c_d_e_f_g_.pdf"),
            ("  ..hidden.pdf.. ", "hidden.pdf"),
            ("line\r\nbreak.pdf", "linebreak.pdf"),
            ("CON.pdf", "_CON.pdf"),
            ("lpt1", "_lpt1.pdf"),
            ("", "attachment.pdf"),
            ("...", "attachment.pdf"),
            ("Überweisung März.PDF", "Überweisung März.PDF"),
        ];
        for (raw, safe) in cases {
            assert_eq!(sanitise_file_name(raw, pdf()), safe, "{raw:?}");
        }
        let long = format!("{}.pdf", "x".repeat(500));
        let name = sanitise_file_name(&long, pdf());
        assert_eq!(name.chars().count(), MAX_NAME_CHARS);
        assert!(name.ends_with("x.pdf"));
        let jpeg = kind("image/jpeg").unwrap();
        assert_eq!(sanitise_file_name("photo.JPEG", jpeg), "photo.JPEG");
        assert_eq!(sanitise_file_name("photo.png", jpeg), "photo.png.jpg");
    }
}
