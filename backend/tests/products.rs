//! `/customer/{id}/products` and `/customer/{id}/recommendations` (issue 15): what the account
//! owns, recommendations with their reasons, "I'm interested" (one Lead or Opportunity per
//! customer and product) and dismissing a recommendation. On the mock store, or on the
//! Salesforce adapter through the emulator (`PORTAL_TEST_BACKEND=salesforce`), with the shared
//! state in Redis when `PORTAL_TEST_REDIS` is set: same tests, same assertions. The tests at
//! the end always run on the Salesforce adapter: what it writes in the org.

mod common;

use std::collections::HashMap;

use common::{ACME, GLOBEX, TestApp, User, error_fields, mocks_dir, problem};
use portal::Config;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

fn fixture(object: &str) -> Vec<Value> {
    let path = mocks_dir()
        .join("salesforce")
        .join(format!("{object}.json"));
    serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("fixture JSON")
}

/// Product ids by ProductCode, from the fixtures.
fn products() -> HashMap<String, String> {
    fixture("Product2")
        .into_iter()
        .map(|p| {
            (
                p["ProductCode"].as_str().unwrap().to_owned(),
                p["Id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn code_of(recommendation: &Value) -> &str {
    recommendation["product"]["product_code"].as_str().unwrap()
}

async fn recommendations(user: &User) -> Value {
    user.get_json(&format!("/customer/{}/recommendations", user.customer))
        .await
}

async fn interest(user: &User, product: &str, key: Option<&str>) -> reqwest::Response {
    let mut headers = HeaderMap::new();
    if let Some(key) = key {
        headers.insert("idempotency-key", key.parse().unwrap());
    }
    user.client
        .post(user.url(&format!(
            "/customer/{}/recommendations/{product}/interest",
            user.customer
        )))
        .header("x-csrf-token", &user.csrf)
        .headers(headers)
        .send()
        .await
        .unwrap()
}

async fn dismiss(user: &User, product: &str, undo: bool) -> reqwest::Response {
    let url = user.url(&format!(
        "/customer/{}/recommendations/{product}/dismiss",
        user.customer
    ));
    let request = if undo {
        user.client.delete(url)
    } else {
        user.client.post(url)
    };
    request
        .header("x-csrf-token", &user.csrf)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn my_products_are_the_accounts_assets_by_name_page_by_page() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let items = alice.all_pages("products", "limit=2").await;
    let names: Vec<&str> = items.iter().map(|a| a["name"].as_str().unwrap()).collect();
    let mut expected: Vec<(String, String)> = fixture("Asset")
        .into_iter()
        .filter(|a| a["AccountId"] == ACME)
        .map(|a| {
            (
                a["Name"].as_str().unwrap().to_lowercase(),
                a["Name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(
        names,
        expected.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>()
    );
    assert_eq!(names.len(), 6);
    let plant_a = items
        .iter()
        .find(|a| a["name"] == "Gateway 100 - Plant A")
        .unwrap();
    assert_eq!(plant_a["product_name"], "Gateway 100");
    assert_eq!(plant_a["product_code"], "GW-100");
    assert_eq!(plant_a["family"], "Hardware");
    assert_eq!(plant_a["serial_number"], "GW1-00417");
    assert_eq!(plant_a["install_date"], "2025-02-11");
    assert_eq!(plant_a["status"], "Installed");
    assert_eq!(plant_a["product_id"], products()["GW-100"].as_str());
    // An asset that names no product, and a legacy product no longer sold, are still listed.
    let bracket = items
        .iter()
        .find(|a| a["name"] == "Mounting bracket kit")
        .unwrap();
    assert_eq!(bracket["product_id"], Value::Null);
    assert_eq!(bracket["install_date"], Value::Null);
    assert!(items.iter().any(|a| a["product_code"] == "GW-050"));

    // Another customer sees only their own.
    let gina = app.login("gina@globex.example").await;
    let theirs = gina.all_pages("products", "").await;
    assert_eq!(theirs.len(), 2);
    assert!(
        theirs
            .iter()
            .all(|a| !names.contains(&a["name"].as_str().unwrap()))
    );

    // Bad parameters are named.
    for query in ["limit=0", "limit=101", "cursor=garbage"] {
        let body = problem(
            alice
                .get(&format!("/customer/{ACME}/products?{query}"))
                .await,
            422,
        )
        .await;
        let field = query.split('=').next().unwrap();
        assert_eq!(error_fields(&body), [field], "{query}");
    }
}

#[tokio::test]
async fn recommendations_are_ranked_by_the_configured_rules_and_say_why() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let list = recommendations(&alice).await;
    let items = list["items"].as_array().unwrap();
    let codes: Vec<&str> = items.iter().map(code_of).collect();
    // CLD-PRO: two rules (60 + 50), the Software family (10), and two similar customers
    // (Initech and Umbrella own a Gateway 100 and Cloud Monitoring Pro) (10). SEN-20: a rule
    // and the Hardware family; only one similar customer owns it, which does not count.
    // Then two products on the family alone, by name.
    assert_eq!(codes, ["CLD-PRO", "SEN-20", "ANL-PACK"], "{list:#}");
    let reasons: Vec<&str> = items[0]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "owns_related",
            "owns_related",
            "same_family",
            "popular_with_similar"
        ]
    );
    assert_eq!(
        items[0]["reasons"][0]["message"],
        "You own Cloud Monitoring Basic. Upgrade your Cloud Monitoring Basic for alerts and longer history."
    );
    assert_eq!(
        items[0]["reasons"][3]["message"],
        "2 customers with products like yours also use it."
    );
    assert_eq!(items[0]["product"]["name"], "Cloud Monitoring Pro");
    assert_eq!(items[0]["product"]["family"], "Software");
    assert_eq!(items[0]["interest_requested_at"], Value::Null);
    assert_eq!(list["dismissed"], json!([]));
    // Never what the account owns, nor a product outside the catalog.
    for owned in ["GW-100", "SEN-10", "CLD-BASIC", "GW-050", "SEN-05"] {
        assert!(!codes.contains(&owned));
    }

    // Another customer, other products: their rule first, then their family by name.
    let gina = app.login("gina@globex.example").await;
    let theirs = recommendations(&gina).await;
    let codes: Vec<&str> = theirs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(code_of)
        .collect();
    assert_eq!(codes, ["SVC-TRAIN", "GW-100", "SEN-10"]);
}

#[tokio::test]
async fn the_number_of_recommendations_is_configurable() {
    let app = TestApp::spawn_with(|c: &mut Config| c.products.max_recommendations = 1).await;
    let alice = app.login("alice@acme.example").await;
    let list = recommendations(&alice).await;
    let codes: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(code_of)
        .collect();
    assert_eq!(codes, ["CLD-PRO"]);
}

#[tokio::test]
async fn interest_is_registered_once_per_customer_and_product_whatever_the_key() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    let pro = &products()["CLD-PRO"];

    let first = interest(&alice, pro, Some("k-1")).await;
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    assert!(
        first.headers()["ratelimit"]
            .to_str()
            .unwrap()
            .starts_with("\"recommendation-write\";r=")
    );
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["product"]["id"], pro.as_str());
    assert_eq!(first["product"]["name"], "Cloud Monitoring Pro");

    // The same key, another key, another contact of the customer: the same interest.
    for (user, key) in [(&alice, "k-1"), (&alice, "k-2"), (&bob, "k-3")] {
        let again = interest(user, pro, Some(key)).await;
        assert_eq!(again.status(), 200, "{key}");
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        assert!(again.headers().get("ratelimit").is_none());
        let again: Value = again.json().await.unwrap();
        assert_eq!(again, first, "{key}");
    }
    // The recommendation says so, for every contact of the customer and no one else.
    for user in [&alice, &bob] {
        let list = recommendations(user).await;
        let item = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| code_of(r) == "CLD-PRO")
            .unwrap()
            .clone();
        assert_eq!(item["interest_requested_at"], first["requested_at"]);
    }
    let gina = app.login("gina@globex.example").await;
    let theirs = recommendations(&gina).await;
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["interest_requested_at"].is_null())
    );
    if let Some(emulator) = &app.emulator {
        let written: Vec<Value> = emulator
            .records
            .all("Opportunity")
            .unwrap()
            .into_iter()
            .filter(|o| o["Portal_Interest_Key__c"] == format!("{ACME}:{pro}"))
            .collect();
        assert_eq!(written.len(), 1, "one Opportunity: {written:#?}");
    }
}

/// Many requests at once, from two contacts of one customer, each with its own key: exactly
/// one creates the interest, every other answers with it, and the org holds one record.
#[tokio::test]
async fn concurrent_interest_requests_make_one_record() {
    let app = TestApp::spawn_with(|c: &mut Config| c.products.rate_limit.burst = 100).await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    let sensor = products()["SEN-20"].clone();
    let requests = (0..8).map(|i| {
        let user = if i % 2 == 0 {
            alice.clone()
        } else {
            bob.clone()
        };
        let sensor = sensor.clone();
        async move {
            let response = interest(&user, &sensor, Some(&format!("race-{i}"))).await;
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (status, body)
        }
    });
    let answers = futures::future::join_all(requests).await;
    let created = answers.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(created, 1, "{answers:#?}");
    assert!(
        answers
            .iter()
            .all(|(status, _)| *status == 201 || *status == 200)
    );
    assert!(answers.iter().all(|(_, body)| body == &answers[0].1));
    if let Some(emulator) = &app.emulator {
        let written = emulator
            .records
            .all("Opportunity")
            .unwrap()
            .into_iter()
            .filter(|o| o["Portal_Interest_Key__c"] == format!("{ACME}:{sensor}"))
            .count();
        assert_eq!(written, 1);
    }
}

#[tokio::test]
async fn interest_needs_a_key_and_a_catalog_product() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let pro = &products()["CLD-PRO"];
    let body = problem(interest(&alice, pro, None).await, 422).await;
    assert_eq!(error_fields(&body), ["Idempotency-Key"]);
    let body = problem(interest(&alice, pro, Some("has space")).await, 422).await;
    assert_eq!(error_fields(&body), ["Idempotency-Key"]);
    // Inactive, not in the price book, not a product id, not an id: all "not found", alike.
    let mut bodies = Vec::new();
    for product in [
        products()["GW-050"].as_str(),
        products()["SEN-05"].as_str(),
        "01tDn000000000000",
        ACME,
        "not-an-id",
    ] {
        let mut body = problem(interest(&alice, product, Some("k")).await, 404).await;
        assert_eq!(body["type"], "/problems/not-found", "{product}");
        body.as_object_mut().unwrap().remove("request_id");
        bodies.push(body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:#?}");
    // A write without the CSRF token is refused before anything else.
    let response = alice
        .client
        .post(alice.url(&format!("/customer/{ACME}/recommendations/{pro}/interest")))
        .header("idempotency-key", "k")
        .send()
        .await
        .unwrap();
    problem(response, 403).await;
    let list = recommendations(&alice).await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["interest_requested_at"].is_null()),
        "nothing was registered"
    );
}

#[tokio::test]
async fn a_dismissed_recommendation_is_hidden_for_the_customer_until_shown_again() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let pro = &products()["CLD-PRO"];

    assert_eq!(dismiss(&alice, pro, false).await.status(), 204);
    // Twice is the same as once.
    assert_eq!(dismiss(&alice, pro, false).await.status(), 204);
    for user in [&alice, &bob] {
        let list = recommendations(user).await;
        let codes: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(code_of)
            .collect();
        assert_eq!(codes, ["SEN-20", "ANL-PACK", "GW-200"]);
        assert_eq!(list["dismissed"].as_array().unwrap().len(), 1);
        assert_eq!(list["dismissed"][0]["id"], pro.as_str());
        assert_eq!(list["dismissed"][0]["product_code"], "CLD-PRO");
    }
    // Not for another customer, who may dismiss the same product on their own.
    let theirs = recommendations(&gina).await;
    assert_eq!(theirs["dismissed"], json!([]));

    assert_eq!(dismiss(&bob, pro, true).await.status(), 204);
    assert_eq!(dismiss(&bob, pro, true).await.status(), 204);
    let list = recommendations(&alice).await;
    assert_eq!(code_of(&list["items"][0]), "CLD-PRO");
    assert_eq!(list["dismissed"], json!([]));

    for undo in [false, true] {
        let body = problem(dismiss(&alice, "01tDn000000000000", undo).await, 404).await;
        assert_eq!(body["type"], "/problems/not-found");
    }
}

#[tokio::test]
async fn interest_and_dismiss_requests_are_rate_limited_per_customer() {
    let app = TestApp::spawn_with(|c: &mut Config| {
        c.products.rate_limit.burst = 2;
        c.products.rate_limit.per_hour = 1;
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    let ids = products();
    assert_eq!(
        interest(&alice, &ids["CLD-PRO"], Some("a")).await.status(),
        201
    );
    assert_eq!(dismiss(&alice, &ids["SEN-20"], false).await.status(), 204);
    // The account's quota is spent, whichever contact asks.
    let limited = interest(&bob, &ids["ANL-PACK"], Some("b")).await;
    assert!(common::retry_after(&limited) > 0);
    let body = problem(limited, 429).await;
    assert_eq!(body["type"], "/problems/rate-limited");
    // What costs nothing still answers: a repeat, and a dismissal that changes nothing.
    assert_eq!(
        interest(&bob, &ids["CLD-PRO"], Some("c")).await.status(),
        200
    );
    assert_eq!(dismiss(&bob, &ids["SEN-20"], false).await.status(), 204);
    // Another customer has their own quota.
    let gina = app.login("gina@globex.example").await;
    assert_eq!(
        interest(&gina, &ids["SVC-TRAIN"], Some("a")).await.status(),
        201
    );
}

// ---------------------------------------------------------------------------------------------
// Always on the Salesforce adapter, through the emulator.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn interest_is_an_opportunity_on_the_account_by_default() {
    let app = TestApp::spawn_salesforce_with(|_| {}).await;
    let alice = app.login("alice@acme.example").await;
    let pro = &products()["CLD-PRO"];
    assert_eq!(interest(&alice, pro, Some("sf-1")).await.status(), 201);
    let org = &app.emulator.as_ref().unwrap().records;
    let written: Vec<Value> = org
        .all("Opportunity")
        .unwrap()
        .into_iter()
        .filter(|o| o["Portal_Interest_Key__c"] == format!("{ACME}:{pro}"))
        .collect();
    assert_eq!(written.len(), 1);
    let opportunity = &written[0];
    assert_eq!(opportunity["AccountId"], ACME);
    assert_eq!(opportunity["StageName"], "Prospecting");
    assert_eq!(opportunity["LeadSource"], "Web");
    assert_eq!(
        opportunity["Name"],
        "Acme Corporation - Cloud Monitoring Pro"
    );
    let close =
        chrono::NaiveDate::parse_from_str(opportunity["CloseDate"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    let days = (close - chrono::Utc::now().date_naive()).num_days();
    assert!((89..=90).contains(&days), "{days}");
    assert!(
        opportunity["Description"]
            .as_str()
            .unwrap()
            .contains("Alice Anderson of Acme Corporation asked")
    );
    assert!(org.all("Lead").unwrap().is_empty());
}

#[tokio::test]
async fn interest_can_be_a_lead_instead() {
    let app = TestApp::spawn_salesforce_with(|c: &mut Config| {
        c.products.interest_record = portal::config::InterestRecordKind::Lead;
    })
    .await;
    let gina = app.login("gina@globex.example").await;
    let train = &products()["SVC-TRAIN"];
    assert_eq!(interest(&gina, train, Some("sf-1")).await.status(), 201);
    assert_eq!(interest(&gina, train, Some("sf-2")).await.status(), 200);
    let org = &app.emulator.as_ref().unwrap().records;
    let leads = org.all("Lead").unwrap();
    assert_eq!(leads.len(), 1, "{leads:#?}");
    let lead = &leads[0];
    assert_eq!(lead["Portal_Interest_Key__c"], format!("{GLOBEX}:{train}"));
    assert_eq!(lead["Company"], "Globex Industries");
    assert_eq!(lead["LastName"], "Gina Garcia");
    assert_eq!(lead["Email"], "gina@globex.example");
    assert_eq!(lead["Status"], "Open - Not Contacted");
    assert!(org.all("Opportunity").unwrap().is_empty());
    let list = recommendations(&gina).await;
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| code_of(r) == "SVC-TRAIN")
        .unwrap()
        .clone();
    assert!(item["interest_requested_at"].is_string());
}

#[tokio::test]
async fn a_dismissal_is_one_row_per_customer_and_product_in_the_org() {
    let app = TestApp::spawn_salesforce_with(|_| {}).await;
    let alice = app.login("alice@acme.example").await;
    let pro = &products()["CLD-PRO"];
    assert_eq!(dismiss(&alice, pro, false).await.status(), 204);
    assert_eq!(dismiss(&alice, pro, true).await.status(), 204);
    assert_eq!(dismiss(&alice, pro, false).await.status(), 204);
    let org = &app.emulator.as_ref().unwrap().records;
    let rows = org.all("Portal_Recommendation_Dismissal__c").unwrap();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["Account__c"], ACME);
    assert_eq!(rows[0]["Product__c"], pro.as_str());
    assert_eq!(rows[0]["Is_Dismissed__c"], true);
    assert_eq!(rows[0]["Portal_Dismissal_Key__c"], format!("{ACME}:{pro}"));
    assert_eq!(rows[0]["Dismissed_By__c"], "003Dn000O6V0xBhIIJ");
    // A dismissal made in the org (another instance, an agent) is what the portal shows.
    let sensor = &products()["SEN-20"];
    org.create(
        "Portal_Recommendation_Dismissal__c",
        &json!({"Account__c": ACME, "Product__c": sensor, "Is_Dismissed__c": true,
                "Portal_Dismissal_Key__c": format!("{ACME}:{sensor}")}),
    )
    .unwrap();
    let list = recommendations(&alice).await;
    let codes: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(code_of)
        .collect();
    assert_eq!(codes, ["ANL-PACK", "GW-200"]);
}

/// What a recommendations page costs in Salesforce API calls: the catalog and the holdings are
/// read once per `products.catalog_ttl_secs`; after that, each request reads the customer's
/// assets, dismissals and interests (three queries).
#[tokio::test]
async fn recommendations_cost_three_queries_once_the_catalog_is_read() {
    let app = TestApp::spawn_salesforce_with(|_| {}).await;
    let alice = app.login("alice@acme.example").await;
    let emulator = app.emulator.as_ref().unwrap();
    // The session's first requests may read the account and contact; let them settle.
    alice.get_json(&format!("/customer/{ACME}/products")).await;
    let start = emulator.api_usage();
    recommendations(&alice).await;
    let first = emulator.api_usage() - start;
    recommendations(&alice).await;
    let second = emulator.api_usage() - start - first;
    assert_eq!((first, second), (5, 3));
}

/// An interest whose upsert Salesforce stored but whose answer was lost (503 after the commit)
/// is retried inside the portal (the org's resilience): the retry finds the record by its
/// external id, so the customer gets their interest and the org holds one record.
#[tokio::test]
async fn an_interest_whose_answer_was_lost_is_retried_into_one_record() {
    let app = TestApp::spawn_salesforce_with(|_| {}).await;
    let alice = app.login("alice@acme.example").await;
    let pro = &products()["CLD-PRO"];
    let emulator = app.emulator.as_ref().unwrap();
    emulator.faults.update(|f| {
        f.fail_after_commit = Some(salesforce_emulator::FailAfterCommit { delay_ms: 0 });
        f.path_prefix = Some("/services/data/v62.0/sobjects/Opportunity".into());
    });
    let response = interest(&alice, pro, Some("lost-1")).await;
    emulator.faults.clear();
    // The retry found what the first attempt stored: reported as registered before.
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["product"]["id"], pro.as_str());
    let written = emulator
        .records
        .all("Opportunity")
        .unwrap()
        .into_iter()
        .filter(|o| o["Portal_Interest_Key__c"] == format!("{ACME}:{pro}"))
        .count();
    assert_eq!(written, 1);
    let list = recommendations(&alice).await;
    assert_eq!(
        list["items"][0]["interest_requested_at"],
        body["requested_at"]
    );
}
