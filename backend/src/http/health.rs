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

/// Readiness: every dependency can serve. 503 lists the ones that cannot.
#[utoipa::path(get, path = "/readyz", tag = "health", operation_id = "readyz",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "A dependency is down", body = Readiness),
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
    let ready = checks.values().all(|c| c.status == "up");
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Readiness {
            status: if ready { "ready" } else { "not_ready" }.into(),
            checks,
        }),
    )
}
