//! The appointment port with every call taken from the requesting customer's budget of
//! Salesforce calls ([`CustomerBudget`]), as for the product port: the slot list, the bookings
//! and their writes read Salesforce directly (decision 028; the owners' calendars are cached
//! briefly by the service, which then makes no call), and must not be a way around the budget.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::budget::CustomerBudget;
use crate::domain::appointments::Busy;
use crate::salesforce::appointments::{
    AppointmentPort, AppointmentRecord, BookOutcome, Move, MoveOutcome, NewBooking,
};
use crate::salesforce::{PortResult, SalesforceId};

pub struct BudgetedAppointments {
    inner: Arc<dyn AppointmentPort>,
    budget: Arc<CustomerBudget>,
}

impl BudgetedAppointments {
    pub fn new(inner: Arc<dyn AppointmentPort>, budget: Arc<CustomerBudget>) -> Self {
        Self { inner, budget }
    }
}

#[async_trait]
impl AppointmentPort for BudgetedAppointments {
    async fn busy(
        &self,
        owner: &SalesforceId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> PortResult<Vec<Busy>> {
        self.budget.take().await?;
        self.inner.busy(owner, from, to).await
    }

    async fn bookings(&self, account: &SalesforceId) -> PortResult<Vec<AppointmentRecord>> {
        self.budget.take().await?;
        self.inner.bookings(account).await
    }

    async fn booking(
        &self,
        account: &SalesforceId,
        id: &SalesforceId,
    ) -> PortResult<Option<AppointmentRecord>> {
        self.budget.take().await?;
        self.inner.booking(account, id).await
    }

    async fn book(&self, booking: NewBooking) -> PortResult<BookOutcome> {
        self.budget.take().await?;
        self.inner.book(booking).await
    }

    async fn cancel(&self, id: &SalesforceId) -> PortResult<AppointmentRecord> {
        self.budget.take().await?;
        self.inner.cancel(id).await
    }

    async fn reschedule(&self, change: Move) -> PortResult<MoveOutcome> {
        self.budget.take().await?;
        self.inner.reschedule(change).await
    }
}
