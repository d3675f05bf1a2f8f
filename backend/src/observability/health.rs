//! Readiness probes: what `/readyz` asks of a dependency, whichever adapter it is.

use async_trait::async_trait;

/// A dependency `/readyz` checks: the mock store, or the Salesforce org through its adapter and
/// the layers around it.
#[async_trait]
pub trait Probe: Send + Sync {
    /// Can this dependency serve requests now? The error says why not (logged, never shown).
    async fn check_ready(&self) -> anyhow::Result<()>;

    /// Named states for `/readyz` (the circuit, the cache's kind, the token...).
    fn diagnostics(&self) -> Vec<Diagnostic> {
        Vec::new()
    }
}

/// One named state a dependency reports in `/readyz`, as `salesforce_{name}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub name: &'static str,
    pub state: String,
    /// Whether this state means Salesforce cannot be used now (an open circuit, a failed token
    /// request), as opposed to a plain fact such as the cache's kind. The adapter that names
    /// the state says so, so `/readyz` need not know every adapter's words.
    pub failing: bool,
}
