//! The real binary as an operator runs it: crash safety under `kill -9`, graceful shutdown on
//! SIGTERM, and configuration checked at start-up.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{GLOBEX, PASSWORD, SECRET};
use serde_json::{Value, json};

/// The binary as [`common::portal_command`] sets it up, with a case rate limit no test reaches.
fn portal(data_dir: &Path) -> Command {
    let mut cmd = common::portal_command(data_dir);
    cmd.env("PORTAL_CASES__RATE_LIMIT__PER_HOUR", "1000000")
        .env("PORTAL_CASES__RATE_LIMIT__BURST", "100000");
    cmd
}

/// Starts the binary and waits for its "portal listening" log line, which names the port.
fn start(data_dir: &Path) -> (Child, SocketAddr) {
    let (child, addr, _) = start_logged(portal(data_dir));
    (child, addr)
}

/// Starts `cmd` and waits for its "portal listening" log line; the log lines after it arrive
/// on the receiver (which may be dropped: the log is drained either way).
fn start_logged(mut cmd: Command) -> (Child, SocketAddr, std::sync::mpsc::Receiver<String>) {
    let mut child = cmd.spawn().expect("start portal");
    let (addr, lines) = common::wait_listening(&mut child);
    // Keep draining the log so the server never blocks on a full pipe.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (child, addr, rx)
}

fn stop(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

async fn sign_in(addr: SocketAddr) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let body = common::json_of(
        client
            .post(format!("http://{addr}/auth/login"))
            .json(&json!({"email": "gina@globex.example", "password": PASSWORD})),
    )
    .await;
    (client, body["csrf_token"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_case_survives_kill_9_during_concurrent_creates() {
    let data = tempfile::tempdir().unwrap();
    let acknowledged: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    for round in 0..3 {
        let (mut child, addr) = start(data.path());
        let (client, csrf) = sign_in(addr).await;
        let (tx, mut enough) = tokio::sync::mpsc::channel::<()>(64);
        let workers: Vec<_> = (0..8)
            .map(|w| {
                let (client, csrf, acknowledged, tx) = (
                    client.clone(),
                    csrf.clone(),
                    acknowledged.clone(),
                    tx.clone(),
                );
                tokio::spawn(async move {
                    for n in 0.. {
                        let subject = format!("crash r{round} w{w} n{n}");
                        let sent = client
                            .post(format!("http://{addr}/customer/{GLOBEX}/cases"))
                            .header("x-csrf-token", &csrf)
                            .header("idempotency-key", subject.replace(' ', "-"))
                            .json(&json!({"subject": subject, "description": "crash test"}))
                            .send()
                            .await;
                        let Ok(response) = sent else { return };
                        if response.status() != 201 {
                            return;
                        }
                        let Ok(case) = response.json::<Value>().await else {
                            return;
                        };
                        acknowledged
                            .lock()
                            .unwrap()
                            .push((case["id"].as_str().unwrap().to_owned(), subject));
                        let _ = tx.try_send(());
                    }
                })
            })
            .collect();
        drop(tx);
        // Kill while creates are in full flight: after 30 acknowledgements in this round.
        for _ in 0..30 {
            enough.recv().await.expect("creates are being acknowledged");
        }
        child.kill().unwrap(); // SIGKILL: no shutdown, no flush.
        child.wait().unwrap();
        for worker in workers {
            worker.await.unwrap();
        }
    }

    // Restart on the same data: every acknowledged case is there, once, intact.
    let (mut child, addr) = start(data.path());
    let (client, _) = sign_in(addr).await;
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 90);
    let mut stored = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = common::json_of(client.get(format!(
            "http://{addr}/customer/{GLOBEX}/cases?limit=100&q=crash{cursor}"
        )))
        .await;
        stored.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    let mut subjects: Vec<&str> = stored
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    let total = subjects.len();
    subjects.sort_unstable();
    subjects.dedup();
    assert_eq!(subjects.len(), total, "no case was stored twice");
    for (id, subject) in &acknowledged {
        let case = stored.iter().find(|c| c["id"] == id.as_str());
        let case = case.unwrap_or_else(|| panic!("acknowledged case {id} ({subject}) was lost"));
        assert_eq!(case["subject"], subject.as_str());
    }
    let numbers: Vec<&str> = stored
        .iter()
        .map(|c| c["case_number"].as_str().unwrap())
        .collect();
    let mut unique = numbers.clone();
    // dedup only drops adjacent repeats: sort first so every duplicate is adjacent.
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), numbers.len(), "case numbers are unique");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn sigterm_drains_and_exits_cleanly() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, addr) = start(data.path());
    let ok = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    assert!(
        reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap()
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn a_second_process_on_the_same_data_dir_refuses_to_start() {
    let data = tempfile::tempdir().unwrap();
    let (mut first, addr) = start(data.path());
    let output = tokio::task::spawn_blocking({
        let dir = data.path().to_owned();
        move || portal(&dir).output().unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the second process started");
    assert!(
        stderr.contains("in use by another portal process")
            && stderr.contains(&first.id().to_string()),
        "{stderr}"
    );
    // The first one is untouched and keeps serving.
    let ready = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    assert!(first.try_wait().unwrap().is_none(), "the first still runs");
    first.kill().unwrap();
    first.wait().unwrap();
    // With the first gone (even by kill -9), the directory is free again.
    let (mut again, _) = start(data.path());
    again.kill().unwrap();
    again.wait().unwrap();
}

/// The JSON log line of a request names its request id: the one the client sent, or the one
/// the server made up and returned in X-Request-Id.
/// The closing log lines ("finished processing request") of three requests, in order: a 401
/// with a generated id, a 200 with the client's id, and a last 401 that marks the end (the
/// lines are queued in order, each before its response is sent).
async fn closing_lines(cmd: Command) -> Vec<Value> {
    let (child, addr, logs) = start_logged(cmd);
    let client = reqwest::Client::new();
    let generated = client
        .get(format!("http://{addr}/auth/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(generated.status(), 401);
    let generated = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let sent = client
        .get(format!("http://{addr}/healthz"))
        .header("x-request-id", "log-me-0042")
        .send()
        .await
        .unwrap();
    assert_eq!(sent.headers()["x-request-id"], "log-me-0042");
    let last = client
        .get(format!("http://{addr}/auth/session"))
        .header("x-request-id", "log-me-last")
        .send()
        .await
        .unwrap();
    assert_eq!(last.status(), 401);

    let mut closing = Vec::new();
    loop {
        // The timeout only bounds a failing test.
        let line = logs
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("no closing line for log-me-last; found {closing:?}"));
        let event: Value = serde_json::from_str(&line)
            .unwrap_or_else(|_| panic!("a log line that is not JSON: {line}"));
        let id = event["span"]["request_id"].as_str().unwrap_or_default();
        if [generated.as_str(), "log-me-0042", "log-me-last"].contains(&id)
            && event["message"] == "finished processing request"
        {
            closing.push(event.clone());
            if id == "log-me-last" {
                break;
            }
        }
    }
    stop(child);
    assert_eq!(closing[0]["span"]["request_id"], generated.as_str());
    assert_eq!(closing[0]["status"], 401);
    assert_eq!(closing[0]["span"]["path"], "/auth/session");
    closing
}

#[tokio::test]
async fn a_requests_json_log_lines_carry_its_request_id() {
    // By default only requests answered with an error get a closing line.
    let data = tempfile::tempdir().unwrap();
    let lines = closing_lines(portal(data.path())).await;
    assert_eq!(lines.len(), 2, "the 200 was not logged: {lines:?}");
    assert_eq!(lines[1]["span"]["request_id"], "log-me-last");

    // log.access = "all": every request.
    let data = tempfile::tempdir().unwrap();
    let mut cmd = portal(data.path());
    cmd.env("PORTAL_LOG__ACCESS", "all");
    let lines = closing_lines(cmd).await;
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[1]["span"]["request_id"], "log-me-0042");
    assert_eq!(lines[1]["status"], 200);
    assert_eq!(lines[1]["span"]["path"], "/healthz");
}

/// A setting from the config file takes effect whether the file is named by --config or by
/// PORTAL_CONFIG, and a PORTAL_* variable overrides it.
#[tokio::test]
async fn a_config_file_takes_effect_and_the_environment_overrides_it() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("portal.toml");
    std::fs::write(&file, "[http]\nbody_limit_bytes = 2048\n").unwrap();
    // A 4 KB sign-in: too large for the file's limit, not for the override's.
    let big_login = json!({"email": "nobody@example.com", "password": "x".repeat(4096)});
    let status_of_big_login = |addr: SocketAddr| {
        let body = big_login.clone();
        async move {
            reqwest::Client::new()
                .post(format!("http://{addr}/auth/login"))
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };

    let mut by_flag = portal(data.path());
    by_flag.arg("--config").arg(&file);
    let mut by_env = portal(data.path());
    by_env.env("PORTAL_CONFIG", &file);
    for (how, cmd) in [("--config", by_flag), ("PORTAL_CONFIG", by_env)] {
        let (child, addr, _) = start_logged(cmd);
        assert_eq!(status_of_big_login(addr).await, 413, "file named by {how}");
        stop(child);
    }

    let mut overridden = portal(data.path());
    overridden
        .env("PORTAL_CONFIG", &file)
        .env("PORTAL_HTTP__BODY_LIMIT_BYTES", "65536");
    let (child, addr, _) = start_logged(overridden);
    // Past the body limit, the handler refuses the overlong password itself.
    assert_eq!(
        status_of_big_login(addr).await,
        422,
        "PORTAL_HTTP__BODY_LIMIT_BYTES overrides the file"
    );
    stop(child);
}

#[test]
fn bad_configuration_stops_start_up_with_a_clear_message() {
    let data = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &str); 4] = [
        ("PORTAL_MODE", "production", "secret_key"),
        ("PORTAL_LISTEN", "not-an-address", "LISTEN"),
        ("PORTAL_CASES__RATE_LIMIT__BURST", "0", "rate_limit"),
        ("PORTAL_NO_SUCH_KEY", "1", "no_such_key"),
    ];
    for (key, value, mentioned) in cases {
        let mut cmd = portal(data.path());
        if key == "PORTAL_MODE" {
            cmd.env_remove("PORTAL_AUTH__SECRET_KEY");
        }
        let output = cmd.env(key, value).output().unwrap();
        assert!(!output.status.success(), "{key}={value} started");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(mentioned), "{key}={value}: {stderr}");
        assert!(!stderr.contains(SECRET), "the secret never shows");
    }
}

/// Every export a collector received: its content type and body.
type Exports = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A stand-in OTLP/HTTP collector that keeps every trace export it receives.
async fn collector() -> (SocketAddr, Exports) {
    let received: Exports = Arc::default();
    let store = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let store = Arc::clone(&store);
                async move {
                    let content_type = headers
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    store.lock().unwrap().push((content_type, body.to_vec()));
                    axum::http::StatusCode::OK
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traces_are_exported_over_otlp_with_the_request_id() {
    let (collector_addr, received) = collector().await;
    let data = tempfile::tempdir().unwrap();
    let mut child = portal(data.path())
        .env(
            "PORTAL_TELEMETRY__OTLP_ENDPOINT",
            format!("http://{collector_addr}"),
        )
        .spawn()
        .unwrap();
    let (addr, lines) = common::wait_listening(&mut child);
    std::thread::spawn(move || for _ in lines {});
    let response = reqwest::Client::new()
        .get(format!("http://{addr}/healthz"))
        .header("x-request-id", "trace-me-0042")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // SIGTERM: the portal drains and flushes its buffered spans before exiting.
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success());
    let exports = received.lock().unwrap().clone();
    assert!(!exports.is_empty(), "no trace export reached the collector");
    assert!(
        exports.iter().all(|(ct, _)| ct == "application/x-protobuf"),
        "{exports:?}"
    );
    let all: Vec<u8> = exports.into_iter().flat_map(|(_, body)| body).collect();
    let contains = |needle: &[u8]| all.windows(needle.len()).any(|w| w == needle);
    assert!(
        contains(b"trace-me-0042"),
        "the request id is an attribute of the exported span"
    );
    assert!(contains(b"customer-portal"), "service.name is set");
}

#[test]
fn the_test_suites_own_variables_are_not_settings() {
    let data = tempfile::tempdir().unwrap();
    let output = portal(data.path())
        .env("PORTAL_TEST_REDIS", "redis://127.0.0.1:1")
        .env("PORTAL_TEST_BACKEND", "salesforce")
        .arg("check-config")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn check_config_lists_every_insecure_production_setting() {
    let data = tempfile::tempdir().unwrap();
    // The test config in production: demo accounts, no https, no metrics token.
    let output = portal(data.path())
        .env("PORTAL_MODE", "production")
        .env("PORTAL_PUBLIC_URL", "http://portal.example.com")
        .arg("check-config")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for problem in [
        "\n  - public_url (PORTAL_PUBLIC_URL) must be the https:// URL",
        "\n  - metrics.token (PORTAL_METRICS__TOKEN) is required",
        "\n  - mock.local_accounts_file (PORTAL_MOCK__LOCAL_ACCOUNTS_FILE) is the demo accounts file",
    ] {
        assert!(stderr.contains(problem), "{problem:?} in {stderr}");
    }
    assert!(!stderr.contains(SECRET), "the secret never shows");

    // Fixed, the same check passes.
    let accounts = data.path().join("accounts.json");
    std::fs::write(&accounts, "[]").unwrap();
    let output = portal(data.path())
        .env("PORTAL_MODE", "production")
        .env("PORTAL_PUBLIC_URL", "https://portal.example.com")
        .env("PORTAL_METRICS__TOKEN", "scraper-token")
        .env("PORTAL_MOCK__LOCAL_ACCOUNTS_FILE", &accounts)
        .arg("check-config")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
