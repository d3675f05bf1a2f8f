//! Serving the built web app: hashed assets cached for a year, everything else revalidated, and
//! client-side routes answered with `index.html` (the SPA fallback). Paths under the API's
//! prefixes never fall back: an unknown API path is a 404 problem, not a web page.

use std::path::PathBuf;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use super::state::AppState;
use crate::error::Problem;

const API_PREFIXES: &[&str] = &[
    "/auth",
    "/customer",
    "/downloads",
    "/healthz",
    "/readyz",
    "/openapi.json",
    "/docs",
    "/metrics",
];

pub async fn fallback(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let api = API_PREFIXES
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")));
    if api {
        return Problem::for_status(StatusCode::NOT_FOUND).into_response();
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return Problem::for_status(StatusCode::METHOD_NOT_ALLOWED).into_response();
    }
    let dir: PathBuf = state.config.web_dir.clone();
    let index = dir.join("index.html");
    if !index.exists() {
        return Problem::for_status(StatusCode::NOT_FOUND).into_response();
    }
    let is_asset = path.starts_with("/assets/");
    let served = ServeDir::new(&dir)
        .append_index_html_on_directories(false)
        .oneshot(req)
        .await;
    // Only "no such file" falls back to the shell: a 304 answers a revalidation of a file the
    // browser has (every non-asset file is `no-cache`, so each load revalidates it), and a 206 or
    // 416 a range request; those pass through as they are.
    let (mut response, cache) = match served {
        Ok(response) if response.status() != StatusCode::NOT_FOUND && is_asset => (
            response.into_response(),
            "public, max-age=31536000, immutable",
        ),
        Ok(response) if response.status() != StatusCode::NOT_FOUND => {
            (response.into_response(), "no-cache")
        }
        _ if is_asset => return Problem::for_status(StatusCode::NOT_FOUND).into_response(),
        _ => {
            // A client-side route: the app's shell decides what to show.
            let shell = ServeFile::new(&index)
                .oneshot(Request::new(axum::body::Body::empty()))
                .await;
            match shell {
                Ok(response) => (response.into_response(), "no-cache"),
                Err(err) => match err {},
            }
        }
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}
