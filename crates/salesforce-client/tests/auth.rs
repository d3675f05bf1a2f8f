//! OAuth 2.0 server-to-server flows, token caching and renewal.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::Method;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use salesforce_client::{
    AuthFlow, AuthProblem, Config, Credentials, Error, ErrorCode, SalesforceClient,
};
use serde::Deserialize;
use support::*;

#[derive(Debug, Deserialize)]
struct Account {
    #[serde(rename = "Name")]
    name: String,
}

fn script_query(org: &Org) {
    org.instance.on_json(
        Method::GET,
        &Org::data("/query"),
        200,
        &fixture("query_page2.json"),
    );
}

#[derive(Debug, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: String,
    exp: u64,
}

#[tokio::test]
async fn jwt_bearer_sends_a_signed_assertion_and_uses_the_instance_url() {
    let org = Org::start().await;
    script_query(&org);
    let client = org.client();

    let page = client
        .query::<Account>("SELECT Name FROM Account")
        .await
        .unwrap();
    assert_eq!(page.records[0].name, "Test 3");

    let token_requests = org.login.requests_to(TOKEN_PATH);
    assert_eq!(token_requests.len(), 1);
    let request = &token_requests[0];
    assert_eq!(request.method, Method::POST);
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let form = request.form();
    assert_eq!(
        form["grant_type"],
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    assert_eq!(form.len(), 2, "only grant_type and assertion: {form:?}");

    // The assertion verifies with the public key, and carries the claims Salesforce requires.
    let assertion = &form["assertion"];
    let header = jsonwebtoken::decode_header(assertion).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[org.login.url.as_str()]);
    validation.set_issuer(&[CONSUMER_KEY]);
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    let key = DecodingKey::from_rsa_pem(test_keys().1.as_bytes()).unwrap();
    let claims = jsonwebtoken::decode::<Claims>(assertion, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims.iss, CONSUMER_KEY);
    assert_eq!(claims.sub, USERNAME);
    assert_eq!(claims.aud, org.login.url);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        claims.exp > now && claims.exp <= now + 180,
        "exp within 3 minutes"
    );

    // A different key's signature does not verify: the check above is real.
    let other = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
    let other_pem = rsa::pkcs8::EncodePublicKey::to_public_key_pem(
        &other.to_public_key(),
        rsa::pkcs8::LineEnding::LF,
    )
    .unwrap();
    let wrong = DecodingKey::from_rsa_pem(other_pem.as_bytes()).unwrap();
    assert!(jsonwebtoken::decode::<Claims>(assertion, &wrong, &validation).is_err());

    // The REST call went to the instance_url from the token response, with the token.
    assert!(org.login.requests_to(&Org::data("/query")).is_empty());
    let query = &org.instance.requests_to(&Org::data("/query"))[0];
    assert_eq!(query.bearer(), Some(token(1).as_str()));
    assert_eq!(query.header("sforce-call-options"), Some("client=portal"));
}

#[tokio::test]
async fn login_url_trailing_slash_is_not_part_of_the_audience() {
    let org = Org::start().await;
    script_query(&org);
    let mut config = org.jwt_config();
    config.login_url = format!("{}/", org.login.url);
    let client = SalesforceClient::new(config).unwrap();
    client.authenticate().await.unwrap();
    let form = org.login.requests_to(TOKEN_PATH)[0].form();
    let payload = form["assertion"].split('.').nth(1).unwrap().to_owned();
    let claims: serde_json::Value = serde_json::from_slice(&base64_url_decode(&payload)).unwrap();
    assert_eq!(claims["aud"], org.login.url);
}

fn base64_url_decode(s: &str) -> Vec<u8> {
    // Enough base64url for a test: no padding, URL-safe alphabet.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).unwrap() as u32;
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    out
}

#[tokio::test]
async fn client_credentials_posts_the_key_and_secret() {
    let org = Org::start().await;
    script_query(&org);
    let client = SalesforceClient::new(Config::new(
        org.login.url.clone(),
        Credentials::ClientCredentials {
            consumer_key: CONSUMER_KEY.into(),
            consumer_secret: CONSUMER_SECRET.into(),
        },
    ))
    .unwrap();
    client
        .query::<Account>("SELECT Name FROM Account")
        .await
        .unwrap();
    let form = org.login.requests_to(TOKEN_PATH)[0].form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], CONSUMER_KEY);
    assert_eq!(form["client_secret"], CONSUMER_SECRET);
    // No client name configured: no Sforce-Call-Options header.
    let query = &org.instance.requests_to(&Org::data("/query"))[0];
    assert_eq!(query.header("sforce-call-options"), None);
}

#[tokio::test]
async fn oauth_errors_become_configuration_errors_that_say_what_to_fix() {
    let org = Org::start().await;
    org.login.on_json(
        Method::POST,
        TOKEN_PATH,
        400,
        &fixture("oauth_error_not_approved.json"),
    );
    let error = org
        .client()
        .query::<Account>("SELECT Name FROM Account")
        .await
        .unwrap_err();
    let Error::Auth(auth) = &error else {
        panic!("expected an auth error, got {error:?}");
    };
    assert_eq!(auth.flow, AuthFlow::JwtBearer);
    assert_eq!(auth.error, "invalid_grant");
    assert_eq!(auth.problem, AuthProblem::ConsumerNotApproved);
    let message = error.to_string();
    assert!(
        message.contains("user hasn't approved this consumer"),
        "{message}"
    );
    assert!(
        message.contains("Admin approved users are pre-authorized"),
        "{message}"
    );
    assert!(!error.is_transient());
    assert!(org.instance.requests().is_empty());
}

#[tokio::test]
async fn a_token_endpoint_outage_is_transient_not_a_config_error() {
    let org = Org::start().await;
    org.login.on(Method::POST, TOKEN_PATH, |_| async {
        axum::response::Response::builder()
            .status(503)
            .body(axum::body::Body::from("<html>Service Unavailable</html>"))
            .unwrap()
    });
    let error = org.client().authenticate().await.unwrap_err();
    assert!(
        matches!(error, Error::UnexpectedStatus { status: 503, .. }),
        "{error:?}"
    );
    assert!(error.is_transient());
}

#[tokio::test]
async fn bad_configuration_fails_at_construction() {
    let bad_key = Config::new(
        "https://login.salesforce.com",
        Credentials::JwtBearer {
            consumer_key: CONSUMER_KEY.into(),
            username: USERNAME.into(),
            private_key_pem: "not a key".into(),
        },
    );
    assert!(matches!(
        SalesforceClient::new(bad_key),
        Err(Error::Config(_))
    ));
    let org_config = |url: &str| {
        Config::new(
            url,
            Credentials::ClientCredentials {
                consumer_key: "k".into(),
                consumer_secret: "s".into(),
            },
        )
    };
    assert!(SalesforceClient::new(org_config("login.salesforce.com")).is_err());
    assert!(SalesforceClient::new(org_config("ftp://login.salesforce.com")).is_err());
    assert!(
        SalesforceClient::new(org_config("https://login.salesforce.com").with_api_version("v62"))
            .is_err()
    );
    assert!(
        SalesforceClient::new(org_config("https://login.salesforce.com").with_client_name("a;b=c"))
            .is_err()
    );
    assert!(
        SalesforceClient::new(org_config("https://x.my.salesforce.com").with_api_version("v61.0"))
            .is_ok()
    );
}

#[tokio::test]
async fn the_token_is_cached_and_shared_by_clones() {
    let org = Org::start().await;
    script_query(&org);
    let client = org.client();
    let clone = client.clone();
    client
        .query::<Account>("SELECT Name FROM Account")
        .await
        .unwrap();
    clone
        .query::<Account>("SELECT Name FROM Account")
        .await
        .unwrap();
    assert_eq!(org.tokens_issued(), 1);
    for request in org.instance.requests() {
        assert_eq!(request.bearer(), Some(token(1).as_str()));
    }
}

/// The instance refuses every token up to `expired` with 401 INVALID_SESSION_ID.
fn script_expiring_query(org: &Org, expired_up_to: Arc<AtomicUsize>) {
    let page = fixture("query_page2.json");
    org.instance
        .on(Method::GET, &Org::data("/query"), move |request| {
            let page = page.clone();
            let limit = expired_up_to.load(Ordering::SeqCst);
            async move {
                let n: usize = request
                    .bearer()
                    .and_then(|t| t.rsplit('-').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                if n <= limit {
                    json(401, &fixture("error_invalid_session.json"))
                } else {
                    json(200, &page)
                }
            }
        });
}

#[tokio::test]
async fn invalid_session_renews_the_token_once_and_retries() {
    let org = Org::start().await;
    let expired = Arc::new(AtomicUsize::new(0));
    script_expiring_query(&org, expired.clone());
    let client = org.client();
    client
        .query::<Account>("SELECT Name FROM Account")
        .await
        .unwrap();

    expired.store(1, Ordering::SeqCst);
    let page = client
        .query::<Account>("SELECT Name FROM Account")
        .await
        .unwrap();
    assert_eq!(page.records.len(), 1);
    assert_eq!(org.tokens_issued(), 2);
    let bearers: Vec<_> = org
        .instance
        .requests()
        .iter()
        .map(|r| r.bearer().unwrap().to_owned())
        .collect();
    assert_eq!(bearers, [token(1), token(1), token(2)]);
}

#[tokio::test]
async fn a_session_refused_after_renewal_is_an_error_not_a_loop() {
    let org = Org::start().await;
    let expired = Arc::new(AtomicUsize::new(usize::MAX));
    script_expiring_query(&org, expired);
    let error = org
        .client()
        .query::<Account>("SELECT Name FROM Account")
        .await
        .unwrap_err();
    assert!(error.has_code(&ErrorCode::InvalidSessionId), "{error:?}");
    assert_eq!(error.status(), Some(401));
    assert_eq!(org.tokens_issued(), 2, "renewed exactly once");
    assert_eq!(org.instance.requests().len(), 2, "retried exactly once");
}

#[tokio::test]
async fn other_401s_do_not_renew_the_token() {
    let org = Org::start().await;
    org.instance.on_json(
        Method::GET,
        &Org::data("/query"),
        401,
        r#"[{"message":"This session is not valid for use with the REST API","errorCode":"INVALID_AUTH_HEADER"}]"#,
    );
    let error = org
        .client()
        .query::<Account>("SELECT Name FROM Account")
        .await
        .unwrap_err();
    assert!(error.has_code(&ErrorCode::Other("INVALID_AUTH_HEADER".into())));
    assert_eq!(org.tokens_issued(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_callers_share_one_token_request() {
    let org = Org::start_with_token_delay(Duration::from_millis(200)).await;
    let expired = Arc::new(AtomicUsize::new(0));
    script_expiring_query(&org, expired.clone());
    let client = org.client();

    // Cold start: nobody has a token yet.
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.query::<Account>("SELECT Name FROM Account").await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(org.tokens_issued(), 1);

    // The session expires under 20 callers at once: they all see 401, one renews.
    expired.store(1, Ordering::SeqCst);
    let go = Arc::new(tokio::sync::Barrier::new(20));
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            let go = go.clone();
            tokio::spawn(async move {
                go.wait().await;
                client.query::<Account>("SELECT Name FROM Account").await
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(org.tokens_issued(), 2, "one renewal for twenty callers");
    let stale = org
        .instance
        .requests()
        .iter()
        .filter(|r| r.bearer() == Some(token(1).as_str()))
        .count();
    // Normally all twenty try the expired token first; a caller scheduled after the renewal
    // already has the new one, which is fine too.
    assert!(stale >= 2, "callers raced on the expired token: {stale}");
    assert_eq!(org.instance.requests().len(), stale + 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn callers_waiting_on_a_failed_token_request_share_its_failure() {
    let org = Org::start().await;
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    org.login.on(Method::POST, TOKEN_PATH, move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            axum::response::Response::builder()
                .status(503)
                .body(axum::body::Body::from("down for maintenance"))
                .unwrap()
        }
    });
    let client = org.client();
    let go = Arc::new(tokio::sync::Barrier::new(20));
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            let go = go.clone();
            tokio::spawn(async move {
                go.wait().await;
                client.query::<Account>("SELECT Name FROM Account").await
            })
        })
        .collect();
    for call in calls {
        let error = call.await.unwrap().unwrap_err();
        assert!(error.is_transient(), "{error:?}");
    }
    let during_outage = attempts.load(Ordering::SeqCst);
    assert!(
        during_outage <= 2,
        "{during_outage} token requests for 20 callers"
    );

    // A later call tries again rather than repeating an old failure forever.
    client.authenticate().await.unwrap_err();
    assert_eq!(attempts.load(Ordering::SeqCst), during_outage + 1);

    // Configuration errors reach every waiter as the same typed error.
    org.login.on_json(
        Method::POST,
        TOKEN_PATH,
        400,
        &fixture("oauth_error_not_approved.json"),
    );
    let client = org.client();
    let (a, b) = tokio::join!(client.authenticate(), client.authenticate());
    for error in [a.unwrap_err(), b.unwrap_err()] {
        assert!(
            matches!(error, Error::Auth(ref e) if e.problem == AuthProblem::ConsumerNotApproved)
        );
    }
}
