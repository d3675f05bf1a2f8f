//! REST calls against Salesforce's documented response bodies, checking what the client sent.

mod support;

use std::time::Duration;

use axum::http::Method;
use salesforce_client::{
    ApiUsage, CompositeRequest, CompositeSubrequest, Config, Credentials, Error, ErrorCode,
    QueryOptions, RequestId, SalesforceClient, SalesforceId, soql,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use support::*;

#[derive(Debug, Deserialize, PartialEq)]
struct Account {
    #[serde(rename = "Name")]
    name: String,
}

fn id(s: &str) -> SalesforceId {
    SalesforceId::parse(s).unwrap()
}

#[tokio::test]
async fn query_sends_soql_and_headers_and_reads_a_page() {
    let org = Org::start().await;
    org.instance.on_json(
        Method::GET,
        &Org::data("/query"),
        200,
        &fixture("query_page1.json"),
    );
    let client = org.client();
    let soql = format!(
        "SELECT Name FROM Account WHERE Name = {} AND Id != {}",
        soql::quote_str("O'Brien & Co + 100%"),
        soql::id("001D000000IRFma").unwrap()
    );
    let page = client
        .query_with::<Account>(
            &soql,
            &QueryOptions {
                batch_size: Some(500),
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total_size, 3);
    assert!(!page.done);
    assert_eq!(
        page.next_records_url.as_deref(),
        Some("/services/data/v62.0/query/01gRO0000016PIAYA2-2")
    );
    assert_eq!(
        page.records,
        [
            Account {
                name: "Test 1".into()
            },
            Account {
                name: "Test 2".into()
            }
        ]
    );

    let sent = &org.instance.requests()[0];
    assert_eq!(sent.method, Method::GET);
    assert_eq!(sent.query_params()["q"], soql, "the SOQL arrives intact");
    assert_eq!(sent.header("sforce-query-options"), Some("batchSize=500"));
    assert_eq!(sent.header("sforce-call-options"), Some("client=portal"));
    assert_eq!(sent.header("accept"), Some("application/json"));
    assert_eq!(sent.bearer(), Some(token(1).as_str()));
    assert_eq!(
        client.api_usage(),
        Some(ApiUsage {
            used: 10018,
            limit: 100000
        })
    );
}

#[tokio::test]
async fn query_all_pages_follows_next_records_url() {
    let org = Org::start().await;
    org.instance.on_json(
        Method::GET,
        &Org::data("/query"),
        200,
        &fixture("query_page1.json"),
    );
    org.instance.on_json(
        Method::GET,
        &Org::data("/query/01gRO0000016PIAYA2-2"),
        200,
        &fixture("query_page2.json"),
    );
    let records: Vec<Account> = org
        .client()
        .query_all_pages("SELECT Name FROM Account", &QueryOptions::default())
        .await
        .unwrap();
    let names: Vec<_> = records.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Test 1", "Test 2", "Test 3"]);
    let requests = org.instance.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1].path,
        "/services/data/v62.0/query/01gRO0000016PIAYA2-2"
    );
    assert_eq!(requests[1].query, None);
    assert_eq!(requests[0].header("sforce-query-options"), None);
}

#[tokio::test]
async fn query_more_refuses_urls_that_leave_the_instance() {
    let org = Org::start().await;
    let client = org.client();
    for evil in [
        "https://evil.example/services/data/v62.0/query/x",
        "//evil.example/services/data/v62.0/query/x",
        "/services/data/../../oauth2/token",
        "/services/data/v62.0/query/x\r\nHost: evil",
        "services/data/v62.0/query/x",
    ] {
        let error = client.query_more::<Account>(evil).await.unwrap_err();
        assert!(
            matches!(error, Error::InvalidArgument(_)),
            "{evil}: {error:?}"
        );
    }
    assert!(org.instance.requests().is_empty());
    assert!(org.login.requests().is_empty());
}

#[tokio::test]
async fn error_arrays_become_typed_errors() {
    let org = Org::start().await;
    org.instance.on_json(
        Method::GET,
        &Org::data("/query"),
        400,
        &fixture("error_malformed_query.json"),
    );
    let error = org
        .client()
        .query::<Account>("SELECT Nme FROM Account")
        .await
        .unwrap_err();
    let Error::Api {
        status,
        errors,
        operation,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!((*status, operation.as_str()), (400, "query"));
    assert_eq!(errors[0].error_code, ErrorCode::InvalidField);
    assert!(errors[0].message.contains("No such column 'Nme'"));
    assert!(!error.is_transient());
    assert!(error.to_string().contains("INVALID_FIELD"));
}

#[tokio::test]
async fn transient_and_permanent_failures_are_told_apart() {
    let org = Org::start().await;
    let client = org.client();
    let cases = [
        (
            "error_unable_to_lock_row.json",
            400,
            true,
            ErrorCode::UnableToLockRow,
        ),
        (
            "error_request_limit.json",
            403,
            false,
            ErrorCode::RequestLimitExceeded,
        ),
        (
            "error_required_field.json",
            400,
            false,
            ErrorCode::RequiredFieldMissing,
        ),
    ];
    for (file, status, transient, code) in cases {
        org.instance.on_json(
            Method::POST,
            &Org::data("/sobjects/Case"),
            status,
            &fixture(file),
        );
        let error = client
            .create("Case", &json!({"Subject": "x"}))
            .await
            .unwrap_err();
        assert_eq!(error.is_transient(), transient, "{file}: {error}");
        assert!(error.has_code(&code), "{file}");
    }
    let error = client.create("Case", &json!({})).await.unwrap_err();
    assert!(error.api_errors()[0].fields == ["Name"]);

    org.instance
        .on(Method::POST, &Org::data("/sobjects/Case"), |_| async {
            axum::response::Response::builder()
                .status(502)
                .body(axum::body::Body::from(
                    "<html><body>Bad Gateway</body></html>",
                ))
                .unwrap()
        });
    let error = client.create("Case", &json!({})).await.unwrap_err();
    assert!(
        matches!(error, Error::UnexpectedStatus { status: 502, .. }),
        "{error:?}"
    );
    assert!(error.is_transient());
}

#[tokio::test]
async fn timeouts_and_connection_failures_are_typed_and_transient() {
    let org = Org::start().await;
    org.instance
        .on(Method::GET, &Org::data("/limits"), |_| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            json(200, "{}")
        });
    let client = SalesforceClient::new(
        org.jwt_config()
            .with_request_timeout(Duration::from_millis(300)),
    )
    .unwrap();
    let error = client.limits().await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(error.is_transient());

    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let client = SalesforceClient::new(Config::new(
        url,
        Credentials::ClientCredentials {
            consumer_key: "k".into(),
            consumer_secret: "s".into(),
        },
    ))
    .unwrap();
    let error = client.authenticate().await.unwrap_err();
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    assert!(error.is_transient());
}

#[tokio::test]
async fn retrieve_asks_for_fields_and_maps_404_to_none() {
    let org = Org::start().await;
    org.instance.on_json(
        Method::GET,
        &Org::data("/sobjects/Account/001D000000INjVeIAL"),
        200,
        &fixture("retrieve_account.json"),
    );
    org.instance.on_json(
        Method::GET,
        &Org::data("/sobjects/Account/001D000000IRFmaIAH"),
        404,
        &fixture("error_not_found.json"),
    );
    let client = org.client();
    let account: Option<Account> = client
        .retrieve(
            "Account",
            &id("001D000000INjVe"),
            &["Name", "AccountNumber"],
        )
        .await
        .unwrap();
    assert_eq!(account.unwrap().name, "GenePoint");
    let sent = &org.instance.requests()[0];
    assert_eq!(sent.query_params()["fields"], "Name,AccountNumber");

    let missing: Option<Account> = client
        .retrieve("Account", &id("001D000000IRFmaIAH"), &[])
        .await
        .unwrap();
    assert!(missing.is_none());
    assert_eq!(org.instance.requests()[1].query, None);

    let bad = client
        .retrieve::<Account>("Account/../User", &id("001D000000IRFmaIAH"), &[])
        .await
        .unwrap_err();
    assert!(matches!(bad, Error::InvalidArgument(_)));
    let bad = client
        .retrieve::<Account>(
            "Account",
            &id("001D000000IRFmaIAH"),
            &["Name,(SELECT Id FROM Cases)"],
        )
        .await
        .unwrap_err();
    assert!(matches!(bad, Error::InvalidArgument(_)));
    assert_eq!(
        org.instance.requests().len(),
        2,
        "nothing sent for bad arguments"
    );
}

#[derive(Serialize)]
struct NewCase<'a> {
    #[serde(rename = "Subject")]
    subject: &'a str,
    #[serde(rename = "AccountId")]
    account_id: &'a SalesforceId,
}

#[tokio::test]
async fn create_posts_json_and_returns_the_id() {
    let org = Org::start().await;
    org.instance.on_json(
        Method::POST,
        &Org::data("/sobjects/Account"),
        201,
        &fixture("create_success.json"),
    );
    let account = id("001D000000IRFmaIAH");
    let new_id = org
        .client()
        .create(
            "Account",
            &NewCase {
                subject: "Printer on fire",
                account_id: &account,
            },
        )
        .await
        .unwrap();
    assert_eq!(new_id.as_str(), "001D000000IqhSLIAZ");
    let sent = &org.instance.requests()[0];
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(
        sent.json(),
        json!({"Subject": "Printer on fire", "AccountId": "001D000000IRFmaIAH"})
    );
}

#[tokio::test]
async fn update_patches_and_accepts_204() {
    let org = Org::start().await;
    org.instance.on(
        Method::PATCH,
        &Org::data("/sobjects/Case/500D000000cfw9qIAA"),
        |_| async { empty(204) },
    );
    org.client()
        .update(
            "Case",
            &id("500D000000cfw9qIAA"),
            &json!({"Status": "Closed"}),
        )
        .await
        .unwrap();
    let sent = &org.instance.requests()[0];
    assert_eq!(sent.method, Method::PATCH);
    assert_eq!(sent.json(), json!({"Status": "Closed"}));
}

#[tokio::test]
async fn upsert_reports_created_from_201_and_updated_from_200() {
    let org = Org::start().await;
    let path = Org::data("/sobjects/Account/customExtIdField__c/11999");
    org.instance
        .on_json(Method::PATCH, &path, 201, &fixture("upsert_created.json"));
    let client = org.client();
    let body = json!({"Name": "California Wheat Corporation", "Type": "New Customer"});
    let created = client
        .upsert("Account", "customExtIdField__c", "11999", &body)
        .await
        .unwrap();
    assert!(created.created);
    assert_eq!(created.id.as_str(), "00190000001pPvHAAU");

    org.instance
        .on_json(Method::PATCH, &path, 200, &fixture("upsert_updated.json"));
    let updated = client
        .upsert("Account", "customExtIdField__c", "11999", &body)
        .await
        .unwrap();
    assert!(!updated.created);
    assert_eq!(updated.id.as_str(), "001D000000Kv3g5IAB");
    assert_eq!(org.instance.requests()[0].json(), body);
    assert_eq!(org.instance.requests()[0].method, Method::PATCH);

    // External id values are escaped as one path segment.
    let odd = Org::data("/sobjects/Case/Portal_Request_Id__c/a%2Fb%20c%3Fd");
    org.instance
        .on_json(Method::PATCH, &odd, 201, &fixture("upsert_created.json"));
    client
        .upsert("Case", "Portal_Request_Id__c", "a/b c?d", &json!({}))
        .await
        .unwrap();
    assert_eq!(org.instance.requests().last().unwrap().path, odd);

    let empty_key = client
        .upsert("Case", "Portal_Request_Id__c", "", &json!({}))
        .await;
    assert!(matches!(empty_key, Err(Error::InvalidArgument(_))));
}

#[tokio::test]
async fn composite_sends_subrequests_and_reads_each_result() {
    let org = Org::start().await;
    org.instance.on_json(
        Method::POST,
        &Org::data("/composite"),
        200,
        &fixture("composite_response.json"),
    );
    let client = org.client();
    let request = CompositeRequest::new(false)
        .push(CompositeSubrequest::post(
            "refAccount",
            client.sobject_collection_url("Account").unwrap(),
            json!({"Name": "Sample Account"}),
        ))
        .push(CompositeSubrequest::post(
            "refContact",
            client.sobject_collection_url("Contact").unwrap(),
            json!({"LastName": "Sample", "AccountId": "@{refAccount.id}", "Email": "nope"}),
        ));
    let response = client.composite(&request).await.unwrap();

    let sent = org.instance.requests()[0].json();
    assert_eq!(
        sent,
        json!({
            "allOrNone": false,
            "compositeRequest": [
                {"method": "POST", "url": "/services/data/v62.0/sobjects/Account",
                 "referenceId": "refAccount", "body": {"Name": "Sample Account"}},
                {"method": "POST", "url": "/services/data/v62.0/sobjects/Contact",
                 "referenceId": "refContact",
                 "body": {"LastName": "Sample", "AccountId": "@{refAccount.id}", "Email": "nope"}}
            ]
        })
    );

    #[derive(Debug, Deserialize)]
    struct Created {
        id: SalesforceId,
    }
    let account = response.get("refAccount").unwrap();
    assert_eq!(
        account.json::<Created>().unwrap().id.as_str(),
        "001R00000033I6AIAU"
    );
    let contact = response.get("refContact").unwrap();
    let error = contact.json::<Created>().unwrap_err();
    assert_eq!(error.status(), Some(400));
    assert!(error.has_code(&ErrorCode::Other("INVALID_EMAIL_ADDRESS".into())));
    assert_eq!(error.api_errors()[0].fields, ["Email"]);
}

#[tokio::test]
async fn composite_urls_are_versioned_and_escaped() {
    let org = Org::start().await;
    let client = org.client();
    let q = client.query_url("SELECT Id FROM Case WHERE Subject = 'a&b'");
    assert!(
        q.starts_with("/services/data/v62.0/query?q=SELECT+Id+FROM+Case"),
        "{q}"
    );
    assert!(q.contains("%27a%26b%27"), "{q}");
    assert_eq!(
        client
            .sobject_url(
                "Account",
                &id("001D000000IRFmaIAH"),
                &["Name", "Owner.Name"]
            )
            .unwrap(),
        "/services/data/v62.0/sobjects/Account/001D000000IRFmaIAH?fields=Name%2COwner.Name"
    );
    assert!(
        client
            .sobject_url("Acc ount", &id("001D000000IRFmaIAH"), &[])
            .is_err()
    );
}

#[tokio::test]
async fn limits_are_read_in_both_documented_shapes() {
    let org = Org::start().await;
    org.instance.on_json(
        Method::GET,
        &Org::data("/limits"),
        200,
        &fixture("limits.json"),
    );
    let client = org.client();
    let limits = client.limits().await.unwrap();
    let daily = limits.daily_api_requests().unwrap();
    assert_eq!((daily.max, daily.remaining), (5000, 4937));
    assert!(daily.other.contains_key("Ant Migration Tool"));
    assert_eq!(limits.get("DataStorageMB").unwrap().max, 5);

    org.instance.on_json(
        Method::GET,
        &Org::data("/limits"),
        200,
        &fixture("limits_v29.json"),
    );
    let limits = client.limits().await.unwrap();
    assert_eq!(limits.daily_api_requests().unwrap().remaining, 4980);
    assert_eq!(client.api_usage().unwrap().limit, 100000);
}

#[tokio::test]
async fn an_answer_of_the_wrong_shape_is_a_decode_error() {
    let org = Org::start().await;
    org.instance.on_json(
        Method::GET,
        &Org::data("/query"),
        200,
        r#"{"unexpected": true}"#,
    );
    let error = org
        .client()
        .query::<Account>("SELECT Name FROM Account")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert!(!error.is_transient());
}

#[tokio::test]
async fn api_version_is_configurable() {
    let org = Org::start().await;
    org.instance.on_json(
        Method::GET,
        "/services/data/v58.0/limits",
        200,
        &fixture("limits.json"),
    );
    let client = SalesforceClient::new(org.jwt_config().with_api_version("58.0")).unwrap();
    client.limits().await.unwrap();
}

#[tokio::test]
async fn a_scoped_request_id_is_sent_as_x_request_id() {
    let org = Org::start().await;
    org.instance.on_json(
        Method::GET,
        &Org::data("/query"),
        200,
        &fixture("query_page1.json"),
    );
    org.instance.on_json(
        Method::GET,
        &Org::data("/query/01gRO0000016PIAYA2-2"),
        200,
        &fixture("query_page2.json"),
    );
    let client = org.client();

    // Inside the scope: every call, the next page too, carries the id.
    assert_eq!(RequestId::current(), None);
    let records: Vec<Account> = RequestId::scope("req-1".to_owned(), async {
        assert_eq!(RequestId::current().as_deref(), Some("req-1"));
        client
            .query_all_pages("SELECT Name FROM Account", &QueryOptions::default())
            .await
    })
    .await
    .unwrap();
    assert_eq!(records.len(), 3);
    let sent = org.instance.requests();
    assert_eq!(sent.len(), 2);
    for request in &sent {
        assert_eq!(
            request.header("x-request-id"),
            Some("req-1"),
            "{}",
            request.path
        );
    }
    // The token request is not a REST call.
    assert_eq!(org.login.requests()[0].header("x-request-id"), None);

    // Outside any scope: no header.
    client
        .query::<Account>("SELECT Name FROM Account")
        .await
        .unwrap();
    let sent = org.instance.requests();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[2].header("x-request-id"), None);

    // Two scopes running at once on one shared client each send their own id.
    let (a, b) = tokio::join!(
        RequestId::scope(
            "req-a".to_owned(),
            client.query::<Account>("SELECT Name FROM Account WHERE Name = 'a'")
        ),
        RequestId::scope(
            "req-b".to_owned(),
            client.query::<Account>("SELECT Name FROM Account WHERE Name = 'b'")
        ),
    );
    a.unwrap();
    b.unwrap();
    let sent = org.instance.requests();
    assert_eq!(sent.len(), 5);
    for request in &sent[3..] {
        let expected = if request.query_params()["q"].ends_with("'a'") {
            "req-a"
        } else {
            "req-b"
        };
        assert_eq!(request.header("x-request-id"), Some(expected));
    }

    // An id that cannot be a header value is left out; the call itself goes through.
    RequestId::scope(
        "bad\nid".to_owned(),
        client.query::<Account>("SELECT Name FROM Account"),
    )
    .await
    .unwrap();
    let sent = org.instance.requests();
    assert_eq!(sent.len(), 6);
    assert_eq!(sent[5].header("x-request-id"), None);
}
