//! Custom Metadata (`__mdt`, the portal's dynamic forms): queryable with the normal envelope,
//! read-only through the data API, and without the SOQL a metadata query does not allow.
//! Also the describe knob that simulates field-level security.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn metadata_records_answer_a_query_with_the_normal_envelope() {
    let emu = start().await;
    let token = token(&emu).await;
    let res = query(
        &emu,
        &token,
        "SELECT DeveloperName, MasterLabel, Active__c FROM Portal_Form__mdt WHERE Active__c = true AND Case_Type__c = 'Problem'",
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["totalSize"], 1);
    assert_eq!(body["done"], true);
    let record = &body["records"][0];
    assert_eq!(record["attributes"]["type"], "Portal_Form__mdt");
    assert_eq!(record["DeveloperName"], "Hardware_Fault");
    assert_eq!(record["MasterLabel"], "Hardware fault");

    let fields: Value = query(
        &emu,
        &token,
        "SELECT Field_Name__c, Api_Field__c FROM Portal_Form_Field__mdt WHERE Form__c = 'Access_Request'",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(fields["totalSize"], 3);
}

#[tokio::test]
async fn or_not_limit_and_count_are_refused_on_metadata() {
    let emu = start().await;
    let token = token(&emu).await;
    for (soql, what) in [
        (
            "SELECT DeveloperName FROM Portal_Form__mdt WHERE DeveloperName = 'A' OR DeveloperName = 'B'",
            "OR",
        ),
        (
            "SELECT DeveloperName FROM Portal_Form__mdt WHERE NOT DeveloperName = 'A'",
            "NOT",
        ),
        (
            "SELECT DeveloperName FROM Portal_Form_Field__mdt LIMIT 5",
            "LIMIT",
        ),
        ("SELECT COUNT() FROM Portal_Form__mdt", "COUNT"),
    ] {
        let (status, code, body) = error_code(query(&emu, &token, soql).await).await;
        assert_eq!((status, code.as_str()), (400, "MALFORMED_QUERY"), "{soql}");
        let message = body[0]["message"].as_str().unwrap();
        assert!(message.starts_with(what), "{message}");
    }
    // The same on a data object is fine.
    let res = query(
        &emu,
        &token,
        "SELECT Id FROM Case WHERE NOT Subject = 'x' LIMIT 5",
    )
    .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn metadata_cannot_be_written_through_the_data_api() {
    let emu = start().await;
    let token = token(&emu).await;
    let before = emu.records.count("Portal_Form__mdt");
    let (status, code, _) = error_code(
        send_json(
            &emu,
            &token,
            Method::POST,
            "/sobjects/Portal_Form__mdt",
            &json!({"DeveloperName": "X", "MasterLabel": "X"}),
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "INVALID_TYPE_FOR_OPERATION"));
    let id = emu.records.all("Portal_Form__mdt").unwrap()[0]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    for method in [Method::PATCH, Method::DELETE] {
        let (status, code, _) = error_code(
            send_json(
                &emu,
                &token,
                method.clone(),
                &format!("/sobjects/Portal_Form__mdt/{id}"),
                &json!({"MasterLabel": "Changed"}),
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, code.as_str()),
            (400, "INVALID_TYPE_FOR_OPERATION"),
            "{method}"
        );
    }
    assert_eq!(emu.records.count("Portal_Form__mdt"), before);
    assert_eq!(
        emu.records.get("Portal_Form__mdt", &id).unwrap()["MasterLabel"],
        "Hardware fault"
    );
}

#[tokio::test]
async fn read_only_fields_are_not_createable_in_describe_and_refused_on_write() {
    let emu = start_with(salesforce_emulator::EmulatorConfig {
        read_only_fields: vec!["Case.Serial_Number__c".into()],
        ..config()
    })
    .await;
    let token = token(&emu).await;
    let describe: Value = get(&emu, &token, "/sobjects/Case/describe")
        .await
        .json()
        .await
        .unwrap();
    let field = |name: &str| {
        describe["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(field("Serial_Number__c")["createable"], false);
    assert_eq!(field("Serial_Number__c")["updateable"], false);
    assert_eq!(field("Invoice_Number__c")["createable"], true);
    let before = emu.records.count("Case");
    let (status, code, _) = error_code(
        send_json(
            &emu,
            &token,
            Method::POST,
            "/sobjects/Case",
            &json!({"Subject": "x", "Serial_Number__c": "GW-1"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (400, "INVALID_FIELD_FOR_INSERT_UPDATE")
    );
    assert_eq!(emu.records.count("Case"), before);
}
