//! Several instances, one Redis: two portal processes (the real binary) on one Salesforce
//! emulator and one Redis, behind a real nginx load balancer. The guarantees of a single
//! instance hold across them: the per-customer rate limit, idempotent retries, sign-out, sign-in
//! throttling, and a new case is visible through both.
//!
//! Needs a Redis (`PORTAL_TEST_REDIS=redis://127.0.0.1:PORT`) and nginx; `scripts/test`
//! installs and starts both. Without `PORTAL_TEST_REDIS` the multi-instance test is skipped.
//! Also here: with Redis unreachable, the portal fails closed (503 + Retry-After).

mod common;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{GLOBEX, PASSWORD, TestApp, mocks_dir, new_case, problem};
use portal::config::Secret;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// Cases per hour and at once for the test's customers.
const BURST: u32 = 4;
/// Gina's contact (backend/mocks/local_accounts.json): idempotency keys are scoped to it.
const GINA_CONTACT: &str = "003Dn000UDjmF3MIYU";
/// Failed sign-ins per account per hour before the account is locked.
const ACCOUNT_FAILURES: u32 = 3;

/// A portal process; killed when dropped.
struct Instance {
    child: Child,
    addr: SocketAddr,
}

impl Instance {
    /// Starts the binary in Salesforce mode on the emulator with the shared Redis, and waits for
    /// its "portal listening" log line.
    fn start(
        data_dir: &Path,
        emulator_url: &str,
        key_file: &Path,
        redis: &str,
        prefix: &str,
    ) -> Self {
        std::fs::create_dir_all(data_dir).expect("data dir");
        let emulator = salesforce_emulator::EmulatorConfig::default();
        let mut child = common::portal_command(data_dir)
            .env("PORTAL_BACKEND", "salesforce")
            .env("PORTAL_SALESFORCE__LOGIN_URL", emulator_url)
            .env("PORTAL_SALESFORCE__CONSUMER_KEY", &emulator.consumer_key)
            .env(
                "PORTAL_SALESFORCE__USERNAME",
                &emulator.integration_username,
            )
            .env("PORTAL_SALESFORCE__PRIVATE_KEY_FILE", key_file)
            .env("PORTAL_REDIS_URL", redis)
            .env("PORTAL_REDIS_PREFIX", prefix)
            // Behind nginx: the client address is the one nginx appends to X-Forwarded-For.
            .env("PORTAL_HTTP__TRUST_FORWARDED_FOR", "true")
            .env("PORTAL_CASES__RATE_LIMIT__PER_HOUR", BURST.to_string())
            .env("PORTAL_CASES__RATE_LIMIT__BURST", BURST.to_string())
            .env(
                "PORTAL_AUTH__LOGIN_ATTEMPTS_PER_ACCOUNT_PER_HOUR",
                ACCOUNT_FAILURES.to_string(),
            )
            .spawn()
            .expect("start portal");
        let (addr, lines) = common::wait_listening(&mut child);
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self { child, addr }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// nginx in the foreground with its own config, logs and pid file in a temp dir; stopped when
/// dropped.
struct Nginx {
    child: Child,
    port: u16,
    dir: PathBuf,
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
        let port = free_port();
        let servers: String = upstreams
            .iter()
            .map(|a| format!("    server {a};\n"))
            .collect();
        let d = dir.display();
        // `user` only matters when nginx starts as root (as scripts/test does in CI): the
        // workers then need no access to the temp dir beyond root's.
        let conf = format!(
            "user root;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 256; }}
http {{
  access_log {d}/access.log;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  upstream portal {{
{servers}  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://portal;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      # Never replay a request on the other instance: the test decides where retries go.
      proxy_next_upstream off;
      # Which instance answered, for the test to see the round robin.
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
"
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("write nginx.conf");
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let mut cmd = Command::new(binary);
        cmd.arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf_path)
            .arg("-g")
            .arg("daemon off;")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if !is_root {
            // Without root, `user` is ignored with a warning; nothing else changes.
            cmd.arg("-q");
        }
        let child = cmd.spawn().expect("start nginx");
        Self {
            child,
            port,
            dir: dir.to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: nginx's fast shutdown, in which the master stops its workers. SIGKILL would
        // leave the workers running, orphaned.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

async fn wait_ready(client: &reqwest::Client, url: &str, what: &str) {
    for _ in 0..300 {
        if let Ok(r) = client.get(url).send().await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not become ready at {url}");
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A session for `email`, as a cookie header value usable against any address.
struct Signed {
    cookie: String,
    csrf: String,
}

async fn sign_in(client: &reqwest::Client, url: &str, email: &str) -> Signed {
    let response = client
        .post(url)
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("sign-in");
    assert_eq!(response.status(), 200, "sign-in of {email}");
    let cookie = header(&response, "set-cookie")
        .split(';')
        .next()
        .expect("cookie")
        .to_owned();
    let body: Value = response.json().await.expect("body");
    Signed {
        cookie,
        csrf: body["csrf_token"].as_str().expect("csrf").to_owned(),
    }
}

impl Signed {
    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("cookie", self.cookie.parse().expect("cookie"));
        headers.insert("x-csrf-token", self.csrf.parse().expect("csrf"));
        headers
    }

    async fn get(&self, client: &reqwest::Client, url: String) -> reqwest::Response {
        client
            .get(url)
            .headers(self.headers())
            .send()
            .await
            .expect("GET")
    }

    async fn create(
        &self,
        client: &reqwest::Client,
        base: &str,
        subject: &str,
        key: &str,
    ) -> reqwest::Response {
        client
            .post(format!("{base}/customer/{GLOBEX}/cases"))
            .headers(self.headers())
            .header("idempotency-key", key)
            .json(&new_case(subject))
            .send()
            .await
            .expect("POST")
    }

    /// The ids on the first page of the customer's cases (newest first).
    async fn newest_case_ids(&self, client: &reqwest::Client, base: &str) -> HashSet<String> {
        let response = self
            .get(client, format!("{base}/customer/{GLOBEX}/cases?limit=50"))
            .await;
        assert_eq!(response.status(), 200, "case list at {base}");
        let page: Value = response.json().await.expect("page");
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| c["id"].as_str().expect("id").to_owned())
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guarantees_hold_across_two_instances_behind_nginx() {
    let Some(redis) = common::test_redis() else {
        eprintln!(
            "SKIPPED guarantees_hold_across_two_instances_behind_nginx: PORTAL_TEST_REDIS is not \
             set (scripts/test starts a Redis and nginx and sets it)"
        );
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let (private, public) = common::jwt_keys();
    let key_file = tmp.path().join("jwt-key.pem");
    std::fs::write(&key_file, private).expect("write key");
    let emulator =
        common::spawn_emulator(mocks_dir().join("local_accounts.json"), public, Vec::new()).await;
    let prefix = common::unique_redis_prefix();
    // Each instance in its own data folder, on the same emulator, Redis and key prefix.
    let start = |name: &str| {
        Instance::start(
            &tmp.path().join(name),
            &emulator.base_url,
            &key_file,
            &redis,
            &prefix,
        )
    };
    let (a, b) = (start("a"), start("b"));
    let nginx_dir = tmp.path().join("nginx");
    std::fs::create_dir_all(&nginx_dir).expect("nginx dir");
    let lb = Nginx::start(&nginx_dir, &[a.addr, b.addr]);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    wait_ready(&client, &a.url("/readyz"), "instance A").await;
    wait_ready(&client, &b.url("/readyz"), "instance B").await;
    wait_ready(&client, &lb.url("/healthz"), "nginx").await;
    let (a_url, b_url, lb_url) = (a.url(""), b.url(""), lb.url(""));

    // Readiness reports Redis on every instance.
    for base in [&a_url, &b_url] {
        let ready = common::json_of(client.get(format!("{base}/readyz"))).await;
        assert_eq!(ready["checks"]["redis"]["status"], "up", "{ready}");
    }

    // nginx spreads requests over both instances.
    let mut upstreams = HashSet::new();
    for _ in 0..4 {
        let r = client.get(lb.url("/healthz")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        upstreams.insert(header(&r, "x-upstream"));
    }
    let expected: HashSet<String> = [a.addr.to_string(), b.addr.to_string()].into();
    assert_eq!(upstreams, expected, "round robin over both instances");

    // A session opened through the load balancer works on both instances.
    let gina = sign_in(&client, &lb.url("/auth/login"), "gina@globex.example").await;
    for base in [&a_url, &b_url] {
        let r = gina.get(&client, format!("{base}/auth/session")).await;
        assert_eq!(r.status(), 200, "session on {base}");
    }

    // Both instances have read (and may cache) the case list before anything is created.
    let before_a = gina.newest_case_ids(&client, &a_url).await;
    let before_b = gina.newest_case_ids(&client, &b_url).await;
    assert_eq!(before_a, before_b);

    // The per-customer rate limit counts across instances: BURST creates spread over A and B
    // succeed, counting down one budget; the next is refused on A, on B and through nginx.
    let mut created: Vec<(String, Value)> = Vec::new();
    for n in 0..BURST {
        let base = if n % 2 == 0 { &a_url } else { &b_url };
        let key = format!("multi-{n}");
        let r = gina
            .create(&client, base, &format!("Across instances {n}"), &key)
            .await;
        assert_eq!(r.status(), 201, "create {n} on {base}");
        assert_eq!(
            header(&r, "ratelimit"),
            format!("\"case-create\";r={};t=0", BURST - 1 - n),
            "one budget for both instances"
        );
        let case: Value = r.json().await.unwrap();
        if n == 0 {
            // A case created on A is visible at once on B, which listed the cases before, and
            // through nginx (both upstreams), in the list and by id.
            let id = case["id"].as_str().unwrap();
            for base in [&b_url, &lb_url, &lb_url] {
                assert!(
                    gina.newest_case_ids(&client, base).await.contains(id),
                    "the case created on A is missing from the list at {base}: a read cache \
                     that is not shared between instances serves a stale list"
                );
                let r = gina
                    .get(&client, format!("{base}/customer/{GLOBEX}/cases/{id}"))
                    .await;
                assert_eq!(r.status(), 200, "case {id} at {base}");
            }
        }
        created.push((key, case));
    }
    for base in [&a_url, &b_url, &lb_url] {
        let r = gina
            .create(&client, base, "One too many", &format!("too-many-{base}"))
            .await;
        let retry_after: u64 = header(&r, "retry-after").parse().expect("Retry-After");
        let period = 3600 / u64::from(BURST);
        assert!(
            retry_after <= period && retry_after + 60 > period,
            "Retry-After {retry_after}, one period is {period}"
        );
        assert_eq!(
            header(&r, "ratelimit"),
            format!("\"case-create\";r=0;t={retry_after}")
        );
        problem(r, 429).await;
    }

    // An idempotent retry that lands on the other instance returns the same case: the first
    // case was created on A; retry it on B directly, then twice through nginx (both upstreams).
    let (key, first) = &created[0];
    let subject = "Across instances 0";
    let r = gina.create(&client, &b_url, subject, key).await;
    assert_eq!(r.status(), 201);
    assert_eq!(header(&r, "idempotent-replayed"), "true");
    assert_eq!(&r.json::<Value>().await.unwrap(), first);
    let mut replayed_by = HashSet::new();
    for _ in 0..2 {
        let r = gina.create(&client, &lb_url, subject, key).await;
        assert_eq!(r.status(), 201);
        assert_eq!(header(&r, "idempotent-replayed"), "true");
        replayed_by.insert(header(&r, "x-upstream"));
        assert_eq!(&r.json::<Value>().await.unwrap(), first);
    }
    assert_eq!(replayed_by, expected, "replayed by both instances");
    // ... and the same key with another body is refused on the other instance too.
    let r = gina.create(&client, &b_url, "Another subject", key).await;
    assert_eq!(
        problem(r, 422).await["type"],
        "/problems/idempotency-key-reused"
    );
    // The record lives in the shared store, not in A's memory.
    let mut redis_conn = redis::Client::open(redis.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("connect to the test Redis");
    let record: Option<String> = redis::cmd("GET")
        .arg(format!("{prefix}:idem:{GLOBEX}:{GINA_CONTACT}:{key}"))
        .query_async(&mut redis_conn)
        .await
        .unwrap();
    let record: Value =
        serde_json::from_str(&record.expect("idempotency record in Redis")).unwrap();
    assert_eq!(record["state"], "done");
    // The case in its Salesforce wire form, as the adapters read it.
    assert_eq!(record["case"]["Id"], first["id"]);

    // A new case is visible through both instances and the load balancer, in the list (which
    // both had read before) and by id.
    for base in [&a_url, &b_url, &lb_url, &lb_url] {
        let ids = gina.newest_case_ids(&client, base).await;
        for (_, case) in &created {
            let id = case["id"].as_str().unwrap();
            assert!(
                ids.contains(id),
                "case {id} missing from the list at {base}"
            );
            let r = gina
                .get(&client, format!("{base}/customer/{GLOBEX}/cases/{id}"))
                .await;
            assert_eq!(r.status(), 200, "case {id} at {base}");
        }
    }

    // A sign-out on one instance is honoured by the other: sign out on A, the token is refused
    // on B and through nginx (both upstreams).
    let ian = sign_in(&client, &lb.url("/auth/login"), "ian@initech.example").await;
    for base in [&a_url, &b_url] {
        let r = ian.get(&client, format!("{base}/auth/session")).await;
        assert_eq!(r.status(), 200);
    }
    let r = client
        .post(a.url("/auth/logout"))
        .headers(ian.headers())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    problem(ian.get(&client, b.url("/auth/session")).await, 401).await;
    let mut refused_by = HashSet::new();
    for _ in 0..2 {
        let r = ian.get(&client, lb.url("/auth/session")).await;
        refused_by.insert(header(&r, "x-upstream"));
        problem(r, 401).await;
    }
    assert_eq!(refused_by, expected, "refused by both instances");
    // Other sessions are untouched.
    assert_eq!(
        gina.get(&client, b.url("/auth/session")).await.status(),
        200
    );

    // Sign-in throttling counts across instances: failures spread over A and B lock the
    // account on both, even for the right password.
    let wrong = json!({"email": "uma@umbrella.example", "password": "wrong password"});
    for n in 0..ACCOUNT_FAILURES {
        let base = if n % 2 == 0 { &a_url } else { &b_url };
        let r = client
            .post(format!("{base}/auth/login"))
            .json(&wrong)
            .send()
            .await
            .unwrap();
        problem(r, 401).await;
    }
    for base in [&a_url, &b_url] {
        let r = client
            .post(format!("{base}/auth/login"))
            .json(&json!({"email": "uma@umbrella.example", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert!(!header(&r, "retry-after").is_empty());
        problem(r, 429).await;
    }

    let errors = lb.error_log();
    assert!(
        !errors.contains("[crit]") && !errors.contains("[alert]"),
        "nginx errors: {errors}"
    );
    eprintln!(
        "RAN guarantees_hold_across_two_instances_behind_nginx: instances {} and {} behind nginx \
         on port {}, Redis {redis} (prefix {prefix})",
        a.addr, b.addr, lb.port
    );
    drop(lb);
}

#[tokio::test]
async fn with_redis_unreachable_writes_and_sign_in_fail_closed() {
    // A session from a healthy instance with the same secret, to present to the broken one.
    let healthy = TestApp::spawn_with(|c| c.redis_url = None).await;
    let gina = sign_in(
        &reqwest::Client::new(),
        &healthy.url("/auth/login"),
        "gina@globex.example",
    )
    .await;

    let dead = free_port();
    let app = TestApp::spawn_unready_with(|c| {
        c.redis_url = Some(Secret::new(format!("redis://127.0.0.1:{dead}")));
    })
    .await;
    let client = app.anonymous();

    let ready = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["checks"]["redis"]["status"], "down", "{ready}");

    // Sign-in cannot check its throttles: refused, never waved through.
    let r = app
        .sign_in_with(&client, "gina@globex.example", PASSWORD)
        .await;
    assert!(header(&r, "retry-after").parse::<u64>().unwrap() >= 1);
    let body = problem(r, 503).await;
    assert!(body["request_id"].is_string());

    // A session cannot be checked for revocation: refused, writes and reads alike.
    let r = client
        .post(app.url(&format!("/customer/{GLOBEX}/cases")))
        .headers(gina.headers())
        .header("idempotency-key", "while-redis-is-down")
        .json(&new_case("Not now"))
        .send()
        .await
        .unwrap();
    assert!(header(&r, "retry-after").parse::<u64>().unwrap() >= 1);
    problem(r, 503).await;
    let r = gina.get(&client, app.url("/auth/session")).await;
    problem(r, 503).await;
}

#[tokio::test]
async fn the_redis_rate_limit_gives_governors_numbers() {
    use portal::shared_state::rate_limit::{Decision, Policy, ceil_secs};
    use portal::shared_state::{Redis, SharedState};
    let Some(url) = common::test_redis() else {
        eprintln!(
            "SKIPPED the_redis_rate_limit_gives_governors_numbers: PORTAL_TEST_REDIS is not set"
        );
        return;
    };
    let redis = Redis::connect(&url, &common::unique_redis_prefix()).unwrap();
    let shared = [SharedState::InMemory, SharedState::Redis(redis)];
    for (per_window, window, burst) in [(10, 3600, 5), (4, 3600, 4), (20, 60, 20), (1, 60, 1)] {
        let policy = Policy::new("parity", per_window, Duration::from_secs(window), burst);
        let [memory, redis] = shared.each_ref().map(|s| s.rate_limit(policy.clone()));
        // One key per policy: the policies share a name here.
        let key = format!("key-{per_window}-{window}-{burst}");
        for n in 0..=burst + 1 {
            let (m, r) = (
                memory.check(&key).await.unwrap(),
                redis.check(&key).await.unwrap(),
            );
            match (m, r) {
                (Decision::Allowed { remaining: a }, Decision::Allowed { remaining: b }) => {
                    assert_eq!(a, b, "remaining after check {n} of {policy:?}");
                }
                (Decision::Limited { retry_after: a }, Decision::Limited { retry_after: b }) => {
                    let (a, b) = (ceil_secs(a), ceil_secs(b));
                    assert!(a.abs_diff(b) <= 1, "Retry-After {a} vs {b} for {policy:?}");
                }
                (m, r) => panic!("check {n} of {policy:?}: in memory {m:?}, in Redis {r:?}"),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_cache_is_shared_through_redis() {
    if common::test_redis().is_none() {
        eprintln!("SKIPPED the_read_cache_is_shared_through_redis: PORTAL_TEST_REDIS is not set");
        return;
    }
    let prefix = common::unique_redis_prefix();
    let first_prefix = prefix.clone();
    // Documents expire at once, so that B's read below needs Salesforce and, with the org down,
    // falls back to the value A left in Redis.
    let a = TestApp::spawn_salesforce_with(move |c| {
        c.redis_prefix = first_prefix;
        c.cache.documents_ttl_secs = 0;
    })
    .await;
    let org = a.emulator.as_ref().unwrap();
    let base = org.base_url.clone();
    // B talks to A's org and shares A's Redis keys.
    let b = TestApp::spawn_salesforce_with(move |c| {
        c.redis_prefix = prefix;
        c.cache.documents_ttl_secs = 0;
        if let Some(sf) = c.salesforce.as_mut() {
            sf.login_url = base;
        }
    })
    .await;
    let list = format!("/customer/{GLOBEX}/cases?limit=5");
    let from_a = a.login("gina@globex.example").await.get_json(&list).await;
    let gina_b = b.login("gina@globex.example").await;
    org.requests.clear();
    let from_b = gina_b.get_json(&list).await;
    assert_eq!(from_a, from_b);
    assert_eq!(
        org.requests.count("GET", "/services/data/v62.0/query"),
        0,
        "B answered from the cache A filled"
    );
    // A new case created through B shows through A at once.
    let created: Value = gina_b
        .create_case(&new_case("shared cache"), None)
        .await
        .json()
        .await
        .unwrap();
    let newest = a.login("gina@globex.example").await.get_json(&list).await;
    assert_eq!(newest["items"][0]["id"], created["id"]);
    // And when the org goes down, B serves what A fetched, marked stale.
    let documents = format!("/customer/{GLOBEX}/documents?sort=title");
    let from_a = a
        .login("gina@globex.example")
        .await
        .get_json(&documents)
        .await;
    org.faults
        .update(|f| f.outage = Some(salesforce_emulator::Outage::Refuse));
    let stale = gina_b.get(&documents).await;
    assert_eq!(stale.status(), 200);
    assert_eq!(
        stale.headers()["x-data-stale"],
        "true",
        "B serves A's value, marked stale"
    );
    assert_eq!(stale.json::<Value>().await.unwrap(), from_a);
    eprintln!("RAN the_read_cache_is_shared_through_redis");
}

/// One slot, two instances, one Redis (issue 15, decision 028): customers of two accounts,
/// through both instances at once, race for the same slot. The org's unique slot key lets
/// exactly one booking through; every other request is 409 with fresh slots, whichever
/// instance it reached.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_slot_raced_through_two_instances_is_booked_once() {
    let Some(redis) = common::test_redis() else {
        eprintln!(
            "SKIPPED one_slot_raced_through_two_instances_is_booked_once: PORTAL_TEST_REDIS is \
             not set (scripts/test starts a Redis and sets it)"
        );
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let (private, public) = common::jwt_keys();
    let key_file = tmp.path().join("jwt-key.pem");
    std::fs::write(&key_file, private).expect("write key");
    let emulator =
        common::spawn_emulator(mocks_dir().join("local_accounts.json"), public, Vec::new()).await;
    let prefix = common::unique_redis_prefix();
    let a = Instance::start(
        &tmp.path().join("a"),
        &emulator.base_url,
        &key_file,
        &redis,
        &prefix,
    );
    let b = Instance::start(
        &tmp.path().join("b"),
        &emulator.base_url,
        &key_file,
        &redis,
        &prefix,
    );
    let client = reqwest::Client::new();
    for instance in [&a, &b] {
        wait_ready(&client, &instance.url("/readyz"), "instance").await;
    }
    let alice = sign_in(&client, &a.url("/auth/login"), "alice@acme.example").await;
    let gina = sign_in(&client, &b.url("/auth/login"), "gina@globex.example").await;
    // The default working hours (Monday to Thursday 09:00-12:00 in Europe/Berlin): 10:00 on
    // the first Monday to Thursday at least three days from now.
    let berlin = chrono_tz::Europe::Berlin;
    let mut day =
        chrono::Utc::now().with_timezone(&berlin).date_naive() + chrono::Duration::days(3);
    while !matches!(
        chrono::Datelike::weekday(&day),
        chrono::Weekday::Mon | chrono::Weekday::Tue | chrono::Weekday::Wed | chrono::Weekday::Thu
    ) {
        day += chrono::Duration::days(1);
    }
    let start =
        chrono::TimeZone::from_local_datetime(&berlin, &day.and_hms_opt(10, 0, 0).expect("time"))
            .earliest()
            .expect("10:00 exists")
            .with_timezone(&chrono::Utc);
    let body = json!({"topic": "billing", "start": start.to_rfc3339()});
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (who, customer) = if i % 2 == 0 {
            (&alice, common::ACME)
        } else {
            (&gina, GLOBEX)
        };
        let base = if i % 4 < 2 { a.url("") } else { b.url("") };
        let request = client
            .post(format!("{base}/customer/{customer}/appointments"))
            .headers(who.headers())
            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
            .json(&body);
        tasks.push(tokio::spawn(async move {
            let response = request.send().await.expect("POST");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.expect("JSON"))
        }));
    }
    let mut won = 0;
    for task in tasks {
        let (status, body) = task.await.expect("task");
        match status {
            201 => won += 1,
            409 => {
                assert_eq!(body["type"], "/problems/slot-taken", "{body}");
                let fresh: Vec<chrono::DateTime<chrono::Utc>> = body["fresh_slots"]
                    .as_array()
                    .expect("fresh_slots")
                    .iter()
                    .map(|s| {
                        s["start"]
                            .as_str()
                            .expect("start")
                            .parse()
                            .expect("instant")
                    })
                    .collect();
                assert!(!fresh.is_empty() && !fresh.contains(&start), "{body}");
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(won, 1, "exactly one booking");
    let slot_key = format!("005Dn0009SzZrrrIQC:{}", start.format("%Y-%m-%dT%H:%M:%SZ"));
    let held = emulator
        .records
        .all("Event")
        .expect("events")
        .into_iter()
        .filter(|e| e["Portal_Slot_Key__c"] == slot_key.as_str())
        .count();
    assert_eq!(held, 1, "one Event holds the slot");
}
