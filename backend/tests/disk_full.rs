//! A full data directory, on the real binary: case creation answers 503 with a problem that
//! says so, loses nothing it acknowledged, leaves no half record in the journal, and a retry
//! with the same `Idempotency-Key` once there is room makes the case exactly once.
//!
//! "Full" is a file size limit on the portal process (`RLIMIT_FSIZE` set with util-linux's
//! `prlimit`, the soft limit only, so the test can raise it again) with `SIGXFSZ` ignored: a write past the limit fails with
//! `EFBIG`, as one past the end of a disk fails with `ENOSPC`, stopping halfway through a
//! line when it straddles the limit. Unlike a small tmpfs or loop mount this needs no
//! privilege, so it runs on any CI machine. With `PORTAL_TEST_REDIS` set the idempotency
//! records live in that Redis.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{PASSWORD, new_case};
use serde_json::{Value, json};

/// Sets the soft file size limit of process `pid` (`None`: unlimited); the hard limit stays
/// unlimited, so raising it again needs no privilege. util-linux's `prlimit`.
fn limit_file_size(pid: u32, bytes: Option<u64>) {
    let soft = bytes.map_or_else(|| "unlimited".to_owned(), |b| b.to_string());
    let status = Command::new("prlimit")
        .args([
            "--pid",
            &pid.to_string(),
            &format!("--fsize={soft}:unlimited"),
        ])
        .status()
        .expect("prlimit (util-linux) runs");
    assert!(status.success(), "prlimit {soft}");
}

/// The portal on `data_dir`, started through `sh` with `SIGXFSZ` ignored (a disposition
/// `exec` keeps), so a write past the file size limit fails instead of killing it; its log
/// lines are drained.
fn start(data_dir: &Path) -> (Child, SocketAddr) {
    let portal = common::portal_command(data_dir);
    let mut cmd = Command::new("/bin/sh");
    cmd.env_clear()
        .args(["-c", "trap '' XFSZ; exec \"$0\""])
        .arg(portal.get_program())
        .envs(
            portal
                .get_envs()
                .filter_map(|(key, value)| Some((key, value?))),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(url) = common::test_redis() {
        cmd.env("PORTAL_REDIS_URL", url)
            .env("PORTAL_REDIS_PREFIX", common::unique_redis_prefix());
    }
    let mut child = cmd.spawn().expect("start portal");
    let (addr, lines) = common::wait_listening(&mut child);
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
    (child, addr)
}

struct Gina {
    client: reqwest::Client,
    base: String,
    csrf: String,
}

impl Gina {
    async fn sign_in(addr: SocketAddr) -> Self {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let base = format!("http://{addr}");
        let body = common::json_of(
            client
                .post(format!("{base}/auth/login"))
                .json(&json!({"email": "gina@globex.example", "password": PASSWORD})),
        )
        .await;
        Self {
            client,
            base,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    async fn create(&self, subject: &str, key: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}/customer/{}/cases", self.base, common::GLOBEX))
            .header("x-csrf-token", &self.csrf)
            .json(&new_case(subject));
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        request.send().await.unwrap()
    }

    /// The ids of the customer's cases whose subject contains `q`.
    async fn cases(&self, q: &str) -> Vec<String> {
        let page = common::json_of(self.client.get(format!(
            "{}/customer/{}/cases?limit=100&q={q}",
            self.base,
            common::GLOBEX
        )))
        .await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Asserts the disk-full problem: 503, `Retry-After`, and a detail that says nothing was saved.
async fn storage_full(response: reqwest::Response) {
    assert!(common::retry_after(&response) >= 1);
    let body = common::problem(response, 503).await;
    assert_eq!(body["type"], "/problems/storage-full", "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("nothing was saved"),
        "{body}"
    );
}

async fn created(response: reqwest::Response) -> (bool, String) {
    assert_eq!(response.status(), 201);
    let replayed = response.headers().contains_key("idempotent-replayed");
    let body: Value = response.json().await.unwrap();
    (replayed, body["id"].as_str().unwrap().to_owned())
}

/// The journal's complete lines.
fn journal_lines(data_dir: &Path) -> Vec<String> {
    let file = std::fs::File::open(data_dir.join("cases.jsonl")).unwrap();
    BufReader::new(file).lines().map(Result::unwrap).collect()
}

#[tokio::test]
async fn a_full_data_directory_refuses_creates_with_503_and_loses_nothing() {
    let data = tempfile::tempdir().unwrap();
    let journal = data.path().join("cases.jsonl");
    let (mut child, addr) = start(data.path());
    let gina = Gina::sign_in(addr).await;

    let (_, before) = created(gina.create("Disk full: before", Some("before")).await).await;
    let acknowledged = std::fs::metadata(&journal).unwrap().len();
    // Room for part of the next line only: the next write stops halfway and fails.
    limit_file_size(child.id(), Some(acknowledged + 100));

    // More attempts than the customer's burst of 5 creates: refused attempts saved nothing,
    // so they do not spend the quota.
    for attempt in 0..3 {
        storage_full(gina.create("Disk full: during", Some("during")).await).await;
        storage_full(gina.create("Disk full: no key", None).await).await;
        assert_eq!(
            std::fs::metadata(&journal).unwrap().len(),
            acknowledged,
            "attempt {attempt}: no half record left behind"
        );
    }
    assert_eq!(gina.cases("Disk full").await, std::slice::from_ref(&before));

    // Space is freed: the same key makes its case now, once.
    limit_file_size(child.id(), None);
    let (replayed, during) = created(gina.create("Disk full: during", Some("during")).await).await;
    assert!(
        !replayed,
        "the failed attempts left no claim and no case behind"
    );
    let (replayed, again) = created(gina.create("Disk full: during", Some("during")).await).await;
    assert!(replayed);
    assert_eq!(again, during);

    // Everything acknowledged survives a crash, exactly once, and nothing else came back.
    child.kill().unwrap();
    child.wait().unwrap();
    let lines = journal_lines(data.path());
    assert_eq!(lines.len(), 2, "{lines:?}");
    let (mut child, addr) = start(data.path());
    let gina = Gina::sign_in(addr).await;
    let mut found = gina.cases("Disk full").await;
    found.sort();
    let mut expected = vec![before, during];
    expected.sort();
    assert_eq!(found, expected);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// An upload that does not fit: the spool file cannot grow past the limit, so the answer is the
/// same 503, nothing is stored or left in the spool folder, and the same key uploads the file
/// once there is room; it survives a restart.
#[tokio::test]
async fn a_full_data_directory_refuses_uploads_with_503_and_keeps_nothing() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, addr) = start(data.path());
    let gina = Gina::sign_in(addr).await;
    let case = gina.cases("").await.remove(0);
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.resize(256 * 1024, b'x');
    let upload = |bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("report.pdf"),
        );
        gina.client
            .post(format!(
                "{}/customer/{}/cases/{case}/attachments",
                gina.base,
                common::GLOBEX
            ))
            .header("x-csrf-token", &gina.csrf)
            .header("idempotency-key", "full-upload")
            .multipart(form)
            .send()
    };
    let listed = || async {
        common::json_of(gina.client.get(format!(
            "{}/customer/{}/cases/{case}/attachments",
            gina.base,
            common::GLOBEX
        )))
        .await["items"]
            .as_array()
            .unwrap()
            .len()
    };

    limit_file_size(child.id(), Some(64 * 1024));
    for _ in 0..2 {
        storage_full(upload(bytes.clone()).await.unwrap()).await;
    }
    assert_eq!(listed().await, 0);
    assert_eq!(
        std::fs::read_dir(data.path().join("uploads"))
            .unwrap()
            .count(),
        0,
        "no spool file left behind"
    );
    assert_eq!(
        std::fs::read_dir(data.path().join("attachments"))
            .unwrap()
            .count(),
        0
    );

    limit_file_size(child.id(), None);
    let (replayed, id) = created(upload(bytes.clone()).await.unwrap()).await;
    assert!(!replayed);
    let (replayed, again) = created(upload(bytes).await.unwrap()).await;
    assert!(replayed);
    assert_eq!(again, id);

    child.kill().unwrap();
    child.wait().unwrap();
    let (mut child, addr) = start(data.path());
    let gina = Gina::sign_in(addr).await;
    let page = common::json_of(gina.client.get(format!(
        "{}/customer/{}/cases/{case}/attachments",
        gina.base,
        common::GLOBEX
    )))
    .await;
    assert_eq!(page["items"][0]["id"], id.as_str());
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    child.kill().unwrap();
    child.wait().unwrap();
}
