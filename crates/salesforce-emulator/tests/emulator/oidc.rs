//! Sign-in through the authorize page: authorization code with PKCE, id_token, userinfo, refresh.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use salesforce_emulator::Emulator;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::*;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkxx";
const EMAIL: &str = "alice@acme.example";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn authorize_params(redirect: &str) -> Vec<(&'static str, String)> {
    vec![
        ("response_type", "code".into()),
        ("client_id", CLIENT_ID.into()),
        ("redirect_uri", redirect.into()),
        ("scope", "openid email profile refresh_token".into()),
        ("state", "st-123".into()),
        ("nonce", "n-456".into()),
        ("code_challenge", challenge(VERIFIER)),
        ("code_challenge_method", "S256".into()),
    ]
}

/// Signs in on the authorize page and returns the redirect's `Location`.
async fn sign_in(emu: &Emulator, email: &str, password: &str) -> reqwest::Response {
    let mut form = authorize_params(REDIRECT_URI);
    form.push(("username", email.into()));
    form.push(("pw", password.into()));
    http()
        .post(format!("{}/services/oauth2/authorize", emu.base_url))
        .form(&form)
        .send()
        .await
        .expect("request")
}

fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    let (_, q) = location.split_once('?').expect("query");
    serde_urlencoded::from_str::<Vec<(String, String)>>(q)
        .unwrap()
        .into_iter()
        .collect()
}

async fn code_for(emu: &Emulator) -> String {
    let res = sign_in(emu, EMAIL, PASSWORD).await;
    assert_eq!(res.status(), 302, "{:?}", res.text().await);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    let q = query_of(&location);
    assert_eq!(q["state"], "st-123");
    q["code"].clone()
}

async fn exchange(emu: &Emulator, code: &str, verifier: &str, redirect: &str) -> (u16, Value) {
    let res = http()
        .post(format!("{}/services/oauth2/token", emu.base_url))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn authorize_page_renders_a_sign_in_form() {
    let emu = start().await;
    let res = http()
        .get(format!("{}/services/oauth2/authorize", emu.base_url))
        .query(&authorize_params(REDIRECT_URI))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("<form method=\"post\""), "{html}");
    assert!(html.contains("name=\"username\"") && html.contains("name=\"pw\""));
    assert!(html.contains("value=\"st-123\""));
}

#[tokio::test]
async fn code_flow_with_pkce_gives_a_verifiable_id_token_userinfo_and_refresh() {
    let emu = start().await;
    let code = code_for(&emu).await;
    let (status, body) = exchange(&emu, &code, VERIFIER, REDIRECT_URI).await;
    assert_eq!(status, 200, "{body}");
    for key in [
        "access_token",
        "refresh_token",
        "id_token",
        "instance_url",
        "id",
        "issued_at",
        "signature",
    ] {
        assert!(body.get(key).is_some(), "missing {key}: {body}");
    }
    assert_eq!(body["token_type"], "Bearer");

    // Discovery -> JWKS -> verify the id_token like a relying party.
    let discovery: Value = http()
        .get(format!("{}/.well-known/openid-configuration", emu.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], emu.base_url.as_str());
    assert_eq!(
        discovery["authorization_endpoint"],
        format!("{}/services/oauth2/authorize", emu.base_url)
    );
    let jwks: JwkSet = http()
        .get(discovery["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id_token = body["id_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("kid in JWKS");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[CLIENT_ID]);
    validation.set_issuer(&[emu.base_url.as_str()]);
    let claims =
        jsonwebtoken::decode::<Value>(id_token, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
            .expect("id_token verifies")
            .claims;
    assert_eq!(claims["nonce"], "n-456");
    assert_eq!(claims["email"], EMAIL);
    assert!(claims["sub"].as_str().unwrap().contains("/id/"));
    assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());
    assert_eq!(
        claims["custom_attributes"]["ContactId"],
        "003Dn000O6V0xBhIIJ"
    );

    // A token from another audience does not verify.
    let mut wrong = Validation::new(Algorithm::RS256);
    wrong.set_audience(&["someone-else"]);
    assert!(
        jsonwebtoken::decode::<Value>(id_token, &DecodingKey::from_jwk(jwk).unwrap(), &wrong)
            .is_err()
    );

    let access = body["access_token"].as_str().unwrap();
    let info: Value = http()
        .get(format!("{}/services/oauth2/userinfo", emu.base_url))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["email"], EMAIL);
    assert_eq!(info["email_verified"], true);
    assert_eq!(info["name"], "Alice Anderson");
    assert_eq!(info["preferred_username"], EMAIL);
    assert_eq!(info["organization_id"], emu.org_id());
    assert_eq!(info["sub"], claims["sub"]);
    assert!(info["user_id"].as_str().unwrap().starts_with("005"));

    let res = http()
        .post(format!("{}/services/oauth2/token", emu.base_url))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let refreshed: Value = res.json().await.unwrap();
    assert_ne!(refreshed["access_token"], body["access_token"]);
    assert!(refreshed.get("refresh_token").is_none());

    let res = http()
        .post(format!("{}/services/oauth2/token", emu.base_url))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "bogus"),
            ("client_id", CLIENT_ID),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
}

#[tokio::test]
async fn userinfo_needs_a_valid_bearer() {
    let emu = start().await;
    let res = http()
        .get(format!("{}/services/oauth2/userinfo", emu.base_url))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn pkce_mismatch_is_refused() {
    let emu = start().await;
    let code = code_for(&emu).await;
    let (status, body) = exchange(
        &emu,
        &code,
        "another-verifier-that-is-long-enough-1234567",
        REDIRECT_URI,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(body["error_description"], "invalid code verifier");
}

#[tokio::test]
async fn a_code_works_once() {
    let emu = start().await;
    let code = code_for(&emu).await;
    assert_eq!(exchange(&emu, &code, VERIFIER, REDIRECT_URI).await.0, 200);
    let (status, body) = exchange(&emu, &code, VERIFIER, REDIRECT_URI).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_description"], "invalid authorization code");
}

#[tokio::test]
async fn code_is_bound_to_the_redirect_uri_and_client() {
    let emu = start().await;
    let code = code_for(&emu).await;
    let (status, body) = exchange(&emu, &code, VERIFIER, "http://127.0.0.1:9/elsewhere").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");

    let code = code_for(&emu).await;
    let res = http()
        .post(format!("{}/services/oauth2/token", emu.base_url))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", CLIENT_ID),
            ("client_secret", "wrong"),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
}

#[tokio::test]
async fn authorize_refuses_unknown_client_and_unregistered_redirect_with_a_page() {
    let emu = start().await;
    let mut params = authorize_params(REDIRECT_URI);
    params[1].1 = "unknown-client".into();
    let res = http()
        .get(format!("{}/services/oauth2/authorize", emu.base_url))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());
    assert!(res.text().await.unwrap().contains("invalid_client_id"));

    let res = http()
        .get(format!("{}/services/oauth2/authorize", emu.base_url))
        .query(&authorize_params("https://evil.example/cb"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());
    assert!(res.text().await.unwrap().contains("redirect_uri_mismatch"));
}

#[tokio::test]
async fn plain_pkce_is_refused_by_redirect() {
    let emu = start().await;
    let mut params = authorize_params(REDIRECT_URI);
    params[7].1 = "plain".into();
    let res = http()
        .get(format!("{}/services/oauth2/authorize", emu.base_url))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let q = query_of(res.headers()["location"].to_str().unwrap());
    assert_eq!(q["error"], "invalid_request");
    assert_eq!(q["state"], "st-123");
}

#[tokio::test]
async fn wrong_password_shows_the_form_again() {
    let emu = start().await;
    let res = sign_in(&emu, EMAIL, "wrong-password").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("location").is_none());
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Please check your username and password"),
        "{html}"
    );
    let res = sign_in(&emu, "nobody@example.com", PASSWORD).await;
    assert_eq!(res.status(), 200);
}

/// The id_token of a sign-in by `emu`'s authorize page and token endpoint.
async fn id_token_of(emu: &Emulator) -> String {
    let code = code_for(emu).await;
    let (status, body) = exchange(emu, &code, VERIFIER, REDIRECT_URI).await;
    assert_eq!(status, 200, "{body}");
    body["id_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn id_token_signature_faults_make_tokens_a_relying_party_must_refuse() {
    use salesforce_emulator::IdTokenSignature;
    let emu = start().await;
    let jwks: JwkSet = serde_json::from_value(emu.jwks()).unwrap();
    let published = jwks.keys[0].common.key_id.clone().unwrap();
    let key = DecodingKey::from_jwk(&jwks.keys[0]).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[CLIENT_ID]);
    let verify = |token: &str| jsonwebtoken::decode::<Value>(token, &key, &validation);

    let good = id_token_of(&emu).await;
    verify(&good).expect("the usual id_token verifies");

    emu.faults
        .update(|f| f.id_token_signature = Some(IdTokenSignature::UnknownKey));
    let token = id_token_of(&emu).await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), Some(published.as_str()));
    assert!(verify(&token).is_err(), "signed by a key the JWKS lacks");

    emu.faults
        .update(|f| f.id_token_signature = Some(IdTokenSignature::WrongKid));
    let token = id_token_of(&emu).await;
    let kid = jsonwebtoken::decode_header(&token).unwrap().kid.unwrap();
    assert!(jwks.find(&kid).is_none(), "{kid} is not published");
    verify(&token).expect("still the published key's signature");

    emu.faults
        .update(|f| f.id_token_signature = Some(IdTokenSignature::None));
    let token = id_token_of(&emu).await;
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[2], "", "no signature");
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "none");
    assert!(verify(&token).is_err());

    emu.faults
        .update(|f| f.id_token_signature = Some(IdTokenSignature::Hs256));
    let token = id_token_of(&emu).await;
    assert!(verify(&token).is_err());
    let mut hs = Validation::new(Algorithm::HS256);
    hs.set_audience(&[CLIENT_ID]);
    jsonwebtoken::decode::<Value>(
        &token,
        &DecodingKey::from_secret(CLIENT_SECRET.as_bytes()),
        &hs,
    )
    .expect("HS256 keyed with the client secret");
}

#[tokio::test]
async fn a_user_with_a_username_signs_in_with_it_and_it_is_the_preferred_username() {
    let mut users: Vec<Value> =
        serde_json::from_slice(&std::fs::read(mocks().join("local_accounts.json")).unwrap())
            .unwrap();
    let alice = users.iter_mut().find(|u| u["email"] == EMAIL).unwrap();
    alice["username"] = "alice.anderson@acme.portal".into();
    let path = std::env::temp_dir().join(format!("emulator-users-{}.json", rand::random::<u64>()));
    std::fs::write(&path, serde_json::to_vec(&users).unwrap()).unwrap();
    let emu = start_with(salesforce_emulator::EmulatorConfig {
        users_file: Some(path.clone()),
        ..config()
    })
    .await;
    std::fs::remove_file(&path).unwrap();
    let res = sign_in(&emu, "alice.anderson@acme.portal", PASSWORD).await;
    assert_eq!(res.status(), 302);
    let code = query_of(res.headers()["location"].to_str().unwrap())["code"].clone();
    let (_, body) = exchange(&emu, &code, VERIFIER, REDIRECT_URI).await;
    let info: Value = http()
        .get(format!("{}/services/oauth2/userinfo", emu.base_url))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["preferred_username"], "alice.anderson@acme.portal");
    assert_eq!(info["email"], EMAIL);
    // The email still signs in too.
    assert_eq!(sign_in(&emu, EMAIL, PASSWORD).await.status(), 302);
}
