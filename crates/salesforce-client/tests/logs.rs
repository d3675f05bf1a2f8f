//! Secrets never reach logs or `Debug` output. Alone in its binary because it installs a global
//! tracing subscriber.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::Method;
use salesforce_client::{Config, Credentials, SalesforceClient};
use serde::Deserialize;
use support::*;

#[derive(Debug, Deserialize)]
struct Account {
    #[serde(rename = "Name")]
    #[expect(dead_code, reason = "only decoded")]
    name: String,
}

/// The instance refuses every token up to `expired` with 401 INVALID_SESSION_ID.
fn script_expiring_query(org: &Org, expired_up_to: Arc<AtomicUsize>) {
    let page = fixture("query_page2.json");
    org.instance
        .on(Method::GET, &Org::data("/query"), move |request| {
            let page = page.clone();
            let limit = expired_up_to.load(Ordering::SeqCst);
            async move {
                let n: usize = request
                    .bearer()
                    .and_then(|t| t.rsplit('-').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                if n <= limit {
                    json(401, &fixture("error_invalid_session.json"))
                } else {
                    json(200, &page)
                }
            }
        });
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output_and_logs() {
    use std::io::Write;

    #[derive(Clone, Default)]
    struct Capture(Arc<std::sync::Mutex<Vec<u8>>>);
    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Global, and alone in this test binary: a thread-local default misses events that other
    // tests' threads decide the interest of.
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let org = Org::start().await;
    let expired = Arc::new(AtomicUsize::new(1));
    script_expiring_query(&org, expired);
    let config = Config::new(
        org.login.url.clone(),
        Credentials::ClientCredentials {
            consumer_key: CONSUMER_KEY.into(),
            consumer_secret: CONSUMER_SECRET.into(),
        },
    );
    let config_debug = format!("{config:?}");
    let client = SalesforceClient::new(config).unwrap();
    client
        .query::<Account>("SELECT Name FROM Account")
        .await
        .unwrap();
    let jwt_debug = format!("{:?}", org.jwt_config());

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("salesforce call"), "calls are logged: {logs}");
    assert!(logs.contains("api_used=10018"), "{logs}");
    let secrets = [
        CONSUMER_SECRET,
        "00Dxx0000001gPL!",
        "PRIVATE KEY",
        &test_keys().0[40..80],
    ];
    for text in [&logs, &config_debug, &jwt_debug, &format!("{client:?}")] {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret:?} leaked into {text}");
        }
    }
}
