//! The process around the application: its listener (plain TCP, or TLS with HTTP/2 by ALPN)
//! and its graceful shutdown.
//!
//! On SIGTERM or Ctrl-C: `/readyz` answers 503 at once and HTTP/1.1 responses carry
//! `Connection: close`, while requests are still served for `shutdown.drain_delay_secs` (a load
//! balancer or Kubernetes takes the instance out, proxies drop their kept-alive connections);
//! then the listener takes in the connections the kernel has queued and closes (resetting
//! none, see [`Listener`]), those connections read their first request, idle connections are
//! closed, and requests in flight get up to `shutdown.timeout_secs` to finish. `main` then
//! writes out the last log lines.

pub mod listener;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use anyhow::Context as _;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, Version, header};
use axum::response::Response;
use axum::serve::IncomingStream;
use tokio::sync::Notify;
use tower::Service;

use crate::config::ShutdownConfig;
use crate::http::HttpApp;
use crate::observability::lifecycle::Draining;

pub use listener::Listener;

/// Serves `service` on `listener` until a shutdown signal, then shuts down as the module says.
pub async fn serve(
    listener: Listener,
    service: impl HttpApp,
    draining: Arc<Draining>,
    config: &ShutdownConfig,
) -> anyhow::Result<()> {
    let drain_delay = Duration::from_secs(config.drain_delay_secs);
    let timeout = Duration::from_secs(config.timeout_secs);
    let unstarted = Arc::new(Unstarted::default());
    let make_service = PerConnection {
        inner: service,
        draining: Arc::clone(&draining),
        unstarted: Arc::clone(&unstarted),
        connection: None,
    };
    let closing = listener.closing();
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown_signal().await;
        draining.start();
        tracing::info!(
            drain_delay_secs = drain_delay.as_secs(),
            "shutting down: not ready, still serving while load balancers take this instance out"
        );
        tokio::time::sleep(drain_delay).await;
        closing.close().await;
        // The connections just taken in hold requests their clients have sent; the shutdown
        // would close them as idle (hyper closes a connection that has not read a request
        // yet): let each read its first request, for at most FIRST_REQUEST_WAIT.
        let _ = tokio::time::timeout(FIRST_REQUEST_WAIT, unstarted.settled()).await;
        tracing::info!(
            timeout_secs = timeout.as_secs(),
            "shutting down: listener closed, finishing requests in flight"
        );
        let _ = closed_tx.send(());
    };
    let server = axum::serve(listener, make_service).with_graceful_shutdown(signal);
    // From the listener's closing, requests in flight have `timeout` to finish.
    let deadline = async move {
        if closed_rx.await.is_ok() {
            tokio::time::sleep(timeout).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = std::future::IntoFuture::into_future(server) => result.context("serving HTTP"),
        () = deadline => {
            tracing::warn!(
                timeout_secs = timeout.as_secs(),
                "shutting down: requests still in flight after shutdown.timeout_secs are cut off"
            );
            Ok(())
        }
    }
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
}

/// The application on one connection: the client's address as `ConnectInfo<SocketAddr>` in
/// each request (what `axum::serve`'s own connect info would give; the rate limits read it),
/// and `Connection: close` on HTTP/1.x responses once the process is draining: a proxy then
/// opens a new connection for its next request, which, once the listener has closed, is
/// refused and goes to another instance, instead of reusing a kept-alive connection that the
/// shutdown closes under it. (HTTP/2 has GOAWAY for this, which hyper sends at shutdown.)
/// Without `connection`, it is the make-service `axum::serve` calls for each connection.
#[derive(Clone)]
struct PerConnection<S> {
    inner: S,
    draining: Arc<Draining>,
    unstarted: Arc<Unstarted>,
    connection: Option<Arc<Connection>>,
}

/// How long the shutdown waits, once the listener has closed, for the connections it took in
/// last to read their first request.
const FIRST_REQUEST_WAIT: Duration = Duration::from_secs(1);

/// How many accepted connections have not read their first request yet.
#[derive(Default)]
struct Unstarted {
    count: AtomicUsize,
    settled: Notify,
}

impl Unstarted {
    fn opened(self: &Arc<Self>, remote: SocketAddr) -> Arc<Connection> {
        self.count.fetch_add(1, Ordering::AcqRel);
        Arc::new(Connection {
            remote,
            started: AtomicBool::new(false),
            unstarted: Arc::clone(self),
        })
    }

    fn started(&self) {
        if self.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.settled.notify_waiters();
        }
    }

    /// Until every accepted connection has read a request (or ended).
    async fn settled(&self) {
        loop {
            let notified = self.settled.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.count.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// One connection, shared by its requests.
struct Connection {
    remote: SocketAddr,
    started: AtomicBool,
    unstarted: Arc<Unstarted>,
}

impl Connection {
    fn request(&self) {
        if !self.started.load(Ordering::Relaxed) && !self.started.swap(true, Ordering::AcqRel) {
            self.unstarted.started();
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if !*self.started.get_mut() {
            self.unstarted.started();
        }
    }
}

impl<'a, S: HttpApp> Service<IncomingStream<'a, Listener>> for PerConnection<S> {
    type Response = PerConnection<S>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, stream: IncomingStream<'a, Listener>) -> Self::Future {
        std::future::ready(Ok(PerConnection {
            inner: self.inner.clone(),
            draining: Arc::clone(&self.draining),
            unstarted: Arc::clone(&self.unstarted),
            connection: Some(self.unstarted.opened(*stream.remote_addr())),
        }))
    }
}

impl<S: HttpApp> Service<Request> for PerConnection<S> {
    type Response = Response;
    type Error = Infallible;
    type Future = CloseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        if let Some(connection) = &self.connection {
            connection.request();
            request
                .extensions_mut()
                .insert(ConnectInfo(connection.remote));
        }
        let close = request.version() <= Version::HTTP_11 && self.draining.is_draining();
        CloseFuture {
            inner: self.inner.call(request),
            close,
        }
    }
}

pin_project_lite::pin_project! {
    struct CloseFuture<F> {
        #[pin]
        inner: F,
        close: bool,
    }
}

impl<F: Future<Output = Result<Response, Infallible>>> Future for CloseFuture<F> {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Ok(mut response) = ready!(this.inner.poll(cx));
        if *this.close {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        Poll::Ready(Ok(response))
    }
}
