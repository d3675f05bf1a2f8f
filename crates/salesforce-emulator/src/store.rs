//! The emulated org's data: records seeded from the fixtures, kept in memory, queried with SOQL
//! and changed through DML with Salesforce's validation errors.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::ids;
use crate::schema::{self, FieldDef, FieldType, ObjectDef};
use crate::soql::{CmpOp, Expr, FieldPath, Literal, Query, SelectItem, SoqlError};
use crate::soql_like::like_matches;

mod files;

/// A stored record: the fixture's fields in their order (`attributes` is rebuilt on output).
pub type Record = IndexMap<String, Value>;

/// A JSON value that keeps the order of object keys (records print `attributes` first).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Out {
    Obj(IndexMap<String, Out>),
    Arr(Vec<Out>),
    Value(Value),
}

impl From<Value> for Out {
    fn from(v: Value) -> Self {
        match v {
            Value::Object(m) => Out::Obj(m.into_iter().map(|(k, v)| (k, v.into())).collect()),
            Value::Array(a) => Out::Arr(a.into_iter().map(Out::from).collect()),
            other => Out::Value(other),
        }
    }
}

impl Out {
    pub fn to_value(&self) -> Value {
        match self {
            Out::Obj(m) => {
                Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_value())).collect())
            }
            Out::Arr(a) => Value::Array(a.iter().map(Out::to_value).collect()),
            Out::Value(v) => v.clone(),
        }
    }
}

/// How to take back one write (for composite `allOrNone`).
#[derive(Debug, Clone)]
pub enum Undo {
    Created {
        ty: &'static str,
        id: String,
    },
    Updated {
        ty: &'static str,
        old: Record,
    },
    Deleted {
        ty: &'static str,
        old: Record,
    },
    /// One write that made several records (a file upload: version, document, link).
    Many(Vec<Undo>),
}

/// What a query produced.
pub enum QueryRows {
    /// `SELECT COUNT() ...`: only a size.
    Count(usize),
    Rows(Vec<Out>),
}

pub struct Store {
    objects: Vec<ObjectDef>,
    records: HashMap<&'static str, IndexMap<String, Record>>,
    id_types: HashMap<String, &'static str>,
    fixtures_dir: PathBuf,
    next_case_number: u64,
    /// Picklist values the org added, by (object, field), besides the schema's.
    extra_picklist_values: HashMap<(&'static str, &'static str), Vec<String>>,
    /// Case Status values that close a case.
    closed_statuses: Vec<String>,
    /// The content of uploaded file versions (fixture versions name a file instead).
    uploaded: HashMap<String, bytes::Bytes>,
    /// The user records are created as (`CreatedById`): the integration user of the API.
    current_user: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("reading fixture {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("parsing fixture {path}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("fixture {path}: record {index} has no valid Id")]
    BadId { path: PathBuf, index: usize },
}

pub fn format_datetime(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

impl Store {
    /// Loads `{Object}.json` for every object in the schema from `dir` (missing files are empty).
    pub fn load(dir: &Path) -> Result<Self, LoadError> {
        let objects = schema::objects();
        let mut records = HashMap::new();
        let mut id_types = HashMap::new();
        for object in &objects {
            let path = dir.join(format!("{}.json", object.name));
            let mut table = IndexMap::new();
            if path.exists() {
                let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Read {
                    path: path.clone(),
                    source,
                })?;
                let rows: Vec<Record> =
                    serde_json::from_str(&text).map_err(|source| LoadError::Parse {
                        path: path.clone(),
                        source,
                    })?;
                for (index, mut row) in rows.into_iter().enumerate() {
                    row.shift_remove("attributes");
                    let id = row
                        .get("Id")
                        .and_then(Value::as_str)
                        .and_then(ids::normalise)
                        .ok_or_else(|| LoadError::BadId {
                            path: path.clone(),
                            index,
                        })?;
                    row.insert("Id".into(), Value::String(id.clone()));
                    // Fixtures carry the user-visible audit dates; the system stamp is at
                    // least the last modification.
                    if !row.contains_key("SystemModstamp") {
                        let stamp = row
                            .get("LastModifiedDate")
                            .or_else(|| row.get("CreatedDate"))
                            .cloned()
                            .unwrap_or(Value::Null);
                        row.insert("SystemModstamp".into(), stamp);
                    }
                    id_types.insert(id.clone(), object.name);
                    table.insert(id, row);
                }
            }
            records.insert(object.name, table);
        }
        let next_case_number = records["Case"]
            .values()
            .filter_map(|r| r.get("CaseNumber")?.as_str()?.parse::<u64>().ok())
            .max()
            .unwrap_or(1000)
            + 1;
        Ok(Self {
            objects,
            records,
            id_types,
            fixtures_dir: dir.to_path_buf(),
            next_case_number,
            extra_picklist_values: HashMap::new(),
            closed_statuses: vec!["Closed".into()],
            current_user: None,
            uploaded: HashMap::new(),
        })
    }

    /// Adds the org's own Case Status and Priority values to the standard ones.
    pub fn add_case_picklist_values(&mut self, picklists: &crate::config::CasePicklists) {
        let statuses = self
            .extra_picklist_values
            .entry(("Case", "Status"))
            .or_default();
        statuses.extend(picklists.open_statuses.iter().cloned());
        statuses.extend(picklists.closed_statuses.iter().cloned());
        self.closed_statuses
            .extend(picklists.closed_statuses.iter().cloned());
        self.extra_picklist_values
            .entry(("Case", "Priority"))
            .or_default()
            .extend(picklists.priorities.iter().cloned());
    }

    /// Every value a picklist field accepts: the schema's, then the org's own.
    pub fn picklist_values(&self, object: &ObjectDef, field: &FieldDef) -> Vec<String> {
        let FieldType::Picklist(values) = field.ty else {
            return Vec::new();
        };
        let mut all: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        if let Some(extra) = self.extra_picklist_values.get(&(object.name, field.name)) {
            all.extend(extra.iter().cloned());
        }
        all
    }

    pub fn object(&self, name: &str) -> Option<&ObjectDef> {
        self.objects
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(name))
    }

    pub fn objects(&self) -> &[ObjectDef] {
        &self.objects
    }

    pub fn get(&self, ty: &str, id: &str) -> Option<&Record> {
        let id = ids::normalise(id)?;
        self.records.get(ty)?.get(&id)
    }

    /// All records of a type, as the REST API would show them (for the admin endpoint).
    pub fn all(&self, ty: &str, version: &str) -> Option<Vec<Out>> {
        let object = self.object(ty)?;
        Some(
            self.records[object.name]
                .values()
                .map(|r| self.full_record(object, r, version))
                .collect(),
        )
    }

    /// The file behind a ContentVersion's VersionData, confined to the fixtures folder.
    pub fn version_data_path(&self, id: &str) -> Option<PathBuf> {
        let record = self.get("ContentVersion", id)?;
        let rel = record.get("VersionDataFile")?.as_str()?;
        let base = self.fixtures_dir.canonicalize().ok()?;
        let path = base.join(rel).canonicalize().ok()?;
        path.starts_with(&base).then_some(path)
    }

    fn attributes(ty: &str, id: Option<&str>, version: &str) -> Out {
        let mut m = IndexMap::new();
        m.insert("type".into(), Out::Value(Value::String(ty.into())));
        if let Some(id) = id {
            m.insert(
                "url".into(),
                Out::Value(Value::String(format!(
                    "/services/data/{version}/sobjects/{ty}/{id}"
                ))),
            );
        }
        Out::Obj(m)
    }

    fn output_value(object: &ObjectDef, field: &FieldDef, record: &Record, version: &str) -> Out {
        match field.ty {
            FieldType::Base64 => {
                let id = record.get("Id").and_then(Value::as_str).unwrap_or_default();
                Out::Value(Value::String(format!(
                    "/services/data/{version}/sobjects/{}/{id}/{}",
                    object.name, field.name
                )))
            }
            _ => Out::Value(record.get(field.name).cloned().unwrap_or(Value::Null)),
        }
    }

    /// Every field of a record (sObject retrieve without `fields`).
    pub fn full_record(&self, object: &ObjectDef, record: &Record, version: &str) -> Out {
        let id = record.get("Id").and_then(Value::as_str);
        let mut m = IndexMap::new();
        m.insert(
            "attributes".into(),
            Self::attributes(object.name, id, version),
        );
        for field in &object.fields {
            m.insert(
                field.name.into(),
                Self::output_value(object, field, record, version),
            );
        }
        Out::Obj(m)
    }

    /// Chosen fields of a record (`?fields=`), `Id` included as Salesforce does.
    pub fn record_with_fields(
        &self,
        object: &ObjectDef,
        record: &Record,
        fields: &[&str],
        version: &str,
    ) -> Result<Out, ApiError> {
        let id = record.get("Id").and_then(Value::as_str);
        let mut m = IndexMap::new();
        m.insert(
            "attributes".into(),
            Self::attributes(object.name, id, version),
        );
        for name in fields {
            let field = object.field(name.trim()).ok_or_else(|| {
                ApiError::bad_request(
                    "INVALID_FIELD",
                    format!(
                        "No such column '{}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                        name.trim(),
                        object.name
                    ),
                )
            })?;
            m.insert(
                field.name.into(),
                Self::output_value(object, field, record, version),
            );
        }
        m.entry("Id".into())
            .or_insert_with(|| Out::Value(id.map_or(Value::Null, |s| Value::String(s.into()))));
        Ok(Out::Obj(m))
    }

    // ---- SOQL -------------------------------------------------------------------------------

    fn resolve<'a>(
        &'a self,
        object: &'a ObjectDef,
        path: &FieldPath,
    ) -> Result<Resolved<'a>, SoqlError> {
        let mut hops = Vec::new();
        let mut current = object;
        let (last, rels) = path
            .parts
            .split_last()
            .expect("field paths are never empty");
        for rel in rels {
            let (field, target) = current.relationship(rel).ok_or_else(|| {
                SoqlError::invalid_field(
                    format!("Didn't understand relationship '{rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."),
                    path.offset,
                )
            })?;
            let target = self
                .object(target)
                .expect("schema references known objects");
            hops.push((field, target));
            current = target;
        }
        let field = current.field(last).ok_or_else(|| {
            SoqlError::invalid_field(
                format!("No such column '{last}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", current.name),
                path.offset,
            )
        })?;
        Ok(Resolved {
            hops,
            object: current,
            field,
        })
    }

    /// Follows the relationship hops from `record`; `None` when a lookup is empty.
    fn walk<'a>(
        &'a self,
        record: &'a Record,
        hops: &[(&FieldDef, &ObjectDef)],
    ) -> Option<&'a Record> {
        let mut current = record;
        for (field, target) in hops {
            let id = current.get(field.name)?.as_str()?;
            current = self.records.get(target.name)?.get(id)?;
        }
        Some(current)
    }

    fn cell(&self, record: &Record, r: &Resolved) -> Cell {
        let Some(target) = self.walk(record, &r.hops) else {
            return Cell::Null;
        };
        Cell::of(r.field.ty, target.get(r.field.name).unwrap_or(&Value::Null))
    }

    pub fn query(&self, q: &Query, version: &str) -> Result<QueryRows, SoqlError> {
        let object = self.object(&q.from).ok_or_else(|| {
            SoqlError::invalid_type(
                format!("sObject type '{}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", q.from),
                q.from_offset,
            )
        })?;
        // Resolve everything before touching data, so errors do not depend on the rows.
        let mut select = Vec::new();
        for item in &q.select {
            match item {
                SelectItem::Field(p) => {
                    select.push(SelectResolved::Field(self.resolve(object, p)?))
                }
                SelectItem::CountAll => select.push(SelectResolved::CountAll),
                SelectItem::CountField { field, alias } => select.push(SelectResolved::CountField(
                    self.resolve(object, field)?,
                    alias.clone(),
                )),
            }
        }
        let filter = q
            .filter
            .as_ref()
            .map(|e| self.check_expr(object, e))
            .transpose()?;
        let mut order = Vec::new();
        for item in &q.order_by {
            let r = self.resolve(object, &item.field)?;
            if r.field.ty == FieldType::Base64 {
                return Err(SoqlError::invalid_field(
                    format!("field '{}' can not be sorted in a query call", r.field.name),
                    item.field.offset,
                ));
            }
            order.push((r, item.descending, item.nulls_first));
        }
        let aggregate = select
            .iter()
            .any(|s| matches!(s, SelectResolved::CountField(..)));
        if aggregate && select.iter().any(|s| matches!(s, SelectResolved::Field(_))) {
            return Err(SoqlError::malformed(
                "Field must be grouped or aggregated",
                q.from_offset,
            ));
        }

        let mut rows: Vec<&Record> = self.records[object.name]
            .values()
            .filter(|r| filter.as_ref().is_none_or(|f| self.eval(r, f)))
            .collect();

        if select.iter().any(|s| matches!(s, SelectResolved::CountAll)) {
            let n = rows.len();
            let n = q.limit.map_or(n, |l| n.min(l as usize));
            return Ok(QueryRows::Count(n));
        }
        if aggregate {
            let mut m = IndexMap::new();
            m.insert(
                "attributes".into(),
                Self::attributes("AggregateResult", None, version),
            );
            for (i, s) in select.iter().enumerate() {
                if let SelectResolved::CountField(r, alias) = s {
                    let n = rows
                        .iter()
                        .filter(|row| !self.cell(row, r).is_null())
                        .count();
                    let key = alias.clone().unwrap_or_else(|| format!("expr{i}"));
                    m.insert(key, Out::Value(Value::from(n)));
                }
            }
            return Ok(QueryRows::Rows(vec![Out::Obj(m)]));
        }

        if !order.is_empty() {
            rows.sort_by(|a, b| {
                for (r, desc, nulls_first) in &order {
                    let (x, y) = (self.cell(a, r), self.cell(b, r));
                    let ord = match (x.is_null(), y.is_null()) {
                        (true, true) => Ordering::Equal,
                        (true, false) => {
                            if *nulls_first {
                                Ordering::Less
                            } else {
                                Ordering::Greater
                            }
                        }
                        (false, true) => {
                            if *nulls_first {
                                Ordering::Greater
                            } else {
                                Ordering::Less
                            }
                        }
                        (false, false) => {
                            let o = x.compare(&y).unwrap_or(Ordering::Equal);
                            if *desc { o.reverse() } else { o }
                        }
                    };
                    if ord != Ordering::Equal {
                        return ord;
                    }
                }
                Ordering::Equal
            });
        }
        let offset = q.offset.unwrap_or(0) as usize;
        let limit = q.limit.map_or(usize::MAX, |l| l as usize);
        let out = rows
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|r| self.project(object, r, &select, version))
            .collect();
        Ok(QueryRows::Rows(out))
    }

    fn project(
        &self,
        object: &ObjectDef,
        record: &Record,
        select: &[SelectResolved],
        version: &str,
    ) -> Out {
        let id = record.get("Id").and_then(Value::as_str);
        let mut root = IndexMap::new();
        root.insert(
            "attributes".into(),
            Self::attributes(object.name, id, version),
        );
        for s in select {
            let SelectResolved::Field(r) = s else {
                continue;
            };
            self.project_path(&mut root, record, &r.hops, r.object, r.field, version);
        }
        Out::Obj(root)
    }

    fn project_path(
        &self,
        into: &mut IndexMap<String, Out>,
        record: &Record,
        hops: &[(&FieldDef, &ObjectDef)],
        leaf_object: &ObjectDef,
        leaf: &FieldDef,
        version: &str,
    ) {
        let Some(((ref_field, target), rest)) = hops.split_first() else {
            into.insert(
                leaf.name.into(),
                Self::output_value(leaf_object, leaf, record, version),
            );
            return;
        };
        let FieldType::Reference { relationship, .. } = ref_field.ty else {
            return;
        };
        let parent = record
            .get(ref_field.name)
            .and_then(Value::as_str)
            .and_then(|id| self.records.get(target.name)?.get(id));
        let Some(parent) = parent else {
            into.insert(relationship.into(), Out::Value(Value::Null));
            return;
        };
        let entry = into.entry(relationship.into()).or_insert_with(|| {
            let mut m = IndexMap::new();
            let id = parent.get("Id").and_then(Value::as_str);
            m.insert(
                "attributes".into(),
                Self::attributes(target.name, id, version),
            );
            Out::Obj(m)
        });
        if let Out::Obj(m) = entry {
            self.project_path(m, parent, rest, leaf_object, leaf, version);
        }
    }

    fn check_expr<'a>(&'a self, object: &'a ObjectDef, e: &Expr) -> Result<Checked<'a>, SoqlError> {
        Ok(match e {
            Expr::And(xs) => Checked::And(
                xs.iter()
                    .map(|x| self.check_expr(object, x))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Or(xs) => Checked::Or(
                xs.iter()
                    .map(|x| self.check_expr(object, x))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Not(x) => Checked::Not(Box::new(self.check_expr(object, x)?)),
            Expr::Compare {
                field,
                op,
                value,
                value_offset,
            } => {
                let r = self.resolve(object, field)?;
                let v = typed_literal(&r, value, *value_offset)?;
                // Id and reference fields do support < and > (the keyset idiom
                // `WHERE Id > :last ORDER BY Id`); booleans only = and !=.
                if matches!(r.field.ty, FieldType::Boolean) && !matches!(op, CmpOp::Eq | CmpOp::Ne)
                {
                    return Err(SoqlError {
                        code: "INVALID_QUERY_FILTER_OPERATOR",
                        detail: format!(
                            "invalid operator on {} field: {}",
                            field_kind(r.field.ty),
                            r.field.name
                        ),
                        offset: *value_offset,
                    });
                }
                Checked::Compare(r, *op, v)
            }
            Expr::In {
                field,
                negated,
                values,
                value_offset,
            } => {
                let r = self.resolve(object, field)?;
                let vs = values
                    .iter()
                    .map(|v| typed_literal(&r, v, *value_offset))
                    .collect::<Result<_, _>>()?;
                Checked::In(r, *negated, vs)
            }
            Expr::Like {
                field,
                pattern,
                value_offset,
            } => {
                let r = self.resolve(object, field)?;
                if !matches!(
                    r.field.ty,
                    FieldType::String { .. } | FieldType::Picklist(_)
                ) {
                    return Err(SoqlError {
                        code: "INVALID_QUERY_FILTER_OPERATOR",
                        detail: format!(
                            "invalid operator on {} field: {}",
                            field_kind(r.field.ty),
                            r.field.name
                        ),
                        offset: *value_offset,
                    });
                }
                Checked::Like(r, pattern.clone())
            }
        })
    }

    fn eval(&self, record: &Record, c: &Checked) -> bool {
        match c {
            Checked::And(xs) => xs.iter().all(|x| self.eval(record, x)),
            Checked::Or(xs) => xs.iter().any(|x| self.eval(record, x)),
            Checked::Not(x) => !self.eval(record, x),
            Checked::Compare(r, op, v) => {
                let cell = self.cell(record, r);
                match (op, cell.is_null(), v.is_null()) {
                    (CmpOp::Eq, a, b) if a || b => a && b,
                    (CmpOp::Ne, a, b) if a || b => a != b,
                    (_, a, b) if a || b => false,
                    _ => match cell.compare(v) {
                        Some(o) => match op {
                            CmpOp::Eq => o == Ordering::Equal,
                            CmpOp::Ne => o != Ordering::Equal,
                            CmpOp::Lt => o == Ordering::Less,
                            CmpOp::Le => o != Ordering::Greater,
                            CmpOp::Gt => o == Ordering::Greater,
                            CmpOp::Ge => o != Ordering::Less,
                        },
                        None => *op == CmpOp::Ne,
                    },
                }
            }
            Checked::In(r, negated, vs) => {
                let cell = self.cell(record, r);
                let found = vs.iter().any(|v| {
                    if v.is_null() || cell.is_null() {
                        v.is_null() && cell.is_null()
                    } else {
                        cell.compare(v) == Some(Ordering::Equal)
                    }
                });
                found != *negated
            }
            Checked::Like(r, pattern) => match self.cell(record, r) {
                Cell::Text(s) => like_matches(pattern, &s),
                _ => false,
            },
        }
    }

    // ---- DML --------------------------------------------------------------------------------

    fn check_values(
        &self,
        object: &ObjectDef,
        body: &Map<String, Value>,
        creating: bool,
    ) -> Result<Vec<(&'static str, Value)>, ApiError> {
        let mut out = Vec::new();
        for (key, value) in body {
            if key == "attributes" {
                continue;
            }
            let field = object.field(key).ok_or_else(|| {
                ApiError::dml(
                    "INVALID_FIELD",
                    format!("No such column '{key}' on sobject of type {}", object.name),
                    &[],
                )
            })?;
            let allowed = if creating {
                field.createable
            } else {
                field.updateable
            };
            if !allowed {
                return Err(ApiError::dml(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    format!(
                        "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                        field.name
                    ),
                    &[field.name],
                ));
            }
            let value = self.check_value(object, field, value)?;
            out.push((field.name, value));
        }
        Ok(out)
    }

    fn check_value(
        &self,
        object: &ObjectDef,
        field: &FieldDef,
        value: &Value,
    ) -> Result<Value, ApiError> {
        let type_error = |expected: &str| {
            ApiError::bad_request(
                "JSON_PARSER_ERROR",
                format!(
                    "Cannot deserialize instance of {expected} from {} value {value} at [line:1, column:1]",
                    json_kind(value)
                ),
            )
        };
        if value.is_null() {
            return Ok(Value::Null);
        }
        match field.ty {
            FieldType::String { max_len } | FieldType::TextArea { max_len } => {
                let s = match value {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return Err(type_error("string")),
                };
                if s.chars().count() > max_len {
                    let shown: String = s.chars().take(max_len).collect();
                    return Err(ApiError::dml(
                        "STRING_TOO_LONG",
                        format!(
                            "{}: data value too large: {shown} (max length={max_len})",
                            field.name
                        ),
                        &[field.name],
                    ));
                }
                Ok(Value::String(s))
            }
            FieldType::Picklist(_) => {
                let s = value.as_str().ok_or_else(|| type_error("string"))?;
                match self
                    .picklist_values(object, field)
                    .into_iter()
                    .find(|v| v.eq_ignore_ascii_case(s))
                {
                    Some(v) => Ok(Value::String(v)),
                    None => Err(ApiError::dml(
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        format!(
                            "{}: bad value for restricted picklist field: {s}",
                            label(field)
                        ),
                        &[field.name],
                    )),
                }
            }
            FieldType::Reference { target, .. } => {
                let s = value.as_str().ok_or_else(|| type_error("reference"))?;
                let id = ids::normalise(s).ok_or_else(|| {
                    ApiError::dml(
                        "MALFORMED_ID",
                        format!("{}: id value of incorrect type: {s}", label(field)),
                        &[field.name],
                    )
                })?;
                match self.id_types.get(&id) {
                    Some(t) if *t == target || field.is_polymorphic() => Ok(Value::String(id)),
                    Some(_) => Err(ApiError::dml(
                        "FIELD_INTEGRITY_EXCEPTION",
                        format!("{}: id value of incorrect type: {s}", label(field)),
                        &[field.name],
                    )),
                    None => Err(ApiError::dml(
                        "INVALID_CROSS_REFERENCE_KEY",
                        format!("{}: invalid cross reference id", label(field)),
                        &[field.name],
                    )),
                }
            }
            FieldType::Boolean => value
                .as_bool()
                .map(Value::Bool)
                .ok_or_else(|| type_error("boolean")),
            FieldType::Int => value
                .as_i64()
                .map(Value::from)
                .ok_or_else(|| type_error("int")),
            FieldType::DateTime => value
                .as_str()
                .and_then(parse_datetime)
                .map(|t| Value::String(format_datetime(t)))
                .ok_or_else(|| type_error("datetime")),
            FieldType::Double => value
                .as_f64()
                .map(Value::from)
                .ok_or_else(|| type_error("double")),
            FieldType::Date => value
                .as_str()
                .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
                .ok_or_else(|| type_error("date")),
            FieldType::Id | FieldType::Base64 => Err(type_error("string")),
        }
    }

    fn find_external(&self, object: &ObjectDef, field: &FieldDef, value: &str) -> Vec<String> {
        self.records[object.name]
            .iter()
            .filter(|(_, r)| {
                r.get(field.name)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.eq_ignore_ascii_case(value))
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Org rules that run after field checks (required fields, validation rules, uniqueness).
    fn validate(&self, object: &ObjectDef, record: &Record, self_id: &str) -> Result<(), ApiError> {
        let missing: Vec<&str> = object
            .fields
            .iter()
            .filter(|f| f.required_on_create)
            .filter(|f| match record.get(f.name) {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.trim().is_empty(),
                _ => false,
            })
            .map(|f| f.name)
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::dml(
                "REQUIRED_FIELD_MISSING",
                format!("Required fields are missing: [{}]", missing.join(", ")),
                &missing,
            ));
        }
        for field in object.fields.iter().filter(|f| f.external_id || f.unique) {
            if let Some(v) = record.get(field.name).and_then(Value::as_str) {
                if let Some(other) = self
                    .find_external(object, field, v)
                    .into_iter()
                    .find(|id| id != self_id)
                {
                    return Err(ApiError::dml(
                        "DUPLICATE_VALUE",
                        format!(
                            "duplicate value found: {} duplicates value on record with id: {other}",
                            field.name
                        ),
                        &[],
                    ));
                }
            }
        }
        if object.name == "Case" {
            // The emulated org's validation rule: a case's contact belongs to its account.
            let contact = record.get("ContactId").and_then(Value::as_str);
            let account = record.get("AccountId").and_then(Value::as_str);
            if let (Some(contact), Some(account)) = (contact, account) {
                let contact_account = self
                    .get("Contact", contact)
                    .and_then(|c| c.get("AccountId"))
                    .and_then(Value::as_str);
                if contact_account != Some(account) {
                    return Err(ApiError::dml(
                        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                        "The contact must belong to the case's account.",
                        &[],
                    ));
                }
            }
        }
        Ok(())
    }

    fn apply_derived(
        object: &ObjectDef,
        record: &mut Record,
        now: &str,
        closed_statuses: &[String],
    ) {
        match object.name {
            "Case" => {
                let closed = record
                    .get("Status")
                    .and_then(Value::as_str)
                    .is_some_and(|s| closed_statuses.iter().any(|c| c == s));
                let was_closed = record.get("IsClosed").and_then(Value::as_bool) == Some(true);
                record.insert("IsClosed".into(), Value::Bool(closed));
                if closed && !was_closed {
                    record.insert("ClosedDate".into(), Value::String(now.into()));
                } else if !closed {
                    record.insert("ClosedDate".into(), Value::Null);
                }
            }
            "Contact" | "User" => {
                let first = record
                    .get("FirstName")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let last = record.get("LastName").and_then(Value::as_str).unwrap_or("");
                let name = format!("{first} {last}").trim().to_owned();
                record.insert("Name".into(), Value::String(name));
            }
            _ => {}
        }
        record.insert("LastModifiedDate".into(), Value::String(now.into()));
        record.insert("SystemModstamp".into(), Value::String(now.into()));
    }

    /// An Event's fields Salesforce derives: `AccountId` from `WhatId` (an account, or a
    /// case's account) or else from a contact `WhoId`; `DurationInMinutes` and `ActivityDate`
    /// from the start and end.
    fn derive_event(&self, record: &mut Record) {
        let id_of = |field: &str| record.get(field).and_then(Value::as_str).map(str::to_owned);
        let account_of = |ty: &str, id: &str| {
            self.get(ty, id)
                .and_then(|r| r.get("AccountId"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let from_what = id_of("WhatId").and_then(|what| match self.id_types.get(&what) {
            Some(&"Account") => Some(what),
            Some(&"Case") => account_of("Case", &what),
            _ => None,
        });
        let account = from_what.or_else(|| {
            id_of("WhoId")
                .filter(|who| self.id_types.get(who) == Some(&"Contact"))
                .and_then(|who| account_of("Contact", &who))
        });
        let start = id_of("StartDateTime").as_deref().and_then(parse_datetime);
        let end = id_of("EndDateTime").as_deref().and_then(parse_datetime);
        record.insert(
            "AccountId".into(),
            account.map_or(Value::Null, Value::String),
        );
        if let (Some(start), Some(end)) = (start, end) {
            record.insert(
                "DurationInMinutes".into(),
                Value::from((end - start).num_minutes()),
            );
        }
        if let Some(start) = start {
            record.insert(
                "ActivityDate".into(),
                Value::String(start.format("%Y-%m-%d").to_string()),
            );
        }
    }

    /// Makes `user_id` the API's user: a User record with these names (added unless the
    /// fixtures have it), and the creator of every record created from now on.
    pub fn set_current_user(&mut self, user_id: &str, first_name: &str, last_name: &str) {
        let table = self
            .records
            .get_mut("User")
            .expect("every object has a table");
        if !table.contains_key(user_id) {
            let now = format_datetime(Utc::now());
            let mut record = Record::new();
            record.insert("Id".into(), Value::String(user_id.into()));
            record.insert("FirstName".into(), Value::String(first_name.into()));
            record.insert("LastName".into(), Value::String(last_name.into()));
            record.insert(
                "Name".into(),
                Value::String(format!("{first_name} {last_name}")),
            );
            for stamp in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
                record.insert(stamp.into(), Value::String(now.clone()));
            }
            table.insert(user_id.into(), record);
            self.id_types.insert(user_id.into(), "User");
        }
        self.current_user = Some(user_id.into());
    }

    /// [`Store::create`] as another user (an agent writing a comment in the org).
    pub fn create_by(
        &mut self,
        user_id: &str,
        ty: &str,
        body: &Value,
    ) -> Result<(String, Undo), ApiError> {
        let api_user = self.current_user.replace(user_id.into());
        let created = self.create(ty, body);
        self.current_user = api_user;
        created
    }

    pub fn create(&mut self, ty: &str, body: &Value) -> Result<(String, Undo), ApiError> {
        let object = self.object(ty).ok_or_else(ApiError::not_found)?;
        if object.name == "ContentVersion" {
            // A file: its content comes base64-encoded in `VersionData` (this JSON form), or as
            // a multipart part (`create_content_version` from the REST entry).
            return self.create_content_version(body, None);
        }
        let body = body.as_object().ok_or_else(|| {
            ApiError::bad_request(
                "JSON_PARSER_ERROR",
                "Cannot deserialize instance of sObject from non-object value",
            )
        })?;
        let values = self.check_values(object, body, true)?;
        let object_name = object.name;
        let prefix = object.key_prefix;
        let now = format_datetime(Utc::now());
        let mut id = ids::generate(prefix);
        while self.id_types.contains_key(&id) {
            id = ids::generate(prefix);
        }
        let object = self.object(ty).expect("checked above");
        let mut record = Record::new();
        for field in &object.fields {
            record.insert(field.name.into(), Value::Null);
        }
        record.insert("Id".into(), Value::String(id.clone()));
        if object_name == "Case" {
            record.insert("Status".into(), Value::String("New".into()));
            record.insert("Priority".into(), Value::String("Medium".into()));
            record.insert(
                "CaseNumber".into(),
                Value::String(format!("{:08}", self.next_case_number)),
            );
        }
        for (k, v) in values {
            record.insert(k.into(), v);
        }
        record.insert("CreatedDate".into(), Value::String(now.clone()));
        if object.field("CreatedById").is_some() {
            let creator = self.current_user.clone().map_or(Value::Null, Value::String);
            record.insert("CreatedById".into(), creator);
        }
        Self::apply_derived(object, &mut record, &now, &self.closed_statuses);
        if object_name == "Event" {
            if record.get("OwnerId").is_none_or(Value::is_null) {
                let owner = self.current_user.clone().map_or(Value::Null, Value::String);
                record.insert("OwnerId".into(), owner);
            }
            self.derive_event(&mut record);
        }
        self.validate(object, &record, &id)?;
        if object_name == "CaseComment" {
            // As in an org: a new comment stamps its case (what change detection sees).
            let parent = record
                .get("ParentId")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let case = parent.and_then(|p| self.records.get_mut("Case")?.get_mut(&p));
            let Some(case) = case else {
                return Err(ApiError::dml(
                    "FIELD_INTEGRITY_EXCEPTION",
                    "Parent ID: id value of incorrect type",
                    &["ParentId"],
                ));
            };
            case.insert("LastModifiedDate".into(), Value::String(now.clone()));
            case.insert("SystemModstamp".into(), Value::String(now.clone()));
        }
        if object_name == "Case" {
            self.next_case_number += 1;
        }
        self.id_types.insert(id.clone(), object_name);
        self.records
            .get_mut(object_name)
            .expect("every object has a table")
            .insert(id.clone(), record);
        Ok((
            id.clone(),
            Undo::Created {
                ty: object_name,
                id,
            },
        ))
    }

    pub fn update(&mut self, ty: &str, id: &str, body: &Value) -> Result<Undo, ApiError> {
        let object = self.object(ty).ok_or_else(ApiError::not_found)?;
        let object_name = object.name;
        let id = ids::normalise(id).ok_or_else(ApiError::not_found)?;
        let old = self.records[object_name]
            .get(&id)
            .ok_or_else(ApiError::not_found)?
            .clone();
        let body = body.as_object().ok_or_else(|| {
            ApiError::bad_request(
                "JSON_PARSER_ERROR",
                "Cannot deserialize instance of sObject from non-object value",
            )
        })?;
        let values = self.check_values(object, body, false)?;
        let mut record = old.clone();
        for (k, v) in values {
            record.insert(k.into(), v);
        }
        let now = format_datetime(Utc::now());
        Self::apply_derived(object, &mut record, &now, &self.closed_statuses);
        if object_name == "Event" {
            self.derive_event(&mut record);
        }
        self.validate(object, &record, &id)?;
        self.records
            .get_mut(object_name)
            .expect("table")
            .insert(id, record);
        Ok(Undo::Updated {
            ty: object_name,
            old,
        })
    }

    pub fn delete(&mut self, ty: &str, id: &str) -> Result<Undo, ApiError> {
        let object = self.object(ty).ok_or_else(ApiError::not_found)?;
        let object_name = object.name;
        let id = ids::normalise(id).ok_or_else(ApiError::not_found)?;
        let old = self
            .records
            .get_mut(object_name)
            .expect("table")
            .shift_remove(&id)
            .ok_or_else(ApiError::not_found)?;
        self.id_types.remove(&id);
        Ok(Undo::Deleted {
            ty: object_name,
            old,
        })
    }

    /// Upsert by external id: `Ok((id, created, undo))`.
    pub fn upsert(
        &mut self,
        ty: &str,
        field_name: &str,
        value: &str,
        body: &Value,
    ) -> Result<(String, bool, Undo), ApiError> {
        let object = self.object(ty).ok_or_else(ApiError::not_found)?;
        let field = *object
            .field(field_name)
            .filter(|f| f.external_id)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    format!("Provided external ID field does not exist or is not accessible: {field_name}"),
                )
            })?;
        if let Some(in_body) = body.as_object().and_then(|m| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(field.name))
                .map(|(_, v)| v)
        }) {
            if in_body.as_str() != Some(value) {
                return Err(ApiError::dml(
                    "INVALID_FIELD",
                    format!(
                        "The value of the external ID field in the URL ({value}) does not match the value in the request body ({in_body})."
                    ),
                    &[field.name],
                ));
            }
        }
        let matches = self.find_external(object, &field, value);
        match matches.as_slice() {
            [] => {
                let mut body = body.as_object().cloned().unwrap_or_default();
                body.retain(|k, _| !k.eq_ignore_ascii_case(field.name));
                body.insert(field.name.into(), Value::String(value.into()));
                let (id, undo) = self.create(ty, &Value::Object(body))?;
                Ok((id, true, undo))
            }
            [id] => {
                let id = id.clone();
                let undo = self.update(ty, &id, body)?;
                Ok((id, false, undo))
            }
            _ => Err(ApiError::new(
                StatusCode::MULTIPLE_CHOICES,
                "MULTIPLE_CHOICES",
                "More than one record found for external id field",
            )),
        }
    }

    pub fn find_by_external(
        &self,
        ty: &str,
        field_name: &str,
        value: &str,
    ) -> Result<Option<String>, ApiError> {
        let object = self.object(ty).ok_or_else(ApiError::not_found)?;
        let field = object.field(field_name).filter(|f| f.external_id || f.name == "Id").ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("Provided external ID field does not exist or is not accessible: {field_name}"),
            )
        })?;
        if field.name == "Id" {
            return Ok(
                ids::normalise(value).filter(|id| self.records[object.name].contains_key(id))
            );
        }
        Ok(self.find_external(object, field, value).into_iter().next())
    }

    pub fn undo(&mut self, undo: Undo) {
        match undo {
            Undo::Created { ty, id } => {
                if let Some(t) = self.records.get_mut(ty) {
                    t.shift_remove(&id);
                }
                self.id_types.remove(&id);
            }
            Undo::Updated { ty, old } | Undo::Deleted { ty, old } => {
                if let Some(id) = old.get("Id").and_then(Value::as_str).map(str::to_owned) {
                    self.id_types.insert(id.clone(), ty);
                    if let Some(t) = self.records.get_mut(ty) {
                        t.insert(id, old);
                    }
                }
            }
            Undo::Many(all) => {
                for undo in all.into_iter().rev() {
                    if let Undo::Created {
                        ty: "ContentVersion",
                        id,
                    } = &undo
                    {
                        self.uploaded.remove(id);
                    }
                    self.undo(undo);
                }
            }
        }
    }
}

fn label(field: &FieldDef) -> String {
    match field.ty {
        FieldType::Reference { target, .. } => format!("{target} ID"),
        _ => field.name.to_owned(),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn field_kind(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Id | FieldType::Reference { .. } => "id",
        FieldType::Boolean => "boolean",
        _ => "this",
    }
}

struct Resolved<'a> {
    hops: Vec<(&'a FieldDef, &'a ObjectDef)>,
    object: &'a ObjectDef,
    field: &'a FieldDef,
}

enum SelectResolved<'a> {
    Field(Resolved<'a>),
    CountAll,
    CountField(Resolved<'a>, Option<String>),
}

enum Checked<'a> {
    And(Vec<Checked<'a>>),
    Or(Vec<Checked<'a>>),
    Not(Box<Checked<'a>>),
    Compare(Resolved<'a>, CmpOp, Cell),
    In(Resolved<'a>, bool, Vec<Cell>),
    Like(Resolved<'a>, Vec<crate::soql::LikePart>),
}

/// A typed value read from a record or a literal.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Text(String),
    Id(String),
    Bool(bool),
    Number(f64),
    DateTime(DateTime<Utc>),
}

impl Cell {
    fn of(ty: FieldType, v: &Value) -> Cell {
        match (ty, v) {
            (_, Value::Null) => Cell::Null,
            (FieldType::Id | FieldType::Reference { .. }, Value::String(s)) => {
                Cell::Id(ids::normalise(s).unwrap_or_else(|| s.clone()))
            }
            (FieldType::DateTime, Value::String(s)) => {
                parse_datetime(s).map_or(Cell::Null, Cell::DateTime)
            }
            (_, Value::String(s)) => Cell::Text(s.clone()),
            (_, Value::Bool(b)) => Cell::Bool(*b),
            (_, Value::Number(n)) => n.as_f64().map_or(Cell::Null, Cell::Number),
            _ => Cell::Null,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }

    fn compare(&self, other: &Cell) -> Option<Ordering> {
        match (self, other) {
            (Cell::Text(a), Cell::Text(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
            (Cell::Id(a), Cell::Id(b)) => Some(a.cmp(b)),
            (Cell::Bool(a), Cell::Bool(b)) => Some(a.cmp(b)),
            (Cell::Number(a), Cell::Number(b)) => a.partial_cmp(b),
            (Cell::DateTime(a), Cell::DateTime(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Checks a literal against the field's type, as Salesforce does before running the query.
fn typed_literal(r: &Resolved, lit: &Literal, offset: usize) -> Result<Cell, SoqlError> {
    let name = r.field.name;
    let wrong = |expected: &str, quoted: bool| {
        SoqlError::invalid_field(
            format!(
                "value of filter criterion for field '{name}' must be of type {expected} and should {}be enclosed in quotes",
                if quoted { "" } else { "not " }
            ),
            offset,
        )
    };
    if *lit == Literal::Null {
        return Ok(Cell::Null);
    }
    match r.field.ty {
        FieldType::String { .. } | FieldType::TextArea { .. } | FieldType::Picklist(_) => match lit
        {
            Literal::String(s) => Ok(Cell::Text(s.clone())),
            _ => Err(wrong("string", true)),
        },
        FieldType::Id | FieldType::Reference { .. } => match lit {
            Literal::String(s) => ids::normalise(s).map(Cell::Id).ok_or_else(|| SoqlError {
                code: "INVALID_QUERY_FILTER_OPERATOR",
                detail: format!("invalid ID field: {s}"),
                offset,
            }),
            _ => Err(wrong("id", true)),
        },
        FieldType::Boolean => match lit {
            Literal::Bool(b) => Ok(Cell::Bool(*b)),
            _ => Err(wrong("boolean", false)),
        },
        FieldType::Int => match lit {
            Literal::Number(n) => Ok(Cell::Number(*n)),
            _ => Err(wrong("int", false)),
        },
        FieldType::Double => match lit {
            Literal::Number(n) => Ok(Cell::Number(*n)),
            _ => Err(wrong("double", false)),
        },
        // A date is kept as its `YYYY-MM-DD` text, which sorts and compares as the day does.
        FieldType::Date => match lit {
            Literal::Date(d) => Ok(Cell::Text(d.format("%Y-%m-%d").to_string())),
            _ => Err(wrong("date", false)),
        },
        FieldType::DateTime => match lit {
            Literal::DateTime(t) => Ok(Cell::DateTime(*t)),
            _ => Err(wrong("dateTime", false)),
        },
        FieldType::Base64 => Err(SoqlError::invalid_field(
            format!("field '{name}' can not be filtered in a query call"),
            offset,
        )),
    }
}
