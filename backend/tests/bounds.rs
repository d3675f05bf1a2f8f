//! Every path segment and query value is bounded: a 10 KB one on any route is refused with a
//! short problem before any work, and neither the problem nor any line of the process's log
//! repeats it at length. Values long enough to pass the bound on the whole address but longer
//! than any id or cursor are refused by the route's own parsing, also without repeating them.
//! On the real binary, whose JSON log is read to its end after a clean shutdown.

mod common;

use std::net::SocketAddr;
use std::process::Child;

use common::{GLOBEX, PASSWORD};
use serde_json::json;

/// 10 KB of one letter: a run of it in a response or a log line is the value repeated.
fn long() -> String {
    "x".repeat(10 * 1024)
}

/// The refusals every probe may get; anything else (a 200, a 500) fails the test.
const REFUSALS: [u16; 5] = [400, 403, 404, 405, 422];

/// The binary, and a thread collecting its log lines until it exits.
fn start() -> (
    Child,
    SocketAddr,
    tempfile::TempDir,
    std::thread::JoinHandle<Vec<String>>,
) {
    let data = tempfile::tempdir().unwrap();
    let mut child = common::portal_command(data.path())
        .spawn()
        .expect("start portal");
    let (addr, lines) = common::wait_listening(&mut child);
    let log = std::thread::spawn(move || lines.map_while(Result::ok).collect());
    (child, addr, data, log)
}

#[tokio::test]
async fn long_path_segments_and_query_values_get_short_problems_and_short_log_lines() {
    let (mut child, addr, _data, log) = start();
    let base = format!("http://{addr}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let body = common::json_of(
        client
            .post(format!("{base}/auth/login"))
            .json(&json!({"email": "gina@globex.example", "password": PASSWORD})),
    )
    .await;
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();

    let long = long();
    // Longer than any id or cursor, short enough to reach the route.
    let id_sized = "x".repeat(100);
    let cursor_sized = "x".repeat(2048);
    let mut probes: Vec<(&str, String, u16)> = Vec::new();
    for segment in [&long, &id_sized] {
        for path in [
            format!("/customer/{segment}/cases"),
            format!("/customer/{GLOBEX}/cases/{segment}"),
            format!("/customer/{segment}/documents"),
            format!("/customer/{GLOBEX}/documents/{segment}/download"),
            format!("/downloads/{segment}"),
            format!("/auth/{segment}"),
            format!("/{segment}"),
        ] {
            probes.push(("GET", path, 0));
        }
        probes.push(("POST", format!("/customer/{segment}/cases"), 0));
        for action in ["close", "reopen"] {
            probes.push((
                "POST",
                format!("/customer/{GLOBEX}/cases/{segment}/{action}"),
                0,
            ));
        }
    }
    for (path, status) in [
        (format!("/customer/{GLOBEX}/cases?cursor={long}"), 400),
        (format!("/customer/{GLOBEX}/cases?q={long}"), 400),
        (format!("/customer/{GLOBEX}/cases?sort={long}"), 400),
        (format!("/customer/{GLOBEX}/documents?cursor={long}"), 400),
        (format!("/downloads/069Dn000001a2b3IAA?sig={long}"), 400),
        (format!("/auth/oidc/login?return_to=/{long}"), 400),
        (
            format!("/auth/oidc/callback?error={long}&error_description={long}"),
            400,
        ),
        (format!("/auth/session?x={long}"), 400),
        (format!("/healthz?x={long}"), 400),
        (
            format!("/customer/{GLOBEX}/cases?cursor={cursor_sized}"),
            422,
        ),
        (
            format!("/customer/{GLOBEX}/documents?cursor={cursor_sized}"),
            422,
        ),
        (format!("/customer/{GLOBEX}/cases?q={cursor_sized}"), 422),
    ] {
        probes.push(("GET", path, status));
    }
    probes.push(("POST", format!("/customer/{GLOBEX}/cases?x={long}"), 400));
    probes.push(("POST", format!("/auth/login?x={long}"), 400));

    let run = "x".repeat(64);
    for (method, path, status) in &probes {
        let request = match *method {
            "GET" => client.get(format!("{base}{path}")),
            _ => client
                .post(format!("{base}{path}"))
                .header("x-csrf-token", &csrf)
                .json(&json!({})),
        };
        let response = request.send().await.unwrap();
        let got = response.status().as_u16();
        let shown = &path[..path.len().min(60)];
        if *status == 0 {
            assert!(REFUSALS.contains(&got), "{method} {shown}...: {got}");
        } else {
            assert_eq!(got, *status, "{method} {shown}...");
        }
        let problem = common::problem(response, got).await.to_string();
        assert!(problem.len() < 600, "{method} {shown}...: {problem}");
        assert!(!problem.contains(&run), "{method} {shown}...: {problem}");
    }

    // A clean shutdown writes every pending log line; then the log is complete.
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap();
    let lines = log.join().unwrap();
    let refused = lines
        .iter()
        .filter(|l| l.contains("finished processing request"))
        .count();
    assert!(
        refused >= probes.len(),
        "every refusal is logged ({refused} of {})",
        probes.len()
    );
    for line in &lines {
        assert!(line.len() < 2048, "a log line of {} bytes", line.len());
        assert!(!line.contains(&"x".repeat(300)), "{line}");
    }
}
