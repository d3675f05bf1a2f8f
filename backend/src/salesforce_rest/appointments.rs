//! Appointments on a real org (issue 15, decision 028): an owner's busy time from their Events,
//! and the portal's bookings as Events with `WhoId` the contact and `WhatId` the account or the
//! case. A booking is upserted by `Portal_Booking_Key__c` (from the Idempotency-Key); the
//! Unique `Portal_Slot_Key__c` (`<owner>:<start>`) makes Salesforce refuse a second booking of
//! one slot with DUPLICATE_VALUE, which is the portal's "slot taken".
//!
//! Every query about a customer filters by the session's account in SOQL itself; every literal
//! goes through `salesforce_client::soql` quoting.

use std::sync::Arc;

use anyhow::anyhow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use salesforce_client::ErrorCode;
use salesforce_client::soql::{datetime, id_literal, quote_str};
use serde::Deserialize;

use super::{SalesforceRest, port_error};
use crate::domain::appointments::Busy;
use crate::salesforce::appointments::{
    AppointmentPort, AppointmentRecord, BookOutcome, BookingStatus, MAX_BOOKINGS, MAX_BUSY, Move,
    MoveOutcome, NewBooking,
};
use crate::salesforce::{PortError, PortResult, SalesforceId};

/// The fields a booking is read with.
const FIELDS: &str = "Id, AccountId, WhoId, WhatId, OwnerId, Subject, StartDateTime, \
    EndDateTime, Description, Portal_Booking_Key__c, Portal_Topic__c, Portal_Status__c, \
    Portal_Sequence__c, CreatedDate, LastModifiedDate";

pub struct SalesforceAppointments {
    rest: Arc<SalesforceRest>,
}

impl SalesforceAppointments {
    pub fn new(rest: Arc<SalesforceRest>) -> Self {
        Self { rest }
    }

    async fn by_key(&self, key: &str) -> PortResult<Option<AppointmentRecord>> {
        let soql = format!(
            "SELECT {FIELDS} FROM Event WHERE Portal_Booking_Key__c = {} LIMIT 1",
            quote_str(key)
        );
        let rows: Vec<EventRow> = self.rest.query(&soql).await?;
        rows.into_iter().next().map(EventRow::record).transpose()
    }

    async fn by_id(&self, id: &SalesforceId) -> PortResult<AppointmentRecord> {
        let soql = format!(
            "SELECT {FIELDS} FROM Event WHERE Id = {} LIMIT 1",
            id_literal(id)
        );
        let rows: Vec<EventRow> = self.rest.query(&soql).await?;
        rows.into_iter()
            .next()
            .ok_or_else(|| PortError::Internal(anyhow!("booking {id} not readable")))?
            .record()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EventRow {
    id: SalesforceId,
    account_id: Option<SalesforceId>,
    who_id: Option<SalesforceId>,
    what_id: Option<SalesforceId>,
    owner_id: SalesforceId,
    subject: Option<String>,
    #[serde(with = "crate::salesforce::datetime")]
    start_date_time: DateTime<Utc>,
    #[serde(with = "crate::salesforce::datetime")]
    end_date_time: DateTime<Utc>,
    description: Option<String>,
    #[serde(rename = "Portal_Booking_Key__c")]
    booking_key: Option<String>,
    #[serde(rename = "Portal_Topic__c")]
    topic: Option<String>,
    #[serde(rename = "Portal_Status__c")]
    status: Option<String>,
    /// A Number field: `1` or `1.0` on the wire.
    #[serde(rename = "Portal_Sequence__c")]
    sequence: Option<f64>,
    #[serde(with = "crate::salesforce::datetime")]
    created_date: DateTime<Utc>,
    #[serde(with = "crate::salesforce::datetime")]
    last_modified_date: DateTime<Utc>,
}

impl EventRow {
    fn record(self) -> PortResult<AppointmentRecord> {
        let missing =
            |what: &str| PortError::Internal(anyhow!("booking {} has no {what}", self.id));
        Ok(AppointmentRecord {
            account_id: self
                .account_id
                .clone()
                .ok_or_else(|| missing("AccountId"))?,
            contact_id: self.who_id.clone().ok_or_else(|| missing("WhoId"))?,
            booking_key: self
                .booking_key
                .clone()
                .ok_or_else(|| missing("booking key"))?,
            case_id: self.what_id.filter(|what| what.as_str().starts_with("500")),
            owner_id: self.owner_id,
            topic: self.topic.unwrap_or_default(),
            subject: self.subject.unwrap_or_default(),
            start: self.start_date_time,
            end: self.end_date_time,
            status: BookingStatus::from_picklist(self.status.as_deref()),
            note: self.description,
            sequence: self.sequence.map_or(0, |s| s.max(0.0) as u32),
            created_date: self.created_date,
            last_modified: self.last_modified_date,
            id: self.id,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BusyRow {
    #[serde(with = "crate::salesforce::datetime")]
    start_date_time: DateTime<Utc>,
    #[serde(with = "crate::salesforce::datetime")]
    end_date_time: DateTime<Utc>,
}

/// Whether Salesforce refused the write for a duplicate unique value: the slot key.
fn slot_taken(err: &salesforce_client::Error) -> bool {
    err.has_code(&ErrorCode::DuplicateValue)
        && err
            .api_errors()
            .iter()
            .any(|e| e.message.contains("Portal_Slot_Key__c"))
}

#[async_trait]
impl AppointmentPort for SalesforceAppointments {
    async fn busy(
        &self,
        owner: &SalesforceId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> PortResult<Vec<Busy>> {
        let soql = format!(
            "SELECT StartDateTime, EndDateTime FROM Event WHERE OwnerId = {} \
             AND ShowAs != 'Free' AND StartDateTime < {} AND EndDateTime > {} \
             ORDER BY StartDateTime LIMIT {MAX_BUSY}",
            id_literal(owner),
            datetime(&to),
            datetime(&from),
        );
        let rows: Vec<BusyRow> = self.rest.query(&soql).await?;
        Ok(rows
            .into_iter()
            .map(|r| Busy {
                start: r.start_date_time,
                end: r.end_date_time,
            })
            .collect())
    }

    async fn bookings(&self, account: &SalesforceId) -> PortResult<Vec<AppointmentRecord>> {
        let soql = format!(
            "SELECT {FIELDS} FROM Event WHERE AccountId = {} \
             AND Portal_Booking_Key__c != null ORDER BY StartDateTime DESC, Id DESC \
             LIMIT {MAX_BOOKINGS}",
            id_literal(account)
        );
        let rows: Vec<EventRow> = self.rest.query(&soql).await?;
        rows.into_iter().map(EventRow::record).collect()
    }

    async fn booking(
        &self,
        account: &SalesforceId,
        id: &SalesforceId,
    ) -> PortResult<Option<AppointmentRecord>> {
        let soql = format!(
            "SELECT {FIELDS} FROM Event WHERE Id = {} AND AccountId = {} \
             AND Portal_Booking_Key__c != null LIMIT 1",
            id_literal(id),
            id_literal(account)
        );
        let rows: Vec<EventRow> = self.rest.query(&soql).await?;
        rows.into_iter().next().map(EventRow::record).transpose()
    }

    /// Looks first, so a retry finds the booking it made untouched; only a missing one is
    /// upserted by its key, which a concurrent retry cannot duplicate either.
    async fn book(&self, booking: NewBooking) -> PortResult<BookOutcome> {
        if let Some(existing) = self.by_key(&booking.booking_key).await? {
            return Ok(BookOutcome::Existing(existing));
        }
        let what = booking.case_id.as_ref().unwrap_or(&booking.account_id);
        let body = serde_json::json!({
            "Subject": booking.subject,
            "StartDateTime": crate::salesforce::datetime::format(&booking.start),
            "EndDateTime": crate::salesforce::datetime::format(&booking.end),
            "OwnerId": booking.owner_id.as_str(),
            "WhoId": booking.contact_id.as_str(),
            "WhatId": what.as_str(),
            "ShowAs": "Busy",
            "Description": booking.note,
            "Portal_Slot_Key__c": booking.slot_key,
            "Portal_Topic__c": booking.topic,
            "Portal_Status__c": BookingStatus::Booked.as_picklist(),
            "Portal_Sequence__c": 0,
        });
        match self
            .rest
            .client()
            .upsert(
                "Event",
                "Portal_Booking_Key__c",
                &booking.booking_key,
                &body,
            )
            .await
        {
            Ok(_) => {}
            Err(err) if slot_taken(&err) => return Ok(BookOutcome::SlotTaken),
            Err(err) => return Err(port_error(err)),
        }
        let record = self.by_key(&booking.booking_key).await?.ok_or_else(|| {
            PortError::Internal(anyhow!(
                "booking {} not readable after upsert",
                booking.booking_key
            ))
        })?;
        Ok(BookOutcome::Created(record))
    }

    /// Frees the slot (the key cleared, the time shown as Free) and marks the booking
    /// cancelled; repeating it changes nothing more.
    async fn cancel(&self, id: &SalesforceId) -> PortResult<AppointmentRecord> {
        let body = serde_json::json!({
            "Portal_Status__c": BookingStatus::Cancelled.as_picklist(),
            "ShowAs": "Free",
            "Portal_Slot_Key__c": null,
        });
        self.rest
            .client()
            .update("Event", id, &body)
            .await
            .map_err(port_error)?;
        self.by_id(id).await
    }

    /// One PATCH of start, end and slot key: refused whole (DUPLICATE_VALUE) when the new slot
    /// is taken, so the booking keeps its old slot.
    async fn reschedule(&self, change: Move) -> PortResult<MoveOutcome> {
        let body = serde_json::json!({
            "StartDateTime": crate::salesforce::datetime::format(&change.start),
            "EndDateTime": crate::salesforce::datetime::format(&change.end),
            "Portal_Slot_Key__c": change.slot_key,
            "Portal_Sequence__c": change.sequence,
        });
        match self.rest.client().update("Event", &change.id, &body).await {
            Ok(()) => Ok(MoveOutcome::Moved(Box::new(self.by_id(&change.id).await?))),
            Err(err) if slot_taken(&err) => Ok(MoveOutcome::SlotTaken),
            Err(err) => Err(port_error(err)),
        }
    }
}
