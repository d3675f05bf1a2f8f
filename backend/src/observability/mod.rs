//! What the portal tells its operators: metrics, logs and traces, request ids, health probes.
//! Every layer may report through it; it depends on none of them (configuration aside).

pub mod health;
pub mod lifecycle;
pub mod metrics;
pub mod request_id;
pub mod telemetry;
