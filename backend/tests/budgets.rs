//! Per-customer budgets of Salesforce calls (Salesforce mode, through the emulator): one
//! signed-in customer cannot spend the org's API allocation by varying query strings or by
//! downloading again and again, and other customers are not affected.

mod common;

use common::{ACME, GLOBEX, TestApp, User, problem, retry_after};

/// A portal over the emulator whose customers may cause `burst` Salesforce calls at once and
/// one more per hour; lists are never fresh in the cache, so every read needs a call.
async fn spawn(burst: u32) -> TestApp {
    TestApp::spawn_salesforce_with(|c| {
        c.resilience.customer_calls_per_hour = 1;
        c.resilience.customer_calls_burst = burst;
        c.cache.cases_ttl_secs = 0;
        c.cache.change_poll_secs = 0;
    })
    .await
}

async fn budget_problem(response: reqwest::Response) {
    let wait = retry_after(&response);
    assert!(wait > 0);
    let body = problem(response, 429).await;
    assert_eq!(body["type"], "/problems/salesforce-budget");
}

#[tokio::test]
async fn a_customer_varying_query_strings_is_cut_off_and_others_are_not() {
    let app = spawn(5).await;
    let emulator = app.emulator.as_ref().unwrap();
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let calls_before = emulator.api_usage();
    for i in 0..5 {
        let page = alice
            .get(&format!("/customer/{ACME}/cases?q=probe{i}"))
            .await;
        assert_eq!(page.status(), 200, "call {i} is within the budget");
    }
    assert_eq!(emulator.api_usage() - calls_before, 5);
    // A query never read before: nothing cached to answer with.
    budget_problem(alice.get(&format!("/customer/{ACME}/cases?q=probe5")).await).await;
    // One read before: served from the cache, marked stale, without a call.
    let stale = alice.get(&format!("/customer/{ACME}/cases?q=probe0")).await;
    assert_eq!(stale.status(), 200);
    assert_eq!(stale.headers()["x-data-stale"], "true");
    assert_eq!(
        emulator.api_usage() - calls_before,
        5,
        "no call over the budget"
    );
    // Another customer's budget is their own.
    let other = gina
        .get(&format!("/customer/{GLOBEX}/cases?q=probe5"))
        .await;
    assert_eq!(other.status(), 200);
    assert!(other.headers().get("x-data-stale").is_none());
    let metrics = app.metrics_text().await;
    assert!(
        metrics.contains("portal_rate_limit_refusals_total{limit=\"salesforce_customer\"} 2"),
        "{metrics}"
    );
}

async fn download(app: &TestApp, user: &User, id: &str) -> reqwest::Response {
    let redirect = user
        .get(&format!(
            "/customer/{}/documents/{id}/download",
            user.customer
        ))
        .await;
    if redirect.status() != 302 {
        return redirect;
    }
    let location = redirect.headers()["location"].to_str().unwrap();
    user.client.get(app.url(location)).send().await.unwrap()
}

#[tokio::test]
async fn a_customer_downloading_again_and_again_is_cut_off_and_others_are_not() {
    const BURST: usize = 4;
    let app = spawn(BURST as u32).await;
    let emulator = app.emulator.as_ref().unwrap();
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let first = |list: serde_json::Value| list["items"][0]["id"].as_str().unwrap().to_owned();
    let alices = first(alice.get_json(&format!("/customer/{ACME}/documents")).await);
    let ginas = first(
        gina.get_json(&format!("/customer/{GLOBEX}/documents"))
            .await,
    );
    let files = "/services/data/v62.0/sobjects/ContentVersion/";
    let mut served = 0;
    let refused = loop {
        let response = download(&app, &alice, &alices).await;
        if response.status() != 200 {
            break response;
        }
        served += 1;
        assert!(served <= BURST, "more downloads than the budget has calls");
    };
    assert!(served >= 1);
    budget_problem(refused).await;
    assert_eq!(
        emulator.requests.count("GET", files),
        served,
        "no file fetched over the budget"
    );
    let other = download(&app, &gina, &ginas).await;
    assert_eq!(other.status(), 200);
}

/// "My products" and the recommendations read Salesforce directly (no cache): each call is
/// taken from the customer's budget like a case read's, so they are no way around it, and
/// another customer's budget is their own.
#[tokio::test]
async fn product_reads_are_taken_from_the_same_budget() {
    let app = spawn(4).await;
    let emulator = app.emulator.as_ref().unwrap();
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let calls_before = emulator.api_usage();
    let mut answered = 0;
    let refused = loop {
        let response = alice.get(&format!("/customer/{ACME}/products")).await;
        if response.status() != 200 {
            break response;
        }
        answered += 1;
        assert!(
            answered <= 4,
            "more product pages than the budget has calls"
        );
    };
    assert!(answered >= 1, "the first page is within the budget");
    budget_problem(refused).await;
    let spent = emulator.api_usage() - calls_before;
    assert!(spent <= 4, "{spent} calls for a budget of 4");
    budget_problem(
        alice
            .get(&format!("/customer/{ACME}/recommendations"))
            .await,
    )
    .await;
    assert_eq!(
        emulator.api_usage() - calls_before,
        spent,
        "no call over the budget"
    );
    let other = gina.get(&format!("/customer/{GLOBEX}/products")).await;
    assert_eq!(other.status(), 200);
}

/// The appointment routes read Salesforce directly (the bookings, and the owners' calendars
/// once they are not cached): each call is taken from the customer's budget too.
#[tokio::test]
async fn appointment_reads_are_taken_from_the_same_budget() {
    let app = spawn(3).await;
    let emulator = app.emulator.as_ref().unwrap();
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let calls_before = emulator.api_usage();
    let mut answered = 0;
    let refused = loop {
        let response = alice.get(&format!("/customer/{ACME}/appointments")).await;
        if response.status() != 200 {
            break response;
        }
        answered += 1;
        assert!(answered <= 3, "more lists than the budget has calls");
    };
    assert!(answered >= 1, "the first list is within the budget");
    budget_problem(refused).await;
    let spent = emulator.api_usage() - calls_before;
    assert!(spent <= 3, "{spent} calls for a budget of 3");
    let other = gina.get(&format!("/customer/{GLOBEX}/appointments")).await;
    assert_eq!(other.status(), 200);
}
