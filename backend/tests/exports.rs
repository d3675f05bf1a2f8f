//! `/customer/{id}/exports` (issue 16, decision 026): all of an account's cases as CSV through a
//! Bulk API 2.0 query job. On the mock store, or on the Salesforce adapter through the emulator
//! (`PORTAL_TEST_BACKEND=salesforce`), with the shared state in Redis when `PORTAL_TEST_REDIS`
//! is set; one test runs both adapters side by side and compares their CSV.

mod common;

use common::{TestApp, User, problem};
use portal::Config;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

const GINA: &str = "gina@globex.example";
/// Globex's cases in the fixtures.
const GLOBEX_CASES: usize = 40;
const HEADER: &str = "case_number,subject,status,priority,created_at,closed_at,last_updated_at";

/// Sets of 7 rows (40 cases: 6 sets), and a quota no test runs out of by accident.
fn small_sets(c: &mut Config) {
    c.exports.page_records = 7;
    c.exports.rate_limit.burst = 100;
}

fn keyed(key: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("idempotency-key", key.parse().unwrap());
    headers
}

async fn start(user: &User, key: &str) -> reqwest::Response {
    user.post(
        &format!("/customer/{}/exports", user.customer),
        &json!({}),
        keyed(key),
    )
    .await
}

/// Polls the export until it is complete; returns the states seen, in order, and the last body.
async fn until_complete(user: &User, location: &str) -> (Vec<String>, Value) {
    let mut states = Vec::new();
    for _ in 0..50 {
        let body = user.get_json(location).await;
        let state = body["state"].as_str().unwrap().to_owned();
        if states.last() != Some(&state) {
            states.push(state.clone());
        }
        if state == "complete" {
            return (states, body);
        }
        assert_ne!(state, "failed", "{body}");
    }
    panic!("the export never completed: {states:?}");
}

/// Starts an export, waits for it and downloads the CSV: (states seen, CSV text).
async fn export(user: &User, key: &str) -> (Vec<String>, String) {
    let res = start(user, key).await;
    assert_eq!(res.status(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let first: Value = res.json().await.unwrap();
    assert_eq!(
        location,
        format!(
            "/customer/{}/exports/{}",
            user.customer,
            first["id"].as_str().unwrap()
        )
    );
    let (mut states, done) = until_complete(user, &location).await;
    states.insert(0, first["state"].as_str().unwrap().to_owned());
    states.dedup();
    let link = done["download_url"].as_str().unwrap();
    let res = user.get(link).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"cases.csv\""
    );
    (states, res.text().await.unwrap())
}

/// The CSV's records (RFC 4180), header first.
fn records(csv: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn both_adapters_export_the_same_rows_in_the_portals_words() {
    let here = TestApp::spawn_with(small_sets).await;
    let org = TestApp::spawn_salesforce_with(small_sets).await;
    let (here_states, here_csv) = export(
        &here.login(GINA).await,
        "1f0e2d3c-0000-4000-8000-000000000001",
    )
    .await;
    let (org_states, org_csv) = export(
        &org.login(GINA).await,
        "1f0e2d3c-0000-4000-8000-000000000001",
    )
    .await;

    // The emulator's job goes through its states (bulk_polls_to_complete = 2).
    assert_eq!(org_states, ["queued", "running", "complete"]);
    assert_eq!(here_states.last().map(String::as_str), Some("complete"));

    let mut here_rows = records(&here_csv);
    let mut org_rows = records(&org_csv);
    assert_eq!(here_rows[0].join(","), HEADER);
    assert_eq!(org_rows[0], here_rows[0], "same header");
    here_rows.remove(0);
    org_rows.remove(0);
    assert_eq!(here_rows.len(), GLOBEX_CASES);
    // Bulk API 2.0 gives no order: compare sorted by case number.
    here_rows.sort();
    org_rows.sort();
    assert_eq!(here_rows, org_rows);
    // The portal's words, not the org's picklist values.
    let statuses = [
        "new",
        "in_progress",
        "waiting_on_customer",
        "escalated",
        "on_hold",
        "closed",
    ];
    assert!(
        here_rows.iter().all(|r| statuses.contains(&r[2].as_str())),
        "{here_rows:?}"
    );
    assert!(
        here_rows
            .iter()
            .all(|r| ["low", "medium", "high"].contains(&r[3].as_str()))
    );
    // The list and the export agree on which cases the account has.
    let listed: Vec<Value> = here.login(GINA).await.all_cases("status=all").await;
    let mut numbers: Vec<&str> = listed
        .iter()
        .map(|c| c["case_number"].as_str().unwrap())
        .collect();
    numbers.sort_unstable();
    let exported: Vec<&str> = here_rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(numbers, exported);
}

#[tokio::test]
async fn the_salesforce_adapter_reads_result_sets_by_locator() {
    let app = TestApp::spawn_salesforce_with(small_sets).await;
    let (_, csv) = export(
        &app.login(GINA).await,
        "2f0e2d3c-0000-4000-8000-000000000002",
    )
    .await;
    assert_eq!(records(&csv).len(), GLOBEX_CASES + 1);
    let emulator = app.emulator.as_ref().unwrap();
    let sets = emulator
        .requests
        .entries()
        .iter()
        .filter(|r| r.path.contains("/jobs/query/") && r.path.ends_with("/results"))
        .count();
    assert!(
        sets >= 6,
        "40 rows in sets of 7 are 6 result sets, read one by one: {sets}"
    );
}

#[tokio::test]
async fn a_cell_that_looks_like_a_formula_is_neutralised() {
    let app = TestApp::spawn_with(small_sets).await;
    let gina = app.login(GINA).await;
    let created = gina
        .create_case(
            &json!({"subject": "=HYPERLINK(\"http://evil.example\",\"x\")", "description": "formula", "priority": "high"}),
            Some("3f0e2d3c-0000-4000-8000-000000000003"),
        )
        .await;
    assert_eq!(created.status(), 201);
    let (_, csv) = export(&gina, "3f0e2d3c-0000-4000-8000-000000000004").await;
    let rows = records(&csv);
    assert!(
        rows.iter()
            .any(|r| r[1] == "'=HYPERLINK(\"http://evil.example\",\"x\")"),
        "{csv}"
    );
    assert!(rows.iter().skip(1).all(|r| !r[1].starts_with('=')));
}

#[tokio::test]
async fn a_retried_start_with_the_same_key_gives_the_same_export() {
    let app = TestApp::spawn_with(small_sets).await;
    let gina = app.login(GINA).await;
    let first = start(&gina, "4f0e2d3c-0000-4000-8000-000000000005").await;
    assert_eq!(first.status(), 202);
    assert!(first.headers().get("ratelimit").is_some());
    let first: Value = first.json().await.unwrap();
    let again = start(&gina, "4f0e2d3c-0000-4000-8000-000000000005").await;
    assert_eq!(again.status(), 202);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    let other = start(&gina, "4f0e2d3c-0000-4000-8000-000000000006").await;
    let other: Value = other.json().await.unwrap();
    assert_ne!(other["id"], first["id"]);
    problem(start(&gina, "not a key").await, 422).await;
    let missing = gina
        .post(
            &format!("/customer/{}/exports", gina.customer),
            &json!({}),
            HeaderMap::new(),
        )
        .await;
    problem(missing, 422).await;
}

#[tokio::test]
async fn another_accounts_export_is_not_found() {
    let app = TestApp::spawn_with(small_sets).await;
    let gina = app.login(GINA).await;
    let alice = app.login("alice@acme.example").await;
    let res = start(&gina, "5f0e2d3c-0000-4000-8000-000000000007").await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Alice's own customer path with Gina's export id: the same 404 as an unknown id.
    let mut foreign = problem(
        alice
            .get(&format!("/customer/{}/exports/{id}", alice.customer))
            .await,
        404,
    )
    .await;
    let (job, signature) = id.split_once('-').unwrap();
    let forged = format!("{job}-{}", signature.chars().rev().collect::<String>());
    let mut unknown = problem(
        alice
            .get(&format!("/customer/{}/exports/{forged}", alice.customer))
            .await,
        404,
    )
    .await;
    foreign.as_object_mut().unwrap().remove("request_id");
    unknown.as_object_mut().unwrap().remove("request_id");
    assert_eq!(foreign, unknown, "the same body as an unknown id");
    let download = alice
        .get(&format!(
            "/customer/{}/exports/{id}/download?expires=9999999999&signature={}",
            alice.customer,
            "A".repeat(43)
        ))
        .await;
    problem(download, 404).await;
}

fn audit_events(app: &TestApp) -> Vec<Value> {
    std::fs::read_to_string(app.data_dir.path().join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn the_link_is_bound_to_the_session_expires_and_downloads_are_audited() {
    let app = TestApp::spawn_with(|c| {
        small_sets(c);
        c.exports.link_ttl_secs = 1;
    })
    .await;
    let gina = app.login(GINA).await;
    let res = start(&gina, "6f0e2d3c-0000-4000-8000-000000000008").await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let (_, done) = until_complete(&gina, &location).await;
    let link = done["download_url"].as_str().unwrap().to_owned();
    let id = done["id"].as_str().unwrap().to_owned();

    // Gina signed in again in another browser: same customer, another session.
    let other_browser = app.login(GINA).await;
    let refused = problem(other_browser.get(&link).await, 403).await;
    assert_eq!(refused["type"], "/problems/download-link");

    let served = gina.get(&link).await;
    assert_eq!(served.status(), 200);
    assert!(served.text().await.unwrap().starts_with(HEADER));
    let events = audit_events(&app);
    let served: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "cases.export_download" && e["outcome"] == "served")
        .collect();
    assert_eq!(served.len(), 1, "{events:?}");
    assert_eq!(served[0]["export_id"], id);
    assert_eq!(served[0]["account_id"], gina.customer);

    // Past its expiry (1 s), the same link is refused, and that is audited too.
    let expires: i64 = link
        .split("expires=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    while chrono::Utc::now().timestamp() <= expires {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    problem(gina.get(&link).await, 403).await;
    assert!(
        audit_events(&app)
            .iter()
            .any(|e| e["event"] == "cases.export_download" && e["outcome"] == "expired")
    );
}

#[tokio::test]
async fn starting_exports_is_rate_limited_per_customer() {
    let app = TestApp::spawn_with(|c| {
        c.exports.rate_limit.burst = 2;
        c.exports.rate_limit.per_hour = 2;
    })
    .await;
    let gina = app.login(GINA).await;
    for n in 0..2 {
        let res = start(&gina, &format!("7f0e2d3c-0000-4000-8000-00000000000{n}")).await;
        assert_eq!(res.status(), 202);
    }
    let limited = start(&gina, "7f0e2d3c-0000-4000-8000-000000000009").await;
    assert!(limited.headers().get("retry-after").is_some());
    problem(limited, 429).await;
    // Another customer has a quota of their own.
    let alice = app.login("alice@acme.example").await;
    assert_eq!(
        start(&alice, "7f0e2d3c-0000-4000-8000-00000000000a")
            .await
            .status(),
        202
    );
}

/// A retried start that reaches another instance. With the shared state in Redis, instance B
/// finds the export the key started on A and starts none of its own. (Each test instance has
/// its own mock store or emulator, unlike instances in front of one org, so B cannot read A's
/// job and answers 404 for it; in production the org is shared.) With in-process state each
/// instance knows only its own keys and B starts a second export.
#[tokio::test]
async fn a_retry_on_another_instance_finds_the_export_through_redis() {
    let prefix = common::unique_redis_prefix();
    let shared = |c: &mut Config| {
        small_sets(c);
        c.redis_prefix = prefix.clone();
    };
    let a = TestApp::spawn_with(shared).await;
    let b = TestApp::spawn_with(shared).await;
    let gina = a.login(GINA).await;
    let first = start(&gina, "8f0e2d3c-0000-4000-8000-000000000001").await;
    assert_eq!(first.status(), 202);
    // The same browser (the cookie is the host's, whatever the port) now reaches instance B.
    let on_b = User {
        base: b.url(""),
        ..gina.clone()
    };
    let again = start(&on_b, "8f0e2d3c-0000-4000-8000-000000000001").await;
    if common::test_redis().is_some() {
        let body = problem(again, 404).await;
        assert_eq!(body["detail"], "The export does not exist.");
    } else {
        assert_eq!(again.status(), 202);
        assert!(again.headers().get("idempotent-replayed").is_none());
    }
}

/// An export holds every case of the company, which only its managers see (decision 031): a
/// member can neither start one nor read the one their manager started, even with its id and
/// link, and their refused start leaves nothing behind.
#[tokio::test]
async fn members_cannot_start_or_read_the_companys_export() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    let res = start(&alice, "managers-export").await;
    assert_eq!(res.status(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let (_, done) = until_complete(&alice, &location).await;
    let link = done["download_url"].as_str().unwrap().to_owned();

    let refused = problem(start(&bob, "members-export").await, 403).await;
    assert_eq!(refused["type"], "/problems/forbidden");
    for path in [&location, &link] {
        let body = problem(bob.get(path).await, 403).await;
        assert_eq!(body["type"], "/problems/forbidden", "{path}");
    }
    // The manager's export is still theirs to read.
    assert_eq!(alice.get(&link).await.status(), 200);
}
