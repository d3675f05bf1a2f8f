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
/// link), then follows the link without a session: the link, and the answer to it.
async fn download(app: &TestApp, user: &User, id: &str) -> (String, reqwest::Response) {
    let redirect = user
        .get(&format!("/customer/{ACME}/documents/{id}/download"))
        .await;
    assert_eq!(redirect.status(), 302);
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    let file = app
        .anonymous()
        .get(app.url(&location))
        .send()
        .await
        .unwrap();
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
        // The signed link works without the session cookie.
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

/// Signs a link as the server would, for expiry tests without waiting.
fn sign(document: &str, account: &str, contact: &str, expires: i64) -> String {
    let key =
        portal::services::keys::Keys::derive(Some(&portal::config::Secret::new(common::SECRET)))
            .download;
    let tag = portal::services::keys::sign(
        &key,
        format!("v1\n{document}\n{account}\n{contact}\n{expires}").as_bytes(),
    );
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag)
}

#[tokio::test]
async fn tampered_or_expired_links_are_refused_and_every_attempt_is_audited() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let doc = &all_documents(&alice, "").await[0];
    let id = doc["id"].as_str().unwrap();
    let redirect = alice
        .get(&format!("/customer/{ACME}/documents/{id}/download"))
        .await;
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    let anonymous = app.anonymous();

    let other_doc = all_documents(&app.login("gina@globex.example").await, "").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let tampered = [
        location.replace(id, &other_doc),
        location.replace(ACME, GLOBEX),
        location.replacen("expires=", "expires=9", 1),
        format!("{}A", location),
        format!("/downloads/{id}"),
    ];
    for link in &tampered {
        let body = problem(anonymous.get(app.url(link)).send().await.unwrap(), 403).await;
        assert_eq!(body["type"], "/problems/download-link", "{link}");
    }

    let contact = "003Dn000O6V0xBhIIJ";
    let past = chrono::Utc::now().timestamp() - 1;
    let expired = format!(
        "/downloads/{id}?account={ACME}&contact={contact}&expires={past}&signature={}",
        sign(id, ACME, contact, past)
    );
    let body = problem(anonymous.get(app.url(&expired)).send().await.unwrap(), 403).await;
    assert!(body["detail"].as_str().unwrap().contains("expired"));

    // A correctly signed link for a document not shared with that account is still refused.
    let future = chrono::Utc::now().timestamp() + 60;
    let foreign = format!(
        "/downloads/{other_doc}?account={ACME}&contact={contact}&expires={future}&signature={}",
        sign(&other_doc, ACME, contact, future)
    );
    problem(anonymous.get(app.url(&foreign)).send().await.unwrap(), 404).await;

    let ok = anonymous.get(app.url(&location)).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let request_id = ok.headers()["x-request-id"].to_str().unwrap().to_owned();

    let audit = std::fs::read_to_string(app.data_dir.path().join("audit.jsonl")).unwrap();
    let events: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let outcomes: Vec<&str> = events
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            "link_issued",
            "invalid_signature",
            "invalid_signature",
            "invalid_signature",
            "invalid_signature",
            "invalid_signature",
            "expired",
            "not_found",
            "served"
        ]
    );
    let served = events.last().unwrap();
    assert_eq!(served["event"], "document.download");
    assert_eq!(served["document_id"], id);
    assert_eq!(served["contact_id"], contact);
    assert_eq!(served["account_id"], ACME);
    assert_eq!(served["request_id"], request_id.as_str());
    assert!(served["at"].as_str().unwrap().ends_with('Z'));
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
