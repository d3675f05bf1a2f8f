//! What the Salesforce adapter writes, read back from the emulator's records: the fields of a
//! new case, the org's own picklist values, a retry after Salesforce stored the case but its
//! answer was lost, and cases an org keeps without a subject or a priority. Always on the
//! Salesforce adapter through the emulator over HTTP, whatever `PORTAL_TEST_BACKEND` says.

mod common;

use common::{ACME, GLOBEX, TestApp, User, new_case, problem};
use portal::Config;
use portal::domain::case::{CaseStatus, Picklists, Priority};
use salesforce_emulator::{CasePicklists, FailAfterCommit};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Alice's Contact (Acme) and Gina's (Globex), as the fixtures have them.
const ALICE: &str = "003Dn000O6V0xBhIIJ";
/// Bob's Contact, of Acme like Alice's.
const BOB: &str = "003Dn000BJKn1AmIYJ";

/// Every read goes to Salesforce (no cache in the way of what the test changes in the org), and
/// creates are not rate-limited.
fn no_cache(c: &mut Config) {
    c.cache.accounts_ttl_secs = 0;
    c.cache.cases_ttl_secs = 0;
    c.cache.documents_ttl_secs = 0;
    c.cases.rate_limit.burst = 1_000;
    // Without a cache every page is a Salesforce call; the tests page through hundreds, which the
    // per-customer call budget (tests/budgets.rs covers it) would rightly refuse.
    c.resilience.customer_calls_burst = 10_000;
}

/// Makes the emulator store every case write, then fail its answer after `delay_ms`.
fn fail_case_writes_after_commit(app: &TestApp, delay_ms: u64) {
    app.emulator.as_ref().unwrap().faults.update(|f| {
        f.fail_after_commit = Some(FailAfterCommit { delay_ms });
        f.path_prefix = Some("/services/data/v62.0/sobjects/Case/".into());
    });
}

/// How many cases of Globex the emulator's org holds.
fn globex_cases_in_org(emulator: &salesforce_emulator::Emulator) -> usize {
    emulator
        .records
        .all("Case")
        .unwrap()
        .iter()
        .filter(|c| c["AccountId"] == GLOBEX)
        .count()
}

/// The external id the portal upserts by for an idempotency key of a customer's contact.
fn external_id(account: &str, contact: &str, key: &str) -> String {
    let digest = Sha256::digest(format!("{account}:{contact}:{key}").as_bytes());
    let hex: String = digest[..20].iter().map(|b| format!("{b:02x}")).collect();
    format!("k-{hex}")
}

/// The emulator's cases with this external id.
fn cases_with_external_id(app: &TestApp, value: &str) -> Vec<Value> {
    app.emulator
        .as_ref()
        .unwrap()
        .records
        .all("Case")
        .unwrap()
        .into_iter()
        .filter(|c| c["Portal_Request_Id__c"] == value)
        .collect()
}

async fn created(response: reqwest::Response) -> (bool, Value) {
    assert_eq!(response.status(), 201);
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    (replayed, response.json().await.unwrap())
}

#[tokio::test]
async fn a_create_that_timed_out_after_salesforce_stored_it_is_retried_into_the_same_case() {
    let app = TestApp::spawn_salesforce_with(|c| {
        no_cache(c);
        // One attempt waits 2 s, then the resilience layer tries again (the create is an
        // upsert by external id, safe to repeat).
        c.resilience.call_timeout_ms = 2_000;
        c.resilience.max_attempts = 3;
        c.resilience.backoff_base_ms = 10;
        c.resilience.backoff_max_ms = 50;
        c.resilience.retry_budget_ms = 20_000;
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    // Case writes commit, then their answer never comes in time.
    fail_case_writes_after_commit(&app, 60_000);
    let key = "timeout-after-commit";
    let (replayed, case) = created(
        alice
            .create_case(&new_case("Stored, answer lost"), Some(key))
            .await,
    )
    .await;
    // The retry found the case the first attempt stored (the created = false path) instead
    // of writing again.
    assert!(replayed, "the retry found the stored case: {case}");
    let stored = cases_with_external_id(&app, &external_id(ACME, ALICE, key));
    assert_eq!(stored.len(), 1, "exactly one case: {stored:?}");
    assert_eq!(stored[0]["Id"], case["id"]);
    assert_eq!(stored[0]["Subject"], "Stored, answer lost");
}

/// A client's retry with the same key. The failed request frees its key before it answers; a
/// client that retries while another attempt still holds the key hears 409 ("still in flight,
/// retry") and retries.
async fn retry(user: &User, body: &Value, key: &str) -> reqwest::Response {
    for _ in 0..100 {
        let response = user.create_case(body, Some(key)).await;
        if response.status() != 409 {
            return response;
        }
        tokio::task::yield_now().await;
    }
    panic!("the key stayed in flight");
}

#[tokio::test]
async fn a_create_that_failed_after_salesforce_stored_it_is_found_by_the_clients_retry() {
    let app = TestApp::spawn_salesforce_with(|c| {
        no_cache(c);
        // No retry inside the portal: the client sees the failure and retries itself.
        c.resilience.max_attempts = 1;
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    fail_case_writes_after_commit(&app, 0);
    let key = "failed-after-commit";
    let body = new_case("Stored, answered 503");
    let failed = alice.create_case(&body, Some(key)).await;
    assert!(failed.headers().contains_key("retry-after"));
    problem(failed, 503).await;
    let stored = cases_with_external_id(&app, &external_id(ACME, ALICE, key));
    assert_eq!(stored.len(), 1, "Salesforce stored it despite the 503");

    // The fault stays on: a retry that wrote again would fail again.
    let (replayed, case) = created(retry(&alice, &body, key).await).await;
    assert!(replayed, "created = false: the existing case is returned");
    assert_eq!(case["id"], stored[0]["Id"]);
    assert_eq!(case["subject"], "Stored, answered 503");
    assert_eq!(
        cases_with_external_id(&app, &external_id(ACME, ALICE, key)).len(),
        1,
        "still exactly one case"
    );

    // The same key with another body is a different request, refused without a write.
    let other = retry(&alice, &new_case("Something else"), key).await;
    problem(other, 422).await;
    assert_eq!(
        cases_with_external_id(&app, &external_id(ACME, ALICE, key)).len(),
        1
    );
}

/// The external id is the contact's: Alice and Bob (one account) sending the same key make two
/// cases in the org, each under the external id of their own scoped key, and Alice's retry,
/// once the portal's idempotency record is gone (a restart, a day later), still finds hers by
/// the upsert on that external id.
#[tokio::test]
async fn the_same_key_from_two_contacts_of_one_account_upserts_two_external_ids() {
    let app = TestApp::spawn_salesforce_with(no_cache).await;
    let key = "shared-by-two-people";
    let body = new_case("Same key, two people");
    let mut ids = Vec::new();
    for (email, contact) in [("alice@acme.example", ALICE), ("bob@acme.example", BOB)] {
        let user = app.login(email).await;
        let (replayed, case) = created(user.create_case(&body, Some(key)).await).await;
        assert!(!replayed, "{email} made a new case: {case}");
        let stored = cases_with_external_id(&app, &external_id(ACME, contact, key));
        assert_eq!(stored.len(), 1, "{email}: {stored:?}");
        assert_eq!(stored[0]["Id"], case["id"]);
        assert_eq!(stored[0]["ContactId"], contact);
        ids.push(case["id"].clone());
    }
    assert_ne!(ids[0], ids[1]);

    // A new portal on the same org: no idempotency record, only the external id.
    let emulator = app.emulator.as_ref().unwrap();
    let restarted = TestApp::spawn_salesforce_with(|c| {
        no_cache(c);
        let login_url = emulator.base_url.clone();
        if let Some(sf) = c.salesforce.as_mut() {
            sf.login_url = login_url;
        }
    })
    .await;
    let alice = restarted.login("alice@acme.example").await;
    let (replayed, case) = created(alice.create_case(&body, Some(key)).await).await;
    assert!(replayed, "found by the external id: {case}");
    assert_eq!(case["id"], ids[0]);
    assert_eq!(
        cases_with_external_id(&app, &external_id(ACME, ALICE, key)).len(),
        1
    );
}

#[tokio::test]
async fn a_new_case_is_stored_with_the_sessions_account_and_contact_and_mapped_values() {
    let app = TestApp::spawn_salesforce_with(no_cache).await;
    let emulator = app.emulator.as_ref().unwrap();
    let alice = app.login("alice@acme.example").await;
    let key = "stored-fields";
    let (replayed, case) = created(
        alice
            .create_case(
                &json!({"subject": "Invoice missing", "description": "March.", "priority": "low"}),
                Some(key),
            )
            .await,
    )
    .await;
    assert!(!replayed);
    let id = case["id"].as_str().unwrap();
    let stored = emulator.records.get("Case", id).unwrap();
    assert_eq!(stored["AccountId"], ACME, "the session's account");
    assert_eq!(stored["ContactId"], ALICE, "the session's contact");
    assert_eq!(stored["Origin"], "Web");
    assert_eq!(
        stored["Portal_Request_Id__c"],
        external_id(ACME, ALICE, key)
    );
    assert_eq!(stored["Subject"], "Invoice missing");
    assert_eq!(stored["Description"], "March.");
    assert_eq!(stored["Priority"], "Low", "low is written as the org's Low");
    assert_eq!(stored["Status"], "New");
    assert_eq!(stored["IsClosed"], false);
    assert_eq!(stored["CaseNumber"], case["case_number"]);
    assert_eq!(case["status"], "new", "the org's New reads as new");
    assert_eq!(case["priority"], "low");

    // Without an idempotency key the external id is still set: a fresh one per request.
    let (_, case) = created(alice.create_case(&new_case("No key"), None).await).await;
    let stored = emulator
        .records
        .get("Case", case["id"].as_str().unwrap())
        .unwrap();
    let external = stored["Portal_Request_Id__c"].as_str().unwrap();
    assert!(
        external.starts_with("r-") && external.len() == 34,
        "{external}"
    );
    assert_eq!(stored["Priority"], "High");
    assert_eq!(stored["ContactId"], ALICE);
}

/// An org whose Case picklists are its own: statuses "Awaiting Reply" (open) and "Resolved"
/// (closed), priorities "P1 - Critical", "P2 - Normal", "P3 - Low".
fn custom_org(org: &mut salesforce_emulator::EmulatorConfig) {
    org.case_picklists = CasePicklists {
        open_statuses: vec!["Awaiting Reply".into()],
        closed_statuses: vec!["Resolved".into()],
        priorities: vec![
            "P1 - Critical".into(),
            "P2 - Normal".into(),
            "P3 - Low".into(),
        ],
    };
}

fn custom_picklists(c: &mut Config) {
    no_cache(c);
    let list = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>();
    c.picklists.status.insert(
        CaseStatus::WaitingOnCustomer,
        list(&["Awaiting Reply", "Waiting on Customer"]),
    );
    c.picklists
        .status
        .insert(CaseStatus::Closed, list(&["Resolved", "Closed"]));
    c.picklists
        .priority
        .insert(Priority::High, list(&["P1 - Critical", "High"]));
    c.picklists
        .priority
        .insert(Priority::Medium, list(&["P2 - Normal", "Medium"]));
    c.picklists
        .priority
        .insert(Priority::Low, list(&["P3 - Low", "Low"]));
}

#[tokio::test]
async fn an_orgs_own_picklist_values_map_to_the_apis_statuses_and_priorities() {
    let app = TestApp::spawn_salesforce_org(false, Vec::new(), custom_org, custom_picklists).await;
    let emulator = app.emulator.as_ref().unwrap();
    let gina = app.login("gina@globex.example").await;

    // New cases are written with the org's values: the first of each priority's list.
    let mut ids = Vec::new();
    for (priority, written) in [
        ("high", "P1 - Critical"),
        ("medium", "P2 - Normal"),
        ("low", "P3 - Low"),
    ] {
        let (_, case) = created(
            gina.create_case(
                &json!({"subject": format!("Custom {priority}"), "description": "x", "priority": priority}),
                None,
            )
            .await,
        )
        .await;
        let id = case["id"].as_str().unwrap().to_owned();
        assert_eq!(case["priority"], priority);
        assert_eq!(
            emulator.records.get("Case", &id).unwrap()["Priority"],
            written
        );
        ids.push(id);
    }

    // An agent moves them to the org's own statuses.
    emulator
        .records
        .update("Case", &ids[0], &json!({"Status": "Awaiting Reply"}))
        .unwrap();
    emulator
        .records
        .update("Case", &ids[1], &json!({"Status": "Resolved"}))
        .unwrap();
    let waiting = gina
        .get_json(&format!("/customer/{GLOBEX}/cases/{}", ids[0]))
        .await;
    assert_eq!(waiting["status"], "waiting_on_customer");
    assert_eq!(
        Picklists::standard().status("Awaiting Reply", false),
        CaseStatus::InProgress,
        "without the mapping it would read as in progress"
    );
    let resolved = gina
        .get_json(&format!("/customer/{GLOBEX}/cases/{}", ids[1]))
        .await;
    assert_eq!(resolved["status"], "closed");
    assert_eq!(resolved["is_closed"], true);

    // Sorting by priority follows the mapping, the org's values included.
    let sorted = gina.all_cases("sort=-priority").await;
    let ranks: Vec<i64> = sorted
        .iter()
        .map(|c| {
            Priority::parse(c["priority"].as_str().unwrap())
                .unwrap()
                .rank()
        })
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "{ranks:?}");
    let count = globex_cases_in_org(emulator);
    assert_eq!(sorted.len(), count, "every case once");
    for id in &ids {
        assert!(sorted.iter().any(|c| c["id"] == id.as_str()), "{id} listed");
    }
    let closed = gina.all_cases("status=closed").await;
    assert!(closed.iter().any(|c| c["id"] == ids[1].as_str()));
}

/// Every case of `user`'s customer in `sort` order, `limit` per page.
async fn pages(user: &User, sort: &str, limit: usize) -> Vec<Value> {
    user.all_pages("cases", &format!("limit={limit}&sort={sort}"))
        .await
}

#[tokio::test]
async fn cases_without_a_subject_status_or_priority_list_fine() {
    let app = TestApp::spawn_salesforce_with(no_cache).await;
    let emulator = app.emulator.as_ref().unwrap();
    // As an agent, email-to-case or a data load may leave them in a real org.
    let bare: Vec<String> = (0..3)
        .map(|i| {
            emulator
                .records
                .create(
                    "Case",
                    &json!({"AccountId": GLOBEX, "Subject": null, "Status": null,
                            "Priority": null, "Description": format!("From email {i}"),
                            "Origin": "Email"}),
                )
                .unwrap()
        })
        .collect();
    for id in &bare {
        let stored = emulator.records.get("Case", id).unwrap();
        assert_eq!(stored["Subject"], Value::Null);
        assert_eq!(stored["Status"], Value::Null);
        assert_eq!(stored["Priority"], Value::Null);
        assert_eq!(stored["IsClosed"], false);
    }
    let gina = app.login("gina@globex.example").await;
    let total = globex_cases_in_org(emulator);

    let all = gina.all_cases("").await;
    assert_eq!(all.len(), total);
    for id in &bare {
        let listed = all.iter().find(|c| c["id"] == id.as_str()).unwrap();
        assert_eq!(listed["subject"], "", "no subject reads as empty");
        assert_eq!(
            listed["status"], "in_progress",
            "no status reads as an unmapped one of an open case"
        );
        assert_eq!(
            listed["priority"], "medium",
            "no priority reads as the default"
        );
        let one = gina
            .get_json(&format!("/customer/{GLOBEX}/cases/{id}"))
            .await;
        assert_eq!(one["subject"], "");
        assert_eq!(one["status"], "in_progress");
        assert_eq!(one["priority"], "medium");
    }
    let open = gina.all_cases("status=open").await;
    for id in &bare {
        assert!(open.iter().any(|c| c["id"] == id.as_str()), "{id} is open");
    }
    // Pages of two step through the cases without a subject (first ascending, last
    // descending), and the picklist sorts put them with in_progress and medium: each case
    // exactly once.
    for sort in [
        "subject",
        "-subject",
        "status",
        "-status",
        "priority",
        "-priority",
    ] {
        let listed = pages(&gina, sort, 2).await;
        let mut ids: Vec<&str> = listed.iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), total, "{sort}");
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), total, "{sort}: no case twice");
    }
    let by_subject = pages(&gina, "subject", 2).await;
    assert!(by_subject[..3].iter().all(|c| c["subject"] == ""));
    let by_subject_desc = pages(&gina, "-subject", 2).await;
    assert!(
        by_subject_desc[total - 3..]
            .iter()
            .all(|c| c["subject"] == "")
    );
}
