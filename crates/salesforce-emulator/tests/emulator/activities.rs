//! Event (issue 15, decision 028): created and upserted with Salesforce's wire shapes, its
//! AccountId derived from WhatId or WhoId, and a Unique custom field that refuses a second
//! record with DUPLICATE_VALUE, on create, upsert and update alike.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

const ACME: &str = "001Dn000V58wd0MIIQ";
const ALICE: &str = "003Dn000O6V0xBhIIJ";
const GINA: &str = "003Dn000UDjmF3MIYU";
const GLOBEX: &str = "001Dn0004Ot9nDpIQI";
const MARIA: &str = "005Dn000l57zP3iIAE";

fn event(who: &str, what: Option<&str>, slot: &str) -> Value {
    json!({
        "Subject": "Technical consultation",
        "StartDateTime": "2036-02-04T10:00:00.000+0000",
        "EndDateTime": "2036-02-04T10:30:00.000+0000",
        "OwnerId": MARIA,
        "WhoId": who,
        "WhatId": what,
        "ShowAs": "Busy",
        "Portal_Slot_Key__c": slot,
    })
}

#[tokio::test]
async fn an_event_derives_its_account_and_duration() {
    let emu = start().await;
    let t = token(&emu).await;
    let res = send_json(
        &emu,
        &t,
        Method::POST,
        "/sobjects/Event",
        &event(ALICE, Some(ACME), "a"),
    )
    .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(id.starts_with("00U"));
    let read: Value = get(&emu, &t, &format!("/sobjects/Event/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["attributes"]["type"], "Event");
    assert_eq!(read["AccountId"], ACME);
    assert_eq!(read["DurationInMinutes"], 30);
    assert_eq!(read["ActivityDate"], "2036-02-04");
    assert_eq!(read["StartDateTime"], "2036-02-04T10:00:00.000+0000");

    // No WhatId: the contact's account.
    let res = send_json(
        &emu,
        &t,
        Method::POST,
        "/sobjects/Event",
        &event(GINA, None, "b"),
    )
    .await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let read: Value = get(&emu, &t, &format!("/sobjects/Event/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["AccountId"], GLOBEX);

    // AccountId is not writable.
    let mut body = event(ALICE, None, "c");
    body["AccountId"] = json!(GLOBEX);
    let (status, code, _) =
        error_code(send_json(&emu, &t, Method::POST, "/sobjects/Event", &body).await).await;
    assert_eq!(
        (status, code.as_str()),
        (400, "INVALID_FIELD_FOR_INSERT_UPDATE")
    );
}

#[tokio::test]
async fn a_unique_slot_key_is_refused_twice_with_duplicate_value() {
    let emu = start().await;
    let t = token(&emu).await;
    let slot = format!("{MARIA}:2036-02-04T10:00:00Z");
    let res = send_json(
        &emu,
        &t,
        Method::POST,
        "/sobjects/Event",
        &event(ALICE, Some(ACME), &slot),
    )
    .await;
    assert_eq!(res.status(), 201);
    let first = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // An upsert by another booking key with the same slot: refused, nothing created.
    let (status, code, body) = error_code(
        send_json(
            &emu,
            &t,
            Method::PATCH,
            "/sobjects/Event/Portal_Booking_Key__c/k2",
            &event(GINA, None, &slot),
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "DUPLICATE_VALUE"));
    assert_eq!(
        body[0]["message"],
        format!(
            "duplicate value found: Portal_Slot_Key__c duplicates value on record with id: {first}"
        )
    );
    assert_eq!(body[0]["fields"], json!([]));
    let found: Value = query(
        &emu,
        &t,
        "SELECT Id FROM Event WHERE Portal_Booking_Key__c = 'k2'",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(found["totalSize"], 0);

    // The upsert creates with a free slot, then an update onto the taken slot is refused.
    let res = send_json(
        &emu,
        &t,
        Method::PATCH,
        "/sobjects/Event/Portal_Booking_Key__c/k2",
        &event(GINA, None, "other"),
    )
    .await;
    assert_eq!(res.status(), 201);
    let second = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, code, _) = error_code(
        send_json(
            &emu,
            &t,
            Method::PATCH,
            &format!("/sobjects/Event/{second}"),
            &json!({"Portal_Slot_Key__c": slot}),
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "DUPLICATE_VALUE"));
    // Cleared (cancelled), the slot can be held again.
    let res = send_json(
        &emu,
        &t,
        Method::PATCH,
        &format!("/sobjects/Event/{first}"),
        &json!({"Portal_Slot_Key__c": null, "ShowAs": "Free"}),
    )
    .await;
    assert_eq!(res.status(), 204);
    let res = send_json(
        &emu,
        &t,
        Method::PATCH,
        &format!("/sobjects/Event/{second}"),
        &json!({"Portal_Slot_Key__c": slot}),
    )
    .await;
    assert_eq!(res.status(), 204);
    let busy: Value = query(
        &emu,
        &t,
        &format!("SELECT Id FROM Event WHERE OwnerId = '{MARIA}' AND ShowAs != 'Free' AND StartDateTime < 2036-02-05T00:00:00Z AND EndDateTime > 2036-02-04T00:00:00Z"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(busy["totalSize"], 1);
    assert_eq!(busy["records"][0]["Id"], second.as_str());
}
