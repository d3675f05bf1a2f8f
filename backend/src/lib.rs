//! Customer Portal API: a facade over Salesforce.
//!
//! Layers, outside in: `http` (routes, extractors, DTOs) -> `app` (wiring) -> `services` (rules,
//! authorisation) -> `read_path` (cache, page memo) -> `shared_state` -> adapters (`mock_store`,
//! `salesforce_rest`) -> `salesforce` (the port) -> `observability` -> `config` -> `domain` (with
//! `i18n`, the texts the API writes in each language).
//! `server` (the listener, TLS, graceful shutdown) runs the whole beside `lib`.
//! `tests/layers.rs` checks that no import runs back up (docs/ARCHITECTURE.md, "Layers").

pub mod app;
pub mod clock;
pub mod config;
pub mod data_dir;
pub mod domain;
pub mod error;
pub mod http;
pub mod i18n;
pub mod mock_store;
pub mod observability;
pub mod read_path;
pub mod salesforce;
pub mod salesforce_rest;
pub mod server;
pub mod services;
pub mod shared_state;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

pub use config::Config;

/// Builds the application on `listener` (TLS when `tls` is configured) and serves until SIGTERM
/// or Ctrl-C, then shuts down gracefully (`server`). Tests pass a listener on `127.0.0.1:0`.
pub async fn run(config: Config, listener: TcpListener) -> anyhow::Result<()> {
    // Before anything else starts: a certificate that cannot be used stops the start-up.
    let tls = config
        .tls
        .as_ref()
        .map(server::listener::acceptor)
        .transpose()?;
    let shutdown = config.shutdown.clone();
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
    let notifier = app
        .notifications
        .as_ref()
        .map(|notifications| tokio::spawn(Arc::clone(notifications).run()));
    let draining = Arc::clone(&app.draining);
    let service = http::router(app);
    let addr = listener
        .local_addr()
        .context("reading the listen address")?;
    tracing::info!(%addr, tls = tls.is_some(), "portal listening");
    let listener = server::Listener::new(listener, tls);
    server::serve(listener, service, draining, &shutdown).await?;
    pruner.abort();
    if let Some(notifier) = notifier {
        notifier.abort();
    }
    tracing::info!("portal stopped");
    Ok(())
}
