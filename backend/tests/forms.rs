//! Dynamic case forms (issue 15, decision 029): the forms of Custom Metadata served as JSON
//! Schema 2020-12 with UI hints, a case opened with one (validated on the server, written to
//! the mapped Case fields, idempotent), and the start-up check that refuses a form naming a
//! Case field the portal cannot write. On the mock store, or on the Salesforce adapter through
//! the emulator (`PORTAL_TEST_BACKEND=salesforce`), with the shared state in Redis when
//! `PORTAL_TEST_REDIS` is set: same tests, same assertions. The tests at the end always run on
//! the Salesforce adapter.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::{ACME, TestApp, User, error_fields, mocks_dir, new_case, problem};
use serde_json::{Value, json};

fn web_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web/src/features/cases/forms/fixtures")
}

fn corpus() -> Value {
    serde_json::from_slice(&std::fs::read(web_fixtures().join("corpus.json")).expect("corpus"))
        .expect("corpus JSON")
}

async fn open_case(user: &User, body: &Value, key: Option<&str>) -> reqwest::Response {
    user.create_case(body, key).await
}

fn with_form(subject: &str, form: &str, fields: Value) -> Value {
    let mut body = new_case(subject);
    body["form"] = json!(form);
    body["fields"] = fields;
    body
}

/// Room for every create the corpus makes.
fn roomy(config: &mut portal::Config) {
    config.cases.rate_limit.per_hour = 1_000;
    config.cases.rate_limit.burst = 1_000;
}

/// The Case the portal wrote, as Salesforce (the emulator) or the mock store's journal holds
/// it: its custom fields.
fn written_case(app: &TestApp, id: &str) -> Value {
    if let Some(emulator) = &app.emulator {
        return emulator
            .records
            .get("Case", id)
            .expect("the case in the org");
    }
    let journal =
        std::fs::read_to_string(app.data_dir.path().join("cases.jsonl")).expect("journal");
    let case = journal
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("journal line"))
        .find(|e| e["case"]["Id"] == id)
        .expect("the case in the journal");
    let mut fields = case["case"]["Portal_Form_Values"].clone();
    if fields.is_null() {
        fields = json!({});
    }
    fields
}

#[tokio::test]
async fn the_forms_are_listed_in_order_and_served_as_json_schema_2020_12() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let list = alice
        .get_json(&format!("/customer/{}/forms", alice.customer))
        .await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Hardware_Fault", "Billing_Question", "Access_Request"]
    );
    assert_eq!(list["items"][0]["label"], "Hardware fault");
    assert_eq!(list["items"][0]["case_type"], "Problem");

    let mut served = serde_json::Map::new();
    for name in names {
        let form = alice
            .get_json(&format!("/customer/{}/forms/{name}", alice.customer))
            .await;
        let schema = &form["schema"];
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        // A valid 2020-12 document: the metaschema accepts it, and it compiles.
        assert!(
            jsonschema::meta::is_valid(schema),
            "{name}: not a valid schema"
        );
        jsonschema::draft202012::new(schema).expect("the schema compiles");
        assert_eq!(schema["additionalProperties"], false);
        let order: Vec<&str> = form["ui"]["order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        let properties: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
        assert_eq!(order.len(), properties.len(), "{name}");
        served.insert(name.to_owned(), form);
    }
    let hardware = &served["Hardware_Fault"];
    assert_eq!(
        hardware["schema"]["required"],
        json!(["Serial_Number", "Incident_Date"])
    );
    assert_eq!(
        hardware["schema"]["properties"]["Serial_Number"]["pattern"],
        "^[A-Z0-9-]{4,40}$"
    );
    assert_eq!(
        hardware["schema"]["properties"]["Incident_Date"]["format"],
        "date"
    );
    assert_eq!(
        hardware["schema"]["properties"]["Affected_Users"]["minimum"],
        1.0
    );
    assert_eq!(hardware["ui"]["fields"]["Symptoms"]["widget"], "textarea");
    let billing = &served["Billing_Question"];
    assert_eq!(
        billing["schema"]["properties"]["Category"]["enum"],
        json!(["charge", "refund", "payment"])
    );
    assert_eq!(
        billing["ui"]["fields"]["Category"]["options"][1],
        json!({"value": "refund", "label": "A refund"})
    );
    // The conditional field: required only while "call me back" is ticked.
    let access = &served["Access_Request"];
    assert_eq!(
        access["ui"]["fields"]["Callback_Phone"]["visible_when"],
        json!({"field": "Callback_Requested", "equals": true})
    );
    assert_eq!(access["schema"]["required"], json!(["System_Name"]));
    assert_eq!(
        access["schema"]["allOf"][0]["then"]["required"],
        json!(["Callback_Phone"])
    );

    // The web app's copy of the forms (its tests validate the shared corpus against these
    // schemas) is what the server serves.
    let copy = web_fixtures().join("forms.json");
    let served = Value::Object(served);
    if std::env::var("UPDATE_FORMS_FIXTURES").is_ok() {
        let mut text = serde_json::to_string_pretty(&served).unwrap();
        text.push('\n');
        std::fs::write(&copy, text).unwrap();
    }
    let kept: Value =
        serde_json::from_slice(&std::fs::read(&copy).expect("forms.json")).expect("JSON");
    assert_eq!(
        kept, served,
        "web/src/features/cases/forms/fixtures/forms.json is stale: run with UPDATE_FORMS_FIXTURES=1"
    );

    // Unknown, and malformed, form names are "not found".
    for name in ["No_Such_Form", "1bad", "a%20b"] {
        let body = problem(
            alice
                .get(&format!("/customer/{}/forms/{name}", alice.customer))
                .await,
            404,
        )
        .await;
        assert_eq!(body["type"], "/problems/not-found", "{name}");
    }
}

/// The shared corpus: each case refused on exactly the fields (and for the reasons) it names,
/// by the server's answer and by the rules the answer comes from; the valid ones open a case.
#[tokio::test]
async fn the_shared_corpus_is_refused_and_accepted_as_it_says() {
    let app = TestApp::spawn_with(roomy).await;
    let alice = app.login("alice@acme.example").await;
    let records = forms_from_fixtures();
    for case in corpus()["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let form = case["form"].as_str().unwrap();
        let fields = case["fields"].as_object().unwrap();
        let expected: BTreeMap<String, String> =
            serde_json::from_value(case["refusals"].clone()).unwrap();

        // The rules: the keyword of each refusal.
        let def = records.iter().find(|f| f.name == form).unwrap();
        let validator = def.validator().unwrap();
        let found: BTreeMap<String, String> = def
            .refusals(&validator, fields)
            .into_iter()
            .map(|(field, refusal)| {
                (
                    field,
                    serde_json::to_value(refusal)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            })
            .collect();
        assert_eq!(found, expected, "{name}");

        // The server: one error per refused field, or the case.
        let response = open_case(
            &alice,
            &with_form(name, form, Value::Object(fields.clone())),
            None,
        )
        .await;
        if expected.is_empty() {
            assert_eq!(response.status(), 201, "{name}");
        } else {
            let body = problem(response, 422).await;
            let mut named: Vec<&str> = error_fields(&body);
            named.sort_unstable();
            let mut want: Vec<String> = expected.keys().map(|f| format!("fields.{f}")).collect();
            want.sort();
            assert_eq!(named, want, "{name}: {body:#}");
            for error in body["errors"].as_array().unwrap() {
                assert!(
                    !error["message"].as_str().unwrap().is_empty(),
                    "{name}: a message for the customer"
                );
            }
        }
    }
}

fn forms_from_fixtures() -> Vec<portal::domain::forms::FormDef> {
    let read = |object: &str| -> Value {
        serde_json::from_slice(
            &std::fs::read(
                mocks_dir()
                    .join("salesforce")
                    .join(format!("{object}.json")),
            )
            .unwrap(),
        )
        .unwrap()
    };
    let forms: Vec<portal::domain::forms::FormRecord> =
        serde_json::from_value(read("Portal_Form__mdt")).unwrap();
    let fields: Vec<portal::domain::forms::FormFieldRecord> =
        serde_json::from_value(read("Portal_Form_Field__mdt")).unwrap();
    portal::domain::forms::forms_from_records(&forms, &fields).unwrap()
}

#[tokio::test]
async fn a_case_opened_with_a_form_writes_the_mapped_case_fields() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let response = open_case(
        &alice,
        &with_form(
            "Gateway blinks red",
            "Hardware_Fault",
            json!({"Serial_Number": "GW100-4411", "Incident_Date": "2026-12-01", "Affected_Users": 12}),
        ),
        Some("form-case-1"),
    )
    .await;
    assert_eq!(response.status(), 201);
    let case: Value = response.json().await.unwrap();
    let id = case["id"].as_str().unwrap();
    assert_eq!(case["subject"], "Gateway blinks red");
    let written = written_case(&app, id);
    assert_eq!(written["Serial_Number__c"], "GW100-4411");
    assert_eq!(written["Incident_Date__c"], "2026-12-01");
    assert_eq!(written["Affected_Users__c"].as_f64(), Some(12.0));
    assert_eq!(written["Type"], "Problem");
    if app.emulator.is_some() {
        assert_eq!(written["AccountId"], ACME);
        assert_eq!(written["Symptoms__c"], Value::Null, "not sent, not written");
    }

    // A hidden conditional field is neither checked nor written.
    let response = open_case(
        &alice,
        &with_form(
            "VPN access for our new colleague",
            "Access_Request",
            json!({"System_Name": "vpn", "Callback_Requested": false, "Callback_Phone": "x"}),
        ),
        None,
    )
    .await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let written = written_case(&app, &id);
    assert_eq!(written["System_Name__c"], "vpn");
    assert_eq!(written["Callback_Requested__c"], false);
    assert_eq!(written["Callback_Phone__c"], Value::Null);
    assert_eq!(written["Type"], "Feature Request");
}

#[tokio::test]
async fn a_form_case_is_idempotent_on_its_key_and_its_fields() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let body = with_form(
        "A charge I do not recognise",
        "Billing_Question",
        json!({"Invoice_Number": "INV-20240017", "Category": "charge"}),
    );
    let first = open_case(&alice, &body, Some("billing-1")).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    // The same key and body, the fields in another order: the same case, replayed.
    let same = with_form(
        "A charge I do not recognise",
        "Billing_Question",
        json!({"Category": "charge", "Invoice_Number": "INV-20240017"}),
    );
    let again = open_case(&alice, &same, Some("billing-1")).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    // The same key with other values: refused, as any other body.
    let other = with_form(
        "A charge I do not recognise",
        "Billing_Question",
        json!({"Invoice_Number": "INV-20240017", "Category": "refund"}),
    );
    let body = problem(open_case(&alice, &other, Some("billing-1")).await, 422).await;
    assert_eq!(body["type"], "/problems/idempotency-key-reused");
    // Without the form, the same key is another body too.
    let plain = new_case("A charge I do not recognise");
    let response = open_case(&alice, &plain, Some("billing-1")).await;
    problem(response, 422).await;
    let cases = alice.all_cases("").await;
    assert_eq!(
        cases.iter().filter(|c| c["id"] == first["id"]).count(),
        1,
        "one case"
    );
}

#[tokio::test]
async fn bad_form_requests_are_problems_naming_the_field() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let cases: [(Value, &str); 5] = [
        (
            {
                let mut b = new_case("fields alone");
                b["fields"] = json!({"Serial_Number": "GW100-4411"});
                b
            },
            "fields",
        ),
        (with_form("unknown", "No_Such_Form", json!({})), "form"),
        (with_form("malformed", "../etc", json!({})), "form"),
        (
            {
                let mut b = with_form("not an object", "Hardware_Fault", json!([]));
                b["fields"] = json!(["Serial_Number"]);
                b
            },
            "fields",
        ),
        (
            {
                let mut b = new_case("form as a number");
                b["form"] = json!(7);
                b
            },
            "form",
        ),
    ];
    let before = alice.all_cases("").await.len();
    for (body, field) in cases {
        let problem = problem(open_case(&alice, &body, None).await, 422).await;
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    assert_eq!(alice.all_cases("").await.len(), before, "nothing created");
    // A form without fields: its required fields are missing.
    let mut body = new_case("no fields");
    body["form"] = json!("Billing_Question");
    let problem = problem(open_case(&alice, &body, None).await, 422).await;
    assert_eq!(
        error_fields(&problem),
        ["fields.Invoice_Number", "fields.Category"]
    );
}

/// A copy of the demo fixtures whose forms are changed by `change` (the metadata field rows).
fn fixtures_with(dir: &std::path::Path, change: impl FnOnce(&mut Vec<Value>)) -> PathBuf {
    let target = dir.join("fixtures");
    std::fs::create_dir_all(target.join("describe")).unwrap();
    for entry in std::fs::read_dir(mocks_dir().join("salesforce")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), target.join(entry.file_name())).unwrap();
        }
    }
    std::fs::copy(
        mocks_dir().join("salesforce/describe/Case.json"),
        target.join("describe/Case.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(mocks_dir().join("salesforce/files"), target.join("files")).unwrap();
    let path = target.join("Portal_Form_Field__mdt.json");
    let mut fields: Vec<Value> = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    change(&mut fields);
    std::fs::write(&path, serde_json::to_vec(&fields).unwrap()).unwrap();
    target
}

fn set_api_field(fields: &mut [Value], field: &str, api: &str) {
    let row = fields
        .iter_mut()
        .find(|f| f["Field_Name__c"] == field)
        .unwrap();
    row["Api_Field__c"] = json!(api);
}

/// `portal check-config` (the process, in mock mode against the describe snapshot): a form
/// naming a Case field that is not createable, unknown, or of a type that cannot hold its
/// values makes it fail naming the form and the field; `--offline` checks the file alone;
/// `serve` refuses to start likewise.
#[test]
fn check_config_refuses_a_form_naming_a_field_the_portal_cannot_write() {
    let data = tempfile::tempdir().unwrap();
    let ok = common::portal_command(data.path())
        .arg("check-config")
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    for (field, api, reason) in [
        (
            "Serial_Number",
            "CaseNumber",
            "form Hardware_Fault, field Serial_Number: Case.CaseNumber is not createable",
        ),
        (
            "Invoice_Number",
            "Invoice_No__c",
            "form Billing_Question, field Invoice_Number: Case has no field Invoice_No__c",
        ),
        (
            "Callback_Requested",
            "Subject",
            "form Access_Request, field Callback_Requested: Case.Subject is a string field, which cannot hold a checkbox value",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let fixtures = fixtures_with(dir.path(), |rows| set_api_field(rows, field, api));
        let output = common::portal_command(data.path())
            .env("PORTAL_MOCK__FIXTURES_DIR", &fixtures)
            .arg("check-config")
            .output()
            .unwrap();
        assert!(!output.status.success(), "{field}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(reason), "{reason:?} in {stderr}");

        let offline = common::portal_command(data.path())
            .env("PORTAL_MOCK__FIXTURES_DIR", &fixtures)
            .args(["check-config", "--offline"])
            .output()
            .unwrap();
        assert!(offline.status.success(), "--offline reads no forms");

        let served = common::portal_command(data.path())
            .env("PORTAL_MOCK__FIXTURES_DIR", &fixtures)
            .output()
            .unwrap();
        assert!(!served.status.success(), "serve refuses to start");
        let stderr = String::from_utf8_lossy(&served.stderr);
        assert!(stderr.contains(reason), "serve: {reason:?} in {stderr}");
    }
}

// ---------------------------------------------------------------------------------------------
// Always on the Salesforce adapter, through the emulator.
// ---------------------------------------------------------------------------------------------

/// The org's field-level security (the emulator's `read_only_fields`): a form writing a field
/// the integration user may not write stops `serve` and `check-config` (the same check).
#[tokio::test]
async fn a_field_hidden_by_field_level_security_stops_the_start() {
    let (private, public) = common::jwt_keys();
    let emulator = common::spawn_emulator_with(
        mocks_dir().join("local_accounts.json"),
        public,
        Vec::new(),
        |org| org.read_only_fields = vec!["Case.Callback_Phone__c".into()],
    )
    .await;
    let data = tempfile::tempdir().unwrap();
    let key_file = data.path().join("jwt-key.pem");
    std::fs::write(&key_file, private).unwrap();
    let mut config = common::test_config(data.path());
    config.backend = portal::config::Backend::Salesforce;
    config.salesforce = Some(portal::config::SalesforceConfig {
        login_url: emulator.base_url.clone(),
        consumer_key: salesforce_emulator::EmulatorConfig::default().consumer_key,
        username: Some(salesforce_emulator::EmulatorConfig::default().integration_username),
        private_key_file: Some(key_file),
        ..portal::config::SalesforceConfig::default()
    });
    let err = portal::app::check_forms(&config).await.unwrap_err();
    let message = format!("{err:#}");
    assert!(
        message.contains(
            "form Access_Request, field Callback_Phone: Case.Callback_Phone__c is not createable by the integration user"
        ),
        "{message}"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = portal::run(config.clone(), listener).await.unwrap_err();
    assert!(
        format!("{err:#}").contains("Case.Callback_Phone__c is not createable"),
        "{err:#}"
    );

    // Without the restriction, the same org passes.
    emulator.shutdown().await;
    let emulator = common::spawn_emulator_with(
        mocks_dir().join("local_accounts.json"),
        public,
        Vec::new(),
        |_| {},
    )
    .await;
    if let Some(sf) = config.salesforce.as_mut() {
        sf.login_url = emulator.base_url.clone();
    }
    assert_eq!(portal::app::check_forms(&config).await.unwrap(), 3);
}

/// The emulator's describe of Case agrees with the snapshot the mock mode checks against.
#[tokio::test]
async fn the_describe_snapshot_is_what_the_emulator_describes() {
    let app = TestApp::spawn_salesforce_with(|_| {}).await;
    let emulator = app.emulator.as_ref().unwrap();
    let token = emulator_token(emulator).await;
    let describe: Value = reqwest::Client::new()
        .get(format!(
            "{}/services/data/v62.0/sobjects/Case/describe",
            emulator.base_url
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let snapshot: Value = serde_json::from_slice(
        &std::fs::read(mocks_dir().join("salesforce/describe/Case.json")).unwrap(),
    )
    .unwrap();
    for field in snapshot["fields"].as_array().unwrap() {
        let name = field["name"].as_str().unwrap();
        let described = describe["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("{name} is not described"));
        for key in ["type", "length", "createable", "updateable"] {
            assert_eq!(described[key], field[key], "{name}.{key}");
        }
    }
}

/// An access token of the emulator's integration user (client credentials).
async fn emulator_token(emulator: &salesforce_emulator::Emulator) -> String {
    let defaults = salesforce_emulator::EmulatorConfig::default();
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/services/oauth2/token", emulator.base_url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", defaults.consumer_key.as_str()),
            ("client_secret", defaults.consumer_secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("a token: {answer}"))
        .to_owned()
}
