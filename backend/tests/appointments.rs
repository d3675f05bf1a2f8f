//! `/customer/{id}/appointments` (issue 15, decision 028): slots from working hours minus the
//! owners' calendars, booking (an Event), the race for one slot, the customer's list, cancel,
//! reschedule, the cut-off and the `.ics` file. On the mock store, or on the Salesforce adapter
//! through the emulator (`PORTAL_TEST_BACKEND=salesforce`), with the shared state in Redis when
//! `PORTAL_TEST_REDIS` is set: same tests, same assertions.
//!
//! No test depends on the day of the week it runs on: the tests' working hours are the same
//! every day in UTC, and the expected slots are computed from that configuration.

mod common;

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use common::{TestApp, User, mocks_dir, problem};
use portal::Config;
use portal::config::WorkingHours;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

const MARIA: &str = "005Dn000l57zP3iIAE";
const TOM: &str = "005Dn00023fEHL8IAO";
/// Working hours of the tests, every day, UTC.
const OPEN: u32 = 8;
const CLOSE: u32 = 18;
const SLOT: i64 = 30;
const BUFFER: i64 = 10;

/// Every day 08:00-18:00 UTC, 30-minute slots, a 10-minute buffer, a horizon that reaches
/// the fixtures' week in 2036, and a quota no test runs out of by accident.
fn appointments(c: &mut Config) {
    c.appointments.time_zone = "UTC".into();
    c.appointments.working_hours = WorkingHours::every_day(&["08:00-18:00"]);
    c.appointments.slot_minutes = SLOT as u32;
    c.appointments.buffer_minutes = BUFFER as u32;
    c.appointments.horizon_days = 3650;
    c.appointments.rate_limit.burst = 100;
}

async fn spawn() -> TestApp {
    TestApp::spawn_with(appointments).await
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `hour:minute` UTC on the day `days` from today: always past the 4-hour notice and the
/// 24-hour cut-off, and inside the horizon, whatever the day.
fn day_at(days: i64, hour: u32, minute: u32) -> DateTime<Utc> {
    (Utc::now().date_naive() + Duration::days(days))
        .and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap())
        .and_utc()
}

/// What the configuration offers on `day` (UTC midnight) for an owner busy during `busy`:
/// the working hours cut into slots, minus those within the buffer of a busy interval.
fn expected_slots(day: DateTime<Utc>, busy: &[(DateTime<Utc>, DateTime<Utc>)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = day + Duration::hours(OPEN.into());
    let close = day + Duration::hours(CLOSE.into());
    while start + Duration::minutes(SLOT) <= close {
        let end = start + Duration::minutes(SLOT);
        let clear = busy.iter().all(|(b_start, b_end)| {
            *b_end <= start - Duration::minutes(BUFFER)
                || *b_start >= end + Duration::minutes(BUFFER)
        });
        if clear {
            out.push(rfc(start));
        }
        start = end;
    }
    out
}

fn fixture_events(owner: &str) -> Vec<(DateTime<Utc>, DateTime<Utc>, String)> {
    let path = mocks_dir().join("salesforce/Event.json");
    let rows: Vec<Value> = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let parse = |v: &Value| {
        DateTime::parse_from_str(v.as_str().unwrap(), "%Y-%m-%dT%H:%M:%S%.3f%z")
            .unwrap()
            .with_timezone(&Utc)
    };
    rows.iter()
        .filter(|r| r["OwnerId"] == owner)
        .map(|r| {
            (
                parse(&r["StartDateTime"]),
                parse(&r["EndDateTime"]),
                r["ShowAs"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn starts(list: &Value) -> Vec<String> {
    list["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .map(|s| rfc(at(s["start"].as_str().unwrap())))
        .collect()
}

async fn slots(user: &User, topic: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Value {
    user.get_json(&format!(
        "/customer/{}/appointments/slots?topic={topic}&from={}&to={}",
        user.customer,
        rfc(from).replace('+', "%2B"),
        rfc(to).replace('+', "%2B"),
    ))
    .await
}

async fn book(user: &User, body: &Value, key: Option<&str>) -> reqwest::Response {
    let mut headers = HeaderMap::new();
    if let Some(key) = key {
        headers.insert("idempotency-key", key.parse().unwrap());
    }
    user.post(
        &format!("/customer/{}/appointments", user.customer),
        body,
        headers,
    )
    .await
}

async fn act(user: &User, id: &str, action: &str, body: &Value) -> reqwest::Response {
    user.post(
        &format!("/customer/{}/appointments/{id}/{action}", user.customer),
        body,
        HeaderMap::new(),
    )
    .await
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The slots of a day in the fixtures' week are the working hours minus the owner's Events
/// (and the buffer around them); an Event shown as Free blocks nothing. Same on both adapters.
#[tokio::test]
async fn slots_are_working_hours_minus_the_owners_events_and_their_buffer() {
    let app = spawn().await;
    let alice = app.login("alice@acme.example").await;
    let events = fixture_events(MARIA);
    assert!(
        events.iter().any(|e| e.2 == "Free"),
        "the fixtures hold a Free event"
    );
    for day in 0..3 {
        let from = at("2036-01-07T00:00:00Z") + Duration::days(day);
        let to = from + Duration::days(1);
        let busy: Vec<_> = events
            .iter()
            .filter(|e| e.2 != "Free")
            .map(|e| (e.0, e.1))
            .collect();
        let list = slots(&alice, "onboarding", from, to).await;
        assert_eq!(list["time_zone"], "UTC");
        assert_eq!(list["slot_minutes"], 30);
        assert_eq!(list["topic"]["code"], "onboarding");
        assert_eq!(starts(&list), expected_slots(from, &busy), "day {day}");
        for slot in list["slots"].as_array().unwrap() {
            assert_eq!(
                at(slot["end"].as_str().unwrap()) - at(slot["start"].as_str().unwrap()),
                Duration::minutes(SLOT)
            );
        }
    }
    // Monday: 20 slots, the meeting 09:00-10:00 takes four, the call 13:30-14:00 three.
    let monday = slots(
        &alice,
        "onboarding",
        at("2036-01-07T00:00:00Z"),
        at("2036-01-08T00:00:00Z"),
    )
    .await;
    assert_eq!(starts(&monday).len(), 13);
    // Another topic is another owner's calendar.
    let tom = slots(
        &alice,
        "technical",
        at("2036-01-07T00:00:00Z"),
        at("2036-01-08T00:00:00Z"),
    )
    .await;
    assert!(starts(&tom).contains(&"2036-01-07T09:00:00Z".to_owned()));
    assert!(!starts(&tom).contains(&"2036-01-07T10:00:00Z".to_owned()));
    let _ = TOM;
}

/// The notice and the horizon bound what is offered, and bad windows and topics are named.
#[tokio::test]
async fn slots_respect_notice_and_horizon_and_bad_queries_are_problems() {
    let app = TestApp::spawn_with(|c: &mut Config| {
        appointments(c);
        c.appointments.horizon_days = 3;
        c.appointments.min_notice_hours = 48;
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    let now = Utc::now();
    let list = slots(
        &alice,
        "billing",
        now - Duration::days(1),
        now + Duration::days(7),
    )
    .await;
    let offered: Vec<DateTime<Utc>> = starts(&list).iter().map(|s| at(s)).collect();
    assert!(!offered.is_empty());
    assert!(offered.iter().all(|s| *s >= now + Duration::hours(48)));
    assert!(
        offered
            .iter()
            .all(|s| *s < now + Duration::days(3) + Duration::minutes(1))
    );

    let base = format!("/customer/{}/appointments/slots", alice.customer);
    for (query, field) in [
        ("topic=astrology".to_owned(), "topic"),
        (String::new(), "topic"),
        ("topic=billing&from=yesterday".to_owned(), "from"),
        (
            "topic=billing&from=2036-01-07T00:00:00Z&to=2036-01-30T00:00:00Z".to_owned(),
            "to",
        ),
        (
            "topic=billing&from=2036-01-07T00:00:00Z&to=2036-01-06T00:00:00Z".to_owned(),
            "to",
        ),
    ] {
        let body = problem(alice.get(&format!("{base}?{query}")).await, 422).await;
        assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
    }
    let topics = alice
        .get_json(&format!("/customer/{}/appointments/topics", alice.customer))
        .await;
    let codes: Vec<&str> = topics["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["onboarding", "technical", "billing"]);
    assert_eq!(topics["cutoff_hours"], 24);
}

/// A booking is an Event on the owner's calendar, with the contact and the account; a retry
/// with the same key answers it again and writes nothing; the slot is no longer offered.
#[tokio::test]
async fn a_booking_is_written_once_and_takes_its_slot() {
    let app = spawn().await;
    let alice = app.login("alice@acme.example").await;
    let start = day_at(3, 10, 0);
    let body = json!({"topic": "technical", "start": rfc(start), "note": "  Our gateway reboots; \n can we talk?  "});
    let k = key();
    let first = book(&alice, &body, Some(&k)).await;
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("ratelimit").is_some());
    let booked: Value = first.json().await.unwrap();
    assert_eq!(booked["status"], "booked");
    assert_eq!(booked["topic"]["label"], "Technical consultation");
    assert_eq!(booked["note"], "Our gateway reboots; \n can we talk?");
    assert_eq!(at(booked["start"].as_str().unwrap()), start);
    assert_eq!(
        at(booked["end"].as_str().unwrap()),
        start + Duration::minutes(SLOT)
    );
    assert_eq!(
        at(booked["change_until"].as_str().unwrap()),
        start - Duration::hours(24)
    );
    let id = booked["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("00U"));

    let again = book(&alice, &body, Some(&k)).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let replayed: Value = again.json().await.unwrap();
    assert_eq!(replayed["id"], id.as_str());
    let other = book(
        &alice,
        &json!({"topic": "technical", "start": rfc(start + Duration::hours(1))}),
        Some(&k),
    )
    .await;
    problem(other, 422).await;

    // Taken: neither offered nor bookable by anyone else; the buffer keeps neighbours free
    // only when they clear it (30-minute slots, 10-minute buffer: the neighbours go too).
    let day = slots(
        &alice,
        "technical",
        start - Duration::hours(2),
        start + Duration::hours(2),
    )
    .await;
    let offered = starts(&day);
    assert!(!offered.contains(&rfc(start)));
    assert!(!offered.contains(&rfc(start - Duration::minutes(30))));
    assert!(offered.contains(&rfc(start - Duration::minutes(60))));

    let list = alice
        .get_json(&format!("/customer/{}/appointments", alice.customer))
        .await;
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);

    if let Some(emulator) = &app.emulator {
        let event = emulator.records.get("Event", &id).expect("the Event");
        assert_eq!(event["WhoId"], "003Dn000O6V0xBhIIJ");
        assert_eq!(event["WhatId"], common::ACME);
        assert_eq!(event["AccountId"], common::ACME, "derived from WhatId");
        assert_eq!(event["OwnerId"], TOM);
        assert_eq!(event["ShowAs"], "Busy");
        assert_eq!(event["DurationInMinutes"], 30);
        assert!(
            event["Portal_Booking_Key__c"]
                .as_str()
                .unwrap()
                .starts_with("003Dn000O6V0xBhIIJ:")
        );
        let written = emulator
            .records
            .all("Event")
            .unwrap()
            .into_iter()
            .filter(|e| e["Portal_Booking_Key__c"] == event["Portal_Booking_Key__c"])
            .count();
        assert_eq!(written, 1, "one Event for one key");
    }
}

/// Every bad part of a booking is a problem naming it, and nothing is written.
#[tokio::test]
async fn bad_bookings_are_refused_with_the_field_named() {
    let app = spawn().await;
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let start = rfc(day_at(4, 11, 0));
    let gina_case = gina.all_cases("").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cases = [
        (json!({"topic": "astrology", "start": start}), "topic"),
        (json!({"topic": "Technical", "start": start}), "topic"),
        (json!({"topic": "technical", "start": "tomorrow"}), "start"),
        (
            json!({"topic": "technical", "start": rfc(day_at(4, 11, 10))}),
            "start",
        ),
        (
            json!({"topic": "technical", "start": rfc(day_at(4, 19, 0))}),
            "start",
        ),
        (
            json!({"topic": "technical", "start": rfc(Utc::now() - Duration::days(1))}),
            "start",
        ),
        (
            json!({"topic": "technical", "start": start, "note": "a\u{0007}b"}),
            "note",
        ),
        (
            json!({"topic": "technical", "start": start, "note": "x".repeat(1001)}),
            "note",
        ),
        (
            json!({"topic": "technical", "start": start, "case_id": gina_case}),
            "case_id",
        ),
        (
            json!({"topic": "technical", "start": start, "case_id": "500nope"}),
            "case_id",
        ),
        (
            json!({"topic": "technical", "start": start, "owner": TOM}),
            "owner",
        ),
    ];
    for (body, field) in cases {
        let response = book(&alice, &body, Some(&key())).await;
        let p = problem(response, 422).await;
        assert!(
            p["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{body}: {p}"
        );
    }
    let missing = problem(
        book(&alice, &json!({"topic": "technical", "start": start}), None).await,
        422,
    )
    .await;
    assert_eq!(missing["errors"][0]["field"], "Idempotency-Key");
    let list = alice
        .get_json(&format!("/customer/{}/appointments", alice.customer))
        .await;
    assert!(list["items"].as_array().unwrap().is_empty());

    // The customer's own case is the Event's WhatId.
    let own_case = alice.all_cases("").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = book(
        &alice,
        &json!({"topic": "technical", "start": start, "case_id": own_case}),
        Some(&key()),
    )
    .await;
    assert_eq!(response.status(), 201);
    let booked: Value = response.json().await.unwrap();
    assert_eq!(booked["case_id"], own_case.as_str());
    if let Some(emulator) = &app.emulator {
        let event = emulator
            .records
            .get("Event", booked["id"].as_str().unwrap())
            .unwrap();
        assert_eq!(event["WhatId"], own_case.as_str());
        assert_eq!(event["AccountId"], common::ACME, "the case's account");
    }
}

/// Two customers (and several tabs of each) race for one slot: exactly one booking is made;
/// every other request is 409 with fresh slots that do not include it.
#[tokio::test]
async fn of_many_racing_for_one_slot_exactly_one_wins() {
    let app = spawn().await;
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let start = day_at(5, 14, 0);
    let body = json!({"topic": "billing", "start": rfc(start)});
    let mut tasks = Vec::new();
    for i in 0..16 {
        let user = if i % 2 == 0 {
            alice.clone()
        } else {
            gina.clone()
        };
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            let response = book(&user, &body, Some(&key())).await;
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }));
    }
    let mut won = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            201 => won += 1,
            409 => {
                assert_eq!(body["type"], "/problems/slot-taken", "{body}");
                let fresh: Vec<DateTime<Utc>> = body["fresh_slots"]
                    .as_array()
                    .expect("fresh_slots")
                    .iter()
                    .map(|s| at(s["start"].as_str().unwrap()))
                    .collect();
                assert!(!fresh.is_empty());
                assert!(!fresh.contains(&start));
                assert!(fresh.iter().all(|s| (*s - start).num_days().abs() <= 2));
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(won, 1);
    let bookings = |user: User| async move {
        user.get_json(&format!("/customer/{}/appointments", user.customer))
            .await["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(bookings(alice).await + bookings(gina).await, 1);
    if let Some(emulator) = &app.emulator {
        let slot_key = format!("005Dn0009SzZrrrIQC:{}", start.format("%Y-%m-%dT%H:%M:%SZ"));
        let held = emulator
            .records
            .all("Event")
            .unwrap()
            .into_iter()
            .filter(|e| e["Portal_Slot_Key__c"] == slot_key.as_str())
            .count();
        assert_eq!(held, 1);
    }
}

/// Cancel frees the slot (and repeats safely); reschedule moves the booking all or nothing;
/// the lists split upcoming and past; the .ics file says what the booking is.
#[tokio::test]
async fn cancel_and_reschedule_free_and_take_slots_and_the_ics_follows() {
    let app = spawn().await;
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let first = day_at(6, 9, 0);
    let booked: Value = book(
        &alice,
        &json!({"topic": "onboarding", "start": rfc(first)}),
        Some(&key()),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = booked["id"].as_str().unwrap().to_owned();

    // Gina holds 11:00; moving there is refused and changes nothing.
    let gina_slot = day_at(6, 11, 0);
    let held = book(
        &gina,
        &json!({"topic": "onboarding", "start": rfc(gina_slot)}),
        Some(&key()),
    )
    .await;
    assert_eq!(held.status(), 201);
    let refused = problem(
        act(&alice, &id, "reschedule", &json!({"start": rfc(gina_slot)})).await,
        409,
    )
    .await;
    assert_eq!(refused["type"], "/problems/slot-taken");
    let offered = starts(
        &slots(
            &alice,
            "onboarding",
            first - Duration::hours(1),
            first + Duration::hours(1),
        )
        .await,
    );
    assert!(!offered.contains(&rfc(first)), "still Alice's");

    // Moved to 15:00: the old slot is free again, the new one taken, the sequence bumped.
    let new_start = day_at(6, 15, 0);
    let moved = act(&alice, &id, "reschedule", &json!({"start": rfc(new_start)})).await;
    assert_eq!(moved.status(), 200);
    let moved: Value = moved.json().await.unwrap();
    assert_eq!(moved["id"], id.as_str());
    assert_eq!(at(moved["start"].as_str().unwrap()), new_start);
    assert_eq!(moved["sequence"], 1);
    let day = starts(&slots(&alice, "onboarding", day_at(6, 0, 0), day_at(7, 0, 0)).await);
    assert!(day.contains(&rfc(first)));
    assert!(!day.contains(&rfc(new_start)));
    let same = act(&alice, &id, "reschedule", &json!({"start": rfc(new_start)})).await;
    assert_eq!(same.status(), 200);
    problem(
        act(
            &alice,
            &id,
            "reschedule",
            &json!({"start": rfc(day_at(6, 15, 5))}),
        )
        .await,
        422,
    )
    .await;
    problem(
        act(&alice, &id, "reschedule", &json!({"when": "later"})).await,
        422,
    )
    .await;

    // The .ics file of the moved booking.
    let ics = alice
        .get(&format!(
            "/customer/{}/appointments/{id}/calendar.ics",
            alice.customer
        ))
        .await;
    assert_eq!(ics.status(), 200);
    assert_eq!(
        ics.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    assert!(
        ics.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let text = ics.text().await.unwrap();
    assert!(text.contains("\r\n"));
    let event = parse_ics(&text);
    assert_eq!(event.0, new_start);
    assert_eq!(event.1, new_start + Duration::minutes(SLOT));
    assert_eq!(event.2, "1");
    assert_eq!(event.3, "CONFIRMED");
    assert!(event.4.ends_with("@portal.invalid"), "{}", event.4);

    // Cancelled: the slot is offered again, a repeat answers the same, a move is refused.
    let cancelled = act(&alice, &id, "cancel", &json!({})).await;
    assert_eq!(cancelled.status(), 200);
    let cancelled: Value = cancelled.json().await.unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    let again = act(&alice, &id, "cancel", &json!({})).await;
    assert_eq!(again.status(), 200);
    let day = starts(&slots(&alice, "onboarding", day_at(6, 0, 0), day_at(7, 0, 0)).await);
    assert!(day.contains(&rfc(new_start)));
    let moved = problem(
        act(&alice, &id, "reschedule", &json!({"start": rfc(first)})).await,
        409,
    )
    .await;
    assert_eq!(moved["type"], "/problems/appointment-cancelled");
    let ics = alice
        .get(&format!(
            "/customer/{}/appointments/{id}/calendar.ics",
            alice.customer
        ))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(parse_ics(&ics).3, "CANCELLED");

    // Upcoming lists it (cancelled); past is empty.
    let upcoming = alice
        .get_json(&format!(
            "/customer/{}/appointments?when=upcoming",
            alice.customer
        ))
        .await;
    assert_eq!(upcoming["items"][0]["status"], "cancelled");
    let past = alice
        .get_json(&format!(
            "/customer/{}/appointments?when=past",
            alice.customer
        ))
        .await;
    assert!(past["items"].as_array().unwrap().is_empty());
    problem(
        alice
            .get(&format!(
                "/customer/{}/appointments?when=someday",
                alice.customer
            ))
            .await,
        422,
    )
    .await;
    if let Some(emulator) = &app.emulator {
        let event = emulator.records.get("Event", &id).unwrap();
        assert_eq!(event["Portal_Status__c"], "Cancelled");
        assert_eq!(event["ShowAs"], "Free");
        assert!(event["Portal_Slot_Key__c"].is_null());
    }
}

/// Within the cut-off a booking can be neither cancelled nor moved: a clear problem naming
/// the deadline, and nothing changes.
#[tokio::test]
async fn past_the_cutoff_a_booking_cannot_be_changed() {
    let app = TestApp::spawn_with(|c: &mut Config| {
        appointments(c);
        c.appointments.cutoff_hours = 24 * 30;
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    let start = day_at(3, 16, 0);
    let booked: Value = book(
        &alice,
        &json!({"topic": "billing", "start": rfc(start)}),
        Some(&key()),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = booked["id"].as_str().unwrap();
    for (action, body) in [
        ("cancel", json!({})),
        ("reschedule", json!({"start": rfc(day_at(3, 16, 30))})),
    ] {
        let p = problem(act(&alice, id, action, &body).await, 409).await;
        assert_eq!(p["type"], "/problems/appointment-cutoff");
        let deadline = (start - Duration::hours(24 * 30))
            .format("%Y-%m-%d %H:%M")
            .to_string();
        assert!(p["detail"].as_str().unwrap().contains(&deadline), "{p}");
    }
    let list = alice
        .get_json(&format!("/customer/{}/appointments", alice.customer))
        .await;
    assert_eq!(list["items"][0]["status"], "booked");
    assert_eq!(at(list["items"][0]["start"].as_str().unwrap()), start);
}

/// Lists page through every booking, soonest first, without repeats.
#[tokio::test]
async fn the_list_pages_soonest_first() {
    let app = spawn().await;
    let alice = app.login("alice@acme.example").await;
    let mut made = Vec::new();
    for (days, hour) in [(9, 10), (8, 12), (10, 9), (8, 9), (11, 17)] {
        let start = day_at(days, hour, 0);
        let response = book(
            &alice,
            &json!({"topic": "technical", "start": rfc(start)}),
            Some(&key()),
        )
        .await;
        assert_eq!(response.status(), 201);
        made.push(start);
    }
    made.sort();
    let all = alice
        .all_pages("appointments", "limit=2&when=upcoming")
        .await;
    let listed: Vec<DateTime<Utc>> = all
        .iter()
        .map(|a| at(a["start"].as_str().unwrap()))
        .collect();
    assert_eq!(listed, made);
    let ids: HashSet<&str> = all.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 5);
}

/// (DTSTART, DTEND, SEQUENCE, STATUS, UID) of the file's one event, read by an independent
/// parser (the `icalendar` crate).
fn parse_ics(text: &str) -> (DateTime<Utc>, DateTime<Utc>, String, String, String) {
    use icalendar::parser::{read_calendar, unfold};
    let unfolded = unfold(text);
    let calendar = read_calendar(&unfolded).expect("a valid calendar");
    let event = calendar
        .components
        .iter()
        .find(|c| c.name.as_str() == "VEVENT")
        .expect("a VEVENT");
    let prop = |name: &str| {
        event
            .properties
            .iter()
            .find(|p| p.name.as_str() == name)
            .unwrap_or_else(|| panic!("{name}"))
            .val
            .to_string()
    };
    let time = |name: &str| {
        chrono::NaiveDateTime::parse_from_str(&prop(name), "%Y%m%dT%H%M%SZ")
            .unwrap()
            .and_utc()
    };
    (
        time("DTSTART"),
        time("DTEND"),
        prop("SEQUENCE"),
        prop("STATUS"),
        prop("UID"),
    )
}

/// Bookings, cancellations and moves share the customer's quota; a request that writes
/// nothing (a slot taken) gives its unit back, and a spent quota is 429 with Retry-After.
#[tokio::test]
async fn appointment_writes_are_rate_limited_per_customer() {
    let app = TestApp::spawn_with(|c: &mut Config| {
        appointments(c);
        c.appointments.rate_limit.burst = 2;
        c.appointments.rate_limit.per_hour = 2;
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let first = book(
        &alice,
        &json!({"topic": "technical", "start": rfc(day_at(4, 8, 0))}),
        Some(&key()),
    )
    .await;
    assert_eq!(first.status(), 201);
    assert_eq!(
        first.headers()["ratelimit"].to_str().unwrap(),
        "\"appointment-write\";r=1;t=0"
    );
    // Taken: nothing written, nothing spent.
    let taken = book(
        &bob,
        &json!({"topic": "technical", "start": rfc(day_at(4, 8, 0))}),
        Some(&key()),
    )
    .await;
    problem(taken, 409).await;
    let second = book(
        &bob,
        &json!({"topic": "technical", "start": rfc(day_at(4, 9, 0))}),
        Some(&key()),
    )
    .await;
    assert_eq!(second.status(), 201, "one unit was left for the account");
    let refused = book(
        &alice,
        &json!({"topic": "technical", "start": rfc(day_at(4, 10, 0))}),
        Some(&key()),
    )
    .await;
    assert!(common::retry_after(&refused) > 0);
    let body = problem(refused, 429).await;
    assert!(
        body["detail"].as_str().unwrap().contains("bookings"),
        "{body}"
    );
    // Another customer has a quota of their own.
    let other = book(
        &gina,
        &json!({"topic": "technical", "start": rfc(day_at(4, 10, 0))}),
        Some(&key()),
    )
    .await;
    assert_eq!(other.status(), 201);
}

// Always on the Salesforce adapter, through the emulator.

/// Another writer takes the slot between the portal's look at the calendar and its write
/// (here: an Event shown as Free, so the look misses it, holding the slot key): Salesforce
/// refuses the booking with DUPLICATE_VALUE and the customer hears "slot taken".
#[tokio::test]
async fn a_slot_key_taken_in_the_org_is_a_slot_taken_problem() {
    let app = TestApp::spawn_salesforce_with(appointments).await;
    let alice = app.login("alice@acme.example").await;
    let emulator = app.emulator.as_ref().unwrap();
    let start = day_at(7, 13, 0);
    let fmt = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S.000+0000").to_string();
    emulator
        .records
        .create(
            "Event",
            &json!({
                "Subject": "Held by another portal instance",
                "StartDateTime": fmt(start),
                "EndDateTime": fmt(start + Duration::minutes(SLOT)),
                "OwnerId": TOM,
                "ShowAs": "Free",
                "Portal_Slot_Key__c": format!("{TOM}:{}", start.format("%Y-%m-%dT%H:%M:%SZ")),
            }),
        )
        .unwrap();
    let before = emulator.records.count("Event");
    let response = book(
        &alice,
        &json!({"topic": "technical", "start": rfc(start)}),
        Some(&key()),
    )
    .await;
    let body = problem(response, 409).await;
    assert_eq!(body["type"], "/problems/slot-taken");
    assert!(!body["fresh_slots"].as_array().unwrap().is_empty());
    assert_eq!(emulator.records.count("Event"), before, "nothing written");
}

/// A booking whose upsert Salesforce stored but whose answer was lost (503 after the commit)
/// is retried inside the portal: the retry finds the Event by its booking key, the customer
/// gets their booking (201) and the org holds one Event.
#[tokio::test]
async fn a_booking_whose_answer_was_lost_is_retried_into_one_event() {
    let app = TestApp::spawn_salesforce_with(appointments).await;
    let alice = app.login("alice@acme.example").await;
    let emulator = app.emulator.as_ref().unwrap();
    emulator.faults.update(|f| {
        f.fail_after_commit = Some(salesforce_emulator::FailAfterCommit { delay_ms: 0 });
        f.path_prefix = Some("/services/data/v62.0/sobjects/Event".into());
    });
    let start = day_at(8, 15, 30);
    let response = book(
        &alice,
        &json!({"topic": "billing", "start": rfc(start)}),
        Some(&key()),
    )
    .await;
    emulator.faults.clear();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    let event = emulator
        .records
        .get("Event", body["id"].as_str().unwrap())
        .unwrap();
    let written = emulator
        .records
        .all("Event")
        .unwrap()
        .into_iter()
        .filter(|e| e["Portal_Booking_Key__c"] == event["Portal_Booking_Key__c"])
        .count();
    assert_eq!(written, 1);
}
