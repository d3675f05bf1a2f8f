//! `/customer/{customer_id}/documents` and signed downloads.

mod common;

use std::collections::HashSet;

use base64::Engine;
use common::{ACME, GLOBEX, TestApp, User, mocks_dir, problem};
use serde_json::Value;

fn fixture(object: &str) -> Vec<Value> {
    let path = mocks_dir()
        .join("salesforce")
        .join(format!("{object}.json"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The bytes of a document's latest version, straight from the fixtures.
fn fixture_bytes(document_id: &str) -> Vec<u8> {
    let doc = fixture("ContentDocument")
        .into_iter()
        .find(|d| d["Id"] == document_id)
        .unwrap();
    let version = fixture("ContentVersion")
        .into_iter()
        .find(|v| v["Id"] == doc["LatestPublishedVersionId"])
        .unwrap();
    std::fs::read(
        mocks_dir()
            .join("salesforce")
            .join(version["VersionDataFile"].as_str().unwrap()),
    )
    .unwrap()
}

async fn all_documents(user: &User, query: &str) -> Vec<Value> {
    user.all_pages("documents", &format!("limit=100&{query}"))
        .await
}

#[tokio::test]
async fn lists_only_the_files_shared_with_the_customer() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let docs = all_documents(&alice, "").await;
    assert_eq!(docs.len(), 520);
    let ids: HashSet<&str> = docs.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 520);
    assert!(
        docs.iter()
            .all(|d| !d["title"].as_str().unwrap().starts_with("INTERNAL"))
    );
    let shared: HashSet<String> = fixture("ContentDocumentLink")
        .into_iter()
        .filter(|l| l["LinkedEntityId"] == ACME && l["Visibility"] == "AllUsers")
        .map(|l| l["ContentDocumentId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, shared.iter().map(String::as_str).collect());
    let doc = &docs[0];
    for field in [
        "id",
        "title",
        "file_name",
        "content_type",
        "size_bytes",
        "created_at",
    ] {
        assert!(doc.get(field).is_some(), "{field} missing");
    }
    let first_page = alice.get_json(&format!("/customer/{ACME}/documents")).await;
    assert_eq!(first_page["items"].as_array().unwrap().len(), 25);
}

#[tokio::test]
async fn searches_and_sorts() {
    let app = TestApp::spawn().await;
    let gina = app.login("gina@globex.example").await;
    let by_size = all_documents(&gina, "sort=-size").await;
    let sizes: Vec<u64> = by_size
        .iter()
        .map(|d| d["size_bytes"].as_u64().unwrap())
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]));
    let by_title = all_documents(&gina, "sort=title").await;
    let titles: Vec<String> = by_title
        .iter()
        .map(|d| d["title"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(titles.windows(2).all(|w| w[0] <= w[1]));
    let needle = by_title[0]["title"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_uppercase();
    let hits = all_documents(&gina, &format!("q={needle}")).await;
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|d| {
        d["title"]
            .as_str()
            .unwrap()
            .to_uppercase()
            .contains(&needle)
    }));
    let body = problem(
        gina.get(&format!("/customer/{GLOBEX}/documents?sort=owner"))
            .await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "sort");
}

/// Asks for Acme's document `id` as `user` (which must answer with a redirect to a signed
/// link): the link.
async fn link_for(user: &User, id: &str) -> String {
    let redirect = user
        .get(&format!("/customer/{ACME}/documents/{id}/download"))
        .await;
    assert_eq!(redirect.status(), 302);
    redirect.headers()["location"].to_str().unwrap().to_owned()
}

/// Asks for a signed link to Acme's document `id` as `user`, then follows it in the same
/// browser (with its session cookie, as the download manager does): the link, and the answer.
async fn download(app: &TestApp, user: &User, id: &str) -> (String, reqwest::Response) {
    let location = link_for(user, id).await;
    let file = user.client.get(app.url(&location)).send().await.unwrap();
    (location, file)
}

#[tokio::test]
async fn downloads_stream_the_exact_bytes_through_a_signed_link() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let docs = all_documents(&alice, "").await;
    // One plain file, and the ones whose names need care in Content-Disposition.
    let mut picks: Vec<&Value> = vec![&docs[0]];
    picks.extend(docs.iter().filter(|d| {
        let name = d["file_name"].as_str().unwrap();
        !name.is_ascii() || name.contains('"')
    }));
    assert!(picks.len() >= 2);
    for doc in picks {
        let id = doc["id"].as_str().unwrap();
        // The signed link works in the browser whose session asked for it.
        let (location, file) = download(&app, &alice, id).await;
        assert!(
            location.starts_with(&format!("/downloads/{id}?")),
            "{location}"
        );
        assert_eq!(file.status(), 200);
        let headers = file.headers().clone();
        assert_eq!(
            headers["content-type"],
            doc["content_type"].as_str().unwrap()
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\""),
            "{disposition}"
        );
        let ascii_name = disposition.split('"').nth(1).unwrap();
        assert!(!ascii_name.contains(['/', '\\', ';', '"']), "{disposition}");
        assert!(disposition.contains("filename*=UTF-8''"));
        let bytes = file.bytes().await.unwrap();
        assert_eq!(
            headers["content-length"].to_str().unwrap(),
            bytes.len().to_string()
        );
        assert_eq!(bytes.len() as u64, doc["size_bytes"].as_u64().unwrap());
        assert_eq!(
            bytes.as_ref(),
            fixture_bytes(id).as_slice(),
            "bytes of {id}"
        );
    }
}

#[tokio::test]
async fn a_document_with_several_versions_downloads_its_latest() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let read = |file: &Value| {
        std::fs::read(
            mocks_dir()
                .join("salesforce")
                .join(file["VersionDataFile"].as_str().unwrap()),
        )
        .unwrap()
    };
    let versions = fixture("ContentVersion");
    let shared: HashSet<String> = all_documents(&alice, "")
        .await
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    // Acme's shared documents with several versions whose bytes all differ, so that serving
    // any older version shows.
    let mut checked = 0;
    for id in &shared {
        let mut mine: Vec<&Value> = versions
            .iter()
            .filter(|v| v["ContentDocumentId"] == id.as_str())
            .collect();
        if mine.len() < 2 {
            continue;
        }
        mine.sort_by_key(|v| v["VersionNumber"].as_str().unwrap().parse::<u32>().unwrap());
        let (latest, older) = mine.split_last().unwrap();
        assert_eq!(
            latest["IsLatest"], true,
            "{id}: the highest version is the latest"
        );
        let latest_bytes = read(latest);
        if older.iter().any(|v| read(v) == latest_bytes) {
            continue;
        }
        let (_, file) = download(&app, &alice, id).await;
        assert_eq!(file.status(), 200);
        let bytes = file.bytes().await.unwrap();
        assert!(
            bytes.as_ref() == latest_bytes.as_slice(),
            "{id}: the download is version {} ({} bytes), not an older one",
            latest["VersionNumber"],
            bytes.len()
        );
        checked += 1;
        if checked == 5 {
            break;
        }
    }
    assert_eq!(checked, 5, "the fixtures have such documents on Acme");
}

/// Signs in `email` in a new browser: the signed-in customer, and the value of its session
/// cookie (to replay it by hand after sign-out).
async fn sign_in(app: &TestApp, email: &str) -> (User, String) {
    let client = app.anonymous();
    let response = app.sign_in_with(&client, email, common::PASSWORD).await;
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("portal_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let body: Value = response.json().await.unwrap();
    let user = User {
        client,
        base: app.url(""),
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        customer: body["customer"]["id"].as_str().unwrap().to_owned(),
    };
    (user, cookie)
}

/// The session id inside a session cookie (a JWT: its claims are readable, only not forgeable).
fn session_id(cookie: &str) -> String {
    let claims = cookie.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .unwrap(),
    )
    .unwrap();
    claims["sid"].as_str().unwrap().to_owned()
}

/// Signs a link as the server would for the session `sid` of `contact` at `account`, for
/// expiry tests without waiting.
fn sign(document: &str, account: &str, contact: &str, sid: &str, expires: i64) -> String {
    let key =
        portal::services::keys::Keys::derive(Some(&portal::config::Secret::new(common::SECRET)))
            .download;
    let tag = portal::services::keys::sign(
        &key,
        format!("v2\n{document}\n{account}\n{contact}\n{sid}\n{expires}").as_bytes(),
    );
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag)
}

/// Alice's contact id (in `mocks/local_accounts.json`).
const ALICE: &str = "003Dn000O6V0xBhIIJ";

fn audit_events(app: &TestApp) -> Vec<Value> {
    std::fs::read_to_string(app.data_dir.path().join("audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The value of `portal_download_refusals_total{reason}` in the metrics text.
fn refusals(metrics: &str, reason: &str) -> u64 {
    let series = format!("portal_download_refusals_total{{reason=\"{reason}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&series))
        .map_or(0, |v| v.trim().parse().unwrap())
}

#[tokio::test]
async fn tampered_or_expired_links_are_refused_and_only_verified_downloads_are_audited() {
    let app = TestApp::spawn().await;
    let (alice, cookie) = sign_in(&app, "alice@acme.example").await;
    let sid = session_id(&cookie);
    let doc = &all_documents(&alice, "").await[0];
    let id = doc["id"].as_str().unwrap();
    let location = link_for(&alice, id).await;

    let other_doc = all_documents(&app.login("gina@globex.example").await, "").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let tampered = [
        location.replace(id, &other_doc),
        location.replacen("expires=", "expires=9", 1),
        format!("{location}A"),
        location.replacen("signature=", "signature=A", 1),
        format!("/downloads/{id}"),
        format!("/downloads/{id}?expires=1"),
    ];
    for link in &tampered {
        let body = problem(alice.client.get(app.url(link)).send().await.unwrap(), 403).await;
        assert_eq!(body["type"], "/problems/download-link", "{link}");
    }

    let past = chrono::Utc::now().timestamp() - 1;
    let expired = format!(
        "/downloads/{id}?expires={past}&signature={}",
        sign(id, ACME, ALICE, &sid, past)
    );
    let body = problem(
        alice.client.get(app.url(&expired)).send().await.unwrap(),
        403,
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("expired"));

    // A correctly signed link for a document not shared with that account is still refused.
    let future = chrono::Utc::now().timestamp() + 60;
    let foreign = format!(
        "/downloads/{other_doc}?expires={future}&signature={}",
        sign(&other_doc, ACME, ALICE, &sid, future)
    );
    problem(
        alice.client.get(app.url(&foreign)).send().await.unwrap(),
        404,
    )
    .await;

    let ok = alice.client.get(app.url(&location)).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let request_id = ok.headers()["x-request-id"].to_str().unwrap().to_owned();

    // Refused links are not audited; the ones whose signature verified are, with the values
    // it vouches for.
    let events = audit_events(&app);
    let outcomes: Vec<&str> = events
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["link_issued", "expired", "not_found", "served"]);
    let served = events.last().unwrap();
    assert_eq!(served["event"], "document.download");
    assert_eq!(served["document_id"], id);
    assert_eq!(served["contact_id"], ALICE);
    assert_eq!(served["account_id"], ACME);
    assert_eq!(served["request_id"], request_id.as_str());
    assert!(served["at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(events[2]["document_id"], other_doc.as_str());

    let metrics = app.metrics_text().await;
    assert_eq!(refusals(&metrics, "invalid_signature"), 4, "{metrics}");
    assert_eq!(refusals(&metrics, "malformed"), 2);
    assert_eq!(refusals(&metrics, "expired"), 1);
}

/// A flood of bad links from anyone (no session, forged signatures, attacker text in the path
/// and query) writes nothing to the audit log, is counted by reason in the metrics, and is
/// logged as one line for the whole flood. Single-threaded, so that the portal's log lines come
/// to this thread's subscriber.
#[tokio::test]
async fn a_flood_of_bad_links_writes_nothing_and_is_counted_and_logged_once() {
    use portal::observability::telemetry::captured::CapturedLogs;
    let logs = CapturedLogs::default();
    let _logging = tracing::subscriber::set_default(logs.subscriber());
    let app = TestApp::spawn().await;
    logs.recheck_call_sites();
    let alice = app.login("alice@acme.example").await;
    let id = all_documents(&alice, "").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let location = link_for(&alice, &id).await;
    let audit_path = app.data_dir.path().join("audit.jsonl");
    let audit_before = std::fs::metadata(&audit_path).unwrap().len();
    assert!(audit_before > 0, "the link was audited");

    let anonymous = app.anonymous();
    let injected = "%22%7D%0A%7B%22outcome%22%3A%22served%22%7D";
    let long = "A".repeat(4000);
    let floods = [
        // A real link without its session.
        (anonymous.get(app.url(&location)), "no_session"),
        // Text of the attacker's choosing in the path and the query.
        (
            anonymous.get(app.url(&format!(
                "/downloads/{injected}?expires=1&signature={injected}"
            ))),
            "malformed",
        ),
        (
            anonymous.get(app.url(&format!("/downloads/{id}?contact={injected}"))),
            "malformed",
        ),
        // Forged signatures, with the session.
        (
            alice.client.get(app.url(&format!(
                "/downloads/{id}?expires=9999999999&signature={long}"
            ))),
            "invalid_signature",
        ),
    ];
    const EACH: u64 = 50;
    for (request, _) in &floods {
        for _ in 0..EACH {
            let response = request.try_clone().unwrap().send().await.unwrap();
            assert_eq!(response.status(), 403);
        }
    }

    assert_eq!(
        std::fs::metadata(&audit_path).unwrap().len(),
        audit_before,
        "refused links write nothing to the audit log"
    );
    let metrics = app.metrics_text().await;
    assert_eq!(refusals(&metrics, "no_session"), EACH, "{metrics}");
    assert_eq!(refusals(&metrics, "malformed"), 2 * EACH);
    assert_eq!(refusals(&metrics, "invalid_signature"), EACH);
    let lines: Vec<Value> = logs
        .lines()
        .into_iter()
        .filter(|l| l["message"] == "download links refused since the last such line")
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "one line per interval (60 s) however many are refused: {lines:#?}"
    );
    assert_eq!(lines[0]["refused"], 1);
    assert_eq!(lines[0]["level"], "WARN");
}

#[tokio::test]
async fn a_link_works_only_with_the_session_that_made_it_until_it_signs_out() {
    let app = TestApp::spawn().await;
    let (alice, cookie) = sign_in(&app, "alice@acme.example").await;
    // The same person in another browser: another session.
    let (elsewhere, _) = sign_in(&app, "alice@acme.example").await;
    let id = all_documents(&alice, "").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let links: Vec<String> = futures::future::join_all((0..3).map(|_| link_for(&alice, &id))).await;

    let refused = |body: Value| assert_eq!(body["type"], "/problems/download-link");
    refused(
        problem(
            elsewhere
                .client
                .get(app.url(&links[0]))
                .send()
                .await
                .unwrap(),
            403,
        )
        .await,
    );
    refused(
        problem(
            app.anonymous()
                .get(app.url(&links[0]))
                .send()
                .await
                .unwrap(),
            403,
        )
        .await,
    );

    // The session's cookie, replayed by hand (a client without a cookie jar).
    let replay = |link: &str| {
        reqwest::Client::new()
            .get(app.url(link))
            .header("cookie", format!("portal_session={cookie}"))
            .send()
    };
    let served = replay(&links[0]).await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.unwrap(), fixture_bytes(&id));

    let signed_out = alice
        .post("/auth/logout", &serde_json::json!({}), Default::default())
        .await;
    assert_eq!(signed_out.status(), 204);
    // Unexpired and authentic, but its session is over.
    refused(problem(replay(&links[1]).await.unwrap(), 403).await);
    refused(
        problem(
            alice.client.get(app.url(&links[2])).send().await.unwrap(),
            403,
        )
        .await,
    );
    let metrics = app.metrics_text().await;
    assert_eq!(refusals(&metrics, "invalid_signature"), 1, "{metrics}");
    assert_eq!(refusals(&metrics, "no_session"), 3);
}

/// A copy of the fixtures in which Alice's contact belongs to Globex.
fn fixtures_with_alice_at_globex(dir: &std::path::Path) -> std::path::PathBuf {
    let fixtures = dir.join("moved-fixtures");
    std::fs::create_dir_all(&fixtures).unwrap();
    let source = mocks_dir().join("salesforce");
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "Contact.json" {
            std::os::unix::fs::symlink(entry.path(), fixtures.join(entry.file_name())).unwrap();
        }
    }
    let mut contacts = fixture("Contact");
    let alice = contacts.iter_mut().find(|c| c["Id"] == ALICE).unwrap();
    alice["AccountId"] = GLOBEX.into();
    std::fs::write(
        fixtures.join("Contact.json"),
        serde_json::to_vec(&contacts).unwrap(),
    )
    .unwrap();
    fixtures
}

/// A link whose contact was moved to another account after it was issued is refused. Over
/// Salesforce the emulator's record is changed (contacts read afresh: `accounts_ttl_secs = 0`);
/// with the mock store, whose fixtures load at start-up, the link and the session's cookie are
/// taken to a second portal (same secret) whose fixtures have the contact at Globex.
#[tokio::test]
async fn a_link_whose_contact_moved_to_another_account_is_refused() {
    let app = TestApp::spawn_with(|c| c.cache.accounts_ttl_secs = 0).await;
    let (alice, cookie) = sign_in(&app, "alice@acme.example").await;
    let id = all_documents(&alice, "").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (ok, moved) = (link_for(&alice, &id).await, link_for(&alice, &id).await);
    assert_eq!(
        alice
            .client
            .get(app.url(&ok))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let moved_fixtures = tempfile::tempdir().unwrap();
    let other;
    let target = match &app.emulator {
        Some(emulator) => {
            emulator
                .records
                .update("Contact", ALICE, &serde_json::json!({"AccountId": GLOBEX}))
                .unwrap();
            &app
        }
        None => {
            let fixtures = fixtures_with_alice_at_globex(moved_fixtures.path());
            other = TestApp::spawn_with(|c| c.mock.fixtures_dir = fixtures).await;
            &other
        }
    };
    let response = reqwest::Client::new()
        .get(target.url(&moved))
        .header("cookie", format!("portal_session={cookie}"))
        .send()
        .await
        .unwrap();
    let body = problem(response, 403).await;
    assert_eq!(body["type"], "/problems/download-link");
    if app.emulator.is_some() {
        // Within the session's recheck interval the link's own check of the contact refuses it.
        assert_eq!(refusals(&target.metrics_text().await, "contact_changed"), 1);
        let events = audit_events(target);
        let last = events.last().unwrap();
        assert_eq!(last["outcome"], "contact_changed");
        assert_eq!(last["contact_id"], ALICE);
    } else {
        // A new process checks the session's contact on its first request: the session ends
        // there, before the link is looked at, and the link finds no session.
        assert_eq!(refusals(&target.metrics_text().await, "no_session"), 1);
        assert_eq!(refusals(&target.metrics_text().await, "contact_changed"), 0);
        let audit = std::fs::read_to_string(target.data_dir.path().join("audit.jsonl"));
        assert!(
            audit.unwrap_or_default().is_empty(),
            "a refused link is not audited"
        );
    }
}

#[tokio::test]
async fn a_missing_document_is_audited_and_not_found() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    problem(
        alice
            .get(&format!(
                "/customer/{ACME}/documents/069Dn000000000000/download"
            ))
            .await,
        404,
    )
    .await;
    let audit = std::fs::read_to_string(app.data_dir.path().join("audit.jsonl")).unwrap();
    let event: Value = serde_json::from_str(audit.lines().next().unwrap()).unwrap();
    assert_eq!(event["outcome"], "not_found");
    assert_eq!(event["event"], "document.download_requested");
}

/// The OpenAPI document describes the signed link as the server reads it: its parameters in
/// the query string (a generated client would otherwise put them in the path), and the
/// session it needs.
#[tokio::test]
async fn the_api_document_declares_the_link_parameters_in_the_query() {
    let app = TestApp::spawn().await;
    let doc = common::json_of(app.anonymous().get(app.url("/openapi.json"))).await;
    let operation = &doc["paths"]["/downloads/{document_id}"]["get"];
    let places: Vec<(&str, &str)> = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["in"].as_str().unwrap()))
        .collect();
    assert_eq!(
        places,
        [
            ("document_id", "path"),
            ("expires", "query"),
            ("signature", "query"),
            // Only in a link to a file attached to a case (tests/attachments.rs).
            ("case", "query")
        ]
    );
    assert_eq!(operation["security"][0]["session"], serde_json::json!([]));
}
