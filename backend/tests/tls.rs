//! The optional TLS listener: the real server with `tls.cert_file`/`tls.key_file` set to a
//! self-signed certificate made here, spoken to over HTTPS with HTTP/2 (ALPN `h2`) and with
//! HTTP/1.1; a client that does not trust the certificate, or speaks plain HTTP, gets nothing.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use common::{PASSWORD, test_config};
use portal::config::TlsConfig;
use reqwest::{Certificate, Version};
use serde_json::{Value, json};
use tokio::net::TcpListener;

const HOST: &str = "portal.test";

/// A self-signed certificate for `HOST`, written as PEM files into `dir`; its PEM.
fn write_certificate(dir: &Path) -> (TlsConfig, String) {
    let certified = rcgen::generate_simple_self_signed(vec![HOST.to_owned()]).expect("cert");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let cert_pem = certified.cert.pem();
    std::fs::write(&cert, &cert_pem).expect("write cert");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("write key");
    (
        TlsConfig {
            cert_file: cert,
            key_file: key,
        },
        cert_pem,
    )
}

/// A client that trusts `cert_pem` and resolves `HOST` to `addr`.
fn client(addr: SocketAddr, cert_pem: Option<&str>) -> reqwest::ClientBuilder {
    let mut builder = reqwest::Client::builder()
        .resolve(HOST, addr)
        .timeout(Duration::from_secs(10))
        .https_only(true);
    if let Some(pem) = cert_pem {
        builder = builder.add_root_certificate(Certificate::from_pem(pem.as_bytes()).unwrap());
    }
    builder
}

#[tokio::test]
async fn https_serves_http2_and_http1_with_the_configured_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (tls, cert_pem) = write_certificate(dir.path());
    let mut config = test_config(&dir.path().join("data"));
    config.tls = Some(tls);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(portal::run(config, listener));
    let base = format!("https://{HOST}:{}", addr.port());

    // HTTP/2, as ALPN offers it first.
    let h2 = client(addr, Some(&cert_pem)).build().unwrap();
    let mut ready = None;
    for _ in 0..200 {
        match h2.get(format!("{base}/readyz")).send().await {
            Ok(r) => {
                ready = Some(r);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(25)).await,
        }
    }
    let ready = ready.expect("the TLS listener answered");
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.version(), Version::HTTP_2, "ALPN h2");

    // The whole application over it: sign in and read a session, on HTTP/2.
    let login = h2
        .post(format!("{base}/auth/login"))
        .json(&json!({"email": "gina@globex.example", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    assert_eq!(login.version(), Version::HTTP_2);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let session: Value = h2
        .get(format!("{base}/auth/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["user"]["email"], "gina@globex.example", "{session}");

    // HTTP/1.1 over TLS, for clients without h2.
    let h1 = client(addr, Some(&cert_pem)).http1_only().build().unwrap();
    let r = h1.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.version(), Version::HTTP_11);

    // The served certificate is the configured one: a client that does not trust it refuses.
    let untrusting = client(addr, None).build().unwrap();
    let err = untrusting
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect_err("an untrusted self-signed certificate");
    assert!(err.is_connect(), "{err:?}");

    // Plain HTTP on the TLS port gets no HTTP answer.
    let plain = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    assert!(
        plain
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .is_err(),
        "plain HTTP on the TLS listener"
    );
    // ... and the listener goes on serving after those failed handshakes.
    let r = h2.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    server.abort();
}

#[tokio::test]
async fn an_unusable_certificate_or_key_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let (tls, _) = write_certificate(dir.path());
    let start = |tls: TlsConfig| {
        let mut config = test_config(&dir.path().join("data"));
        config.tls = Some(tls);
        async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            portal::run(config, listener).await
        }
    };

    // A key file that holds no key (the certificate twice).
    let err = start(TlsConfig {
        cert_file: tls.cert_file.clone(),
        key_file: tls.cert_file.clone(),
    })
    .await
    .expect_err("no key");
    assert!(format!("{err:#}").contains("tls.key_file"), "{err:#}");

    // A certificate file that holds no certificate.
    let err = start(TlsConfig {
        cert_file: tls.key_file.clone(),
        key_file: tls.key_file.clone(),
    })
    .await
    .expect_err("no certificate");
    assert!(format!("{err:#}").contains("tls.cert_file"), "{err:#}");

    // A key that is not the certificate's.
    let other = rcgen::generate_simple_self_signed(vec![HOST.to_owned()]).unwrap();
    let other_key = dir.path().join("other-key.pem");
    std::fs::write(&other_key, other.signing_key.serialize_pem()).unwrap();
    let err = start(TlsConfig {
        cert_file: tls.cert_file.clone(),
        key_file: other_key,
    })
    .await
    .expect_err("mismatched key");
    assert!(
        format!("{err:#}").contains("do not make a usable"),
        "{err:#}"
    );

    // Files that do not exist are refused by the configuration check.
    let mut config = test_config(&dir.path().join("data"));
    config.tls = Some(TlsConfig {
        cert_file: dir.path().join("missing.pem"),
        key_file: tls.key_file.clone(),
    });
    let err = config.validate().expect_err("missing file");
    assert!(err.to_string().contains("tls.cert_file"), "{err}");
}
