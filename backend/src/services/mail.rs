//! Outgoing mail (issue 14, decision 032): plain-text templates per language, sent over SMTP
//! by lettre's async transport from a task of its own, so no request ever waits on the mail
//! server. Without `[smtp]` nothing is sent: the attempt is logged (never the mail's body,
//! which holds the reset link).

use std::time::Duration;

use anyhow::Context;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{SmtpConfig, SmtpSecurity};
use crate::domain::profile::Language;

/// A mail's kinds, each a template per language in `templates/mail/<kind>.<lang>.txt`: the
/// first line the subject, the rest the body, `{slot}`s filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    PasswordReset,
    /// An agent replied on the contact's case (decision 034).
    AgentReply,
    /// The contact's case changed status (decision 034).
    StatusChange,
}

impl Template {
    pub const ALL: [Self; 3] = [Self::PasswordReset, Self::AgentReply, Self::StatusChange];

    /// The slots every language's text of the template has, no more, no fewer.
    pub fn slots(self) -> &'static [&'static str] {
        match self {
            Self::PasswordReset => &["name", "link", "minutes"],
            Self::AgentReply | Self::StatusChange => &["name", "number", "link"],
        }
    }

    pub fn text(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::PasswordReset, Language::En) => {
                include_str!("../../templates/mail/reset.en.txt")
            }
            (Self::PasswordReset, Language::De) => {
                include_str!("../../templates/mail/reset.de.txt")
            }
            (Self::PasswordReset, Language::Fr) => {
                include_str!("../../templates/mail/reset.fr.txt")
            }
            (Self::PasswordReset, Language::Es) => {
                include_str!("../../templates/mail/reset.es.txt")
            }
            (Self::PasswordReset, Language::Ar) => {
                include_str!("../../templates/mail/reset.ar.txt")
            }
            (Self::AgentReply, Language::En) => {
                include_str!("../../templates/mail/reply.en.txt")
            }
            (Self::AgentReply, Language::De) => {
                include_str!("../../templates/mail/reply.de.txt")
            }
            (Self::AgentReply, Language::Fr) => {
                include_str!("../../templates/mail/reply.fr.txt")
            }
            (Self::AgentReply, Language::Es) => {
                include_str!("../../templates/mail/reply.es.txt")
            }
            (Self::AgentReply, Language::Ar) => {
                include_str!("../../templates/mail/reply.ar.txt")
            }
            (Self::StatusChange, Language::En) => {
                include_str!("../../templates/mail/status.en.txt")
            }
            (Self::StatusChange, Language::De) => {
                include_str!("../../templates/mail/status.de.txt")
            }
            (Self::StatusChange, Language::Fr) => {
                include_str!("../../templates/mail/status.fr.txt")
            }
            (Self::StatusChange, Language::Es) => {
                include_str!("../../templates/mail/status.es.txt")
            }
            (Self::StatusChange, Language::Ar) => {
                include_str!("../../templates/mail/status.ar.txt")
            }
        }
    }

    /// Subject and body in `language`, the slots filled from `values` (name, value), in
    /// both.
    pub fn render(self, language: Language, values: &[(&str, &str)]) -> (String, String) {
        let text = self.text(language);
        let (subject, body) = text.split_once('\n').unwrap_or((text, ""));
        let (mut subject, mut body) = (subject.trim().to_owned(), body.to_owned());
        for (slot, value) in values {
            let slot = format!("{{{slot}}}");
            subject = subject.replace(&slot, value);
            body = body.replace(&slot, value);
        }
        (subject, body)
    }
}

/// A mail to send.
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Sends mail, or (without `[smtp]`) logs that it would have.
#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    Off,
}

impl Mailer {
    pub fn new(config: Option<&SmtpConfig>) -> anyhow::Result<Self> {
        let Some(config) = config else {
            return Ok(Self::Off);
        };
        let tls = || -> anyhow::Result<TlsParameters> {
            let mut params = TlsParameters::builder(config.host.clone())
                .certificate_store(CertificateStore::WebpkiRoots);
            if let Some(path) = &config.ca_file {
                let pem = std::fs::read(path)
                    .with_context(|| format!("reading smtp.ca_file {}", path.display()))?;
                params = params.add_root_certificate(
                    Certificate::from_pem(&pem).context("parsing smtp.ca_file")?,
                );
            }
            params.build().context("smtp TLS parameters")
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port())
            .timeout(Some(Duration::from_secs(config.timeout_secs)))
            .tls(match config.security {
                SmtpSecurity::None => Tls::None,
                SmtpSecurity::Starttls => Tls::Required(tls()?),
                SmtpSecurity::Tls => Tls::Wrapper(tls()?),
            });
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(Self::Smtp {
            transport: builder.build(),
            from: config.from.parse().context("smtp.from")?,
        })
    }

    /// Sends `mail` from a task of its own: returns at once; the outcome is logged (never the
    /// body). The task is handed back for tests and shutdown to wait on.
    pub fn send_later(&self, mail: Mail) -> tokio::task::JoinHandle<()> {
        let mailer = self.clone();
        tokio::spawn(async move {
            if let Err(err) = mailer.send(mail).await {
                tracing::warn!(error = %format!("{err:#}"), "mail not sent");
            }
        })
    }

    /// Sends `mail` and waits for the mail server's answer: for a caller that counts the
    /// outcome (notifications, decision 034).
    pub async fn send(&self, mail: Mail) -> anyhow::Result<()> {
        let Self::Smtp { transport, from } = self else {
            tracing::info!(subject = %mail.subject, "mail not sent: no [smtp] configured");
            return Ok(());
        };
        let message = Message::builder()
            .from(from.clone())
            .to(mail.to.parse().context("recipient address")?)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body)
            .context("building the mail")?;
        transport.send(message).await.context("sending over SMTP")?;
        tracing::info!("mail sent");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every language's text of every template has exactly the template's slots, a subject
    /// line, and no slot left unfilled once rendered.
    #[test]
    fn every_language_has_every_slot_and_no_other() {
        let slot = regex::Regex::new(r"\{([a-z_]+)\}").unwrap();
        for template in Template::ALL {
            for language in Language::ALL {
                let text = template.text(language);
                let mut found: Vec<&str> = slot
                    .captures_iter(text)
                    .map(|c| c.get(1).unwrap().as_str())
                    .collect();
                found.sort_unstable();
                found.dedup();
                let mut wanted = template.slots().to_vec();
                wanted.sort_unstable();
                assert_eq!(found, wanted, "{template:?} in {language}");
                let values: Vec<(&str, &str)> =
                    template.slots().iter().map(|s| (*s, "X")).collect();
                let (subject, body) = template.render(language, &values);
                assert!(!subject.is_empty() && !subject.contains('{'), "{language}");
                assert!(!body.contains('{'), "{language}");
            }
        }
    }
}
