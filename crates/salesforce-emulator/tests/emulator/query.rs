//! `/query`: SOQL over the fixtures, paging, errors, API usage.

use std::collections::HashSet;

use serde_json::Value;

use crate::common::*;

async fn rows(emu: &salesforce_emulator::Emulator, token: &str, soql: &str) -> Value {
    let res = query(emu, token, soql).await;
    assert_eq!(res.status(), 200, "{soql}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn pages_through_all_cases_with_next_records_url() {
    let emu = start().await;
    let token = token(&emu).await;
    let first = rows(&emu, &token, "SELECT Id FROM Case").await;
    assert_eq!(first["totalSize"], 2207);
    assert_eq!(first["done"], false);
    assert_eq!(first["records"].as_array().unwrap().len(), 2000);
    let next = first["nextRecordsUrl"].as_str().unwrap();
    let locator = next
        .strip_prefix(&format!("/services/data/{V}/query/"))
        .expect("nextRecordsUrl shape");
    assert!(
        locator.starts_with("01g") && locator.ends_with("-2000"),
        "{locator}"
    );

    let res = http()
        .get(format!("{}{next}", emu.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let second: Value = res.json().await.unwrap();
    assert_eq!(second["totalSize"], 2207);
    assert_eq!(second["done"], true);
    assert!(second.get("nextRecordsUrl").is_none());
    let ids: HashSet<&str> = first["records"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["records"].as_array().unwrap())
        .map(|r| r["Id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2207, "no record twice, none lost");
}

#[tokio::test]
async fn batch_size_header_sets_the_page_size() {
    let emu = start().await;
    let token = token(&emu).await;
    let mut url = format!(
        "{}/services/data/{V}/query?q=SELECT+Id+FROM+Case",
        emu.base_url
    );
    let mut sizes = Vec::new();
    loop {
        let page: Value = http()
            .get(&url)
            .bearer_auth(&token)
            .header("Sforce-Query-Options", "batchSize=500")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        sizes.push(page["records"].as_array().unwrap().len());
        match page["nextRecordsUrl"].as_str() {
            Some(next) => url = format!("{}{next}", emu.base_url),
            None => break,
        }
    }
    assert_eq!(sizes, vec![500, 500, 500, 500, 207]);

    // Below the minimum is raised to 200.
    let page: Value = http()
        .get(format!(
            "{}/services/data/{V}/query?q=SELECT+Id+FROM+Case",
            emu.base_url
        ))
        .bearer_auth(&token)
        .header("Sforce-Query-Options", "batchSize=10")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["records"].as_array().unwrap().len(), 200);
}

#[tokio::test]
async fn invalid_query_locator() {
    let emu = start().await;
    let token = token(&emu).await;
    let (status, code, _) =
        error_code(get(&emu, &token, "/query/01gDn000000BOGUS-2000").await).await;
    assert_eq!((status, code.as_str()), (400, "INVALID_QUERY_LOCATOR"));
}

#[tokio::test]
async fn the_adapters_queries() {
    let emu = start().await;
    let token = token(&emu).await;
    let account = "001Dn000V58wd0MIIQ";
    let docs = rows(&emu, &token, &format!(
        "SELECT Id, ContentDocumentId, ContentDocument.Title, ContentDocument.FileExtension, ContentDocument.ContentSize, \
         ContentDocument.LatestPublishedVersionId, ContentDocument.LatestPublishedVersion.VersionData \
         FROM ContentDocumentLink WHERE LinkedEntityId = '{account}' AND Visibility = 'AllUsers' \
         ORDER BY ContentDocument.Title ASC"
    )).await;
    let records = docs["records"].as_array().unwrap();
    assert!(!records.is_empty());
    let first = &records[0];
    assert_eq!(first["attributes"]["type"], "ContentDocumentLink");
    let doc = &first["ContentDocument"];
    assert_eq!(doc["attributes"]["type"], "ContentDocument");
    let version = &doc["LatestPublishedVersion"];
    assert_eq!(version["attributes"]["type"], "ContentVersion");
    assert_eq!(
        version["VersionData"],
        format!(
            "/services/data/{V}/sobjects/ContentVersion/{}/VersionData",
            doc["LatestPublishedVersionId"].as_str().unwrap()
        )
    );
    let titles: Vec<String> = records
        .iter()
        .map(|r| {
            r["ContentDocument"]["Title"]
                .as_str()
                .unwrap()
                .to_lowercase()
        })
        .collect();
    let mut sorted = titles.clone();
    sorted.sort();
    assert_eq!(titles, sorted);

    let cases = rows(&emu, &token, &format!(
        "SELECT Id, CaseNumber, Subject, Status, Priority, CreatedDate, Account.Name, Contact.Name \
         FROM Case WHERE AccountId = '{account}' AND IsClosed = false ORDER BY CreatedDate DESC, CaseNumber DESC LIMIT 10"
    )).await;
    let records = cases["records"].as_array().unwrap();
    assert_eq!(records.len(), 10);
    assert!(records.iter().all(|r| r["Status"] != "Closed"));
    assert_eq!(records[0]["Account"]["Name"], "Acme Corporation");
    let dates: Vec<&str> = records
        .iter()
        .map(|r| r["CreatedDate"].as_str().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
}

#[tokio::test]
async fn where_operators_filter_like_salesforce() {
    let emu = start().await;
    let t = token(&emu).await;
    let count = |v: Value| v["totalSize"].as_u64().unwrap();
    let all = count(rows(&emu, &t, "SELECT Id FROM Case").await);
    let high = count(rows(&emu, &t, "SELECT Id FROM Case WHERE Priority = 'high'").await);
    let not_high = count(rows(&emu, &t, "SELECT Id FROM Case WHERE Priority != 'High'").await);
    assert_eq!(high, 441, "= is case-insensitive");
    assert_eq!(high + not_high, all);
    let in_list = count(
        rows(
            &emu,
            &t,
            "SELECT Id FROM Case WHERE Status IN ('New', 'Working')",
        )
        .await,
    );
    assert_eq!(in_list, 61 + 89);
    let not_in = count(
        rows(
            &emu,
            &t,
            "SELECT Id FROM Case WHERE Status NOT IN ('New', 'Working')",
        )
        .await,
    );
    assert_eq!(in_list + not_in, all);
    let or = count(rows(&emu, &t, "SELECT Id FROM Case WHERE (Status = 'New' OR Status = 'Working') AND NOT Priority = 'Low'").await);
    assert!(or < in_list);
    let like = rows(
        &emu,
        &t,
        "SELECT Subject FROM Case WHERE Subject LIKE '%vpn%'",
    )
    .await;
    assert!(like["records"].as_array().unwrap().iter().all(|r| {
        r["Subject"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("vpn")
    }));
    assert!(count(like) > 0);
    let after = count(
        rows(
            &emu,
            &t,
            "SELECT Id FROM Case WHERE CreatedDate >= 2025-06-01T00:00:00Z",
        )
        .await,
    );
    let before = count(
        rows(
            &emu,
            &t,
            "SELECT Id FROM Case WHERE CreatedDate < 2025-06-01T00:00:00Z",
        )
        .await,
    );
    assert_eq!(after + before, all);
    let open_null = count(rows(&emu, &t, "SELECT Id FROM Case WHERE ClosedDate = null").await);
    let closed = count(rows(&emu, &t, "SELECT Id FROM Case WHERE IsClosed = true").await);
    assert_eq!(open_null + closed, all);
    let page = rows(
        &emu,
        &t,
        "SELECT Id FROM Case ORDER BY CaseNumber LIMIT 5 OFFSET 10",
    )
    .await;
    assert_eq!(page["records"].as_array().unwrap().len(), 5);
    let by_15 = count(
        rows(
            &emu,
            &t,
            "SELECT Id FROM Account WHERE Id = '001Dn000V58wd0M'",
        )
        .await,
    );
    assert_eq!(by_15, 1, "15-character ids match");
}

#[tokio::test]
async fn count_queries() {
    let emu = start().await;
    let t = token(&emu).await;
    let v = rows(&emu, &t, "SELECT COUNT() FROM Contact").await;
    assert_eq!(v["totalSize"], 10);
    assert_eq!(v["done"], true);
    assert_eq!(v["records"], serde_json::json!([]));
    let v = rows(
        &emu,
        &t,
        "SELECT COUNT(Id) FROM Contact WHERE AccountId = '001Dn000V58wd0MIIQ'",
    )
    .await;
    assert_eq!(v["records"][0]["attributes"]["type"], "AggregateResult");
    assert!(v["records"][0]["expr0"].as_u64().unwrap() >= 2);
}

#[tokio::test]
async fn injection_attempts_match_nothing() {
    let emu = start().await;
    let t = token(&emu).await;
    let v = rows(
        &emu,
        &t,
        r"SELECT Id FROM Case WHERE Subject = 'x\' OR Subject != \''",
    )
    .await;
    assert_eq!(v["totalSize"], 0);
    let (status, code, _) = error_code(
        query(
            &emu,
            &t,
            "SELECT Id FROM Case WHERE Subject = 'x' OR '1'='1'",
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "MALFORMED_QUERY"));
    let (status, code, _) = error_code(
        query(
            &emu,
            &t,
            "SELECT Id FROM Case WHERE AccountId = '' OR Id != ''",
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (400, "INVALID_QUERY_FILTER_OPERATOR")
    );
}

#[tokio::test]
async fn query_errors_use_salesforce_codes() {
    let emu = start().await;
    let t = token(&emu).await;
    let cases = [
        ("SELECT Id FROM", 400, "MALFORMED_QUERY"),
        ("SELECT Id FROM Case WHERE", 400, "MALFORMED_QUERY"),
        ("SELECT Nope FROM Case", 400, "INVALID_FIELD"),
        ("SELECT Account.Nope FROM Case", 400, "INVALID_FIELD"),
        ("SELECT Nope.Name FROM Case", 400, "INVALID_FIELD"),
        (
            "SELECT Id FROM Case WHERE IsClosed = 'true'",
            400,
            "INVALID_FIELD",
        ),
        (
            "SELECT Id FROM Case WHERE CreatedDate > 2025-01-01",
            400,
            "INVALID_FIELD",
        ),
        ("SELECT Id FROM Campaign", 400, "INVALID_TYPE"),
        (
            "SELECT Id FROM Case OFFSET 2001",
            400,
            "NUMBER_OUTSIDE_VALID_RANGE",
        ),
    ];
    for (soql, status, code) in cases {
        let (s, c, body) = error_code(query(&emu, &t, soql).await).await;
        assert_eq!((s, c.as_str()), (status, code), "{soql}: {body}");
        assert!(
            body[0]["message"]
                .as_str()
                .unwrap()
                .contains("ERROR at Row:1:Column:"),
            "{body}"
        );
    }
    let res = http()
        .get(format!("{}/services/data/{V}/query", emu.base_url))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res).await.1, "MALFORMED_QUERY");
}

#[tokio::test]
async fn api_versions_below_50_or_unknown_are_not_found() {
    let emu = start().await;
    let t = token(&emu).await;
    for version in ["v49.0", "v20.0", "v99.0", "v62.5", "62.0", "latest"] {
        let res = http()
            .get(format!("{}/services/data/{version}/limits", emu.base_url))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        let (status, code, _) = error_code(res).await;
        assert_eq!((status, code.as_str()), (404, "NOT_FOUND"), "{version}");
    }
    for version in ["v50.0", "v62.0", "v66.0"] {
        let res = http()
            .get(format!("{}/services/data/{version}/limits", emu.base_url))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{version}");
    }
}

#[tokio::test]
async fn every_call_counts_in_sforce_limit_info_and_limits() {
    let emu = start().await;
    let t = token(&emu).await;
    let a = query(&emu, &t, "SELECT Id FROM Account").await;
    assert_eq!(limit_info(&a), "api-usage=1/15000");
    let b = get(&emu, &t, "/sobjects/Account/001Dn000V58wd0MIIQ").await;
    assert_eq!(limit_info(&b), "api-usage=2/15000");
    let err = query(&emu, &t, "SELECT FROM").await;
    assert_eq!(limit_info(&err), "api-usage=3/15000", "errors count too");
    let limits = get(&emu, &t, "/limits").await;
    assert_eq!(limit_info(&limits), "api-usage=4/15000");
    let body: Value = limits.json().await.unwrap();
    assert_eq!(body["DailyApiRequests"]["Max"], 15000);
    assert_eq!(body["DailyApiRequests"]["Remaining"], 15000 - 4);
    assert_eq!(emu.api_usage(), 4);
}

#[tokio::test]
async fn the_daily_limit_is_enforced() {
    let emu = start_with(salesforce_emulator::EmulatorConfig {
        api_limit: 2,
        ..config()
    })
    .await;
    let t = token(&emu).await;
    assert_eq!(get(&emu, &t, "/limits").await.status(), 200);
    assert_eq!(get(&emu, &t, "/limits").await.status(), 200);
    let res = get(&emu, &t, "/limits").await;
    assert_eq!(limit_info(&res), "api-usage=3/2");
    let (status, code, _) = error_code(res).await;
    assert_eq!((status, code.as_str()), (403, "REQUEST_LIMIT_EXCEEDED"));
}
