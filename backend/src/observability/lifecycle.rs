//! Where this process is in its life, as `/readyz` reports it: serving, or shutting down.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set once SIGTERM (or Ctrl-C) has arrived: from then on `/readyz` answers 503 `draining`, so
/// that load balancers and Kubernetes take the instance out while it still serves, and HTTP/1.1
/// responses carry `Connection: close`, so that proxies stop reusing its connections before its
/// listener closes (see `crate::server`).
#[derive(Debug, Default)]
pub struct Draining(AtomicBool);

impl Draining {
    pub fn start(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
