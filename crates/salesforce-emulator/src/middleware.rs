//! Request logging and the per-request faults (latency, 503s, slow and cut bodies).

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
    let res = match faults.slow_body {
        Some(slow) => slow_body(res, slow),
        None => res,
    };
    match faults.cut_body_after {
        Some(bytes) => cut_body(res, bytes),
        None => res,
    }
}

/// Sends the first `keep` bytes of a longer body, then fails it: hyper then drops the
/// connection without finishing the response. A body of at most `keep` bytes goes whole.
fn cut_body(res: Response, keep: usize) -> Response {
    let (mut parts, body) = res.into_parts();
    let mut left = keep;
    let stream = body
        .into_data_stream()
        .flat_map(move |piece| {
            let pieces: Vec<Option<Result<Bytes, axum::Error>>> = match piece {
                Ok(bytes) if bytes.len() <= left => {
                    left -= bytes.len();
                    vec![Some(Ok(bytes))]
                }
                Ok(bytes) => {
                    let kept = bytes.slice(..left);
                    left = 0;
                    vec![Some(Ok(kept)), None]
                }
                Err(e) => vec![Some(Err(e))],
            };
            futures::stream::iter(pieces)
        })
        .then(|piece| async move {
            match piece {
                Some(piece) => piece,
                None => {
                    // Waiting once makes hyper send what it holds (the headers, the bytes
                    // kept) before the error makes it drop the connection.
                    tokio::task::yield_now().await;
                    Err(axum::Error::new("the emulator cut the body"))
                }
            }
        });
    // Without a length the client cannot tell a cut body from a short one by its header alone.
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from_stream(stream))
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
