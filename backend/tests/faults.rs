//! Salesforce failing in each of the ways the emulator can inject: reads keep working from
//! cache and say they are stale, every create either succeeds exactly once or fails with 503
//! and Retry-After, no request outlives its timeout, and the circuit opens and then recovers.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{GLOBEX, TestApp, User, new_case, problem};
use portal::Config;
use portal::observability::telemetry::captured::CapturedLogs;
use reqwest::header::HeaderMap;
use salesforce_emulator::{FaultConfig, Outage};
use serde_json::{Value, json};
use tokio::time::MissedTickBehavior;

/// Short timings so each scenario runs in seconds: 400 ms per attempt, three attempts within
/// a 1.5 s budget, a circuit that opens after 3 failures for 1 s, and TTLs of zero so every
/// read goes to Salesforce (and the stale path is what serves it when Salesforce fails).
fn short_timings(c: &mut Config) {
    c.resilience.call_timeout_ms = 400;
    c.resilience.max_attempts = 3;
    c.resilience.backoff_base_ms = 20;
    c.resilience.backoff_max_ms = 100;
    c.resilience.retry_budget_ms = 1_500;
    c.resilience.breaker_failures = 3;
    c.resilience.breaker_open_secs = 1;
    c.cache.accounts_ttl_secs = 0;
    c.cache.cases_ttl_secs = 0;
    c.cache.documents_ttl_secs = 0;
    c.cases.rate_limit.burst = 1_000;
    c.http.request_timeout_secs = 5;
}

async fn app() -> TestApp {
    TestApp::spawn_salesforce_with(short_timings).await
}

const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const TOKEN_PATH: &str = "/services/oauth2/token";

/// A read that must answer 200 from cache, marked stale, within the request timeout.
async fn stale_read(user: &User, path: &str) -> Value {
    let started = Instant::now();
    let response = user.get(path).await;
    assert!(
        started.elapsed() < REQUEST_TIMEOUT,
        "{path} took {:?}",
        started.elapsed()
    );
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(
        response.headers()["x-data-stale"],
        "true",
        "{path} is marked stale"
    );
    assert!(response.headers().contains_key("age"));
    response.json().await.unwrap()
}

/// Creates `n` cases with idempotency keys; returns each key's status and case id.
async fn create_many(user: &User, label: &str, n: usize) -> HashMap<String, (u16, Option<String>)> {
    let mut results = HashMap::new();
    for i in 0..n {
        let key = format!("{label}-{i}");
        let started = Instant::now();
        let response = user.create_case(&new_case(&key), Some(&key)).await;
        assert!(
            started.elapsed() < REQUEST_TIMEOUT,
            "create took {:?}",
            started.elapsed()
        );
        let status = response.status().as_u16();
        let id = match status {
            201 => Some(
                response.json::<Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            ),
            503 => {
                let retry: u64 = response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(retry >= 1);
                problem(response, 503).await;
                None
            }
            other => panic!("create answered {other}"),
        };
        results.insert(key, (status, id));
    }
    results
}

/// After the fault: every acknowledged case exists exactly once; the failed ones, retried with
/// the same key, are created exactly once (never twice, even if Salesforce got the first try).
async fn check_exactly_once(
    app: &TestApp,
    user: &User,
    results: &HashMap<String, (u16, Option<String>)>,
) {
    let emulator = app.emulator.as_ref().unwrap();
    for (key, (status, id)) in results {
        if *status == 503 {
            let retry = user.create_case(&new_case(key), Some(key)).await;
            assert_eq!(retry.status(), 201, "retry of {key}");
        }
        let stored: Vec<Value> = emulator
            .records
            .all("Case")
            .unwrap()
            .into_iter()
            .filter(|c| c["Subject"] == key.as_str())
            .collect();
        assert_eq!(stored.len(), 1, "{key} stored exactly once");
        if let Some(id) = id {
            assert_eq!(
                stored[0]["Id"],
                id.as_str(),
                "{key} is the acknowledged case"
            );
        }
    }
}

async fn warm(user: &User) {
    user.get_json(&format!("/customer/{GLOBEX}/cases")).await;
    user.get_json(&format!("/customer/{GLOBEX}/documents"))
        .await;
}

/// The value of one sample in `/metrics` (the line starting with `series`, labels included).
async fn metric(app: &TestApp, series: &str) -> Option<f64> {
    app.metrics_text()
        .await
        .lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// The sum of the samples of `name` whose labels contain every one of `labels`.
fn metric_sum(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
                && labels.iter().all(|label| l.contains(label))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// `/readyz`'s status code and report.
async fn readiness(app: &TestApp) -> (u16, Value) {
    let response = app
        .anonymous()
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Asserts that `/readyz` says `degraded` with 200 (still ready: every instance shares the org,
/// and this one serves reads from its cache) and `check` in `state`; returns the report.
async fn assert_degraded(app: &TestApp, check: &str, state: &str) -> Value {
    let (status, body) = readiness(app).await;
    assert_eq!(status, 200, "degraded, not unready: {body}");
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(body["checks"][check]["status"], state, "{body}");
    body
}

async fn circuit(app: &TestApp) -> f64 {
    metric(app, "portal_salesforce_circuit_state ")
        .await
        .unwrap_or(-1.0)
}

/// Polls (bounded) until the circuit closes again after the fault is gone.
async fn recovers(app: &TestApp, user: &User) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = user.get(&format!("/customer/{GLOBEX}/cases")).await;
        if response.status() == 200 && response.headers().get("x-data-stale").is_none() {
            break;
        }
        assert!(Instant::now() < deadline, "the portal did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(circuit(app).await, 0.0, "the circuit closed again");
    let (status, body) = readiness(app).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursts_of_5xx() {
    let app = app().await;
    let gina = app.login("gina@globex.example").await;
    warm(&gina).await;
    let emulator = app.emulator.as_ref().unwrap();
    emulator.faults.update(|f| f.error_rate = 1.0);
    stale_read(&gina, &format!("/customer/{GLOBEX}/cases")).await;
    stale_read(&gina, &format!("/customer/{GLOBEX}/documents")).await;
    let results = create_many(&gina, "burst", 3).await;
    assert!(results.values().all(|(s, _)| *s == 503));
    assert_eq!(circuit(&app).await, 2.0, "the circuit opened");
    assert_degraded(&app, "salesforce_circuit", "open").await;
    emulator.faults.clear();
    recovers(&app, &gina).await;
    check_exactly_once(&app, &gina, &results).await;
}

/// What the fault tests rely on is visible to operators: Salesforce calls by operation and
/// outcome with their latency, cache hits, misses and stale serves, and the org's API usage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn salesforce_calls_cache_and_api_usage_show_in_metrics() {
    let app = TestApp::spawn_salesforce_with(|c| {
        short_timings(c);
        c.cache.cases_ttl_secs = 60;
    })
    .await;
    let gina = app.login("gina@globex.example").await;
    let sorted = format!("/customer/{GLOBEX}/cases?sort=subject");
    gina.get_json(&sorted).await;
    gina.get_json(&sorted).await;
    let text = app.metrics_text().await;
    let calls = "portal_salesforce_calls_total";
    assert!(
        metric_sum(
            &text,
            calls,
            &["operation=\"query_cases\"", "outcome=\"ok\""]
        ) >= 1.0,
        "{text}"
    );
    assert!(
        metric_sum(
            &text,
            "portal_salesforce_call_duration_seconds_count",
            &["operation=\"query_cases\""]
        ) >= 1.0
    );
    let lookups = "portal_cache_lookups_total";
    assert!(metric_sum(&text, lookups, &["resource=\"cases\"", "result=\"miss\""]) >= 1.0);
    assert!(metric_sum(&text, lookups, &["resource=\"cases\"", "result=\"hit\""]) >= 1.0);
    let used = metric_sum(&text, "portal_salesforce_api_used", &[]);
    let limit = metric_sum(&text, "portal_salesforce_api_limit", &[]);
    assert!(used >= 1.0 && limit > used, "api usage {used} of {limit}");

    // Salesforce failing: the failed attempts and the stale serve are counted. (Documents
    // keep short_timings' TTL of zero, so the second read needs Salesforce.)
    let documents = format!("/customer/{GLOBEX}/documents?sort=title");
    gina.get_json(&documents).await;
    let before = metric_sum(&text, calls, &["outcome=\"unavailable\""]);
    app.emulator
        .as_ref()
        .unwrap()
        .faults
        .update(|f| f.error_rate = 1.0);
    stale_read(&gina, &documents).await;
    let text = app.metrics_text().await;
    assert!(metric_sum(&text, calls, &["outcome=\"unavailable\""]) > before);
    assert!(
        metric_sum(
            &text,
            lookups,
            &["resource=\"documents\"", "result=\"stale\""]
        ) >= 1.0,
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaky_5xx_never_lose_or_duplicate_a_case() {
    let app = app().await;
    let gina = app.login("gina@globex.example").await;
    let emulator = app.emulator.as_ref().unwrap();
    emulator.faults.update(|f| f.error_rate = 0.4);
    let results = create_many(&gina, "flaky", 12).await;
    emulator.faults.clear();
    recovers(&app, &gina).await;
    check_exactly_once(&app, &gina, &results).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage() {
    for outage in [Outage::Refuse, Outage::Hang] {
        let app = app().await;
        let gina = app.login("gina@globex.example").await;
        warm(&gina).await;
        let emulator = app.emulator.as_ref().unwrap();
        emulator.faults.update(|f| f.outage = Some(outage));
        stale_read(&gina, &format!("/customer/{GLOBEX}/cases")).await;
        stale_read(&gina, &format!("/customer/{GLOBEX}/documents")).await;
        // Nothing cached for this one: a clear 503, not a hang.
        let uncached = gina
            .get(&format!("/customer/{GLOBEX}/cases?sort=subject"))
            .await;
        assert_eq!(uncached.status(), 503, "{outage:?}");
        assert!(uncached.headers().contains_key("retry-after"));
        let results = create_many(&gina, &format!("outage-{outage:?}"), 3).await;
        assert_eq!(circuit(&app).await, 2.0, "{outage:?}: the circuit opened");
        emulator.faults.clear();
        recovers(&app, &gina).await;
        check_exactly_once(&app, &gina, &results).await;
    }
}

/// Salesforce refuses connections for 30 seconds of wall time, not a moment: for the whole
/// outage, reads keep answering from the cache (the stale values ageing past 30 s) within the
/// request timeout, creates fail cleanly, the circuit opens; afterwards the portal recovers and
/// no case is lost or duplicated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thirty_second_outage() {
    const OUTAGE: Duration = Duration::from_secs(30);
    let app = TestApp::spawn_salesforce_with(|c| {
        short_timings(c);
        // Stale values must outlive the outage (with room), or its last reads would fail.
        c.cache.max_stale_secs = 120;
    })
    .await;
    let gina = app.login("gina@globex.example").await;
    warm(&gina).await;
    let emulator = app.emulator.as_ref().unwrap();
    emulator.faults.update(|f| f.outage = Some(Outage::Refuse));
    let started = Instant::now();

    // Pacing only: one round of reads and a create about every second.
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut results = HashMap::new();
    let mut rounds = 0;
    let mut circuit_seen_open = false;
    while started.elapsed() < OUTAGE {
        tick.tick().await;
        stale_read(&gina, &format!("/customer/{GLOBEX}/cases")).await;
        stale_read(&gina, &format!("/customer/{GLOBEX}/documents")).await;
        results.extend(create_many(&gina, &format!("long-outage-{rounds}"), 1).await);
        circuit_seen_open |= circuit(&app).await == 2.0;
        rounds += 1;
    }
    // Still inside the outage: the cached list is served although it is now over 30 s old
    // (it was fetched before the outage began).
    let last = gina.get(&format!("/customer/{GLOBEX}/cases")).await;
    assert_eq!(last.status(), 200);
    assert_eq!(last.headers()["x-data-stale"], "true");
    let age: u64 = last.headers()["age"].to_str().unwrap().parse().unwrap();
    assert!(age >= OUTAGE.as_secs(), "served a value {age} s old");
    assert!(
        rounds >= 10,
        "only {rounds} rounds of requests in {:?}",
        started.elapsed()
    );
    assert_eq!(results.len(), rounds, "one create per round");
    assert!(circuit_seen_open, "the circuit opened during the outage");

    emulator.faults.clear();
    recovers(&app, &gina).await;
    check_exactly_once(&app, &gina, &results).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_slower_than_the_timeout() {
    let app = app().await;
    let gina = app.login("gina@globex.example").await;
    warm(&gina).await;
    let emulator = app.emulator.as_ref().unwrap();
    emulator.faults.update(|f| f.latency_ms = 1_500);
    stale_read(&gina, &format!("/customer/{GLOBEX}/cases")).await;
    let results = create_many(&gina, "slow", 3).await;
    assert_eq!(circuit(&app).await, 2.0, "timeouts opened the circuit");
    // While it is open, reads fail fast to the cache instead of waiting for Salesforce.
    stale_read(&gina, &format!("/customer/{GLOBEX}/documents")).await;
    emulator.faults.clear();
    recovers(&app, &gina).await;
    // The slow creates may have reached Salesforce after the portal gave up: the upsert on the
    // idempotency key makes the retry find them instead of creating them again.
    check_exactly_once(&app, &gina, &results).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_expiry_is_invisible() {
    let app = app().await;
    let gina = app.login("gina@globex.example").await;
    warm(&gina).await;
    app.emulator.as_ref().unwrap().faults.expire_tokens();
    // Better than stale: the token is renewed once and the call sent again, so reads stay
    // fresh, creates succeed, and the circuit never counts a failure.
    let started = Instant::now();
    let response = gina.get(&format!("/customer/{GLOBEX}/cases")).await;
    assert!(started.elapsed() < REQUEST_TIMEOUT);
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().get("x-data-stale").is_none(),
        "renewed, not stale"
    );
    let results = create_many(&gina, "token", 2).await;
    assert!(results.values().all(|(s, _)| *s == 201));
    assert_eq!(
        circuit(&app).await,
        0.0,
        "an expired token is not an outage"
    );
    check_exactly_once(&app, &gina, &results).await;
}

/// `/readyz` names the token's state: `valid` once the portal holds one, `failed` when the
/// org dropped it and its token endpoint fails (Salesforce down for this instance: degraded,
/// still 200), `valid` again once a token request succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_reports_the_salesforce_token() {
    let app = app().await;
    let gina = app.login("gina@globex.example").await;
    warm(&gina).await;
    let (status, body) = readiness(&app).await;
    assert_eq!((status, &body["status"]), (200, &json!("ready")), "{body}");
    assert_eq!(
        body["checks"]["salesforce_token"]["status"], "valid",
        "{body}"
    );

    let emulator = app.emulator.as_ref().unwrap();
    emulator.faults.update(|f| {
        f.error_rate = 1.0;
        f.path_prefix = Some(TOKEN_PATH.into());
    });
    emulator.faults.expire_tokens();
    // The next call meets the expired token, and its renewal fails.
    stale_read(&gina, &format!("/customer/{GLOBEX}/cases")).await;
    assert_degraded(&app, "salesforce_token", "failed").await;

    emulator.faults.clear();
    recovers(&app, &gina).await;
    let (_, body) = readiness(&app).await;
    assert_eq!(body["status"], "ready", "{body}");
    assert_eq!(
        body["checks"]["salesforce_token"]["status"], "valid",
        "{body}"
    );
}

/// Credentials the org refuses (a wrong consumer key) from the start: no token is ever held,
/// so Salesforce is down for this instance, which is degraded (200), and the token says why
/// while the circuit stays closed (the probe's token requests go around it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_reports_refused_credentials_as_a_failed_token() {
    let app = TestApp::spawn_salesforce_with(|c| {
        short_timings(c);
        c.salesforce.as_mut().unwrap().consumer_key = "not-the-connected-app".into();
    })
    .await;
    let body = assert_degraded(&app, "salesforce_token", "failed").await;
    assert_eq!(body["checks"]["salesforce"]["status"], "down", "{body}");
    assert_eq!(
        body["checks"]["salesforce_circuit"]["status"], "closed",
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_limit_exceeded() {
    let app = app().await;
    let gina = app.login("gina@globex.example").await;
    warm(&gina).await;
    let emulator = app.emulator.as_ref().unwrap();
    emulator.faults.update(|f| f.request_limit_exceeded = true);
    stale_read(&gina, &format!("/customer/{GLOBEX}/cases")).await;
    let results = create_many(&gina, "limit", 2).await;
    assert!(results.values().all(|(s, _)| *s == 503));
    // An org out of API calls stops being asked: the circuit opens.
    assert_eq!(circuit(&app).await, 2.0, "the circuit opened");
    stale_read(&gina, &format!("/customer/{GLOBEX}/documents")).await;
    emulator.faults.clear();
    recovers(&app, &gina).await;
    check_exactly_once(&app, &gina, &results).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unable_to_lock_row() {
    let app = app().await;
    let gina = app.login("gina@globex.example").await;
    let emulator = app.emulator.as_ref().unwrap();
    emulator.faults.update(|f| f.unable_to_lock_row_rate = 1.0);
    // Reads are not writes: unaffected.
    let fresh = gina.get(&format!("/customer/{GLOBEX}/cases")).await;
    assert_eq!(fresh.status(), 200);
    assert!(fresh.headers().get("x-data-stale").is_none());
    let results = create_many(&gina, "locked", 2).await;
    assert!(results.values().all(|(s, _)| *s == 503));
    // Creates failing attempt after attempt open the circuit; reads then come from the cache.
    assert_eq!(circuit(&app).await, 2.0, "the circuit opened");
    stale_read(&gina, &format!("/customer/{GLOBEX}/cases")).await;
    emulator.faults.update(|f| f.unable_to_lock_row_rate = 0.5);
    let flaky = create_many(&gina, "half-locked", 6).await;
    emulator.faults.clear();
    recovers(&app, &gina).await;
    check_exactly_once(&app, &gina, &results).await;
    check_exactly_once(&app, &gina, &flaky).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_on_a_cold_key_make_one_call() {
    let app = TestApp::spawn_salesforce_with(|_| {}).await;
    let gina = app.login("gina@globex.example").await;
    let emulator = app.emulator.as_ref().unwrap();
    // Slow Salesforce down so that all 100 requests arrive while the first load is running.
    emulator.faults.update(|f| f.latency_ms = 300);
    emulator.requests.clear();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let gina = gina.clone();
            tokio::spawn(async move {
                gina.get(&format!("/customer/{GLOBEX}/documents?sort=title"))
                    .await
                    .status()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    let queries = emulator.requests.count("GET", "/services/data/v62.0/query");
    assert_eq!(
        queries, 1,
        "100 concurrent requests on a cold key made {queries} Salesforce calls"
    );
}

/// A customer's first views (their case list and their document list) are loaded together in
/// one composite request: one Salesforce API call for both, and none when viewed again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visits_first_views_cost_one_salesforce_call() {
    let app = TestApp::spawn_salesforce_with(|_| {}).await;
    let gina = app.login("gina@globex.example").await;
    let emulator = app.emulator.as_ref().unwrap();
    let api_calls = || {
        emulator
            .requests
            .entries()
            .into_iter()
            .filter(|r| r.path.starts_with("/services/data/"))
            .map(|r| r.path)
            .collect::<Vec<_>>()
    };
    emulator.requests.clear();
    let cases = gina.get_json(&format!("/customer/{GLOBEX}/cases")).await;
    let documents = gina
        .get_json(&format!("/customer/{GLOBEX}/documents"))
        .await;
    assert_eq!(
        api_calls(),
        vec!["/services/data/v62.0/composite".to_owned()],
        "both lists from one call"
    );
    // Globex has 40 cases and 15 documents: a full first page with a cursor, and all 15.
    assert_eq!(cases["items"].as_array().unwrap().len(), 25);
    assert!(cases["next_cursor"].is_string());
    assert_eq!(documents["items"].as_array().unwrap().len(), 15);
    assert!(documents["next_cursor"].is_null());
    // The same query spelled out is the same landing page, served from the cache.
    let spelled = gina
        .get_json(&format!(
            "/customer/{GLOBEX}/cases?status=all&sort=-created_at&limit=25"
        ))
        .await;
    assert_eq!(spelled, cases);
    assert_eq!(api_calls().len(), 1, "viewed again: no call");
    // Paging on is a query of its own.
    let cursor = cases["next_cursor"].as_str().unwrap();
    let second = gina
        .get_json(&format!("/customer/{GLOBEX}/cases?cursor={cursor}"))
        .await;
    assert_eq!(second["items"].as_array().unwrap().len(), 15);
    assert_eq!(api_calls().len(), 2);
}

/// Successful change polls so far, from `/metrics`.
async fn change_polls(app: &TestApp) -> u64 {
    metric(app, "portal_cache_change_polls_total{outcome=\"ok\"}")
        .await
        .map_or(0, |v| v as u64)
}

/// Waits (bounded) until `more` further change polls have succeeded.
async fn wait_for_polls(app: &TestApp, more: u64) {
    let target = change_polls(app).await + more;
    let deadline = Instant::now() + Duration::from_secs(30);
    while change_polls(app).await < target {
        assert!(Instant::now() < deadline, "no change poll succeeded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Change polls keep unchanged data fresh past its TTL without reloading it, and reload an
/// account as soon as a poll sees one of its cases or files written in Salesforce.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_polls_keep_unchanged_data_and_reload_what_changed() {
    let app = TestApp::spawn_salesforce_with(|c| {
        c.cache.cases_ttl_secs = 3;
        c.cache.documents_ttl_secs = 3;
        c.cache.change_poll_secs = 1;
    })
    .await;
    let gina = app.login("gina@globex.example").await;
    let emulator = app.emulator.as_ref().unwrap();
    let data_calls = || {
        emulator
            .requests
            .entries()
            .into_iter()
            .filter(|r| r.path.starts_with("/services/data/"))
            .count()
    };
    let cases_path = format!("/customer/{GLOBEX}/cases");
    let documents_path = format!("/customer/{GLOBEX}/documents");
    let cases = gina.get_json(&cases_path).await;
    let documents = gina.get_json(&documents_path).await;

    // Four polls (over 4 s) later the 3 s TTL has run out, but the polls vouch for the data.
    wait_for_polls(&app, 4).await;
    emulator.requests.clear();
    assert_eq!(gina.get_json(&cases_path).await, cases);
    assert_eq!(gina.get_json(&documents_path).await, documents);
    assert_eq!(data_calls(), 0, "unchanged data is not reloaded");

    // An agent changes a case in Salesforce: the next poll sees it, the list is reloaded.
    let case_id = cases["items"][3]["id"].as_str().unwrap().to_owned();
    emulator
        .records
        .update("Case", &case_id, &json!({"Subject": "Changed by an agent"}))
        .unwrap();
    wait_for_polls(&app, 2).await;
    emulator.requests.clear();
    let reloaded = gina.get_json(&cases_path).await;
    assert_eq!(reloaded["items"][3]["subject"], "Changed by an agent");
    assert_eq!(
        data_calls(),
        1,
        "one call reloads the account's landing pages"
    );

    // A shared file renamed: the same for documents.
    let document_id = documents["items"][0]["id"].as_str().unwrap().to_owned();
    emulator
        .records
        .update(
            "ContentDocument",
            &document_id,
            &json!({"Title": "Renamed in Salesforce"}),
        )
        .unwrap();
    wait_for_polls(&app, 2).await;
    let renamed = gina.get_json(&documents_path).await;
    assert_eq!(renamed["items"][0]["title"], "Renamed in Salesforce");

    // Another customer's data was not touched by either change: still served without a call.
    let ian = app.login("ian@initech.example").await;
    let ian_cases = format!("/customer/{}/cases", ian.customer);
    ian.get_json(&ian_cases).await;
    wait_for_polls(&app, 4).await;
    emulator.requests.clear();
    ian.get_json(&ian_cases).await;
    assert_eq!(data_calls(), 0);
}

/// Rendered pages are kept no longer than the cache entry they were rendered from: without
/// change polls, a change made in Salesforce shows once the TTL has run out, not later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_pages_age_out_with_their_cache_entry() {
    let app = TestApp::spawn_salesforce_with(|c| {
        c.cache.cases_ttl_secs = 1;
        c.cache.change_poll_secs = 0;
    })
    .await;
    let gina = app.login("gina@globex.example").await;
    let emulator = app.emulator.as_ref().unwrap();
    let path = format!("/customer/{GLOBEX}/cases?sort=subject");
    let cases = gina.get_json(&path).await;
    assert_eq!(gina.get_json(&path).await, cases, "kept");
    let case_id = cases["items"][0]["id"].as_str().unwrap().to_owned();
    emulator
        .records
        .update(
            "Case",
            &case_id,
            &json!({"Subject": "0 Renamed by an agent"}),
        )
        .unwrap();
    let changed_at = Instant::now();
    loop {
        let page = gina.get_json(&path).await;
        if page["items"][0]["subject"] == "0 Renamed by an agent" {
            break;
        }
        assert!(
            changed_at.elapsed() < Duration::from_secs(10),
            "still the old page long after the 1 s TTL"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_new_case_shows_at_once_despite_the_cache() {
    let app = TestApp::spawn_salesforce_with(|_| {}).await;
    let gina = app.login("gina@globex.example").await;
    let before = gina
        .get_json(&format!("/customer/{GLOBEX}/cases?limit=1"))
        .await;
    let landing_before = gina.get_json(&format!("/customer/{GLOBEX}/cases")).await;
    assert_eq!(landing_before["items"][0]["id"], before["items"][0]["id"]);
    let created: Value = gina
        .create_case(&new_case("fresh after write"), None)
        .await
        .json()
        .await
        .unwrap();
    let after = gina
        .get_json(&format!("/customer/{GLOBEX}/cases?limit=1"))
        .await;
    assert_ne!(before["items"][0]["id"], after["items"][0]["id"]);
    assert_eq!(after["items"][0]["id"], created["id"]);
    // The landing page (loaded with the documents) is invalidated the same way.
    let landing = gina.get_json(&format!("/customer/{GLOBEX}/cases")).await;
    assert_eq!(landing["items"][0]["id"], created["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_budget_guard_serves_reads_from_cache_only() {
    let app = TestApp::spawn_salesforce_with(|c| {
        c.resilience.api_budget_share = 0.0;
        c.cache.cases_ttl_secs = 0;
    })
    .await;
    let queries = |app: &TestApp| {
        app.emulator
            .as_ref()
            .unwrap()
            .requests
            .count("GET", "/services/data/v62.0/query")
    };
    // The start-up's own reads (the dynamic forms' metadata) are not this test's business.
    let at_start = queries(&app);
    let gina = app.login("gina@globex.example").await;
    // Any usage is over a zero budget: the first read had nothing cached, so it is refused...
    let refused = gina.get(&format!("/customer/{GLOBEX}/cases")).await;
    assert_eq!(refused.status(), 503);
    // ...while creating a case, which is essential, still works.
    let created = gina
        .create_case(&new_case("budget"), Some("budget-1"))
        .await;
    assert_eq!(created.status(), 201);
    let calls = queries(&app) - at_start;
    let text = app.metrics_text().await;
    assert!(text.contains(r#"outcome="budget_guard""#), "{text}");
    assert!(
        calls <= 2,
        "only the create's own lookups reached Salesforce: {calls}"
    );
}

/// At a realistic share of the org's daily allocation: below it, reads go to Salesforce; past
/// it, the same reads are answered from the cache (marked stale) without another call, and
/// creating a case still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_api_budget_cached_reads_are_served_without_calls() {
    let app = TestApp::spawn_salesforce_org(
        false,
        Vec::new(),
        |org| org.api_limit = 40,
        |c| {
            c.resilience.api_budget_share = 0.5;
            c.cache.cases_ttl_secs = 0;
            c.cache.documents_ttl_secs = 0;
            c.cache.change_poll_secs = 0;
        },
    )
    .await;
    let gina = app.login("gina@globex.example").await;
    let emulator = app.emulator.as_ref().unwrap();
    let path = format!("/customer/{GLOBEX}/cases");
    // Each read (TTL zero) is a call, until usage passes half of the 40 allowed.
    let mut fresh_reads = 0;
    loop {
        let response = gina.get(&path).await;
        assert_eq!(response.status(), 200);
        if response.headers().get("x-data-stale").is_some() {
            break;
        }
        fresh_reads += 1;
        assert!(fresh_reads < 40, "the budget guard never engaged");
    }
    assert!(
        fresh_reads >= 1,
        "reads went to Salesforce while under budget"
    );
    let used = emulator.api_usage();
    assert!(used >= 20, "the guard engaged at {used} of 40");
    for _ in 0..5 {
        stale_read(&gina, &path).await;
    }
    assert_eq!(emulator.api_usage(), used, "no call while over budget");
    let created = gina
        .create_case(&new_case("over budget"), Some("over-budget-1"))
        .await;
    assert_eq!(created.status(), 201, "creating a case is essential");
}

/// Stale values are served only up to `max_stale_secs`: past it, a read with Salesforce down
/// is a 503 with Retry-After, not data of any age.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_values_are_not_served_past_their_limit() {
    let app = TestApp::spawn_salesforce_with(|c| {
        short_timings(c);
        c.cache.max_stale_secs = 0;
    })
    .await;
    let gina = app.login("gina@globex.example").await;
    warm(&gina).await;
    app.emulator
        .as_ref()
        .unwrap()
        .faults
        .update(|f| f.error_rate = 1.0);
    let response = gina.get(&format!("/customer/{GLOBEX}/cases")).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    problem(response, 503).await;
}

/// The request ids on the Salesforce REST calls the emulator logged (since its log was last
/// cleared); token requests are left out.
fn salesforce_call_ids(app: &TestApp) -> Vec<Option<String>> {
    app.emulator
        .as_ref()
        .unwrap()
        .requests
        .entries()
        .into_iter()
        .filter(|e| e.path.starts_with("/services/data/"))
        .map(|e| e.request_id)
        .collect()
}

/// Asserts that the request made Salesforce calls and that each carried `id`, then clears the
/// log for the next request.
fn assert_calls_carry(app: &TestApp, what: &str, id: &str) {
    let ids = salesforce_call_ids(app);
    assert!(!ids.is_empty(), "{what} made no Salesforce call");
    assert!(
        ids.iter().all(|sent| sent.as_deref() == Some(id)),
        "{what}: every call carries X-Request-Id {id}: {ids:?}"
    );
    app.emulator.as_ref().unwrap().requests.clear();
}

/// Every Salesforce call made on behalf of a request carries that request's id, so the portal's
/// logs and Salesforce's can be joined: the case list under one id, then a cold read (the
/// document list, never loaded before) under another, a create, and a request that sent no id
/// under the one the portal gave it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn salesforce_calls_carry_the_request_id() {
    let app = TestApp::spawn_salesforce_with(|_| {}).await;
    let gina = app.login("gina@globex.example").await;
    let emulator = app.emulator.as_ref().unwrap();
    // Nothing else calls Salesforce between requests: whatever is logged next is the request's.
    emulator.requests.clear();

    let get_with_id = |path: String, id: &'static str| {
        gina.client
            .get(gina.url(&path))
            .header("x-request-id", id)
            .send()
    };
    let response = get_with_id(format!("/customer/{GLOBEX}/cases"), "case-list-1")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-request-id"], "case-list-1");
    assert_calls_carry(&app, "the case list", "case-list-1");

    // Not the landing page (that came with the case list): a cold read of its own.
    let response = get_with_id(
        format!("/customer/{GLOBEX}/documents?sort=title"),
        "document-list-2",
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    assert_calls_carry(&app, "a cold read of the documents", "document-list-2");

    let mut headers = HeaderMap::new();
    headers.insert("idempotency-key", "request-id-create".parse().unwrap());
    headers.insert("x-request-id", "case-create-3".parse().unwrap());
    let created = gina
        .post(
            &format!("/customer/{GLOBEX}/cases"),
            &new_case("request id"),
            headers,
        )
        .await;
    assert_eq!(created.status(), 201);
    assert_calls_carry(&app, "the create", "case-create-3");

    // No id sent: the portal's own (returned in the response) is the one Salesforce sees. Another
    // customer's list, so that the read is cold.
    let ian = app.login("ian@initech.example").await;
    emulator.requests.clear();
    let response = ian.get(&format!("/customer/{}/cases", ian.customer)).await;
    assert_eq!(response.status(), 200);
    let generated = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!generated.is_empty());
    assert_calls_carry(&app, "another customer's case list", &generated);
}

/// A file that Salesforce cuts off midway through its download: the client's body ends in an
/// error (never a clean, short file), and the portal logs the failure with the request's id,
/// although the body is sent after the handler has returned and left the request's span.
/// Single-threaded, so that the portal's log lines come to this thread's subscriber.
#[tokio::test]
async fn a_download_cut_off_by_salesforce_is_logged_with_its_request_id() {
    let logs = CapturedLogs::default();
    let _logging = tracing::subscriber::set_default(logs.subscriber());
    let app = TestApp::spawn_salesforce_with(|_| {}).await;
    let emulator = app.emulator.as_ref().unwrap();
    let gina = app.login("gina@globex.example").await;
    let docs = gina
        .get_json(&format!("/customer/{GLOBEX}/documents?sort=title"))
        .await;
    let doc = docs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["size_bytes"].as_u64().is_some_and(|size| size > 100))
        .expect("a document of more than 100 bytes");
    let id = doc["id"].as_str().unwrap();
    let redirect = gina
        .get(&format!("/customer/{GLOBEX}/documents/{id}/download"))
        .await;
    assert_eq!(redirect.status(), 302);
    let link = redirect.headers()["location"].to_str().unwrap().to_owned();

    logs.recheck_call_sites();
    emulator.faults.set(FaultConfig {
        cut_body_after: Some(100),
        path_prefix: Some("/services/data/v62.0/sobjects/ContentVersion/".into()),
        ..FaultConfig::default()
    });
    // In the browser whose session asked for the link (links are bound to it).
    let mut file = gina.client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(file.status(), 200, "the headers went out before the cut");
    let request_id = file.headers()["x-request-id"].to_str().unwrap().to_owned();
    let mut received = 0;
    let failed = loop {
        match file.chunk().await {
            Ok(Some(chunk)) => received += chunk.len(),
            Ok(None) => break false,
            Err(_) => break true,
        }
    };
    assert!(failed, "the body ends in an error, not as a short file");
    assert!(received <= 100, "{received} bytes");

    let line = logs.find("the download broke off midway");
    assert_eq!(line["level"], "ERROR");
    assert_eq!(line["span"]["request_id"], request_id.as_str());
    assert_eq!(line["span"]["path"], format!("/downloads/{id}"));
}
