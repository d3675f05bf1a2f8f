//! Response bodies compared, by shape, with examples from Salesforce's documentation.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

/// The structure of a JSON value: object keys and value kinds (arrays by their first element).
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => Value::Array(a.first().map(shape).into_iter().collect()),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => json!("null"),
    }
}

fn keys(v: &Value) -> BTreeMap<String, Value> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), shape(v)))
        .collect()
}

#[tokio::test]
async fn query_more_results_matches_the_documented_example() {
    // From "Query More Results" in the REST API Developer Guide.
    let documented = json!({
        "totalSize": 3222,
        "done": false,
        "nextRecordsUrl": "/services/data/v67.0/query/01gRO0000016PIAYA2-500",
        "records": [{
            "attributes": {"type": "Contact", "url": "/services/data/v67.0/sobjects/Contact/003RO0000035WQgYAM"},
            "Id": "003RO0000035WQgYAM",
            "Name": "John Smith"
        }]
    });
    let emu = start().await;
    let t = token(&emu).await;
    let ours: Value = http()
        .get(format!(
            "{}/services/data/{V}/query?q=SELECT+Id,Subject+FROM+Case+LIMIT+0",
            emu.base_url
        ))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ours["records"], json!([]));
    let ours: Value = http()
        .get(format!(
            "{}/services/data/{V}/query?q=SELECT+Id,Name+FROM+Contact",
            emu.base_url
        ))
        .bearer_auth(&t)
        .header("Sforce-Query-Options", "batchSize=200")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Ten contacts fit one page; the documented keys other than nextRecordsUrl must match.
    let mut doc_keys = keys(&documented);
    doc_keys.remove("nextRecordsUrl");
    assert_eq!(keys(&ours), doc_keys);
    let paged: Value = query(&emu, &t, "SELECT Id, Subject FROM Case")
        .await
        .json()
        .await
        .unwrap();
    let mut paged_keys = keys(&paged);
    paged_keys.insert("records".into(), shape(&documented["records"]));
    assert_eq!(paged_keys, keys(&documented));
}

#[tokio::test]
async fn upsert_and_create_match_the_documented_examples() {
    // From "Insert or Update (Upsert) a Record Using an External ID".
    let documented_create = json!({"id": "00190000001pPvHAAU", "errors": [], "success": true});
    let emu = start().await;
    let t = token(&emu).await;
    let body = json!({"Subject": "Doc example", "AccountId": "001Dn000V58wd0MIIQ"});
    let created: Value = send_json(&emu, &t, Method::POST, "/sobjects/Case", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shape(&created), shape(&documented_create));
    let upserted: Value = send_json(
        &emu,
        &t,
        Method::PATCH,
        "/sobjects/Case/Portal_Request_Id__c/doc-1",
        &body,
    )
    .await
    .json()
    .await
    .unwrap();
    let mut with_created = documented_create.clone();
    with_created["created"] = json!(true);
    assert_eq!(shape(&upserted), shape(&with_created));
}

#[tokio::test]
async fn composite_matches_the_documented_subrequest_result() {
    // From "Composite Response Body" (Composite Subrequest Result).
    let documented = json!({
        "body": {"id": "001R00000033I6AIAU", "success": true, "errors": []},
        "httpHeaders": {"Location": "/services/data/v40.0/tooling/sobjects/apexclassmember/001R00000033I6AIAU"},
        "httpStatusCode": 201,
        "referenceId": "refApexClassMember"
    });
    let emu = start().await;
    let t = token(&emu).await;
    let request = json!({"compositeRequest": [{
        "method": "POST", "url": format!("/services/data/{V}/sobjects/Account"),
        "referenceId": "refAccount", "body": {"Name": "Sample Account"}
    }]});
    let res: Value = send_json(&emu, &t, Method::POST, "/composite", &request)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shape(&res["compositeResponse"][0]), shape(&documented));
}

#[tokio::test]
async fn token_and_error_bodies_match_the_documented_examples() {
    // The OAuth token response as documented for the web server and JWT flows.
    let documented = json!({
        "access_token": "00Dx0000000BV7z!AR8AQAxo9UfVkh8AlV0Gomt9Czx9LjHnSSpwBMmbRcgKFmxOtvxjTrKW19ye6PE3Ds1eQz3z8jr3W7_VbWmEu4Q8TVGSTHxs",
        "signature": "0CmxinZir53Yex7nE0TD+zMpvIWYGb/bdJh6XfOH6EQ=",
        "scope": "api",
        "instance_url": "https://yourInstance.salesforce.com",
        "id": "https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P",
        "token_type": "Bearer",
        "issued_at": "1278448832702"
    });
    let emu = start().await;
    let res: Value = http()
        .post(format!("{}/services/oauth2/token", emu.base_url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CONSUMER_KEY),
            ("client_secret", CONSUMER_SECRET),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shape(&res), shape(&documented));
    let token = res["access_token"].as_str().unwrap();
    assert!(token.starts_with("00D") && token.contains('!'));

    // The documented OAuth error and REST error shapes.
    let documented_oauth_error =
        json!({"error": "invalid_grant", "error_description": "audience is invalid"});
    let err: Value = http()
        .post(format!("{}/services/oauth2/token", emu.base_url))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shape(&err), shape(&documented_oauth_error));
    let documented_rest_error =
        json!([{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]);
    let rest: Value = get(&emu, token, "/sobjects/Account/001Dn000000NOPEAAA")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest, documented_rest_error);
}
