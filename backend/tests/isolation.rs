//! No customer ever reaches another's data: every route, both directions, by path and by id.

mod common;

use common::{ACME, GLOBEX, TestApp, User, new_case, problem};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

async fn first_id(user: &User, what: &str) -> String {
    let page = user
        .get_json(&format!("/customer/{}/{what}?limit=1", user.customer))
        .await;
    page["items"][0]["id"].as_str().unwrap().to_owned()
}

/// The id of the customer's first case with this status filter (`open`, `closed`).
async fn first_id_where(user: &User, status: &str) -> String {
    let page = user
        .get_json(&format!(
            "/customer/{}/cases?status={status}&limit=1",
            user.customer
        ))
        .await;
    page["items"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn another_customers_path_is_forbidden_on_every_route() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    for (user, victim, victim_user) in [(&alice, GLOBEX, &gina), (&gina, ACME, &alice)] {
        let case = first_id(victim_user, "cases").await;
        let doc = first_id(victim_user, "documents").await;
        for path in [
            format!("/customer/{victim}/cases"),
            format!("/customer/{victim}/cases/{case}"),
            format!("/customer/{victim}/cases/{case}/comments"),
            format!("/customer/{victim}/documents"),
            format!("/customer/{victim}/documents/{doc}/download"),
            format!("/customer/{victim}/cases/{case}/attachments"),
            format!("/customer/{victim}/cases/{case}/attachments/{doc}/download"),
            // The 15-character spelling of the other account, and garbage, are no way round it.
            format!("/customer/{}/cases", &victim[..15]),
            format!("/customer/{}/cases", victim.to_lowercase()),
            "/customer/..%2F..%2Fcases/cases".to_owned(),
        ] {
            let body = problem(user.get(&path).await, 403).await;
            assert_eq!(body["type"], "/problems/forbidden", "{path}");
        }
        let before = victim_user.all_cases("").await.len();
        let response = user
            .post(
                &format!("/customer/{victim}/cases"),
                &new_case("intrusion"),
                HeaderMap::new(),
            )
            .await;
        problem(response, 403).await;
        assert_eq!(
            victim_user.all_cases("").await.len(),
            before,
            "nothing created for the victim"
        );
        let comments = format!("/customer/{victim}/cases/{case}/comments");
        let seen = victim_user.get_json(&comments).await;
        let mut keyed = HeaderMap::new();
        keyed.insert("idempotency-key", "intrusion".parse().unwrap());
        let response = user
            .post(&comments, &json!({"body": "intrusion"}), keyed)
            .await;
        problem(response, 403).await;
        assert_eq!(
            victim_user.get_json(&comments).await,
            seen,
            "no reply on the victim's case"
        );
        // Closing and reopening through the other customer's path.
        let victim_case = format!("/customer/{victim}/cases/{case}");
        let was = victim_user.get_json(&victim_case).await;
        for action in ["close", "reopen"] {
            let response = user
                .post(
                    &format!("{victim_case}/{action}"),
                    &serde_json::json!({}),
                    HeaderMap::new(),
                )
                .await;
            let body = problem(response, 403).await;
            assert_eq!(body["type"], "/problems/forbidden", "{action}");
        }
        assert_eq!(
            victim_user.get_json(&victim_case).await,
            was,
            "the victim's case is unchanged"
        );
    }
}

#[tokio::test]
async fn another_customers_ids_look_exactly_like_missing_ones() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    for (user, victim_user) in [(&alice, &gina), (&gina, &alice)] {
        let own = &user.customer;
        let case = first_id(victim_user, "cases").await;
        let doc = first_id(victim_user, "documents").await;
        let pairs = [
            (
                format!("/customer/{own}/cases/{case}"),
                format!("/customer/{own}/cases/500Dn000000000000"),
            ),
            (
                format!("/customer/{own}/documents/{doc}/download"),
                format!("/customer/{own}/documents/069Dn000000000000/download"),
            ),
            (
                format!("/customer/{own}/cases/{case}/comments"),
                format!("/customer/{own}/cases/500Dn000000000000/comments"),
            ),
            (
                format!("/customer/{own}/cases/{case}/attachments"),
                format!("/customer/{own}/cases/500Dn000000000000/attachments"),
            ),
            (
                format!("/customer/{own}/cases/{case}/attachments/{doc}/download"),
                format!("/customer/{own}/cases/500Dn000000000000/attachments/{doc}/download"),
            ),
        ];
        for (foreign, missing) in pairs {
            let mut a: Value = problem(user.get(&foreign).await, 404).await;
            let mut b: Value = problem(user.get(&missing).await, 404).await;
            a.as_object_mut().unwrap().remove("request_id");
            b.as_object_mut().unwrap().remove("request_id");
            assert_eq!(a, b, "{foreign} must look like {missing}");
        }
        // A reply on another customer's case is "not found" too, and writes nothing.
        let seen = victim_user
            .get_json(&format!(
                "/customer/{}/cases/{case}/comments",
                victim_user.customer
            ))
            .await;
        let mut replies = Vec::new();
        for (target, key) in [
            (&case, "foreign"),
            (&"500Dn000000000000".to_owned(), "missing"),
        ] {
            let mut keyed = HeaderMap::new();
            keyed.insert("idempotency-key", key.parse().unwrap());
            let response = user
                .post(
                    &format!("/customer/{own}/cases/{target}/comments"),
                    &json!({"body": "probe"}),
                    keyed,
                )
                .await;
            let mut body: Value = problem(response, 404).await;
            body.as_object_mut().unwrap().remove("request_id");
            replies.push(body);
        }
        assert_eq!(
            replies[0], replies[1],
            "a foreign case's reply looks like a missing one's"
        );
        assert_eq!(
            victim_user
                .get_json(&format!(
                    "/customer/{}/cases/{case}/comments",
                    victim_user.customer
                ))
                .await,
            seen,
            "nothing written on the victim's case"
        );
        // Closing and reopening another customer's case (one open, one closed, so that each
        // would change it) looks exactly like closing and reopening a missing one, with or
        // without an Idempotency-Key, and changes nothing.
        let open_case = first_id_where(victim_user, "open").await;
        let closed_case = first_id_where(victim_user, "closed").await;
        for (action, victim_case) in [("close", &open_case), ("reopen", &closed_case)] {
            let before = victim_user
                .get_json(&format!(
                    "/customer/{}/cases/{victim_case}",
                    victim_user.customer
                ))
                .await;
            for key in [None, Some("isolation-key")] {
                let mut headers = HeaderMap::new();
                if let Some(key) = key {
                    headers.insert("idempotency-key", key.parse().unwrap());
                }
                let foreign = format!("/customer/{own}/cases/{victim_case}/{action}");
                let missing = format!("/customer/{own}/cases/500Dn000000000000/{action}");
                let body = serde_json::json!({});
                let mut a: Value =
                    problem(user.post(&foreign, &body, headers.clone()).await, 404).await;
                let mut b: Value = problem(user.post(&missing, &body, headers).await, 404).await;
                a.as_object_mut().unwrap().remove("request_id");
                b.as_object_mut().unwrap().remove("request_id");
                assert_eq!(a, b, "{foreign} must look like {missing}");
            }
            assert_eq!(
                victim_user
                    .get_json(&format!(
                        "/customer/{}/cases/{victim_case}",
                        victim_user.customer
                    ))
                    .await,
                before,
                "{action}: the other customer's case is unchanged"
            );
        }
        // An upload to the other customer's case looks like one to a missing case.
        let upload = |case: String| {
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(b"%PDF-1.7\n".to_vec()).file_name("x.pdf"),
            );
            user.client
                .post(user.url(&format!("/customer/{own}/cases/{case}/attachments")))
                .header("x-csrf-token", &user.csrf)
                .header("idempotency-key", "isolation")
                .multipart(form)
                .send()
        };
        let mut a: Value = problem(upload(case.clone()).await.unwrap(), 404).await;
        let mut b: Value = problem(upload("500Dn000000000000".into()).await.unwrap(), 404).await;
        a.as_object_mut().unwrap().remove("request_id");
        b.as_object_mut().unwrap().remove("request_id");
        assert_eq!(a, b, "an upload to another customer's case");
        // Lists never contain the other customer's records.
        let own_cases = user.all_cases("").await;
        assert!(own_cases.iter().all(|c| c["id"] != case.as_str()));
    }
}

/// A member's case is seen by the account's manager (decision 031; `tests/roles.rs` has the
/// rest of what roles decide).
#[tokio::test]
async fn the_manager_of_an_account_sees_its_members_cases() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    assert_eq!(alice.customer, bob.customer);
    let created: Value = bob
        .create_case(&new_case("Shared by the team"), None)
        .await
        .json()
        .await
        .unwrap();
    let seen = alice
        .get_json(&format!(
            "/customer/{ACME}/cases/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(seen["id"], created["id"]);
}

/// The product routes (issue 15): another customer's path is forbidden on each, writes
/// through it change nothing of theirs, and lists never hold the other customer's assets.
#[tokio::test]
async fn the_product_routes_never_reach_another_customer() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    for (user, victim, victim_user) in [(&alice, GLOBEX, &gina), (&gina, ACME, &alice)] {
        let recommended = victim_user
            .get_json(&format!("/customer/{victim}/recommendations"))
            .await;
        let product = recommended["items"][0]["product"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for path in [
            format!("/customer/{victim}/products"),
            format!("/customer/{victim}/recommendations"),
            format!("/customer/{}/products", &victim[..15]),
        ] {
            let body = problem(user.get(&path).await, 403).await;
            assert_eq!(body["type"], "/problems/forbidden", "{path}");
        }
        let base = format!("/customer/{victim}/recommendations/{product}");
        let mut keyed = HeaderMap::new();
        keyed.insert("idempotency-key", "intrusion".parse().unwrap());
        let response = user
            .post(&format!("{base}/interest"), &json!({}), keyed)
            .await;
        assert_eq!(problem(response, 403).await["type"], "/problems/forbidden");
        let response = user
            .post(&format!("{base}/dismiss"), &json!({}), HeaderMap::new())
            .await;
        assert_eq!(problem(response, 403).await["type"], "/problems/forbidden");
        let response = user
            .client
            .delete(user.url(&format!("{base}/dismiss")))
            .header("x-csrf-token", &user.csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(problem(response, 403).await["type"], "/problems/forbidden");
        assert_eq!(
            victim_user
                .get_json(&format!("/customer/{victim}/recommendations"))
                .await,
            recommended,
            "no interest or dismissal written for the victim"
        );
        // Their assets are not products of the catalog: an asset id is "not found" alike.
        let asset = first_id(victim_user, "products").await;
        let own = &user.customer;
        let mut a: Value = problem(
            user.post(
                &format!("/customer/{own}/recommendations/{asset}/dismiss"),
                &json!({}),
                HeaderMap::new(),
            )
            .await,
            404,
        )
        .await;
        let mut b: Value = problem(
            user.post(
                &format!("/customer/{own}/recommendations/01tDn000000000000/dismiss"),
                &json!({}),
                HeaderMap::new(),
            )
            .await,
            404,
        )
        .await;
        a.as_object_mut().unwrap().remove("request_id");
        b.as_object_mut().unwrap().remove("request_id");
        assert_eq!(
            a, b,
            "another customer's asset looks like a missing product"
        );
        let own_assets = user.all_pages("products", "").await;
        let theirs = victim_user.all_pages("products", "").await;
        assert!(!own_assets.is_empty() && !theirs.is_empty());
        assert!(
            own_assets
                .iter()
                .all(|a| theirs.iter().all(|t| t["id"] != a["id"]))
        );
    }
}

/// The appointment routes (issue 15, decision 028): another customer's path is forbidden on
/// each and writes through it change nothing; another customer's booking id answers exactly
/// like one that does not exist, on every route that takes one; lists and slots never show
/// another customer's bookings as theirs.
#[tokio::test]
async fn the_appointment_routes_never_reach_another_customer() {
    let app = TestApp::spawn_with(|c| {
        c.appointments.time_zone = "UTC".into();
        c.appointments.working_hours = portal::config::WorkingHours::every_day(&["08:00-18:00"]);
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let start = (chrono::Utc::now().date_naive() + chrono::Duration::days(5))
        .and_hms_opt(10, 0, 0)
        .unwrap()
        .and_utc();
    let mut booked = Vec::new();
    for (user, topic) in [(&alice, "technical"), (&gina, "billing")] {
        let mut keyed = HeaderMap::new();
        keyed.insert(
            "idempotency-key",
            uuid::Uuid::new_v4().to_string().parse().unwrap(),
        );
        let response = user
            .post(
                &format!("/customer/{}/appointments", user.customer),
                &json!({"topic": topic, "start": start.to_rfc3339()}),
                keyed,
            )
            .await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        booked.push(body["id"].as_str().unwrap().to_owned());
    }
    for (user, victim, victim_user, theirs) in [
        (&alice, GLOBEX, &gina, &booked[1]),
        (&gina, ACME, &alice, &booked[0]),
    ] {
        let list = format!("/customer/{victim}/appointments");
        let before = victim_user.get_json(&list).await;
        for path in [
            list.clone(),
            format!("/customer/{victim}/appointments/topics"),
            format!("/customer/{victim}/appointments/slots?topic=billing"),
            format!("/customer/{victim}/appointments/{theirs}/calendar.ics"),
            format!("/customer/{}/appointments", &victim[..15]),
        ] {
            let body = problem(user.get(&path).await, 403).await;
            assert_eq!(body["type"], "/problems/forbidden", "{path}");
        }
        let mut keyed = HeaderMap::new();
        keyed.insert("idempotency-key", "intrusion".parse().unwrap());
        let later = (start + chrono::Duration::hours(2)).to_rfc3339();
        for (path, body, headers) in [
            (
                list.clone(),
                json!({"topic": "billing", "start": later}),
                keyed,
            ),
            (
                format!("{list}/{theirs}/cancel"),
                json!({}),
                HeaderMap::new(),
            ),
            (
                format!("{list}/{theirs}/reschedule"),
                json!({"start": later}),
                HeaderMap::new(),
            ),
        ] {
            let body = problem(user.post(&path, &body, headers).await, 403).await;
            assert_eq!(body["type"], "/problems/forbidden", "{path}");
        }
        assert_eq!(
            victim_user.get_json(&list).await,
            before,
            "nothing booked, cancelled or moved for the victim"
        );

        // Their booking through one's own path: exactly "not found", like a made-up id.
        let own = format!("/customer/{}/appointments", user.customer);
        let missing = "00UDn000000000000";
        let strip = |mut v: Value| {
            v.as_object_mut().unwrap().remove("request_id");
            v
        };
        let get = |id: &str| format!("{own}/{id}/calendar.ics");
        let a = strip(problem(user.get(&get(theirs)).await, 404).await);
        let b = strip(problem(user.get(&get(missing)).await, 404).await);
        assert_eq!(a, b, "calendar.ics");
        for (action, body) in [
            ("cancel", json!({})),
            ("reschedule", json!({"start": later})),
        ] {
            let post = |id: &str| format!("{own}/{id}/{action}");
            let a =
                strip(problem(user.post(&post(theirs), &body, HeaderMap::new()).await, 404).await);
            let b = strip(
                problem(
                    user.post(&post(missing), &body, HeaderMap::new()).await,
                    404,
                )
                .await,
            );
            assert_eq!(a, b, "{action}");
        }
        assert_eq!(victim_user.get_json(&list).await, before);
        let mine = user.get_json(&own).await;
        let ids: Vec<&str> = mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 1);
        assert!(!ids.contains(&theirs.as_str()));
    }
}

/// The dynamic form routes (issue 15, decision 029): another customer's path is forbidden on
/// each, and a case opened with a form through it is not created for them.
#[tokio::test]
async fn the_form_routes_never_reach_another_customer() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    for (user, victim, victim_user) in [(&alice, GLOBEX, &gina), (&gina, ACME, &alice)] {
        for path in [
            format!("/customer/{victim}/forms"),
            format!("/customer/{victim}/forms/Hardware_Fault"),
            format!("/customer/{}/forms", &victim[..15]),
        ] {
            let body = problem(user.get(&path).await, 403).await;
            assert_eq!(body["type"], "/problems/forbidden", "{path}");
        }
        let before = victim_user.all_cases("").await.len();
        let mut body = new_case("intrusion");
        body["form"] = json!("Billing_Question");
        body["fields"] = json!({"Invoice_Number": "INV-20240017", "Category": "refund"});
        let response = user
            .post(
                &format!("/customer/{victim}/cases"),
                &body,
                HeaderMap::new(),
            )
            .await;
        assert_eq!(problem(response, 403).await["type"], "/problems/forbidden");
        assert_eq!(victim_user.all_cases("").await.len(), before);
        // Their own forms answer: the forms are the same for every customer.
        let own = user
            .get_json(&format!("/customer/{}/forms", user.customer))
            .await;
        assert_eq!(own["items"].as_array().unwrap().len(), 3);
    }
}

/// Everything a user's case routes answer about `case`: reads, replies, status changes, an
/// upload, a file of it, and a booking that names it. Request ids removed, so two cases'
/// answers compare byte for byte.
async fn case_routes(user: &User, case: &str, doc: &str) -> Vec<(String, u16, Value)> {
    let own = &user.customer;
    let base = format!("/customer/{own}/cases/{case}");
    let mut out = Vec::new();
    let mut record = |what: String, status: u16, body: Value| {
        let mut body = body;
        if let Some(o) = body.as_object_mut() {
            o.remove("request_id");
        }
        out.push((what, status, body));
    };
    for path in [
        base.clone(),
        format!("{base}/comments"),
        format!("{base}/attachments"),
        format!("{base}/attachments/{doc}/download"),
    ] {
        let response = user.get(&path).await;
        let status = response.status().as_u16();
        record(
            path.replace(case, "{case}"),
            status,
            response.json().await.unwrap_or(Value::Null),
        );
    }
    for (suffix, body) in [
        ("comments", json!({"body": "probe"})),
        ("close", json!({})),
        ("reopen", json!({})),
    ] {
        let mut keyed = HeaderMap::new();
        keyed.insert(
            "idempotency-key",
            format!("matrix-{suffix}").parse().unwrap(),
        );
        let response = user.post(&format!("{base}/{suffix}"), &body, keyed).await;
        let status = response.status().as_u16();
        record(
            suffix.to_owned(),
            status,
            response.json().await.unwrap_or(Value::Null),
        );
    }
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.7\n".to_vec()).file_name("x.pdf"),
    );
    let response = user
        .client
        .post(user.url(&format!("{base}/attachments")))
        .header("x-csrf-token", &user.csrf)
        .header("idempotency-key", "matrix-upload")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    record(
        "upload".into(),
        status,
        response.json().await.unwrap_or(Value::Null),
    );
    let start = (chrono::Utc::now().date_naive() + chrono::Duration::days(6))
        .and_hms_opt(10, 0, 0)
        .unwrap()
        .and_utc();
    let mut keyed = HeaderMap::new();
    keyed.insert("idempotency-key", "matrix-booking".parse().unwrap());
    let response = user
        .post(
            &format!("/customer/{own}/appointments"),
            &json!({"topic": "technical", "start": start.to_rfc3339(), "case_id": case}),
            keyed,
        )
        .await;
    let status = response.status().as_u16();
    record(
        "booking".into(),
        status,
        response.json().await.unwrap_or(Value::Null),
    );
    out
}

/// Three actors (decision 031): Bob, a member of Acme; Alice, its manager; Gina, of Globex. A
/// case outside a user's view (Alice's own case for Bob; any Acme case for Gina) answers on
/// every case route exactly as a case that does not exist, and nothing is written; the
/// manager's routes reach every Acme case; own files are their contact's alone.
#[tokio::test]
async fn members_managers_and_other_accounts_on_every_case_and_document_route() {
    let app = TestApp::spawn_with(|c| {
        c.appointments.time_zone = "UTC".into();
        c.appointments.working_hours = portal::config::WorkingHours::every_day(&["08:00-18:00"]);
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let bobs: Vec<String> = bob
        .all_cases("")
        .await
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let alices_only = alice
        .all_cases("scope=mine")
        .await
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .find(|id| !bobs.contains(id))
        .expect("a case of Alice's not shared with Bob");
    let doc = first_id(&alice, "documents").await;
    let missing = "500Dn000000000000";
    let conversation = format!("/customer/{ACME}/cases/{alices_only}/comments");
    let detail = format!("/customer/{ACME}/cases/{alices_only}");
    let (seen, was) = (
        alice.get_json(&conversation).await,
        alice.get_json(&detail).await,
    );

    for (user, foreign) in [
        (&bob, &alices_only),
        (&gina, &alices_only),
        (&gina, &bobs[0]),
    ] {
        let a = case_routes(user, foreign, &doc).await;
        let b = case_routes(user, missing, &doc).await;
        for ((what, status, body), (_, missing_status, missing_body)) in a.iter().zip(&b) {
            assert_eq!(
                (status, body),
                (missing_status, missing_body),
                "{what}: an unseen case must answer as a missing one"
            );
            assert!([404, 422].contains(status), "{what}: {status} {body}");
        }
    }
    assert_eq!(alice.get_json(&conversation).await, seen, "nothing written");
    assert_eq!(alice.get_json(&detail).await, was, "unchanged");

    // The manager reaches Bob's cases (a few: each is a Salesforce call from Alice's budget).
    for case in bobs.iter().take(5) {
        assert_eq!(
            alice
                .get(&format!("/customer/{ACME}/cases/{case}"))
                .await
                .status(),
            200
        );
    }
    let company = problem(
        bob.get(&format!("/customer/{ACME}/cases?scope=company"))
            .await,
        403,
    )
    .await;
    assert_eq!(company["type"], "/problems/forbidden");

    // Files: Bob's own file is "not found" for Alice and Gina, exactly like a missing file.
    let alices_docs: Vec<String> = alice
        .all_pages("documents", "limit=100")
        .await
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    let bobs_own = bob
        .all_pages("documents", "limit=100")
        .await
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .find(|id| !alices_docs.contains(id))
        .expect("a file of Bob's own");
    for user in [&alice, &gina] {
        let path = |id: &str| format!("/customer/{}/documents/{id}/download", user.customer);
        let mut a = problem(user.get(&path(&bobs_own)).await, 404).await;
        let mut b = problem(user.get(&path("069Dn000000000000")).await, 404).await;
        a.as_object_mut().unwrap().remove("request_id");
        b.as_object_mut().unwrap().remove("request_id");
        assert_eq!(a, b, "another contact's own file");
    }
}

/// The profile (issue 14) is the session's own contact's: another customer's path is
/// forbidden, reading and writing, and the victim's profile is unchanged.
#[tokio::test]
async fn another_customers_profile_path_is_forbidden() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    for (user, victim, victim_user) in [(&alice, GLOBEX, &gina), (&gina, ACME, &alice)] {
        let theirs = format!("/customer/{}/profile", victim_user.customer);
        let seen = victim_user.get_json(&theirs).await;
        for path in [
            format!("/customer/{victim}/profile"),
            format!("/customer/{}/profile", &victim[..15]),
            format!("/customer/{}/profile", victim.to_lowercase()),
        ] {
            let body = problem(user.get(&path).await, 403).await;
            assert_eq!(body["type"], "/problems/forbidden", "{path}");
            let response = user
                .client
                .patch(user.url(&path))
                .header("x-csrf-token", &user.csrf)
                .json(&json!({"language": "de", "phone": "+1 555 0100"}))
                .send()
                .await
                .unwrap();
            let body = problem(response, 403).await;
            assert_eq!(body["type"], "/problems/forbidden", "PATCH {path}");
        }
        assert_eq!(victim_user.get_json(&theirs).await, seen, "unchanged");
        // Their own path is their own profile, never the victim's.
        let own = user
            .get_json(&format!("/customer/{}/profile", user.customer))
            .await;
        assert_ne!(own["email"], seen["email"]);
    }
}

/// The case export routes (issue 16, decision 026): another customer's path is forbidden on
/// each, a start through it starts nothing for them, and another customer's export id (in
/// one's own path) answers exactly like one that does not exist, on status and download.
#[tokio::test]
async fn the_export_routes_never_reach_another_customer() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let gina = app.login("gina@globex.example").await;
    let mut exports = Vec::new();
    for user in [&alice, &gina] {
        let mut keyed = HeaderMap::new();
        keyed.insert(
            "idempotency-key",
            uuid::Uuid::new_v4().to_string().parse().unwrap(),
        );
        let response = user
            .post(
                &format!("/customer/{}/exports", user.customer),
                &json!({}),
                keyed,
            )
            .await;
        assert_eq!(response.status(), 202);
        let body: Value = response.json().await.unwrap();
        exports.push(body["id"].as_str().unwrap().to_owned());
    }
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("request_id");
        v
    };
    for (user, victim, theirs) in [(&alice, GLOBEX, &exports[1]), (&gina, ACME, &exports[0])] {
        let link = format!("expires=9999999999&signature={}", "A".repeat(43));
        for path in [
            format!("/customer/{victim}/exports/{theirs}"),
            format!("/customer/{victim}/exports/{theirs}/download?{link}"),
            format!("/customer/{}/exports/{theirs}", &victim[..15]),
        ] {
            let body = problem(user.get(&path).await, 403).await;
            assert_eq!(body["type"], "/problems/forbidden", "{path}");
        }
        let mut keyed = HeaderMap::new();
        keyed.insert("idempotency-key", "intrusion".parse().unwrap());
        let body = problem(
            user.post(&format!("/customer/{victim}/exports"), &json!({}), keyed)
                .await,
            403,
        )
        .await;
        assert_eq!(body["type"], "/problems/forbidden");

        let own = format!("/customer/{}/exports", user.customer);
        let (job, signature) = theirs.split_once('-').unwrap();
        let made_up = format!("{job}-{}", signature.chars().rev().collect::<String>());
        for suffix in ["", &format!("/download?{link}")] {
            let a = strip(problem(user.get(&format!("{own}/{theirs}{suffix}")).await, 404).await);
            let b = strip(problem(user.get(&format!("{own}/{made_up}{suffix}")).await, 404).await);
            assert_eq!(a, b, "{suffix}");
        }
    }
}
