//! Faults switched on and off while the emulator runs, through the admin API and the handle.

use std::time::{Duration, Instant};

use reqwest::Method;
use salesforce_emulator::{FaultConfig, Outage, SlowBody};
use serde_json::{Value, json};

use crate::common::*;

async fn set_faults(emu: &salesforce_emulator::Emulator, faults: Value) {
    let res = http()
        .post(format!("{}/__emulator/faults", emu.base_url))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}

async fn clear_faults(emu: &salesforce_emulator::Emulator) {
    let res = http()
        .delete(format!("{}/__emulator/faults", emu.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}

#[tokio::test]
async fn admin_api_reads_sets_and_clears() {
    let emu = start().await;
    set_faults(
        &emu,
        json!({"latency_ms": 5, "error_rate": 0.5, "outage": null}),
    )
    .await;
    let got: Value = http()
        .get(format!("{}/__emulator/faults", emu.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["latency_ms"], 5);
    assert_eq!(got["error_rate"], 0.5);
    assert_eq!(emu.faults.get().latency_ms, 5);
    clear_faults(&emu).await;
    assert_eq!(emu.faults.get(), FaultConfig::default());
    let res = http()
        .post(format!("{}/__emulator/faults", emu.base_url))
        .json(&json!({"no_such_fault": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn latency_is_added() {
    let emu = start().await;
    let t = token(&emu).await;
    emu.faults.set(FaultConfig {
        latency_ms: 300,
        jitter_ms: 50,
        ..FaultConfig::default()
    });
    let started = Instant::now();
    assert_eq!(get(&emu, &t, "/limits").await.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    emu.faults.clear();
    let started = Instant::now();
    get(&emu, &t, "/limits").await;
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn error_rate_gives_503_with_a_salesforce_body() {
    let emu = start().await;
    let t = token(&emu).await;
    set_faults(&emu, json!({"error_rate": 1.0})).await;
    let (status, code, _) = error_code(get(&emu, &t, "/limits").await).await;
    assert_eq!((status, code.as_str()), (503, "SERVER_UNAVAILABLE"));
    let res = http()
        .post(format!("{}/services/oauth2/token", emu.base_url))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503, "the token endpoint fails too");
    clear_faults(&emu).await;
    assert_eq!(get(&emu, &t, "/limits").await.status(), 200);
}

#[tokio::test]
async fn faults_can_target_a_path_prefix() {
    let emu = start().await;
    let t = token(&emu).await;
    set_faults(
        &emu,
        json!({"error_rate": 1.0, "path_prefix": "/services/data/v62.0/query"}),
    )
    .await;
    assert_eq!(
        query(&emu, &t, "SELECT Id FROM Account").await.status(),
        503
    );
    assert_eq!(get(&emu, &t, "/limits").await.status(), 200);
}

#[tokio::test]
async fn request_limit_exceeded() {
    let emu = start().await;
    let t = token(&emu).await;
    set_faults(&emu, json!({"request_limit_exceeded": true})).await;
    let res = query(&emu, &t, "SELECT Id FROM Account").await;
    assert!(limit_info(&res).starts_with("api-usage="));
    let (status, code, body) = error_code(res).await;
    assert_eq!((status, code.as_str()), (403, "REQUEST_LIMIT_EXCEEDED"));
    assert_eq!(body[0]["message"], "TotalRequests Limit exceeded.");
}

#[tokio::test]
async fn unable_to_lock_row_on_writes_only() {
    let emu = start().await;
    let t = token(&emu).await;
    let before = emu.records.count("Case");
    set_faults(&emu, json!({"unable_to_lock_row_rate": 1.0})).await;
    let body = json!({"Subject": "x", "AccountId": "001Dn000V58wd0MIIQ"});
    let (status, code, errors) =
        error_code(send_json(&emu, &t, Method::POST, "/sobjects/Case", &body).await).await;
    assert_eq!((status, code.as_str()), (400, "UNABLE_TO_LOCK_ROW"));
    assert_eq!(errors[0]["fields"], json!([]));
    assert_eq!(emu.records.count("Case"), before, "nothing written");
    assert_eq!(
        query(&emu, &t, "SELECT Id FROM Account").await.status(),
        200
    );
}

#[tokio::test]
async fn expiring_tokens_makes_every_issued_token_invalid_once() {
    let emu = start().await;
    let old = token(&emu).await;
    assert_eq!(get(&emu, &old, "/limits").await.status(), 200);
    let res = http()
        .post(format!("{}/__emulator/faults/expire-tokens", emu.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (status, code, _) = error_code(get(&emu, &old, "/limits").await).await;
    assert_eq!((status, code.as_str()), (401, "INVALID_SESSION_ID"));
    let new = token(&emu).await;
    assert_eq!(get(&emu, &new, "/limits").await.status(), 200);
}

#[tokio::test]
async fn outage_refuses_connections_until_cleared() {
    let emu = start().await;
    let t = token(&emu).await;
    emu.faults.set(FaultConfig {
        outage: Some(Outage::Refuse),
        ..FaultConfig::default()
    });
    let err = http()
        .get(format!("{}/services/data/{V}/limits", emu.base_url))
        .bearer_auth(&t)
        .send()
        .await
        .expect_err("connection fails");
    assert!(err.status().is_none(), "no HTTP answer: {err}");
    emu.faults.clear();
    assert_eq!(get(&emu, &t, "/limits").await.status(), 200);
}

/// A connection kept alive from before the outage must not carry one more request through it:
/// each round warms one pooled connection, throws the switch, and asks again on that client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_closes_kept_alive_connections_at_once() {
    let emu = start().await;
    let t = token(&emu).await;
    for round in 0..30 {
        let client = http();
        let url = format!("{}/services/data/{V}/limits", emu.base_url);
        let warm = client.get(&url).bearer_auth(&t).send().await.unwrap();
        assert_eq!(warm.status(), 200);
        warm.bytes().await.unwrap();
        let outage = if round % 2 == 0 {
            Outage::Refuse
        } else {
            Outage::Hang
        };
        emu.faults.set(FaultConfig {
            outage: Some(outage),
            ..FaultConfig::default()
        });
        let answer = client
            .get(&url)
            .bearer_auth(&t)
            .timeout(Duration::from_millis(300))
            .send()
            .await;
        assert!(
            answer.is_err(),
            "round {round} ({outage:?}): answered {:?}",
            answer.map(|r| r.status())
        );
        emu.faults.clear();
    }
}

#[tokio::test]
async fn shutdown_closes_kept_alive_connections() {
    let emu = start().await;
    let t = token(&emu).await;
    let client = http();
    let url = format!("{}/services/data/{V}/limits", emu.base_url);
    let warm = client.get(&url).bearer_auth(&t).send().await.unwrap();
    assert_eq!(warm.status(), 200);
    warm.bytes().await.unwrap();
    emu.shutdown().await;
    let answer = client
        .get(&url)
        .bearer_auth(&t)
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(answer.is_err(), "answered {:?}", answer.map(|r| r.status()));
}

#[tokio::test]
async fn outage_can_hang_instead() {
    let emu = start().await;
    let t = token(&emu).await;
    set_faults(&emu, json!({"outage": "hang"})).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let err = client
        .get(format!("{}/services/data/{V}/limits", emu.base_url))
        .bearer_auth(&t)
        .send()
        .await
        .expect_err("hangs");
    assert!(err.is_timeout(), "{err}");
    emu.faults.clear();
    assert_eq!(get(&emu, &t, "/limits").await.status(), 200);
}

/// The first file version of the fixtures: its id and its bytes.
fn first_version() -> (String, Vec<u8>) {
    let versions: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(mocks().join("salesforce/ContentVersion.json")).unwrap(),
    )
    .unwrap();
    let v = &versions[0];
    let bytes = std::fs::read(
        mocks()
            .join("salesforce")
            .join(v["VersionDataFile"].as_str().unwrap()),
    )
    .unwrap();
    (v["Id"].as_str().unwrap().to_owned(), bytes)
}

#[tokio::test]
async fn slow_bodies_arrive_whole_but_late() {
    let emu = start().await;
    let t = token(&emu).await;
    let (version_id, expected) = first_version();
    let chunks = expected.len().div_ceil(256) as u32;
    emu.faults.set(FaultConfig {
        slow_body: Some(SlowBody {
            chunk_bytes: 256,
            delay_ms: 20,
        }),
        ..FaultConfig::default()
    });
    let started = Instant::now();
    let res = get(
        &emu,
        &t,
        &format!("/sobjects/ContentVersion/{version_id}/VersionData"),
    )
    .await;
    let bytes = res.bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), expected.as_slice());
    assert!(
        started.elapsed() >= Duration::from_millis(20) * chunks,
        "{:?} for {chunks} chunks",
        started.elapsed()
    );

    let started = Instant::now();
    let body: Value = query(&emu, &t, "SELECT Id, Name FROM Account")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["totalSize"], 4);
    assert!(
        started.elapsed() >= Duration::from_millis(40),
        "JSON is slowed too"
    );
}

#[tokio::test]
async fn cut_bodies_break_off_after_their_bytes() {
    let emu = start().await;
    let t = token(&emu).await;
    let (version_id, whole) = first_version();
    let path = format!("/sobjects/ContentVersion/{version_id}/VersionData");
    let fetched = get(&emu, &t, &path).await.bytes().await.unwrap();
    assert_eq!(fetched, whole);
    assert!(whole.len() > 100, "a file long enough to cut");

    emu.faults.set(FaultConfig {
        cut_body_after: Some(100),
        ..FaultConfig::default()
    });
    let mut res = get(&emu, &t, &path).await;
    assert_eq!(res.status(), 200, "the cut comes after the headers");
    let mut received = Vec::new();
    let failed = loop {
        match res.chunk().await {
            Ok(Some(chunk)) => received.extend_from_slice(&chunk),
            Ok(None) => break false,
            Err(_) => break true,
        }
    };
    assert!(failed, "the body ends in an error, not cleanly");
    assert_eq!(received, whole[..100], "the first 100 bytes arrive");

    // A body no longer than the cut arrives whole.
    emu.faults.set(FaultConfig {
        cut_body_after: Some(whole.len()),
        ..FaultConfig::default()
    });
    let again = get(&emu, &t, &path).await.bytes().await.unwrap();
    assert_eq!(again, whole);
}

#[tokio::test]
async fn request_log_counts_calls() {
    let emu = start().await;
    let t = token(&emu).await;
    get(&emu, &t, "/limits").await;
    query(&emu, &t, "SELECT Id FROM Account").await;
    query(&emu, &t, "SELECT Id FROM Contact").await;
    assert_eq!(emu.requests.count("POST", "/services/oauth2/token"), 1);
    assert_eq!(
        emu.requests
            .count("GET", &format!("/services/data/{V}/query")),
        2
    );
    let log: Value = http()
        .get(format!("{}/__emulator/requests", emu.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 4, "admin calls are not logged: {log}");
    assert_eq!(
        entries[1],
        json!({"method": "GET", "path": format!("/services/data/{V}/limits"), "status": 200})
    );
    http()
        .delete(format!("{}/__emulator/requests", emu.base_url))
        .send()
        .await
        .unwrap();
    assert!(emu.requests.entries().is_empty());
}

#[tokio::test]
async fn request_log_records_the_x_request_id_header() {
    let emu = start().await;
    let t = token(&emu).await;
    http()
        .get(format!("{}/services/data/{V}/limits", emu.base_url))
        .bearer_auth(&t)
        .header("x-request-id", "portal-req-7")
        .send()
        .await
        .unwrap();
    get(&emu, &t, "/limits").await;
    let entries = emu.requests.entries();
    assert_eq!(entries.len(), 3, "token, limits with an id, limits without");
    assert_eq!(entries[0].request_id, None);
    assert_eq!(entries[1].request_id.as_deref(), Some("portal-req-7"));
    assert_eq!(entries[2].request_id, None);
    let log: Value = http()
        .get(format!("{}/__emulator/requests", emu.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        log[1],
        json!({
            "method": "GET",
            "path": format!("/services/data/{V}/limits"),
            "status": 200,
            "request_id": "portal-req-7",
        })
    );
    assert!(
        log[2].get("request_id").is_none(),
        "left out when absent: {log}"
    );
}

#[tokio::test]
async fn fail_after_commit_stores_the_write_and_loses_its_answer() {
    let emu = start().await;
    let t = token(&emu).await;
    set_faults(
        &emu,
        json!({"fail_after_commit": {"delay_ms": 300}, "path_prefix": "/services/data/v62.0/sobjects/Case"}),
    )
    .await;
    let before = emu.records.count("Case");
    let started = Instant::now();
    let res = send_json(
        &emu,
        &t,
        Method::PATCH,
        "/sobjects/Case/Portal_Request_Id__c/after-commit-1",
        &json!({"Subject": "Stored anyway", "AccountId": "001Dn000V58wd0MIIQ"}),
    )
    .await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body[0]["errorCode"], "SERVER_UNAVAILABLE");
    assert_eq!(emu.records.count("Case"), before + 1, "the write committed");
    let stored: Vec<Value> = emu
        .records
        .all("Case")
        .unwrap()
        .into_iter()
        .filter(|c| c["Portal_Request_Id__c"] == "after-commit-1")
        .collect();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["Subject"], "Stored anyway");

    // Reads answer as usual, and a write that fails is not delayed nor turned into a 503.
    let res = query(
        &emu,
        &t,
        "SELECT Id FROM Case WHERE Portal_Request_Id__c = 'after-commit-1'",
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = send_json(
        &emu,
        &t,
        Method::POST,
        "/sobjects/Case",
        &json!({"Status": "Maybe"}),
    )
    .await;
    assert_eq!(res.status(), 400);

    clear_faults(&emu).await;
    let res = send_json(
        &emu,
        &t,
        Method::PATCH,
        "/sobjects/Case/Portal_Request_Id__c/after-commit-1",
        &json!({"Subject": "Stored anyway"}),
    )
    .await;
    assert_eq!(res.status(), 200, "the retry finds the stored case");
    assert_eq!(res.json::<Value>().await.unwrap()["created"], false);
    assert_eq!(emu.records.count("Case"), before + 1);
}
