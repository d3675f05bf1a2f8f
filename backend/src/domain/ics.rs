//! A booking as an iCalendar file (RFC 5545), written by hand: one `VEVENT` in a `VCALENDAR`,
//! lines ended by CRLF and folded at 75 octets (never inside a UTF-8 character), TEXT values
//! escaped (`\\`, `\;`, `\,`, `\n`). Times are UTC (`...Z`), so no `VTIMEZONE` is needed.

use chrono::{DateTime, Utc};

/// What the file says about one booking.
pub struct CalendarEvent<'a> {
    /// Globally unique and stable for the booking (the same on every download).
    pub uid: &'a str,
    /// Bumped each time the booking changes (a move), so calendars replace the old copy.
    pub sequence: u32,
    pub stamp: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: &'a str,
    pub description: Option<&'a str>,
    pub cancelled: bool,
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value escaped (RFC 5545 3.3.11); a CR is dropped, a line feed becomes `\n`.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded (RFC 5545 3.1): at most 75 octets a line, a continuation starting
/// with one space, never splitting a character.
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        // The first line holds 75 octets; each continuation line 74 after its space.
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

impl CalendarEvent<'_> {
    pub fn to_ics(&self) -> String {
        let mut out = String::new();
        let mut line = |text: String| push_line(&mut out, &text);
        line("BEGIN:VCALENDAR".into());
        line("VERSION:2.0".into());
        line("PRODID:-//Customer Portal//Appointments//EN".into());
        line("CALSCALE:GREGORIAN".into());
        line(
            if self.cancelled {
                "METHOD:CANCEL"
            } else {
                "METHOD:PUBLISH"
            }
            .into(),
        );
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape_text(self.uid)));
        line(format!("SEQUENCE:{}", self.sequence));
        line(format!("DTSTAMP:{}", utc(self.stamp)));
        line(format!("DTSTART:{}", utc(self.start)));
        line(format!("DTEND:{}", utc(self.end)));
        line(format!("SUMMARY:{}", escape_text(self.summary)));
        if let Some(description) = self.description {
            line(format!("DESCRIPTION:{}", escape_text(description)));
        }
        line(
            if self.cancelled {
                "STATUS:CANCELLED"
            } else {
                "STATUS:CONFIRMED"
            }
            .into(),
        );
        line("END:VEVENT".into());
        line("END:VCALENDAR".into());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_long_lines_folded_at_75_octets() {
        assert_eq!(escape_text("a;b,c\\d\r\ne"), "a\\;b\\,c\\\\d\\ne");
        let mut out = String::new();
        let long = format!("DESCRIPTION:{}", "ä".repeat(60));
        push_line(&mut out, &long);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, long);
    }
}
