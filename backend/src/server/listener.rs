//! The listener: plain TCP, or TLS through rustls (on the ring provider) offering HTTP/2 and
//! HTTP/1.1 by ALPN (docs/decisions/020-tls-and-shutdown.md).

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::either::Either;

use crate::config::TlsConfig;

/// How long a client has to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes under way at once; past this, new connections wait in the kernel's backlog.
const MAX_HANDSHAKES: usize = 1024;

/// Reads the certificate chain and key and builds the TLS server configuration: TLS 1.2 and
/// 1.3, no client certificates, ALPN `h2` then `http/1.1`.
pub fn acceptor(config: &TlsConfig) -> anyhow::Result<TlsAcceptor> {
    let certs = CertificateDer::pem_file_iter(&config.cert_file)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .with_context(|| {
            format!(
                "tls.cert_file {}: not a PEM certificate chain",
                config.cert_file.display()
            )
        })?;
    if certs.is_empty() {
        anyhow::bail!(
            "tls.cert_file {}: no certificate in it",
            config.cert_file.display()
        );
    }
    let key = PrivateKeyDer::from_pem_file(&config.key_file).with_context(|| {
        format!(
            "tls.key_file {}: not a PEM private key",
            config.key_file.display()
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("tls.cert_file and tls.key_file do not make a usable certificate and key")?;
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(server)))
}

/// Connections for `axum::serve`: accepted TCP connections with `TCP_NODELAY` (responses leave
/// as soon as they are written, not after the client's delayed ACK), through a TLS handshake
/// when configured. Handshakes run as tasks of their own, so a slow client holds up no other.
///
/// At shutdown ([`Closing`]) the listener closes without resetting a connection: closing a
/// listening socket resets every connection the kernel has completed but the server has not
/// accepted yet, whose clients may already have sent a request (a proxy's POST then fails: it
/// cannot know whether it was handled). So the listener first takes in every connection
/// waiting in the kernel's queue, then closes, and serves those connections like any other.
pub struct Listener {
    /// `None` once closed.
    tcp: Option<TcpListener>,
    tls: Option<TlsAcceptor>,
    handshakes: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
    /// Connections taken from the kernel's queue at closing, not yet handed out.
    backlog: VecDeque<(TcpStream, SocketAddr)>,
    closing: Arc<Closing>,
}

/// How the shutdown asks the [`Listener`] to close, and learns that it has.
#[derive(Default)]
pub struct Closing {
    requested: AtomicBool,
    request: Notify,
    closed: Notify,
}

impl Closing {
    /// Asks the listener to close (it is polled by `axum::serve` all along), and waits until
    /// it has closed and handed out every connection it had accepted.
    pub async fn close(&self) {
        self.requested.store(true, Ordering::Release);
        self.request.notify_one();
        self.closed.notified().await;
    }
}

impl Listener {
    pub fn new(tcp: TcpListener, tls: Option<TlsAcceptor>) -> Self {
        Self {
            tcp: Some(tcp),
            tls,
            handshakes: JoinSet::new(),
            backlog: VecDeque::new(),
            closing: Arc::default(),
        }
    }

    /// The handle that closes this listener.
    pub fn closing(&self) -> Arc<Closing> {
        Arc::clone(&self.closing)
    }

    fn handshake(&mut self, acceptor: TlsAcceptor, tcp: TcpStream, addr: SocketAddr) {
        self.handshakes.spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => Some((stream, addr)),
                Ok(Err(err)) => {
                    tracing::debug!(%addr, error = %err, "TLS handshake failed");
                    None
                }
                Err(_) => {
                    tracing::debug!(%addr, "TLS handshake timed out");
                    None
                }
            }
        });
    }

    /// A new connection: plain, returned at once; TLS, handed to a handshake.
    fn connection(&mut self, tcp: TcpStream, addr: SocketAddr) -> Option<(Io, SocketAddr)> {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!(error = %err, "could not set TCP_NODELAY on a connection");
        }
        match self.tls.clone() {
            None => Some((Either::Left(tcp), addr)),
            Some(acceptor) => {
                self.handshake(acceptor, tcp, addr);
                None
            }
        }
    }

    /// Accepts, without waiting, every connection the kernel holds for the listener, then
    /// closes it.
    fn close(&mut self) {
        let Some(tcp) = self.tcp.take() else { return };
        // Out of the runtime's reactor: a plain non-blocking socket, accepted from until the
        // queue is empty (the runtime's readiness could lag behind the kernel's queue).
        let listener = match tcp.into_std() {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(error = %err, "closing the listener");
                return;
            }
        };
        loop {
            match listener.accept() {
                Ok((stream, addr)) => {
                    let stream = stream
                        .set_nonblocking(true)
                        .and_then(|()| TcpStream::from_std(stream));
                    match stream {
                        Ok(stream) => self.backlog.push_back((stream, addr)),
                        Err(err) => tracing::debug!(%addr, error = %err, "a queued connection"),
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => {
                    tracing::debug!(error = %err, "accepting the queued connections");
                    break;
                }
            }
        }
        tracing::debug!(
            queued = self.backlog.len(),
            "listener closed after taking in the queued connections"
        );
        drop(listener);
    }
}

type Io = Either<TcpStream, TlsStream<TcpStream>>;

impl axum::serve::Listener for Listener {
    type Io = Io;
    type Addr = SocketAddr;

    // Cancel-safe, as `axum::serve` needs at shutdown: what is under way lives in `self`.
    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            if let Some((tcp, addr)) = self.backlog.pop_front() {
                if let Some(connection) = self.connection(tcp, addr) {
                    return connection;
                }
                continue;
            }
            if self.closing.requested.load(Ordering::Acquire) && self.tcp.is_some() {
                self.close();
                continue;
            }
            if self.tcp.is_none() && self.handshakes.is_empty() {
                // Closed, and every connection handed out: the shutdown goes on.
                self.closing.closed.notify_one();
                std::future::pending::<()>().await;
            }
            let accepting = self.tcp.is_some() && self.handshakes.len() < MAX_HANDSHAKES;
            tokio::select! {
                accepted = accept(self.tcp.as_ref()), if accepting => {
                    match accepted {
                        Ok((tcp, addr)) => {
                            if let Some(connection) = self.connection(tcp, addr) {
                                return connection;
                            }
                        }
                        Err(err) => accept_error(err).await,
                    }
                }
                () = self.closing.request.notified(), if self.tcp.is_some() => {}
                Some(done) = self.handshakes.join_next(), if !self.handshakes.is_empty() => {
                    if let Ok(Some((stream, addr))) = done {
                        return (Either::Right(stream), addr);
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        match &self.tcp {
            Some(tcp) => tcp.local_addr(),
            None => Err(io::Error::other("the listener is closed")),
        }
    }
}

async fn accept(tcp: Option<&TcpListener>) -> io::Result<(TcpStream, SocketAddr)> {
    match tcp {
        Some(tcp) => tcp.accept().await,
        None => std::future::pending().await,
    }
}

/// As `axum::serve` does: a connection that failed before it was accepted is the client's
/// business; anything else (out of file descriptors) is logged and waited out.
async fn accept_error(err: io::Error) {
    if matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %err, "accepting a connection failed; retrying in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
