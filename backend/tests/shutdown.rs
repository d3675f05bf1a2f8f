//! Graceful shutdown of the real binary (`portal`), and a rolling restart of two instances
//! behind nginx under load.
//!
//! On SIGTERM an instance answers `/readyz` with 503 at once while it goes on serving (with
//! `Connection: close`) for `shutdown.drain_delay_secs`; then its listener closes and the
//! requests in flight finish, within `shutdown.timeout_secs`; it exits 0 after its last log
//! line. Behind nginx with the shipped proxy settings (`deploy/nginx/portal-proxy.conf`),
//! restarting the instances one after the other under load fails no request. Over TLS and
//! HTTP/2 too, a request in flight at SIGTERM is answered after the listener closed.
//!
//! Needs nginx for the rolling restart (`scripts/test` installs it).

mod common;

use std::io::{BufRead, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{GLOBEX, PASSWORD};
use serde_json::{Value, json};

/// A portal process with its log lines collected on a thread.
struct Instance {
    child: Child,
    addr: SocketAddr,
    log: mpsc::Receiver<String>,
}

impl Instance {
    fn start(data_dir: &Path, listen: &str, drain_secs: u64, timeout_secs: u64) -> Self {
        Self::start_with(data_dir, listen, drain_secs, timeout_secs, &[])
    }

    fn start_with(
        data_dir: &Path,
        listen: &str,
        drain_secs: u64,
        timeout_secs: u64,
        env: &[(&str, &Path)],
    ) -> Self {
        std::fs::create_dir_all(data_dir).expect("data dir");
        let mut command = common::portal_command(data_dir);
        command.envs(env.iter().copied());
        let mut child = command
            .env("PORTAL_LISTEN", listen)
            .env("PORTAL_HTTP__TRUST_FORWARDED_FOR", "true")
            .env("PORTAL_SHUTDOWN__DRAIN_DELAY_SECS", drain_secs.to_string())
            .env("PORTAL_SHUTDOWN__TIMEOUT_SECS", timeout_secs.to_string())
            .spawn()
            .expect("start portal");
        let (addr, lines) = common::wait_listening(&mut child);
        let (tx, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, addr, log }
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits up to `limit` for the process to exit; its status and its whole remaining log.
    fn wait_exit(mut self, limit: Duration) -> (ExitStatus, Vec<String>) {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(
                started.elapsed() < limit,
                "the portal did not exit within {limit:?} of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // The log thread ends at end of file, once the process is gone.
        let log =
            std::iter::from_fn(|| self.log.recv_timeout(Duration::from_secs(5)).ok()).collect();
        (status, log)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A one-shot HTTP/1.1 GET: status, lower-cased head, body; `None` if no connection.
fn get(addr: SocketAddr, path: &str) -> Option<(u16, String, String)> {
    let mut tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    tcp.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(tcp, "GET {path} HTTP/1.1\r\nHost: portal\r\n\r\n").ok()?;
    read_response(&mut tcp)
}

/// Reads one response (with a Content-Length body) off `tcp`.
fn read_response(tcp: &mut TcpStream) -> Option<(u16, String, String)> {
    let mut reader = std::io::BufReader::new(tcp);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line.to_ascii_lowercase());
    }
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(Some(0), |v| v.trim().parse().ok())?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((status, head, String::from_utf8_lossy(&body).into_owned()))
}

/// Polls `check` every 20 ms until it holds, for up to `limit`.
fn until(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A sign-in whose body is held back: the request is in the handler, reading its body (the
/// server has sent `100 Continue`), when this returns. `finish` sends the rest.
struct HeldRequest {
    tcp: TcpStream,
    rest: Vec<u8>,
}

impl HeldRequest {
    fn open(addr: SocketAddr) -> Self {
        let body = json!({"email": "gina@globex.example", "password": PASSWORD}).to_string();
        let mut tcp = TcpStream::connect(addr).expect("connect");
        tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            tcp,
            "POST /auth/login HTTP/1.1\r\nHost: portal\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
            body.len()
        )
        .unwrap();
        let mut continued = [0u8; 25];
        tcp.read_exact(&mut continued).expect("100 Continue");
        assert!(
            continued.starts_with(b"HTTP/1.1 100 Continue\r\n\r\n"),
            "{}",
            String::from_utf8_lossy(&continued)
        );
        let (first, rest) = body.as_bytes().split_at(10);
        tcp.write_all(first).unwrap();
        Self {
            tcp,
            rest: rest.to_vec(),
        }
    }

    fn finish(mut self) -> Option<(u16, String, String)> {
        self.tcp.write_all(&self.rest).ok()?;
        read_response(&mut self.tcp)
    }
}

#[test]
fn sigterm_turns_readiness_off_then_finishes_requests_in_flight() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = Instance::start(&tmp.path().join("data"), "127.0.0.1:0", 2, 20);
    let addr = instance.addr;
    until(Duration::from_secs(10), "ready", || {
        get(addr, "/readyz").is_some_and(|(s, _, _)| s == 200)
    });
    let held = HeldRequest::open(addr);

    instance.terminate();
    // Out of the load balancer at once...
    until(Duration::from_secs(5), "/readyz 503 after SIGTERM", || {
        get(addr, "/readyz").is_some_and(|(s, _, body)| {
            s == 503 && serde_json::from_str::<Value>(&body).unwrap()["status"] == "draining"
        })
    });
    // ... while still serving, with connections closed after each response.
    let (status, head, _) = get(addr, "/healthz").expect("served while draining");
    assert_eq!(status, 200);
    assert!(head.contains("connection: close"), "{head}");
    // Then the listener closes: new connections are refused.
    until(Duration::from_secs(10), "listener closed", || {
        TcpStream::connect(addr).is_err()
    });
    // The request in flight since before SIGTERM still completes.
    let (status, head, body) = held.finish().expect("the request in flight was answered");
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("set-cookie: portal_session="), "{head}");

    let (exit, log) = instance.wait_exit(Duration::from_secs(20));
    assert!(exit.success(), "exit status {exit}");
    let messages: Vec<String> = log
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|e| e["message"].as_str().map(str::to_owned))
        .collect();
    let position = |needle: &str| {
        messages
            .iter()
            .position(|m| m.contains(needle))
            .unwrap_or_else(|| panic!("no log line {needle:?} in {messages:#?}"))
    };
    // In that order, the last one written out before the process ended.
    assert!(position("not ready") < position("listener closed"));
    assert!(position("listener closed") < position("portal stopped"));
}

#[test]
fn requests_in_flight_past_the_timeout_are_cut_off() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = Instance::start(&tmp.path().join("data"), "127.0.0.1:0", 0, 1);
    let addr = instance.addr;
    until(Duration::from_secs(10), "ready", || {
        get(addr, "/readyz").is_some_and(|(s, _, _)| s == 200)
    });
    // Never finished by the client.
    let held = HeldRequest::open(addr);
    let started = Instant::now();
    instance.terminate();
    let (exit, log) = instance.wait_exit(Duration::from_secs(15));
    assert!(exit.success(), "exit status {exit}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "exited before shutdown.timeout_secs"
    );
    assert!(
        log.iter().any(|l| l.contains("are cut off")),
        "no warning about the cut-off request: {log:#?}"
    );
    assert!(held.finish().is_none(), "no answer from a stopped process");
}

/// nginx in front of `upstreams`, with the shipped proxy settings; stopped when dropped.
struct Nginx {
    child: Child,
    port: u16,
}

impl Nginx {
    fn start(dir: &Path, upstreams: &[SocketAddr]) -> Self {
        let binary = ["nginx", "/usr/sbin/nginx"]
            .into_iter()
            .find(|b| {
                Command::new(b)
                    .arg("-v")
                    .stderr(Stdio::null())
                    .status()
                    .is_ok()
            })
            .expect("nginx is not installed (scripts/test installs it with apt-get)");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // The upstream's server parameters are those of deploy/nginx/nginx.conf.
        let servers: String = upstreams
            .iter()
            .map(|a| format!("    server {a} max_fails=1 fail_timeout=2s;\n"))
            .collect();
        let proxy = repo_root().join("deploy/nginx/portal-proxy.conf");
        let d = dir.display();
        let conf = format!(
            "user root;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 512; }}
http {{
  access_log off;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  upstream portal {{
{servers}    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      include {proxy};
      # Which instance answered, for the test to see an instance back in rotation.
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
",
            proxy = proxy.display()
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(binary)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf_path)
            .args(["-g", "daemon off;", "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        Self { child, port }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Requests that went through nginx during the restart, and those that failed (with why).
#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    /// Responses by the instance that gave them (`X-Upstream`, the last one nginx tried).
    by_upstream: std::sync::Mutex<std::collections::HashMap<String, u64>>,
    failed: std::sync::Mutex<Vec<String>>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rolling_restart_behind_nginx_fails_no_request() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = [tmp.path().join("a"), tmp.path().join("b")];
    let start = |dir: PathBuf, listen: String| {
        tokio::task::spawn_blocking(move || Instance::start(&dir, &listen, 1, 20))
    };
    let a = start(dirs[0].clone(), "127.0.0.1:0".into()).await.unwrap();
    let b = start(dirs[1].clone(), "127.0.0.1:0".into()).await.unwrap();
    let addrs = [a.addr, b.addr];
    let nginx_dir = tmp.path().join("nginx");
    std::fs::create_dir_all(&nginx_dir).unwrap();
    let lb = Nginx::start(&nginx_dir, &addrs);
    let base = format!("http://127.0.0.1:{}", lb.port);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    for addr in addrs {
        tokio::task::spawn_blocking(move || {
            until(Duration::from_secs(10), "instance ready", || {
                get(addr, "/readyz").is_some_and(|(s, _, _)| s == 200)
            });
        })
        .await
        .unwrap();
    }
    let mut login = None;
    for _ in 0..100 {
        if let Ok(r) = client
            .post(format!("{base}/auth/login"))
            .json(&json!({"email": "gina@globex.example", "password": PASSWORD}))
            .send()
            .await
            && r.status() == 200
        {
            login = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let login = login.expect("sign-in through nginx");
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    // Load: eight clients in a loop: reads, a liveness probe and a refused write.
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let mut load = Vec::new();
    for n in 0..8 {
        let (client, base, cookie) = (client.clone(), base.clone(), cookie.clone());
        let (stop, tally) = (Arc::clone(&stop), Arc::clone(&tally));
        load.push(tokio::spawn(async move {
            // (method, path, the portal's answer). The POST, without its CSRF token, is
            // refused by the portal (403): a write that nginx must not replay once sent, so
            // only a refused connection may move it to the other instance.
            let requests = [
                (
                    "GET",
                    format!("/customer/{GLOBEX}/cases?limit=20&sort=-created_at"),
                    200,
                ),
                ("GET", "/healthz".to_owned(), 200),
                ("POST", format!("/customer/{GLOBEX}/cases"), 403),
                ("GET", "/auth/session".to_owned(), 200),
            ];
            let mut i = n;
            while !stop.load(Ordering::Relaxed) {
                let (method, path, expected) = &requests[i % requests.len()];
                i += 1;
                let request = if *method == "POST" {
                    client.post(format!("{base}{path}")).json(&json!({}))
                } else {
                    client.get(format!("{base}{path}"))
                };
                match request.header("cookie", &cookie).send().await {
                    Ok(r)
                        if r.status() == *expected
                            && (*expected == 200
                                || r.headers()["content-type"] == "application/problem+json") =>
                    {
                        let upstream = r
                            .headers()
                            .get("x-upstream")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.rsplit(", ").next())
                            .unwrap_or_default()
                            .to_owned();
                        *tally
                            .by_upstream
                            .lock()
                            .unwrap()
                            .entry(upstream)
                            .or_default() += 1;
                        match r.bytes().await {
                            Ok(_) => {
                                tally.ok.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(err) => tally
                                .failed
                                .lock()
                                .unwrap()
                                .push(format!("{method} {path}: body: {err}")),
                        }
                    }
                    Ok(r) => {
                        let status = r.status();
                        let body = r.text().await.unwrap_or_default();
                        tally
                            .failed
                            .lock()
                            .unwrap()
                            .push(format!("{method} {path}: {status} {body}"));
                    }
                    Err(err) => tally
                        .failed
                        .lock()
                        .unwrap()
                        .push(format!("{method} {path}: {err:?}")),
                }
            }
        }));
    }
    let served = |tally: &Tally| tally.ok.load(Ordering::Relaxed);
    // Some load before the restart begins.
    while served(&tally) < 200 {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Restart A, then B: SIGTERM, wait for the exit, start anew on the same address and data
    // directory, wait until it is ready, then the next one.
    let mut during_restart = Vec::new();
    let mut restarted = Vec::new();
    for (old, dir) in [a, b].into_iter().zip(dirs) {
        let addr = old.addr;
        let before = served(&tally);
        let (exit, log) = tokio::task::spawn_blocking(move || {
            old.terminate();
            old.wait_exit(Duration::from_secs(30))
        })
        .await
        .unwrap();
        assert!(exit.success(), "exit status {exit}");
        assert!(log.iter().any(|l| l.contains("portal stopped")), "{log:#?}");
        let new = start(dir, addr.to_string()).await.unwrap();
        assert_eq!(new.addr, addr);
        tokio::task::spawn_blocking(move || {
            until(Duration::from_secs(10), "restarted instance ready", || {
                get(addr, "/readyz").is_some_and(|(s, _, _)| s == 200)
            });
        })
        .await
        .unwrap();
        during_restart.push(served(&tally) - before);
        // As a rolling restart must: the next instance goes down only once this one is back
        // in rotation, answering requests through nginx (which skips an instance for
        // fail_timeout after a failure).
        let answered = |tally: &Tally| {
            tally
                .by_upstream
                .lock()
                .unwrap()
                .get(&addr.to_string())
                .copied()
                .unwrap_or(0)
        };
        let back = answered(&tally);
        let waiting = Instant::now();
        while answered(&tally) < back + 50 {
            assert!(
                waiting.elapsed() < Duration::from_secs(20),
                "the restarted instance {addr} got no load through nginx"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        restarted.push(new);
    }
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    let failed = tally.failed.lock().unwrap();
    let ok = served(&tally);
    eprintln!(
        "rolling restart: {ok} requests served, {} failed; served while A and while B \
         restarted: {during_restart:?}",
        failed.len()
    );
    let nginx_errors = std::fs::read_to_string(nginx_dir.join("error.log")).unwrap_or_default();
    let nginx_errors: Vec<&str> = nginx_errors
        .lines()
        .filter(|l| l.contains("[error]") || l.contains("[crit]") || l.contains("[alert]"))
        .take(20)
        .collect();
    assert!(
        failed.is_empty(),
        "{} failed requests, the first: {:#?}\nnginx errors: {nginx_errors:#?}",
        failed.len(),
        &failed[..failed.len().min(5)]
    );
    assert_eq!(restarted.len(), 2);
    assert!(
        during_restart.iter().all(|&n| n >= 50),
        "load kept running through each restart: {during_restart:?}"
    );
    drop(lb);
}

/// `portal healthcheck` (the image's HEALTHCHECK) asks the configured listen address for
/// `/healthz`: 0 while the portal serves, 1 (saying why) once it has stopped.
#[test]
fn the_healthcheck_command_asks_the_configured_listener() {
    let tmp = tempfile::tempdir().unwrap();
    let instance = Instance::start(&tmp.path().join("data"), "127.0.0.1:0", 0, 5);
    let addr = instance.addr;
    let healthcheck = || {
        common::portal_command(&tmp.path().join("probe"))
            .env("PORTAL_LISTEN", addr.to_string())
            .arg("healthcheck")
            .output()
            .expect("portal healthcheck")
    };
    let up = healthcheck();
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    instance.terminate();
    let (exit, _) = instance.wait_exit(Duration::from_secs(20));
    assert!(exit.success());
    let down = healthcheck();
    assert_eq!(down.status.code(), Some(1));
    let message = String::from_utf8_lossy(&down.stderr);
    assert!(
        message.contains(&format!("http://{addr}/healthz")),
        "{message}"
    );
}

/// Over TLS and HTTP/2: a request in flight when SIGTERM arrives (its body still coming) is
/// answered after the listener has closed, on its HTTP/2 connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_tls_and_http2_a_request_in_flight_finishes() {
    const HOST: &str = "portal.test";
    let tmp = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec![HOST.to_owned()]).unwrap();
    let (cert, key) = (tmp.path().join("cert.pem"), tmp.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let data = tmp.path().join("data");
    let instance = tokio::task::spawn_blocking(move || {
        Instance::start_with(
            &data,
            "127.0.0.1:0",
            2,
            20,
            &[
                ("PORTAL_TLS__CERT_FILE", &cert),
                ("PORTAL_TLS__KEY_FILE", &key),
            ],
        )
    })
    .await
    .unwrap();
    let addr = instance.addr;
    let client = reqwest::Client::builder()
        .resolve(HOST, addr)
        .add_root_certificate(
            reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap(),
        )
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let base = format!("https://{HOST}:{}", addr.port());
    let mut ready = false;
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            assert_eq!(r.version(), reqwest::Version::HTTP_2);
            ready = r.status() == 200;
            if ready {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(ready, "the TLS listener became ready");

    // A sign-in whose body arrives in two parts, the second only after the listener closed.
    let body = json!({"email": "gina@globex.example", "password": PASSWORD}).to_string();
    let length = body.len();
    let (first, rest) = body.split_at(10);
    let rest = rest.to_owned();
    let (tx, rx) = futures::channel::mpsc::unbounded::<Result<bytes::Bytes, std::io::Error>>();
    tx.unbounded_send(Ok(bytes::Bytes::copy_from_slice(first.as_bytes())))
        .unwrap();
    let in_flight = tokio::spawn({
        let (client, base) = (client.clone(), base.clone());
        async move {
            client
                .post(format!("{base}/auth/login"))
                .header("content-type", "application/json")
                .header("content-length", length)
                .body(reqwest::Body::wrap_stream(rx))
                .send()
                .await
        }
    });

    instance.terminate();
    let mut draining = None;
    for _ in 0..200 {
        let r = client.get(format!("{base}/readyz")).send().await.unwrap();
        if r.status() == 503 {
            draining = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let draining = draining.expect("/readyz 503 after SIGTERM");
    assert!(
        draining.headers().get("connection").is_none(),
        "no Connection header on HTTP/2"
    );
    tokio::task::spawn_blocking(move || {
        until(Duration::from_secs(10), "listener closed", || {
            TcpStream::connect(addr).is_err()
        });
    })
    .await
    .unwrap();
    tx.unbounded_send(Ok(bytes::Bytes::copy_from_slice(rest.as_bytes())))
        .unwrap();
    drop(tx);
    let response = in_flight.await.unwrap().expect("answered");
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    let (exit, _) =
        tokio::task::spawn_blocking(move || instance.wait_exit(Duration::from_secs(20)))
            .await
            .unwrap();
    assert!(exit.success(), "exit status {exit}");
}
