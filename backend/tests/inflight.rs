//! Requests still in progress, on the Salesforce adapter through the emulator (whatever
//! `PORTAL_TEST_BACKEND` says): a request slower than `http.request_timeout_secs` answers 503
//! at the timeout, and a second create with the Idempotency-Key of one still running gets 409.

mod common;

use std::time::{Duration, Instant};

use common::{GLOBEX, TestApp, new_case, problem};
use reqwest::header::HeaderMap;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_slower_than_the_request_timeout_gets_503_at_the_timeout() {
    let app = TestApp::spawn_salesforce_with(|c| {
        c.http.request_timeout_secs = 1;
        // Salesforce calls may take far longer: the request timeout is what cuts them off.
        c.resilience.call_timeout_ms = 20_000;
        c.resilience.retry_budget_ms = 20_000;
        c.http.cors_allowed_origins = vec!["https://app.example.com".into()];
    })
    .await;
    let gina = app.login("gina@globex.example").await;
    app.emulator
        .as_ref()
        .unwrap()
        .faults
        .update(|f| f.latency_ms = 5_000);

    let started = Instant::now();
    // A query nothing has cached: it has to wait for Salesforce. Asked cross-origin, by a web
    // app on an allowed origin, which must be able to read the timeout's problem.
    let response = gina
        .client
        .get(gina.url(&format!("/customer/{GLOBEX}/cases?q=timeout-test")))
        .header("origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let body = problem(response, 503).await;
    assert_eq!(body["type"], "/problems/unavailable");
    // The timeout's own problem, not Salesforce reported unavailable by the adapter.
    assert!(
        body["detail"].as_str().unwrap().contains("took too long"),
        "{body}"
    );
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_millis(2_500),
        "answered after {took:?}, not at the 1 s request timeout (Salesforce takes 5 s)"
    );
    // Counted against its route, although the timeout dropped the handler before it answered.
    let metrics = gina.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(
            r#"portal_http_requests_total{route="/customer/{customer_id}/cases",method="GET",status="503"} 1"#
        ),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_idempotency_key_while_the_first_create_runs_gets_409() {
    let app = TestApp::spawn_salesforce_with(|c| c.cases.rate_limit.burst = 100).await;
    let gina = app.login("gina@globex.example").await;
    let emulator = app.emulator.as_ref().unwrap();
    // Every Salesforce call now takes a second: the first create (a lookup, the upsert and a
    // read-back) stays in progress for about three.
    emulator.faults.update(|f| f.latency_ms = 1_000);
    emulator.requests.clear();

    let key = "inflight-duplicate-0001";
    let body = new_case("in flight twice");
    let first = {
        let gina = gina.clone();
        let body = body.clone();
        tokio::spawn(async move {
            let mut headers = HeaderMap::new();
            headers.insert("idempotency-key", key.parse().unwrap());
            headers.insert("x-request-id", "first-create-0001".parse().unwrap());
            gina.post(&format!("/customer/{GLOBEX}/cases"), &body, headers)
                .await
        })
    };
    // The key is claimed before any Salesforce call: once the first call of that request
    // reaches Salesforce, the first create holds the key and is still running.
    tokio::time::timeout(
        Duration::from_secs(20),
        emulator.requests.arrival_of("first-create-0001"),
    )
    .await
    .expect("the first create reached Salesforce");
    assert!(!first.is_finished());

    let second = gina.create_case(&body, Some(key)).await;
    let conflict = problem(second, 409).await;
    assert_eq!(conflict["type"], "/problems/idempotency-in-flight");
    assert!(!first.is_finished(), "the 409 came while the first ran");

    let first = first.await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let created: Value = first.json().await.unwrap();
    emulator.faults.clear();

    // Afterwards the same key replays the first case.
    let replay = gina.create_case(&body, Some(key)).await;
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replayed: Value = replay.json().await.unwrap();
    assert_eq!(replayed["id"], created["id"]);
    assert_eq!(replayed["case_number"], created["case_number"]);

    let stored = gina.all_cases("q=in%20flight%20twice").await;
    assert_eq!(stored.len(), 1, "exactly one case: {stored:?}");
    assert_eq!(stored[0]["id"], created["id"]);
    assert_eq!(
        emulator
            .requests
            .count("PATCH", "/services/data/v62.0/sobjects/Case/"),
        1,
        "one upsert reached Salesforce"
    );
}
