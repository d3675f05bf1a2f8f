//! Liveness and readiness probes.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::dto::{DependencyStatus, Health, Readiness};
use super::state::AppState;

/// Liveness: the process is up and serving. Cheap; touches no dependency.
#[utoipa::path(get, path = "/healthz", tag = "health", operation_id = "healthz",
    responses((status = 200, description = "Alive", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// Readiness, with the state of each dependency. A Salesforce org that is down (or whose
/// circuit is open, or whose token request failed) leaves the instance ready but `degraded`:
/// every instance shares that org, so failing readiness would only make a load balancer drop
/// all of them, and each can still serve reads from its cache. What belongs to this instance
/// (the mock store, its Redis connection) failing makes it not ready: 503.
///
/// Checks: `salesforce` (the mock store, or the org) and `redis` (when configured) are `up` or
/// `down`. In Salesforce mode also `salesforce_token`: `valid` (an access token is held),
/// `absent` (no token request has finished yet) or `failed` (the latest token request failed,
/// so no Salesforce call can be made until one succeeds; the log says why);
/// `salesforce_circuit`: `closed`, `half_open` or `open`; `salesforce_cache`: the cache's kind.
/// Of these, `failed` and `open` count as Salesforce down. The probe itself requests a token
/// only when none is held.
#[utoipa::path(get, path = "/readyz", tag = "health", operation_id = "readyz",
    responses(
        (status = 200, description = "Ready (`ready`, or `degraded` while Salesforce is down)", body = Readiness),
        (status = 503, description = "A dependency of this instance is down, or the instance is shutting down (`draining`)", body = Readiness),
    ))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    // Shutting down: out of the load balancer first, while requests are still served.
    if state.draining.is_draining() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Readiness {
                status: "draining".into(),
                checks: BTreeMap::new(),
            }),
        );
    }
    // The org is shared by every instance; the mock store is this process's own.
    let remote = state.reads.is_remote();
    let mut report = Report::default();
    let salesforce_up = match state.salesforce_probe.check_ready().await {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!(error = format!("{err:#}"), "readiness: salesforce is down");
            false
        }
    };
    report.add(
        "salesforce",
        up_or_down(salesforce_up),
        !salesforce_up,
        remote,
    );
    if let Some(redis) = state.shared.redis() {
        let up = match redis.ping().await {
            Ok(()) => true,
            Err(err) => {
                tracing::warn!(error = %err, "readiness: redis is down");
                false
            }
        };
        report.add("redis", up_or_down(up), !up, false);
    }
    // Read after check_ready, so the token's state is the one that call left.
    for d in state.salesforce_probe.diagnostics() {
        report.add(format!("salesforce_{}", d.name), d.state, d.failing, remote);
    }
    let (status, word) = if report.local_down {
        (StatusCode::SERVICE_UNAVAILABLE, "not_ready")
    } else if report.remote_down {
        (StatusCode::OK, "degraded")
    } else {
        (StatusCode::OK, "ready")
    };
    (
        status,
        Json(Readiness {
            status: word.into(),
            checks: report.checks,
        }),
    )
}

fn up_or_down(up: bool) -> &'static str {
    if up { "up" } else { "down" }
}

/// The checks of one readiness report, and whether a failing one is this instance's own (not
/// ready) or a shared service's (degraded).
#[derive(Default)]
struct Report {
    checks: BTreeMap<String, DependencyStatus>,
    local_down: bool,
    remote_down: bool,
}

impl Report {
    fn add(
        &mut self,
        name: impl Into<String>,
        status: impl Into<String>,
        failing: bool,
        shared: bool,
    ) {
        if failing {
            if shared {
                self.remote_down = true;
            } else {
                self.local_down = true;
            }
        }
        self.checks.insert(
            name.into(),
            DependencyStatus {
                status: status.into(),
            },
        );
    }
}

/// What `/metrics` answers: OpenMetrics text, as the metrics registry renders it.
const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The metrics in the OpenMetrics text format (which Prometheus reads). With `metrics.token` configured, the
/// scraper must send it as a bearer token.
#[utoipa::path(get, path = "/metrics", tag = "health", operation_id = "metrics",
    responses(
        (status = 200, description = "Metrics", body = String, content_type = METRICS_CONTENT_TYPE),
        (status = 401, description = "Missing or wrong bearer token", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if let Some(token) = &state.config.metrics.token {
        let presented = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let ok = presented.is_some_and(|p| {
            use subtle::ConstantTimeEq;
            p.as_bytes().ct_eq(token.expose().as_bytes()).into()
        });
        if !ok {
            return crate::error::ApiError::Unauthenticated.into_response();
        }
    }
    (
        [(axum::http::header::CONTENT_TYPE, METRICS_CONTENT_TYPE)],
        state.metrics.render(),
    )
        .into_response()
}
