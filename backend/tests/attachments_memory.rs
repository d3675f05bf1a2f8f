//! An upload is streamed to disk, never held in memory: measured by the peak resident memory
//! of this process (the server runs in it), so this test has a binary of its own (tests running
//! beside it would raise the peak).

mod common;

use common::{TestApp, User};
use futures::StreamExt;
use portal::Config;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

/// The two tests measure one process's peak: they take turns.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn roomy(c: &mut Config) {
    c.attachments.rate_limit.burst = 1_000;
    c.resilience.customer_calls_burst = 10_000;
}

async fn first_case(user: &User) -> String {
    let page = user
        .get_json(&format!("/customer/{}/cases?limit=1", user.customer))
        .await;
    page["items"][0]["id"].as_str().unwrap().to_owned()
}

fn attachments_path(user: &User, case: &str) -> String {
    format!("/customer/{}/cases/{case}/attachments", user.customer)
}

/// A PDF of `total` bytes streamed without a length (chunked), made as it is sent.
fn streamed(total: usize) -> reqwest::Body {
    let chunk = 64 * 1024;
    let mut first = true;
    let chunks = futures::stream::iter((0..total.div_ceil(chunk)).map(move |i| {
        let mut bytes = vec![b'a' ^ (i as u8); chunk.min(total - i * chunk)];
        if std::mem::take(&mut first) {
            bytes[..5].copy_from_slice(b"%PDF-");
        }
        Ok::<_, std::io::Error>(bytes)
    }));
    reqwest::Body::wrap_stream(chunks)
}

async fn download(user: &User, case: &str, id: &str) -> reqwest::Response {
    let start = user
        .get(&format!("{}/{id}/download", attachments_path(user, case)))
        .await;
    assert_eq!(start.status(), 302);
    let link = start.headers()["location"].to_str().unwrap().to_owned();
    user.get(&link).await
}

/// An upload body is streamed to disk: a file bigger than everything else the test holds does
/// not make the process's memory grow by its size. (Peak resident memory, read from
/// /proc/self/status; the server runs in this process.)
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_large_upload_is_not_held_in_memory() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn_with(|c| {
        roomy(c);
        c.attachments.max_bytes = 256 * 1024 * 1024;
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    let case = first_case(&alice).await;
    let before = peak_rss_kb();
    // The emulator (Salesforce mode) keeps what it is sent in memory, in this process too, and
    // takes at most 70 MB a request.
    let total = if common::salesforce_backend() {
        32 * 1024 * 1024
    } else {
        96 * 1024 * 1024
    };
    let form = Form::new().part("file", Part::stream(streamed(total)).file_name("big.pdf"));
    let response = alice
        .client
        .post(alice.url(&attachments_path(&alice, &case)))
        .header("x-csrf-token", &alice.csrf)
        .header("idempotency-key", "mem-1")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let grew_mb = (peak_rss_kb() - before) / 1024;
    assert_eq!(response.status(), 201);
    if common::salesforce_backend() {
        // Only that the upload went through can be told here (the emulator holds it).
        return;
    }
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["size"], total);
    assert!(
        grew_mb < 48,
        "peak memory grew by {grew_mb} MB for a 96 MB upload"
    );
    let file = download(&alice, &case, stored["id"].as_str().unwrap()).await;
    assert_eq!(file.status(), 200);
    let mut received = 0;
    let mut body = file.bytes_stream();
    while let Some(chunk) = body.next().await {
        received += chunk.unwrap().len();
    }
    assert_eq!(received, total);
}

fn peak_rss_kb() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// The same for a file over the limit: refused while it streams in, and never held whole.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn an_upload_over_the_limit_is_refused_without_being_held() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn_with(|c| {
        roomy(c);
        c.attachments.max_bytes = 4 * 1024 * 1024;
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    let case = first_case(&alice).await;
    let before = peak_rss_kb();
    let form = Form::new().part(
        "file",
        Part::stream(streamed(96 * 1024 * 1024)).file_name("big.pdf"),
    );
    let response = alice
        .client
        .post(alice.url(&attachments_path(&alice, &case)))
        .header("x-csrf-token", &alice.csrf)
        .header("idempotency-key", "mem-2")
        .multipart(form)
        .send()
        .await;
    if let Ok(response) = response {
        assert_eq!(response.status(), 413);
    }
    let grew_mb = (peak_rss_kb() - before) / 1024;
    assert!(
        grew_mb < 48,
        "peak memory grew by {grew_mb} MB for a 96 MB upload"
    );
    let listed = alice.get_json(&attachments_path(&alice, &case)).await;
    assert_eq!(listed["items"], Value::Array(vec![]));
}
