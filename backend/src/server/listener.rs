//! The listener: plain TCP, or TLS through rustls (on the ring provider) offering HTTP/2 and
//! HTTP/1.1 by ALPN (docs/decisions/020-tls-listener.md).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
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
pub struct Listener {
    tcp: TcpListener,
    tls: Option<TlsAcceptor>,
    handshakes: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
}

impl Listener {
    pub fn new(tcp: TcpListener, tls: Option<TlsAcceptor>) -> Self {
        Self {
            tcp,
            tls,
            handshakes: JoinSet::new(),
        }
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
}

impl axum::serve::Listener for Listener {
    type Io = Either<TcpStream, TlsStream<TcpStream>>;
    type Addr = SocketAddr;

    // Cancel-safe, as `axum::serve` needs at shutdown: what is under way lives in `self`.
    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            tokio::select! {
                accepted = self.tcp.accept(), if self.handshakes.len() < MAX_HANDSHAKES => {
                    let (tcp, addr) = match accepted {
                        Ok(accepted) => accepted,
                        Err(err) => {
                            accept_error(err).await;
                            continue;
                        }
                    };
                    if let Err(err) = tcp.set_nodelay(true) {
                        tracing::debug!(error = %err, "could not set TCP_NODELAY on a connection");
                    }
                    match self.tls.clone() {
                        None => return (Either::Left(tcp), addr),
                        Some(acceptor) => self.handshake(acceptor, tcp, addr),
                    }
                }
                Some(done) = self.handshakes.join_next(), if !self.handshakes.is_empty() => {
                    if let Ok(Some((stream, addr))) = done {
                        return (Either::Right(stream), addr);
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
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
