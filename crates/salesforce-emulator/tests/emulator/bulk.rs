//! Bulk API 2.0 query jobs: states, result sets with locators, the `null` terminator, quoting.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::*;

const GLOBEX: &str = "001Dn0004Ot9nDpIQI";

async fn create_job(emu: &salesforce_emulator::Emulator, token: &str, soql: &str) -> Value {
    let res = send_json(
        emu,
        token,
        Method::POST,
        "/jobs/query",
        &json!({"operation": "query", "query": soql, "contentType": "CSV"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn results(
    emu: &salesforce_emulator::Emulator,
    token: &str,
    version: &str,
    id: &str,
    query: &[(&str, &str)],
) -> reqwest::Response {
    http()
        .get(format!(
            "{}/services/data/{version}/jobs/query/{id}/results",
            emu.base_url
        ))
        .query(query)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_job_moves_through_its_states_and_refuses_results_before_completion() {
    let emu = start().await;
    let token = token(&emu).await;
    let job = create_job(
        &emu,
        &token,
        &format!("SELECT Id, CaseNumber FROM Case WHERE AccountId = '{GLOBEX}'"),
    )
    .await;
    assert_eq!(job["state"], "UploadComplete");
    assert_eq!(job["object"], "Case");
    assert_eq!(job["operation"], "query");
    assert_eq!(job["contentType"], "CSV");
    let id = job["id"].as_str().unwrap();
    assert!(id.starts_with("750"), "{id}");

    let used = emu.api_usage();
    let early = results(&emu, &token, V, id, &[]).await;
    let (status, code, _) = error_code(early).await;
    assert_eq!((status, code.as_str()), (400, "JOB_NOT_COMPLETE"));
    assert_eq!(
        emu.api_usage(),
        used + 1,
        "a results request counts as an API request"
    );

    let first: Value = get(&emu, &token, &format!("/jobs/query/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["state"], "InProgress");
    assert_eq!(first["jobType"], "V2Query");
    let second: Value = get(&emu, &token, &format!("/jobs/query/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["state"], "JobComplete");
    assert_eq!(second["numberRecordsProcessed"], 40);

    let other_version = results(&emu, &token, "v61.0", id, &[]).await;
    assert_eq!(other_version.status(), 409);

    let del = send_json(
        &emu,
        &token,
        Method::DELETE,
        &format!("/jobs/query/{id}"),
        &json!({}),
    )
    .await;
    assert_eq!(del.status(), 204);
    assert_eq!(
        get(&emu, &token, &format!("/jobs/query/{id}"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn results_come_in_sets_linked_by_locators_and_end_with_null() {
    let emu = start().await;
    let token = token(&emu).await;
    let job = create_job(
        &emu,
        &token,
        &format!("SELECT CaseNumber, Subject, Account.Name FROM Case WHERE AccountId = '{GLOBEX}'"),
    )
    .await;
    let id = job["id"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        get(&emu, &token, &format!("/jobs/query/{id}")).await;
    }
    let mut locator: Option<String> = None;
    let mut numbers = Vec::new();
    let mut sets = 0;
    loop {
        let mut query = vec![("maxRecords", "15")];
        if let Some(l) = &locator {
            query.push(("locator", l.as_str()));
        }
        let res = results(&emu, &token, V, &id, &query).await;
        assert_eq!(res.status(), 200);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let count: usize = res.headers()["sforce-numberofrecords"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let next = res.headers()["sforce-locator"].to_str().unwrap().to_owned();
        let body = res.text().await.unwrap();
        let mut lines = body.lines();
        assert_eq!(lines.next(), Some("CaseNumber,Subject,Account.Name"));
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), count, "the header counts the rows of the set");
        numbers.extend(rows.iter().map(|r| r.split(',').next().unwrap().to_owned()));
        assert!(
            rows.iter().all(|r| r.ends_with(",Globex Industries")),
            "{rows:?}"
        );
        sets += 1;
        if next == "null" {
            break;
        }
        locator = Some(next);
    }
    assert_eq!(sets, 3, "40 rows in sets of 15");
    let mut unique = numbers.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 40, "no row twice, none lost");

    let again = results(
        &emu,
        &token,
        V,
        &id,
        &[("maxRecords", "15"), ("locator", "bm9wZQ")],
    )
    .await;
    let (status, _, _) = error_code(again).await;
    assert_eq!(status, 400, "an unknown locator is refused");
}

#[tokio::test]
async fn cells_are_quoted_as_rfc_4180_says() {
    let emu = start().await;
    let token = token(&emu).await;
    let created = send_json(
        &emu,
        &token,
        Method::POST,
        "/sobjects/Case",
        &json!({"AccountId": GLOBEX, "Subject": "Printer, \"LP-2\"\nsecond line", "Status": "New", "Priority": "High"}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let case_id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let job = create_job(
        &emu,
        &token,
        &format!("SELECT Id, Subject, ClosedDate FROM Case WHERE Id = '{case_id}'"),
    )
    .await;
    let id = job["id"].as_str().unwrap();
    for _ in 0..2 {
        get(&emu, &token, &format!("/jobs/query/{id}")).await;
    }
    let res = results(&emu, &token, V, id, &[]).await;
    assert_eq!(res.headers()["sforce-locator"], "null");
    let body = res.text().await.unwrap();
    assert_eq!(
        body,
        format!("Id,Subject,ClosedDate\n{case_id},\"Printer, \"\"LP-2\"\"\nsecond line\",\n")
    );
}

#[tokio::test]
async fn aborted_jobs_give_no_results_and_bad_queries_are_refused() {
    let emu = start().await;
    let token = token(&emu).await;
    let job = create_job(&emu, &token, "SELECT Id FROM Case").await;
    let id = job["id"].as_str().unwrap();
    let aborted = send_json(
        &emu,
        &token,
        Method::PATCH,
        &format!("/jobs/query/{id}"),
        &json!({"state": "Aborted"}),
    )
    .await;
    assert_eq!(aborted.status(), 200);
    assert_eq!(aborted.json::<Value>().await.unwrap()["state"], "Aborted");
    let info: Value = get(&emu, &token, &format!("/jobs/query/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["state"], "Aborted");
    let (status, code, _) = error_code(results(&emu, &token, V, id, &[]).await).await;
    assert_eq!((status, code.as_str()), (400, "JOB_NOT_COMPLETE"));

    for bad in ["SELECT COUNT() FROM Case", "SELECT Id FROM Case OFFSET 5"] {
        let res = send_json(
            &emu,
            &token,
            Method::POST,
            "/jobs/query",
            &json!({"operation": "query", "query": bad}),
        )
        .await;
        assert_eq!(res.status(), 400, "{bad}");
    }
    let unauthenticated = http()
        .post(format!("{}/services/data/{V}/jobs/query", emu.base_url))
        .json(&json!({"operation": "query", "query": "SELECT Id FROM Case"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
}
