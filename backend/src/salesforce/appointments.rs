//! The appointment extension's port (issue 15, decision 028): an owner's busy time, and the
//! customer's bookings as Salesforce Events. A port of its own beside [`super::SalesforcePort`],
//! like the product port.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use salesforce_client::SalesforceId;

use super::PortResult;
use crate::domain::appointments::Busy;

/// Whether a booking stands (`Portal_Status__c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BookingStatus {
    Booked,
    Cancelled,
}

impl BookingStatus {
    pub fn as_picklist(self) -> &'static str {
        match self {
            Self::Booked => "Booked",
            Self::Cancelled => "Cancelled",
        }
    }

    pub fn from_picklist(value: Option<&str>) -> Self {
        match value {
            Some("Cancelled") => Self::Cancelled,
            _ => Self::Booked,
        }
    }
}

/// A booking the portal made: an Event with the portal's booking key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentRecord {
    pub id: SalesforceId,
    pub account_id: SalesforceId,
    pub contact_id: SalesforceId,
    pub owner_id: SalesforceId,
    /// The topic's code (`Portal_Topic__c`).
    pub topic: String,
    pub subject: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub status: BookingStatus,
    /// The customer's note (the Event's Description).
    pub note: Option<String>,
    /// The case it is about (the Event's WhatId when it is a case).
    pub case_id: Option<SalesforceId>,
    /// `Portal_Booking_Key__c`: `<contact>:<digest of the Idempotency-Key>`.
    pub booking_key: String,
    /// How often the booking was moved (`Portal_Sequence__c`): the `.ics` SEQUENCE.
    pub sequence: u32,
    pub created_date: DateTime<Utc>,
    pub last_modified: DateTime<Utc>,
}

/// What the portal writes for a booking.
#[derive(Debug, Clone)]
pub struct NewBooking {
    pub booking_key: String,
    /// `Portal_Slot_Key__c`: owner and start, unique in the org.
    pub slot_key: String,
    pub account_id: SalesforceId,
    pub contact_id: SalesforceId,
    pub owner_id: SalesforceId,
    pub topic: String,
    pub subject: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub note: Option<String>,
    pub case_id: Option<SalesforceId>,
}

/// What a booking write came to.
#[derive(Debug, Clone)]
pub enum BookOutcome {
    Created(AppointmentRecord),
    /// A booking with this booking key existed already (a retry): it, untouched.
    Existing(AppointmentRecord),
    /// Someone else holds the slot.
    SlotTaken,
}

/// A move of a booking to another slot.
#[derive(Debug, Clone)]
pub struct Move {
    pub id: SalesforceId,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub slot_key: String,
    pub sequence: u32,
}

#[derive(Debug, Clone)]
pub enum MoveOutcome {
    Moved(Box<AppointmentRecord>),
    /// Someone else holds the new slot; the booking keeps its old one.
    SlotTaken,
}

/// The most bookings one account's list holds.
pub const MAX_BOOKINGS: usize = 2_000;
/// The most Events read for one owner's busy time in one window.
pub const MAX_BUSY: usize = 2_000;

#[async_trait]
pub trait AppointmentPort: Send + Sync + 'static {
    /// The time `owner` is busy in `[from, to)`: Events that do not show as Free.
    async fn busy(
        &self,
        owner: &SalesforceId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> PortResult<Vec<Busy>>;

    /// The account's bookings (at most [`MAX_BOOKINGS`]), newest start first.
    async fn bookings(&self, account: &SalesforceId) -> PortResult<Vec<AppointmentRecord>>;

    /// The account's booking `id`, or `None` (another account's is `None` too).
    async fn booking(
        &self,
        account: &SalesforceId,
        id: &SalesforceId,
    ) -> PortResult<Option<AppointmentRecord>>;

    /// Writes the booking; a booking with the same booking key is returned instead.
    async fn book(&self, booking: NewBooking) -> PortResult<BookOutcome>;

    /// Cancels booking `id` (frees its slot); cancelling a cancelled booking changes nothing.
    async fn cancel(&self, id: &SalesforceId) -> PortResult<AppointmentRecord>;

    /// Moves the booking, all or nothing.
    async fn reschedule(&self, change: Move) -> PortResult<MoveOutcome>;
}
