//! The alert rules (`deploy/prometheus/alerts.yaml`) and the Grafana dashboard
//! (`deploy/grafana/portal-dashboard.json`) use only metrics that the portal really exposes:
//! every `portal_*` name in them is a series of a live scrape of `/metrics` (the families'
//! `# TYPE` lines, with the suffixes each type's samples carry).

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::TestApp;
use serde_json::Value;

fn repo_file(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The sample names the scrape's families give: `portal_x_total` for a counter `portal_x`,
/// `_bucket`, `_sum` and `_count` for a histogram, the name itself for a gauge.
fn exposed_series(scrape: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in scrape.lines() {
        let Some(rest) = line.strip_prefix("# TYPE ") else {
            continue;
        };
        let mut parts = rest.split_whitespace();
        let (Some(name), Some(kind)) = (parts.next(), parts.next()) else {
            continue;
        };
        let suffixes: &[&str] = match kind {
            "counter" => &["_total", "_created"],
            "histogram" => &["_bucket", "_sum", "_count", "_created"],
            _ => &[""],
        };
        for suffix in suffixes {
            names.insert(format!("{name}{suffix}"));
        }
    }
    names
}

/// Every `portal_...` identifier in `text`, outside `#` comments.
fn referenced(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| t.starts_with("portal_"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn alerts_and_dashboard_use_only_exposed_metrics() {
    // Salesforce mode (through the emulator): its cache and its calls have series too.
    let app = TestApp::spawn_salesforce_with(|c| {
        c.cases.rate_limit.per_hour = 1;
        c.cases.rate_limit.burst = 1;
    })
    .await;
    // Some traffic, so that every family has samples.
    let gina = app.login("gina@globex.example").await;
    for path in ["cases", "documents", "cases"] {
        let r = gina
            .get(&format!("/customer/{}/{path}", gina.customer))
            .await;
        assert_eq!(r.status(), 200);
    }
    // A rate limit refusal: the second case within the hour.
    for (n, status) in [(1, 201), (2, 429)] {
        let r = gina
            .create_case(&common::new_case(&format!("metrics {n}")), None)
            .await;
        assert_eq!(r.status(), status);
    }
    let scrape = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let exposed = exposed_series(&scrape);
    assert!(
        exposed.contains("portal_http_requests_total")
            && exposed.contains("portal_http_request_duration_seconds_bucket"),
        "the scrape was read: {exposed:?}"
    );

    let alerts = repo_file("deploy/prometheus/alerts.yaml");
    let used = referenced(&alerts);
    assert!(used.len() >= 6, "the rules were read: {used:?}");
    let unknown: Vec<_> = used.difference(&exposed).collect();
    assert!(
        unknown.is_empty(),
        "alerts.yaml uses metrics the portal does not expose: {unknown:?}"
    );
    // The alerts the deployment promises.
    for alert in [
        "PortalHigh5xxRate",
        "PortalSalesforceCircuitOpen",
        "PortalSalesforceApiBudgetHigh",
        "PortalServingStaleData",
        "PortalHighLatencyP99",
    ] {
        assert!(
            alerts.contains(&format!("alert: {alert}\n")),
            "{alert} missing"
        );
    }

    let dashboard: Value =
        serde_json::from_str(&repo_file("deploy/grafana/portal-dashboard.json")).unwrap();
    let mut exprs = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        let targets = panel["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "panel {} has no query", panel["title"]);
        for target in targets {
            exprs.push(target["expr"].as_str().expect("expr").to_owned());
        }
    }
    let used = referenced(&exprs.join("\n"));
    assert!(used.len() >= 8, "the dashboard was read: {used:?}");
    let unknown: Vec<_> = used.difference(&exposed).collect();
    assert!(
        unknown.is_empty(),
        "the dashboard uses metrics the portal does not expose: {unknown:?}"
    );
}

/// The check above can fail: a made-up or misspelt name is caught.
#[test]
fn the_check_sees_an_unknown_metric() {
    let exposed = exposed_series(
        "# TYPE portal_http_requests counter\n# TYPE portal_lat histogram\n# TYPE portal_g gauge\n",
    );
    let used = referenced(
        "rate(portal_http_requests_total[5m]) / portal_g + portal_lat_bucket + portal_http_request_total",
    );
    let unknown: Vec<_> = used.difference(&exposed).cloned().collect();
    assert_eq!(unknown, ["portal_http_request_total"]);
}
