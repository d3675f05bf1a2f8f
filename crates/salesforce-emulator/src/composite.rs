//! `/composite`: up to 25 subrequests run in order, later ones referring to earlier results with
//! `@{referenceId.path}`; with `allOrNone` a failure rolls every write back.

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use indexmap::IndexMap;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::rest::{MAX_COMPOSITE, dispatch};
use crate::state::{AppState, lock};
use crate::store::{Out, Undo};

fn halted() -> Value {
    json!([{"errorCode": "PROCESSING_HALTED", "message": "The transaction was rolled back since another operation in the same transaction failed."}])
}

struct SubResult {
    status: StatusCode,
    location: Option<String>,
    body: Option<Out>,
    reference_id: String,
}

pub fn run(
    state: &AppState,
    version: &str,
    headers: &HeaderMap,
    request: &Value,
) -> Result<Out, ApiError> {
    let all_or_none = request
        .get("allOrNone")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let subrequests = request
        .get("compositeRequest")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ApiError::bad_request("JSON_PARSER_ERROR", "compositeRequest is required")
        })?;
    if subrequests.len() > MAX_COMPOSITE {
        return Err(ApiError::bad_request(
            "LIMIT_EXCEEDED",
            format!("Maximum number of subrequests exceeded: {MAX_COMPOSITE}"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for sub in subrequests {
        let rid = sub
            .get("referenceId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let valid = !rid.is_empty() && rid.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid || !seen.insert(rid.to_owned()) {
            return Err(ApiError::bad_request(
                "INVALID_INPUT",
                format!("Invalid or duplicate referenceId: {rid}"),
            ));
        }
    }

    let mut results: Vec<SubResult> = Vec::new();
    let mut outputs: IndexMap<String, Out> = IndexMap::new();
    let mut undo: Vec<Undo> = Vec::new();
    let mut failed = false;
    for sub in subrequests {
        let reference_id = sub["referenceId"].as_str().unwrap_or_default().to_owned();
        if failed && all_or_none {
            results.push(SubResult {
                status: StatusCode::BAD_REQUEST,
                location: None,
                body: Some(halted().into()),
                reference_id,
            });
            continue;
        }
        let outcome = run_one(state, version, headers, sub, &outputs, &mut undo);
        let result = match outcome {
            Ok(reply) => {
                if let Some(body) = &reply.body {
                    outputs.insert(reference_id.clone(), body.clone());
                }
                if !reply.status.is_success() {
                    failed = true;
                }
                SubResult {
                    status: reply.status,
                    location: reply.location,
                    body: reply.body,
                    reference_id,
                }
            }
            Err(e) => {
                failed = true;
                SubResult {
                    status: e.status,
                    location: None,
                    body: Some(e.body().into()),
                    reference_id,
                }
            }
        };
        results.push(result);
    }
    if failed && all_or_none {
        let mut store = lock(&state.store);
        for u in undo.into_iter().rev() {
            store.undo(u);
        }
        for r in results.iter_mut().filter(|r| r.status.is_success()) {
            r.status = StatusCode::BAD_REQUEST;
            r.location = None;
            r.body = Some(halted().into());
        }
    }
    let list = results
        .into_iter()
        .map(|r| {
            let mut headers = IndexMap::new();
            if let Some(loc) = r.location {
                headers.insert("Location".to_owned(), Out::Value(Value::String(loc)));
            }
            let mut m = IndexMap::new();
            m.insert("body".to_owned(), r.body.unwrap_or(Out::Value(Value::Null)));
            m.insert("httpHeaders".to_owned(), Out::Obj(headers));
            m.insert(
                "httpStatusCode".to_owned(),
                Out::Value(json!(r.status.as_u16())),
            );
            m.insert(
                "referenceId".to_owned(),
                Out::Value(Value::String(r.reference_id)),
            );
            Out::Obj(m)
        })
        .collect();
    let mut top = IndexMap::new();
    top.insert("compositeResponse".to_owned(), Out::Arr(list));
    Ok(Out::Obj(top))
}

fn run_one(
    state: &AppState,
    version: &str,
    headers: &HeaderMap,
    sub: &Value,
    outputs: &IndexMap<String, Out>,
    undo: &mut Vec<Undo>,
) -> Result<crate::rest::Reply, ApiError> {
    let method: Method = sub
        .get("method")
        .and_then(Value::as_str)
        .and_then(|m| m.parse().ok())
        .ok_or_else(|| ApiError::bad_request("INVALID_INPUT", "method is required"))?;
    let url = sub.get("url").and_then(Value::as_str).unwrap_or_default();
    let url = match substitute(&Value::String(url.to_owned()), outputs)? {
        Value::String(s) => s,
        other => other.to_string(),
    };
    let body = match sub.get("body") {
        Some(b) => serde_json::to_vec(&substitute(b, outputs)?).unwrap_or_default(),
        None => Vec::new(),
    };
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (url.clone(), None),
    };
    let rest = path.strip_prefix("/services/data/").ok_or_else(|| {
        ApiError::bad_request(
            "INVALID_INPUT",
            format!("The url must start with /services/data: {url}"),
        )
    })?;
    let decoded: Vec<String> = rest
        .trim_end_matches('/')
        .split('/')
        .map(crate::rest::decode_segment)
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let sub_version = segments[0];
    if sub_version != version {
        return Err(ApiError::not_found());
    }
    let mut sub_headers = headers.clone();
    if let Some(h) = sub.get("httpHeaders").and_then(Value::as_object) {
        for (k, v) in h {
            if let (Ok(name), Some(Ok(value))) = (
                HeaderName::try_from(k.as_str()),
                v.as_str().map(HeaderValue::from_str),
            ) {
                sub_headers.insert(name, value);
            }
        }
    }
    if method == Method::GET
        && segments.len() == 5
        && segments[1] == "sobjects"
        && segments[4].eq_ignore_ascii_case("VersionData")
    {
        return Err(ApiError::bad_request(
            "INVALID_INPUT",
            "Binary content is not supported in composite subrequests",
        ));
    }
    dispatch(
        state,
        version,
        &method,
        &segments[1..],
        query.as_deref(),
        &sub_headers,
        &body,
        undo,
    )
}

/// Replaces `@{ref.path}` in every string of `v`. A string that is only a reference takes the
/// referenced value's JSON type.
fn substitute(v: &Value, outputs: &IndexMap<String, Out>) -> Result<Value, ApiError> {
    Ok(match v {
        Value::String(s) => substitute_str(s, outputs)?,
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| substitute(x, outputs))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| Ok((k.clone(), substitute(x, outputs)?)))
                .collect::<Result<_, ApiError>>()?,
        ),
        other => other.clone(),
    })
}

fn substitute_str(s: &str, outputs: &IndexMap<String, Out>) -> Result<Value, ApiError> {
    if !s.contains("@{") {
        return Ok(Value::String(s.to_owned()));
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| invalid_reference(s))?;
        let expr = &after[..end];
        let value = resolve(expr, outputs).ok_or_else(|| invalid_reference(expr))?;
        if start == 0 && end + 3 == rest.len() && out.is_empty() {
            return Ok(value);
        }
        match value {
            Value::String(v) => out.push_str(&v),
            other => out.push_str(&other.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Value::String(out))
}

fn invalid_reference(expr: &str) -> ApiError {
    ApiError::bad_request(
        "PROCESSING_HALTED",
        format!(
            "Invalid reference specified. No value for {expr} found. Provided referenceId ({expr}) might be incorrect or the referenced subrequest might have failed."
        ),
    )
}

/// `ref.field[0].other` against the earlier results.
fn resolve(expr: &str, outputs: &IndexMap<String, Out>) -> Option<Value> {
    let mut parts = expr.split('.');
    let first = parts.next()?;
    let (name, indexes) = split_indexes(first)?;
    let mut current = outputs.get(name)?.to_value();
    for i in indexes {
        current = current.get(i)?.clone();
    }
    for part in parts {
        let (name, indexes) = split_indexes(part)?;
        current = current.get(name)?.clone();
        for i in indexes {
            current = current.get(i)?.clone();
        }
    }
    Some(current)
}

fn split_indexes(part: &str) -> Option<(&str, Vec<usize>)> {
    let name_end = part.find('[').unwrap_or(part.len());
    let name = &part[..name_end];
    let mut indexes = Vec::new();
    let mut rest = &part[name_end..];
    while let Some(r) = rest.strip_prefix('[') {
        let close = r.find(']')?;
        indexes.push(r[..close].parse().ok()?);
        rest = &r[close + 1..];
    }
    rest.is_empty().then_some((name, indexes))
}
