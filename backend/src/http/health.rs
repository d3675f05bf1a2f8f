//! Liveness and readiness probes.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::AppState;
use super::dto::{DependencyStatus, Health, Readiness};

/// Liveness: the process is up and serving. Cheap; touches no dependency.
#[utoipa::path(get, path = "/healthz", tag = "health", operation_id = "healthz",
    responses((status = 200, description = "Alive", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// Readiness, with the state of each dependency. A Salesforce org that is down (or whose
/// circuit is open) leaves the instance ready but `degraded`: every instance shares that org,
/// so failing readiness would only make a load balancer drop all of them, and each can still
/// serve reads from its cache. What belongs to this instance (the mock store, its Redis
/// connection) failing makes it not ready: 503.
#[utoipa::path(get, path = "/readyz", tag = "health", operation_id = "readyz",
    responses(
        (status = 200, description = "Ready (`ready`, or `degraded` while Salesforce is down)", body = Readiness),
        (status = 503, description = "A dependency of this instance is down", body = Readiness),
    ))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let mut checks = BTreeMap::new();
    let salesforce_up = match state.salesforce.check_ready().await {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!(error = format!("{err:#}"), "readiness: salesforce is down");
            false
        }
    };
    checks.insert(
        "salesforce".to_owned(),
        DependencyStatus {
            status: if salesforce_up { "up" } else { "down" }.into(),
        },
    );
    if let Some(redis) = state.shared.redis() {
        let up = match redis.ping().await {
            Ok(()) => true,
            Err(err) => {
                tracing::warn!(error = %err, "readiness: redis is down");
                false
            }
        };
        checks.insert(
            "redis".to_owned(),
            DependencyStatus {
                status: if up { "up" } else { "down" }.into(),
            },
        );
    }
    for (name, value) in state.salesforce.diagnostics() {
        checks.insert(
            format!("salesforce_{name}"),
            DependencyStatus { status: value },
        );
    }
    let remote = state.salesforce.is_remote();
    // Down: a check that failed. Salesforce's own checks (circuit, cache kind) are states,
    // of which only an open circuit is a failure.
    let down = |name: &str, c: &DependencyStatus| {
        if name.starts_with("salesforce_") {
            c.status == "open"
        } else {
            c.status != "up"
        }
    };
    let local_down = checks
        .iter()
        .any(|(name, c)| down(name, c) && !(remote && name.starts_with("salesforce")));
    let remote_down = checks.iter().any(|(name, c)| down(name, c));
    let (status, word) = if local_down {
        (StatusCode::SERVICE_UNAVAILABLE, "not_ready")
    } else if remote_down {
        (StatusCode::OK, "degraded")
    } else {
        (StatusCode::OK, "ready")
    };
    (
        status,
        Json(Readiness {
            status: word.into(),
            checks,
        }),
    )
}

/// Prometheus metrics in the text exposition format. With `metrics.token` configured, the
/// scraper must send it as a bearer token.
#[utoipa::path(get, path = "/metrics", tag = "health", operation_id = "metrics",
    responses(
        (status = 200, description = "Metrics", content_type = "text/plain"),
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
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
