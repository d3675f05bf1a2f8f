//! Customer Portal API: a facade over Salesforce.
//!
//! Layers, outside in: `http` (routes, extractors, DTOs) -> `app` (wiring) -> `services` (rules,
//! authorisation) -> `read_path` (cache, page memo) -> `shared_state` -> adapters (`mock_store`,
//! `salesforce_rest`) -> `salesforce` (the port) -> `observability` -> `config` -> `domain`.
//! `tests/layers.rs` checks that no import runs back up (docs/ARCHITECTURE.md, "Layers").

pub mod app;
pub mod clock;
pub mod config;
pub mod data_dir;
pub mod domain;
pub mod error;
pub mod http;
pub mod mock_store;
pub mod observability;
pub mod read_path;
pub mod salesforce;
pub mod salesforce_rest;
pub mod services;
pub mod shared_state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

pub use config::Config;

/// Builds the application on `listener` and serves until SIGTERM or Ctrl-C, then drains the
/// requests in flight. Tests pass a listener on `127.0.0.1:0`.
pub async fn run(config: Config, listener: TcpListener) -> anyhow::Result<()> {
    let app = Arc::new(app::App::build(config).await?);
    let web_index = app.config.web_dir.join("index.html");
    if !web_index.exists() {
        tracing::warn!(
            web_dir = %app.config.web_dir.display(),
            "no built web app found; serving the API only (build it with `npm run build` in web/)"
        );
    }
    let pruner = {
        let app = Arc::clone(&app);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                app.prune();
            }
        })
    };
    let service = http::router(app);
    let addr = listener
        .local_addr()
        .context("reading the listen address")?;
    tracing::info!(%addr, "portal listening");
    // Responses leave as soon as they are written. With Nagle's algorithm a write waits
    // while an earlier one is unacknowledged: a download's last small chunk could wait for
    // the client's delayed ACK (up to 40 ms on Linux).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!(error = %err, "could not set TCP_NODELAY on a connection");
        }
    });
    axum::serve(
        listener,
        axum::ServiceExt::into_make_service_with_connect_info::<SocketAddr>(service),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("serving HTTP")?;
    pruner.abort();
    tracing::info!("portal stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
