//! `[smtp]`: where the portal sends mail (password resets, issue 14; decision 032). Off unless
//! configured: without it a reset is accepted as always, and no mail leaves (logged).

use serde::{Deserialize, Serialize};

use super::values::Secret;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP: only for a relay on this machine (production refuses it elsewhere).
    None,
    /// Plain connection upgraded with STARTTLS, required (port 587).
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// Default: 587 with `starttls`, 465 with `tls`, 25 with `none`.
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default = "default_security")]
    pub security: SmtpSecurity,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<Secret>,
    /// The sender, `Portal <no-reply@example.com>` or a bare address.
    pub from: String,
    /// Connecting and each SMTP command give up after this long.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Extra trust anchors (PEM) for the server's certificate, besides the web's roots: for a
    /// relay with a private CA.
    #[serde(default)]
    pub ca_file: Option<std::path::PathBuf>,
}

fn default_security() -> SmtpSecurity {
    SmtpSecurity::Starttls
}

fn default_timeout() -> u64 {
    10
}

impl SmtpConfig {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            SmtpSecurity::None => 25,
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
        })
    }

    /// Whether the host is this machine (`localhost`, a loopback address).
    pub fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self
                .host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.host.trim().is_empty() {
            return Err("smtp.host must name the SMTP server".into());
        }
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(format!(
                "smtp.from ({}) must be an address, or a name and an address in <>",
                self.from
            ));
        }
        if self.timeout_secs == 0 || self.timeout_secs > 300 {
            return Err("smtp.timeout_secs must be between 1 and 300".into());
        }
        if self.username.is_some() != self.password.is_some() {
            return Err("smtp.username and smtp.password go together".into());
        }
        Ok(())
    }
}
