//! `/__emulator/*`: faults, records and the request log, for tests and people.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::faults::FaultConfig;
use crate::state::{SharedState, lock};

pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route(
            "/faults",
            get(get_faults).post(set_faults).delete(clear_faults),
        )
        .route("/faults/expire-tokens", post(expire_tokens))
        .route("/records/{sobject}", get(records))
        .route("/records/{sobject}/{id}", get(record))
        .route("/requests", get(requests).delete(clear_requests))
        .route("/usage", get(usage))
}

async fn get_faults(State(state): State<SharedState>) -> Json<FaultConfig> {
    Json(state.faults.get())
}

async fn set_faults(State(state): State<SharedState>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<FaultConfig>(&body) {
        Ok(config) => {
            tracing::info!(?config, "faults set");
            state.faults.set(config.clone());
            Json(config).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}

async fn clear_faults(State(state): State<SharedState>) -> StatusCode {
    state.faults.clear();
    StatusCode::NO_CONTENT
}

async fn expire_tokens(State(state): State<SharedState>) -> StatusCode {
    state.faults.expire_tokens();
    StatusCode::NO_CONTENT
}

async fn records(State(state): State<SharedState>, Path(sobject): Path<String>) -> Response {
    let store = lock(&state.store);
    match store.all(&sobject, "v62.0") {
        Some(rows) => Json(json!({"totalSize": rows.len(), "records": rows})).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "unknown sObject"})),
        )
            .into_response(),
    }
}

async fn record(
    State(state): State<SharedState>,
    Path((sobject, id)): Path<(String, String)>,
) -> Response {
    let store = lock(&state.store);
    let found = store
        .object(&sobject)
        .and_then(|o| Some(store.full_record(o, store.get(o.name, &id)?, "v62.0")));
    match found {
        Some(r) => Json(r).into_response(),
        None => (StatusCode::NOT_FOUND, Json(Value::Null)).into_response(),
    }
}

async fn requests(State(state): State<SharedState>) -> Response {
    Json(state.log.entries()).into_response()
}

async fn clear_requests(State(state): State<SharedState>) -> StatusCode {
    state.log.clear();
    StatusCode::NO_CONTENT
}

async fn usage(State(state): State<SharedState>) -> Json<Value> {
    Json(json!({"used": state.usage(), "limit": state.config.api_limit}))
}
