//! `/customer/{customer_id}/appointments`: booking a slot with the org's people, the
//! customer's bookings, cancelling and moving one, and a booking as an `.ics` file (issue 15,
//! decision 028).

use axum::Json;
use axum::extract::{FromRequestParts, RawPathParams, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::dto::appointments::{
    Appointment, AppointmentList, AppointmentTopic, AppointmentTopics, SlotList,
};
use super::dto::requests::{
    AppointmentListQuery, NewAppointment, RescheduleAppointment, SlotsQuery,
};
use super::extract::{Customer, JsonBody, ListQuery};
use super::openapi::{
    AppointmentPath, BudgetProblems, CsrfHeader, CustomerPath, CustomerProblems, JsonBodyProblems,
    KeyedWriteHeaders, ListProblems,
};
use super::state::AppState;
use crate::error::{ApiError, ApiResult, FieldError, Problem, Resource};
use crate::salesforce::SalesforceId;
use crate::services::appointments::BookRequest;

/// An `{appointment_id}` path parameter that is a Salesforce id; anything else is a 404 like
/// a booking that does not exist.
pub struct AppointmentId(pub SalesforceId);

impl<S: Send + Sync> FromRequestParts<S> for AppointmentId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound(Resource::Appointment))?;
        params
            .iter()
            .find(|(name, _)| *name == "appointment_id")
            .and_then(|(_, raw)| SalesforceId::parse(raw).ok())
            .map(Self)
            .ok_or(ApiError::NotFound(Resource::Appointment))
    }
}

/// What can be booked: the topics, the time zone of working hours, the cut-off.
#[utoipa::path(
    get, path = "/customer/{customer_id}/appointments/topics", tag = "appointments",
    operation_id = "list_appointment_topics",
    params(CustomerPath),
    responses(
        (status = 200, description = "The topics and the rules of booking", body = AppointmentTopics),
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn topics(
    State(state): State<AppState>,
    Customer(_session): Customer,
) -> Json<AppointmentTopics> {
    Json(AppointmentTopics::from(state.appointments.config()))
}

/// The free slots of a topic in a window (default: the next 7 days; at most 14 days).
///
/// Working hours from configuration minus what is on the topic owner's calendar in
/// Salesforce (with a buffer either side), after the minimum notice and before the horizon.
/// Slots are UTC instants; show them in the customer's zone.
#[utoipa::path(
    get, path = "/customer/{customer_id}/appointments/slots", tag = "appointments",
    operation_id = "list_appointment_slots",
    params(CustomerPath, SlotsQuery),
    responses(
        (status = 200, description = "Free slots, earliest first", body = SlotList),
        ListProblems,
    ),
    security(("session" = []))
)]
pub async fn slots(
    State(state): State<AppState>,
    Customer(_session): Customer,
    ListQuery(query): ListQuery<SlotsQuery>,
) -> ApiResult<Json<SlotList>> {
    let found = state.appointments.slots(&query).await?;
    let config = state.appointments.config();
    Ok(Json(SlotList {
        time_zone: config.time_zone.clone(),
        slot_minutes: config.slot_minutes,
        topic: AppointmentTopic {
            code: found.topic.code,
            label: found.topic.label,
        },
        slots: found.slots,
    }))
}

/// The customer's bookings: upcoming (soonest first) or past (latest first), cancelled ones
/// included with their status.
#[utoipa::path(
    get, path = "/customer/{customer_id}/appointments", tag = "appointments",
    operation_id = "list_appointments",
    params(CustomerPath, AppointmentListQuery),
    responses(
        (status = 200, description = "A page of the customer's bookings", body = AppointmentList),
        ListProblems,
    ),
    security(("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Customer(session): Customer,
    ListQuery(query): ListQuery<AppointmentListQuery>,
) -> ApiResult<Json<AppointmentList>> {
    let listed = state.appointments.list(&session, &query).await?;
    let config = state.appointments.config();
    Ok(Json(AppointmentList {
        items: listed
            .items
            .into_iter()
            .map(|r| Appointment::of(r, config))
            .collect(),
        next_cursor: listed.next_cursor,
    }))
}

/// Books a slot: an Event on the topic owner's calendar, with the customer's contact and
/// their account (or the case given).
///
/// `Idempotency-Key` is required (a UUID per booking, the same on every retry): a retry
/// answers 200 with the booking it made (`Idempotent-Replayed: true`). When someone else got
/// the slot first (or it is no longer free), 409 `/problems/slot-taken` lists `fresh_slots`.
#[utoipa::path(
    post, path = "/customer/{customer_id}/appointments", tag = "appointments",
    operation_id = "book_appointment",
    params(CustomerPath, KeyedWriteHeaders),
    request_body = NewAppointment,
    responses(
        (status = 201, description = "Booked", body = Appointment,
            headers(
                ("RateLimit-Policy" = String, description = "The per-customer quota of bookings, cancellations and moves, e.g. `\"appointment-write\";q=5;w=900`"),
                ("RateLimit" = String, description = "What is left of the quota, e.g. `\"appointment-write\";r=4;t=0`"),
            )),
        (status = 200, description = "Booked before by a request with this Idempotency-Key (Idempotent-Replayed: true)", body = Appointment,
            headers(("Idempotent-Replayed" = bool, description = "`true`: nothing was written"))),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the signed-in customer, or missing CSRF token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "A malformed customer id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slot is taken (`/problems/slot-taken`, with `fresh_slots`), or a request with this Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body (an unknown topic, a time that is not offered, a case that is not the customer's), a missing or invalid Idempotency-Key, or a key reused for another booking", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many bookings, cancellations and moves, or (Salesforce mode) the customer's budget of Salesforce calls spent; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another request"))),
        (status = 503, description = "Salesforce (or the shared state) unavailable, the portal's storage full, or the request timed out; retry with the same Idempotency-Key, which never books twice", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying (sent when a dependency is unavailable)"))),
        JsonBodyProblems,
    ),
    security(("session" = []))
)]
pub async fn book(
    State(state): State<AppState>,
    Customer(session): Customer,
    headers: HeaderMap,
    JsonBody(body): JsonBody<NewAppointment>,
) -> ApiResult<Response> {
    let key = headers
        .get("idempotency-key")
        .map(|value| value.to_str().unwrap_or("\u{0}"));
    let case_id = match body.case_id.as_deref() {
        None => None,
        Some(raw) => Some(SalesforceId::parse(raw).map_err(|_| {
            ApiError::Validation(vec![FieldError::new(
                "case_id",
                "No such case for this customer.",
            )])
        })?),
    };
    let booked = state
        .appointments
        .book(
            &session,
            key,
            BookRequest {
                topic: body.topic,
                start: body.start,
                note: body.note.and_then(|n| n.text().map(str::to_owned)),
                case_id,
            },
        )
        .await?;
    let status = if booked.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let body = Appointment::of(booked.appointment, state.appointments.config());
    let mut response = (status, Json(body)).into_response();
    let headers = response.headers_mut();
    if booked.replayed {
        headers.insert(
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        );
    }
    if let Some(rate) = booked.rate {
        headers.extend(rate.headers());
    }
    Ok(response)
}

/// Cancels a booking (its slot is free again). Safe to repeat: a cancelled booking answers
/// as it is. Within `cutoff_hours` of its start: 409 `/problems/appointment-cutoff`.
#[utoipa::path(
    post, path = "/customer/{customer_id}/appointments/{appointment_id}/cancel", tag = "appointments",
    operation_id = "cancel_appointment",
    params(AppointmentPath, CsrfHeader),
    responses(
        (status = 200, description = "Cancelled", body = Appointment),
        (status = 409, description = "Too close to its start to cancel here (`/problems/appointment-cutoff`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many bookings, cancellations and moves, or (Salesforce mode) the customer's budget of Salesforce calls spent; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another request"))),
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn cancel(
    State(state): State<AppState>,
    Customer(session): Customer,
    AppointmentId(id): AppointmentId,
) -> ApiResult<Json<Appointment>> {
    let record = state.appointments.cancel(&session, &id).await?;
    Ok(Json(Appointment::of(record, state.appointments.config())))
}

/// Moves a booking to another free slot of its topic, all or nothing: when the new slot is
/// taken (409 `/problems/slot-taken` with `fresh_slots`) the booking keeps its time. Moving it
/// to the time it has changes nothing.
#[utoipa::path(
    post, path = "/customer/{customer_id}/appointments/{appointment_id}/reschedule", tag = "appointments",
    operation_id = "reschedule_appointment",
    params(AppointmentPath, CsrfHeader),
    request_body = RescheduleAppointment,
    responses(
        (status = 200, description = "Moved", body = Appointment),
        (status = 409, description = "The new slot is taken (`/problems/slot-taken`), the booking is too close to its start (`/problems/appointment-cutoff`) or cancelled (`/problems/appointment-cancelled`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body, or a time that is not offered", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many bookings, cancellations and moves, or (Salesforce mode) the customer's budget of Salesforce calls spent; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another request"))),
        CustomerProblems,
        JsonBodyProblems,
    ),
    security(("session" = []))
)]
pub async fn reschedule(
    State(state): State<AppState>,
    Customer(session): Customer,
    AppointmentId(id): AppointmentId,
    JsonBody(body): JsonBody<RescheduleAppointment>,
) -> ApiResult<Json<Appointment>> {
    let record = state
        .appointments
        .reschedule(&session, &id, body.start)
        .await?;
    Ok(Json(Appointment::of(record, state.appointments.config())))
}

/// The booking as an iCalendar file (RFC 5545) to add to a calendar; a cancelled booking's
/// file cancels it there (`STATUS:CANCELLED`), a moved one's replaces it (`SEQUENCE`).
#[utoipa::path(
    get, path = "/customer/{customer_id}/appointments/{appointment_id}/calendar.ics", tag = "appointments",
    operation_id = "appointment_calendar",
    params(AppointmentPath),
    responses(
        (status = 200, description = "The booking as text/calendar", body = String, content_type = "text/calendar",
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"appointment.ics\"`"))),
        BudgetProblems,
        CustomerProblems,
    ),
    security(("session" = []))
)]
pub async fn calendar(
    State(state): State<AppState>,
    Customer(session): Customer,
    AppointmentId(id): AppointmentId,
) -> ApiResult<Response> {
    let host = uid_host(state.config.public_url.as_deref());
    let ics = state.appointments.calendar(&session, &id, &host).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"appointment.ics\"",
            ),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        ics,
    )
        .into_response())
}

/// The host a booking's UID names: the portal's public host, or `portal.invalid`.
fn uid_host(public_url: Option<&str>) -> String {
    public_url
        .and_then(|url| url.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.split(['/', ':']).next())
        .filter(|host| !host.is_empty())
        .unwrap_or("portal.invalid")
        .to_owned()
}
