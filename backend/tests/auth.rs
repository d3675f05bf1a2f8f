//! `/auth`: sign-in, session, sign-out, CSRF, throttling.

mod common;

use common::{ACME, PASSWORD, TestApp, error_fields, json_of, problem, problem_of, retry_after};
use serde_json::{Value, json};

#[tokio::test]
async fn sign_in_sets_a_hardened_cookie_and_returns_the_session() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    let response = app
        .sign_in_with(&client, " Alice@Acme.example ", PASSWORD)
        .await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("portal_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=1800"] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing in {cookie}"
        );
    }
    assert!(
        !cookie.contains("Secure"),
        "no Secure over plain http: {cookie}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["user"],
        json!({"name": "Alice Anderson", "email": "alice@acme.example", "role": "manager"})
    );
    assert_eq!(
        body["customer"],
        json!({"id": ACME, "name": "Acme Corporation"})
    );

    let session = json_of(client.get(app.url("/auth/session"))).await;
    assert_eq!(session["customer"]["id"], ACME);
    assert_eq!(session["csrf_token"], body["csrf_token"]);
    assert!(session["expires_at"].as_str().unwrap().ends_with('Z'));
}

/// The answer to a sign-in with the demo password, from a fresh client.
async fn sign_in_response(app: &TestApp, email: &str) -> reqwest::Response {
    app.sign_in_with(&app.anonymous(), email, PASSWORD).await
}

/// The session cookie is found among whatever other cookies the browser sends (other apps on
/// the same host set theirs); of two of that name the last counts; a token written
/// percent-encoded is not the portal's and is refused.
#[tokio::test]
async fn the_session_cookie_is_found_among_other_cookies() {
    let app = TestApp::spawn().await;
    let response = sign_in_response(&app, "alice@acme.example").await;
    assert_eq!(response.status(), 200);
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    let token = set_cookie
        .strip_prefix("portal_session=")
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_owned();
    let session_status = |cookie: String| {
        let app = &app;
        async move {
            reqwest::Client::new()
                .get(app.url("/auth/session"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        session_status(format!("theme=dark; portal_session={token}; lang=en")).await,
        200
    );
    assert_eq!(
        session_status(format!("portal_session=stale; portal_session={token}")).await,
        200
    );
    assert_eq!(
        session_status(format!("portal_session={token}; portal_session=stale")).await,
        401
    );
    let encoded = token.replace('.', "%2E");
    assert_ne!(encoded, token);
    assert_eq!(
        session_status(format!("portal_session={encoded}")).await,
        401
    );
    assert_eq!(session_status("theme=dark".to_owned()).await, 401);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    let mut bodies = Vec::new();
    for (email, password) in [
        ("alice@acme.example", "wrong"),
        ("nobody@acme.example", PASSWORD),
    ] {
        let response = app.sign_in_with(&client, email, password).await;
        assert!(response.headers().get("set-cookie").is_none());
        let mut body = problem(response, 401).await;
        body.as_object_mut().unwrap().remove("request_id");
        bodies.push(body);
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[0]["type"], "/problems/bad-credentials");
}

#[tokio::test]
async fn sign_in_validates_its_body() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    let url = app.url("/auth/login");
    let body = problem_of(client.post(&url).json(&json!({})), 422).await;
    assert_eq!(error_fields(&body), ["email", "password"]);
    let body = problem_of(
        client
            .post(&url)
            .json(&json!({"email": "a@b.c", "password": "x", "admin": true})),
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "admin");
    problem_of(client.post(&url).body("email=a"), 415).await;
    problem_of(
        client
            .post(&url)
            .header("content-type", "application/json")
            .body("{not json"),
        400,
    )
    .await;
}

#[tokio::test]
async fn no_session_means_401_everywhere() {
    let app = TestApp::spawn().await;
    // Real ids of the customer, so a 401 cannot be a 404 in disguise.
    let alice = app.login("alice@acme.example").await;
    let cases = alice
        .get_json(&format!("/customer/{ACME}/cases?limit=1"))
        .await;
    let case_id = cases["items"][0]["id"].as_str().unwrap().to_owned();
    let documents = alice
        .get_json(&format!("/customer/{ACME}/documents?limit=1"))
        .await;
    let document_id = documents["items"][0]["id"].as_str().unwrap().to_owned();

    let client = app.anonymous();
    for path in [
        "/auth/session".to_owned(),
        format!("/customer/{ACME}/cases"),
        format!("/customer/{ACME}/cases/{case_id}"),
        format!("/customer/{ACME}/documents"),
        format!("/customer/{ACME}/documents/{document_id}/download"),
    ] {
        let body = problem_of(client.get(app.url(&path)), 401).await;
        assert_eq!(body["type"], "/problems/unauthenticated", "GET {path}");
    }
    // A create without a session is 401 (not a CSRF 403), and creates nothing.
    let create = client
        .post(app.url(&format!("/customer/{ACME}/cases")))
        .json(&common::new_case("no session"))
        .send()
        .await
        .unwrap();
    let body = problem(create, 401).await;
    assert_eq!(body["type"], "/problems/unauthenticated");
    assert!(
        alice.all_cases("q=no%20session").await.is_empty(),
        "nothing was created"
    );
    let forged = client
        .get(app.url("/auth/session"))
        .header(
            "cookie",
            "portal_session=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        )
        .send()
        .await
        .unwrap();
    problem(forged, 401).await;
}

#[tokio::test]
async fn sign_out_needs_csrf_and_revokes_the_token_on_the_server() {
    let app = TestApp::spawn().await;
    let user = app.login("alice@acme.example").await;
    // Keep the raw token, as a thief who copied the cookie would.
    let token = {
        let response = app
            .sign_in_with(&user.client, "alice@acme.example", PASSWORD)
            .await;
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_owned();
        let body: Value = response.json().await.unwrap();
        (
            cookie.split(';').next().unwrap().to_owned(),
            body["csrf_token"].as_str().unwrap().to_owned(),
        )
    };

    let no_csrf = user
        .client
        .post(user.url("/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(no_csrf, 403).await["type"], "/problems/csrf");
    let wrong_csrf = user
        .client
        .post(user.url("/auth/logout"))
        .header("x-csrf-token", "AAAA")
        .send()
        .await
        .unwrap();
    problem(wrong_csrf, 403).await;

    let response = user
        .client
        .post(user.url("/auth/logout"))
        .header("x-csrf-token", &token.1)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );

    let replay = app
        .anonymous()
        .get(app.url("/auth/session"))
        .header("cookie", &token.0)
        .send()
        .await
        .unwrap();
    problem(replay, 401).await;
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_account() {
    let app = TestApp::spawn_with(|c| c.auth.login_attempts_per_account_per_hour = 3).await;
    let client = app.anonymous();
    for _ in 0..3 {
        let r = app.sign_in_with(&client, "bob@acme.example", "guess").await;
        assert_eq!(r.status(), 401);
    }
    let limited = app
        .sign_in_with(&client, "bob@acme.example", PASSWORD)
        .await;
    let retry_after = retry_after(&limited);
    assert!((1..=1200).contains(&retry_after), "{retry_after}");
    problem(limited, 429).await;
    // Another account is not affected.
    app.login("alice@acme.example").await;
}

#[tokio::test]
async fn successful_sign_ins_are_never_throttled() {
    let app = TestApp::spawn_with(|c| {
        c.auth.login_attempts_per_account_per_hour = 2;
        c.auth.login_attempts_per_ip_per_minute = 2;
    })
    .await;
    for _ in 0..6 {
        app.login("alice@acme.example").await;
    }
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_address() {
    let app = TestApp::spawn_with(|c| c.auth.login_attempts_per_ip_per_minute = 2).await;
    let client = app.anonymous();
    for email in ["a@x.example", "b@x.example"] {
        let r = app.sign_in_with(&client, email, "p").await;
        assert_eq!(r.status(), 401);
    }
    let limited = app
        .sign_in_with(&client, "alice@acme.example", PASSWORD)
        .await;
    problem(limited, 429).await;
}

#[tokio::test]
async fn https_deployments_get_secure_host_only_cookies_and_hsts() {
    let app =
        TestApp::spawn_with(|c| c.public_url = Some("https://portal.example.com".into())).await;
    let response = sign_in_response(&app, "alice@acme.example").await;
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-portal_session="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(
        response.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
}

/// Mints a session token as the server would, with chosen times.
fn mint(key: &[u8], expires_in: i64, signed_in_ago: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "iss": "customer-portal", "sid": uuid::Uuid::new_v4().to_string(),
        "sub": "003Dn000O6V0xBhIIJ", "acc": ACME, "name": "Alice Anderson",
        "email": "alice@acme.example", "cname": "Acme Corporation", "idp": "local",
        // Alice's role in the fixtures: a token stating another is renewed at once.
        "rl": "manager",
        "auth_time": now - signed_in_ago, "iat": now, "exp": now + expires_in,
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(key),
    )
    .unwrap()
}

fn session_key() -> [u8; 32] {
    portal::services::keys::Keys::derive(Some(&portal::config::Secret::new(common::SECRET))).session
}

fn expiry_of(cookie: &str) -> i64 {
    use base64::Engine;
    let token = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["exp"].as_i64().unwrap()
}

#[tokio::test]
async fn sessions_slide_while_used_up_to_their_maximum_age() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    let now = chrono::Utc::now().timestamp();
    let ask = |token: String| {
        let client = client.clone();
        let url = app.url("/auth/session");
        async move {
            client
                .get(url)
                .header("cookie", format!("portal_session={token}"))
                .send()
                .await
                .unwrap()
        }
    };

    // Fresh token: no renewal.
    let response = ask(mint(&session_key(), 1800, 0)).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("set-cookie").is_none());

    // A token with 60 s left is renewed to the full idle lifetime.
    let response = ask(mint(&session_key(), 60, 600)).await;
    assert_eq!(response.status(), 200);
    let renewed = expiry_of(response.headers()["set-cookie"].to_str().unwrap());
    assert!((now + 1790..=now + 1810).contains(&renewed), "{renewed}");

    // Near the maximum age, renewal stops at it.
    let max_age = 12 * 3600;
    let response = ask(mint(&session_key(), 60, max_age - 300)).await;
    let capped = expiry_of(response.headers()["set-cookie"].to_str().unwrap());
    assert!(capped <= now - (max_age - 300) + max_age + 1, "{capped}");

    // Past the maximum age, or signed with another key, or expired: not a session.
    problem(ask(mint(&session_key(), 60, max_age + 10)).await, 401).await;
    problem(
        ask(mint(b"some other key entirely, 32 bytes", 1800, 0)).await,
        401,
    )
    .await;
    problem(ask(mint(&session_key(), -30, 600)).await, 401).await;
}

/// Sign-in from `ip` (the portal trusts `X-Forwarded-For` in these tests).
async fn sign_in_from(
    app: &TestApp,
    client: &reqwest::Client,
    ip: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/auth/login"))
        .header("x-forwarded-for", ip)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login request")
}

/// The value of the metric line `series` (exact labels), 0 when absent.
fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// 200 wrong passwords for one account at once: each attempt reserves its unit before the
/// password is checked, so exactly the budget's worth are checked and the rest are refused
/// unchecked. (Checking the lock first and counting the failure after let all 200 through.)
#[tokio::test]
async fn parallel_wrong_passwords_check_no_more_than_the_budget() {
    let app = TestApp::spawn_with(|c| {
        c.auth.login_attempts_per_account_per_hour = 5;
        c.auth.login_attempts_per_ip_per_minute = 1_000;
        c.auth.login_attempts_per_account_per_hour_all_clients = 1_000;
        c.auth.password_check_wait_ms = 60_000;
    })
    .await;
    let client = app.anonymous();
    let attempts = (0..200).map(|i| {
        let (app, client) = (&app, &client);
        async move {
            app.sign_in_with(client, "bob@acme.example", &format!("guess-{i}"))
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let count = |status| statuses.iter().filter(|s| **s == status).count();
    assert_eq!(count(401), 5, "{statuses:?}");
    assert_eq!(count(429), 195, "{statuses:?}");
    let metrics = app.metrics_text().await;
    assert_eq!(
        metric(
            &metrics,
            "portal_password_checks_total{outcome=\"mismatch\"}"
        ),
        5.0
    );
}

/// Password checks are capped: with one allowed at a time and no waiting, a flood of
/// attempts at random accounts gets 503 with Retry-After for those that find it busy, and
/// every attempt is either checked (401) or refused unchecked (503).
#[tokio::test]
async fn password_checks_are_capped_and_the_overflow_gets_503() {
    let app = TestApp::spawn_with(|c| {
        c.auth.password_check_concurrency = 1;
        c.auth.password_check_wait_ms = 0;
        c.auth.login_attempts_per_ip_per_minute = 10_000;
    })
    .await;
    let client = app.anonymous();
    let attempts = (0..60).map(|i| {
        let (app, client) = (&app, &client);
        async move {
            let response = app
                .sign_in_with(client, &format!("nobody-{i}@x.example"), "guess")
                .await;
            let status = response.status().as_u16();
            if status == 503 {
                assert_eq!(retry_after(&response), 2);
                let body = problem(response, 503).await;
                assert_eq!(body["title"], "Sign-in is busy");
            }
            status
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let busy = statuses.iter().filter(|s| **s == 503).count();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(busy + checked, 60, "{statuses:?}");
    assert!(
        busy > 0,
        "60 attempts at once never found the one check busy"
    );
    let metrics = app.metrics_text().await;
    assert_eq!(
        metric(
            &metrics,
            "portal_password_checks_total{outcome=\"mismatch\"}"
        ) as usize,
        checked
    );
    assert_eq!(
        metric(
            &metrics,
            "portal_rate_limit_refusals_total{limit=\"sign_in_busy\"}"
        ) as usize,
        busy
    );
}

/// Someone failing at an account from one address does not lock its owner out: the owner's
/// right password from another address still signs in; only the guessing address waits.
#[tokio::test]
async fn failures_from_one_address_do_not_lock_the_owner_out() {
    let app = TestApp::spawn_with(|c| {
        c.http.trust_forwarded_for = true;
        c.auth.login_attempts_per_account_per_hour = 3;
    })
    .await;
    let attacker = app.anonymous();
    for _ in 0..3 {
        let r = sign_in_from(&app, &attacker, "198.51.100.7", "bob@acme.example", "guess").await;
        assert_eq!(r.status(), 401);
    }
    let r = sign_in_from(
        &app,
        &attacker,
        "198.51.100.7",
        "bob@acme.example",
        PASSWORD,
    )
    .await;
    problem(r, 429).await;
    let owner = app.anonymous();
    let r = sign_in_from(&app, &owner, "203.0.113.20", "bob@acme.example", PASSWORD).await;
    assert_eq!(
        r.status(),
        200,
        "the owner was locked out by someone else's failures"
    );
}

/// A browser that signed in to the account before keeps signing in while the account's
/// overall budget is spent by guesses from many addresses, and even from the address that
/// guessed (all users behind one proxy are never locked out together); a new browser waits.
#[tokio::test]
async fn a_known_device_signs_in_while_others_guess_at_the_account() {
    let app = TestApp::spawn_with(|c| {
        c.http.trust_forwarded_for = true;
        c.auth.login_attempts_per_account_per_hour = 10;
        c.auth.login_attempts_per_account_per_hour_all_clients = 3;
        c.auth.login_attempts_per_ip_per_minute = 3;
    })
    .await;
    let owner = app.anonymous();
    let first = sign_in_from(&app, &owner, "192.0.2.1", "bob@acme.example", PASSWORD).await;
    assert_eq!(first.status(), 200);
    let device = first
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("portal_device="))
        .expect("a device cookie");
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/auth",
        "Max-Age=31536000",
    ] {
        assert!(
            device.contains(attribute),
            "{attribute} missing in {device}"
        );
    }

    // Guesses from three addresses spend the account's overall budget; the proxy's address
    // (shared with the owner) spends its own too.
    for ip in ["198.51.100.1", "198.51.100.2", "192.0.2.1"] {
        let r = sign_in_from(&app, &app.anonymous(), ip, "bob@acme.example", "guess").await;
        assert_eq!(r.status(), 401);
    }
    for _ in 0..2 {
        let r = sign_in_from(&app, &app.anonymous(), "192.0.2.1", "x@x.example", "guess").await;
        assert_eq!(r.status(), 401);
    }
    let stranger = sign_in_from(
        &app,
        &app.anonymous(),
        "198.51.100.3",
        "bob@acme.example",
        PASSWORD,
    )
    .await;
    problem(stranger, 429).await;
    let behind_proxy = sign_in_from(
        &app,
        &app.anonymous(),
        "192.0.2.1",
        "alice@acme.example",
        PASSWORD,
    )
    .await;
    problem(behind_proxy, 429).await;

    let again = sign_in_from(&app, &owner, "192.0.2.1", "bob@acme.example", PASSWORD).await;
    assert_eq!(
        again.status(),
        200,
        "the owner's own browser was locked out"
    );
    // A device cookie of one account does not vouch for another.
    let other = sign_in_from(&app, &owner, "192.0.2.1", "alice@acme.example", PASSWORD).await;
    problem(other, 429).await;
}

/// `portal revoke-sessions --contact` ends every session of that contact (in memory through
/// the data directory, with Redis through Redis), and no other contact's.
#[tokio::test]
async fn an_operator_revokes_every_session_of_a_contact() {
    let shared = std::sync::Mutex::new(None);
    let app = TestApp::spawn_with(|c| {
        c.auth.authorization_recheck_secs = 0;
        *shared.lock().unwrap() = c.redis_url.clone().map(|url| (url, c.redis_prefix.clone()));
    })
    .await;
    let alice = app.login("alice@acme.example").await;
    let alice_again = app.login("alice@acme.example").await;
    let bob = app.login("bob@acme.example").await;
    for user in [&alice, &alice_again, &bob] {
        assert_eq!(user.get("/auth/session").await.status(), 200);
    }

    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_portal"));
    command
        .env_clear()
        .env("PORTAL_DATA_DIR", app.data_dir.path())
        .args(["revoke-sessions", "--contact", "003Dn000O6V0xBhIIJ"]);
    if let Some((url, prefix)) = shared.lock().unwrap().clone() {
        command
            .env("PORTAL_REDIS_URL", url.expose())
            .env("PORTAL_REDIS_PREFIX", prefix);
    }
    let output = command.output().expect("portal revoke-sessions");
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("003Dn000O6V0xBhIIJ"));

    for user in [&alice, &alice_again] {
        problem(user.get("/auth/session").await, 401).await;
    }
    assert_eq!(bob.get("/auth/session").await.status(), 200);

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_portal"))
        .env_clear()
        .env("PORTAL_DATA_DIR", app.data_dir.path())
        .args(["revoke-sessions", "--contact", "not-an-id"])
        .output()
        .expect("portal revoke-sessions");
    assert!(!bad.status.success());
}

/// A contact moved to another account in Salesforce loses its sessions at the next recheck
/// (here every request; by default within `auth.authorization_recheck_secs`), not at the
/// session's maximum age. Other contacts keep theirs.
#[tokio::test]
async fn a_contact_moved_to_another_account_in_salesforce_loses_its_sessions() {
    let app = TestApp::spawn_salesforce_with(|c| {
        c.auth.authorization_recheck_secs = 0;
        c.cache.accounts_ttl_secs = 0;
    })
    .await;
    let emulator = app.emulator.as_ref().expect("emulator");
    let bob = app.login("bob@acme.example").await;
    let alice = app.login("alice@acme.example").await;
    let cases = format!("/customer/{ACME}/cases");
    assert_eq!(bob.get(&cases).await.status(), 200);

    emulator
        .records
        .update(
            "Contact",
            "003Dn000BJKn1AmIYJ",
            &json!({"AccountId": common::GLOBEX}),
        )
        .expect("move bob to Globex");
    problem(bob.get(&cases).await, 401).await;
    // The session stays ended (revoked), and Globex's data is not his either.
    problem(
        bob.get(&format!("/customer/{}/cases", common::GLOBEX))
            .await,
        401,
    )
    .await;
    assert_eq!(alice.get(&cases).await.status(), 200);
}

/// Peak resident memory of process `pid` in KiB (`VmHWM`).
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// The real binary under 200 sign-ins at once, at random emails from 200 addresses: with the
/// cap on password checks, the process's peak memory grows by a few checks' worth (argon2 takes
/// 19 MiB each), not by 200 of them (seen: 644 MiB with the cap raised to 200), and every
/// attempt is answered 401 or 503.
#[tokio::test]
async fn a_sign_in_flood_keeps_memory_bounded() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut child = common::portal_command(data_dir.path())
        .env("PORTAL_HTTP__TRUST_FORWARDED_FOR", "true")
        .env("PORTAL_AUTH__PASSWORD_CHECK_CONCURRENCY", "2")
        .spawn()
        .expect("start portal");
    let (addr, lines) = common::wait_listening(&mut child);
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
    let before = peak_rss_kib(child.id());

    let client = reqwest::Client::new();
    let attempts = (0..200).map(|i| {
        let client = &client;
        async move {
            client
                .post(format!("http://{addr}/auth/login"))
                .header(
                    "x-forwarded-for",
                    format!("10.0.{}.{}", i / 200, i % 200 + 1),
                )
                .json(&json!({"email": format!("user-{i}@flood.example"), "password": "guess"}))
                .send()
                .await
                .expect("sign-in")
                .status()
                .as_u16()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let after = peak_rss_kib(child.id());
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 503),
        "{statuses:?}"
    );
    let grew_mib = after.saturating_sub(before) / 1024;
    assert!(
        grew_mib < 150,
        "peak memory grew by {grew_mib} MiB under 200 sign-ins at once"
    );
}
