//! Span fields for JSON log lines, written as a JSON object straight into the span's buffer.
//!
//! The JSON log format keeps each span's fields as a JSON object in text, formatted when the
//! span opens. tracing-subscriber's own `JsonFields` builds a map of `serde_json::Value`s (one
//! allocation per field, `Debug` formatting for every value) and serialises it: for the span
//! that every request opens, that was the largest single cost of a cached read after the
//! socket work. This writes the same object directly; strings are escaped by `serde_json`.

use std::fmt;
use std::io;

use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::FormattedFields;
use tracing_subscriber::fmt::format::Writer;

/// The JSON format's span fields: `{"method":"GET","path":"/...","request_id":"..."}`.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsonSpanFields;

impl<'w> FormatFields<'w> for JsonSpanFields {
    /// The object is put together in a buffer of its own and written in one piece: the
    /// span's text starts empty, and written field by field it grew (and was copied) five or
    /// six times for each request's span.
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'w>, fields: R) -> fmt::Result {
        let mut object_text = String::with_capacity(192);
        object_text.push('{');
        let mut object = ObjectWriter::new(&mut object_text, false);
        fields.record(&mut object);
        object.result?;
        object_text.push('}');
        writer.write_str(&object_text)
    }

    /// Fields recorded after the span opened: the object is reopened (its closing brace
    /// dropped), the fields appended, and closed again.
    fn add_fields(
        &self,
        current: &'w mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        if current.fields.is_empty() {
            return self.format_fields(current.as_writer(), fields);
        }
        if !current.fields.ends_with('}') {
            return Err(fmt::Error);
        }
        current.fields.pop();
        let has_entries = current.fields.len() > 1;
        let mut object = ObjectWriter::new(&mut current.fields, has_entries);
        fields.record(&mut object);
        let result = object.result;
        current.fields.push('}');
        result
    }
}

/// Writes `"name":value` entries, comma-separated, keeping the first error.
struct ObjectWriter<'a, W: fmt::Write> {
    out: &'a mut W,
    has_entries: bool,
    result: fmt::Result,
}

impl<'a, W: fmt::Write> ObjectWriter<'a, W> {
    fn new(out: &'a mut W, has_entries: bool) -> Self {
        Self {
            out,
            has_entries,
            result: Ok(()),
        }
    }

    fn entry(&mut self, name: &str, value: impl FnOnce(&mut W) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        let written = (|| {
            if self.has_entries {
                self.out.write_char(',')?;
            }
            self.has_entries = true;
            write_json_str(self.out, name)?;
            self.out.write_char(':')?;
            value(self.out)
        })();
        self.result = written;
    }
}

impl<W: fmt::Write> Visit for ObjectWriter<'_, W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.entry(field.name(), |out| write_json_str(out, value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.entry(field.name(), |out| write!(out, "{value}"));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.entry(field.name(), |out| write!(out, "{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.entry(field.name(), |out| write!(out, "{value}"));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity: those become strings, as serde_json would refuse them.
        if value.is_finite() {
            self.entry(field.name(), |out| write!(out, "{value}"));
        } else {
            self.entry(field.name(), |out| write_json_str(out, &value.to_string()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.entry(field.name(), |out| {
            write_json_str(out, &format!("{value:?}"))
        });
    }
}

/// `value` as a JSON string, escaped by `serde_json` when it has anything to escape (request
/// ids, methods and paths seldom do: those are written as they are).
fn write_json_str(out: &mut impl fmt::Write, value: &str) -> fmt::Result {
    if !value.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.write_char('"')?;
        out.write_str(value)?;
        return out.write_char('"');
    }
    let mut adapter = FmtToIo { out };
    serde::Serializer::serialize_str(&mut serde_json::Serializer::new(&mut adapter), value)
        .map_err(|_| fmt::Error)
}

/// Lets `serde_json` (which writes to `io::Write`) write into a `fmt::Write`. It writes
/// UTF-8 text split only at ASCII boundaries (quotes, escapes), so every chunk is a `str`.
struct FmtToIo<'a, W: fmt::Write> {
    out: &'a mut W,
}

impl<W: fmt::Write> io::Write for FmtToIo<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = std::str::from_utf8(buf).map_err(io::Error::other)?;
        self.out.write_str(text).map_err(io::Error::other)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::observability::telemetry::captured::CapturedLogs;

    /// Log lines written by the binary's JSON subscriber (which uses these span fields), as
    /// parsed JSON.
    fn json_lines(work: impl FnOnce()) -> Vec<serde_json::Value> {
        let logs = CapturedLogs::default();
        tracing::subscriber::with_default(logs.subscriber(), work);
        logs.lines()
    }

    #[test]
    fn span_fields_are_a_json_object_on_every_line() {
        let lines = json_lines(|| {
            let span = tracing::info_span!(
                "request",
                method = "GET",
                path = "/a \"quoted\"\n\\path\u{1}é",
                request_id = "r-1",
                attempt = 3u64,
                delta = -2i64,
                ok = true,
                ratio = 0.5f64,
                undefined = f64::NAN,
                shown = ?Some("x"),
            );
            let _entered = span.enter();
            tracing::info!("inside");
        });
        assert_eq!(lines.len(), 1);
        let span = &lines[0]["span"];
        assert_eq!(span["name"], "request");
        assert_eq!(span["method"], "GET");
        assert_eq!(span["path"], "/a \"quoted\"\n\\path\u{1}é");
        assert_eq!(span["request_id"], "r-1");
        assert_eq!(span["attempt"], 3);
        assert_eq!(span["delta"], -2);
        assert_eq!(span["ok"], true);
        assert_eq!(span["ratio"], 0.5);
        assert_eq!(span["undefined"], "NaN");
        assert_eq!(span["shown"], "Some(\"x\")");
        assert_eq!(lines[0]["message"], "inside");
    }

    #[test]
    fn fields_recorded_later_join_the_object() {
        let lines = json_lines(|| {
            let span = tracing::info_span!(
                "request",
                request_id = "r-2",
                status = tracing::field::Empty
            );
            span.record("status", 503u64);
            let _entered = span.enter();
            tracing::info!("done");
            let empty = tracing::info_span!("bare", later = tracing::field::Empty);
            empty.record("later", "yes");
            let _inner = empty.enter();
            tracing::info!("inner");
        });
        assert_eq!(lines[0]["span"]["request_id"], "r-2");
        assert_eq!(lines[0]["span"]["status"], 503);
        assert_eq!(lines[1]["span"]["name"], "bare");
        assert_eq!(lines[1]["span"]["later"], "yes");
    }
}
