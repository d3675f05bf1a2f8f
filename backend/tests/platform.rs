//! Probes, the OpenAPI contract, headers on every response, problem responses from the HTTP
//! layer, CORS and the web app's static serving.

mod common;

use common::{ACME, TestApp, json_of, problem, problem_of};
use serde_json::{Value, json};

#[tokio::test]
async fn probes_answer() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    let live = json_of(client.get(app.url("/healthz"))).await;
    assert_eq!(live, json!({"status": "ok"}));
    let ready = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let ready: Value = ready.json().await.unwrap();
    let mut checks = json!({"salesforce": {"status": "up"}});
    if common::test_redis().is_some() {
        checks["redis"] = json!({"status": "up"});
    }
    if common::salesforce_backend() {
        // The Salesforce adapter also reports its token (held since the start-up's probe),
        // its circuit and its cache.
        checks["salesforce_token"] = json!({"status": "valid"});
        checks["salesforce_circuit"] = json!({"status": "closed"});
        let cache = if common::test_redis().is_some() {
            "memory+redis-invalidation"
        } else {
            "memory"
        };
        checks["salesforce_cache"] = json!({"status": cache});
    }
    assert_eq!(ready, json!({"status": "ready", "checks": checks}));
}

#[tokio::test]
async fn the_served_openapi_document_is_the_committed_one() {
    let app = TestApp::spawn().await;
    let served = json_of(app.anonymous().get(app.url("/openapi.json"))).await;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, serde_json::to_string_pretty(&served).unwrap() + "\n").unwrap();
    }
    let committed: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(
        served == committed,
        "backend/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test --test platform` and commit it"
    );
    // Every route is documented, with its error responses.
    let paths = served["paths"].as_object().unwrap();
    for route in [
        "/auth/login",
        "/auth/session",
        "/auth/logout",
        "/customer/{customer_id}/cases",
        "/customer/{customer_id}/cases/{case_id}",
        "/customer/{customer_id}/documents",
        "/customer/{customer_id}/documents/{document_id}/download",
        "/downloads/{document_id}",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains_key(route), "{route} undocumented");
    }
    // Every path parameter is declared once, with the pattern of the id it holds (a second,
    // plain copy would let clients send anything).
    for (route, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let mut declared = std::collections::HashSet::new();
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let place = (
                    parameter["name"].as_str().unwrap(),
                    parameter["in"].as_str().unwrap(),
                );
                assert!(
                    declared.insert(place),
                    "{method} {route} declares {place:?} twice"
                );
                if place.1 == "path" {
                    assert!(
                        parameter["schema"]["pattern"].is_string(),
                        "{method} {route}: {} has no pattern",
                        place.0
                    );
                }
            }
        }
    }
    let create = &served["paths"]["/customer/{customer_id}/cases"]["post"];
    for status in [
        "201", "400", "401", "403", "409", "413", "415", "422", "429", "503",
    ] {
        assert!(
            create["responses"].get(status).is_some(),
            "POST cases lacks {status}"
        );
    }
    let login = &served["paths"]["/auth/login"]["post"];
    for status in ["200", "400", "401", "413", "415", "422", "429", "503"] {
        assert!(
            login["responses"].get(status).is_some(),
            "POST /auth/login lacks {status}"
        );
    }
    // The headers each response sends are declared.
    let headers_of = |operation: &Value, status: &str| -> Vec<String> {
        operation["responses"][status]["headers"]
            .as_object()
            .map(|h| h.keys().cloned().collect())
            .unwrap_or_default()
    };
    for (operation, status, header) in [
        (create, "201", "Location"),
        (create, "201", "Idempotent-Replayed"),
        (create, "201", "RateLimit"),
        (create, "201", "RateLimit-Policy"),
        (create, "429", "Retry-After"),
        (create, "429", "RateLimit"),
        (create, "429", "RateLimit-Policy"),
        (create, "503", "Retry-After"),
        (login, "429", "Retry-After"),
        (login, "503", "Retry-After"),
    ] {
        assert!(
            headers_of(operation, status).iter().any(|h| h == header),
            "{} {status} does not declare {header}",
            operation["operationId"]
        );
    }
    // Any request can time out (503), and reads depend on Salesforce or the shared state.
    for (route, item) in paths {
        if !(route.starts_with("/auth/")
            || route.starts_with("/customer/")
            || route.starts_with("/downloads/"))
        {
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            assert!(
                operation["responses"].get("503").is_some(),
                "{method} {route} lacks 503"
            );
        }
    }
    let statuses = &served["components"]["schemas"]["CaseStatus"]["enum"];
    assert_eq!(
        *statuses,
        json!([
            "new",
            "in_progress",
            "waiting_on_customer",
            "escalated",
            "on_hold",
            "closed"
        ])
    );
}

#[tokio::test]
async fn interactive_docs_are_served() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    let page = client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("swagger-ui"));
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let alice = app.login("alice@acme.example").await;
    let responses = [
        alice.get("/healthz").await,
        alice.get(&format!("/customer/{ACME}/cases?limit=1")).await,
        alice.get("/customer/001Dn0004Ot9nDpIQI/cases").await,
        alice.get("/auth/nothing-here").await,
        app.anonymous()
            .get(app.url("/auth/session"))
            .send()
            .await
            .unwrap(),
    ];
    for response in responses {
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no HSTS over plain http"
        );
        assert!(
            h.get("access-control-allow-origin").is_none(),
            "CORS is off by default"
        );
        assert!(h.contains_key("x-request-id"));
    }
}

#[tokio::test]
async fn request_ids_are_accepted_returned_and_put_in_problems() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    let r = client
        .get(app.url("/auth/session"))
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-abc-123");
    assert_eq!(problem(r, 401).await["request_id"], "trace-abc-123");
    // An unreasonable id is replaced, not echoed.
    let r = client
        .get(app.url("/healthz"))
        .header("x-request-id", "x".repeat(500))
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a fresh UUID: {id}");
}

#[tokio::test]
async fn errors_of_the_http_layer_are_problems_too() {
    let app = TestApp::spawn_with(|c| c.http.body_limit_bytes = 4096).await;
    let alice = app.login("alice@acme.example").await;
    problem(alice.get("/customer/x/y/z/unknown").await, 404).await;
    let wrong_method = alice
        .client
        .delete(alice.url("/auth/session"))
        .header("x-csrf-token", &alice.csrf)
        .send()
        .await
        .unwrap();
    problem(wrong_method, 405).await;
    let huge = json!({"subject": "s", "description": "x".repeat(10_000)});
    let too_large = alice
        .client
        .post(alice.url(&format!("/customer/{ACME}/cases")))
        .header("x-csrf-token", &alice.csrf)
        .json(&huge)
        .send()
        .await
        .unwrap();
    problem(too_large, 413).await;
    assert!(
        alice
            .all_cases("q=s")
            .await
            .iter()
            .all(|c| c["subject"] != "s")
    );
}

#[tokio::test]
async fn cors_answers_only_allowed_origins() {
    let app = TestApp::spawn_with(|c| {
        c.http.cors_allowed_origins = vec!["https://app.example.com".into()]
    })
    .await;
    let client = app.anonymous();
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, app.url("/auth/login"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("https://app.example.com").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(
        allowed.headers()["access-control-allow-credentials"],
        "true"
    );
    let refused = preflight("https://evil.example.net").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    // Answers made outside the routes (here a body over the limit) carry CORS headers too, so
    // the allowed web app can read their problem details.
    let too_large = client
        .post(app.url("/auth/login"))
        .header("origin", "https://app.example.com")
        .header("content-type", "application/json")
        .body(vec![b' '; 300 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(
        too_large.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    problem(too_large, 413).await;
}

#[tokio::test]
async fn the_web_app_is_served_with_an_spa_fallback_and_cache_rules() {
    let web = tempfile::tempdir().unwrap();
    std::fs::create_dir(web.path().join("assets")).unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>Portal</title>",
    )
    .unwrap();
    std::fs::write(web.path().join("assets/app-1a2b3c.js"), "console.log(1)").unwrap();
    std::fs::write(web.path().join("favicon.svg"), "<svg/>").unwrap();
    let dir = web.path().to_owned();
    let app = TestApp::spawn_with(move |c| c.web_dir = dir).await;
    let client = app.anonymous();

    for route in [
        "/",
        "/cases",
        "/cases/500Dn0001euruuWIAQ",
        "/documents?sort=title",
    ] {
        let r = client.get(app.url(route)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{route}");
        assert_eq!(r.headers()["cache-control"], "no-cache");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(r.headers().contains_key("content-security-policy"));
        assert_eq!(
            r.text().await.unwrap(),
            "<!doctype html><title>Portal</title>"
        );
    }
    let asset = client
        .get(app.url("/assets/app-1a2b3c.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(asset.text().await.unwrap(), "console.log(1)");
    let favicon = client.get(app.url("/favicon.svg")).send().await.unwrap();
    assert_eq!(favicon.headers()["cache-control"], "no-cache");
    // A revalidation of a file the browser has is answered "not modified", never with the shell
    // (a script in the shell's place would be refused for its HTML type).
    let validator = favicon.headers()["last-modified"].clone();
    let revalidated = client
        .get(app.url("/favicon.svg"))
        .header("if-modified-since", validator)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
    assert_eq!(revalidated.headers()["cache-control"], "no-cache");
    assert!(revalidated.text().await.unwrap().is_empty());
    let ranged = client
        .get(app.url("/favicon.svg"))
        .header("range", "bytes=1-3")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.text().await.unwrap(), "svg");
    problem_of(client.get(app.url("/assets/missing.js")), 404).await;
    problem_of(client.get(app.url("/customer/unknown/route")), 404).await;
    // Traversal out of the web folder finds nothing.
    problem_of(
        client.get(app.url("/assets/..%2F..%2F..%2Fetc%2Fpasswd")),
        404,
    )
    .await;
    let escaped = client
        .get(app.url("/..%2F..%2Fetc%2Fpasswd"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(escaped, "<!doctype html><title>Portal</title>");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_refusals() {
    let app = TestApp::spawn_with(|c| c.cases.rate_limit.burst = 1).await;
    let gina = app.login("gina@globex.example").await;
    gina.get(&format!("/customer/{}/cases?limit=1", common::GLOBEX))
        .await;
    gina.get(&format!("/customer/{}/cases?limit=2", common::GLOBEX))
        .await;
    gina.create_case(&common::new_case("one"), None).await;
    gina.create_case(&common::new_case("two"), None).await;
    let text = gina.get("/metrics").await.text().await.unwrap();
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.starts_with(needle))
            .unwrap_or_else(|| panic!("no {needle} in\n{text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    assert_eq!(
        line(
            r#"portal_http_requests_total{route="/customer/{customer_id}/cases",method="GET",status="200"}"#
        ),
        2.0
    );
    assert_eq!(
        line(
            r#"portal_http_requests_total{route="/customer/{customer_id}/cases",method="POST",status="429"}"#
        ),
        1.0
    );
    assert_eq!(
        line(r#"portal_rate_limit_refusals_total{limit="case_create"}"#),
        1.0
    );
    assert!(
        line(
            r#"portal_http_request_duration_seconds_count{route="/customer/{customer_id}/cases",method="GET"}"#
        ) >= 2.0
    );
    // Raw ids never become labels.
    assert!(!text.contains("001Dn0004Ot9nDpIQI"));
}

/// Methods are labels from a closed set: a client inventing methods (or paths) cannot add
/// series to the metrics, each of which the portal would keep in memory for good.
#[tokio::test]
async fn invented_methods_are_counted_as_other() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    for method in ["FROBNICATE", "BREW", "FROBNICATE"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = client
            .request(method, app.url("/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405);
    }
    let text = app.metrics_text().await;
    let other: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.starts_with("portal_http_requests_total{")
                && l.contains(r#"method="other",status="405""#)
        })
        .collect();
    assert_eq!(other.len(), 1, "{text}");
    assert!(other[0].ends_with(" 3"), "{}", other[0]);
    assert!(!text.contains("FROBNICATE") && !text.contains("BREW"));
}

#[tokio::test]
async fn metrics_can_require_a_token() {
    let app = TestApp::spawn_with(|c| {
        c.metrics.token = Some(portal::config::Secret::new("scrape-token"))
    })
    .await;
    let client = app.anonymous();
    problem_of(client.get(app.url("/metrics")), 401).await;
    let wrong = client
        .get(app.url("/metrics"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    problem(wrong, 401).await;
    let ok = client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-token")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(
        ok.text()
            .await
            .unwrap()
            .contains("portal_http_requests_in_flight")
    );
}
