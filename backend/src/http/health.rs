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
    let ready = checks.iter().all(|(name, c)| {
        c.status == "up" || (name.starts_with("salesforce_") && c.status != "open")
    });
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
