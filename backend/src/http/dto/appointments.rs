//! Appointments: responses (issue 15, decision 028).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::AppointmentsConfig;
use crate::domain::appointments::Slot;
use crate::salesforce::appointments::{AppointmentRecord, BookingStatus};

/// A topic a customer can book.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AppointmentTopic {
    #[schema(example = "technical")]
    pub code: String,
    #[schema(example = "Technical consultation")]
    pub label: String,
}

/// What can be booked, and the rules of booking.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AppointmentTopics {
    /// The IANA zone working hours are set in (slots are UTC instants all the same).
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    pub slot_minutes: u32,
    /// How many hours before its start a booking can still be cancelled or moved.
    pub cutoff_hours: u32,
    /// How many days ahead slots can be booked.
    pub horizon_days: u32,
    pub topics: Vec<AppointmentTopic>,
}

impl From<&AppointmentsConfig> for AppointmentTopics {
    fn from(config: &AppointmentsConfig) -> Self {
        Self {
            time_zone: config.time_zone.clone(),
            slot_minutes: config.slot_minutes,
            cutoff_hours: config.cutoff_hours,
            horizon_days: config.horizon_days,
            topics: config
                .topics
                .iter()
                .map(|t| AppointmentTopic {
                    code: t.code.clone(),
                    label: t.label.clone(),
                })
                .collect(),
        }
    }
}

/// The free slots of a topic in a window.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SlotList {
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    pub slot_minutes: u32,
    pub topic: AppointmentTopic,
    /// Free slots, earliest first.
    pub slots: Vec<Slot>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AppointmentStatus {
    Booked,
    Cancelled,
}

/// A booking.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Appointment {
    /// The Salesforce Event id.
    #[schema(example = "00UDn000001AbCdIAK")]
    pub id: String,
    pub topic: AppointmentTopic,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub status: AppointmentStatus,
    pub note: Option<String>,
    /// The case it is about, if any.
    pub case_id: Option<String>,
    /// Until when it can be cancelled or moved here (`cutoff_hours` before its start).
    pub change_until: DateTime<Utc>,
    /// How often it was moved.
    pub sequence: u32,
    pub created_at: DateTime<Utc>,
}

impl Appointment {
    pub fn of(record: AppointmentRecord, config: &AppointmentsConfig) -> Self {
        let label = config
            .topic(&record.topic)
            .map_or_else(|| record.subject.clone(), |t| t.label.clone());
        Self {
            id: record.id.to_string(),
            topic: AppointmentTopic {
                code: record.topic,
                label,
            },
            change_until: record.start - Duration::hours(i64::from(config.cutoff_hours)),
            start: record.start,
            end: record.end,
            status: match record.status {
                BookingStatus::Booked => AppointmentStatus::Booked,
                BookingStatus::Cancelled => AppointmentStatus::Cancelled,
            },
            note: record.note,
            case_id: record.case_id.map(|c| c.to_string()),
            sequence: record.sequence,
            created_at: record.created_date,
        }
    }
}

/// A page of the customer's bookings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AppointmentList {
    pub items: Vec<Appointment>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}
