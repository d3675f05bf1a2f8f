//! The router and the accept loop (which is where connection-level outages happen).

use std::time::Duration;

use axum::Router;
use axum::routing::{any, get, post};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::faults::{Faults, Outage};
use crate::state::SharedState;
use crate::{admin, middleware, oauth, rest};

pub fn router(state: SharedState) -> Router {
    let api = Router::new()
        .route("/services/oauth2/token", post(oauth::token))
        .route(
            "/services/oauth2/authorize",
            get(oauth::authorize_get).post(oauth::authorize_post),
        )
        .route(
            "/services/oauth2/userinfo",
            get(oauth::userinfo).post(oauth::userinfo),
        )
        .route("/services/oauth2/revoke", post(oauth::revoke))
        .route("/.well-known/openid-configuration", get(oauth::discovery))
        .route("/id/keys", get(oauth::jwks))
        .route("/id/{org}/{user}", get(oauth::identity))
        .route("/services/data", any(rest::entry))
        .route("/services/data/", any(rest::entry))
        .route("/services/data/{*rest}", any(rest::entry))
        // Files are uploaded in one request (Salesforce takes up to 2 GB in multipart form,
        // 50 MB base64-encoded in JSON); the emulator keeps them in memory.
        .layer(axum::extract::DefaultBodyLimit::max(rest::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::faults,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::log_requests,
        ));
    Router::new()
        .merge(api)
        .nest("/__emulator", admin::router())
        .with_state(state)
}

/// Accepts connections until `shutdown`, refusing or holding them during an outage and
/// dropping open ones when an outage starts or the emulator shuts down.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    faults: Faults,
    shutdown: CancellationToken,
) {
    loop {
        let (stream, _) = tokio::select! {
            _ = shutdown.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        match faults.outage() {
            Some(Outage::Refuse) => {
                // A reset rather than an orderly close, like a refused connection.
                let _ = stream.set_zero_linger();
                drop(stream);
                continue;
            }
            Some(Outage::Hang) => {
                let mut watch = faults.watch_outage();
                let shutdown = shutdown.clone();
                tokio::spawn(async move {
                    let _held = stream;
                    tokio::select! {
                        _ = watch.wait_for(Option::is_none) => {}
                        _ = shutdown.cancelled() => {}
                    }
                });
                continue;
            }
            None => {}
        }
        let service = TowerToHyperService::new(app.clone());
        let mut watch = faults.watch_outage();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            // Biased: an outage that started (or a shutdown) before a request arrived on a
            // kept-alive connection wins over serving it, so no request slips through after
            // the switch is thrown.
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => {}
                _ = watch.wait_for(Option::is_some) => {}
                _ = conn => {}
            }
        });
    }
}
