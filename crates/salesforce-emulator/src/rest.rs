//! The REST API under `/services/data/vNN.N/`: query (with paging), sObject CRUD and upsert,
//! VersionData, composite, limits. Every call is authenticated, counted and answered with
//! `Sforce-Limit-Info`.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use indexmap::IndexMap;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::faults::roll;
use crate::ids;
use crate::schema::FieldType;
use crate::soql;
use crate::state::{AppState, SharedState, lock};
use crate::store::{Out, QueryRows, Undo};

pub const DEFAULT_BATCH: usize = 2000;
/// The largest request body taken: room for a base64-encoded 50 MB file.
pub const MAX_BODY_BYTES: usize = 70 * 1024 * 1024;
pub const MIN_BATCH: usize = 200;
pub const MAX_COMPOSITE: usize = 25;
const MAX_CURSORS: usize = 100;
const CURSOR_TTL: Duration = Duration::from_secs(15 * 60);

/// Open query locators (`nextRecordsUrl`).
#[derive(Default)]
pub struct Cursors {
    open: HashMap<String, Cursor>,
    order: VecDeque<String>,
}

struct Cursor {
    rows: Arc<Vec<Out>>,
    batch: usize,
    touched: Instant,
}

impl Cursors {
    fn open(&mut self, rows: Arc<Vec<Out>>, batch: usize) -> String {
        let now = Instant::now();
        self.open
            .retain(|_, c| now.duration_since(c.touched) < CURSOR_TTL);
        self.order.retain(|id| self.open.contains_key(id));
        while self.open.len() >= MAX_CURSORS {
            if let Some(oldest) = self.order.pop_front() {
                self.open.remove(&oldest);
            }
        }
        let id = ids::generate("01g");
        self.open.insert(
            id.clone(),
            Cursor {
                rows,
                batch,
                touched: now,
            },
        );
        self.order.push_back(id.clone());
        id
    }
}

/// What a REST call answered, before it becomes an HTTP response or a composite result.
pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: Option<Out>,
}

impl Reply {
    fn ok(body: Out) -> Self {
        Self {
            status: StatusCode::OK,
            location: None,
            body: Some(body),
        }
    }
    pub(crate) fn json(status: StatusCode, v: Value) -> Self {
        Self {
            status,
            location: None,
            body: Some(v.into()),
        }
    }
    pub(crate) fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            location: None,
            body: None,
        }
    }
}

fn parse_version(v: &str, max: u32) -> Option<u32> {
    let (major, minor) = v.strip_prefix('v')?.split_once('.')?;
    let major: u32 = major.parse().ok()?;
    (minor == "0" && (50..=max).contains(&major)).then_some(major)
}

fn with_limit_info(state: &AppState, mut res: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&state.limit_info()) {
        res.headers_mut().insert("sforce-limit-info", v);
    }
    res
}

fn reply_response(reply: Reply) -> Response {
    let mut res = match reply.body {
        Some(body) => (reply.status, axum::Json(body)).into_response(),
        None => reply.status.into_response(),
    };
    if let Some(loc) = reply.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    res
}

/// A composite request is sent as a POST, but it writes (and can meet a locked row) only when
/// one of its subrequests does; a body that cannot be read counts as a write.
fn composite_writes(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("compositeRequest")?.as_array().map(|subs| {
                subs.iter().any(|sub| {
                    sub.get("method")
                        .and_then(serde_json::Value::as_str)
                        .is_none_or(|m| !m.eq_ignore_ascii_case("GET"))
                })
            })
        })
        .unwrap_or(true)
}

/// Entry point for everything under `/services/data/`.
pub async fn entry(
    State(state): State<SharedState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let rest = path.trim_start_matches("/services/data").trim_matches('/');
    if rest.is_empty() {
        return versions(&state).into_response();
    }
    // Path segments arrive percent-encoded (an external id like `a/b` is sent as `a%2Fb`);
    // split first, then decode each, as Salesforce does.
    let decoded: Vec<String> = rest.split('/').map(decode_segment).collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let version = segments[0];
    if parse_version(version, state.config.max_api_version).is_none() {
        return ApiError::not_found().into_response();
    }
    if state.session(&headers).is_none() {
        return ApiError::invalid_session().into_response();
    }
    let used = state.usage.fetch_add(1, Ordering::SeqCst) + 1;
    let faults = state.faults.get();
    if used > state.config.api_limit || (faults.request_limit_exceeded && faults.applies_to(path)) {
        return with_limit_info(&state, ApiError::request_limit_exceeded().into_response());
    }
    let write = if segments.get(1..) == Some(&["composite"][..]) {
        composite_writes(&body)
    } else {
        matches!(
            method,
            Method::POST | Method::PATCH | Method::PUT | Method::DELETE
        )
    };
    if write && faults.applies_to(path) && roll(faults.unable_to_lock_row_rate) {
        let id = segments
            .get(3)
            .filter(|s| ids::normalise(s).is_some())
            .copied();
        return with_limit_info(&state, ApiError::unable_to_lock_row(id).into_response());
    }
    if method == Method::GET && segments.len() == 5 && segments[1] == "sobjects" {
        if let Some(res) = blob(&state, segments[2], segments[3], segments[4]).await {
            return with_limit_info(&state, res);
        }
    }
    if let [_, "jobs", "query", id, "results"] = segments[..] {
        if method != Method::GET {
            return with_limit_info(&state, method_not_allowed(&method, "GET").into_response());
        }
        let res = crate::bulk::results(
            &state,
            version,
            id,
            query_param(uri.query(), "locator").as_deref(),
            query_param(uri.query(), "maxRecords").as_deref(),
        );
        return with_limit_info(&state, res);
    }
    let mut undo = Vec::new();
    let result = match multipart_boundary(&method, &segments[1..], &headers) {
        Some(boundary) => create_version_multipart(&state, version, boundary, body).await,
        None => dispatch(
            &state,
            version,
            &method,
            &segments[1..],
            uri.query(),
            &headers,
            &body,
            &mut undo,
        ),
    };
    let res = match result {
        Ok(reply) => reply_response(reply),
        Err(e) => e.into_response(),
    };
    if let Some(fail) = faults.fail_after_commit
        && write
        && faults.applies_to(path)
        && res.status().is_success()
    {
        // The write is stored; only its answer is lost.
        tracing::info!(%method, path, "fault: the write committed, its answer fails");
        tokio::time::sleep(Duration::from_millis(fail.delay_ms)).await;
        return with_limit_info(&state, ApiError::server_unavailable().into_response());
    }
    with_limit_info(&state, res)
}

fn versions(state: &AppState) -> axum::Json<Value> {
    let list: Vec<Value> = (50..=state.config.max_api_version)
        .map(|v| json!({"label": format!("API {v}"), "url": format!("/services/data/v{v}.0"), "version": format!("{v}.0")}))
        .collect();
    axum::Json(Value::Array(list))
}

/// Streams a binary field (ContentVersion VersionData) from its file, never reading it whole.
async fn blob(state: &AppState, ty: &str, id: &str, field: &str) -> Option<Response> {
    let (path, is_blob) = {
        let store = lock(&state.store);
        let object = store.object(ty)?;
        let is_blob = object
            .field(field)
            .is_some_and(|f| f.ty == FieldType::Base64);
        if !is_blob {
            return None;
        }
        (store.version_data_path(id), is_blob)
    };
    debug_assert!(is_blob);
    let uploaded = lock(&state.store).uploaded_content(id);
    if let Some(content) = uploaded {
        let mut res = Response::new(Body::from(content));
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        return Some(res);
    }
    let Some(path) = path else {
        return Some(ApiError::not_found().into_response());
    };
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "VersionData file missing");
            return Some(ApiError::not_found().into_response());
        }
    };
    let len = file.metadata().await.ok().map(|m| m.len());
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024);
    let mut res = Response::new(Body::from_stream(stream));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Some(len) = len {
        res.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    Some(res)
}

/// The boundary of a multipart file upload (`POST /sobjects/ContentVersion` with
/// `multipart/form-data`), the form Salesforce documents for inserting blob data.
fn multipart_boundary(method: &Method, segments: &[&str], headers: &HeaderMap) -> Option<String> {
    let upload = method == Method::POST
        && matches!(segments, ["sobjects", ty] if ty.eq_ignore_ascii_case("ContentVersion"));
    if !upload {
        return None;
    }
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    multer::parse_boundary(content_type).ok()
}

/// A ContentVersion from a multipart body: the record's fields as JSON in the
/// `entity_content` part, its content in the `VersionData` part.
async fn create_version_multipart(
    state: &AppState,
    version: &str,
    boundary: String,
    body: Bytes,
) -> Result<Reply, ApiError> {
    let malformed = |message: String| ApiError::bad_request("INVALID_MULTIPART_REQUEST", message);
    let mut parts = multer::Multipart::new(
        futures::stream::once(async move { Ok::<_, std::io::Error>(body) }),
        boundary,
    );
    let (mut entity, mut content) = (None, None);
    while let Some(part) = parts
        .next_field()
        .await
        .map_err(|e| malformed(e.to_string()))?
    {
        let name = part.name().unwrap_or_default().to_owned();
        let bytes = part.bytes().await.map_err(|e| malformed(e.to_string()))?;
        match name.as_str() {
            "entity_content" => entity = Some(json_body(&bytes)?),
            "VersionData" => content = Some(bytes),
            other => return Err(malformed(format!("unexpected part {other:?}"))),
        }
    }
    let entity = entity.ok_or_else(|| malformed("the entity_content part is missing".into()))?;
    let content = content.ok_or_else(|| malformed("the VersionData part is missing".into()))?;
    let (id, _) = lock(&state.store).create_content_version(&entity, Some(content))?;
    Ok(Reply {
        status: StatusCode::CREATED,
        location: Some(format!(
            "/services/data/{version}/sobjects/ContentVersion/{id}"
        )),
        body: Some(success(&id).into()),
    })
}

fn method_not_allowed(method: &Method, allowed: &str) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("HTTP Method '{method}' not allowed. Allowed are {allowed}"),
    )
}

fn json_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "JSON_PARSER_ERROR",
            format!("Unexpected character in request body: {e}"),
        )
    })
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query.unwrap_or_default())
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn batch_size(headers: &HeaderMap) -> usize {
    headers
        .get("sforce-query-options")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("batchSize"))
                .and_then(|(_, n)| n.trim().parse::<usize>().ok())
        })
        .map_or(DEFAULT_BATCH, |n| n.clamp(MIN_BATCH, DEFAULT_BATCH))
}

fn success(id: &str) -> Value {
    json!({"id": id, "success": true, "errors": []})
}

/// Runs one REST call (also each composite subrequest). Writes push their undo onto `undo`.
#[allow(clippy::too_many_arguments)]
pub fn dispatch(
    state: &AppState,
    version: &str,
    method: &Method,
    segments: &[&str],
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    undo: &mut Vec<Undo>,
) -> Result<Reply, ApiError> {
    let base = format!("/services/data/{version}");
    if let ["sobjects", ty, ..] = segments {
        if crate::schema::forms::is_metadata(ty)
            && *method != Method::GET
            && *method != Method::HEAD
        {
            // Custom metadata is deployed, not written through the data API.
            return Err(ApiError::bad_request(
                "INVALID_TYPE_FOR_OPERATION",
                "DML operations aren't allowed on custom metadata in the Partner or Enterprise APIs",
            ));
        }
        if (*method == Method::POST || *method == Method::PATCH)
            && !state.config.read_only_fields.is_empty()
        {
            if let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) {
                if let Some(field) = fields.keys().find(|f| state.config.is_read_only(ty, f)) {
                    return Err(ApiError::bad_request(
                        "INVALID_FIELD_FOR_INSERT_UPDATE",
                        format!(
                            "Unable to create/update fields: {field}. Please check the security \
                             settings of this field and verify that it is read/write for your \
                             profile or permission set."
                        ),
                    ));
                }
            }
        }
    }
    match segments {
        [] | [""] => Ok(Reply::json(
            StatusCode::OK,
            json!({
                "sobjects": format!("{base}/sobjects"),
                "query": format!("{base}/query"),
                "queryAll": format!("{base}/queryAll"),
                "composite": format!("{base}/composite"),
                "limits": format!("{base}/limits"),
            }),
        )),
        ["limits"] => {
            let limit = state.config.api_limit;
            let remaining = limit.saturating_sub(state.usage());
            Ok(Reply::json(
                StatusCode::OK,
                json!({
                    "DailyApiRequests": {"Max": limit, "Remaining": remaining},
                    "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
                    "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
                    "DataStorageMB": {"Max": 5, "Remaining": 5},
                    "FileStorageMB": {"Max": 20, "Remaining": 20},
                    "HourlyPublishedPlatformEvents": {"Max": 50000, "Remaining": 50000},
                    "SingleEmail": {"Max": 15, "Remaining": 15},
                }),
            ))
        }
        ["query" | "queryAll"] => {
            if method != Method::GET {
                return Err(method_not_allowed(method, "GET,HEAD"));
            }
            let q = query_param(query, "q")
                .filter(|q| !q.trim().is_empty())
                .ok_or_else(|| {
                    ApiError::bad_request("MALFORMED_QUERY", "A query string has to be specified")
                })?;
            run_query(state, version, &q, batch_size(headers))
        }
        ["query" | "queryAll", locator] => {
            if method != Method::GET {
                return Err(method_not_allowed(method, "GET,HEAD"));
            }
            next_page(state, version, locator)
        }
        ["sobjects"] => {
            let store = lock(&state.store);
            let list: Vec<Value> = store.objects().iter().map(|o| json!({
                "name": o.name, "label": o.name, "keyPrefix": o.key_prefix, "queryable": true,
                "createable": o.fields.iter().any(|f| f.createable),
                "urls": {"sobject": format!("{base}/sobjects/{}", o.name), "describe": format!("{base}/sobjects/{}/describe", o.name)},
            })).collect();
            Ok(Reply::json(
                StatusCode::OK,
                json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": list}),
            ))
        }
        ["sobjects", ty] => {
            let mut store = lock(&state.store);
            let name = store.object(ty).ok_or_else(ApiError::not_found)?.name;
            match *method {
                Method::GET => Ok(Reply::json(
                    StatusCode::OK,
                    json!({
                        "objectDescribe": {"name": name, "urls": {"sobject": format!("{base}/sobjects/{name}")}},
                        "recentItems": [],
                    }),
                )),
                Method::POST => {
                    let value = json_body(body)?;
                    let (id, u) = store.create(name, &value)?;
                    undo.push(u);
                    Ok(Reply {
                        status: StatusCode::CREATED,
                        location: Some(format!("{base}/sobjects/{name}/{id}")),
                        body: Some(success(&id).into()),
                    })
                }
                _ => Err(method_not_allowed(method, "GET,HEAD,POST")),
            }
        }
        ["sobjects", ty, "describe"] => describe(state, ty, &base),
        ["sobjects", ty, id] => {
            let mut store = lock(&state.store);
            let name = store.object(ty).ok_or_else(ApiError::not_found)?.name;
            match *method {
                Method::GET => {
                    let object = store.object(name).expect("known");
                    let record = store.get(name, id).ok_or_else(ApiError::not_found)?;
                    let out = match query_param(query, "fields") {
                        Some(fields) => {
                            let list: Vec<&str> =
                                fields.split(',').filter(|f| !f.trim().is_empty()).collect();
                            store.record_with_fields(object, record, &list, version)?
                        }
                        None => store.full_record(object, record, version),
                    };
                    Ok(Reply::ok(out))
                }
                Method::PATCH => {
                    let value = json_body(body)?;
                    undo.push(store.update(name, id, &value)?);
                    Ok(Reply {
                        status: StatusCode::NO_CONTENT,
                        location: None,
                        body: None,
                    })
                }
                Method::DELETE => {
                    undo.push(store.delete(name, id)?);
                    Ok(Reply {
                        status: StatusCode::NO_CONTENT,
                        location: None,
                        body: None,
                    })
                }
                _ => Err(method_not_allowed(method, "GET,HEAD,PATCH,DELETE")),
            }
        }
        ["sobjects", ty, field, value] => {
            let mut store = lock(&state.store);
            let name = store.object(ty).ok_or_else(ApiError::not_found)?.name;
            match *method {
                Method::GET => {
                    let id = store
                        .find_by_external(name, field, value)?
                        .ok_or_else(ApiError::not_found)?;
                    let object = store.object(name).expect("known");
                    let record = store.get(name, &id).ok_or_else(ApiError::not_found)?;
                    Ok(Reply::ok(store.full_record(object, record, version)))
                }
                Method::PATCH => {
                    let body = json_body(body)?;
                    let (id, created, u) = store.upsert(name, field, value, &body)?;
                    undo.push(u);
                    let mut out = success(&id);
                    out["created"] = Value::Bool(created);
                    Ok(Reply {
                        status: if created {
                            StatusCode::CREATED
                        } else {
                            StatusCode::OK
                        },
                        location: created.then(|| format!("{base}/sobjects/{name}/{id}")),
                        body: Some(out.into()),
                    })
                }
                _ => Err(method_not_allowed(method, "GET,HEAD,PATCH,DELETE")),
            }
        }
        ["jobs", "query", rest @ ..] => crate::bulk::dispatch(
            state,
            version,
            method,
            rest,
            body,
            &state.integration_user.user_id,
        ),
        ["composite"] => {
            if method != Method::POST {
                return Err(method_not_allowed(method, "POST"));
            }
            let value = json_body(body)?;
            crate::composite::run(state, version, headers, &value).map(Reply::ok)
        }
        _ => Err(ApiError::not_found()),
    }
}

fn run_query(state: &AppState, version: &str, text: &str, batch: usize) -> Result<Reply, ApiError> {
    let to_api = |e: soql::SoqlError| ApiError::bad_request(e.code, e.message(text));
    let parsed = soql::parse(text).map_err(to_api)?;
    if let Some(refusal) = metadata_query_refusal(&parsed) {
        return Err(ApiError::bad_request("MALFORMED_QUERY", refusal));
    }
    let rows = lock(&state.store).query(&parsed, version).map_err(to_api)?;
    let rows = match rows {
        QueryRows::Count(n) => {
            return Ok(Reply::json(
                StatusCode::OK,
                json!({"totalSize": n, "done": true, "records": []}),
            ));
        }
        QueryRows::Rows(rows) => Arc::new(rows),
    };
    if rows.len() <= batch {
        return Ok(Reply::ok(page(
            rows.len(),
            true,
            None,
            rows.iter().cloned().collect(),
        )));
    }
    let locator = lock(&state.cursors).open(rows.clone(), batch);
    let next = format!("/services/data/{version}/query/{locator}-{batch}");
    Ok(Reply::ok(page(
        rows.len(),
        false,
        Some(next),
        rows[..batch].to_vec(),
    )))
}

/// What a query on a Custom Metadata type may not use, as Salesforce refuses it: no `OR`,
/// `NOT`, `LIMIT` or `COUNT()` ("Only equals comparisons permitted" among the limits of
/// metadata catalog queries).
pub fn metadata_query_refusal(query: &soql::Query) -> Option<String> {
    if !crate::schema::forms::is_metadata(&query.from) {
        return None;
    }
    fn uses(expr: &soql::Expr) -> Option<&'static str> {
        match expr {
            soql::Expr::Or(_) => Some("OR"),
            soql::Expr::Not(_) => Some("NOT"),
            soql::Expr::And(parts) => parts.iter().find_map(uses),
            _ => None,
        }
    }
    let refused = if query
        .select
        .iter()
        .any(|s| !matches!(s, soql::SelectItem::Field(_)))
    {
        Some("COUNT")
    } else if query.limit.is_some() {
        Some("LIMIT")
    } else {
        query.filter.as_ref().and_then(uses)
    };
    refused.map(|what| {
        format!(
            "{what} is not supported in queries of custom metadata type {}: only equals comparisons joined by AND are permitted",
            query.from
        )
    })
}

fn next_page(state: &AppState, version: &str, locator: &str) -> Result<Reply, ApiError> {
    let invalid = || ApiError::bad_request("INVALID_QUERY_LOCATOR", "invalid query locator");
    let (id, start) = locator.rsplit_once('-').ok_or_else(invalid)?;
    let start: usize = start.parse().map_err(|_| invalid())?;
    let mut cursors = lock(&state.cursors);
    let cursor = cursors.open.get_mut(id).ok_or_else(invalid)?;
    if start == 0 || start >= cursor.rows.len() {
        return Err(invalid());
    }
    cursor.touched = Instant::now();
    let end = (start + cursor.batch).min(cursor.rows.len());
    let records = cursor.rows[start..end].to_vec();
    let total = cursor.rows.len();
    let done = end == total;
    let next = (!done).then(|| format!("/services/data/{version}/query/{id}-{end}"));
    if done {
        cursors.open.remove(id);
    }
    Ok(Reply::ok(page(total, done, next, records)))
}

fn page(total: usize, done: bool, next: Option<String>, records: Vec<Out>) -> Out {
    let mut m = IndexMap::new();
    m.insert("totalSize".into(), Out::Value(json!(total)));
    m.insert("done".into(), Out::Value(json!(done)));
    if let Some(next) = next {
        m.insert("nextRecordsUrl".into(), Out::Value(json!(next)));
    }
    m.insert("records".into(), Out::Arr(records));
    Out::Obj(m)
}

fn describe(state: &AppState, ty: &str, base: &str) -> Result<Reply, ApiError> {
    let store = lock(&state.store);
    let o = store.object(ty).ok_or_else(ApiError::not_found)?;
    let fields: Vec<Value> = o
        .fields
        .iter()
        .map(|f| {
            let (ty, length, picklist, reference_to, relationship) = match f.ty {
                FieldType::Id => ("id", 18, vec![], vec![], None),
                FieldType::Reference { target, relationship } => ("reference", 18, vec![], vec![target], Some(relationship)),
                FieldType::String { max_len } => ("string", max_len, vec![], vec![], None),
                FieldType::TextArea { max_len } => ("textarea", max_len, vec![], vec![], None),
                FieldType::Picklist(_) => ("picklist", 255, store.picklist_values(o, f), vec![], None),
                FieldType::Boolean => ("boolean", 0, vec![], vec![], None),
                FieldType::Int => ("int", 0, vec![], vec![], None),
                FieldType::DateTime => ("datetime", 0, vec![], vec![], None),
                FieldType::Double => ("double", 0, vec![], vec![], None),
                FieldType::Date => ("date", 0, vec![], vec![], None),
                FieldType::Base64 => ("base64", 0, vec![], vec![], None),
            };
            json!({
                "name": f.name, "label": f.name, "type": ty, "length": length,
                "nillable": !f.required_on_create && f.name != "Id",
                "createable": f.createable && !state.config.is_read_only(o.name, f.name),
                "updateable": f.updateable && !state.config.is_read_only(o.name, f.name),
                "externalId": f.external_id, "unique": f.external_id || f.unique, "idLookup": f.external_id || f.name == "Id",
                "restrictedPicklist": !picklist.is_empty(),
                "picklistValues": picklist.iter().map(|v| json!({"active": true, "defaultValue": false, "label": v, "value": v})).collect::<Vec<_>>(),
                "referenceTo": reference_to, "relationshipName": relationship,
            })
        })
        .collect();
    Ok(Reply::json(
        StatusCode::OK,
        json!({
            "name": o.name, "label": o.name, "keyPrefix": o.key_prefix, "queryable": true,
            "createable": o.fields.iter().any(|f| f.createable), "updateable": o.fields.iter().any(|f| f.updateable),
            "fields": fields,
            "urls": {"sobject": format!("{base}/sobjects/{}", o.name), "describe": format!("{base}/sobjects/{}/describe", o.name)},
        }),
    ))
}

/// One percent-decoded path segment (invalid UTF-8 is replaced, never panics).
pub(crate) fn decode_segment(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}
