//! File uploads: a ContentVersion with its content as base64 `VersionData` in JSON or as the
//! binary part of a multipart body, the ContentDocument and the link to the record it is first
//! published to, and ContentDocumentLink writes.

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

/// A case of the fixtures (Acme's).
async fn a_case(emu: &salesforce_emulator::Emulator, token: &str) -> String {
    let rows: Value = query(emu, token, "SELECT Id FROM Case LIMIT 1")
        .await
        .json()
        .await
        .unwrap();
    rows["records"][0]["Id"].as_str().unwrap().to_owned()
}

async fn version(emu: &salesforce_emulator::Emulator, token: &str, id: &str) -> Value {
    get(emu, token, &format!("/sobjects/ContentVersion/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

async fn content(emu: &salesforce_emulator::Emulator, token: &str, id: &str) -> Vec<u8> {
    let res = get(
        emu,
        token,
        &format!("/sobjects/ContentVersion/{id}/VersionData"),
    )
    .await;
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn a_base64_upload_makes_a_version_a_document_and_an_internal_link() {
    let emu = start().await;
    let t = token(&emu).await;
    let case = a_case(&emu, &t).await;
    let bytes = b"%PDF-1.7\nhello\n".to_vec();
    let res = send_json(
        &emu,
        &t,
        Method::POST,
        "/sobjects/ContentVersion",
        &json!({
            "PathOnClient": "Report Q3.pdf",
            "VersionData": base64::engine::general_purpose::STANDARD.encode(&bytes),
            "FirstPublishLocationId": case,
            "Portal_Upload_Id__c": "u-1",
        }),
    )
    .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let v = version(&emu, &t, &id).await;
    assert_eq!(v["Title"], "Report Q3");
    assert_eq!(v["FileExtension"], "pdf");
    assert_eq!(v["FileType"], "PDF");
    assert_eq!(v["ContentSize"], bytes.len());
    assert_eq!(v["IsLatest"], true);
    assert_eq!(
        v["VersionData"],
        format!("/services/data/{V}/sobjects/ContentVersion/{id}/VersionData")
    );
    assert_eq!(content(&emu, &t, &id).await, bytes);

    let document = v["ContentDocumentId"].as_str().unwrap();
    let links: Value = query(
        &emu,
        &t,
        &format!(
            "SELECT Id, LinkedEntityId, ShareType, Visibility, ContentDocument.LatestPublishedVersionId \
             FROM ContentDocumentLink WHERE ContentDocumentId = '{document}'"
        ),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(links["totalSize"], 1);
    let link = &links["records"][0];
    assert_eq!(link["LinkedEntityId"], case.as_str());
    assert_eq!(link["Visibility"], "InternalUsers");
    assert_eq!(
        link["ContentDocument"]["LatestPublishedVersionId"],
        id.as_str()
    );

    // The link can be shared with external users; its ends cannot change.
    let link_id = link["Id"].as_str().unwrap();
    let res = send_json(
        &emu,
        &t,
        Method::PATCH,
        &format!("/sobjects/ContentDocumentLink/{link_id}"),
        &json!({"Visibility": "AllUsers"}),
    )
    .await;
    assert_eq!(res.status(), 204);
    let res = send_json(
        &emu,
        &t,
        Method::PATCH,
        &format!("/sobjects/ContentDocumentLink/{link_id}"),
        &json!({"LinkedEntityId": "001Dn0004Ot9nDpIQI"}),
    )
    .await;
    assert_eq!(error_code(res).await.1, "INVALID_FIELD_FOR_INSERT_UPDATE");

    // The upload id is unique, and the file is found by it.
    let again = send_json(
        &emu,
        &t,
        Method::POST,
        "/sobjects/ContentVersion",
        &json!({"PathOnClient": "x.pdf", "VersionData": "eA==", "Portal_Upload_Id__c": "u-1"}),
    )
    .await;
    assert_eq!(error_code(again).await.1, "DUPLICATE_VALUE");
    let found: Value = query(
        &emu,
        &t,
        "SELECT Id FROM ContentVersion WHERE Portal_Upload_Id__c = 'u-1'",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(found["records"][0]["Id"], id.as_str());
}

#[tokio::test]
async fn a_multipart_upload_takes_the_entity_and_the_binary_part() {
    let emu = start().await;
    let t = token(&emu).await;
    let case = a_case(&emu, &t).await;
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let form = reqwest::multipart::Form::new()
        .part(
            "entity_content",
            reqwest::multipart::Part::text(
                json!({"PathOnClient": "trace.bin.png", "FirstPublishLocationId": case})
                    .to_string(),
            )
            .mime_str("application/json")
            .unwrap(),
        )
        .part(
            "VersionData",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name("trace.bin.png"),
        );
    let res = http()
        .post(format!(
            "{}/services/data/{V}/sobjects/ContentVersion",
            emu.base_url
        ))
        .bearer_auth(&t)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(version(&emu, &t, &id).await["ContentSize"], bytes.len());
    assert_eq!(content(&emu, &t, &id).await, bytes);

    // Without the binary part, nothing is stored.
    let form = reqwest::multipart::Form::new().part(
        "entity_content",
        reqwest::multipart::Part::text(json!({"PathOnClient": "a.txt"}).to_string()),
    );
    let res = http()
        .post(format!(
            "{}/services/data/{V}/sobjects/ContentVersion",
            emu.base_url
        ))
        .bearer_auth(&t)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res).await.1, "INVALID_MULTIPART_REQUEST");
}

#[tokio::test]
async fn a_link_can_be_created_to_share_a_file_with_another_record() {
    let emu = start().await;
    let t = token(&emu).await;
    let res = send_json(
        &emu,
        &t,
        Method::POST,
        "/sobjects/ContentVersion",
        &json!({"PathOnClient": "a.txt", "VersionData": "YQ=="}),
    )
    .await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let document = version(&emu, &t, &id).await["ContentDocumentId"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = send_json(
        &emu,
        &t,
        Method::POST,
        "/sobjects/ContentDocumentLink",
        &json!({
            "ContentDocumentId": document,
            "LinkedEntityId": "001Dn000V58wd0MIIQ",
            "ShareType": "V",
            "Visibility": "AllUsers",
        }),
    )
    .await;
    assert_eq!(res.status(), 201);
    let rows: Value = query(
        &emu,
        &t,
        &format!(
            "SELECT Visibility FROM ContentDocumentLink WHERE ContentDocumentId = '{document}'"
        ),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(rows["records"][0]["Visibility"], "AllUsers");
    // A link needs both ends.
    let res = send_json(
        &emu,
        &t,
        Method::POST,
        "/sobjects/ContentDocumentLink",
        &json!({"ContentDocumentId": document}),
    )
    .await;
    assert_eq!(error_code(res).await.1, "REQUIRED_FIELD_MISSING");
}
