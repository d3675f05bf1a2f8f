//! The request log tests use for call-count assertions.

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    pub status: u16,
    /// The request's `X-Request-Id` header, when it sent one (the portal sends its own
    /// request id), so a test can tell which portal request made which call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Every request the emulator answered (admin routes excepted), oldest first.
#[derive(Clone, Default)]
pub struct RequestLog {
    entries: Arc<Mutex<Vec<LoggedRequest>>>,
    arrivals: Arc<Arrivals>,
}

/// The `X-Request-Id`s of requests as they arrive, before any fault delays them: so a test can
/// act while a given request is still in progress.
#[derive(Default)]
struct Arrivals {
    request_ids: Mutex<Vec<String>>,
    changed: tokio::sync::Notify,
}

impl RequestLog {
    pub(crate) fn push(&self, entry: LoggedRequest) {
        self.lock().push(entry);
    }

    pub(crate) fn arrived(&self, request_id: Option<&str>) {
        if let Some(id) = request_id {
            self.arrival_ids().push(id.to_owned());
            self.arrivals.changed.notify_waiters();
        }
    }

    fn arrival_ids(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.arrivals
            .request_ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Resolves once a request carrying `X-Request-Id: request_id` has arrived (since the last
    /// [`RequestLog::clear`]), answered or not: e.g. a call held back by `latency_ms`.
    pub async fn arrival_of(&self, request_id: &str) {
        loop {
            let changed = self.arrivals.changed.notified();
            let mut changed = std::pin::pin!(changed);
            // Registered before the check, so an arrival between the two is not missed.
            changed.as_mut().enable();
            if self.arrival_ids().iter().any(|id| id == request_id) {
                return;
            }
            changed.await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<LoggedRequest>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn entries(&self) -> Vec<LoggedRequest> {
        self.lock().clone()
    }

    pub fn clear(&self) {
        self.lock().clear();
        self.arrival_ids().clear();
    }

    /// How many requests used `method` on a path starting with `path_prefix`.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        self.lock()
            .iter()
            .filter(|e| e.method.eq_ignore_ascii_case(method) && e.path.starts_with(path_prefix))
            .count()
    }
}
