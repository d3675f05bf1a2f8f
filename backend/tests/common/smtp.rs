//! The tests' SMTP sink: aiosmtpd (pinned, installed under target/ by `scripts/smtp_sink.py`)
//! on a free port, writing each message to a Maildir the tests read.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;

pub struct SmtpSink {
    pub port: u16,
    pub maildir: tempfile::TempDir,
    child: Child,
}

/// A message as the sink stored it, its body decoded.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub raw: String,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("scripts")
        .join("smtp_sink.py")
}

impl SmtpSink {
    /// Starts the sink and returns once it accepts connections.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// The sink offering STARTTLS with a self-signed certificate for `localhost`; the PEM file
    /// of the certificate (to trust) is returned too.
    pub fn start_tls() -> (Self, PathBuf) {
        let certs = tempfile::tempdir().unwrap().keep();
        let certified =
            rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
        let (cert, key) = (certs.join("cert.pem"), certs.join("key.pem"));
        std::fs::write(&cert, certified.cert.pem()).unwrap();
        std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
        let sink = Self::start_with(&[
            "--tls-cert".into(),
            cert.display().to_string(),
            "--tls-key".into(),
            key.display().to_string(),
        ]);
        (sink, cert)
    }

    fn start_with(extra: &[String]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let maildir = tempfile::tempdir().unwrap();
        let child = Command::new("python3")
            .arg(script())
            .args(["--port", &port.to_string(), "--maildir"])
            .arg(maildir.path())
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP sink (python3 scripts/smtp_sink.py)");
        let mut sink = Self {
            port,
            maildir,
            child,
        };
        // Installing aiosmtpd on a fresh machine takes a while: wait for the port to accept.
        let deadline = Instant::now() + Duration::from_secs(120);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                sink.child.try_wait().unwrap().is_none(),
                "the SMTP sink exited"
            );
            assert!(Instant::now() < deadline, "the SMTP sink did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        sink
    }

    /// The smtp configuration that sends to this sink (plain SMTP on loopback).
    pub fn config(&self) -> portal::config::SmtpConfig {
        portal::config::SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(self.port),
            security: portal::config::SmtpSecurity::None,
            username: None,
            password: None,
            from: "Customer portal <portal@example.test>".into(),
            timeout_secs: 10,
            ca_file: None,
        }
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Received> {
        let new = self.maildir.path().join("new");
        let Ok(entries) = std::fs::read_dir(&new) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        files
            .iter()
            .map(|f| parse(&std::fs::read_to_string(f).unwrap()))
            .collect()
    }

    /// Waits (polling the Maildir) until `count` messages arrived, at most 30 s.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found = self.messages();
            if found.len() >= count {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "{count} mails expected, {} arrived",
                found.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// Splits the message and decodes its body (quoted-printable, base64 or as is).
fn parse(raw: &str) -> Received {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let body = match header(head, "Content-Transfer-Encoding").map(str::to_ascii_lowercase) {
        Some(e) if e == "base64" => String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(body.split_whitespace().collect::<String>())
                .unwrap(),
        )
        .unwrap(),
        Some(e) if e == "quoted-printable" => quoted_printable(body),
        _ => body.to_owned(),
    };
    Received {
        to: header(head, "To").unwrap_or_default().to_owned(),
        subject: header(head, "Subject").unwrap_or_default().to_owned(),
        body,
        raw: raw.clone(),
    }
}

fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(Ok(b)) = joined.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16))
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
