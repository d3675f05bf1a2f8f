//! Appointments (issue 15, decision 028): the slots a customer can book for a topic, booking
//! one (an Event on the topic owner's calendar), the customer's bookings, cancelling and moving
//! one until its cut-off, and a booking as an `.ics` file. Always within the signed-in
//! customer's account: the account is the session's, never the path's, and a booking of
//! another account is "not found", like one that does not exist.
//!
//! Two customers racing for one slot: the slot is checked against the owner's calendar read
//! fresh, then written with its unique slot key; the store (the org, or the mock store's lock)
//! lets exactly one write through and the other hears "slot taken" with fresh slots.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};

use super::auth::Session;
use super::idempotency::{self, Begin};
use super::listing::{CursorPage, Listed};
use crate::config::{AppointmentsConfig, Topic};
use crate::domain::appointments::{Busy, Schedule, Slot, slot_key};
use crate::domain::ics::CalendarEvent;
use crate::domain::paging::{self, Keyset, SortValue};
use crate::error::{ApiError, ApiResult, FieldError, RateLimitInfo, Resource};
use crate::observability::metrics::Metrics;
use crate::salesforce::appointments::{
    AppointmentPort, AppointmentRecord, BookOutcome, BookingStatus, Move, MoveOutcome, NewBooking,
};
use crate::salesforce::{SalesforceId, SalesforcePort};
use crate::shared_state::SharedState;
use crate::shared_state::idempotency::{Fingerprint, IdempotencyStore};
use crate::shared_state::rate_limit::{Decision, Policy, RateLimitStore, ceil_secs};

/// The rate-limit policy of bookings, cancellations and moves.
pub const POLICY: &str = "appointment-write";

/// Which of the customer's bookings a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum When {
    /// Not ended yet, soonest first.
    #[default]
    Upcoming,
    /// Ended, latest first.
    Past,
}

impl When {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upcoming => "upcoming",
            Self::Past => "past",
        }
    }
}

/// A page of the customer's bookings as asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AppointmentQuery {
    pub when: When,
    pub page: CursorPage,
}

/// A slots request: a topic and an optional window (default: a week from now).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlotQuery {
    pub topic: String,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

pub struct Slots {
    pub topic: Topic,
    pub slots: Vec<Slot>,
}

/// A booking request as parsed.
pub struct BookRequest {
    pub topic: String,
    pub start: DateTime<Utc>,
    pub note: Option<String>,
    pub case_id: Option<SalesforceId>,
}

pub struct Booked {
    pub appointment: AppointmentRecord,
    /// `true`: a retry with the same Idempotency-Key; nothing was written.
    pub replayed: bool,
    pub rate: Option<RateLimitInfo>,
}

/// An owner's busy time read for a window, reused for `busy_ttl_secs`.
struct CachedBusy {
    at: Instant,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    busy: Vec<Busy>,
}

pub struct AppointmentService {
    port: Arc<dyn AppointmentPort>,
    salesforce: Arc<dyn SalesforcePort>,
    config: AppointmentsConfig,
    schedule: Schedule,
    cache: tokio::sync::Mutex<HashMap<SalesforceId, CachedBusy>>,
    idempotency: Arc<dyn IdempotencyStore>,
    limiter: Arc<dyn RateLimitStore>,
    metrics: Arc<Metrics>,
}

/// The sort list cursors are made for.
const SORT: &str = "start";

impl AppointmentService {
    /// Fails only for a configuration `Config::validate` refuses.
    pub fn new(
        port: Arc<dyn AppointmentPort>,
        salesforce: Arc<dyn SalesforcePort>,
        config: &AppointmentsConfig,
        metrics: Arc<Metrics>,
        shared: &SharedState,
    ) -> anyhow::Result<Self> {
        let schedule = config.schedule().map_err(anyhow::Error::msg)?;
        Ok(Self {
            port,
            salesforce,
            config: config.clone(),
            schedule,
            cache: tokio::sync::Mutex::new(HashMap::new()),
            idempotency: shared.idempotency(),
            limiter: shared.rate_limit(Policy::new(
                POLICY,
                config.rate_limit.per_hour,
                StdDuration::from_secs(3600),
                config.rate_limit.burst,
            )),
            metrics,
        })
    }

    /// The time every rule is applied at (the rules themselves take it as an argument, and
    /// are tested at fixed times in `domain/appointments.rs`).
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    pub fn config(&self) -> &AppointmentsConfig {
        &self.config
    }

    fn topic(&self, code: &str) -> ApiResult<Topic> {
        self.config.topic(code).cloned().ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new(
                "topic",
                "Choose one of the topics offered.",
            )])
        })
    }

    fn owner(topic: &Topic) -> ApiResult<SalesforceId> {
        SalesforceId::parse(&topic.owner_id)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("topic owner: {e}")))
    }

    /// The owner's busy time in `[from, to)`: from the cache when it covers the window and is
    /// fresh, else read (a day either side, so nearby windows reuse it).
    async fn busy_cached(
        &self,
        owner: &SalesforceId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> ApiResult<Vec<Busy>> {
        let ttl = StdDuration::from_secs(self.config.busy_ttl_secs);
        let mut cache = self.cache.lock().await;
        if let Some(hit) = cache.get(owner)
            && hit.at.elapsed() < ttl
            && hit.from <= from
            && hit.to >= to
        {
            return Ok(hit.busy.clone());
        }
        let (wide_from, wide_to) = (from - Duration::days(1), to + Duration::days(1));
        let busy = self.port.busy(owner, wide_from, wide_to).await?;
        cache.insert(
            owner.clone(),
            CachedBusy {
                at: Instant::now(),
                from: wide_from,
                to: wide_to,
                busy: busy.clone(),
            },
        );
        Ok(busy)
    }

    /// The owner's busy time around `slot`, read now (no cache): what a write decides on.
    async fn busy_fresh(&self, owner: &SalesforceId, slot: &Slot) -> ApiResult<Vec<Busy>> {
        let margin = self.schedule.buffer + Duration::minutes(1);
        Ok(self
            .port
            .busy(owner, slot.start - margin, slot.end + margin)
            .await?)
    }

    /// Drops the owner's cached calendar: the portal just changed it.
    async fn invalidate(&self, owner: &SalesforceId) {
        self.cache.lock().await.remove(owner);
    }

    /// The free slots of `topic` in the window asked for.
    pub async fn slots(&self, query: &SlotQuery) -> ApiResult<Slots> {
        let topic = self.topic(&query.topic)?;
        let now = self.now();
        let from = query.from.unwrap_or(now);
        let to = query.to.unwrap_or(from + Duration::days(7));
        let mut errors = Vec::new();
        if to <= from {
            errors.push(FieldError::new(
                "to",
                "The window must end after it starts.",
            ));
        } else if to - from > Duration::days(crate::config::MAX_WINDOW_DAYS) {
            errors.push(FieldError::new(
                "to",
                "Ask for at most 14 days of slots at a time.",
            ));
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let owner = Self::owner(&topic)?;
        let window_from = from.max(self.schedule.earliest(now));
        let window_to = to.min(self.schedule.latest(now));
        let slots = if window_from < window_to {
            let busy = self.busy_cached(&owner, window_from, window_to).await?;
            self.schedule.offered(from, to, now, &busy)
        } else {
            Vec::new()
        };
        Ok(Slots { topic, slots })
    }

    /// Free slots on the day of `around` and the days either side, read fresh: what a
    /// customer who lost a slot is offered instead.
    async fn fresh_slots(&self, owner: &SalesforceId, around: DateTime<Utc>) -> Vec<Slot> {
        let now = self.now();
        let (from, to) = (around - Duration::days(1), around + Duration::days(2));
        let margin = self.schedule.buffer + Duration::minutes(1);
        match self.port.busy(owner, from - margin, to + margin).await {
            Ok(busy) => {
                self.invalidate(owner).await;
                self.schedule.offered(from, to, now, &busy)
            }
            Err(err) => {
                tracing::warn!(error = %err, "could not read fresh slots for a taken slot");
                Vec::new()
            }
        }
    }

    /// Books a slot. The `Idempotency-Key` is required; a retry with the same key and request
    /// answers with the booking it made (`replayed`), a retry with another request is 422.
    pub async fn book(
        &self,
        session: &Session,
        idempotency_key: Option<&str>,
        request: BookRequest,
    ) -> ApiResult<Booked> {
        let key = idempotency::required_key(
            idempotency_key,
            "Send an Idempotency-Key header (a UUID per booking) so that a retry never books twice.",
        )?;
        let topic = self.topic(&request.topic)?;
        let owner = Self::owner(&topic)?;
        let scoped = idempotency::scoped_key(session, &format!("appointment:{key}"));
        let booking_key = format!(
            "{}:{}",
            session.contact_id,
            idempotency::key_digest(&scoped, 16)
        );
        let fingerprint = Fingerprint::of(&[
            topic.code.as_str(),
            &request.start.to_rfc3339(),
            request.note.as_deref().unwrap_or(""),
            request.case_id.as_ref().map_or("", |c| c.as_str()),
        ]);
        let claim = match idempotency::begin(&self.idempotency, scoped, fingerprint).await? {
            Begin::Proceed(claim) => claim,
            Begin::InFlight | Begin::Replay(_) => return Err(ApiError::IdempotencyInFlight),
            Begin::Mismatch => return Err(ApiError::IdempotencyMismatch),
        };
        let booked = self
            .book_claimed(session, &topic, owner, booking_key, request)
            .await;
        claim.release().await;
        booked
    }

    async fn book_claimed(
        &self,
        session: &Session,
        topic: &Topic,
        owner: SalesforceId,
        booking_key: String,
        request: BookRequest,
    ) -> ApiResult<Booked> {
        let account = &session.account_id;
        // A retry whose first attempt booked: the same booking, whatever the slot's state now.
        if let Some(existing) = self
            .port
            .bookings(account)
            .await?
            .into_iter()
            .find(|b| b.booking_key == booking_key)
        {
            return replay(existing, topic, &request);
        }
        let now = self.now();
        let Some(slot) = self.schedule.slot_at(request.start, now) else {
            return Err(ApiError::Validation(vec![FieldError::new(
                "start",
                "This time is not offered. Choose one of the free slots.",
            )]));
        };
        if let Some(case) = &request.case_id
            && self
                .salesforce
                .case(&session.case_scope(), case)
                .await?
                .is_none()
        {
            return Err(ApiError::Validation(vec![FieldError::new(
                "case_id",
                "No such case for this customer.",
            )]));
        }
        let busy = self.busy_fresh(&owner, &slot).await?;
        if !self.schedule.is_free(&slot, &busy) {
            return Err(self.taken(&owner, slot.start).await);
        }
        let rate = self.check_rate(account).await?;
        let outcome = self
            .port
            .book(NewBooking {
                booking_key,
                slot_key: slot_key(owner.as_str(), slot.start),
                account_id: account.clone(),
                contact_id: session.contact_id.clone(),
                owner_id: owner.clone(),
                topic: topic.code.clone(),
                subject: format!("{}: {}", topic.label, session.customer_name)
                    .chars()
                    .take(255)
                    .collect(),
                start: slot.start,
                end: slot.end,
                note: request.note.clone(),
                case_id: request.case_id.clone(),
            })
            .await;
        match outcome {
            Ok(BookOutcome::Created(appointment)) => {
                self.invalidate(&owner).await;
                tracing::info!(account = %account, appointment = %appointment.id, "appointment booked");
                Ok(Booked {
                    appointment,
                    replayed: false,
                    rate: Some(rate),
                })
            }
            // Not there when looked for above, and the key is claimed: this request's own
            // write, whose answer was lost and whose retry (resilience) found it.
            Ok(BookOutcome::Existing(existing)) => {
                self.invalidate(&owner).await;
                let mut booked = replay(existing, topic, &request)?;
                booked.replayed = false;
                booked.rate = Some(rate);
                Ok(booked)
            }
            Ok(BookOutcome::SlotTaken) => {
                self.refund(account).await;
                self.metrics.refused("appointment_slot_taken");
                Err(self.taken(&owner, slot.start).await)
            }
            Err(err) => {
                self.refund(account).await;
                Err(err.into())
            }
        }
    }

    async fn taken(&self, owner: &SalesforceId, start: DateTime<Utc>) -> ApiError {
        ApiError::SlotTaken {
            fresh_slots: self.fresh_slots(owner, start).await,
        }
    }

    /// A page of the customer's bookings: upcoming soonest first, or past latest first.
    pub async fn list(
        &self,
        session: &Session,
        query: &AppointmentQuery,
    ) -> ApiResult<Listed<AppointmentRecord>> {
        let filter = format!("appointments;when={}", query.when.as_str());
        let after = match &query.page.cursor {
            Some(cursor) => Some(paging::decode_cursor(cursor, SORT, &filter).map_err(|e| {
                ApiError::Validation(vec![FieldError::new("cursor", e.to_string())])
            })?),
            None => None,
        };
        let now = self.now();
        let upcoming = query.when == When::Upcoming;
        // Ordered so that "after" is always "greater": the past list by negated start.
        let position = |b: &AppointmentRecord| -> (i64, SalesforceId) {
            let ms = b.start.timestamp_millis();
            (if upcoming { ms } else { -ms }, b.id.clone())
        };
        let mut rows: Vec<AppointmentRecord> = self
            .port
            .bookings(&session.account_id)
            .await?
            .into_iter()
            .filter(|b| (b.end > now) == upcoming)
            .filter(|b| {
                after.as_ref().is_none_or(|k| match &k.value {
                    SortValue::Number(n) => position(b) > (*n, k.id.clone()),
                    _ => true,
                })
            })
            .collect();
        rows.sort_by_key(|b| position(b));
        let limit = query.page.limit.get();
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|b| {
                let (value, id) = position(b);
                Keyset {
                    value: SortValue::Number(value),
                    id,
                }
            })
        } else {
            None
        };
        Ok(Listed {
            items: rows,
            next_cursor: next.map(|k| paging::encode_cursor(SORT, &filter, k)),
        })
    }

    /// The customer's booking `id`, or "not found" (another customer's too).
    pub async fn get(&self, session: &Session, id: &SalesforceId) -> ApiResult<AppointmentRecord> {
        self.port
            .booking(&session.account_id, id)
            .await?
            .ok_or(ApiError::NotFound(Resource::Appointment))
    }

    /// Refuses a change once the booking is within its cut-off.
    fn check_cutoff(&self, booking: &AppointmentRecord) -> ApiResult<()> {
        let deadline = booking.start - Duration::hours(i64::from(self.config.cutoff_hours));
        if self.now() > deadline {
            return Err(ApiError::AppointmentCutoff {
                deadline,
                cutoff_hours: self.config.cutoff_hours,
            });
        }
        Ok(())
    }

    /// Cancels the booking; cancelling a cancelled one answers it as it is.
    pub async fn cancel(
        &self,
        session: &Session,
        id: &SalesforceId,
    ) -> ApiResult<AppointmentRecord> {
        let booking = self.get(session, id).await?;
        if booking.status == BookingStatus::Cancelled {
            return Ok(booking);
        }
        self.check_cutoff(&booking)?;
        let account = &session.account_id;
        self.check_rate(account).await?;
        match self.port.cancel(&booking.id).await {
            Ok(cancelled) => {
                self.invalidate(&booking.owner_id).await;
                tracing::info!(account = %account, appointment = %booking.id, "appointment cancelled");
                Ok(cancelled)
            }
            Err(err) => {
                self.refund(account).await;
                Err(err.into())
            }
        }
    }

    /// Moves the booking to the slot starting at `start`: all or nothing. Moving it to where
    /// it is answers it as it is.
    pub async fn reschedule(
        &self,
        session: &Session,
        id: &SalesforceId,
        start: DateTime<Utc>,
    ) -> ApiResult<AppointmentRecord> {
        let booking = self.get(session, id).await?;
        if booking.status == BookingStatus::Cancelled {
            return Err(ApiError::AppointmentCancelled);
        }
        if booking.start == start {
            return Ok(booking);
        }
        self.check_cutoff(&booking)?;
        let now = self.now();
        let Some(slot) = self.schedule.slot_at(start, now) else {
            return Err(ApiError::Validation(vec![FieldError::new(
                "start",
                "This time is not offered. Choose one of the free slots.",
            )]));
        };
        let owner = booking.owner_id.clone();
        // The booking's own time does not count against its new one.
        let mut busy = self.busy_fresh(&owner, &slot).await?;
        if let Some(own) = busy
            .iter()
            .position(|b| b.start == booking.start && b.end == booking.end)
        {
            busy.remove(own);
        }
        if !self.schedule.is_free(&slot, &busy) {
            return Err(self.taken(&owner, slot.start).await);
        }
        let account = &session.account_id;
        self.check_rate(account).await?;
        let moved = self
            .port
            .reschedule(Move {
                id: booking.id.clone(),
                start: slot.start,
                end: slot.end,
                slot_key: slot_key(owner.as_str(), slot.start),
                sequence: booking.sequence + 1,
            })
            .await;
        match moved {
            Ok(MoveOutcome::Moved(record)) => {
                self.invalidate(&owner).await;
                tracing::info!(account = %account, appointment = %record.id, "appointment moved");
                Ok(*record)
            }
            Ok(MoveOutcome::SlotTaken) => {
                self.refund(account).await;
                Err(self.taken(&owner, slot.start).await)
            }
            Err(err) => {
                self.refund(account).await;
                Err(err.into())
            }
        }
    }

    /// The booking as an iCalendar file; `host` names the portal in its UID.
    pub async fn calendar(
        &self,
        session: &Session,
        id: &SalesforceId,
        host: &str,
    ) -> ApiResult<String> {
        let booking = self.get(session, id).await?;
        let label = self
            .config
            .topic(&booking.topic)
            .map_or(booking.subject.as_str(), |t| t.label.as_str());
        let uid = format!("{}@{host}", booking.booking_key);
        Ok(CalendarEvent {
            uid: &uid,
            sequence: booking.sequence,
            stamp: booking.last_modified,
            start: booking.start,
            end: booking.end,
            summary: label,
            description: booking.note.as_deref(),
            cancelled: booking.status == BookingStatus::Cancelled,
        }
        .to_ics())
    }

    async fn check_rate(&self, account: &SalesforceId) -> ApiResult<RateLimitInfo> {
        match self.limiter.check(account.as_str()).await? {
            Decision::Allowed { remaining } => Ok(self.rate_info(remaining, 0)),
            Decision::Limited { retry_after } => {
                tracing::info!(account = %account, "appointment write rate-limited");
                self.metrics.refused("appointment_write");
                Err(ApiError::RateLimited(
                    self.rate_info(0, ceil_secs(retry_after)),
                ))
            }
        }
    }

    async fn refund(&self, account: &SalesforceId) {
        if let Err(err) = self.limiter.refund(account.as_str()).await {
            tracing::warn!(error = %err, "could not give back an appointment write unit");
        }
    }

    fn rate_info(&self, remaining: u32, reset_secs: u64) -> RateLimitInfo {
        RateLimitInfo::of(POLICY, self.limiter.policy(), remaining, reset_secs)
    }

    pub fn prune(&self) {
        self.limiter.prune();
    }
}

/// The answer to a retry: the booking the key made, if the retry asks for the same thing.
fn replay(existing: AppointmentRecord, topic: &Topic, request: &BookRequest) -> ApiResult<Booked> {
    // A booking moved since keeps answering its first request's retries.
    if existing.topic != topic.code || (existing.sequence == 0 && existing.start != request.start) {
        return Err(ApiError::IdempotencyMismatch);
    }
    Ok(Booked {
        appointment: existing,
        replayed: true,
        rate: None,
    })
}
