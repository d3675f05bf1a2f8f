//! Whether a request was answered from stale data: served from the cache past its TTL because
//! Salesforce failed, so the response can say the data may be out of date.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

tokio::task_local! {
    /// Set for the span of one request: the age in seconds of the oldest stale value served.
    static STALE_AGE: Cell<Option<u64>>;
}

/// Tracks whether a request was answered from stale data.
pub struct Freshness;

impl Freshness {
    /// Runs `f` and returns its output with the age of the stalest value it was served.
    pub async fn track<F: Future>(f: F) -> (F::Output, Option<u64>) {
        STALE_AGE
            .scope(Cell::new(None), async move {
                let out = f.await;
                (out, STALE_AGE.with(Cell::get))
            })
            .await
    }

    pub(super) fn mark(age: Duration) {
        let _ = STALE_AGE.try_with(|cell| {
            let age = age.as_secs();
            cell.set(Some(cell.get().map_or(age, |a| a.max(age))));
        });
    }
}
