//! Request logging and the per-request faults (latency, 503s, slow bodies).

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use crate::error::ApiError;
use crate::faults::{SlowBody, roll};
use crate::log::LoggedRequest;
use crate::state::SharedState;

pub async fn log_requests(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    state.log.arrived(request_id.as_deref());
    let res = next.run(req).await;
    tracing::debug!(%method, %path, status = res.status().as_u16(), "request");
    state.log.push(LoggedRequest {
        method,
        path,
        query,
        status: res.status().as_u16(),
        request_id,
    });
    res
}

pub async fn faults(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let faults = state.faults.get();
    if !faults.applies_to(req.uri().path()) {
        return next.run(req).await;
    }
    let delay = faults.latency_ms
        + if faults.jitter_ms > 0 {
            rand::random_range(0..=faults.jitter_ms)
        } else {
            0
        };
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    if roll(faults.error_rate) {
        return ApiError::server_unavailable().into_response();
    }
    let res = next.run(req).await;
    match faults.slow_body {
        Some(slow) => slow_body(res, slow),
        None => res,
    }
}

/// Re-chunks the body into `chunk_bytes` pieces with `delay_ms` before each.
fn slow_body(res: Response, slow: SlowBody) -> Response {
    let (mut parts, body) = res.into_parts();
    let chunk = slow.chunk_bytes.max(1);
    let delay = Duration::from_millis(slow.delay_ms);
    let stream = body
        .into_data_stream()
        .flat_map(move |piece| {
            let pieces: Vec<Result<Bytes, axum::Error>> = match piece {
                Ok(bytes) => (0..bytes.len())
                    .step_by(chunk)
                    .map(|i| Ok(bytes.slice(i..(i + chunk).min(bytes.len()))))
                    .collect(),
                Err(e) => vec![Err(e)],
            };
            futures::stream::iter(pieces)
        })
        .then(move |piece| async move {
            tokio::time::sleep(delay).await;
            piece
        });
    // The length is still right, but a chunked answer is what a slow upstream usually sends.
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from_stream(stream))
}
