//! The real client against the Salesforce emulator, started in process on 127.0.0.1:0 with the
//! repository's fixtures (`backend/mocks/salesforce`), over real HTTP: OAuth flows, SOQL paging and
//! quoting, sObject writes, composite, downloads, API usage, token renewal and faults.
//!
//! Every test starts its own emulator, so request logs, API usage and records never leak between
//! tests. Expected counts come from the fixture files, never from constants.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::future::join_all;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use salesforce_client::{
    ApiUsage, AuthFlow, AuthProblem, CompositeRequest, CompositeSubrequest, Config, Credentials,
    Error, ErrorCode, QueryOptions, QueryPage, RequestId, SalesforceClient, SalesforceId,
    TokenState, soql,
};
use salesforce_emulator::{Emulator, EmulatorConfig, Outage, SlowBody};
use serde::Deserialize;
use serde_json::{Value, json};

const TOKEN_PATH: &str = "/services/oauth2/token";
const DATA_PATH: &str = "/services/data/";
const EXTERNAL_ID: &str = "Portal_Request_Id__c";

// ---- Support ----

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../backend/mocks/salesforce")
}

/// The records of `backend/mocks/salesforce/{object}.json`, read by the test itself.
fn fixture_records(object: &str) -> Vec<Value> {
    let path = fixtures_dir().join(format!("{object}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    match serde_json::from_str::<Value>(&text).expect("fixture is JSON") {
        Value::Array(records) => records,
        Value::Object(mut page) => match page.remove("records") {
            Some(Value::Array(records)) => records,
            _ => panic!("{path:?} holds neither an array nor a records page"),
        },
        _ => panic!("{path:?} holds neither an array nor a records page"),
    }
}

fn text<'a>(record: &'a Value, field: &str) -> &'a str {
    record[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not text in {record}"))
}

fn rsa_key_pair() -> (String, String) {
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA keygen");
    let private = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
    let public = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    (private, public)
}

/// The connected app's key pair, generated once per test binary: (private PKCS#8, public PEM).
fn app_keys() -> &'static (String, String) {
    static KEYS: OnceLock<(String, String)> = OnceLock::new();
    KEYS.get_or_init(rsa_key_pair)
}

/// A private key the emulator has never seen.
fn stranger_key() -> &'static str {
    static KEY: OnceLock<(String, String)> = OnceLock::new();
    &KEY.get_or_init(rsa_key_pair).0
}

fn emulator_config() -> EmulatorConfig {
    let (private, public) = app_keys();
    EmulatorConfig {
        fixtures_dir: fixtures_dir(),
        users_file: None,
        jwt_verification_pem: Some(public.clone()),
        // Reusing the test key spares a key generation per emulator.
        signing_key_pem: Some(private.clone()),
        ..EmulatorConfig::default()
    }
}

async fn start_with(config: EmulatorConfig) -> Emulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    salesforce_emulator::spawn(config, listener)
        .await
        .expect("emulator starts")
}

async fn start() -> Emulator {
    start_with(emulator_config()).await
}

fn bounded(config: Config) -> Config {
    config
        .with_connect_timeout(Duration::from_secs(2))
        .with_request_timeout(Duration::from_secs(5))
        .with_download_timeout(Duration::from_secs(5))
        .with_client_name("portal-tests")
}

fn jwt_config(emu: &Emulator) -> Config {
    let defaults = EmulatorConfig::default();
    bounded(Config::new(
        emu.base_url.clone(),
        Credentials::JwtBearer {
            consumer_key: defaults.consumer_key,
            username: defaults.integration_username,
            private_key_pem: app_keys().0.clone().into(),
        },
    ))
}

fn client_credentials_config(emu: &Emulator, secret: &str) -> Config {
    bounded(Config::new(
        emu.base_url.clone(),
        Credentials::ClientCredentials {
            consumer_key: EmulatorConfig::default().consumer_key,
            consumer_secret: secret.into(),
        },
    ))
}

fn client(emu: &Emulator) -> SalesforceClient {
    SalesforceClient::new(jwt_config(emu)).expect("valid config")
}

fn token_requests(emu: &Emulator) -> usize {
    emu.requests.count("POST", TOKEN_PATH)
}

fn rest_requests(emu: &Emulator) -> usize {
    emu.requests
        .entries()
        .iter()
        .filter(|e| e.path.starts_with(DATA_PATH))
        .count()
}

/// The account with the most cases in the fixtures, and those cases' ids.
fn big_account() -> (String, BTreeSet<String>) {
    let mut by_account: HashMap<String, BTreeSet<String>> = HashMap::new();
    for case in fixture_records("Case") {
        if let Some(account) = case["AccountId"].as_str() {
            by_account
                .entry(account.to_owned())
                .or_default()
                .insert(text(&case, "Id").to_owned());
        }
    }
    by_account
        .into_iter()
        .max_by_key(|(_, cases)| cases.len())
        .expect("fixtures hold cases")
}

/// A contact of the fixtures and its account (the emulated org requires them to match).
fn contact_and_account() -> (String, String) {
    let contact = fixture_records("Contact")
        .into_iter()
        .find(|c| c["AccountId"].is_string())
        .expect("a contact with an account");
    (
        text(&contact, "Id").to_owned(),
        text(&contact, "AccountId").to_owned(),
    )
}

fn id(s: &str) -> SalesforceId {
    SalesforceId::parse(s).expect("valid record id")
}

#[derive(Debug, Deserialize)]
struct CaseRow {
    #[serde(rename = "Id")]
    id: SalesforceId,
    #[serde(rename = "Subject")]
    subject: String,
}

// ---- OAuth ----

#[tokio::test]
async fn jwt_bearer_signs_in_once_and_calls_the_instance_url() {
    let emu = start().await;
    let client = client(&emu);
    assert_eq!(client.api_usage(), None, "no call made yet");

    assert_eq!(
        client.instance_url().await.unwrap().as_str(),
        format!("{}/", emu.base_url)
    );
    let accounts = fixture_records("Account");
    let page: QueryPage<Value> = client.query("SELECT Id, Name FROM Account").await.unwrap();
    assert_eq!(page.total_size as usize, accounts.len());
    assert!(page.done);
    let names: BTreeSet<&str> = page.records.iter().map(|r| text(r, "Name")).collect();
    let expected: BTreeSet<&str> = accounts.iter().map(|r| text(r, "Name")).collect();
    assert_eq!(names, expected);

    client.limits().await.unwrap();
    assert_eq!(token_requests(&emu), 1, "the token is cached");
    let log = emu.requests.entries();
    assert_eq!(log[0].path, TOKEN_PATH);
    assert_eq!(log[0].status, 200);
    assert!(log[1..].iter().all(|e| e.status == 200), "{log:?}");
}

#[tokio::test]
async fn client_credentials_signs_in_and_queries() {
    let emu = start().await;
    let client = SalesforceClient::new(client_credentials_config(
        &emu,
        &EmulatorConfig::default().consumer_secret,
    ))
    .unwrap();
    client.authenticate().await.unwrap();
    let page: QueryPage<Value> = client.query("SELECT COUNT() FROM Contact").await.unwrap();
    assert_eq!(page.total_size as usize, fixture_records("Contact").len());
    assert_eq!(token_requests(&emu), 1);
}

fn auth_error(result: Result<(), Error>) -> salesforce_client::AuthError {
    match result {
        Err(Error::Auth(e)) => e,
        other => panic!("expected an AuthError, got {other:?}"),
    }
}

#[tokio::test]
async fn refused_credentials_are_typed_auth_errors() {
    let emu = start().await;
    let defaults = EmulatorConfig::default();
    let wrong_secret = "not-the-consumer-secret-0123";
    let base = emu.base_url.clone();
    let localhost = base.replace("127.0.0.1", "localhost");
    let jwt = |login_url: &str, consumer_key: &str, username: &str, key: &str| {
        bounded(Config::new(
            login_url,
            Credentials::JwtBearer {
                consumer_key: consumer_key.into(),
                username: username.into(),
                private_key_pem: key.into(),
            },
        ))
    };
    let app_key = app_keys().0.as_str();
    let cases: Vec<(&str, Config, AuthFlow, &str, AuthProblem)> = vec![
        (
            "wrong consumer secret",
            client_credentials_config(&emu, wrong_secret),
            AuthFlow::ClientCredentials,
            "invalid_client",
            AuthProblem::InvalidClientCredentials,
        ),
        (
            "unknown consumer key (client credentials)",
            bounded(Config::new(
                base.clone(),
                Credentials::ClientCredentials {
                    consumer_key: "3MVG9-unknown".into(),
                    consumer_secret: defaults.consumer_secret.clone().into(),
                },
            )),
            AuthFlow::ClientCredentials,
            "invalid_client_id",
            AuthProblem::InvalidClientId,
        ),
        (
            "assertion signed with a key the app does not know",
            jwt(
                &base,
                &defaults.consumer_key,
                &defaults.integration_username,
                stranger_key(),
            ),
            AuthFlow::JwtBearer,
            "invalid_grant",
            AuthProblem::InvalidAssertion,
        ),
        (
            "unknown consumer key (JWT)",
            jwt(
                &base,
                "3MVG9-unknown",
                &defaults.integration_username,
                app_key,
            ),
            AuthFlow::JwtBearer,
            "invalid_client_id",
            AuthProblem::InvalidClientId,
        ),
        (
            "user not pre-authorised",
            jwt(
                &base,
                &defaults.consumer_key,
                "someone.else@portal.example",
                app_key,
            ),
            AuthFlow::JwtBearer,
            "invalid_grant",
            AuthProblem::ConsumerNotApproved,
        ),
        (
            "audience is not the login URL the org expects",
            jwt(
                &localhost,
                &defaults.consumer_key,
                &defaults.integration_username,
                app_key,
            ),
            AuthFlow::JwtBearer,
            "invalid_grant",
            AuthProblem::AudienceInvalid,
        ),
    ];
    for (what, config, flow, code, problem) in cases {
        let client = SalesforceClient::new(config).unwrap();
        let error = auth_error(client.authenticate().await);
        assert_eq!(error.flow, flow, "{what}");
        assert_eq!(error.status, 400, "{what}");
        assert_eq!(error.error, code, "{what}");
        assert_eq!(error.problem, problem, "{what}: {}", error.description);
        let message = Error::Auth(error.clone()).to_string();
        assert!(message.contains(problem.hint()), "{what}: {message}");
        assert!(!message.contains(wrong_secret), "{what}: secret leaked");
        assert!(!Error::Auth(error).is_transient(), "{what}");

        // A call fails the same way and never reaches the REST API.
        let err = client
            .query::<Value>("SELECT Id FROM Account")
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Auth(e) if e.problem == problem),
            "{what}: {err:?}"
        );
    }
    assert_eq!(rest_requests(&emu), 0, "no REST call without a token");
}

#[tokio::test]
async fn jwt_bearer_is_refused_when_the_org_has_no_certificate() {
    let emu = start_with(EmulatorConfig {
        jwt_verification_pem: None,
        ..emulator_config()
    })
    .await;
    let error = auth_error(client(&emu).authenticate().await);
    assert_eq!(error.flow, AuthFlow::JwtBearer);
    assert_eq!(error.problem, AuthProblem::InvalidAssertion);
}

// ---- Queries ----

#[tokio::test]
async fn query_pages_through_the_big_accounts_cases() {
    let emu = start().await;
    let client = client(&emu);
    let (account, expected) = big_account();
    assert!(expected.len() > 2000, "fixtures: more cases than one page");
    let soql = format!(
        "SELECT Id, Subject FROM Case WHERE AccountId = {} ORDER BY CaseNumber",
        soql::id(&account).unwrap()
    );
    let options = QueryOptions {
        batch_size: Some(200),
    };

    // By hand: query, then query_more while not done.
    let mut page: QueryPage<CaseRow> = client.query_with(&soql, &options).await.unwrap();
    assert_eq!(page.total_size as usize, expected.len());
    assert!(!page.done);
    let mut pages = 1;
    let mut seen: Vec<String> = page.records.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(page.records.len(), 200);
    while let Some(next) = page.next_records_url.take() {
        assert!(!page.done);
        page = client.query_more(&next).await.unwrap();
        assert_eq!(page.total_size as usize, expected.len());
        assert!(page.records.len() <= 200);
        seen.extend(page.records.iter().map(|c| c.id.to_string()));
        pages += 1;
    }
    assert!(page.done);
    assert_eq!(pages, expected.len().div_ceil(200));
    assert_eq!(seen.len(), expected.len(), "no record twice");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), expected);
    assert_eq!(
        emu.requests.count("GET", "/services/data/v62.0/query/"),
        pages - 1
    );

    // query_all_pages does the same.
    emu.requests.clear();
    let all: Vec<CaseRow> = client.query_all_pages(&soql, &options).await.unwrap();
    assert_eq!(all.len(), expected.len());
    let ids: BTreeSet<String> = all.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(ids, expected);
    assert!(all.iter().all(|c| !c.subject.is_empty()));
    assert_eq!(
        emu.requests.count("GET", "/services/data/v62.0/query"),
        pages
    );

    // Without a batch size, Salesforce's default of 2000 applies.
    emu.requests.clear();
    let all: Vec<CaseRow> = client
        .query_all_pages(&soql, &QueryOptions::default())
        .await
        .unwrap();
    assert_eq!(all.len(), expected.len());
    assert_eq!(
        emu.requests.count("GET", "/services/data/v62.0/query"),
        expected.len().div_ceil(2000)
    );
}

#[tokio::test]
async fn soql_quoting_matches_only_literal_text() {
    let emu = start().await;
    let client = client(&emu);
    let (contact, account) = contact_and_account();
    // Each subject holds characters SOQL gives a meaning to; each decoy would match too if the
    // quoting let that meaning through.
    let pairs: &[(&str, &str)] = &[
        ("Printer 100% done_ok", "Printer 100X doneXok"),
        ("O'Brien's \"quoted\" line", "OBriens quoted line"),
        (r"C:\Temp\new folder", "C:Tempnew folder"),
        ("tab\there, line\nbreak", "tab here, line break"),
        ("unicode é 日本 🚀 end", "unicode e end"),
    ];
    let mut created = HashMap::new();
    for (subject, decoy) in pairs {
        for s in [subject, decoy] {
            let id = client
                .create(
                    "Case",
                    &json!({"Subject": s, "AccountId": account, "ContactId": contact}),
                )
                .await
                .unwrap_or_else(|e| panic!("create {s:?}: {e}"));
            created.insert(s.to_string(), id);
        }
    }

    // The oracle: plain substring and equality tests over every case the emulator holds
    // (SOQL compares text case-insensitively).
    let cases = emu.records.all("Case").unwrap();
    let field_values = |field: &str| -> Vec<String> {
        cases
            .iter()
            .filter_map(|c| c[field].as_str().map(str::to_lowercase))
            .collect()
    };
    let (subjects, descriptions) = (field_values("Subject"), field_values("Description"));
    let literal_matches = |needle: &str| {
        let needle = needle.to_lowercase();
        subjects.iter().filter(|s| s.contains(&needle)).count()
    };
    let equal_matches = |values: &[&str], with_description: bool| {
        let values: Vec<String> = values.iter().map(|v| v.to_lowercase()).collect();
        cases
            .iter()
            .filter(|c| {
                let is = |field: &str| {
                    c[field]
                        .as_str()
                        .is_some_and(|t| values.contains(&t.to_lowercase()))
                };
                is("Subject") || (with_description && is("Description"))
            })
            .count()
    };
    assert!(!descriptions.is_empty());

    for (subject, decoy) in pairs {
        // Exact match.
        let q = format!(
            "SELECT Id, Subject FROM Case WHERE Subject = {}",
            soql::quote_str(subject)
        );
        let rows: Vec<CaseRow> = client
            .query_all_pages(&q, &Default::default())
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "{q}");
        assert_eq!(rows[0].id, created[*subject]);
        assert_eq!(&rows[0].subject, subject);

        // Contains, with every wildcard taken literally.
        let q = format!(
            "SELECT Id, Subject FROM Case WHERE Subject LIKE {}",
            soql::like_contains(subject)
        );
        let rows: Vec<CaseRow> = client
            .query_all_pages(&q, &Default::default())
            .await
            .unwrap();
        assert_eq!(rows.len(), literal_matches(subject), "{q}");
        assert!(rows.iter().any(|r| r.id == created[*subject]), "{q}");
        assert!(
            rows.iter().all(|r| r.id != created[*decoy]),
            "decoy matched: {q}"
        );
        assert!(rows.iter().all(|r| r.subject.contains(subject)), "{q}");
    }

    // Injection attempts and lone special characters are searched for as text: no error, and
    // exactly the literal matches.
    let hostile_inputs = [
        "' OR Subject != '",
        "\\' OR Id != null --",
        "x') OR (Subject LIKE '%",
        "%",
        "_",
        "\\",
        "'",
        "\"",
        "null\u{0}byte\u{7}bell",
    ];
    for hostile in hostile_inputs {
        let like = format!(
            "SELECT Id FROM Case WHERE Subject LIKE {}",
            soql::like_contains(hostile)
        );
        let equal = format!(
            "SELECT Id FROM Case WHERE Subject = {} OR Description = {}",
            soql::quote_str(hostile),
            soql::quote_str(hostile)
        );
        let within = format!(
            "SELECT Id FROM Case WHERE Subject IN {}",
            soql::quote_list([hostile, "x"]).unwrap()
        );
        for (q, expected) in [
            (like, literal_matches(hostile)),
            (equal, equal_matches(&[hostile], true)),
            (within, equal_matches(&[hostile, "x"], false)),
        ] {
            let page: QueryPage<Value> = client
                .query(&q)
                .await
                .unwrap_or_else(|e| panic!("{q}: {e}"));
            assert_eq!(page.total_size as usize, expected, "{q}");
        }
    }
    // The injections match nothing; the lone characters match what holds them.
    assert_eq!(literal_matches("' OR Subject != '"), 0);
    assert!(literal_matches("%") >= 1 && literal_matches("_") >= 1);
    assert!(literal_matches("%") < subjects.len());
}

// ---- sObjects ----

#[tokio::test]
async fn describe_lists_the_fields_and_what_the_user_may_write() {
    let emu = start().await;
    let client = client(&emu);
    let described: Value = client.describe("Case").await.unwrap();
    assert_eq!(described["name"], "Case");
    let field = |name: &str| {
        described["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} described"))
    };
    assert_eq!(field("Subject")["createable"], true);
    assert_eq!(field("CaseNumber")["createable"], false);
    assert_eq!(field("Incident_Date__c")["type"], "date");
    // An unknown object is an error, not an empty describe.
    assert!(client.describe::<Value>("No_Such_Object__c").await.is_err());
}

#[tokio::test]
async fn retrieve_create_and_update() {
    let emu = start().await;
    let client = client(&emu);

    let account = &fixture_records("Account")[0];
    let found: Option<Value> = client
        .retrieve("Account", &id(text(account, "Id")), &["Id", "Name"])
        .await
        .unwrap();
    let found = found.expect("the fixture account exists");
    assert_eq!(found["Name"], account["Name"]);
    assert_eq!(found["Id"], account["Id"]);

    // A well-formed id of no record.
    let missing = id("500Dn000ZZZZZZZ");
    assert!(
        client
            .retrieve::<Value>("Case", &missing, &[])
            .await
            .unwrap()
            .is_none()
    );

    let (contact, account_id) = contact_and_account();
    let before = emu.records.count("Case");
    let case_id = client
        .create(
            "Case",
            &json!({"Subject": "Created by the client test", "AccountId": account_id,
                    "ContactId": contact, "Origin": "Web"}),
        )
        .await
        .unwrap();
    assert!(case_id.as_str().starts_with("500"));
    assert_eq!(emu.records.count("Case"), before + 1);
    let case: Value = client
        .retrieve("Case", &case_id, &[])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(case["Subject"], "Created by the client test");
    assert_eq!(case["AccountId"], account_id.as_str());
    assert_eq!(case["Origin"], "Web");
    assert_eq!(case["Status"], "New");

    client
        .update(
            "Case",
            &case_id,
            &json!({"Status": "Working", "Priority": "High"}),
        )
        .await
        .unwrap();
    let stored = emu.records.get("Case", case_id.as_str()).unwrap();
    assert_eq!(stored["Status"], "Working");
    assert_eq!(stored["Priority"], "High");

    // Validation errors arrive as typed, permanent errors.
    let err = client
        .update("Case", &case_id, &json!({"Status": "Bogus"}))
        .await
        .unwrap_err();
    assert!(
        err.has_code(&ErrorCode::InvalidOrNullForRestrictedPicklist),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(400));
    assert!(!err.is_transient());
    // A Contact needs a LastName (a Case may have no Subject, as in a real org).
    let err = client
        .create("Contact", &json!({"FirstName": "No last name"}))
        .await
        .unwrap_err();
    assert!(err.has_code(&ErrorCode::RequiredFieldMissing), "{err:?}");
    assert_eq!(err.api_errors()[0].fields, vec!["LastName".to_owned()]);
    assert_eq!(emu.records.count("Case"), before + 1);
}

#[tokio::test]
async fn upsert_by_external_id_creates_once_then_updates() {
    let emu = start().await;
    let client = client(&emu);
    let (contact, account) = contact_and_account();
    let key = "portal-req-7f3c2a90-client-test";
    let before = emu.records.count("Case");

    let first = client
        .upsert(
            "Case",
            EXTERNAL_ID,
            key,
            &json!({"Subject": "Upserted", "AccountId": account, "ContactId": contact,
                    "Origin": "Web"}),
        )
        .await
        .unwrap();
    assert!(first.created);
    let again = client
        .upsert(
            "Case",
            EXTERNAL_ID,
            key,
            &json!({"Subject": "Upserted again"}),
        )
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.id, first.id);
    assert_eq!(emu.records.count("Case"), before + 1, "one case, not two");
    let stored = emu.records.get("Case", first.id.as_str()).unwrap();
    assert_eq!(stored["Subject"], "Upserted again");
    assert_eq!(stored[EXTERNAL_ID], key);

    let q = format!(
        "SELECT Id, Subject FROM Case WHERE {EXTERNAL_ID} = {}",
        soql::quote_str(key)
    );
    let page: QueryPage<CaseRow> = client.query(&q).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.total_size, 1);
    assert_eq!(page.records[0].id, first.id);
}

/// Salesforce percent-decodes the external id value in the URL; the client escapes it.
#[tokio::test]
async fn upsert_keys_that_need_escaping_are_stored_as_sent() {
    let emu = start().await;
    let client = client(&emu);
    for key in ["req 1", "a/b", "ü-x", "50%"] {
        let result = client
            .upsert("Case", EXTERNAL_ID, key, &json!({"Subject": "escaped key"}))
            .await
            .unwrap();
        let stored = emu.records.get("Case", result.id.as_str()).unwrap();
        assert_eq!(stored[EXTERNAL_ID], key);
    }
}

#[tokio::test]
async fn composite_refers_from_one_subrequest_to_another() {
    let emu = start().await;
    let client = client(&emu);
    let (contact, account) = contact_and_account();
    let account_id = id(&account);
    let request = CompositeRequest::new(true)
        .push(CompositeSubrequest::post(
            "newCase",
            client.sobject_collection_url("Case").unwrap(),
            json!({"Subject": "Composite case", "AccountId": account, "ContactId": contact}),
        ))
        .push(CompositeSubrequest::get(
            "readBack",
            format!(
                "{}/@{{newCase.id}}?fields=Id,Subject,CaseNumber,AccountId",
                client.sobject_collection_url("Case").unwrap()
            ),
        ))
        .push(CompositeSubrequest::get(
            "account",
            client
                .sobject_url("Account", &account_id, &["Id", "Name"])
                .unwrap(),
        ));
    let response = client.composite(&request).await.unwrap();
    assert_eq!(response.composite_response.len(), 3);

    let created = response.get("newCase").unwrap();
    assert_eq!(created.http_status_code, 201);
    #[derive(Deserialize)]
    struct Created {
        id: SalesforceId,
        success: bool,
    }
    let created: Created = created.json().unwrap();
    assert!(created.success);

    let read_back: Value = response.get("readBack").unwrap().json().unwrap();
    assert_eq!(read_back["Id"], created.id.as_str());
    assert_eq!(read_back["Subject"], "Composite case");
    assert_eq!(read_back["AccountId"], account.as_str());
    assert!(read_back["CaseNumber"].is_string());

    let account_row: Value = response.get("account").unwrap().json().unwrap();
    let fixture = fixture_records("Account")
        .into_iter()
        .find(|a| a["Id"] == account.as_str())
        .unwrap();
    assert_eq!(account_row["Name"], fixture["Name"]);
    assert!(emu.records.get("Case", created.id.as_str()).is_some());

    // allOrNone: a failing subrequest rolls the first back, and reports per subrequest.
    let before = emu.records.count("Case");
    let failing = CompositeRequest::new(true)
        .push(CompositeSubrequest::post(
            "ok",
            client.sobject_collection_url("Case").unwrap(),
            json!({"Subject": "Rolled back"}),
        ))
        .push(CompositeSubrequest::post(
            "bad",
            client.sobject_collection_url("Contact").unwrap(),
            json!({"FirstName": "No last name"}),
        ));
    let response = client.composite(&failing).await.unwrap();
    let err = response.get("bad").unwrap().json::<Value>().unwrap_err();
    assert!(err.has_code(&ErrorCode::RequiredFieldMissing), "{err:?}");
    let err = response.get("ok").unwrap().json::<Value>().unwrap_err();
    assert!(err.has_code(&ErrorCode::ProcessingHalted), "{err:?}");
    assert_eq!(emu.records.count("Case"), before);
}

// ---- Files ----

async fn download_all(client: &SalesforceClient, version: &SalesforceId) -> (Option<u64>, Vec<u8>) {
    let mut download = client.download_version_data(version).await.unwrap();
    let length = download.content_length();
    let mut bytes = Vec::new();
    while let Some(chunk) = download.next().await {
        bytes.extend_from_slice(&chunk.unwrap());
    }
    (length, bytes)
}

#[tokio::test]
async fn download_version_data_streams_the_fixture_files() {
    let emu = start().await;
    let client = client(&emu);
    // One version per distinct file.
    let mut by_file: HashMap<String, String> = HashMap::new();
    for version in fixture_records("ContentVersion") {
        by_file
            .entry(text(&version, "VersionDataFile").to_owned())
            .or_insert_with(|| text(&version, "Id").to_owned());
    }
    assert!(!by_file.is_empty());
    for (file, version) in &by_file {
        let expected = std::fs::read(fixtures_dir().join(file)).unwrap();
        let (length, bytes) = download_all(&client, &id(version)).await;
        assert_eq!(length, Some(expected.len() as u64), "{file}");
        assert!(bytes == expected, "{file}: the bytes differ");
    }

    // Slow, re-chunked bodies arrive whole too.
    let (file, version) = by_file.iter().max_by_key(|(f, _)| f.len()).unwrap();
    emu.faults.update(|f| {
        f.slow_body = Some(SlowBody {
            chunk_bytes: 512,
            delay_ms: 1,
        });
    });
    let expected = std::fs::read(fixtures_dir().join(file)).unwrap();
    let (_, bytes) = download_all(&client, &id(version)).await;
    assert!(bytes == expected, "{file}: the bytes differ when slow");
    emu.faults.clear();

    // A version that does not exist.
    let err = client
        .download_version_data(&id("068Dn000ZZZZZZZ"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(err.has_code(&ErrorCode::NotFound), "{err:?}");
}

// ---- API usage ----

#[tokio::test]
async fn api_usage_is_read_from_every_response_and_limits_agree() {
    let emu = start().await;
    let client = client(&emu);
    let api_limit = EmulatorConfig::default().api_limit;
    let mut last = 0;
    for _ in 0..4 {
        let _: QueryPage<Value> = client.query("SELECT Id FROM Account").await.unwrap();
        let usage = client.api_usage().expect("Sforce-Limit-Info read");
        assert!(usage.used > last, "{usage:?} after {last}");
        assert_eq!(usage.used, emu.api_usage());
        assert_eq!(usage.limit, api_limit);
        last = usage.used;
    }
    let limits = client.limits().await.unwrap();
    let daily = limits.daily_api_requests().expect("DailyApiRequests");
    assert_eq!(daily.max as u64, api_limit);
    let usage = client.api_usage().unwrap();
    assert_eq!(usage.used, last + 1);
    assert_eq!(daily.remaining as u64, api_limit - usage.used);
    assert!(limits.get("DataStorageMB").is_some());
    // An error response carries the header too.
    let _ = client
        .query::<Value>("SELECT Nope FROM Account")
        .await
        .unwrap_err();
    assert_eq!(client.api_usage().unwrap().used, last + 2);
}

// ---- Token renewal ----

#[tokio::test]
async fn an_expired_token_is_renewed_once_and_the_call_sent_again() {
    let emu = start().await;
    let client = client(&emu);
    client.authenticate().await.unwrap();
    assert_eq!(token_requests(&emu), 1);

    emu.faults.expire_tokens();
    let page: QueryPage<Value> = client.query("SELECT Id FROM Account").await.unwrap();
    assert!(page.total_size > 0);
    assert_eq!(token_requests(&emu), 2, "exactly one renewal");
    let statuses: Vec<(String, u16)> = emu
        .requests
        .entries()
        .into_iter()
        .map(|e| (e.path, e.status))
        .collect();
    let query = "/services/data/v62.0/query".to_owned();
    assert_eq!(
        statuses,
        vec![
            (TOKEN_PATH.to_owned(), 200),
            (query.clone(), 401),
            (TOKEN_PATH.to_owned(), 200),
            (query, 200),
        ]
    );

    // Many callers noticing at once still cost one token request.
    emu.faults.expire_tokens();
    let calls = (0..8).map(|_| {
        let client = client.clone();
        async move { client.query::<Value>("SELECT Id FROM Contact").await }
    });
    for result in join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(token_requests(&emu), 3, "one renewal for eight callers");
}

/// What a health check reads: no token before the first request, one held after it, none
/// after a renewal the token endpoint failed, one again after a request succeeds.
#[tokio::test]
async fn the_token_state_follows_the_token_requests() {
    let emu = start().await;
    let client = client(&emu);
    assert_eq!(client.token_state(), TokenState::Absent);
    client.authenticate().await.unwrap();
    assert_eq!(client.token_state(), TokenState::Valid);

    emu.faults.update(|f| {
        f.error_rate = 1.0;
        f.path_prefix = Some(TOKEN_PATH.into());
    });
    emu.faults.expire_tokens();
    client
        .query::<Value>("SELECT Id FROM Account")
        .await
        .unwrap_err();
    assert_eq!(client.token_state(), TokenState::Failed);
    assert_eq!(token_requests(&emu), 2, "the renewal was asked for");

    emu.faults.clear();
    client.authenticate().await.unwrap();
    assert_eq!(client.token_state(), TokenState::Valid);
}

#[tokio::test]
async fn the_scoped_request_id_reaches_the_emulator_on_every_rest_call() {
    let emu = start().await;
    let client = client(&emu);
    client.authenticate().await.unwrap();

    // The first attempt meets an expired token; the call sent again carries the id too.
    emu.faults.expire_tokens();
    RequestId::scope(
        "portal-req-42".to_owned(),
        client.query::<Value>("SELECT Id FROM Account"),
    )
    .await
    .unwrap();
    client
        .query::<Value>("SELECT Id FROM Contact")
        .await
        .unwrap();

    let logged: Vec<(String, u16, Option<String>)> = emu
        .requests
        .entries()
        .into_iter()
        .map(|e| (e.path, e.status, e.request_id))
        .collect();
    let query = "/services/data/v62.0/query".to_owned();
    let id = Some("portal-req-42".to_owned());
    assert_eq!(
        logged,
        vec![
            (TOKEN_PATH.to_owned(), 200, None),
            (query.clone(), 401, id.clone()),
            (TOKEN_PATH.to_owned(), 200, None),
            (query.clone(), 200, id),
            (query, 200, None),
        ]
    );
}

// ---- Faults ----

#[tokio::test]
async fn request_limit_exceeded_is_typed_and_permanent() {
    let emu = start().await;
    let client = client(&emu);
    client.authenticate().await.unwrap();
    emu.faults.update(|f| f.request_limit_exceeded = true);
    let err = client
        .query::<Value>("SELECT Id FROM Account")
        .await
        .unwrap_err();
    assert!(err.is_request_limit_exceeded(), "{err:?}");
    assert!(!err.is_transient());
    assert_eq!(err.status(), Some(403));
    emu.faults.clear();
    client
        .query::<Value>("SELECT Id FROM Account")
        .await
        .unwrap();

    // The real allowance running out looks the same.
    let emu = start_with(EmulatorConfig {
        api_limit: 2,
        ..emulator_config()
    })
    .await;
    let client = self::client(&emu);
    client.limits().await.unwrap();
    client.limits().await.unwrap();
    let err = client.limits().await.unwrap_err();
    assert!(err.is_request_limit_exceeded(), "{err:?}");
    assert_eq!(client.api_usage(), Some(ApiUsage { used: 3, limit: 2 }));
}

#[tokio::test]
async fn unable_to_lock_row_on_a_write_is_transient() {
    let emu = start().await;
    let client = client(&emu);
    let (account, _) = big_account();
    let case = fixture_records("Case")
        .into_iter()
        .find(|c| c["AccountId"] == account.as_str())
        .unwrap();
    let case_id = id(text(&case, "Id"));
    emu.faults.update(|f| f.unable_to_lock_row_rate = 1.0);

    let err = client
        .update("Case", &case_id, &json!({"Subject": "locked"}))
        .await
        .unwrap_err();
    assert!(err.has_code(&ErrorCode::UnableToLockRow), "{err:?}");
    assert!(err.is_transient());
    assert!(!err.is_request_limit_exceeded());
    assert_eq!(err.status(), Some(400));
    let err = client
        .upsert("Case", EXTERNAL_ID, "locked-key", &json!({"Subject": "x"}))
        .await
        .unwrap_err();
    assert!(err.has_code(&ErrorCode::UnableToLockRow) && err.is_transient());

    // Reads are not affected, and nothing was written.
    let stored: Value = client
        .retrieve("Case", &case_id, &["Subject"])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored["Subject"], case["Subject"]);

    emu.faults.clear();
    client
        .update("Case", &case_id, &json!({"Subject": "unlocked"}))
        .await
        .unwrap();
}

#[tokio::test]
async fn server_unavailable_is_transient() {
    let emu = start().await;
    let client = client(&emu);
    client.authenticate().await.unwrap();
    emu.faults.update(|f| {
        f.error_rate = 1.0;
        f.path_prefix = Some("/services/data".into());
    });
    let err = client
        .query::<Value>("SELECT Id FROM Account")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.has_code(&ErrorCode::ServerUnavailable), "{err:?}");
    assert!(err.is_transient());

    // A 503 from the token endpoint is transient too, and not an AuthError.
    emu.faults.update(|f| f.path_prefix = None);
    let fresh = self::client(&emu);
    let err = fresh.authenticate().await.unwrap_err();
    assert!(!matches!(err, Error::Auth(_)), "{err:?}");
    assert_eq!(err.status(), Some(503));
    assert!(err.is_transient(), "{err:?}");

    emu.faults.clear();
    fresh.authenticate().await.unwrap();
    client
        .query::<Value>("SELECT Id FROM Account")
        .await
        .unwrap();
}

#[tokio::test]
async fn an_outage_is_a_transient_network_error() {
    let emu = start().await;
    let client =
        SalesforceClient::new(jwt_config(&emu).with_request_timeout(Duration::from_millis(500)))
            .unwrap();
    client.authenticate().await.unwrap();

    // Connections reset as soon as they are accepted: the TCP handshake succeeded, so this is a
    // transport failure rather than a connect failure.
    emu.faults.update(|f| f.outage = Some(Outage::Refuse));
    let err = client
        .query::<Value>("SELECT Id FROM Account")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_transient());
    // A token request during the outage fails the same way, and is not an AuthError.
    let fresh = self::client(&emu);
    let err = fresh.authenticate().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_transient());

    // Connections accepted and never answered.
    emu.faults.update(|f| f.outage = Some(Outage::Hang));
    let started = Instant::now();
    let err = client
        .query::<Value>("SELECT Id FROM Account")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(started.elapsed() < Duration::from_secs(3));

    // Back up: both clients work again.
    emu.faults.clear();
    client
        .query::<Value>("SELECT Id FROM Account")
        .await
        .unwrap();
    fresh
        .query::<Value>("SELECT Id FROM Account")
        .await
        .unwrap();

    // Nothing listening at all: a connect error.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let nobody = SalesforceClient::new(bounded(Config::new(
        format!("http://{closed}"),
        Credentials::ClientCredentials {
            consumer_key: "k".into(),
            consumer_secret: "s".into(),
        },
    )))
    .unwrap();
    let err = nobody.authenticate().await.unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn a_request_timeout_shorter_than_the_latency_is_a_timeout() {
    let emu = start().await;
    let client =
        SalesforceClient::new(jwt_config(&emu).with_request_timeout(Duration::from_millis(300)))
            .unwrap();
    client.authenticate().await.unwrap();
    emu.faults.update(|f| {
        f.latency_ms = 3_000;
        f.path_prefix = Some("/services/data".into());
    });
    let started = Instant::now();
    let err = client
        .query::<Value>("SELECT Id FROM Account")
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_millis(2_500),
        "{elapsed:?}"
    );

    // Latency within the timeout is fine.
    emu.faults.update(|f| f.latency_ms = 50);
    client
        .query::<Value>("SELECT Id FROM Account")
        .await
        .unwrap();
}
