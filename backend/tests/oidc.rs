//! Sign-in through OpenID Connect against the Salesforce emulator as the identity provider:
//! the whole authorization code flow with PKCE, state and nonce, and each way it is refused.

mod common;

use std::collections::HashMap;

use common::{ACME, PASSWORD, TestApp, json_of};
use reqwest::Url;
use serde_json::{Value, json};

/// The browser's side of the flow, step by step. Returns where the portal finally sends the
/// browser and the provider's redirect to the callback (to replay it).
struct Flow {
    client: reqwest::Client,
    callback: String,
}

impl Flow {
    /// Starts at the portal and signs in at the provider; stops before the callback.
    async fn to_callback(
        app: &TestApp,
        client: &reqwest::Client,
        email: &str,
        return_to: &str,
    ) -> Self {
        let start = client
            .get(app.url(&format!("/auth/oidc/login?return_to={return_to}")))
            .send()
            .await
            .unwrap();
        assert_eq!(start.status(), 302);
        let authorize = Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
        let params: HashMap<String, String> = authorize.query_pairs().into_owned().collect();
        assert_eq!(params["response_type"], "code");
        assert_eq!(params["code_challenge_method"], "S256");
        assert!(params.contains_key("state") && params.contains_key("nonce"));
        assert!(params["scope"].split(' ').any(|s| s == "openid"));

        // The provider's sign-in page, then its form.
        let page = client.get(authorize.clone()).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let mut form = params.clone();
        form.insert("username".into(), email.into());
        form.insert("pw".into(), PASSWORD.into());
        let mut post_url = authorize.clone();
        post_url.set_query(None);
        let signed_in = client.post(post_url).form(&form).send().await.unwrap();
        assert_eq!(
            signed_in.status(),
            302,
            "{}",
            signed_in.text().await.unwrap_or_default()
        );
        let callback = signed_in.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            callback.starts_with(&app.url("/auth/oidc/callback?")),
            "{callback}"
        );
        Self {
            client: client.clone(),
            callback,
        }
    }

    async fn finish(&self) -> String {
        let response = self.client.get(&self.callback).send().await.unwrap();
        assert_eq!(response.status(), 302);
        response.headers()["location"].to_str().unwrap().to_owned()
    }
}

#[tokio::test]
async fn signing_in_through_the_provider_opens_the_usual_session() {
    let app = TestApp::spawn_oidc().await;
    let client = app.anonymous();
    let methods = json_of(client.get(app.url("/auth/methods"))).await;
    assert_eq!(methods["oidc"]["login_url"], "/auth/oidc/login");
    assert_eq!(methods["password"], true);

    let flow = Flow::to_callback(&app, &client, "alice@acme.example", "/cases?status=open").await;
    assert_eq!(flow.finish().await, "/cases?status=open");
    let session = json_of(client.get(app.url("/auth/session"))).await;
    assert_eq!(
        session["customer"],
        json!({"id": ACME, "name": "Acme Corporation"})
    );
    assert_eq!(session["user"]["email"], "alice@acme.example");
    let cases = client
        .get(app.url(&format!("/customer/{ACME}/cases?limit=1")))
        .send()
        .await
        .unwrap();
    assert_eq!(cases.status(), 200);

    // The callback cannot be used twice: its state is spent.
    let replay = app.anonymous();
    let again = replay.get(&flow.callback).send().await.unwrap();
    assert_eq!(again.headers()["location"], "/sign-in?sso_error=bad_state");
}

#[tokio::test]
async fn a_callback_without_this_browsers_state_is_refused() {
    let app = TestApp::spawn_oidc().await;
    let victim = app.anonymous();
    let flow = Flow::to_callback(&app, &victim, "alice@acme.example", "/").await;
    // Login CSRF: an attacker makes another browser land on the victim's callback.
    let attacker = app.anonymous();
    let response = attacker.get(&flow.callback).send().await.unwrap();
    assert_eq!(
        response.headers()["location"],
        "/sign-in?sso_error=bad_state"
    );
    let tampered = flow.callback.replace("state=", "state=x");
    let response = victim.get(&tampered).send().await.unwrap();
    assert_eq!(
        response.headers()["location"],
        "/sign-in?sso_error=bad_state"
    );
    // Neither got a session.
    assert_no_session(&app, &attacker).await;
}

/// The value of the query parameter `name` in `url`.
fn query_param(url: &str, name: &str) -> String {
    Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .unwrap()
        .1
        .into_owned()
}

#[tokio::test]
async fn a_replayed_code_is_refused_by_the_provider() {
    let app = TestApp::spawn_oidc().await;
    let client = app.anonymous();
    let first = Flow::to_callback(&app, &client, "alice@acme.example", "/").await;
    assert_eq!(first.finish().await, "/");
    // A new sign-in in the same browser, but the old code smuggled into its callback.
    let second = Flow::to_callback(&app, &client, "alice@acme.example", "/").await;
    let old_code = query_param(&first.callback, "code");
    let new_state = query_param(&second.callback, "state");
    let forged = app.url(&format!(
        "/auth/oidc/callback?code={old_code}&state={new_state}"
    ));
    let response = client.get(&forged).send().await.unwrap();
    assert_eq!(
        response.headers()["location"],
        "/sign-in?sso_error=code_rejected"
    );
}

/// Asserts that `client` holds no session: `/auth/session` answers it 401.
async fn assert_no_session(app: &TestApp, client: &reqwest::Client) {
    let session = client.get(app.url("/auth/session")).send().await.unwrap();
    assert_eq!(session.status(), 401);
}

/// A fresh browser signs in at the provider as `email`, asking for `/`: the browser, and where
/// the portal's callback sent it.
async fn sign_in(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let client = app.anonymous();
    let destination = Flow::to_callback(app, &client, email, "/")
        .await
        .finish()
        .await;
    (client, destination)
}

/// Alice's sign-in through the provider, as the emulator's faults make it, is refused for its
/// id_token and opens no session.
async fn refused_as_invalid_token(app: &TestApp, what: &dyn std::fmt::Debug) {
    let (client, destination) = sign_in(app, "alice@acme.example").await;
    assert_eq!(destination, "/sign-in?sso_error=invalid_token", "{what:?}");
    let session = client.get(app.url("/auth/session")).send().await.unwrap();
    assert_eq!(session.status(), 401, "{what:?}");
}

#[tokio::test]
async fn id_tokens_with_a_wrong_audience_issuer_expiry_or_nonce_are_refused() {
    let app = TestApp::spawn_oidc().await;
    let emulator = app.emulator.as_ref().unwrap();
    let now = chrono::Utc::now().timestamp();
    for claims in [
        json!({"aud": "some-other-app"}),
        json!({"iss": "https://evil.example"}),
        json!({"exp": now - 600, "iat": now - 900}),
        json!({"nonce": "not-the-nonce-we-sent"}),
    ] {
        emulator
            .faults
            .update(|f| f.id_token_claims = claims.as_object().cloned());
        refused_as_invalid_token(&app, &claims).await;
    }
}

#[tokio::test]
async fn a_user_without_a_contact_is_refused() {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let hash = argon2::Argon2::default()
        .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
    let app = TestApp::spawn_oidc_with_users(vec![json!({
        "email": "stranger@nowhere.example",
        "password_hash": hash,
        "contact_id": "003Dn000O6V0xBh",
        "account_id": ACME,
    })])
    .await;
    let (client, destination) = sign_in(&app, "stranger@nowhere.example").await;
    assert_eq!(destination, "/sign-in?sso_error=unknown_contact");
    assert_no_session(&app, &client).await;
}

#[tokio::test]
async fn provider_errors_and_unsafe_return_paths_are_handled() {
    let app = TestApp::spawn_oidc().await;
    let client = app.anonymous();
    let denied = client
        .get(app.url("/auth/oidc/callback?error=access_denied&error_description=end-user+denied"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        denied.headers()["location"],
        "/sign-in?sso_error=provider_error"
    );
    let flow = Flow::to_callback(
        &app,
        &client,
        "gina@globex.example",
        "https://evil.example/",
    )
    .await;
    assert_eq!(
        flow.finish().await,
        "/",
        "never redirect off-site after sign-in"
    );
}

#[tokio::test]
async fn without_oidc_configured_its_routes_do_not_exist() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    let methods = json_of(client.get(app.url("/auth/methods"))).await;
    assert!(methods["oidc"].is_null());
    common::problem_of(client.get(app.url("/auth/oidc/login")), 404).await;
}

#[tokio::test]
async fn an_unreachable_provider_is_reported_as_unavailable() {
    let app = TestApp::spawn_oidc().await;
    let client = app.anonymous();
    let flow = Flow::to_callback(&app, &client, "alice@acme.example", "/").await;
    app.emulator
        .as_ref()
        .unwrap()
        .faults
        .update(|f| f.outage = Some(salesforce_emulator::Outage::Refuse));
    assert_eq!(flow.finish().await, "/sign-in?sso_error=unavailable");
    assert_no_session(&app, &client).await;
}

#[tokio::test]
async fn a_refusal_keeps_the_page_the_customer_asked_for() {
    let app = TestApp::spawn_oidc().await;
    app.emulator
        .as_ref()
        .unwrap()
        .faults
        .update(|f| f.id_token_claims = json!({"aud": "another-app"}).as_object().cloned());
    let client = app.anonymous();
    let flow = Flow::to_callback(&app, &client, "alice@acme.example", "/cases?status=open").await;
    assert_eq!(
        flow.finish().await,
        "/sign-in?sso_error=invalid_token&returnTo=%2Fcases%3Fstatus%3Dopen"
    );
}

#[tokio::test]
async fn id_tokens_not_signed_by_the_providers_published_key_are_refused() {
    use salesforce_emulator::IdTokenSignature;
    let app = TestApp::spawn_oidc().await;
    let emulator = app.emulator.as_ref().unwrap();
    for signature in [
        IdTokenSignature::UnknownKey,
        IdTokenSignature::WrongKid,
        IdTokenSignature::None,
        IdTokenSignature::Hs256,
    ] {
        emulator
            .faults
            .update(|f| f.id_token_signature = Some(signature));
        refused_as_invalid_token(&app, &signature).await;
    }
    // The same sign-in with the published key goes through: the refusals were the signature's.
    emulator.faults.clear();
    let (_, destination) = sign_in(&app, "alice@acme.example").await;
    assert_eq!(destination, "/");
}

/// A user at the provider made from a demo user's entry (same password), with `change` applied.
fn provider_user(like: &str, change: Value) -> Value {
    let users: Vec<Value> = serde_json::from_slice(
        &std::fs::read(common::mocks_dir().join("local_accounts.json")).unwrap(),
    )
    .unwrap();
    let mut user = users.into_iter().find(|u| u["email"] == like).unwrap();
    for (k, v) in change.as_object().unwrap() {
        user[k] = v.clone();
    }
    user
}

/// A config change: the provider's `claim` names the user's Contact by its `field`.
fn match_contacts(claim: &'static str, field: &'static str) -> impl FnOnce(&mut portal::Config) {
    move |c| {
        let oidc = c.oidc.as_mut().unwrap();
        oidc.contact_claim = claim.into();
        oidc.contact_field = field.into();
    }
}

/// The email of `client`'s signed-in user, after checking that its customer is Acme.
async fn session_email(app: &TestApp, client: &reqwest::Client) -> Value {
    let session = json_of(client.get(app.url("/auth/session"))).await;
    assert_eq!(session["customer"]["id"], ACME, "{session}");
    session["user"]["email"].clone()
}

#[tokio::test]
async fn a_configured_claim_maps_the_user_to_a_contact_by_a_configured_field() {
    // Alice signs in at the provider with a private email; her username there is her work
    // email, which is what Contact.Email holds.
    let users = vec![
        provider_user(
            "alice@acme.example",
            json!({"email": "alice.private@mail.example", "username": "alice@acme.example"}),
        ),
        // Bob's provider account carries his Contact id (a connected app's custom attribute).
        provider_user(
            "bob@acme.example",
            json!({"email": "bob.private@mail.example"}),
        ),
    ];
    let by_email = TestApp::spawn_oidc_with_users(users.clone()).await;
    let (_, destination) = sign_in(&by_email, "alice.private@mail.example").await;
    assert_eq!(
        destination, "/sign-in?sso_error=unknown_contact",
        "by default the private email matches no Contact"
    );

    let by_username =
        TestApp::spawn_oidc_with(users.clone(), match_contacts("preferred_username", "Email"))
            .await;
    let (client, destination) = sign_in(&by_username, "alice.private@mail.example").await;
    assert_eq!(destination, "/");
    assert_eq!(
        session_email(&by_username, &client).await,
        "alice@acme.example"
    );

    let by_contact_id =
        TestApp::spawn_oidc_with(users, match_contacts("custom_attributes.ContactId", "Id")).await;
    let (client, destination) = sign_in(&by_contact_id, "bob.private@mail.example").await;
    assert_eq!(destination, "/");
    assert_eq!(
        session_email(&by_contact_id, &client).await,
        "bob@acme.example"
    );
}

#[tokio::test]
async fn a_custom_contact_field_matches_the_claim_in_salesforce() {
    let users = vec![provider_user(
        "alice@acme.example",
        json!({"email": "alice.private@mail.example", "username": "aanderson"}),
    )];
    let app = TestApp::spawn_salesforce_org(
        true,
        users,
        |_| {},
        match_contacts("preferred_username", "Portal_Username__c"),
    )
    .await;
    let (_, destination) = sign_in(&app, "alice.private@mail.example").await;
    assert_eq!(
        destination, "/sign-in?sso_error=unknown_contact",
        "no Contact has that username yet"
    );
    // The org's admin fills in the custom field on Alice's Contact.
    app.emulator
        .as_ref()
        .unwrap()
        .records
        .update(
            "Contact",
            "003Dn000O6V0xBhIIJ",
            &json!({"Portal_Username__c": "AAnderson"}),
        )
        .unwrap();
    let (client, destination) = sign_in(&app, "alice.private@mail.example").await;
    assert_eq!(destination, "/");
    assert_eq!(session_email(&app, &client).await, "alice@acme.example");
}

/// Sets what the provider says in userinfo and in the id_token: each object's claims replace
/// the usual ones, `null` leaves a claim out.
fn provider_says(app: &TestApp, userinfo: &Value, id_token: &Value) {
    app.emulator.as_ref().unwrap().faults.update(|f| {
        f.userinfo_claims = userinfo.as_object().cloned();
        f.id_token_claims = id_token.as_object().cloned();
    });
}

#[tokio::test]
async fn an_email_the_provider_does_not_vouch_for_is_refused() {
    let app = TestApp::spawn_oidc().await;
    for (userinfo, id_token) in [
        // Says it is not verified.
        (json!({"email_verified": false}), json!({})),
        (
            json!({"email_verified": null}),
            json!({"email_verified": false}),
        ),
        // One says yes, the other no: no.
        (
            json!({"email_verified": true}),
            json!({"email_verified": false}),
        ),
        // Says nothing: a provider that does not check emails.
        (
            json!({"email_verified": null}),
            json!({"email_verified": null}),
        ),
        // The id_token vouches for another email than the one that matches.
        (
            json!({"email_verified": null}),
            json!({"email": "someone.else@acme.example"}),
        ),
    ] {
        provider_says(&app, &userinfo, &id_token);
        let (client, destination) = sign_in(&app, "alice@acme.example").await;
        assert_eq!(
            destination, "/sign-in?sso_error=email_not_verified",
            "userinfo {userinfo}, id_token {id_token}"
        );
        assert_no_session(&app, &client).await;
    }
    // Either one vouching is enough.
    for (userinfo, id_token) in [
        (json!({"email_verified": null}), json!({})),
        (json!({}), json!({"email_verified": null})),
    ] {
        provider_says(&app, &userinfo, &id_token);
        let (client, destination) = sign_in(&app, "alice@acme.example").await;
        assert_eq!(destination, "/", "userinfo {userinfo}, id_token {id_token}");
        assert_eq!(session_email(&app, &client).await, "alice@acme.example");
    }
}

#[tokio::test]
async fn an_unverified_email_does_not_matter_when_another_claim_matches() {
    let users = vec![provider_user(
        "alice@acme.example",
        json!({"email": "alice.private@mail.example", "username": "alice@acme.example"}),
    )];
    let app = TestApp::spawn_oidc_with(users, match_contacts("preferred_username", "Email")).await;
    provider_says(
        &app,
        &json!({"email_verified": false}),
        &json!({"email_verified": false}),
    );
    let (client, destination) = sign_in(&app, "alice.private@mail.example").await;
    assert_eq!(destination, "/");
    assert_eq!(session_email(&app, &client).await, "alice@acme.example");
}

#[tokio::test]
async fn return_paths_not_ascii_or_too_long_return_to_the_start() {
    let app = TestApp::spawn_oidc().await;
    let client = app.anonymous();
    let too_long = format!("/cases?q={}", "a".repeat(2048));
    for return_to in ["/caf%C3%A9", "/cases?q=%F0%9F%98%80", &too_long] {
        let flow = Flow::to_callback(&app, &client, "alice@acme.example", return_to).await;
        assert_eq!(flow.finish().await, "/", "{return_to}");
    }
    // Percent-encoded, the same pages come back; and the longest allowed.
    let longest = format!("/cases?q={}", "a".repeat(2048 - "/cases?q=".len()));
    for return_to in ["/caf%25C3%25A9", &longest] {
        let flow = Flow::to_callback(&app, &client, "alice@acme.example", return_to).await;
        assert_eq!(
            flow.finish().await,
            return_to.replace("%25", "%"),
            "{return_to}"
        );
    }
}

/// Starts a sign-in from `client`, as the address `forwarded_for` when given (the app trusts
/// `X-Forwarded-For`): where the portal sends the browser.
async fn start_sign_in(
    app: &TestApp,
    client: &reqwest::Client,
    forwarded_for: Option<&str>,
) -> String {
    let mut request = client.get(app.url("/auth/oidc/login"));
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 302);
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn pending_sign_ins_are_bounded_per_client_and_in_all() {
    let app = TestApp::spawn_oidc_with(Vec::new(), |c| {
        c.http.trust_forwarded_for = true;
        let oidc = c.oidc.as_mut().unwrap();
        oidc.max_pending_sign_ins_per_client = 2;
        oidc.max_pending_sign_ins = 3;
    })
    .await;
    let provider = app.emulator.as_ref().unwrap().base_url.clone();
    let refused = "/sign-in?sso_error=too_many_sign_ins";
    let browser = app.anonymous();
    // Two from this address: the second is a sign-in the test finishes later.
    let first = Flow::to_callback(&app, &browser, "alice@acme.example", "/cases").await;
    let other = app.anonymous();
    assert!(
        start_sign_in(&app, &other, None)
            .await
            .starts_with(&provider)
    );
    assert_eq!(start_sign_in(&app, &other, None).await, refused);
    // Another address still may, until the whole store is full.
    assert!(
        start_sign_in(&app, &other, Some("192.0.2.1"))
            .await
            .starts_with(&provider)
    );
    assert_eq!(
        start_sign_in(&app, &other, Some("192.0.2.2")).await,
        refused
    );
    // What was kept is not pushed out: the first sign-in finishes, and frees its slots.
    assert_eq!(first.finish().await, "/cases");
    assert!(
        start_sign_in(&app, &other, Some("192.0.2.2"))
            .await
            .starts_with(&provider)
    );
    assert_eq!(start_sign_in(&app, &other, None).await, refused);
}

/// The sign-in failures log why, and never a secret: not the client secret, nor a code, state
/// or nonce of the flows, nor a token (a JWT starts `eyJ`). Single-threaded, so that the
/// portal's log lines come to this thread's subscriber.
#[tokio::test]
async fn refused_sign_ins_log_no_secret_code_state_or_token() {
    use portal::observability::telemetry::captured::CapturedLogs;
    let logs = CapturedLogs::default();
    let _logging = tracing::subscriber::set_default(logs.subscriber());
    let app = TestApp::spawn_oidc().await;
    logs.recheck_call_sites();
    let client = app.anonymous();
    let mut flows = Vec::new();
    // A replayed code, refused by the provider.
    let first = Flow::to_callback(&app, &client, "alice@acme.example", "/").await;
    assert_eq!(first.finish().await, "/");
    let second = Flow::to_callback(&app, &client, "alice@acme.example", "/").await;
    let forged = app.url(&format!(
        "/auth/oidc/callback?code={}&state={}",
        query_param(&first.callback, "code"),
        query_param(&second.callback, "state")
    ));
    let replayed = client.get(&forged).send().await.unwrap();
    assert_eq!(
        replayed.headers()["location"],
        "/sign-in?sso_error=code_rejected"
    );
    flows.extend([first.callback, second.callback]);
    // An id_token for another app; an unverified email; the provider gone.
    for fault in [
        json!({"id_token_claims": {"aud": "another-app"}}),
        json!({"userinfo_claims": {"email_verified": false}}),
    ] {
        app.emulator
            .as_ref()
            .unwrap()
            .faults
            .set(serde_json::from_value(fault).unwrap());
        let flow = Flow::to_callback(&app, &client, "alice@acme.example", "/").await;
        assert!(flow.finish().await.starts_with("/sign-in?sso_error="));
        flows.push(flow.callback);
    }
    app.emulator.as_ref().unwrap().faults.clear();
    let flow = Flow::to_callback(&app, &client, "alice@acme.example", "/").await;
    app.emulator
        .as_ref()
        .unwrap()
        .faults
        .update(|f| f.outage = Some(salesforce_emulator::Outage::Refuse));
    assert_eq!(flow.finish().await, "/sign-in?sso_error=unavailable");
    flows.push(flow.callback);

    let text: String = logs.lines().iter().map(|l| format!("{l}\n")).collect();
    let refusals = logs
        .lines()
        .into_iter()
        .filter(|l| l["message"] == "oidc sign-in refused")
        .count();
    assert_eq!(refusals, 4, "{text}");
    let mut secrets = vec![common::OIDC_CLIENT_SECRET.to_owned(), "eyJ".to_owned()];
    for callback in &flows {
        secrets.push(query_param(callback, "code"));
        secrets.push(query_param(callback, "state"));
    }
    for secret in secrets {
        assert!(!text.contains(&secret), "{secret} logged:\n{text}");
    }
}

/// Issue 14: someone who signs in through the provider has the profile's language in their
/// session too, sees `sign_in: "oidc"` in the profile, and changes their password at the
/// provider: the portal's password change answers 409 and changes nothing.
#[tokio::test]
async fn provider_sign_ins_get_the_profiles_language_and_change_passwords_there() {
    let app = TestApp::spawn_oidc().await;
    // Alice sets German with a password sign-in first.
    let local = app.login("alice@acme.example").await;
    let set = local
        .client
        .patch(local.url(&format!("/customer/{ACME}/profile")))
        .header("x-csrf-token", &local.csrf)
        .json(&json!({"language": "de"}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);

    let (client, _) = sign_in(&app, "alice@acme.example").await;
    let session = json_of(client.get(app.url("/auth/session"))).await;
    assert_eq!(session["language"], "de");
    let profile = json_of(client.get(app.url(&format!("/customer/{ACME}/profile")))).await;
    assert_eq!(profile["sign_in"], "oidc");
    let refused = client
        .post(app.url("/auth/password"))
        .header("x-csrf-token", session["csrf_token"].as_str().unwrap())
        .json(&json!({"current_password": PASSWORD, "new_password": "a new password at last"}))
        .send()
        .await
        .unwrap();
    let body = common::problem(refused, 409).await;
    assert_eq!(body["type"], "/problems/password-managed-elsewhere");
    // Nothing changed: the password sign-in still works with the old password.
    app.login("alice@acme.example").await;
}
