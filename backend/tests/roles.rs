//! Roles (issue 14, decision 031): a member sees the cases they opened and those shared with
//! them through a case team, a manager every case of the account; everyone sees the account's
//! files and their own, never another contact's. Run on the mock store, on the Salesforce
//! adapter through the emulator (`PORTAL_TEST_BACKEND=salesforce`) and with Redis, as the rest.

mod common;

use std::collections::BTreeSet;

use common::{ACME, TestApp, User, mocks_dir, new_case, problem};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

const ALICE: &str = "003Dn000O6V0xBhIIJ";
const BOB: &str = "003Dn000BJKn1AmIYJ";

fn fixture(object: &str) -> Vec<Value> {
    let path = mocks_dir()
        .join("salesforce")
        .join(format!("{object}.json"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The fixtures' Acme cases `contact` opened.
fn opened_by(contact: &str) -> BTreeSet<String> {
    fixture("Case")
        .iter()
        .filter(|c| c["AccountId"] == ACME && c["ContactId"] == contact)
        .map(|c| c["Id"].as_str().unwrap().to_owned())
        .collect()
}

/// The cases shared with `contact` through case teams.
fn shared_with(contact: &str) -> BTreeSet<String> {
    fixture("CaseTeamMember")
        .iter()
        .filter(|m| m["MemberId"] == contact)
        .map(|m| m["ParentId"].as_str().unwrap().to_owned())
        .collect()
}

fn ids(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// An open Acme case `contact` opened.
fn open_case_of(contact: &str) -> String {
    fixture("Case")
        .iter()
        .rev()
        .find(|c| c["AccountId"] == ACME && c["ContactId"] == contact && c["IsClosed"] == false)
        .map(|c| c["Id"].as_str().unwrap().to_owned())
        .unwrap()
}

/// An Acme case Alice opened that is not shared with Bob.
fn alices_private_case() -> String {
    let shared = shared_with(BOB);
    opened_by(ALICE)
        .into_iter()
        .find(|c| !shared.contains(c))
        .unwrap()
}

fn strip(mut problem: Value) -> Value {
    problem.as_object_mut().unwrap().remove("request_id");
    problem
}

/// Signs `client` in through the emulator's provider as `email` (the authorization code flow,
/// as `tests/oidc.rs` walks it) and returns the session.
async fn oidc_sign_in(app: &TestApp, client: &reqwest::Client, email: &str) -> Value {
    let start = client
        .get(app.url("/auth/oidc/login?return_to=/"))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 302);
    let authorize = reqwest::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    let mut form: std::collections::HashMap<String, String> =
        authorize.query_pairs().into_owned().collect();
    form.insert("username".into(), email.into());
    form.insert("pw".into(), common::PASSWORD.into());
    let mut post_url = authorize.clone();
    post_url.set_query(None);
    let signed_in = client.post(post_url).form(&form).send().await.unwrap();
    assert_eq!(signed_in.status(), 302);
    let callback = signed_in.headers()["location"].to_str().unwrap().to_owned();
    let done = client.get(&callback).send().await.unwrap();
    assert_eq!(done.status(), 302);
    assert_eq!(done.headers()["location"], "/");
    common::json_of(client.get(app.url("/auth/session"))).await
}

async fn session_role(user: &User) -> Value {
    user.get_json("/auth/session").await["user"]["role"].clone()
}

#[tokio::test]
async fn the_session_states_the_role_from_the_contact() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    assert_eq!(session_role(&alice).await, "manager");
    assert_eq!(session_role(&bob).await, "member");
}

#[tokio::test]
async fn a_member_lists_the_cases_they_opened_and_those_shared_with_them() {
    let app = TestApp::spawn().await;
    let bob = app.login("bob@acme.example").await;
    let shared = shared_with(BOB);
    assert_eq!(shared.len(), 2, "the fixtures share two cases with Bob");
    assert!(shared.is_disjoint(&opened_by(BOB)));
    let expected: BTreeSet<String> = opened_by(BOB).union(&shared).cloned().collect();
    assert_eq!(ids(&bob.all_cases("").await), expected);
    // `mine` is the same list for a member; the company's is refused, not narrowed.
    assert_eq!(ids(&bob.all_cases("scope=mine").await), expected);
    let refused = problem(
        bob.get(&format!("/customer/{ACME}/cases?scope=company"))
            .await,
        403,
    )
    .await;
    assert_eq!(refused["type"], "/problems/forbidden");
    // Filters and search keep to the member's cases.
    let open = ids(&bob.all_cases("status=open").await);
    assert!(!open.is_empty() && open.is_subset(&expected));
    // The shared cases themselves open, with their conversation.
    for case in &shared {
        let detail = bob
            .get_json(&format!("/customer/{ACME}/cases/{case}"))
            .await;
        assert_eq!(detail["id"], case.as_str());
        bob.get_json(&format!("/customer/{ACME}/cases/{case}/comments"))
            .await;
    }
}

#[tokio::test]
async fn a_manager_lists_the_company_or_their_own_cases() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let company = ids(&alice.all_cases("").await);
    let all_acme: BTreeSet<String> = fixture("Case")
        .iter()
        .filter(|c| c["AccountId"] == ACME)
        .map(|c| c["Id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(company, all_acme);
    assert_eq!(ids(&alice.all_cases("scope=company").await), all_acme);
    assert_eq!(ids(&alice.all_cases("scope=mine").await), opened_by(ALICE));
    // A cursor of one scope does not continue another's list.
    let page = alice
        .get_json(&format!("/customer/{ACME}/cases?scope=mine&limit=5"))
        .await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let other = problem(
        alice
            .get(&format!(
                "/customer/{ACME}/cases?scope=company&limit=5&cursor={cursor}"
            ))
            .await,
        422,
    )
    .await;
    assert_eq!(other["type"], "/problems/validation");
    let bad = problem(
        alice
            .get(&format!("/customer/{ACME}/cases?scope=all"))
            .await,
        422,
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "scope");
}

/// A case outside a member's view answers on every case route exactly as a case that does not
/// exist, and nothing is written to it; a manager reaches it, replies and closes it.
#[tokio::test]
async fn a_case_outside_a_members_view_is_not_found_and_a_manager_may_act_on_any() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    let case = alices_private_case();
    let missing = "500Dn000000000000";
    let base = |id: &str| format!("/customer/{ACME}/cases/{id}");
    for suffix in ["", "/comments", "/attachments"] {
        let a = strip(problem(bob.get(&format!("{}{suffix}", base(&case))).await, 404).await);
        let b = strip(problem(bob.get(&format!("{}{suffix}", base(missing))).await, 404).await);
        assert_eq!(a, b, "GET {suffix}");
    }
    let conversation = alice.get_json(&format!("{}/comments", base(&case))).await;
    for (suffix, body) in [
        ("/comments", json!({"body": "Not my case"})),
        ("/close", json!({})),
        ("/reopen", json!({})),
    ] {
        let mut keyed = HeaderMap::new();
        keyed.insert("idempotency-key", format!("bob{suffix}").parse().unwrap());
        let a = strip(
            problem(
                bob.post(&format!("{}{suffix}", base(&case)), &body, keyed.clone())
                    .await,
                404,
            )
            .await,
        );
        let b = strip(
            problem(
                bob.post(&format!("{}{suffix}", base(missing)), &body, keyed)
                    .await,
                404,
            )
            .await,
        );
        assert_eq!(a, b, "POST {suffix}");
    }
    assert_eq!(
        alice.get_json(&format!("{}/comments", base(&case))).await,
        conversation,
        "nothing written by Bob"
    );
    // Alice, the manager, replies on an open case Bob opened.
    let bobs_case = open_case_of(BOB);
    let mut keyed = HeaderMap::new();
    keyed.insert("idempotency-key", "alice-on-bobs".parse().unwrap());
    let reply = alice
        .post(
            &format!("{}/comments", base(&bobs_case)),
            &json!({"body": "Your manager here: we are on it."}),
            keyed,
        )
        .await;
    assert_eq!(reply.status(), 201);
    let thread = bob
        .get_json(&format!("{}/comments", base(&bobs_case)))
        .await;
    assert!(
        thread["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["body"] == "Your manager here: we are on it.")
    );
}

/// A case a member opens is theirs at once; the manager sees it, another member does not
/// (Jürgen has no sign-in, so Bob and Alice swap: a case Alice opens is not Bob's).
#[tokio::test]
async fn new_cases_are_seen_by_their_opener_and_the_manager_only() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    let created: Value = bob
        .create_case(&new_case("Bob's printer"), None)
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        alice
            .get_json(&format!("/customer/{ACME}/cases/{id}"))
            .await["id"],
        id
    );
    assert!(ids(&bob.all_cases("").await).contains(id));
    let by_alice: Value = alice
        .create_case(&new_case("Alice's router"), None)
        .await
        .json()
        .await
        .unwrap();
    let theirs = by_alice["id"].as_str().unwrap();
    problem(
        bob.get(&format!("/customer/{ACME}/cases/{theirs}")).await,
        404,
    )
    .await;
    assert!(!ids(&bob.all_cases("").await).contains(theirs));
    assert!(ids(&alice.all_cases("scope=mine").await).contains(theirs));
    assert!(!ids(&alice.all_cases("scope=mine").await).contains(id));
}

/// Files linked to the account are everyone's; a file linked to one contact is theirs alone,
/// a manager included (decision 031); another's own file is "not found" like a missing one.
#[tokio::test]
async fn own_documents_are_seen_only_by_their_contact() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    let links = fixture("ContentDocumentLink");
    let own_of = |contact: &str| -> BTreeSet<String> {
        links
            .iter()
            .filter(|l| l["LinkedEntityId"] == contact && l["Visibility"] == "AllUsers")
            .map(|l| l["ContentDocumentId"].as_str().unwrap().to_owned())
            .collect()
    };
    let bobs_own = own_of(BOB);
    assert_eq!(bobs_own.len(), 2);
    let alices = ids(&alice.all_pages("documents", "limit=100").await);
    let bobs = ids(&bob.all_pages("documents", "limit=100").await);
    assert_eq!(alices.len(), 520);
    assert_eq!(bobs.len(), 522);
    assert!(bobs_own.is_subset(&bobs));
    assert!(bobs_own.is_disjoint(&alices));
    assert_eq!(
        bobs.difference(&alices).cloned().collect::<BTreeSet<_>>(),
        bobs_own
    );
    let doc = bobs_own.iter().next().unwrap();
    // The download answers with a signed link to the file, which serves it.
    let download = bob
        .get(&format!("/customer/{ACME}/documents/{doc}/download"))
        .await;
    assert_eq!(download.status(), 302);
    let link = download.headers()["location"].to_str().unwrap().to_owned();
    let file = bob.client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(file.status(), 200);
    let a = strip(
        problem(
            alice
                .get(&format!("/customer/{ACME}/documents/{doc}/download"))
                .await,
            404,
        )
        .await,
    );
    let b = strip(
        problem(
            alice
                .get(&format!(
                    "/customer/{ACME}/documents/069Dn000000000000/download"
                ))
                .await,
            404,
        )
        .await,
    );
    assert_eq!(a, b);
}

/// A manager demoted in the org is a member from the next authorisation recheck on (here every
/// request), and the renewed cookie states it; promoted again, a manager again.
#[tokio::test]
async fn a_role_changed_in_salesforce_applies_at_the_next_recheck() {
    let app = TestApp::spawn_salesforce_with(|c| {
        c.auth.authorization_recheck_secs = 0;
        c.cache.accounts_ttl_secs = 0;
    })
    .await;
    let emulator = app.emulator.as_ref().expect("emulator");
    let alice = app.login("alice@acme.example").await;
    let case = alices_private_case();
    let bobs_case = opened_by(BOB).into_iter().next_back().unwrap();
    let detail = |id: &str| format!("/customer/{ACME}/cases/{id}");
    assert_eq!(alice.get(&detail(&bobs_case)).await.status(), 200);

    emulator
        .records
        .update("Contact", ALICE, &json!({"Portal_Role__c": "Member"}))
        .expect("demote Alice");
    let response = alice.get("/auth/session").await;
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("portal_session="))
        .expect("a renewed session cookie")
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["role"], "member");
    problem(alice.get(&detail(&bobs_case)).await, 404).await;
    assert_eq!(alice.get(&detail(&case)).await.status(), 200);
    problem(
        alice
            .get(&format!("/customer/{ACME}/cases?scope=company"))
            .await,
        403,
    )
    .await;
    // The renewed token states the new role: a fresh client with it alone is a member too.
    let token = cookie
        .trim_start_matches("portal_session=")
        .split(';')
        .next()
        .unwrap();
    let fresh = reqwest::Client::new()
        .get(app.url("/auth/session"))
        .header("cookie", format!("portal_session={token}"))
        .send()
        .await
        .unwrap();
    let fresh: Value = fresh.json().await.unwrap();
    assert_eq!(fresh["user"]["role"], "member");

    emulator
        .records
        .update("Contact", ALICE, &json!({"Portal_Role__c": "Manager"}))
        .expect("promote Alice");
    assert_eq!(session_role(&alice).await, "manager");
    assert_eq!(alice.get(&detail(&bobs_case)).await.status(), 200);
}

/// With `[roles] source = "oidc_claim"` the role is the provider's `portal_role` claim, whatever
/// the Contact says: Bob, a member by his Contact, signs in as a manager by his claim.
#[tokio::test]
async fn the_role_may_come_from_the_identity_providers_claim() {
    let users: Vec<Value> =
        serde_json::from_slice(&std::fs::read(mocks_dir().join("local_accounts.json")).unwrap())
            .unwrap();
    let mut bob = users
        .iter()
        .find(|u| u["email"] == "bob@acme.example")
        .unwrap()
        .clone();
    bob["email"] = json!("bob.sso@acme.example");
    bob["username"] = json!("bob.sso@acme.example");
    bob["portal_role"] = json!("Manager");
    let app = TestApp::spawn_oidc_with(vec![bob], |c| {
        c.roles.source = portal::config::RoleSource::OidcClaim;
        if let Some(oidc) = c.oidc.as_mut() {
            oidc.contact_claim = "custom_attributes.ContactId".into();
            oidc.contact_field = "Id".into();
        }
    })
    .await;
    let client = app.anonymous();
    let session = oidc_sign_in(&app, &client, "bob.sso@acme.example").await;
    assert_eq!(session["user"]["role"], "manager");
    let cases = client
        .get(app.url(&format!("/customer/{ACME}/cases?scope=company&limit=100")))
        .send()
        .await
        .unwrap();
    assert_eq!(cases.status(), 200);
    // A local sign-in falls back to the Contact's field: Bob is a member there.
    let local = app.login("bob@acme.example").await;
    assert_eq!(session_role(&local).await, "member");
}
