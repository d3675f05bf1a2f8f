//! The appointment port through the org's resilience (decision 028): the same timeouts,
//! retries with backoff, circuit breaker and call metrics as the case port, sharing its
//! breaker. Booking is retried only because it is an upsert by the booking key after a look
//! for it; cancel and move set absolute values, so a repeat changes nothing more.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::appointments::SalesforceAppointments;
use super::resilience::{Kind, ResilientPort};
use crate::domain::appointments::Busy;
use crate::salesforce::appointments::{
    AppointmentPort, AppointmentRecord, BookOutcome, Move, MoveOutcome, NewBooking,
};
use crate::salesforce::{PortResult, SalesforceId};

pub struct ResilientAppointments {
    resilience: Arc<ResilientPort>,
    inner: Arc<SalesforceAppointments>,
}

impl ResilientAppointments {
    pub fn new(resilience: Arc<ResilientPort>, inner: Arc<SalesforceAppointments>) -> Self {
        Self { resilience, inner }
    }
}

#[async_trait]
impl AppointmentPort for ResilientAppointments {
    async fn busy(
        &self,
        owner: &SalesforceId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> PortResult<Vec<Busy>> {
        self.resilience
            .call("appointment_busy", Kind::Read, || {
                self.inner.busy(owner, from, to)
            })
            .await
    }

    async fn bookings(&self, account: &SalesforceId) -> PortResult<Vec<AppointmentRecord>> {
        self.resilience
            .call("appointments", Kind::Read, || self.inner.bookings(account))
            .await
    }

    async fn booking(
        &self,
        account: &SalesforceId,
        id: &SalesforceId,
    ) -> PortResult<Option<AppointmentRecord>> {
        self.resilience
            .call("appointment", Kind::Read, || {
                self.inner.booking(account, id)
            })
            .await
    }

    async fn book(&self, booking: NewBooking) -> PortResult<BookOutcome> {
        self.resilience
            .call("book_appointment", Kind::SafeWrite, || {
                self.inner.book(booking.clone())
            })
            .await
    }

    async fn cancel(&self, id: &SalesforceId) -> PortResult<AppointmentRecord> {
        self.resilience
            .call("cancel_appointment", Kind::SafeWrite, || {
                self.inner.cancel(id)
            })
            .await
    }

    async fn reschedule(&self, change: Move) -> PortResult<MoveOutcome> {
        self.resilience
            .call("reschedule_appointment", Kind::SafeWrite, || {
                self.inner.reschedule(change.clone())
            })
            .await
    }
}
