//! sObject retrieve, create, update, upsert and VersionData.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

const ACCOUNT: &str = "001Dn000V58wd0MIIQ";
const CONTACT: &str = "003Dn000O6V0xBhIIJ";
const OTHER_ACCOUNT_CONTACT: &str = "003Dn000UDjmF3MIYU";

fn new_case() -> Value {
    json!({
        "Subject": "Printer offline",
        "Description": "Since Monday.",
        "AccountId": ACCOUNT,
        "ContactId": CONTACT,
        "Origin": "Web",
        "Priority": "High",
    })
}

#[tokio::test]
async fn retrieve_with_and_without_fields() {
    let emu = start().await;
    let t = token(&emu).await;
    let full: Value = get(&emu, &t, &format!("/sobjects/Account/{ACCOUNT}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(full["attributes"]["type"], "Account");
    assert_eq!(
        full["attributes"]["url"],
        format!("/services/data/{V}/sobjects/Account/{ACCOUNT}")
    );
    assert_eq!(full["Name"], "Acme Corporation");
    assert!(full.get("Website").is_some());

    let some: Value = get(
        &emu,
        &t,
        &format!("/sobjects/Account/{ACCOUNT}?fields=Name,Industry"),
    )
    .await
    .json()
    .await
    .unwrap();
    let keys: Vec<&str> = some
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    assert!(keys.contains(&"Name") && keys.contains(&"Industry") && keys.contains(&"Id"));

    let (status, code, _) = error_code(
        get(
            &emu,
            &t,
            &format!("/sobjects/Account/{ACCOUNT}?fields=Nope"),
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "INVALID_FIELD"));
    let (status, code, _) =
        error_code(get(&emu, &t, "/sobjects/Account/001Dn000000NOPEAAA").await).await;
    assert_eq!((status, code.as_str()), (404, "NOT_FOUND"));
    let (status, code, _) =
        error_code(get(&emu, &t, &format!("/sobjects/Nope/{ACCOUNT}")).await).await;
    assert_eq!((status, code.as_str()), (404, "NOT_FOUND"));
}

#[tokio::test]
async fn create_a_case_like_salesforce() {
    let emu = start().await;
    let t = token(&emu).await;
    let before = emu.records.count("Case");
    let res = send_json(&emu, &t, Method::POST, "/sobjects/Case", &new_case()).await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    let id = body["id"].as_str().unwrap();
    assert_eq!(body, json!({"id": id, "success": true, "errors": []}));
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("500"));
    assert_eq!(location, format!("/services/data/{V}/sobjects/Case/{id}"));

    let case: Value = get(&emu, &t, &format!("/sobjects/Case/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["Status"], "New");
    assert_eq!(case["IsClosed"], false);
    assert_eq!(case["CaseNumber"], "00003208");
    assert_eq!(case["Priority"], "High");
    assert!(case["CreatedDate"].as_str().unwrap().ends_with("+0000"));
    assert_eq!(case["CreatedDate"], case["LastModifiedDate"]);
    assert_eq!(emu.records.count("Case"), before + 1);

    let second: Value = send_json(&emu, &t, Method::POST, "/sobjects/Case", &new_case())
        .await
        .json()
        .await
        .unwrap();
    let second: Value = get(
        &emu,
        &t,
        &format!("/sobjects/Case/{}", second["id"].as_str().unwrap()),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(second["CaseNumber"], "00003209", "sequential");

    // The new case is visible to SOQL at once.
    let found: Value = query(
        &emu,
        &t,
        &format!("SELECT Id, Account.Name FROM Case WHERE Id = '{id}'"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(found["records"][0]["Account"]["Name"], "Acme Corporation");
}

#[tokio::test]
async fn create_validation_errors() {
    let emu = start().await;
    let t = token(&emu).await;
    let post = |body: Value| {
        let (emu, t) = (&emu, &t);
        async move { error_code(send_json(emu, t, Method::POST, "/sobjects/Case", &body).await).await }
    };
    let res = send_json(
        &emu,
        &t,
        Method::POST,
        "/sobjects/Contact",
        &json!({"FirstName": "Ann"}),
    )
    .await;
    let (status, code, body) = error_code(res).await;
    assert_eq!((status, code.as_str()), (400, "REQUIRED_FIELD_MISSING"));
    assert_eq!(body[0]["fields"], json!(["LastName"]));
    assert_eq!(
        body[0]["message"],
        "Required fields are missing: [LastName]"
    );

    let mut bad = new_case();
    bad["Status"] = "Maybe".into();
    let (status, code, body) = post(bad).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
    );
    assert_eq!(body[0]["fields"], json!(["Status"]));

    let mut rule = new_case();
    rule["ContactId"] = OTHER_ACCOUNT_CONTACT.into();
    let (status, code, body) = post(rule).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "FIELD_CUSTOM_VALIDATION_EXCEPTION")
    );
    assert_eq!(body[0]["fields"], json!([]));

    let mut read_only = new_case();
    read_only["CaseNumber"] = "1".into();
    assert_eq!(post(read_only).await.1, "INVALID_FIELD_FOR_INSERT_UPDATE");

    let mut unknown = new_case();
    unknown["Nope__c"] = "x".into();
    assert_eq!(post(unknown).await.1, "INVALID_FIELD");

    let mut bad_id = new_case();
    bad_id["AccountId"] = "not-an-id".into();
    assert_eq!(post(bad_id).await.1, "MALFORMED_ID");

    let mut long = new_case();
    long["Subject"] = "x".repeat(256).into();
    assert_eq!(post(long).await.1, "STRING_TOO_LONG");

    let res = http()
        .post(format!("{}/services/data/{V}/sobjects/Case", emu.base_url))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res).await.1, "JSON_PARSER_ERROR");
}

#[tokio::test]
async fn update_with_patch() {
    let emu = start().await;
    let t = token(&emu).await;
    let created: Value = send_json(&emu, &t, Method::POST, "/sobjects/Case", &new_case())
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let res = send_json(
        &emu,
        &t,
        Method::PATCH,
        &format!("/sobjects/Case/{id}"),
        &json!({"Status": "Closed"}),
    )
    .await;
    assert_eq!(res.status(), 204);
    assert!(res.bytes().await.unwrap().is_empty());
    let case = emu.records.get("Case", id).unwrap();
    assert_eq!(case["Status"], "Closed");
    assert_eq!(case["IsClosed"], true);
    assert!(case["ClosedDate"].is_string());

    let (status, code, _) = error_code(
        send_json(
            &emu,
            &t,
            Method::PATCH,
            &format!("/sobjects/Case/{id}"),
            &json!({"Priority": "Urgent"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
    );
    let (status, code, _) = error_code(
        send_json(
            &emu,
            &t,
            Method::PATCH,
            "/sobjects/Case/500Dn000000NOPEAAA",
            &json!({"Status": "New"}),
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (404, "NOT_FOUND"));
}

#[tokio::test]
async fn upsert_by_external_id_creates_then_updates() {
    let emu = start().await;
    let t = token(&emu).await;
    let before = emu.records.count("Case");
    let path = "/sobjects/Case/Portal_Request_Id__c/req-7f3a";
    let res = send_json(&emu, &t, Method::PATCH, path, &new_case()).await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["created"], true);
    assert_eq!(created["success"], true);
    let id = created["id"].as_str().unwrap().to_owned();

    // A retry of the same request finds the same case.
    let res = send_json(&emu, &t, Method::PATCH, path, &new_case()).await;
    assert_eq!(res.status(), 200);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(
        updated,
        json!({"id": id, "success": true, "errors": [], "created": false})
    );
    assert_eq!(
        emu.records.count("Case"),
        before + 1,
        "exactly one new case"
    );

    let by_ext: Value = get(&emu, &t, path).await.json().await.unwrap();
    assert_eq!(by_ext["Id"], id.as_str());
    assert_eq!(by_ext["Portal_Request_Id__c"], "req-7f3a");

    let (status, code, _) = error_code(
        send_json(
            &emu,
            &t,
            Method::PATCH,
            "/sobjects/Case/Subject/x",
            &new_case(),
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (404, "NOT_FOUND"));

    // Creating another case with a taken external id is a duplicate.
    let mut dup = new_case();
    dup["Portal_Request_Id__c"] = "req-7f3a".into();
    let (status, code, _) =
        error_code(send_json(&emu, &t, Method::POST, "/sobjects/Case", &dup).await).await;
    assert_eq!((status, code.as_str()), (400, "DUPLICATE_VALUE"));
}

#[tokio::test]
async fn version_data_streams_the_fixture_bytes() {
    let emu = start().await;
    let t = token(&emu).await;
    let versions: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(mocks().join("salesforce/ContentVersion.json")).unwrap(),
    )
    .unwrap();
    for v in versions.iter().filter(|v| v["IsLatest"] == true).take(5) {
        let id = v["Id"].as_str().unwrap();
        let expected = std::fs::read(
            mocks()
                .join("salesforce")
                .join(v["VersionDataFile"].as_str().unwrap()),
        )
        .unwrap();
        let res = get(
            &emu,
            &t,
            &format!("/sobjects/ContentVersion/{id}/VersionData"),
        )
        .await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "application/octet-stream");
        assert!(limit_info(&res).starts_with("api-usage="));
        assert_eq!(
            res.bytes().await.unwrap().as_ref(),
            expected.as_slice(),
            "{id}"
        );
    }
    let (status, code, _) = error_code(
        get(
            &emu,
            &t,
            "/sobjects/ContentVersion/068Dn000000NOPEAAA/VersionData",
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (404, "NOT_FOUND"));
    // The mock-only file path never shows.
    let v: Value = get(
        &emu,
        &t,
        &format!(
            "/sobjects/ContentVersion/{}",
            versions[0]["Id"].as_str().unwrap()
        ),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(v.get("VersionDataFile").is_none());
}

#[tokio::test]
async fn admin_records_endpoint_lists_what_was_written() {
    let emu = start().await;
    let t = token(&emu).await;
    let created: Value = send_json(&emu, &t, Method::POST, "/sobjects/Case", &new_case())
        .await
        .json()
        .await
        .unwrap();
    let all: Value = http()
        .get(format!("{}/__emulator/records/Case", emu.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all["totalSize"], 2208);
    assert!(
        all["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["Id"] == created["id"])
    );
}

#[tokio::test]
async fn a_case_needs_no_subject_nor_priority_as_in_a_standard_org() {
    let emu = start().await;
    let t = token(&emu).await;
    let mut bare = new_case();
    bare.as_object_mut().unwrap().remove("Subject");
    bare["Priority"] = Value::Null;
    let res = send_json(&emu, &t, Method::POST, "/sobjects/Case", &bare).await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let case = emu.records.get("Case", &id).unwrap();
    assert_eq!(case["Subject"], Value::Null);
    assert_eq!(case["Priority"], Value::Null);
    assert_eq!(case["Status"], "New");

    // Someone in the org can do the same.
    let id = emu
        .records
        .create("Case", &json!({"AccountId": ACCOUNT, "Priority": null}))
        .unwrap();
    assert_eq!(
        emu.records.get("Case", &id).unwrap()["Subject"],
        Value::Null
    );
    assert!(
        emu.records
            .create("Case", &json!({"Status": "Maybe"}))
            .is_err()
    );
}

#[tokio::test]
async fn the_orgs_own_case_picklist_values_are_accepted() {
    let emu = start_with(salesforce_emulator::EmulatorConfig {
        case_picklists: salesforce_emulator::CasePicklists {
            open_statuses: vec!["Awaiting Reply".into()],
            closed_statuses: vec!["Resolved".into()],
            priorities: vec!["P1 - Critical".into()],
        },
        ..config()
    })
    .await;
    let t = token(&emu).await;
    let mut case = new_case();
    case["Priority"] = "p1 - critical".into();
    case["Status"] = "Awaiting Reply".into();
    let res = send_json(&emu, &t, Method::POST, "/sobjects/Case", &case).await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let stored = emu.records.get("Case", &id).unwrap();
    assert_eq!(stored["Priority"], "P1 - Critical", "the org's spelling");
    assert_eq!(stored["IsClosed"], false);

    let res = send_json(
        &emu,
        &t,
        Method::PATCH,
        &format!("/sobjects/Case/{id}"),
        &json!({"Status": "Resolved"}),
    )
    .await;
    assert_eq!(res.status(), 204);
    let stored = emu.records.get("Case", &id).unwrap();
    assert_eq!(stored["IsClosed"], true, "a closed status of the org's");
    assert!(stored["ClosedDate"].is_string());

    let describe: Value = get(&emu, &t, "/sobjects/Case/describe")
        .await
        .json()
        .await
        .unwrap();
    let values = |name: &str| -> Vec<String> {
        describe["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()["picklistValues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["value"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(values("Priority").contains(&"P1 - Critical".to_owned()));
    assert!(values("Status").contains(&"Resolved".to_owned()));

    // Values no one added are still refused; the standard emulator knows none of these.
    case["Priority"] = "P7".into();
    let res = send_json(&emu, &t, Method::POST, "/sobjects/Case", &case).await;
    assert_eq!(
        error_code(res).await.1,
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    );
    let standard = start().await;
    let t = token(&standard).await;
    case["Priority"] = "P1 - Critical".into();
    let res = send_json(&standard, &t, Method::POST, "/sobjects/Case", &case).await;
    assert_eq!(
        error_code(res).await.1,
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    );
}

/// Closing, closing again and reopening through updates, as a portal does: `ClosedDate` is set
/// when the case becomes closed, kept by a second closed value, cleared (with `IsClosed`) by an
/// open one; the close reason field is written like any text field and bounded.
#[tokio::test]
async fn status_updates_set_keep_and_clear_the_closing_time() {
    let emu = start().await;
    let t = token(&emu).await;
    let created: Value = send_json(&emu, &t, Method::POST, "/sobjects/Case", &new_case())
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let patch = |body: Value| {
        let (emu, t) = (&emu, &t);
        async move {
            send_json(
                emu,
                t,
                Method::PATCH,
                &format!("/sobjects/Case/{id}"),
                &body,
            )
            .await
        }
    };
    let res = patch(json!({"Status": "Closed", "Portal_Close_Reason__c": "Fixed, thanks"})).await;
    assert_eq!(res.status(), 204);
    let closed = emu.records.get("Case", id).unwrap();
    assert_eq!(closed["IsClosed"], true);
    assert_eq!(closed["Portal_Close_Reason__c"], "Fixed, thanks");
    let closed_date = closed["ClosedDate"].as_str().unwrap().to_owned();

    // The same closed value again (a retried write): the closing time stays.
    assert_eq!(patch(json!({"Status": "Closed"})).await.status(), 204);
    assert_eq!(
        emu.records.get("Case", id).unwrap()["ClosedDate"],
        closed_date
    );

    assert_eq!(patch(json!({"Status": "New"})).await.status(), 204);
    let reopened = emu.records.get("Case", id).unwrap();
    assert_eq!(reopened["IsClosed"], false);
    assert_eq!(reopened["ClosedDate"], Value::Null);
    assert_eq!(reopened["Status"], "New");
    assert_eq!(
        reopened["Portal_Close_Reason__c"], "Fixed, thanks",
        "fields not sent are kept"
    );

    let (status, code, _) = error_code(
        patch(json!({"Status": "Closed", "Portal_Close_Reason__c": "x".repeat(1_001)})).await,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "STRING_TOO_LONG"));
    assert_eq!(
        emu.records.get("Case", id).unwrap()["IsClosed"],
        false,
        "a refused update writes nothing"
    );
}

/// The product extension's objects (issue 15): a date field takes `YYYY-MM-DD` only, a double a
/// number; an Opportunity needs its StageName and CloseDate; the catalog query the portal sends
/// filters through the price book and product relationships.
#[tokio::test]
async fn product_objects_take_dates_and_numbers_like_salesforce() {
    let emu = start().await;
    let t = token(&emu).await;
    let post = |object: &'static str, body: Value| {
        let (emu, t) = (&emu, &t);
        async move { send_json(emu, t, Method::POST, &format!("/sobjects/{object}"), &body).await }
    };
    let (status, code, body) = error_code(
        post(
            "Opportunity",
            json!({"Name": "Acme - Pro", "StageName": "Prospecting"}),
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "REQUIRED_FIELD_MISSING"));
    assert_eq!(body[0]["fields"], json!(["CloseDate"]));
    let (status, code, _) = error_code(
        post(
            "Opportunity",
            json!({"Name": "Acme - Pro", "StageName": "Prospecting", "CloseDate": "next week"}),
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "JSON_PARSER_ERROR"));
    let created = post(
        "Opportunity",
        json!({"Name": "Acme - Pro", "StageName": "Prospecting", "CloseDate": "2027-03-01"}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let (status, code, _) =
        error_code(post("Asset", json!({"Name": "Gateway", "Quantity": "many"})).await).await;
    assert_eq!((status, code.as_str()), (400, "JSON_PARSER_ERROR"));

    let page: Value = query(
        &emu,
        &t,
        "SELECT Product2Id, Product2.Name FROM PricebookEntry WHERE IsActive = true \
         AND Product2.IsActive = true AND Pricebook2.IsStandard = true ORDER BY Product2Id",
    )
    .await
    .json()
    .await
    .unwrap();
    let names: Vec<&str> = page["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Product2"]["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 10, "{page:#}");
    assert!(!names.contains(&"Gateway 50 (legacy)") && !names.contains(&"Sensor 5 (discontinued)"));
    let installed: Value = query(
        &emu,
        &t,
        "SELECT Name FROM Asset WHERE InstallDate > 2025-06-01 ORDER BY InstallDate",
    )
    .await
    .json()
    .await
    .unwrap();
    let names: Vec<&str> = installed["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Gateway 100 - Plant B",
            "Gateway 100 - Lab",
            "Cloud Monitoring Pro",
            "Operator Training"
        ]
    );
}
