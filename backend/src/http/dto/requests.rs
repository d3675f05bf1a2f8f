//! What clients send, parsed into typed values at the edge: the request bodies (JSON) and the
//! list queries. These types are the OpenAPI document's too, so the document describes what is
//! parsed. A bad request is a 422 problem naming every bad field at once: a body is parsed by
//! serde, and only when that fails is each field checked on its own to say which ones failed
//! (serde stops at the first).

use std::fmt::Display;
use std::str::FromStr;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr, Required};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use crate::domain::case::{CaseDescription, CaseSubject, Priority};
use crate::domain::case_status::CloseReason;
use crate::domain::paging::{MAX_CURSOR_BYTES, PageSize, SearchText, Sort, SortField};
use crate::domain::role::CaseListScope;
use crate::error::FieldError;
use crate::salesforce::{AwaitingFilter, CaseSortField, CaseStatusFilter, DocumentSortField};
use crate::services::listing::PageRequest;

/// The case list's sort, as the API spells it (`-created_at`).
pub type CaseSort = Sort<CaseSortField>;
/// The document list's sort, as the API spells it.
pub type DocumentSort = Sort<DocumentSortField>;

/// A new case. Unknown fields are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    #[schema(inline, example = "Invoice shows the wrong amount")]
    pub subject: CaseSubject,
    #[schema(
        inline,
        example = "Since the last update our March invoice shows 1,200 EUR instead of 120 EUR."
    )]
    pub description: CaseDescription,
    /// Defaults to `medium`.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// The dynamic form the case is opened with (a name from `GET /customer/{customer_id}/forms`);
    /// an unknown or inactive one is 422 on `form`. Omitted: a plain case.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^[A-Za-z][A-Za-z0-9_]{0,39}$", min_length = 1, max_length = 40, example = "Hardware_Fault")]
    pub form: Option<String>,
    /// The form's values by field name, checked against the form's own JSON Schema (served by
    /// `GET /customer/{customer_id}/forms/{form}`): each refused field is a 422 error named
    /// `fields.<name>`; a field hidden by its `visible_when` is ignored. Only with `form`.
    #[serde(default)]
    #[schema(value_type = Option<std::collections::HashMap<String, Value>>, example = json!({"Serial_Number": "GW100-4411", "Incident_Date": "2026-12-01"}))]
    pub fields: Option<serde_json::Map<String, Value>>,
}

impl JsonFields for NewCase {
    const FIELDS: &'static [(&'static str, FieldCheck)] = &[
        ("subject", text::<CaseSubject>),
        ("description", text::<CaseDescription>),
        ("priority", choice::<Priority>),
        ("form", form_name),
        ("fields", form_fields),
    ];
}

/// A dynamic form's name: absent, or text of the form of a DeveloperName.
fn form_name(value: &Value) -> Result<(), String> {
    match value {
        Value::Null => Ok(()),
        Value::String(s) if crate::domain::forms::is_name(s) => Ok(()),
        Value::String(_) => Err("No such form.".into()),
        _ => Err("Must be text.".into()),
    }
}

/// A dynamic form's values: absent, or an object (checked against the form afterwards).
fn form_fields(value: &Value) -> Result<(), String> {
    match value {
        Value::Null | Value::Object(_) => Ok(()),
        _ => Err("Must be an object of the form's fields.".into()),
    }
}

/// Closing a case, with an optional reason for the agents. Unknown fields are refused; send
/// `{}` to close without a reason.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseCase {
    #[schema(inline, example = "The replacement part fixed it, thank you.")]
    #[serde(default)]
    pub reason: Option<CloseReason>,
}

impl JsonFields for CloseCase {
    const FIELDS: &'static [(&'static str, FieldCheck)] = &[("reason", text::<CloseReason>)];
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(min_length = 1, example = "alice@acme.example")]
    pub email: String,
    #[schema(min_length = 1, example = "portal-demo")]
    pub password: String,
}

impl JsonFields for LoginRequest {
    const FIELDS: &'static [(&'static str, FieldCheck)] = &[
        ("email", |v| required_text(v, "Enter your email address.")),
        ("password", |v| required_text(v, "Enter your password.")),
    ];
}

/// The case list's query parameters: the status filter, and the page ([`PageRequest`]).
/// Compared as values: the page memo keeps one page per query as parsed, whatever its spelling.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct CaseListQuery {
    pub status: CaseStatusFilter,
    pub awaiting: AwaitingFilter,
    /// Whose cases (decision 031).
    pub scope: CaseListScope,
    pub page: PageRequest<CaseSortField>,
}

/// The status filter, then the page's parameters: described from the type that parses them.
impl IntoParams for CaseListQuery {
    fn into_params(parameter_in: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let status = query_param(
            "status",
            "`open`, `closed` or `all` (default).".to_owned(),
            empty_or(RefOr::Ref(Ref::from_schema_name("CaseStatusFilter"))),
        );
        let awaiting = query_param(
            "awaiting",
            "Only open cases awaiting `customer` (status `waiting_on_customer`: the support team \
             asked something) or `agent` (every other open status). Closed cases await no one."
                .to_owned(),
            empty_or(RefOr::Ref(Ref::from_schema_name("Awaiting"))),
        );
        let scope = query_param(
            "scope",
            "`mine`: the cases you opened (for a member, also those shared with you); \
             `company`: every case of your company, for managers only (a member gets 403). \
             Absent: `company` for a manager, `mine` for a member."
                .to_owned(),
            empty_or(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(CaseListScope::VALUES))
                    .into(),
            ),
        );
        [status, awaiting, scope]
            .into_iter()
            .chain(PageRequest::<CaseSortField>::into_params(parameter_in))
            .collect()
    }
}

impl FromQuery for CaseListQuery {
    fn from_query(query: &str) -> Result<Self, Vec<FieldError>> {
        let mut fields = QueryFields::parse(query);
        let status = fields.get("status");
        let awaiting = fields.get("awaiting");
        let scope = fields.get("scope");
        let page = list_page(&mut fields);
        fields.finish(Self {
            status,
            awaiting,
            scope,
            page,
        })
    }
}

/// The document list's query parameters: only the page.
pub type DocumentListQuery = PageRequest<DocumentSortField>;

impl FromQuery for DocumentListQuery {
    fn from_query(query: &str) -> Result<Self, Vec<FieldError>> {
        let mut fields = QueryFields::parse(query);
        let page = list_page(&mut fields);
        fields.finish(page)
    }
}

/// The parameters every list takes: `limit`, `cursor`, `q`, `sort`.
fn list_page<F: SortField>(fields: &mut QueryFields<'_>) -> PageRequest<F> {
    PageRequest {
        limit: fields.get("limit"),
        cursor: fields.text("cursor", MAX_CURSOR_BYTES, "The cursor is not valid."),
        search: fields.get("q"),
        sort: fields.get("sort"),
    }
}

/// What a list's search looks in, for the `q` parameter's description.
pub trait Searched: SortField {
    const SEARCHED: &'static str;
}

impl Searched for CaseSortField {
    const SEARCHED: &'static str = "Text in the subject, or part of the case number.";
}

impl Searched for DocumentSortField {
    const SEARCHED: &'static str = "Text in the title.";
}

/// The page parameters of a list, described once for every list (a generic type, which the
/// derive does not take).
impl<F: Searched> IntoParams for PageRequest<F> {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let fields: Vec<String> = F::ALL.iter().map(|f| format!("`{}`", f.name())).collect();
        let (last, others) = fields.split_last().expect("a list sorts by something");
        let sort = format!(
            "{} or {last}; prefix `-` for descending. Default `{}`.",
            others.join(", "),
            F::DEFAULT_SORT.spelling()
        );
        let cursor = ObjectBuilder::new().schema_type(Type::String).into();
        let sort_schema = empty_or(RefOr::Ref(Ref::from_schema_name(F::SCHEMA_NAME)));
        [
            (
                "limit",
                "Page size, 1-100 (default 25).".to_owned(),
                PageSize::schema(),
            ),
            (
                "cursor",
                "`next_cursor` of the previous page.".to_owned(),
                cursor,
            ),
            ("q", F::SEARCHED.to_owned(), SearchText::schema()),
            ("sort", sort, sort_schema),
        ]
        .into_iter()
        .map(|(name, description, schema)| query_param(name, description, schema))
        .collect()
    }
}

/// A choice parameter that may also be sent empty (`status=`), which reads as absent: the
/// default. HTML forms send their empty fields, so the lists take them, and the document says so.
fn empty_or(choices: RefOr<Schema>) -> RefOr<Schema> {
    let empty = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([""]))
        .description(Some("Empty: the default, as if absent."));
    AnyOfBuilder::new().item(choices).item(empty).into()
}

/// An optional query parameter of a list.
fn query_param(name: &str, description: String, schema: RefOr<Schema>) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// The check of one body field's value alone (`null` when it is absent).
pub type FieldCheck = fn(&Value) -> Result<(), String>;

/// A JSON body whose problems are reported field by field.
pub trait JsonFields: DeserializeOwned {
    /// Every accepted field, with the check of its value alone.
    const FIELDS: &'static [(&'static str, FieldCheck)];

    /// The body as `Self`, or every unknown field and every field whose value is wrong.
    fn from_json(body: Value) -> Result<Self, Vec<FieldError>> {
        let Value::Object(object) = &body else {
            return Err(vec![FieldError::new("body", "Send a JSON object.")]);
        };
        let error = match Self::deserialize(&body) {
            Ok(parsed) => return Ok(parsed),
            Err(error) => error,
        };
        let mut errors: Vec<FieldError> = object
            .keys()
            .filter(|key| !Self::FIELDS.iter().any(|(name, _)| name == key))
            .map(|key| FieldError::new(key.clone(), "This field is not accepted."))
            .collect();
        for (name, check) in Self::FIELDS {
            if let Err(message) = check(object.get(*name).unwrap_or(&Value::Null)) {
                errors.push(FieldError::new(*name, message));
            }
        }
        if errors.is_empty() {
            // The checks are meant to refuse whatever serde refuses; should they ever miss a
            // case, the problem still names the body rather than passing the error silently.
            errors.push(FieldError::new("body", error.to_string()));
        }
        Err(errors)
    }
}

/// A text field: a string (or absent, read as empty) that `T` accepts.
fn text<T: TryFrom<String, Error: Display>>(value: &Value) -> Result<(), String> {
    let raw = match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        _ => return Err("Must be text.".into()),
    };
    T::try_from(raw).map(drop).map_err(|e| e.to_string())
}

/// A string that must be sent and not be empty (its other rules, the service checks).
fn required_text(value: &Value, missing: &str) -> Result<(), String> {
    match value {
        Value::String(s) if !s.is_empty() => Ok(()),
        Value::String(_) | Value::Null => Err(missing.into()),
        _ => Err("Must be text.".into()),
    }
}

/// An optional choice among `T`'s values.
fn choice<T: DeserializeOwned + ChoiceHint>(value: &Value) -> Result<(), String> {
    match value {
        Value::Null => Ok(()),
        other => T::deserialize(other).map(drop).map_err(|_| T::HINT.into()),
    }
}

/// What to tell a client who sent none of a choice's values.
trait ChoiceHint {
    const HINT: &'static str;
}

impl ChoiceHint for Priority {
    const HINT: &'static str = "Choose low, medium or high.";
}

/// A customer's reply on their case. Unknown fields are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    #[schema(inline, example = "Thanks, that fixed it.")]
    pub body: crate::domain::comment::CommentBody,
}

impl JsonFields for NewComment {
    const FIELDS: &'static [(&'static str, FieldCheck)] =
        &[("body", text::<crate::domain::comment::CommentBody>)];
}

/// The query parameters of a list in one fixed order: the page (`limit`, `cursor`).
pub type CursorPageQuery = crate::services::listing::CursorPage;
/// The conversation's query parameters; always oldest first.
pub type CommentListQuery = CursorPageQuery;
/// "My products" query parameters; always by name.
pub type ProductListQuery = CursorPageQuery;

impl FromQuery for CursorPageQuery {
    fn from_query(query: &str) -> Result<Self, Vec<FieldError>> {
        let mut fields = QueryFields::parse(query);
        let limit = fields.get("limit");
        let cursor = fields.text("cursor", MAX_CURSOR_BYTES, "The cursor is not valid.");
        fields.finish(Self { limit, cursor })
    }
}

impl IntoParams for CursorPageQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            query_param(
                "limit",
                "Page size, 1-100 (default 25).".to_owned(),
                PageSize::schema(),
            ),
            query_param(
                "cursor",
                "`next_cursor` of the previous page.".to_owned(),
                ObjectBuilder::new().schema_type(Type::String).into(),
            ),
        ]
    }
}

/// A query whose problems are reported parameter by parameter. An empty query is the default.
pub trait FromQuery: Sized + Default {
    fn from_query(query: &str) -> Result<Self, Vec<FieldError>>;
}

/// A query string's parameters, read into typed fields; each bad one is noted. Unknown
/// parameters are ignored, as browsers and proxies add their own.
struct QueryFields<'q> {
    pairs: Vec<(std::borrow::Cow<'q, str>, std::borrow::Cow<'q, str>)>,
    errors: Vec<FieldError>,
}

impl<'q> QueryFields<'q> {
    fn parse(query: &'q str) -> Self {
        Self {
            pairs: form_urlencoded::parse(query.as_bytes()).collect(),
            errors: Vec::new(),
        }
    }

    /// The parameter's only value, if given (a repeated parameter is an error: which one was
    /// meant is not for the server to guess).
    fn value(&mut self, name: &'static str) -> Option<&str> {
        let mut values = self.pairs.iter().filter(|(key, _)| key == name);
        let first = values.next();
        if values.next().is_some() {
            self.errors
                .push(FieldError::new(name, "Give this parameter at most once."));
            return None;
        }
        first.map(|(_, value)| value.as_ref())
    }

    /// The parameter parsed as `T`; `T`'s default when absent (or bad: then noted).
    fn get<T: FromStr<Err: Display> + Default>(&mut self, name: &'static str) -> T {
        let parsed = self.value(name).map(str::parse::<T>);
        match parsed {
            None => T::default(),
            Some(Ok(value)) => value,
            Some(Err(message)) => {
                self.errors.push(FieldError::new(name, message.to_string()));
                T::default()
            }
        }
    }

    /// The parameter as text of at most `max` bytes; none when absent or empty. A longer one
    /// is noted with `message` (which never repeats the value) and not copied.
    fn text(&mut self, name: &'static str, max: usize, message: &str) -> Option<String> {
        let value = self.value(name).filter(|value| !value.is_empty())?;
        if value.len() > max {
            self.errors.push(FieldError::new(name, message));
            return None;
        }
        Some(value.to_owned())
    }

    fn finish<T>(self, parsed: T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(parsed)
        } else {
            Err(self.errors)
        }
    }
}

// ---- Appointments (issue 15, decision 028) ----------------------------------------------

/// A booking. Unknown fields are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppointment {
    /// A topic's `code`, from `GET /customer/{customer_id}/appointments/topics`.
    #[schema(
        pattern = "^[a-z0-9-]{1,40}$",
        min_length = 1,
        max_length = 40,
        example = "technical"
    )]
    pub topic: String,
    /// The slot's start, as `GET /customer/{customer_id}/appointments/slots` gave it.
    pub start: chrono::DateTime<chrono::Utc>,
    #[schema(inline)]
    #[serde(default)]
    pub note: Option<crate::domain::appointments::AppointmentNote>,
    /// One of the customer's cases the appointment is about (its Salesforce id); null or
    /// absent: none.
    #[schema(
        pattern = "^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$",
        min_length = 15,
        max_length = 18
    )]
    #[serde(default)]
    pub case_id: Option<String>,
}

impl JsonFields for NewAppointment {
    const FIELDS: &'static [(&'static str, FieldCheck)] = &[
        ("topic", topic_code),
        ("start", instant),
        ("note", text::<crate::domain::appointments::AppointmentNote>),
        ("case_id", case_reference),
    ];
}

/// A move of a booking to another slot. Unknown fields are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleAppointment {
    /// The new slot's start, as `GET /customer/{customer_id}/appointments/slots` gave it.
    pub start: chrono::DateTime<chrono::Utc>,
}

impl JsonFields for RescheduleAppointment {
    const FIELDS: &'static [(&'static str, FieldCheck)] = &[("start", instant)];
}

fn topic_code(value: &Value) -> Result<(), String> {
    match value {
        Value::String(code) if crate::config::is_topic_code(code) => Ok(()),
        _ => Err("Choose one of the topics offered.".into()),
    }
}

/// A required RFC 3339 date-time.
fn instant(value: &Value) -> Result<(), String> {
    match value {
        Value::String(text) if text.parse::<chrono::DateTime<chrono::Utc>>().is_ok() => Ok(()),
        _ => Err("Give the slot's start as an RFC 3339 date-time.".into()),
    }
}

fn case_reference(value: &Value) -> Result<(), String> {
    match value {
        Value::Null => Ok(()),
        Value::String(id)
            if id.len() >= 15
                && id.len() <= 18
                && id.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            Ok(())
        }
        _ => Err("No such case for this customer.".into()),
    }
}

/// The query of `GET /customer/{customer_id}/appointments/slots`.
pub type SlotsQuery = crate::services::appointments::SlotQuery;

impl FromQuery for SlotsQuery {
    fn from_query(query: &str) -> Result<Self, Vec<FieldError>> {
        let mut fields = QueryFields::parse(query);
        let topic = fields
            .text("topic", 40, "Choose one of the topics offered.")
            .unwrap_or_default();
        let mut instant = |name: &'static str| {
            let value = fields.value(name)?.to_owned();
            match value.parse::<chrono::DateTime<chrono::Utc>>() {
                Ok(at) => Some(at),
                Err(_) => {
                    fields.errors.push(FieldError::new(
                        name,
                        "Give an RFC 3339 date-time, e.g. 2026-01-12T00:00:00Z.",
                    ));
                    None
                }
            }
        };
        let from = instant("from");
        let to = instant("to");
        fields.finish(Self { topic, from, to })
    }
}

impl IntoParams for SlotsQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let instant = || {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::DateTime,
                )))
                .into()
        };
        let mut topic = query_param(
            "topic",
            "A topic's `code` (from `.../appointments/topics`).".to_owned(),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(crate::config::TOPIC_PATTERN))
                .min_length(Some(1))
                .max_length(Some(40))
                .into(),
        );
        topic.required = Required::True;
        vec![
            topic,
            query_param(
                "from",
                "The window's start (RFC 3339; default: now). Slots start in [from, to)."
                    .to_owned(),
                instant(),
            ),
            query_param(
                "to",
                "The window's end (RFC 3339; default: from + 7 days; at most 14 days after from)."
                    .to_owned(),
                instant(),
            ),
        ]
    }
}

/// The query of `GET /customer/{customer_id}/appointments`: which bookings, and the page.
pub type AppointmentListQuery = crate::services::appointments::AppointmentQuery;

impl FromQuery for AppointmentListQuery {
    fn from_query(query: &str) -> Result<Self, Vec<FieldError>> {
        use crate::services::appointments::When;
        let mut fields = QueryFields::parse(query);
        let when = match fields.value("when") {
            None | Some("upcoming") => When::Upcoming,
            Some("past") => When::Past,
            Some(_) => {
                fields
                    .errors
                    .push(FieldError::new("when", "Choose upcoming or past."));
                When::Upcoming
            }
        };
        let limit = fields.get("limit");
        let cursor = fields.text("cursor", MAX_CURSOR_BYTES, "The cursor is not valid.");
        fields.finish(Self {
            when,
            page: CursorPageQuery { limit, cursor },
        })
    }
}

impl IntoParams for AppointmentListQuery {
    fn into_params(parent: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = vec![query_param(
            "when",
            "`upcoming` (not ended yet, soonest first; the default) or `past` (latest first)."
                .to_owned(),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["upcoming", "past"]))
                .into(),
        )];
        params.extend(CursorPageQuery::into_params(parent));
        params
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reports_every_bad_field_at_once() {
        let errors = NewCase::from_json(json!({"subject": " ", "priority": "urgent", "extra": 1}))
            .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["extra", "subject", "description", "priority"]);
    }

    #[test]
    fn priority_defaults_to_none_and_parses() {
        let case = NewCase::from_json(json!({"subject": "a", "description": "b"})).unwrap();
        assert_eq!(case.priority, None);
        let case =
            NewCase::from_json(json!({"subject": " a ", "description": "b", "priority": "high"}))
                .unwrap();
        assert_eq!(case.priority, Some(Priority::High));
        assert_eq!(case.subject.as_str(), "a", "trimmed");
    }

    #[test]
    fn a_sign_in_names_every_missing_or_empty_field() {
        let errors = LoginRequest::from_json(json!({"password": ""})).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "password"]);
        let errors = LoginRequest::from_json(json!({"email": 1, "password": "x", "admin": true}))
            .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["admin", "email"]);
    }

    #[test]
    fn wrong_types_are_field_errors() {
        let errors = NewCase::from_json(json!({"subject": 5, "description": ["x"]})).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(errors.iter().all(|e| e.message == "Must be text."));
        assert_eq!(NewCase::from_json(json!([1])).unwrap_err()[0].field, "body");
    }

    #[test]
    fn list_queries_parse_every_parameter_and_report_each_bad_one() {
        let query =
            CaseListQuery::from_query("status=open&limit=5&q=+printer+&sort=-subject").unwrap();
        assert_eq!(query.status, CaseStatusFilter::Open);
        assert_eq!(query.page.limit.get(), 5);
        assert_eq!(query.page.search.get(), Some("printer"));
        assert_eq!(query.page.sort.spelling(), "-subject");
        assert_eq!(
            CaseListQuery::from_query("").unwrap(),
            CaseListQuery::default()
        );
        assert_eq!(
            CaseListQuery::from_query("sort=&q=&cursor=&status=").unwrap(),
            CaseListQuery::default(),
            "empty parameters are absent ones"
        );
        assert_eq!(
            CaseListQuery::from_query("limit=25&unknown=1").unwrap(),
            CaseListQuery::default(),
            "one query, whatever its spelling"
        );
        let errors =
            CaseListQuery::from_query("status=pending&limit=0&sort=password&limit=3").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["status", "limit", "sort"]);
        let errors = DocumentListQuery::from_query("sort=subject").unwrap_err();
        assert_eq!(errors[0].field, "sort");
    }

    /// Every parameter is bounded where it is parsed, and no error repeats what was sent.
    #[test]
    fn long_values_are_refused_without_repeating_them() {
        let long = "x".repeat(10_000);
        for name in ["cursor", "q", "sort", "limit", "status"] {
            let errors = CaseListQuery::from_query(&format!("{name}={long}")).unwrap_err();
            assert_eq!(errors.len(), 1, "{name}");
            assert_eq!(errors[0].field, name);
            assert!(
                errors[0].message.len() < 200,
                "{name}: {}",
                errors[0].message
            );
            assert!(
                !errors[0].message.contains("xxx"),
                "{name}: {}",
                errors[0].message
            );
        }
        let longest = "x".repeat(MAX_CURSOR_BYTES);
        let parsed = DocumentListQuery::from_query(&format!("cursor={longest}")).unwrap();
        assert_eq!(parsed.cursor.as_deref(), Some(longest.as_str()));
    }
}
