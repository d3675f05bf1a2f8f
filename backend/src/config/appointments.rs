//! `[appointments]`: when customers can book a topic's owner, and the rules of changing a
//! booking (issue 15; decision 028).

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::domain::appointments::{Schedule, Span};

/// The widest window one slots request may ask for.
pub const MAX_WINDOW_DAYS: i64 = 14;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppointmentsConfig {
    /// The IANA time zone working hours are read in (`Europe/Berlin`): a slot at 09:00 is at
    /// 09:00 there, summer and winter.
    pub time_zone: String,
    /// How long an appointment is, in minutes (5-480); slots are cut back to back.
    pub slot_minutes: u32,
    /// Minutes kept free before and after anything on the owner's calendar (0-240).
    pub buffer_minutes: u32,
    /// How long from now the first bookable slot starts at the earliest, in hours (0-720).
    pub min_notice_hours: u32,
    /// How far ahead slots can be booked, in days (1-3650).
    pub horizon_days: u32,
    /// How many hours before its start a booking can still be cancelled or moved (0-720).
    pub cutoff_hours: u32,
    /// How long an owner's calendar read from Salesforce is reused, in seconds (1-3600); the
    /// portal's own bookings drop it at once.
    pub busy_ttl_secs: u64,
    /// Working hours per weekday, as `"HH:MM-HH:MM"` spans in `time_zone`.
    pub working_hours: WorkingHours,
    /// What a customer can book, and whose calendar each topic is on.
    pub topics: Vec<Topic>,
    /// Bookings, cancellations and moves per customer (account).
    pub rate_limit: AppointmentRateLimit,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkingHours {
    pub mon: Vec<String>,
    pub tue: Vec<String>,
    pub wed: Vec<String>,
    pub thu: Vec<String>,
    pub fri: Vec<String>,
    pub sat: Vec<String>,
    pub sun: Vec<String>,
}

impl WorkingHours {
    /// The same spans every day of the week.
    pub fn every_day(spans: &[&str]) -> Self {
        let day = || spans.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        Self {
            mon: day(),
            tue: day(),
            wed: day(),
            thu: day(),
            fri: day(),
            sat: day(),
            sun: day(),
        }
    }

    fn days(&self) -> [(&'static str, &Vec<String>); 7] {
        [
            ("mon", &self.mon),
            ("tue", &self.tue),
            ("wed", &self.wed),
            ("thu", &self.thu),
            ("fri", &self.fri),
            ("sat", &self.sat),
            ("sun", &self.sun),
        ]
    }
}

impl Default for WorkingHours {
    fn default() -> Self {
        let week = || vec!["09:00-12:00".to_owned(), "13:00-17:00".to_owned()];
        Self {
            mon: week(),
            tue: week(),
            wed: week(),
            thu: week(),
            fri: vec!["09:00-12:00".to_owned()],
            sat: Vec::new(),
            sun: Vec::new(),
        }
    }
}

/// A topic a customer can book: `code` in the API, `label` for people, `owner_id` the User
/// whose calendar its slots come from and who is the Event's owner.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub code: String,
    pub label: String,
    pub owner_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppointmentRateLimit {
    pub per_hour: u32,
    pub burst: u32,
}

impl Default for AppointmentRateLimit {
    fn default() -> Self {
        Self {
            per_hour: 20,
            burst: 5,
        }
    }
}

impl Default for AppointmentsConfig {
    fn default() -> Self {
        let topic = |code: &str, label: &str, owner: &str| Topic {
            code: code.into(),
            label: label.into(),
            owner_id: owner.into(),
        };
        Self {
            time_zone: "Europe/Berlin".into(),
            slot_minutes: 30,
            buffer_minutes: 10,
            min_notice_hours: 4,
            horizon_days: 28,
            cutoff_hours: 24,
            busy_ttl_secs: 30,
            working_hours: WorkingHours::default(),
            topics: vec![
                topic("onboarding", "Onboarding session", "005Dn000l57zP3iIAE"),
                topic("technical", "Technical consultation", "005Dn00023fEHL8IAO"),
                topic("billing", "Billing questions", "005Dn0009SzZrrrIQC"),
            ],
            rate_limit: AppointmentRateLimit::default(),
        }
    }
}

/// What a topic code may be: what the API's schema says (`^[a-z0-9-]{1,40}$`).
pub const TOPIC_PATTERN: &str = "^[a-z0-9-]{1,40}$";

pub fn is_topic_code(code: &str) -> bool {
    (1..=40).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl AppointmentsConfig {
    /// The schedule the rules work with, or what is wrong with the configuration.
    pub fn schedule(&self) -> Result<Schedule, String> {
        let zone: chrono_tz::Tz = self.time_zone.parse().map_err(|_| {
            format!(
                "appointments.time_zone {:?} is not an IANA time zone like Europe/Berlin",
                self.time_zone
            )
        })?;
        let mut hours: [Vec<Span>; 7] = Default::default();
        for (i, (day, spans)) in self.working_hours.days().into_iter().enumerate() {
            let mut parsed = spans
                .iter()
                .map(|s| Span::parse(s))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("appointments.working_hours.{day}: {e}"))?;
            parsed.sort_by_key(|s| s.start);
            if parsed.windows(2).any(|w| w[1].start < w[0].end) {
                return Err(format!(
                    "appointments.working_hours.{day}: the spans overlap"
                ));
            }
            hours[i] = parsed;
        }
        Ok(Schedule {
            zone,
            hours,
            slot: Duration::minutes(i64::from(self.slot_minutes)),
            buffer: Duration::minutes(i64::from(self.buffer_minutes)),
            min_notice: Duration::hours(i64::from(self.min_notice_hours)),
            horizon: Duration::days(i64::from(self.horizon_days)),
        })
    }

    pub fn topic(&self, code: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.code == code)
    }

    pub fn validate(&self) -> Result<(), String> {
        self.schedule()?;
        let ranges: [(&str, u64, u64, u64); 6] = [
            ("slot_minutes", self.slot_minutes.into(), 5, 480),
            ("buffer_minutes", self.buffer_minutes.into(), 0, 240),
            ("min_notice_hours", self.min_notice_hours.into(), 0, 720),
            ("horizon_days", self.horizon_days.into(), 1, 3650),
            ("cutoff_hours", self.cutoff_hours.into(), 0, 720),
            ("busy_ttl_secs", self.busy_ttl_secs, 1, 3600),
        ];
        for (name, value, low, high) in ranges {
            if !(low..=high).contains(&value) {
                return Err(format!("appointments.{name} must be {low} to {high}"));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for topic in &self.topics {
            if !is_topic_code(&topic.code) {
                return Err(format!(
                    "appointments.topics: the code {:?} must be 1-40 lower-case letters, digits and dashes",
                    topic.code
                ));
            }
            if !seen.insert(topic.code.as_str()) {
                return Err(format!(
                    "appointments.topics: the code {:?} is given twice",
                    topic.code
                ));
            }
            if topic.label.trim().is_empty() || topic.label.chars().count() > 80 {
                return Err(format!(
                    "appointments.topics: {} needs a label of 1-80 characters",
                    topic.code
                ));
            }
            if !salesforce_client::SalesforceId::parse(&topic.owner_id)
                .is_ok_and(|id| id.as_str().starts_with("005"))
            {
                return Err(format!(
                    "appointments.topics: {} needs owner_id, a User id (005...)",
                    topic.code
                ));
            }
        }
        if self.rate_limit.per_hour == 0 || self.rate_limit.burst == 0 {
            return Err(
                "appointments.rate_limit.per_hour and appointments.rate_limit.burst must be at least 1"
                    .into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        AppointmentsConfig::default().validate().unwrap();
        let bad = |change: fn(&mut AppointmentsConfig), needle: &str| {
            let mut config = AppointmentsConfig::default();
            change(&mut config);
            let err = config.validate().unwrap_err();
            assert!(err.contains(needle), "{err}");
        };
        bad(|c| c.time_zone = "Mars/Olympus".into(), "time_zone");
        bad(
            |c| c.working_hours.mon = vec!["09:00-12:00".into(), "11:00-13:00".into()],
            "overlap",
        );
        bad(|c| c.working_hours.sun = vec!["nine to five".into()], "sun");
        bad(|c| c.slot_minutes = 0, "slot_minutes");
        bad(|c| c.topics[1].code = "onboarding".into(), "twice");
        bad(|c| c.topics[0].code = "Onboarding".into(), "lower-case");
        bad(
            |c| c.topics[0].owner_id = "003Dn000O6V0xBhIIJ".into(),
            "owner_id",
        );
        bad(|c| c.rate_limit.burst = 0, "rate_limit");
    }
}
