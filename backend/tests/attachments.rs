//! Files attached to a case: upload (streamed, capped, typed by content, named safely,
//! idempotent), list, download through a signed link, and refusals. On both adapters
//! (`PORTAL_TEST_BACKEND=salesforce` runs them through the emulator) and with Redis.

mod common;

use common::{ACME, TestApp, User, problem};
use portal::Config;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

/// A PNG of `len` bytes: the signature, then a payload that differs by `seed`.
fn png(len: usize, seed: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend((0..len.saturating_sub(bytes.len())).map(|i| (i as u8).wrapping_mul(31) ^ seed));
    bytes
}

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.7\n{text}\n%%EOF\n").into_bytes()
}

/// Every upload may be large and many; the tests' quota is not what they test.
fn roomy(c: &mut Config) {
    c.attachments.rate_limit.burst = 1_000;
    c.cache.documents_ttl_secs = 0;
    c.resilience.customer_calls_burst = 10_000;
}

async fn first_case(user: &User) -> String {
    let page = user
        .get_json(&format!("/customer/{}/cases?limit=1", user.customer))
        .await;
    page["items"][0]["id"].as_str().unwrap().to_owned()
}

fn attachments_path(user: &User, case: &str) -> String {
    format!("/customer/{}/cases/{case}/attachments", user.customer)
}

async fn upload(
    user: &User,
    case: &str,
    key: Option<&str>,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    let mut request = user
        .client
        .post(user.url(&attachments_path(user, case)))
        .header("x-csrf-token", &user.csrf)
        .multipart(form);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.send().await.expect("upload")
}

async fn list(user: &User, case: &str) -> Vec<Value> {
    user.get_json(&attachments_path(user, case)).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// Follows the download route's redirect with the same session and returns the file response.
async fn download(user: &User, case: &str, id: &str) -> reqwest::Response {
    let start = user
        .get(&format!("{}/{id}/download", attachments_path(user, case)))
        .await;
    assert_eq!(start.status(), 302);
    let link = start.headers()["location"].to_str().unwrap().to_owned();
    assert!(link.starts_with("/downloads/"), "{link}");
    user.get(&link).await
}

#[tokio::test]
async fn an_uploaded_file_is_listed_and_downloads_byte_for_byte() {
    let app = TestApp::spawn_with(roomy).await;
    let alice = app.login("alice@acme.example").await;
    let case = first_case(&alice).await;
    assert!(list(&alice, &case).await.is_empty());

    let bytes = png(300 * 1024, 7);
    let response = upload(
        &alice,
        &case,
        Some("key-1"),
        "screen shot.png",
        bytes.clone(),
    )
    .await;
    assert_eq!(response.status(), 201);
    assert!(response.headers().get("idempotent-replayed").is_none());
    assert!(response.headers().contains_key("ratelimit"));
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["file_name"], "screen shot.png");
    assert_eq!(stored["content_type"], "image/png");
    assert_eq!(stored["size"], bytes.len());
    assert_eq!(stored["uploaded_by"]["kind"], "customer");
    assert!(stored["created_at"].is_string());

    let listed = list(&alice, &case).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0], stored);

    // Bob, of the same account, sees and downloads it too.
    let bob = app.login("bob@acme.example").await;
    let file = download(&bob, &case, stored["id"].as_str().unwrap()).await;
    assert_eq!(file.status(), 200);
    let headers = file.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"screen shot.png\""),
        "{:?}",
        headers["content-disposition"]
    );
    assert_eq!(file.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

#[tokio::test]
async fn the_same_key_gives_the_same_attachment_never_two() {
    let app = TestApp::spawn_with(roomy).await;
    let alice = app.login("alice@acme.example").await;
    let case = first_case(&alice).await;
    let bytes = pdf("the invoice");
    let first: Value = upload(&alice, &case, Some("k-same"), "invoice.pdf", bytes.clone())
        .await
        .json()
        .await
        .unwrap();
    let again = upload(&alice, &case, Some("k-same"), "invoice.pdf", bytes.clone()).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(list(&alice, &case).await.len(), 1);

    // The key reused for another file is refused, and stores nothing.
    let other = upload(&alice, &case, Some("k-same"), "other.pdf", pdf("another")).await;
    let body = problem(other, 422).await;
    assert_eq!(body["type"], "/problems/idempotency-key-reused");
    assert_eq!(list(&alice, &case).await.len(), 1);

    // Without a key nothing is stored either.
    let body = problem(upload(&alice, &case, None, "x.pdf", bytes).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(list(&alice, &case).await.len(), 1);
}

#[tokio::test]
async fn the_type_is_told_by_the_bytes_and_the_name_is_made_safe() {
    let app = TestApp::spawn_with(roomy).await;
    let alice = app.login("alice@acme.example").await;
    let case = first_case(&alice).await;

    // A Windows executable named like a PDF, and one named like text.
    for name in ["report.pdf", "notes.txt"] {
        let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
        let response = upload(&alice, &case, Some(name), name, exe).await;
        let body = problem(response, 415).await;
        assert_eq!(body["type"], "/problems/attachment-type");
        assert!(body["detail"].as_str().unwrap().contains("pdf"), "{body}");
    }
    assert!(list(&alice, &case).await.is_empty(), "nothing stored");

    // A PNG called .pdf is stored as what it is; folders and odd characters are dropped.
    let response = upload(&alice, &case, Some("n1"), "../../scan<1>.pdf", png(2048, 1)).await;
    assert_eq!(response.status(), 201);
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["file_name"], "scan_1_.pdf.png");
    assert_eq!(stored["content_type"], "image/png");
    let response = upload(
        &alice,
        &case,
        Some("n2"),
        "C:\\x\\CON.txt",
        b"plain\n".to_vec(),
    )
    .await;
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["file_name"], "_CON.txt");
    assert_eq!(stored["content_type"], "text/plain");
    let file = download(&alice, &case, stored["id"].as_str().unwrap()).await;
    assert_eq!(file.headers()["content-type"], "text/plain");
    assert_eq!(file.bytes().await.unwrap().as_ref(), b"plain\n");
}

/// Bytes streamed without a length (chunked), as a client that does not announce its size.
fn streamed(total: usize) -> reqwest::Body {
    let chunk = 64 * 1024;
    let mut first = true;
    let chunks = futures::stream::iter((0..total.div_ceil(chunk)).map(move |i| {
        let mut bytes = vec![b'a' ^ (i as u8); chunk.min(total - i * chunk)];
        if std::mem::take(&mut first) {
            bytes[..5].copy_from_slice(b"%PDF-");
        }
        Ok::<_, std::io::Error>(bytes)
    }));
    reqwest::Body::wrap_stream(chunks)
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_and_nothing_is_kept() {
    let app = TestApp::spawn_with(|c| {
        roomy(c);
        c.attachments.max_bytes = 1024 * 1024;
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    let case = first_case(&alice).await;

    // Announced too large: refused before it is read.
    let response = upload(
        &alice,
        &case,
        Some("big-1"),
        "big.pdf",
        pdf(&"x".repeat(1_100_000)),
    )
    .await;
    let body = problem(response, 413).await;
    assert_eq!(body["type"], "/problems/attachment-too-large");
    assert!(body["detail"].as_str().unwrap().contains("1 MB"), "{body}");

    // Streamed without a length: refused once it passes the limit.
    let form = Form::new().part(
        "file",
        Part::stream(streamed(8 * 1024 * 1024)).file_name("stream.pdf"),
    );
    let response = alice
        .client
        .post(alice.url(&attachments_path(&alice, &case)))
        .header("x-csrf-token", &alice.csrf)
        .header("idempotency-key", "big-2")
        .multipart(form)
        .send()
        .await;
    // The server may answer before the client has sent everything and close the connection.
    if let Ok(response) = response {
        let body = problem(response, 413).await;
        assert_eq!(body["type"], "/problems/attachment-too-large");
    }
    assert!(list(&alice, &case).await.is_empty());
    let uploads = app.data_dir.path().join("uploads");
    assert_eq!(
        std::fs::read_dir(uploads).unwrap().count(),
        0,
        "no spool file left"
    );

    // Exactly the limit is taken.
    let mut exact = pdf("");
    exact.resize(1024 * 1024, b' ');
    let response = upload(&alice, &case, Some("big-3"), "exact.pdf", exact).await;
    assert_eq!(response.status(), 201);
}

/// The form is one part, `file`, as the OpenAPI document says: another part, before or after
/// the file, is refused and nothing is stored.
#[tokio::test]
async fn a_form_with_a_part_besides_the_file_stores_nothing() {
    let app = TestApp::spawn_with(roomy).await;
    let alice = app.login("alice@acme.example").await;
    let case = first_case(&alice).await;
    let file = || Part::bytes(pdf("extra")).file_name("a.pdf");
    let forms = [
        (
            "before",
            Form::new().text("note", "hi").part("file", file()),
        ),
        ("after", Form::new().part("file", file()).text("note", "hi")),
        (
            "twice",
            Form::new().part("file", file()).part("file", file()),
        ),
        ("none", Form::new().text("note", "hi")),
    ];
    for (label, form) in forms {
        let response = alice
            .client
            .post(alice.url(&attachments_path(&alice, &case)))
            .header("x-csrf-token", &alice.csrf)
            .header("idempotency-key", format!("parts-{label}"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let body = problem(response, 422).await;
        assert_eq!(body["errors"][0]["field"], "file", "{label}: {body}");
    }
    assert!(list(&alice, &case).await.is_empty());
    let uploads = app.data_dir.path().join("uploads");
    assert_eq!(
        std::fs::read_dir(uploads).unwrap().count(),
        0,
        "no spool file left"
    );
}

#[tokio::test]
async fn another_customers_case_looks_missing_on_every_attachment_route() {
    let app = TestApp::spawn_with(roomy).await;
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let foreign = first_case(&gina).await;
    let own_case = first_case(&alice).await;
    let stored: Value = upload(&alice, &own_case, Some("a1"), "a.pdf", pdf("a"))
        .await
        .json()
        .await
        .unwrap();
    let attachment = stored["id"].as_str().unwrap();
    let missing = "500Dn000000000000";
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("request_id");
        v
    };
    let a = strip(problem(alice.get(&attachments_path(&alice, &foreign)).await, 404).await);
    let b = strip(problem(alice.get(&attachments_path(&alice, missing)).await, 404).await);
    assert_eq!(a, b);
    let a = strip(
        problem(
            upload(&alice, &foreign, Some("f"), "a.pdf", pdf("x")).await,
            404,
        )
        .await,
    );
    let b = strip(
        problem(
            upload(&alice, missing, Some("f"), "a.pdf", pdf("x")).await,
            404,
        )
        .await,
    );
    assert_eq!(a, b);
    assert!(
        list(&gina, &foreign).await.is_empty(),
        "nothing stored on Gina's case"
    );
    // Alice's file through Gina's session, by her own account path and Alice's case: 404 / 403.
    let through_own = format!(
        "/customer/{}/cases/{own_case}/attachments/{attachment}/download",
        gina.customer
    );
    problem(gina.get(&through_own).await, 404).await;
    let through_acme =
        format!("/customer/{ACME}/cases/{own_case}/attachments/{attachment}/download");
    problem(gina.get(&through_acme).await, 403).await;
    // And Alice's file id under another case of hers is not found either.
    let other_case = alice
        .get_json(&format!("/customer/{}/cases?limit=2", alice.customer))
        .await["items"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = strip(
        problem(
            alice
                .get(&format!(
                    "{}/{attachment}/download",
                    attachments_path(&alice, &other_case)
                ))
                .await,
            404,
        )
        .await,
    );
    let b = strip(
        problem(
            alice
                .get(&format!(
                    "{}/069Dn000000000000/download",
                    attachments_path(&alice, &other_case)
                ))
                .await,
            404,
        )
        .await,
    );
    assert_eq!(a, b);
}

/// A link made for one session does not work in another, even of the same account.
#[tokio::test]
async fn a_download_link_works_only_for_its_session() {
    let app = TestApp::spawn_with(roomy).await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    let case = first_case(&alice).await;
    let stored: Value = upload(&alice, &case, Some("l1"), "l.pdf", pdf("l"))
        .await
        .json()
        .await
        .unwrap();
    let start = alice
        .get(&format!(
            "{}/{}/download",
            attachments_path(&alice, &case),
            stored["id"].as_str().unwrap()
        ))
        .await;
    let link = start.headers()["location"].to_str().unwrap().to_owned();
    problem(bob.get(&link).await, 403).await;
    // Pointing the link at another case breaks its signature.
    let other = link.replace(&case, "500Dn000000000000");
    assert_ne!(other, link);
    problem(alice.get(&other).await, 403).await;
    assert_eq!(alice.get(&link).await.status(), 200);
}

/// In Salesforce: the file is a ContentVersion first published to the case, marked with its
/// upload id, and its link to the case is made visible to the customer (`AllUsers`). When
/// Salesforce stores the upload but its answer is lost, the retry (the resilience layer's, or
/// the client's with the same key) finds it: one file, never two.
#[tokio::test]
async fn salesforce_keeps_one_visible_file_when_an_upload_answer_is_lost() {
    let app = TestApp::spawn_salesforce_with(roomy).await;
    let emulator = app.emulator.as_ref().unwrap();
    emulator.faults.update(|f| {
        f.fail_after_commit = Some(salesforce_emulator::FailAfterCommit { delay_ms: 10 });
        f.path_prefix = Some("/services/data/v62.0/sobjects/ContentVersion".into());
    });
    let alice = app.login("alice@acme.example").await;
    let case = first_case(&alice).await;
    let bytes = pdf("lost answer");
    let mut first = upload(&alice, &case, Some("lost-1"), "lost.pdf", bytes.clone()).await;
    if first.status() == 503 {
        // Every retry of the resilience layer lost its answer too: the client retries.
        emulator.faults.update(|f| f.fail_after_commit = None);
        first = upload(&alice, &case, Some("lost-1"), "lost.pdf", bytes.clone()).await;
    }
    assert_eq!(first.status(), 201);
    let stored: Value = first.json().await.unwrap();
    emulator.faults.update(|f| f.fail_after_commit = None);
    let again: Value = upload(&alice, &case, Some("lost-1"), "lost.pdf", bytes)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["id"], stored["id"]);

    let versions: Vec<Value> = emulator
        .records
        .all("ContentVersion")
        .unwrap()
        .into_iter()
        .filter(|v| v["FirstPublishLocationId"] == case.as_str())
        .collect();
    assert_eq!(versions.len(), 1, "one version: {versions:?}");
    assert_eq!(versions[0]["ContentDocumentId"], stored["id"]);
    assert_eq!(versions[0]["PathOnClient"], "lost.pdf");
    assert!(
        versions[0]["Portal_Upload_Id__c"]
            .as_str()
            .is_some_and(|id| id.starts_with("u-")),
        "{versions:?}"
    );
    let links: Vec<Value> = emulator
        .records
        .all("ContentDocumentLink")
        .unwrap()
        .into_iter()
        .filter(|l| l["ContentDocumentId"] == stored["id"])
        .collect();
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(links[0]["LinkedEntityId"], case.as_str());
    assert_eq!(links[0]["Visibility"], "AllUsers");
    assert_eq!(list(&alice, &case).await.len(), 1);
}

/// A file an agent added to the case in Salesforce and shared with the customer shows as the
/// agent's; one kept for internal users does not show at all.
#[tokio::test]
async fn salesforce_shows_the_agents_shared_files_and_hides_internal_ones() {
    let app = TestApp::spawn_salesforce_with(roomy).await;
    let alice = app.login("alice@acme.example").await;
    let case = first_case(&alice).await;
    let emulator = app.emulator.as_ref().unwrap();
    let org = salesforce_client::SalesforceClient::new(salesforce_client::Config::new(
        emulator.base_url.clone(),
        salesforce_client::Credentials::JwtBearer {
            consumer_key: salesforce_emulator::EmulatorConfig::default().consumer_key,
            username: salesforce_emulator::EmulatorConfig::default().integration_username,
            private_key_pem: common::jwt_keys().0.clone().into(),
        },
    ))
    .unwrap();
    for (name, share) in [("shared.pdf", true), ("internal.pdf", false)] {
        let spool = app.data_dir.path().join(name);
        std::fs::write(&spool, pdf(name)).unwrap();
        let version = org
            .create_content_version(&salesforce_client::FileUpload {
                fields: serde_json::json!({"PathOnClient": name, "FirstPublishLocationId": case}),
                file_name: name.into(),
                path: spool,
            })
            .await
            .unwrap();
        if share {
            let document: Value = org
                .retrieve::<Value>("ContentVersion", &version, &["ContentDocumentId"])
                .await
                .unwrap()
                .unwrap();
            let rows: salesforce_client::QueryPage<Value> = org
                .query(&format!(
                    "SELECT Id FROM ContentDocumentLink WHERE ContentDocumentId = '{}'",
                    document["ContentDocumentId"].as_str().unwrap()
                ))
                .await
                .unwrap();
            let link = rows.records[0]["Id"].as_str().unwrap().to_owned();
            org.update(
                "ContentDocumentLink",
                &salesforce_client::SalesforceId::parse(&link).unwrap(),
                &serde_json::json!({"Visibility": "AllUsers"}),
            )
            .await
            .unwrap();
        }
    }
    let listed = list(&alice, &case).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["file_name"], "shared.pdf");
    assert_eq!(listed[0]["uploaded_by"]["kind"], "agent");
    let file = download(&alice, &case, listed[0]["id"].as_str().unwrap()).await;
    assert_eq!(
        file.bytes().await.unwrap().as_ref(),
        pdf("shared.pdf").as_slice()
    );
}

/// Salesforce mode with the cache on: the list is read from the cache, and an upload makes the
/// next read go to Salesforce again and show the new file.
#[tokio::test]
async fn the_cached_list_is_invalidated_by_an_upload() {
    let app = TestApp::spawn_salesforce_with(|c| {
        roomy(c);
        c.cache.documents_ttl_secs = 300;
        c.cache.cases_ttl_secs = 300;
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    let case = first_case(&alice).await;
    let lookups = |outcome: &'static str| {
        let app = &app;
        async move {
            let text = app.metrics_text().await;
            let series = format!(
                "portal_cache_lookups_total{{resource=\"attachments\",result=\"{outcome}\"}} "
            );
            text.lines()
                .find_map(|l| l.strip_prefix(series.as_str()))
                .map_or(0.0, |v| v.trim().parse::<f64>().unwrap())
        }
    };
    assert!(list(&alice, &case).await.is_empty());
    assert!(list(&alice, &case).await.is_empty());
    assert_eq!(lookups("miss").await, 1.0);
    assert_eq!(lookups("hit").await, 1.0);
    let response = upload(&alice, &case, Some("cached-1"), "c.pdf", pdf("c")).await;
    assert_eq!(response.status(), 201);
    assert_eq!(list(&alice, &case).await.len(), 1);
    assert_eq!(lookups("miss").await, 2.0);
}
