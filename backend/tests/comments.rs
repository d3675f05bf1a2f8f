//! `/customer/{id}/cases/{case_id}/comments`: a case's public conversation and the customer's
//! replies. On the mock store, or on the Salesforce adapter through the emulator
//! (`PORTAL_TEST_BACKEND=salesforce`), with the shared state in Redis when `PORTAL_TEST_REDIS`
//! is set: same tests, same assertions. The tests at the end always run on the Salesforce
//! adapter: what it writes, internal comments made in the org, and a reply whose answer was
//! lost after Salesforce stored it.

mod common;

use std::collections::HashMap;

use common::{ACME, GLOBEX, TestApp, User, error_fields, mocks_dir, problem};
use portal::Config;
use reqwest::header::HeaderMap;
use salesforce_emulator::FailAfterCommit;
use serde_json::{Value, json};

/// Alice's Contact (Acme).
const ALICE: &str = "003Dn000O6V0xBhIIJ";

fn fixture(object: &str) -> Vec<Value> {
    let path = mocks_dir()
        .join("salesforce")
        .join(format!("{object}.json"));
    serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("fixture JSON")
}

/// What the fixtures say of each case's conversation.
/// Bob's contact: a member of Acme (decision 031).
const BOB: &str = "003Dn000BJKn1AmIYJ";

struct Fixtures {
    cases: HashMap<String, Value>,
    comments: Vec<Value>,
    user_first_names: HashMap<String, String>,
    contact_names: HashMap<String, String>,
}

impl Fixtures {
    fn load() -> Self {
        let by_id = |rows: Vec<Value>| -> HashMap<String, Value> {
            rows.into_iter()
                .map(|r| (r["Id"].as_str().unwrap().to_owned(), r))
                .collect()
        };
        Self {
            cases: by_id(fixture("Case")),
            comments: fixture("CaseComment"),
            user_first_names: by_id(fixture("User"))
                .into_iter()
                .map(|(id, u)| (id, u["FirstName"].as_str().unwrap().to_owned()))
                .collect(),
            contact_names: by_id(fixture("Contact"))
                .into_iter()
                .map(|(id, c)| (id, c["Name"].as_str().unwrap().to_owned()))
                .collect(),
        }
    }

    /// The case's comments, published or internal, oldest first.
    fn of(&self, case: &str, published: bool) -> Vec<&Value> {
        let mut rows: Vec<&Value> = self
            .comments
            .iter()
            .filter(|c| c["ParentId"] == case && c["IsPublished"] == published)
            .collect();
        rows.sort_by_key(|c| (c["CreatedDate"].as_str(), c["Id"].as_str()));
        rows
    }

    /// An open case of the account with public comments by both sides and an internal one.
    fn busy_case(&self, account: &str, open: bool) -> String {
        self.busy_case_where(account, open, |_| true)
    }

    /// [`Self::busy_case`] among the cases `contact` opened: one a member sees (decision 031;
    /// the account's manager sees it too).
    fn busy_case_opened_by(&self, account: &str, open: bool, contact: &str) -> String {
        self.busy_case_where(account, open, |c| c["ContactId"] == contact)
    }

    fn busy_case_where(&self, account: &str, open: bool, keep: impl Fn(&Value) -> bool) -> String {
        let mut ids: Vec<&String> = self
            .cases
            .iter()
            .filter(|(_, c)| c["AccountId"] == account && c["IsClosed"] == !open && keep(c))
            .map(|(id, _)| id)
            .filter(|id| {
                let public = self.of(id, true);
                public.len() >= 2
                    && public.iter().any(|c| is_customer(c))
                    && public.iter().any(|c| !is_customer(c))
                    && !self.of(id, false).is_empty()
            })
            .collect();
        ids.sort();
        ids.first()
            .map(|id| (*id).clone())
            .expect("a busy case in the fixtures")
    }

    /// The conversation the API must show for the case, as `(kind, name, body)`.
    fn expected(&self, case: &str) -> Vec<(String, Option<String>, String)> {
        self.of(case, true)
            .into_iter()
            .map(|c| {
                let body = c["CommentBody"].as_str().unwrap();
                match body.strip_prefix("[portal:") {
                    Some(rest) => {
                        let contact = &rest[..18];
                        let text = rest.split_once('\n').unwrap().1;
                        (
                            "customer".to_owned(),
                            self.contact_names.get(contact).cloned(),
                            text.to_owned(),
                        )
                    }
                    None => (
                        "agent".to_owned(),
                        self.user_first_names
                            .get(c["CreatedById"].as_str().unwrap())
                            .cloned(),
                        body.to_owned(),
                    ),
                }
            })
            .collect()
    }
}

fn is_customer(comment: &Value) -> bool {
    comment["CommentBody"]
        .as_str()
        .is_some_and(|b| b.starts_with("[portal:"))
}

fn comments_path(user: &User, case: &str) -> String {
    format!("/customer/{}/cases/{case}/comments", user.customer)
}

async fn conversation(user: &User, case: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("{}?limit=2", comments_path(user, case));
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = user.get_json(&path).await;
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}

fn shown(items: &[Value]) -> Vec<(String, Option<String>, String)> {
    items
        .iter()
        .map(|c| {
            (
                c["author"]["kind"].as_str().unwrap().to_owned(),
                c["author"]["name"].as_str().map(str::to_owned),
                c["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn reply(user: &User, case: &str, body: &Value, key: Option<&str>) -> reqwest::Response {
    let mut headers = HeaderMap::new();
    if let Some(key) = key {
        headers.insert("idempotency-key", key.parse().unwrap());
    }
    user.post(&comments_path(user, case), body, headers).await
}

#[tokio::test]
async fn the_conversation_is_the_public_comments_oldest_first_with_their_authors() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let fixtures = Fixtures::load();
    let case = fixtures.busy_case(ACME, true);
    let items = conversation(&alice, &case).await;
    assert_eq!(shown(&items), fixtures.expected(&case));

    // Agents' internal comments are never shown, counted or hinted at.
    let internal: Vec<&str> = fixtures
        .of(&case, false)
        .iter()
        .map(|c| c["CommentBody"].as_str().unwrap())
        .collect();
    let everything = serde_json::to_string(&items).unwrap();
    for body in &internal {
        assert!(
            !everything.contains(body),
            "internal comment leaked: {body}"
        );
    }
    for item in &items {
        assert!(!item["body"].as_str().unwrap().contains("[portal:"));
        let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["author", "body", "created_at", "id"]);
    }
    let times: Vec<&str> = items
        .iter()
        .map(|c| c["created_at"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first");

    // The detail counts public comments only and names the last actor.
    let detail = alice
        .get_json(&format!("/customer/{ACME}/cases/{case}"))
        .await;
    assert_eq!(detail["comment_count"], items.len());
    let last = items.last().unwrap();
    assert_eq!(detail["last_actor"], last["author"]["kind"]);
    assert_eq!(detail["last_activity_at"], last["created_at"]);
    assert_eq!(detail["id"], case.as_str(), "still the case's fields");
}

#[tokio::test]
async fn a_case_without_comments_has_an_empty_conversation() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let fixtures = Fixtures::load();
    let mut quiet: Vec<&String> = fixtures
        .cases
        .iter()
        .filter(|(id, c)| {
            c["AccountId"] == ACME
                && fixtures
                    .comments
                    .iter()
                    .all(|m| m["ParentId"] != id.as_str())
        })
        .map(|(id, _)| id)
        .collect();
    quiet.sort();
    let case = quiet[0];
    let page = alice.get_json(&comments_path(&alice, case)).await;
    assert_eq!(page, json!({"items": [], "next_cursor": null}));
    let detail = alice
        .get_json(&format!("/customer/{ACME}/cases/{case}"))
        .await;
    assert_eq!(detail["comment_count"], 0);
    assert_eq!(detail["last_actor"], Value::Null);
    assert_eq!(detail["last_activity_at"], detail["created_at"]);
}

#[tokio::test]
async fn pages_follow_their_cursors_and_a_cursor_serves_only_its_case() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let fixtures = Fixtures::load();
    let case = fixtures.busy_case(ACME, true);
    let whole = alice
        .get_json(&format!("{}?limit=100", comments_path(&alice, &case)))
        .await;
    assert_eq!(whole["next_cursor"], Value::Null);
    let paged = conversation(&alice, &case).await;
    assert_eq!(&paged, whole["items"].as_array().unwrap());

    let first = alice
        .get_json(&format!("{}?limit=1", comments_path(&alice, &case)))
        .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let other = fixtures.busy_case(ACME, false);
    for (path, field) in [
        (
            format!("{}?cursor={cursor}", comments_path(&alice, &other)),
            "cursor",
        ),
        (
            format!("{}?cursor=not-a-cursor", comments_path(&alice, &case)),
            "cursor",
        ),
        (format!("{}?limit=0", comments_path(&alice, &case)), "limit"),
        (
            format!("{}?limit=101", comments_path(&alice, &case)),
            "limit",
        ),
    ] {
        let body = problem(alice.get(&path).await, 422).await;
        assert_eq!(error_fields(&body), [field], "{path}");
    }
}

#[tokio::test]
async fn a_reply_is_written_listed_and_counted_once_per_key() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    let fixtures = Fixtures::load();
    // Bob's own case: he is a member, and Alice, the manager, replies on it too.
    let case = fixtures.busy_case_opened_by(ACME, true, BOB);
    let before = conversation(&alice, &case).await.len();

    let response = reply(
        &alice,
        &case,
        &json!({"body": "  It happened again.\n\tSerial 4471-B  "}),
        Some("reply-1"),
    )
    .await;
    assert_eq!(response.status(), 201);
    assert!(response.headers().get("idempotent-replayed").is_none());
    assert!(response.headers().contains_key("ratelimit"));
    let written: Value = response.json().await.unwrap();
    assert_eq!(written["body"], "It happened again.\n\tSerial 4471-B");
    assert_eq!(written["author"]["kind"], "customer");
    assert_eq!(written["author"]["name"], "Alice Anderson");

    // Listed last, counted, and seen by the other contact of the account with Alice's name.
    let after = conversation(&bob, &case).await;
    assert_eq!(after.len(), before + 1);
    assert_eq!(after.last().unwrap(), &written);
    let detail = bob
        .get_json(&format!("/customer/{ACME}/cases/{case}"))
        .await;
    assert_eq!(detail["comment_count"], before + 1);
    assert_eq!(detail["last_actor"], "customer");
    assert_eq!(detail["last_activity_at"], written["created_at"]);

    // The same key and body: the same comment again, never a second.
    let again = reply(
        &alice,
        &case,
        &json!({"body": "It happened again.\n\tSerial 4471-B"}),
        Some("reply-1"),
    )
    .await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let replayed: Value = again.json().await.unwrap();
    assert_eq!(replayed, written);
    // The same key with another body is refused; Bob's same key is his own reply.
    let other = reply(
        &alice,
        &case,
        &json!({"body": "Something else"}),
        Some("reply-1"),
    )
    .await;
    assert_eq!(
        problem(other, 422).await["type"],
        "/problems/idempotency-key-reused"
    );
    let bobs = reply(&bob, &case, &json!({"body": "Me too."}), Some("reply-1")).await;
    assert_eq!(bobs.status(), 201);
    let bobs: Value = bobs.json().await.unwrap();
    assert_ne!(bobs["id"], written["id"]);
    assert_eq!(bobs["author"]["name"], "Bob Brennan");
    assert_eq!(conversation(&alice, &case).await.len(), before + 2);
}

#[tokio::test]
async fn replies_are_refused_field_by_field_and_change_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let fixtures = Fixtures::load();
    let case = fixtures.busy_case(ACME, true);
    let before = conversation(&alice, &case).await;
    for (body, key, field) in [
        (json!({"body": " \n\t "}), Some("k-empty"), "body"),
        (json!({}), Some("k-missing"), "body"),
        (json!({"body": 5}), Some("k-number"), "body"),
        (json!({"body": "x".repeat(3_951)}), Some("k-long"), "body"),
        (json!({"body": "bell \u{7}"}), Some("k-control"), "body"),
        (json!({"body": "hi", "extra": 1}), Some("k-extra"), "extra"),
        (json!({"body": "hi"}), None, "Idempotency-Key"),
        (json!({"body": "hi"}), Some("bad key"), "Idempotency-Key"),
    ] {
        let response = reply(&alice, &case, &body, key).await;
        let problem = problem(response, 422).await;
        assert_eq!(problem["type"], "/problems/validation");
        assert_eq!(error_fields(&problem), [field], "{body} {key:?}");
    }
    // The longest reply fits.
    let longest = reply(
        &alice,
        &case,
        &json!({"body": "é".repeat(3_950)}),
        Some("k-max"),
    )
    .await;
    assert_eq!(longest.status(), 201);

    // Without the CSRF token: refused.
    let response = alice
        .client
        .post(alice.url(&comments_path(&alice, &case)))
        .header("idempotency-key", "k-csrf")
        .json(&json!({"body": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(response, 403).await["type"], "/problems/csrf");
    assert_eq!(conversation(&alice, &case).await.len(), before.len() + 1);
}

#[tokio::test]
async fn a_closed_case_takes_no_replies() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let fixtures = Fixtures::load();
    let case = fixtures.busy_case(ACME, false);
    let before = conversation(&alice, &case).await;
    let response = reply(&alice, &case, &json!({"body": "Hello?"}), Some("closed-1")).await;
    let body = problem(response, 409).await;
    assert_eq!(body["type"], "/problems/case-closed");
    assert!(body["detail"].as_str().unwrap().contains("Reopen"));
    assert_eq!(conversation(&alice, &case).await, before);
}

#[tokio::test]
async fn replies_are_rate_limited_per_customer() {
    let app = TestApp::spawn_with(|c| {
        c.comments.rate_limit.burst = 2;
        c.comments.rate_limit.per_hour = 1;
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let fixtures = Fixtures::load();
    // Bob's own case: he is a member, and Alice, the manager, replies on it too.
    let case = fixtures.busy_case_opened_by(ACME, true, BOB);
    for key in ["rl-1", "rl-2"] {
        let response = reply(&alice, &case, &json!({"body": key}), Some(key)).await;
        assert_eq!(response.status(), 201);
    }
    // A replay costs nothing and still answers.
    let replay = reply(&alice, &case, &json!({"body": "rl-2"}), Some("rl-2")).await;
    assert_eq!(replay.status(), 201);
    // The account's quota is spent, for every contact of it.
    let limited = reply(&bob, &case, &json!({"body": "rl-3"}), Some("rl-3")).await;
    assert!(common::retry_after(&limited) > 0);
    let body = problem(limited, 429).await;
    assert_eq!(body["type"], "/problems/rate-limited");
    assert!(body["detail"].as_str().unwrap().contains("replies"));
    // Another customer's is untouched.
    let globex_case = fixtures.busy_case(GLOBEX, true);
    let response = reply(&gina, &globex_case, &json!({"body": "ok"}), Some("rl-1")).await;
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn concurrent_requests_with_one_key_make_exactly_one_comment() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let fixtures = Fixtures::load();
    let case = fixtures.busy_case(ACME, true);
    let before = conversation(&alice, &case).await.len();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (alice, case) = (alice.clone(), case.clone());
            tokio::spawn(async move {
                let response =
                    reply(&alice, &case, &json!({"body": "Only once"}), Some("burst")).await;
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap();
                (status, body)
            })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            201 => {
                ids.insert(body["id"].as_str().unwrap().to_owned());
            }
            409 => assert_eq!(body["type"], "/problems/idempotency-in-flight"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(ids.len(), 1, "every 201 is the same comment");
    assert_eq!(conversation(&alice, &case).await.len(), before + 1);
}

// ---------------------------------------------------------------------------------------------
// Always on the Salesforce adapter, through the emulator.
// ---------------------------------------------------------------------------------------------

/// Every read goes to Salesforce, so what a test changes in the org shows at once.
fn no_cache(c: &mut Config) {
    c.cache.accounts_ttl_secs = 0;
    c.cache.cases_ttl_secs = 0;
    c.cache.documents_ttl_secs = 0;
    c.comments.rate_limit.burst = 1_000;
    c.resilience.customer_calls_burst = 10_000;
}

fn org_comments(app: &TestApp, case: &str) -> Vec<Value> {
    app.emulator
        .as_ref()
        .unwrap()
        .records
        .all("CaseComment")
        .unwrap()
        .into_iter()
        .filter(|c| c["ParentId"] == case)
        .collect()
}

#[tokio::test]
async fn a_reply_is_a_published_case_comment_marked_with_its_contact() {
    let app = TestApp::spawn_salesforce_with(no_cache).await;
    let alice = app.login("alice@acme.example").await;
    let fixtures = Fixtures::load();
    let case = fixtures.busy_case(ACME, true);
    let case_before = app
        .emulator
        .as_ref()
        .unwrap()
        .records
        .get("Case", &case)
        .unwrap();
    let response = reply(&alice, &case, &json!({"body": "Thanks!"}), Some("sf-1")).await;
    assert_eq!(response.status(), 201);
    let written: Value = response.json().await.unwrap();
    let stored: Vec<Value> = org_comments(&app, &case)
        .into_iter()
        .filter(|c| c["Id"] == written["id"])
        .collect();
    assert_eq!(stored.len(), 1);
    let stored = &stored[0];
    assert_eq!(stored["IsPublished"], true);
    let body = stored["CommentBody"].as_str().unwrap();
    let (marker, text) = body.split_once('\n').unwrap();
    assert!(marker.starts_with(&format!("[portal:{ALICE}:")), "{marker}");
    assert_eq!(text, "Thanks!");
    // Created by the integration user, and the case stamped by it.
    assert_ne!(stored["CreatedById"], Value::Null);
    let case_after = app
        .emulator
        .as_ref()
        .unwrap()
        .records
        .get("Case", &case)
        .unwrap();
    assert!(case_after["SystemModstamp"].as_str() > case_before["SystemModstamp"].as_str());
}

#[tokio::test]
async fn comments_agents_write_in_the_org_show_by_first_name_and_internal_ones_never() {
    let app = TestApp::spawn_salesforce_with(no_cache).await;
    let alice = app.login("alice@acme.example").await;
    let fixtures = Fixtures::load();
    let case = fixtures.busy_case(ACME, true);
    let emulator = app.emulator.as_ref().unwrap();
    let (agent, first_name) = fixtures.user_first_names.iter().next().unwrap();
    for (body, published) in [
        ("Internal: refund approved, tell them Monday.", false),
        ("We have refunded the charge.", true),
    ] {
        emulator
            .records
            .create_by(
                agent,
                "CaseComment",
                &json!({"ParentId": case, "CommentBody": body, "IsPublished": published}),
            )
            .unwrap();
    }
    let items = conversation(&alice, &case).await;
    let last = items.last().unwrap();
    assert_eq!(last["body"], "We have refunded the charge.");
    assert_eq!(last["author"], json!({"kind": "agent", "name": first_name}));
    assert!(
        !serde_json::to_string(&items)
            .unwrap()
            .contains("refund approved")
    );
    let detail = alice
        .get_json(&format!("/customer/{ACME}/cases/{case}"))
        .await;
    assert_eq!(detail["comment_count"], items.len());
    assert_eq!(detail["last_actor"], "agent");
}

/// Makes the emulator store every comment write, then fail its answer after `delay_ms`.
fn fail_comment_writes_after_commit(app: &TestApp, delay_ms: u64) {
    app.emulator.as_ref().unwrap().faults.update(|f| {
        f.fail_after_commit = Some(FailAfterCommit { delay_ms });
        f.path_prefix = Some("/services/data/v62.0/sobjects/CaseComment".into());
    });
}

#[tokio::test]
async fn a_reply_whose_answer_was_lost_after_salesforce_stored_it_is_retried_into_one_comment() {
    let app = TestApp::spawn_salesforce_with(|c| {
        no_cache(c);
        // No retry inside the portal: the client sees the failure and retries itself.
        c.resilience.max_attempts = 1;
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    let fixtures = Fixtures::load();
    let case = fixtures.busy_case(ACME, true);
    let before = org_comments(&app, &case).len();
    fail_comment_writes_after_commit(&app, 0);
    let body = json!({"body": "Stored, answered 503"});
    let failed = reply(&alice, &case, &body, Some("lost-1")).await;
    assert!(failed.headers().contains_key("retry-after"));
    problem(failed, 503).await;
    assert_eq!(
        org_comments(&app, &case).len(),
        before + 1,
        "stored despite the 503"
    );

    // The fault stays on: a retry that wrote again would fail again.
    let retried = reply(&alice, &case, &body, Some("lost-1")).await;
    assert_eq!(retried.status(), 201);
    assert_eq!(retried.headers()["idempotent-replayed"], "true");
    let comment: Value = retried.json().await.unwrap();
    assert_eq!(comment["body"], "Stored, answered 503");
    assert_eq!(org_comments(&app, &case).len(), before + 1, "still one");
    // Another body under the key is a different request, refused without a write.
    let other = reply(&alice, &case, &json!({"body": "else"}), Some("lost-1")).await;
    problem(other, 422).await;
    assert_eq!(org_comments(&app, &case).len(), before + 1);
}

#[tokio::test]
async fn a_reply_that_timed_out_after_salesforce_stored_it_is_retried_by_the_portal_into_one() {
    let app = TestApp::spawn_salesforce_with(|c| {
        no_cache(c);
        c.resilience.call_timeout_ms = 2_000;
        c.resilience.max_attempts = 3;
        c.resilience.backoff_base_ms = 10;
        c.resilience.backoff_max_ms = 50;
        c.resilience.retry_budget_ms = 20_000;
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    let fixtures = Fixtures::load();
    let case = fixtures.busy_case(ACME, true);
    let before = org_comments(&app, &case).len();
    fail_comment_writes_after_commit(&app, 60_000);
    let response = reply(
        &alice,
        &case,
        &json!({"body": "Answer lost"}),
        Some("lost-2"),
    )
    .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["idempotent-replayed"], "true");
    let comments = org_comments(&app, &case);
    assert_eq!(comments.len(), before + 1, "exactly one comment");
}

#[tokio::test]
async fn the_case_list_says_and_filters_whose_turn_it_is() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let fixtures = Fixtures::load();
    let expect = |side: &str| -> Vec<String> {
        let mut ids: Vec<String> = fixtures
            .cases
            .values()
            .filter(|c| c["AccountId"] == ACME && c["IsClosed"] == false)
            .filter(|c| (c["Status"] == "Waiting on Customer") == (side == "customer"))
            .map(|c| c["Id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    for side in ["customer", "agent"] {
        let listed = alice.all_cases(&format!("awaiting={side}")).await;
        assert!(
            listed
                .iter()
                .all(|c| c["awaiting"] == side && c["is_closed"] == false)
        );
        let mut ids: Vec<String> = listed
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        assert_eq!(ids, expect(side), "awaiting={side}");
        assert!(!ids.is_empty());
    }
    // With the other filters, and each item of an unfiltered list says it too.
    let open_waiting = alice.all_cases("awaiting=customer&status=closed").await;
    assert!(open_waiting.is_empty(), "a closed case awaits no one");
    let all = alice.all_cases("").await;
    for case in &all {
        let expected = match (
            case["is_closed"].as_bool().unwrap(),
            case["status"].as_str(),
        ) {
            (true, _) => Value::Null,
            (false, Some("waiting_on_customer")) => json!("customer"),
            (false, _) => json!("agent"),
        };
        assert_eq!(case["awaiting"], expected, "{case}");
    }
    // A cursor is bound to its filter.
    let page = alice
        .get_json(&format!("/customer/{ACME}/cases?awaiting=agent&limit=1"))
        .await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let body = problem(
        alice
            .get(&format!(
                "/customer/{ACME}/cases?awaiting=customer&cursor={cursor}"
            ))
            .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&body), ["cursor"]);
    let body = problem(
        alice
            .get(&format!("/customer/{ACME}/cases?awaiting=me"))
            .await,
        422,
    )
    .await;
    assert_eq!(error_fields(&body), ["awaiting"]);
}

/// A reply on a case awaiting the customer hands it back to the support team
/// (`picklists.replied_status`), at once in the case and in the list's filter; a reply on a case
/// the team already has leaves its status alone.
#[tokio::test]
async fn a_reply_hands_a_case_awaiting_the_customer_back_to_support() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let first = |path: String| {
        let alice = &alice;
        async move { alice.get_json(&path).await["items"][0].clone() }
    };
    let waiting = first(format!("/customer/{ACME}/cases?awaiting=customer&limit=1")).await;
    let waiting = waiting["id"].as_str().unwrap().to_owned();
    let response = reply(
        &alice,
        &waiting,
        &json!({"body": "Here is the log you asked for."}),
        Some("hand-back-1"),
    )
    .await;
    assert_eq!(response.status(), 201);
    let case = alice
        .get_json(&format!("/customer/{ACME}/cases/{waiting}"))
        .await;
    assert_eq!(case["status"], "in_progress", "{case}");
    assert_eq!(case["awaiting"], "agent", "{case}");
    assert_eq!(case["last_actor"], "customer", "{case}");
    let still_waiting = alice.all_cases("awaiting=customer").await;
    assert!(still_waiting.iter().all(|c| c["id"] != waiting.as_str()));

    let escalated = alice
        .all_cases("awaiting=agent")
        .await
        .into_iter()
        .find(|c| c["status"] == "escalated")
        .expect("an escalated case");
    let id = escalated["id"].as_str().unwrap();
    let response = reply(
        &alice,
        id,
        &json!({"body": "Any news?"}),
        Some("hand-back-2"),
    )
    .await;
    assert_eq!(response.status(), 201);
    let case = alice
        .get_json(&format!("/customer/{ACME}/cases/{id}"))
        .await;
    assert_eq!(case["status"], "escalated", "{case}");
}
