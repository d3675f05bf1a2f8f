//! Appointments in the mock store: the owners' calendars from the fixtures (`Event.json`, the
//! same file the emulator serves), and the portal's bookings in the journal
//! `<data_dir>/appointments.jsonl`, each write appended and synced before it is visible or
//! acknowledged, replayed at start-up.
//!
//! As in an org, one owner's slot holds one booking: the slot key (`Portal_Slot_Key__c`,
//! unique there) is checked and written under one lock, so of two customers racing for a slot
//! exactly one gets it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use anyhow::{Context, bail};
use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use serde::Deserialize;

use super::journal::{Entry, Journal, append_one};
use crate::domain::appointments::{Busy, slot_key};
use crate::salesforce::appointments::{
    AppointmentPort, AppointmentRecord, BookOutcome, BookingStatus, MAX_BOOKINGS, MAX_BUSY, Move,
    MoveOutcome, NewBooking,
};
use crate::salesforce::{PortError, PortResult, SalesforceId};

/// An Event of the fixtures: time on someone's calendar.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EventRow {
    owner_id: SalesforceId,
    #[serde(with = "crate::salesforce::datetime")]
    start_date_time: DateTime<Utc>,
    #[serde(with = "crate::salesforce::datetime")]
    end_date_time: DateTime<Utc>,
    show_as: Option<String>,
}

#[derive(Default)]
struct State {
    /// The portal's bookings by id.
    bookings: HashMap<SalesforceId, AppointmentRecord>,
}

impl State {
    fn apply(&mut self, entry: Entry) -> anyhow::Result<()> {
        match entry {
            Entry::Appointment { appointment } => {
                self.bookings.insert(appointment.id.clone(), appointment);
            }
            _ => bail!("the appointment journal holds another kind of entry"),
        }
        Ok(())
    }

    /// The booking that holds `key`, if one does (a cancelled booking holds none).
    fn holder(&self, key: &str) -> Option<&AppointmentRecord> {
        self.bookings.values().find(|b| {
            b.status == BookingStatus::Booked && slot_key(b.owner_id.as_str(), b.start) == key
        })
    }
}

pub struct MockAppointments {
    /// Busy time on the owners' calendars from the fixtures, by owner.
    calendar: HashMap<SalesforceId, Vec<Busy>>,
    state: RwLock<State>,
    /// One write at a time: a slot's check and the write it decides on must not interleave.
    writing: tokio::sync::Mutex<()>,
    journal: Arc<std::sync::Mutex<Journal>>,
}

impl MockAppointments {
    /// Loads `Event.json` from `fixtures_dir` and replays `appointments.jsonl` in `data_dir`.
    pub fn open(fixtures_dir: &Path, data_dir: &Path) -> anyhow::Result<Self> {
        let path = fixtures_dir.join("Event.json");
        let rows: Vec<EventRow> = if path.exists() {
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))?
        } else {
            Vec::new()
        };
        let mut calendar: HashMap<SalesforceId, Vec<Busy>> = HashMap::new();
        for row in rows {
            if row.show_as.as_deref() == Some("Free") {
                continue;
            }
            calendar.entry(row.owner_id).or_default().push(Busy {
                start: row.start_date_time,
                end: row.end_date_time,
            });
        }
        let (journal, replay) = Journal::open(&data_dir.join("appointments.jsonl"))?;
        let mut state = State::default();
        for entry in replay {
            state.apply(entry)?;
        }
        Ok(Self {
            calendar,
            state: RwLock::new(state),
            writing: tokio::sync::Mutex::new(()),
            journal: Arc::new(std::sync::Mutex::new(journal)),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends the booking as it now is (synced) off the runtime's threads, then makes it
    /// visible.
    async fn write(&self, appointment: AppointmentRecord) -> PortResult<()> {
        let entry = Entry::Appointment {
            appointment: appointment.clone(),
        };
        append_one(&self.journal, entry, "appointment").await?;
        self.state
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .apply(Entry::Appointment { appointment })
            .map_err(PortError::Internal)
    }
}

/// Milliseconds, as Salesforce stamps records and the journal keeps them.
fn stamp() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

#[async_trait]
impl AppointmentPort for MockAppointments {
    async fn busy(
        &self,
        owner: &SalesforceId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> PortResult<Vec<Busy>> {
        let overlaps = |b: &Busy| b.start < to && b.end > from;
        let mut busy: Vec<Busy> = self
            .calendar
            .get(owner)
            .map(|list| list.iter().copied().filter(overlaps).collect())
            .unwrap_or_default();
        busy.extend(
            self.read()
                .bookings
                .values()
                .filter(|b| &b.owner_id == owner && b.status == BookingStatus::Booked)
                .map(|b| Busy {
                    start: b.start,
                    end: b.end,
                })
                .filter(overlaps),
        );
        busy.sort_by_key(|b| (b.start, b.end));
        busy.truncate(MAX_BUSY);
        Ok(busy)
    }

    async fn bookings(&self, account: &SalesforceId) -> PortResult<Vec<AppointmentRecord>> {
        let mut found: Vec<AppointmentRecord> = self
            .read()
            .bookings
            .values()
            .filter(|b| &b.account_id == account)
            .cloned()
            .collect();
        found.sort_by(|a, b| b.start.cmp(&a.start).then_with(|| b.id.cmp(&a.id)));
        found.truncate(MAX_BOOKINGS);
        Ok(found)
    }

    async fn booking(
        &self,
        account: &SalesforceId,
        id: &SalesforceId,
    ) -> PortResult<Option<AppointmentRecord>> {
        Ok(self
            .read()
            .bookings
            .get(id)
            .filter(|b| &b.account_id == account)
            .cloned())
    }

    async fn book(&self, booking: NewBooking) -> PortResult<BookOutcome> {
        let writing = self.writing.lock().await;
        if let Some(existing) = self
            .read()
            .bookings
            .values()
            .find(|b| b.booking_key == booking.booking_key)
            .cloned()
        {
            return Ok(BookOutcome::Existing(existing));
        }
        if self.read().holder(&booking.slot_key).is_some() {
            return Ok(BookOutcome::SlotTaken);
        }
        let id = loop {
            let id = SalesforceId::generate("00U");
            if !self.read().bookings.contains_key(&id) {
                break id;
            }
        };
        let now = stamp();
        let record = AppointmentRecord {
            id,
            account_id: booking.account_id,
            contact_id: booking.contact_id,
            owner_id: booking.owner_id,
            topic: booking.topic,
            subject: booking.subject,
            start: booking.start,
            end: booking.end,
            status: BookingStatus::Booked,
            note: booking.note,
            case_id: booking.case_id,
            booking_key: booking.booking_key,
            sequence: 0,
            created_date: now,
            last_modified: now,
        };
        self.write(record.clone()).await?;
        drop(writing);
        Ok(BookOutcome::Created(record))
    }

    async fn cancel(&self, id: &SalesforceId) -> PortResult<AppointmentRecord> {
        let _writing = self.writing.lock().await;
        let mut record = self
            .read()
            .bookings
            .get(id)
            .cloned()
            .ok_or_else(|| PortError::Internal(anyhow::anyhow!("no booking {id}")))?;
        if record.status == BookingStatus::Cancelled {
            return Ok(record);
        }
        record.status = BookingStatus::Cancelled;
        record.last_modified = stamp();
        self.write(record.clone()).await?;
        Ok(record)
    }

    async fn reschedule(&self, change: Move) -> PortResult<MoveOutcome> {
        let _writing = self.writing.lock().await;
        let mut record = self
            .read()
            .bookings
            .get(&change.id)
            .cloned()
            .ok_or_else(|| PortError::Internal(anyhow::anyhow!("no booking {}", change.id)))?;
        if self
            .read()
            .holder(&change.slot_key)
            .is_some_and(|holder| holder.id != record.id)
        {
            return Ok(MoveOutcome::SlotTaken);
        }
        record.start = change.start;
        record.end = change.end;
        record.sequence = change.sequence;
        record.last_modified = stamp();
        self.write(record.clone()).await?;
        Ok(MoveOutcome::Moved(Box::new(record)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    /// Bookings are in the journal before they are acknowledged: a store opened again on the
    /// same data directory has them as they were last written, and the slot keys follow.
    #[tokio::test]
    async fn bookings_survive_a_restart_and_hold_their_slots() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("mocks/salesforce");
        let data = tempfile::tempdir().unwrap();
        let account = SalesforceId::parse("001Dn000V58wd0MIIQ").unwrap();
        let owner = SalesforceId::parse("005Dn000l57zP3iIAE").unwrap();
        let store = MockAppointments::open(&fixtures, data.path()).unwrap();
        // The fixtures' busy time: Maria's Monday meeting, and not her Free event.
        let monday = store
            .busy(
                &owner,
                at("2036-01-07T00:00:00Z"),
                at("2036-01-10T00:00:00Z"),
            )
            .await
            .unwrap();
        assert!(monday.iter().any(|b| b.start == at("2036-01-07T09:00:00Z")));
        assert!(!monday.iter().any(|b| b.start == at("2036-01-09T11:00:00Z")));
        let booking = |key: &str, start: &str| NewBooking {
            booking_key: key.into(),
            slot_key: slot_key(owner.as_str(), at(start)),
            account_id: account.clone(),
            contact_id: SalesforceId::parse("003Dn000O6V0xBhIIJ").unwrap(),
            owner_id: owner.clone(),
            topic: "onboarding".into(),
            subject: "Onboarding session: Acme Corporation".into(),
            start: at(start),
            end: at(start) + chrono::Duration::minutes(30),
            note: None,
            case_id: None,
        };
        let BookOutcome::Created(first) = store
            .book(booking("k1", "2036-02-04T10:00:00Z"))
            .await
            .unwrap()
        else {
            panic!("not created");
        };
        let BookOutcome::Created(second) = store
            .book(booking("k2", "2036-02-04T11:00:00Z"))
            .await
            .unwrap()
        else {
            panic!("not created");
        };
        store.cancel(&second.id).await.unwrap();
        drop(store);

        let reopened = MockAppointments::open(&fixtures, data.path()).unwrap();
        let listed = reopened.bookings(&account).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[1], first);
        assert_eq!(listed[0].status, BookingStatus::Cancelled);
        assert!(matches!(
            reopened
                .book(booking("k3", "2036-02-04T10:00:00Z"))
                .await
                .unwrap(),
            BookOutcome::SlotTaken
        ));
        assert!(matches!(
            reopened.book(booking("k1", "2036-02-04T12:00:00Z")).await.unwrap(),
            BookOutcome::Existing(existing) if existing.id == first.id
        ));
        // The cancelled booking's slot is free again.
        assert!(matches!(
            reopened
                .book(booking("k4", "2036-02-04T11:00:00Z"))
                .await
                .unwrap(),
            BookOutcome::Created(_)
        ));
        let globex = SalesforceId::parse("001Dn0004Ot9nDpIQI").unwrap();
        assert!(reopened.bookings(&globex).await.unwrap().is_empty());
        assert!(
            reopened
                .booking(&globex, &first.id)
                .await
                .unwrap()
                .is_none()
        );
    }
}
