//! `/composite` with references and allOrNone.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

fn case_body(subject: &str) -> Value {
    json!({"Subject": subject, "AccountId": "001Dn000V58wd0MIIQ", "ContactId": "003Dn000O6V0xBhIIJ", "Origin": "Web"})
}

async fn composite(emu: &salesforce_emulator::Emulator, t: &str, request: &Value) -> Value {
    let res = send_json(emu, t, Method::POST, "/composite", request).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn subrequests_refer_to_earlier_results() {
    let emu = start().await;
    let t = token(&emu).await;
    let request = json!({
        "allOrNone": true,
        "compositeRequest": [
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Case"), "referenceId": "newCase", "body": case_body("From composite")},
            {"method": "GET", "url": format!("/services/data/{V}/sobjects/Case/@{{newCase.id}}?fields=CaseNumber,Subject"), "referenceId": "readBack"},
            {"method": "GET", "url": format!("/services/data/{V}/query?q=SELECT+Id,Status+FROM+Case+WHERE+Status+=+'Working'+LIMIT+1"), "referenceId": "working"},
            {"method": "PATCH", "url": format!("/services/data/{V}/sobjects/Case/@{{newCase.id}}"), "referenceId": "setStatus", "body": {"Status": "@{working.records[0].Status}", "Description": "Case @{readBack.CaseNumber}"}},
        ]
    });
    let res = send_json(&emu, &t, Method::POST, "/composite", &request).await;
    assert_eq!(
        limit_info(&res),
        "api-usage=1/15000",
        "one call for the whole composite"
    );
    let body: Value = res.json().await.unwrap();
    let results = body["compositeResponse"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["httpStatusCode"], 201);
    assert_eq!(results[0]["referenceId"], "newCase");
    let id = results[0]["body"]["id"].as_str().unwrap();
    assert_eq!(
        results[0]["httpHeaders"]["Location"],
        format!("/services/data/{V}/sobjects/Case/{id}")
    );
    assert_eq!(results[1]["httpStatusCode"], 200);
    assert_eq!(results[1]["body"]["Subject"], "From composite");
    assert_eq!(results[2]["body"]["records"][0]["Status"], "Working");
    assert_eq!(results[3]["httpStatusCode"], 204);
    assert_eq!(results[3]["body"], Value::Null);
    let case = emu.records.get("Case", id).unwrap();
    assert_eq!(case["Status"], "Working");
    assert_eq!(
        case["Description"],
        format!(
            "Case {}",
            results[1]["body"]["CaseNumber"].as_str().unwrap()
        )
    );
}

#[tokio::test]
async fn all_or_none_rolls_everything_back() {
    let emu = start().await;
    let t = token(&emu).await;
    let before = emu.records.count("Case");
    let request = json!({
        "allOrNone": true,
        "compositeRequest": [
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Case"), "referenceId": "ok", "body": case_body("first")},
            {"method": "PATCH", "url": format!("/services/data/{V}/sobjects/Case/@{{ok.id}}"), "referenceId": "upd", "body": {"Priority": "Low"}},
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Case"), "referenceId": "bad", "body": {"Subject": "x", "Status": "Nope"}},
            {"method": "GET", "url": format!("/services/data/{V}/limits"), "referenceId": "after"},
        ]
    });
    let body = composite(&emu, &t, &request).await;
    let results = body["compositeResponse"].as_array().unwrap();
    let codes: Vec<u64> = results
        .iter()
        .map(|r| r["httpStatusCode"].as_u64().unwrap())
        .collect();
    assert_eq!(codes, vec![400, 400, 400, 400]);
    assert_eq!(results[0]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(
        results[2]["body"][0]["errorCode"],
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    );
    assert_eq!(results[3]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(emu.records.count("Case"), before, "nothing was kept");
}

#[tokio::test]
async fn without_all_or_none_successes_stay() {
    let emu = start().await;
    let t = token(&emu).await;
    let before = emu.records.count("Case");
    let request = json!({
        "compositeRequest": [
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Case"), "referenceId": "ok", "body": case_body("kept")},
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Case"), "referenceId": "bad", "body": {"Subject": "x", "Status": "Maybe"}},
            {"method": "GET", "url": format!("/services/data/{V}/sobjects/Case/@{{bad.id}}"), "referenceId": "dangling"},
        ]
    });
    let body = composite(&emu, &t, &request).await;
    let results = body["compositeResponse"].as_array().unwrap();
    assert_eq!(results[0]["httpStatusCode"], 201);
    assert_eq!(
        results[1]["body"][0]["errorCode"],
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    );
    assert_eq!(results[2]["httpStatusCode"], 400);
    assert_eq!(results[2]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(emu.records.count("Case"), before + 1);
}

#[tokio::test]
async fn at_most_25_subrequests() {
    let emu = start().await;
    let t = token(&emu).await;
    let subs: Vec<Value> = (0..26)
        .map(|i| json!({"method": "GET", "url": format!("/services/data/{V}/limits"), "referenceId": format!("r{i}")}))
        .collect();
    let res = send_json(
        &emu,
        &t,
        Method::POST,
        "/composite",
        &json!({"compositeRequest": subs}),
    )
    .await;
    assert_eq!(res.status(), 400);
    let ok: Vec<Value> = (0..25)
        .map(|i| json!({"method": "GET", "url": format!("/services/data/{V}/limits"), "referenceId": format!("r{i}")}))
        .collect();
    let body = composite(&emu, &t, &json!({"compositeRequest": ok})).await;
    assert_eq!(body["compositeResponse"].as_array().unwrap().len(), 25);
}
