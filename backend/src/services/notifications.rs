//! Email notifications (issue 14, decision 034): when an agent writes a public comment on a
//! case, or the case's Status changes, the case's contact gets one mail, if their profile asks
//! for that kind, in their profile's language.
//!
//! Until issue 16's change events exist this polls the activity port every
//! `notifications.poll_secs`: published comments created since the watermark (the portal's
//! own replies, recognised by their marker line, left out) and cases modified since it, whose
//! Status is compared with the last one this instance saw. The watermark and the statuses seen
//! are in `<data_dir>/notifications.json`, written after each poll; the first start takes
//! every case's status as its baseline and mails nothing about the past.
//!
//! At most once per change: each notification is claimed (`<contact>:<case>:<comment id>` or
//! `<contact>:<case>:status:<status>@<modified>`) before its mail is sent, in Redis when
//! configured (so of several instances only one sends), else in the data directory. A mail
//! that fails is logged and counted (`portal_notifications{outcome="failed"}`), never
//! retried: its claim stays.
//!
//! A mail holds the contact's name, the case number and a link to the case in the portal:
//! never the comment's text, the subject or the status (docs/SECURITY.md).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::mail::{Mail, Mailer, Template};
use crate::config::NotificationsConfig;
use crate::domain::comment::Marker;
use crate::domain::profile::Language;
use crate::observability::metrics::Metrics;
use crate::salesforce::activity::{ActivityCase, ActivityPort};
use crate::salesforce::profile::ProfilePort;
use crate::shared_state::notification_claims::{NotificationClaims, write_durably};

/// The poller's durable state's file name in the data directory.
pub const STATE_FILE: &str = "notifications.json";

/// What this instance has seen: the watermarks and each case's last status.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Seen {
    /// The newest published comment's CreatedDate seen (or the first start's time).
    comments: DateTime<Utc>,
    /// The newest case LastModifiedDate seen (or the first start's time).
    cases: DateTime<Utc>,
    /// Each case's Status as last seen, by case id.
    statuses: HashMap<String, String>,
    /// The comments inside the overlap window already handled, by id (their CreatedDate):
    /// a poll that reads them again skips them without a profile read.
    #[serde(default)]
    handled: HashMap<String, DateTime<Utc>>,
}

/// What a mail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Reply,
    Status,
}

impl Kind {
    fn template(self) -> Template {
        match self {
            Self::Reply => Template::AgentReply,
            Self::Status => Template::StatusChange,
        }
    }
}

pub struct NotificationService {
    activity: Arc<dyn ActivityPort>,
    profiles: Arc<dyn ProfilePort>,
    mailer: Mailer,
    claims: Arc<dyn NotificationClaims>,
    config: NotificationsConfig,
    /// Where the web app is: a case's link is `<base>/cases/<id>`.
    link_base: String,
    metrics: Arc<Metrics>,
    path: PathBuf,
    seen: tokio::sync::Mutex<Option<Seen>>,
}

impl NotificationService {
    #[expect(clippy::too_many_arguments, reason = "the composition root's wiring")]
    pub fn new(
        activity: Arc<dyn ActivityPort>,
        profiles: Arc<dyn ProfilePort>,
        mailer: Mailer,
        claims: Arc<dyn NotificationClaims>,
        config: &NotificationsConfig,
        link_base: &str,
        metrics: Arc<Metrics>,
        data_dir: &Path,
    ) -> Self {
        Self {
            activity,
            profiles,
            mailer,
            claims,
            config: config.clone(),
            link_base: link_base.trim_end_matches('/').to_owned(),
            metrics,
            path: data_dir.join(STATE_FILE),
            seen: tokio::sync::Mutex::new(None),
        }
    }

    /// Polls every `poll_secs` for as long as the task lives; a failed poll is logged and
    /// counted, and the next one starts from the same watermark.
    pub async fn run(self: Arc<Self>) {
        let mut tick = tokio::time::interval(Duration::from_secs(self.config.poll_secs));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match self.poll().await {
                Ok(()) => self.metrics.notification_poll("ok"),
                Err(err) => {
                    self.metrics.notification_poll("error");
                    tracing::warn!(error = %format!("{err:#}"), "notification poll failed");
                }
            }
        }
    }

    /// The state from the data directory, or (first start) a baseline of every case's status
    /// now: nothing before it is mailed.
    async fn load(&self) -> anyhow::Result<Seen> {
        match tokio::fs::read(&self.path).await {
            Ok(bytes) => {
                return serde_json::from_slice(&bytes)
                    .with_context(|| format!("reading {}", self.path.display()));
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(
                    anyhow::Error::new(err).context(format!("reading {}", self.path.display()))
                );
            }
        }
        let now = Utc::now();
        // The comments the first poll will read again (it reaches back `overlap_secs`) are
        // from before the start: handled already.
        let earlier = self
            .activity
            .published_comments(now - self.overlap())
            .await
            .context("reading the recent comments for the baseline")?;
        let cases = self
            .activity
            .case_states(None)
            .await
            .context("reading the cases' statuses for the baseline")?;
        let seen = Seen {
            comments: now,
            cases: now,
            statuses: cases
                .into_iter()
                .map(|c| (c.case.case_id.as_str().to_owned(), c.status))
                .collect(),
            handled: earlier.into_iter().map(|c| (c.id, c.created)).collect(),
        };
        self.save(&seen).await?;
        Ok(seen)
    }

    async fn save(&self, seen: &Seen) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec(seen).context("encoding the notification state")?;
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || write_durably(&path, &bytes))
            .await
            .context("the notification state's writer")?
            .with_context(|| format!("writing {}", self.path.display()))
    }

    /// One poll: mails what changed since the watermark, then moves it.
    pub async fn poll(&self) -> anyhow::Result<()> {
        let mut guard = self.seen.lock().await;
        let mut seen = match guard.take() {
            Some(seen) => seen,
            None => self.load().await?,
        };
        let result = self.poll_from(&mut seen).await;
        // What was processed is kept even when a later step failed: its claims are taken.
        let saved = self.save(&seen).await;
        *guard = Some(seen);
        result.and(saved)
    }

    fn overlap(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.config.overlap_secs).unwrap_or(i64::MAX / 2))
    }

    /// Loads the state, or takes the first start's baseline, before the server serves: what
    /// happens after the start is then never taken for the baseline. A failure (the org
    /// unreachable) is logged; the first poll tries again.
    pub async fn prepare(&self) {
        let mut guard = self.seen.lock().await;
        if guard.is_none() {
            match self.load().await {
                Ok(seen) => *guard = Some(seen),
                Err(err) => {
                    tracing::warn!(error = %format!("{err:#}"), "notification baseline not taken");
                }
            }
        }
    }

    async fn poll_from(&self, seen: &mut Seen) -> anyhow::Result<()> {
        let overlap = self.overlap();
        let since = seen.comments - overlap;
        seen.handled.retain(|_, created| *created > since);
        let comments = self
            .activity
            .published_comments(since)
            .await
            .context("reading new comments")?;
        for comment in comments {
            if seen.handled.contains_key(&comment.id) {
                continue;
            }
            // The portal's own replies (a customer's) are not news to the customer.
            if Marker::parse(&comment.body).is_none() {
                self.notify(Kind::Reply, &comment.case, &comment.id).await?;
            }
            seen.comments = seen.comments.max(comment.created);
            seen.handled.insert(comment.id, comment.created);
        }
        let cases = self
            .activity
            .case_states(Some(seen.cases - overlap))
            .await
            .context("reading changed cases")?;
        for state in cases {
            let id = state.case.case_id.as_str().to_owned();
            let before = seen.statuses.get(&id);
            // A case first seen now is new (created after the baseline): no change to tell.
            if before.is_some_and(|before| *before != state.status) {
                let change = format!(
                    "status:{}@{}",
                    state.status,
                    crate::salesforce::datetime::format(&state.modified)
                );
                self.notify(Kind::Status, &state.case, &change).await?;
            }
            seen.statuses.insert(id, state.status);
            seen.cases = seen.cases.max(state.modified);
        }
        Ok(())
    }

    /// Mails the case's contact about `change`, if they want this kind and nobody sent it yet.
    async fn notify(&self, kind: Kind, case: &ActivityCase, change: &str) -> anyhow::Result<()> {
        let Some(contact) = &case.contact_id else {
            return Ok(());
        };
        let Some(profile) = self
            .profiles
            .profile(contact)
            .await
            .context("reading the contact's profile")?
        else {
            return Ok(());
        };
        let wanted = match kind {
            Kind::Reply => profile.preferences.notify_on_reply,
            Kind::Status => profile.preferences.notify_on_status,
        };
        // A contact of another account (moved since) is not told about this account's case.
        let Some(email) = profile
            .email
            .as_deref()
            .filter(|_| wanted && profile.account_id == case.account_id)
        else {
            self.metrics.notification("not_wanted");
            return Ok(());
        };
        let key = format!("{}:{}:{change}", contact.as_str(), case.case_id.as_str());
        if !self
            .claims
            .claim(&key, Duration::from_secs(self.config.claim_ttl_secs))
            .await
            .context("claiming a notification")?
        {
            self.metrics.notification("already_sent");
            return Ok(());
        }
        let language = profile.preferences.language.unwrap_or(Language::En);
        let link = format!("{}/cases/{}", self.link_base, case.case_id.as_str());
        let (subject, body) = kind.template().render(
            language,
            &[
                ("name", profile.name.as_str()),
                ("number", case.case_number.as_str()),
                ("link", link.as_str()),
            ],
        );
        let mail = Mail {
            to: email.to_owned(),
            subject,
            body,
        };
        match self.mailer.send(mail).await {
            Ok(()) => self.metrics.notification("sent"),
            Err(err) => {
                self.metrics.notification("failed");
                tracing::warn!(
                    error = %format!("{err:#}"),
                    case = %case.case_id.as_str(),
                    kind = ?kind,
                    "notification not sent; not retried"
                );
            }
        }
        Ok(())
    }
}
