//! `/customer/{id}/profile` (issue 14, decision 032): the contact's details and preferences,
//! changes written back to the Contact, the session's language set at sign-in from the profile
//! and re-issued when a change sets it. On the mock store, or on the Salesforce adapter
//! through the emulator (`PORTAL_TEST_BACKEND=salesforce`), with the shared state in Redis when
//! `PORTAL_TEST_REDIS` is set: same tests, same assertions.

mod common;

use common::{TestApp, User, error_fields, problem};
use portal::Config;
use serde_json::{Value, json};

const ALICE: &str = "003Dn000O6V0xBhIIJ";

fn profile_path(user: &User) -> String {
    format!("/customer/{}/profile", user.customer)
}

async fn patch(user: &User, body: &Value) -> reqwest::Response {
    user.client
        .patch(user.url(&profile_path(user)))
        .header("x-csrf-token", &user.csrf)
        .json(body)
        .send()
        .await
        .expect("PATCH")
}

async fn session_language(user: &User) -> Value {
    user.get_json("/auth/session").await["language"].clone()
}

#[tokio::test]
async fn the_profile_shows_the_contacts_details_and_default_preferences() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let profile = alice.get_json(&profile_path(&alice)).await;
    assert_eq!(profile["name"], "Alice Anderson");
    assert_eq!(profile["email"], "alice@acme.example");
    assert_eq!(profile["phone"], "+1 415 555 6406");
    assert_eq!(profile["language"], Value::Null);
    assert_eq!(profile["time_zone"], Value::Null);
    assert_eq!(profile["notify_on_reply"], true);
    assert_eq!(profile["notify_on_status"], true);
    assert_eq!(profile["sign_in"], "local");
    assert_eq!(session_language(&alice).await, Value::Null);
}

#[tokio::test]
async fn each_editable_field_is_written_back_to_the_contact() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let changes = [
        (
            json!({"phone": "+49 (30) 1234-567"}),
            "phone",
            json!("+49 (30) 1234-567"),
        ),
        (
            json!({"time_zone": "Asia/Tokyo"}),
            "time_zone",
            json!("Asia/Tokyo"),
        ),
        (
            json!({"notify_on_reply": false}),
            "notify_on_reply",
            json!(false),
        ),
        (
            json!({"notify_on_status": false}),
            "notify_on_status",
            json!(false),
        ),
        (json!({"language": "es"}), "language", json!("es")),
        (json!({"phone": ""}), "phone", Value::Null),
    ];
    for (body, field, expected) in &changes {
        let response = patch(&alice, body).await;
        assert_eq!(response.status(), 200, "{body}");
        assert!(response.headers().contains_key("ratelimit"), "{body}");
        let answered: Value = response.json().await.unwrap();
        assert_eq!(&answered[field], expected, "{body}");
        let read = alice.get_json(&profile_path(&alice)).await;
        assert_eq!(&read[field], expected, "read back {body}");
    }
    let read = alice.get_json(&profile_path(&alice)).await;
    // Every change kept the others.
    assert_eq!(read["time_zone"], "Asia/Tokyo");
    assert_eq!(read["notify_on_reply"], false);
    assert_eq!(read["name"], "Alice Anderson");
    if let Some(emulator) = &app.emulator {
        let contact = emulator.records.get("Contact", ALICE).expect("the Contact");
        assert_eq!(contact["Phone"], Value::Null);
        assert_eq!(contact["Portal_Language__c"], "es");
        assert_eq!(contact["Portal_Time_Zone__c"], "Asia/Tokyo");
        assert_eq!(contact["Portal_Notify_Reply__c"], false);
        assert_eq!(contact["Portal_Notify_Status__c"], false);
        assert_eq!(contact["Name"], "Alice Anderson");
    }
    // Bob's profile is his own.
    let bob = app.login("bob@acme.example").await;
    let his = bob.get_json(&profile_path(&bob)).await;
    assert_eq!(his["name"], "Bob Brennan");
    assert_eq!(his["time_zone"], Value::Null);
    assert_eq!(his["notify_on_reply"], true);
}

#[tokio::test]
async fn the_session_speaks_the_profiles_language() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    assert_eq!(session_language(&alice).await, Value::Null);
    let response = patch(&alice, &json!({"language": "de"})).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().contains_key("set-cookie"),
        "the session is re-issued with the language"
    );
    // Same session (same CSRF token), now in German.
    assert_eq!(session_language(&alice).await, "de");
    let csrf = alice.get_json("/auth/session").await["csrf_token"].clone();
    assert_eq!(csrf, alice.csrf.as_str());
    // Setting it again changes nothing and re-issues nothing.
    let again = patch(&alice, &json!({"language": "de"})).await;
    assert_eq!(again.status(), 200);
    assert!(!again.headers().contains_key("set-cookie"));
    assert!(
        !again.headers().contains_key("ratelimit"),
        "nothing written"
    );
    // A new sign-in reads it from the profile.
    let elsewhere = app.login("alice@acme.example").await;
    assert_eq!(session_language(&elsewhere).await, "de");
    let signed_in: Value = app
        .sign_in_with(&app.anonymous(), "alice@acme.example", common::PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(signed_in["language"], "de");
    // The other session learns of a change there at its next change.
    let response = patch(&elsewhere, &json!({"language": "ar"})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(session_language(&elsewhere).await, "ar");
    assert_eq!(session_language(&alice).await, "de");
}

#[tokio::test]
async fn invalid_values_are_refused_by_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let before = alice.get_json(&profile_path(&alice)).await;
    for (body, fields) in [
        (json!({"phone": "call me", "language": "de"}), vec!["phone"]),
        (json!({"phone": "+"}), vec!["phone"]),
        (json!({"phone": 49151}), vec!["phone"]),
        (json!({"time_zone": "Mars/Olympus_Mons"}), vec!["time_zone"]),
        (json!({"time_zone": "europe/berlin"}), vec!["time_zone"]),
        (json!({"language": "xx"}), vec!["language"]),
        (json!({"language": "EN"}), vec!["language"]),
        (json!({"notify_on_reply": "yes"}), vec!["notify_on_reply"]),
        (
            json!({"name": "Mallory", "email": "m@evil.example"}),
            vec!["name", "email"],
        ),
        (
            json!({"time_zone": "Nowhere", "notify_on_status": 1, "language": "fr"}),
            vec!["time_zone", "notify_on_status"],
        ),
    ] {
        let body_text = body.to_string();
        let problem = problem(patch(&alice, &body).await, 422).await;
        let mut named = error_fields(&problem);
        named.sort_unstable();
        let mut expected = fields.clone();
        expected.sort_unstable();
        assert_eq!(named, expected, "{body_text}");
    }
    problem(patch(&alice, &json!([1, 2])).await, 422).await;
    assert_eq!(alice.get_json(&profile_path(&alice)).await, before);
    assert_eq!(session_language(&alice).await, Value::Null);
    if let Some(emulator) = &app.emulator {
        let contact = emulator.records.get("Contact", ALICE).unwrap();
        assert_eq!(contact["Portal_Language__c"], Value::Null);
    }
}

#[tokio::test]
async fn a_change_needs_the_csrf_token_and_a_session() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let path = profile_path(&alice);
    let response = alice
        .client
        .patch(alice.url(&path))
        .json(&json!({"language": "fr"}))
        .send()
        .await
        .unwrap();
    problem(response, 403).await;
    let anonymous = app.anonymous().get(app.url(&path)).send().await.unwrap();
    problem(anonymous, 401).await;
    assert_eq!(alice.get_json(&path).await["language"], Value::Null);
}

#[tokio::test]
async fn profile_changes_are_rate_limited_per_contact() {
    let app = TestApp::spawn_with(|c: &mut Config| {
        c.profile.rate_limit.burst = 2;
        c.profile.rate_limit.per_hour = 1;
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    for zone in ["Europe/Paris", "Europe/Rome"] {
        assert_eq!(
            patch(&alice, &json!({"time_zone": zone})).await.status(),
            200
        );
    }
    // The value already held costs nothing, even with the quota spent.
    assert_eq!(
        patch(&alice, &json!({"time_zone": "Europe/Rome"}))
            .await
            .status(),
        200
    );
    let refused = patch(&alice, &json!({"time_zone": "Europe/Oslo"})).await;
    assert!(common::retry_after(&refused) > 0);
    let body = problem(refused, 429).await;
    assert_eq!(body["type"], "/problems/rate-limited");
    assert_eq!(
        alice.get_json(&profile_path(&alice)).await["time_zone"],
        "Europe/Rome"
    );
    // Bob of the same account has a quota of his own.
    let bob = app.login("bob@acme.example").await;
    assert_eq!(
        patch(&bob, &json!({"time_zone": "Europe/Oslo"}))
            .await
            .status(),
        200
    );
}

/// The real binary over the mock store, killed with SIGKILL after a change: what it
/// acknowledged is there after the restart, replayed from the profile journal (an org's
/// Contact keeps it in Salesforce mode).
#[tokio::test]
async fn changes_survive_a_kill_9_and_restart() {
    if common::salesforce_backend() {
        eprintln!("SKIPPED changes_survive_a_kill_9_and_restart on the Salesforce pass");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let start = || {
        let mut child = common::portal_command(dir.path()).spawn().unwrap();
        let (addr, lines) = common::wait_listening(&mut child);
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        (child, addr)
    };
    let sign_in = |addr: std::net::SocketAddr| async move {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let body = common::json_of(
            client
                .post(format!("http://{addr}/auth/login"))
                .json(&json!({"email": "alice@acme.example", "password": common::PASSWORD})),
        )
        .await;
        (client, body)
    };
    let (mut child, addr) = start();
    let (client, session) = sign_in(addr).await;
    let url = format!("http://{addr}/customer/{}/profile", common::ACME);
    let changed = client
        .patch(&url)
        .header("x-csrf-token", session["csrf_token"].as_str().unwrap())
        .json(&json!({"language": "fr", "notify_on_status": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    child.kill().unwrap(); // SIGKILL: no shutdown, no flush.
    child.wait().unwrap();

    let (mut child, addr) = start();
    let (client, session) = sign_in(addr).await;
    assert_eq!(session["language"], "fr");
    let url = format!("http://{addr}/customer/{}/profile", common::ACME);
    let read = common::json_of(client.get(&url)).await;
    assert_eq!(read["language"], "fr");
    assert_eq!(read["notify_on_status"], false);
    child.kill().unwrap();
    child.wait().unwrap();
}
