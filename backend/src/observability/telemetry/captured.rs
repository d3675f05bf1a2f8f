//! Log lines captured for tests (the unit tests here and the integration tests in
//! `backend/tests`), in the binary's own JSON format (`fmt_layer`). Set the subscriber as the
//! thread's default in a single-threaded test runtime and the server's lines land here too.

use std::io;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tracing_subscriber::layer::SubscriberExt;

use crate::config::LogFormat;

/// A log sink a test reads back: what a subscriber from [`CapturedLogs::subscriber`] writes.
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    /// A subscriber writing every event here as one JSON line, the way the binary logs.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        let writer = self.clone();
        tracing_subscriber::registry()
            .with(super::fmt_layer(LogFormat::Json, move || writer.clone()))
    }

    /// Makes tracing recheck, for every call site registered so far, whether a subscriber
    /// wants it. It caches that per call site for the whole process; with tests running in
    /// parallel, a call site another test's thread registered while this thread's subscriber
    /// was being set can stay switched off for it. Call once the subscriber is set and the
    /// server under test has started.
    pub fn recheck_call_sites(&self) {
        tracing::callsite::rebuild_interest_cache();
    }

    /// Every line so far, parsed.
    pub fn lines(&self) -> Vec<Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    /// The first line with this message; fails the test, showing every line, if there is none.
    pub fn find(&self, message: &str) -> Value {
        let lines = self.lines();
        lines
            .iter()
            .find(|event| event["message"] == message)
            .cloned()
            .unwrap_or_else(|| panic!("no line {message:?} was logged: {lines:#?}"))
    }
}
