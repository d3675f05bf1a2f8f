//! The router and the accept loop (which is where connection-level outages happen).

use std::time::Duration;

use axum::Router;
use axum::routing::{any, get, post};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

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
/// dropping open ones when an outage starts.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    faults: Faults,
    mut shutdown: oneshot::Receiver<()>,
) {
    loop {
        let (stream, _) = tokio::select! {
            _ = &mut shutdown => return,
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
                tokio::spawn(async move {
                    let _held = stream;
                    let _ = watch.wait_for(Option::is_none).await;
                });
                continue;
            }
            None => {}
        }
        let service = TowerToHyperService::new(app.clone());
        let mut watch = faults.watch_outage();
        tokio::spawn(async move {
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = watch.wait_for(Option::is_some) => {}
            }
        });
    }
}
