//! `/customer/{customer_id}/cases`: listing, reading, creating; idempotency and rate limits.

mod common;

use std::collections::HashSet;

use common::{ACME, GLOBEX, TestApp, new_case, problem};
use serde_json::{Value, json};

#[tokio::test]
async fn lists_page_by_page_with_every_case_exactly_once() {
    let app = TestApp::spawn().await;
    let gina = app.login("gina@globex.example").await;
    let first = gina.get_json(&format!("/customer/{GLOBEX}/cases")).await;
    assert_eq!(
        first["items"].as_array().unwrap().len(),
        25,
        "default page size"
    );
    let all = gina.all_cases("").await;
    assert_eq!(all.len(), 40);
    let ids: HashSet<&str> = all.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 40, "no case twice");
    let created: Vec<&str> = all
        .iter()
        .map(|c| c["created_at"].as_str().unwrap())
        .collect();
    assert!(
        created.windows(2).all(|w| w[0] >= w[1]),
        "newest first by default"
    );

    let case = &all[0];
    for field in [
        "id",
        "case_number",
        "subject",
        "description",
        "status",
        "is_closed",
        "priority",
        "created_at",
        "updated_at",
        "closed_at",
    ] {
        assert!(case.get(field).is_some(), "{field} missing from {case}");
    }
    assert_eq!(case["id"].as_str().unwrap().len(), 18);
}

#[tokio::test]
async fn the_big_account_pages_through_thousands_of_cases() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let all = alice.all_cases("sort=case_number").await;
    assert_eq!(all.len(), 2100);
    let numbers: Vec<&str> = all
        .iter()
        .map(|c| c["case_number"].as_str().unwrap())
        .collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "strictly ascending case numbers"
    );
}

#[tokio::test]
async fn filters_by_status_and_search() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let open = alice.all_cases("status=open").await;
    let closed = alice.all_cases("status=closed").await;
    assert!(
        open.iter()
            .all(|c| c["is_closed"] == false && c["status"] != "closed")
    );
    assert!(
        closed.iter().all(|c| c["is_closed"] == true
            && c["status"] == "closed"
            && c["closed_at"].is_string())
    );
    assert_eq!(open.len() + closed.len(), 2100);
    let statuses: HashSet<&str> = open.iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert_eq!(
        statuses,
        HashSet::from([
            "new",
            "in_progress",
            "waiting_on_customer",
            "escalated",
            "on_hold"
        ])
    );

    let hits = alice.all_cases("q=PORTAL").await;
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|c| {
        c["subject"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("portal")
    }));
    let number = open[0]["case_number"].as_str().unwrap();
    let by_number = alice.all_cases(&format!("q={number}")).await;
    assert!(by_number.iter().any(|c| c["id"] == open[0]["id"]));
}

#[tokio::test]
async fn sorts_by_each_field_in_both_directions() {
    let app = TestApp::spawn().await;
    let ian = app.login("ian@initech.example").await;
    let rank = |field: &str, c: &Value| -> String {
        match field {
            "priority" => ["low", "medium", "high"]
                .iter()
                .position(|p| c["priority"] == *p)
                .unwrap()
                .to_string(),
            "status" => [
                "new",
                "in_progress",
                "waiting_on_customer",
                "escalated",
                "on_hold",
                "closed",
            ]
            .iter()
            .position(|s| c["status"] == *s)
            .unwrap()
            .to_string(),
            "subject" => c["subject"].as_str().unwrap().to_lowercase(),
            "created_at" | "updated_at" | "case_number" => c[field].as_str().unwrap().to_owned(),
            _ => unreachable!(),
        }
    };
    for field in [
        "created_at",
        "updated_at",
        "case_number",
        "subject",
        "priority",
        "status",
    ] {
        let up = ian.all_cases(&format!("sort={field}")).await;
        let keys: Vec<String> = up.iter().map(|c| rank(field, c)).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{field} ascending");
        let down = ian.all_cases(&format!("sort=-{field}")).await;
        let keys: Vec<String> = down.iter().map(|c| rank(field, c)).collect();
        assert!(keys.windows(2).all(|w| w[0] >= w[1]), "{field} descending");
        assert_eq!(up.len(), 35);
    }
}

#[tokio::test]
async fn bad_list_parameters_are_field_errors() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let base = format!("/customer/{ACME}/cases");
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("status=pending", "status"),
        ("sort=password", "sort"),
        ("cursor=garbage", "cursor"),
    ] {
        let body = problem(alice.get(&format!("{base}?{query}")).await, 422).await;
        assert_eq!(body["errors"][0]["field"], field, "{query}");
    }
    let long = "x".repeat(101);
    let body = problem(alice.get(&format!("{base}?q={long}")).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "q");

    // A cursor is bound to its query.
    let page = alice
        .get_json(&format!("{base}?limit=5&sort=subject"))
        .await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let body = problem(
        alice
            .get(&format!("{base}?limit=5&sort=-subject&cursor={cursor}"))
            .await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "cursor");
}

/// A case's detail without the fields only the detail has: its conversation's count, last
/// activity and last actor.
fn without_activity(mut detail: Value) -> Value {
    let fields = detail.as_object_mut().unwrap();
    for name in ["comment_count", "last_activity_at", "last_actor"] {
        assert!(fields.remove(name).is_some(), "the detail has {name}");
    }
    detail
}

#[tokio::test]
async fn reads_one_case() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let listed = alice
        .get_json(&format!("/customer/{ACME}/cases?limit=1"))
        .await;
    let id = listed["items"][0]["id"].as_str().unwrap();
    let case = alice
        .get_json(&format!("/customer/{ACME}/cases/{id}"))
        .await;
    // The detail is the listed case and what its conversation says (tests/comments.rs).
    assert_eq!(without_activity(case), listed["items"][0]);
    // The 15-character form of the same id works too.
    let case15 = alice
        .get_json(&format!("/customer/{ACME}/cases/{}", &id[..15]))
        .await;
    assert_eq!(case15["id"], id);
    for missing in ["500Dn000000000000", "not-an-id", "500Dn0001euruuWIAX"] {
        let body = problem(
            alice
                .get(&format!("/customer/{ACME}/cases/{missing}"))
                .await,
            404,
        )
        .await;
        assert_eq!(body["detail"], "The case does not exist.");
    }
}

#[tokio::test]
async fn creates_a_case_that_shows_at_once() {
    let app = TestApp::spawn().await;
    let gina = app.login("gina@globex.example").await;
    // Read first, twice, so that the pages are cached (rendered pages are kept while the
    // account's data is unchanged): the new case must still show at once.
    let newest_url = format!("/customer/{GLOBEX}/cases?limit=1");
    let before = gina.get_json(&newest_url).await;
    assert_eq!(gina.get_json(&newest_url).await, before);
    assert_eq!(gina.all_cases("").await.len(), 40);
    let response = gina
        .create_case(
            &json!({"subject": "  Scanner offline  ", "description": "Line 1\nLine 2"}),
            None,
        )
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let case: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/customer/{GLOBEX}/cases/{}", case["id"].as_str().unwrap())
    );
    assert_eq!(case["subject"], "Scanner offline");
    assert_eq!(case["description"], "Line 1\nLine 2");
    assert_eq!(case["status"], "new");
    assert_eq!(case["priority"], "medium");
    assert_eq!(case["is_closed"], false);
    assert!(case["closed_at"].is_null());
    assert_eq!(case["case_number"].as_str().unwrap().len(), 8);

    let detail = gina.get_json(&location).await;
    assert_eq!(detail["comment_count"], 0);
    assert_eq!(detail["last_actor"], Value::Null);
    assert_eq!(detail["last_activity_at"], case["created_at"]);
    assert_eq!(without_activity(detail), case);
    let newest = gina.get_json(&newest_url).await;
    assert_eq!(newest["items"][0]["id"], case["id"]);
    assert_ne!(newest, before);
    assert_eq!(gina.all_cases("").await.len(), 41);
}

/// Two customers asking for the same page (same query string) each get their own: a page
/// kept for one account is never served to another.
#[tokio::test]
async fn the_same_page_of_two_customers_shows_each_their_own() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    for list in ["cases", "documents"] {
        let query = "?limit=5&sort=-created_at";
        let ids = |page: &Value| -> HashSet<String> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| item["id"].as_str().unwrap().to_owned())
                .collect()
        };
        // Twice each, interleaved: the second reads come from what the first kept.
        let mut alices = Vec::new();
        let mut ginas = Vec::new();
        for _ in 0..2 {
            alices.push(
                alice
                    .get_json(&format!("/customer/{ACME}/{list}{query}"))
                    .await,
            );
            ginas.push(
                gina.get_json(&format!("/customer/{GLOBEX}/{list}{query}"))
                    .await,
            );
        }
        assert_eq!(alices[0], alices[1]);
        assert_eq!(ginas[0], ginas[1]);
        assert_eq!(ids(&alices[0]).len(), 5, "{list}");
        assert!(ids(&alices[0]).is_disjoint(&ids(&ginas[0])), "{list}");
        // Alice's page is Alice's: her case is not found through Gina's account.
        if list == "cases" {
            let id = ids(&alices[0]).into_iter().next().unwrap();
            let path = |customer: &str| format!("/customer/{customer}/cases/{id}");
            assert_eq!(alice.get(&path(ACME)).await.status(), 200);
            assert_eq!(gina.get(&path(GLOBEX)).await.status(), 404);
        }
    }
}

#[tokio::test]
async fn invalid_cases_are_refused_field_by_field_and_change_nothing() {
    let app = TestApp::spawn().await;
    let gina = app.login("gina@globex.example").await;
    let cases = [
        (json!({"subject": "", "description": "d"}), vec!["subject"]),
        (
            json!({"subject": "   ", "description": "d"}),
            vec!["subject"],
        ),
        (
            json!({"subject": "x".repeat(256), "description": "d"}),
            vec!["subject"],
        ),
        (
            json!({"subject": "tab\there", "description": "d"}),
            vec!["subject"],
        ),
        (
            json!({"subject": "s", "description": ""}),
            vec!["description"],
        ),
        (
            json!({"subject": "s", "description": "x".repeat(32_001)}),
            vec!["description"],
        ),
        (
            json!({"subject": "s", "description": "d", "priority": "urgent"}),
            vec!["priority"],
        ),
        (
            json!({"subject": "s", "description": "d", "status": "closed"}),
            vec!["status"],
        ),
        (
            json!({"subject": 1, "description": null}),
            vec!["subject", "description"],
        ),
        (json!(["not", "an", "object"]), vec!["body"]),
    ];
    for (body, fields) in cases {
        let response = gina.create_case(&body, None).await;
        let problem = problem(response, 422).await;
        assert_eq!(common::error_fields(&problem), fields, "{body}");
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["message"].as_str().is_some_and(|m| !m.is_empty()))
        );
    }
    // The longest valid values pass.
    let ok = gina.create_case(&json!({"subject": "é".repeat(255), "description": "x".repeat(32_000), "priority": "low"}), None).await;
    assert_eq!(ok.status(), 201);
    assert_eq!(
        gina.all_cases("").await.len(),
        41,
        "only the valid case was created"
    );
}

#[tokio::test]
async fn creating_needs_csrf_and_json() {
    let app = TestApp::spawn().await;
    let gina = app.login("gina@globex.example").await;
    let url = gina.url(&format!("/customer/{GLOBEX}/cases"));
    let no_csrf = gina
        .client
        .post(&url)
        .json(&new_case("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(no_csrf, 403).await["type"], "/problems/csrf");
    let other_csrf = app.login("ian@initech.example").await.csrf;
    let wrong = gina
        .client
        .post(&url)
        .header("x-csrf-token", other_csrf)
        .json(&new_case("x"))
        .send()
        .await
        .unwrap();
    problem(wrong, 403).await;
    let form = gina
        .client
        .post(&url)
        .header("x-csrf-token", &gina.csrf)
        .body("subject=x")
        .send()
        .await
        .unwrap();
    problem(form, 415).await;
    let broken = gina
        .client
        .post(&url)
        .header("x-csrf-token", &gina.csrf)
        .header("content-type", "application/json")
        .body("{\"subject\":")
        .send()
        .await
        .unwrap();
    problem(broken, 400).await;
    assert_eq!(gina.all_cases("").await.len(), 40);
}

#[tokio::test]
async fn an_idempotency_key_makes_one_case() {
    let app = TestApp::spawn().await;
    let gina = app.login("gina@globex.example").await;
    let body = new_case("Printer jam");
    let first = gina.create_case(&body, Some("key-1")).await;
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_location = first.headers()["location"].clone();
    let first: Value = first.json().await.unwrap();

    let again = gina.create_case(&body, Some("key-1")).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["location"], first_location);
    assert_eq!(again.json::<Value>().await.unwrap(), first);

    let different = gina
        .create_case(&new_case("Another subject"), Some("key-1"))
        .await;
    assert_eq!(
        problem(different, 422).await["type"],
        "/problems/idempotency-key-reused"
    );

    // Keys belong to a customer: the same key elsewhere is a new request.
    let ian = app.login("ian@initech.example").await;
    assert_eq!(ian.create_case(&body, Some("key-1")).await.status(), 201);

    let bad_key = gina.create_case(&body, Some(&"k".repeat(256))).await;
    assert_eq!(
        problem(bad_key, 422).await["errors"][0]["field"],
        "Idempotency-Key"
    );
    assert_eq!(gina.all_cases("").await.len(), 41);
}

/// Keys belong to the person who sends them: Alice and Bob, of one customer, who happen to send
/// the same key and body each get their own case, and each one's retry replays their own.
#[tokio::test]
async fn two_contacts_of_one_customer_with_the_same_key_get_their_own_cases() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    assert_eq!(alice.customer, bob.customer, "one customer");
    let body = new_case("Shared key");
    let mut ids = Vec::new();
    for user in [&alice, &bob] {
        let created = user.create_case(&body, Some("the-same-key")).await;
        assert_eq!(created.status(), 201);
        assert!(
            created.headers().get("idempotent-replayed").is_none(),
            "a new case, not another contact's"
        );
        ids.push(created.json::<Value>().await.unwrap()["id"].clone());
    }
    assert_ne!(ids[0], ids[1]);
    for (user, id) in [(&alice, &ids[0]), (&bob, &ids[1])] {
        let again = user.create_case(&body, Some("the-same-key")).await;
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        assert_eq!(&again.json::<Value>().await.unwrap()["id"], id);
    }
    assert_eq!(alice.all_cases("q=Shared key").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_requests_with_one_key_make_exactly_one_case() {
    let app = TestApp::spawn_with(|c| c.cases.rate_limit.burst = 100).await;
    let gina = app.login("gina@globex.example").await;
    let body = new_case("Concurrent");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let gina = gina.clone();
            let body = body.clone();
            tokio::spawn(async move {
                let r = gina.create_case(&body, Some("same-key")).await;
                let status = r.status().as_u16();
                let json: Value = r.json().await.unwrap();
                (status, json)
            })
        })
        .collect();
    let mut ids = HashSet::new();
    for task in tasks {
        let (status, json) = task.await.unwrap();
        match status {
            201 => {
                ids.insert(json["id"].as_str().unwrap().to_owned());
            }
            409 => assert_eq!(json["type"], "/problems/idempotency-in-flight"),
            other => panic!("unexpected {other}: {json}"),
        }
    }
    assert_eq!(ids.len(), 1, "every success names the same case");
    let concurrent: Vec<Value> = gina.all_cases("q=Concurrent").await;
    assert_eq!(concurrent.len(), 1, "exactly one case stored");
}

#[tokio::test]
async fn case_creation_is_rate_limited_per_customer() {
    let app = TestApp::spawn().await;
    let gina = app.login("gina@globex.example").await;
    for i in 0..5 {
        let r = gina
            .create_case(
                &new_case(&format!("burst {i}")),
                Some(&format!("burst-{i}")),
            )
            .await;
        assert_eq!(r.status(), 201, "create {i}");
        assert_eq!(
            r.headers()["ratelimit-policy"],
            "\"case-create\";q=5;w=1800"
        );
        assert_eq!(
            r.headers()["ratelimit"].to_str().unwrap(),
            format!("\"case-create\";r={};t=0", 4 - i)
        );
    }
    let limited = gina.create_case(&new_case("one too many"), None).await;
    let retry_after = common::retry_after(&limited);
    assert!((350..=360).contains(&retry_after), "{retry_after}");
    assert!(
        limited.headers()["ratelimit"]
            .to_str()
            .unwrap()
            .starts_with("\"case-create\";r=0;t=")
    );
    let body = problem(limited, 429).await;
    assert!(body["detail"].as_str().unwrap().contains("seconds"));
    assert_eq!(gina.all_cases("q=one too many").await.len(), 0);
    // Replaying an earlier create makes no new case, so the limit does not apply to it.
    let replay = gina
        .create_case(&new_case("burst 0"), Some("burst-0"))
        .await;
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    // Another customer has its own budget.
    let ian = app.login("ian@initech.example").await;
    assert_eq!(
        ian.create_case(&new_case("other customer"), None)
            .await
            .status(),
        201
    );
}
