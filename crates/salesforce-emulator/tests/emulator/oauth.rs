//! Server-to-server flows: JWT bearer and client credentials.

use base64::Engine;
use hmac::{Hmac, Mac};
use salesforce_emulator::EmulatorConfig;
use serde_json::Value;
use sha2::Sha256;

use crate::common::*;

async fn token_request(emu: &salesforce_emulator::Emulator, form: &[(&str, &str)]) -> (u16, Value) {
    let res = http()
        .post(format!("{}/services/oauth2/token", emu.base_url))
        .form(form)
        .send()
        .await
        .expect("request");
    (res.status().as_u16(), res.json().await.expect("json"))
}

async fn jwt(emu: &salesforce_emulator::Emulator, assertion: &str) -> (u16, Value) {
    token_request(
        emu,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion),
        ],
    )
    .await
}

fn assert_oauth_error(got: (u16, Value), error: &str, description: &str) {
    assert_eq!(got.0, 400, "{:?}", got.1);
    assert_eq!(got.1["error"], error, "{:?}", got.1);
    assert_eq!(got.1["error_description"], description, "{:?}", got.1);
}

#[tokio::test]
async fn jwt_bearer_issues_a_token_that_works_on_rest() {
    let emu = start().await;
    let (status, body) = jwt(&emu, &assertion(&emu, app_key(), |_| {})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["instance_url"], emu.base_url.as_str());
    let id = body["id"].as_str().unwrap();
    assert!(
        id.starts_with(&format!("{}/id/{}/005", emu.base_url, emu.org_id())),
        "{id}"
    );
    let issued_at = body["issued_at"].as_str().unwrap();
    assert!(
        issued_at.parse::<i64>().unwrap() > 1_700_000_000_000,
        "milliseconds"
    );
    // signature = Base64(HMAC-SHA256(consumer secret, id + issued_at)), as Salesforce documents.
    let mut mac = Hmac::<Sha256>::new_from_slice(CONSUMER_SECRET.as_bytes()).unwrap();
    mac.update(format!("{id}{issued_at}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(body["signature"], expected.as_str());
    assert!(body.get("refresh_token").is_none());

    let token = body["access_token"].as_str().unwrap();
    let res = get(&emu, token, "/limits").await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn jwt_bearer_accepts_a_public_key_instead_of_a_certificate() {
    let emu = start_with(EmulatorConfig {
        jwt_verification_pem: Some(app_key().public_pem.clone()),
        ..config()
    })
    .await;
    let (status, body) = jwt(&emu, &assertion(&emu, app_key(), |_| {})).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn jwt_bearer_refusals() {
    let emu = start().await;
    let now = chrono::Utc::now().timestamp();
    assert_oauth_error(
        jwt(&emu, &assertion(&emu, other_key(), |_| {})).await,
        "invalid_grant",
        "invalid assertion",
    );
    assert_oauth_error(
        jwt(
            &emu,
            &assertion(&emu, app_key(), |c| {
                c["aud"] = "https://login.salesforce.com".into()
            }),
        )
        .await,
        "invalid_grant",
        "audience is invalid",
    );
    assert_oauth_error(
        jwt(
            &emu,
            &assertion(&emu, app_key(), |c| c["exp"] = (now - 60).into()),
        )
        .await,
        "invalid_grant",
        "expired authorization code",
    );
    assert_oauth_error(
        jwt(
            &emu,
            &assertion(&emu, app_key(), |c| c["exp"] = (now + 3600).into()),
        )
        .await,
        "invalid_grant",
        "invalid assertion",
    );
    assert_oauth_error(
        jwt(
            &emu,
            &assertion(&emu, app_key(), |c| c["iss"] = "someone-else".into()),
        )
        .await,
        "invalid_client_id",
        "client identifier invalid",
    );
    assert_oauth_error(
        jwt(
            &emu,
            &assertion(&emu, app_key(), |c| c["sub"] = "nobody@example.com".into()),
        )
        .await,
        "invalid_grant",
        "user hasn't approved this consumer",
    );
    assert_oauth_error(
        jwt(&emu, "not-a-jwt").await,
        "invalid_grant",
        "invalid assertion",
    );
}

#[tokio::test]
async fn jwt_bearer_accepts_configured_extra_audience() {
    let emu = start_with(EmulatorConfig {
        jwt_audiences: vec!["https://login.salesforce.com".into()],
        ..config()
    })
    .await;
    let (status, _) = jwt(
        &emu,
        &assertion(&emu, app_key(), |c| {
            c["aud"] = "https://login.salesforce.com".into()
        }),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn client_credentials_by_form_and_by_basic_auth() {
    let emu = start().await;
    let (status, body) = token_request(
        &emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CONSUMER_KEY),
            ("client_secret", CONSUMER_SECRET),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");

    let res = http()
        .post(format!("{}/services/oauth2/token", emu.base_url))
        .basic_auth(CONSUMER_KEY, Some(CONSUMER_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn client_credentials_refusals() {
    let emu = start().await;
    assert_oauth_error(
        token_request(
            &emu,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CONSUMER_KEY),
                ("client_secret", "wrong"),
            ],
        )
        .await,
        "invalid_client",
        "invalid client credentials",
    );
    assert_oauth_error(
        token_request(
            &emu,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "unknown"),
                ("client_secret", CONSUMER_SECRET),
            ],
        )
        .await,
        "invalid_client_id",
        "client identifier invalid",
    );
    assert_oauth_error(
        token_request(&emu, &[("grant_type", "password")]).await,
        "unsupported_grant_type",
        "grant type not supported",
    );
    assert_oauth_error(
        token_request(&emu, &[]).await,
        "unsupported_grant_type",
        "grant type not supported",
    );
}

#[tokio::test]
async fn rest_refuses_missing_unknown_and_revoked_tokens() {
    let emu = start().await;
    let expected = serde_json::json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]);
    let res = http()
        .get(format!("{}/services/data/{V}/limits", emu.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap(), expected);

    let res = get(&emu, "00Dbogus!AQ123", "/limits").await;
    assert_eq!(res.status(), 401);

    let token = token(&emu).await;
    let res = http()
        .post(format!("{}/services/oauth2/revoke", emu.base_url))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = get(&emu, &token, "/limits").await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap(), expected);
}

#[tokio::test]
async fn tokens_expire_after_the_session_ttl() {
    let emu = start_with(EmulatorConfig {
        session_ttl: std::time::Duration::from_millis(300),
        ..config()
    })
    .await;
    let token = token(&emu).await;
    assert_eq!(get(&emu, &token, "/limits").await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let (status, code, _) = error_code(get(&emu, &token, "/limits").await).await;
    assert_eq!((status, code.as_str()), (401, "INVALID_SESSION_ID"));
}
