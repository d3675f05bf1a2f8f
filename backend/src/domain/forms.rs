//! Dynamic case forms (issue 15, decision 029): a form defined in Salesforce Custom Metadata
//! (`Portal_Form__mdt` and its `Portal_Form_Field__mdt` rows), turned once into the JSON Schema
//! 2020-12 document the API serves and the server validates against, plus the UI hints the web
//! app renders it by. Pure rules: reading the records is the adapters' work.
//!
//! A field may be shown only when another field has a value (`visible_when`). A hidden field's
//! value is dropped before validation and never written; a required conditional field is
//! required only while it is shown (the schema's `allOf` of `if`/`then`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The Case field a form's case type is written to.
pub const CASE_TYPE_FIELD: &str = "Type";

/// The JSON Schema dialect of every form's schema.
pub const SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// What a form's name and its fields' names look like (a Custom Metadata DeveloperName): also
/// what the API's path parameter and the schema's property names accept.
pub const NAME_PATTERN: &str = "^[A-Za-z][A-Za-z0-9_]{0,39}$";
/// The most characters of a name.
pub const NAME_MAX: usize = 40;

/// Whether `name` follows [`NAME_PATTERN`].
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= NAME_MAX
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A `Portal_Form__mdt` record as SOQL returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormRecord {
    #[serde(rename = "DeveloperName")]
    pub developer_name: String,
    #[serde(rename = "MasterLabel")]
    pub label: String,
    #[serde(rename = "Case_Type__c", default)]
    pub case_type: Option<String>,
    #[serde(rename = "Description__c", default)]
    pub description: Option<String>,
    #[serde(rename = "Active__c", default)]
    pub active: bool,
    #[serde(rename = "Order__c", default)]
    pub order: Option<f64>,
}

/// A `Portal_Form_Field__mdt` record as SOQL returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormFieldRecord {
    #[serde(rename = "DeveloperName")]
    pub developer_name: String,
    /// The form's DeveloperName.
    #[serde(rename = "Form__c")]
    pub form: String,
    /// The field's key in `fields` and in the schema.
    #[serde(rename = "Field_Name__c")]
    pub name: String,
    #[serde(rename = "Label__c")]
    pub label: String,
    /// The Case field the value is written to.
    #[serde(rename = "Api_Field__c")]
    pub api_field: String,
    #[serde(rename = "Type__c")]
    pub kind: String,
    #[serde(rename = "Required__c", default)]
    pub required: bool,
    #[serde(rename = "Min__c", default)]
    pub min: Option<f64>,
    #[serde(rename = "Max__c", default)]
    pub max: Option<f64>,
    #[serde(rename = "Max_Length__c", default)]
    pub max_length: Option<f64>,
    #[serde(rename = "Pattern__c", default)]
    pub pattern: Option<String>,
    /// One option a line, `value|label`.
    #[serde(rename = "Options__c", default)]
    pub options: Option<String>,
    #[serde(rename = "Help_Text__c", default)]
    pub help: Option<String>,
    #[serde(rename = "Order__c", default)]
    pub order: Option<f64>,
    #[serde(rename = "Visible_When_Field__c", default)]
    pub visible_when_field: Option<String>,
    #[serde(rename = "Visible_When_Value__c", default)]
    pub visible_when_value: Option<String>,
}

/// A field's type: what the customer enters and what the Case field must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Textarea,
    Number,
    Date,
    Picklist,
    Checkbox,
    Email,
}

impl FieldKind {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw.trim().to_ascii_lowercase().as_str() {
            "text" => Self::Text,
            "textarea" => Self::Textarea,
            "number" => Self::Number,
            "date" => Self::Date,
            "picklist" => Self::Picklist,
            "checkbox" => Self::Checkbox,
            "email" => Self::Email,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Textarea => "textarea",
            Self::Number => "number",
            Self::Date => "date",
            Self::Picklist => "picklist",
            Self::Checkbox => "checkbox",
            Self::Email => "email",
        }
    }

    /// The Salesforce field types (as `describe` names them) that can hold this kind's values.
    pub fn case_field_types(self) -> &'static [&'static str] {
        match self {
            Self::Text => &["string", "textarea", "phone", "url", "email"],
            Self::Textarea => &["textarea", "string"],
            Self::Number => &["double", "int", "currency", "percent"],
            Self::Date => &["date"],
            Self::Picklist => &["picklist", "string", "textarea"],
            Self::Checkbox => &["boolean"],
            Self::Email => &["email", "string", "textarea"],
        }
    }

    fn has_length(self) -> bool {
        matches!(self, Self::Text | Self::Textarea | Self::Email)
    }
}

/// A picklist's choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormOption {
    pub value: String,
    pub label: String,
}

/// Show a field only while another field equals a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisibleWhen {
    pub field: String,
    pub equals: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    pub name: String,
    pub label: String,
    pub api_field: String,
    pub kind: FieldKind,
    pub required: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub max_length: Option<u32>,
    pub pattern: Option<String>,
    pub options: Vec<FormOption>,
    pub help: Option<String>,
    pub visible_when: Option<VisibleWhen>,
}

/// A form, its fields in their order.
#[derive(Debug, Clone, PartialEq)]
pub struct FormDef {
    pub name: String,
    pub label: String,
    pub case_type: Option<String>,
    pub description: Option<String>,
    pub fields: Vec<FormField>,
}

/// A definition the portal cannot serve: which form, which field, why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("form {form}{}: {reason}", field.as_ref().map(|f| format!(", field {f}")).unwrap_or_default())]
pub struct DefinitionError {
    pub form: String,
    pub field: Option<String>,
    pub reason: String,
}

impl DefinitionError {
    fn new(form: &str, field: Option<&str>, reason: impl Into<String>) -> Self {
        Self {
            form: form.to_owned(),
            field: field.map(str::to_owned),
            reason: reason.into(),
        }
    }
}

/// The active forms, in their order (then by name), from the metadata records; every definition
/// error found, or none.
pub fn forms_from_records(
    forms: &[FormRecord],
    fields: &[FormFieldRecord],
) -> Result<Vec<FormDef>, Vec<DefinitionError>> {
    let mut errors = Vec::new();
    let mut active: Vec<&FormRecord> = forms.iter().filter(|f| f.active).collect();
    active.sort_by(|a, b| {
        a.order
            .unwrap_or(f64::MAX)
            .total_cmp(&b.order.unwrap_or(f64::MAX))
            .then_with(|| a.developer_name.cmp(&b.developer_name))
    });
    let mut out = Vec::with_capacity(active.len());
    for form in active {
        let name = &form.developer_name;
        if !is_name(name) {
            errors.push(DefinitionError::new(
                name,
                None,
                "the name is not a DeveloperName",
            ));
            continue;
        }
        let mut rows: Vec<&FormFieldRecord> = fields.iter().filter(|f| &f.form == name).collect();
        rows.sort_by(|a, b| {
            a.order
                .unwrap_or(f64::MAX)
                .total_cmp(&b.order.unwrap_or(f64::MAX))
                .then_with(|| a.developer_name.cmp(&b.developer_name))
        });
        if rows.is_empty() {
            errors.push(DefinitionError::new(name, None, "the form has no fields"));
            continue;
        }
        let before = errors.len();
        let mut defs: Vec<FormField> = Vec::with_capacity(rows.len());
        for row in &rows {
            if let Some(field) = field_from_record(name, row, &mut errors) {
                if defs.iter().any(|d| d.name == field.name) {
                    errors.push(DefinitionError::new(
                        name,
                        Some(&field.name),
                        "two fields have this name",
                    ));
                } else if defs.iter().any(|d| d.api_field == field.api_field) {
                    errors.push(DefinitionError::new(
                        name,
                        Some(&field.name),
                        format!("another field already writes {}", field.api_field),
                    ));
                } else {
                    defs.push(field);
                }
            }
        }
        // The condition's field: one of the form, shown always, and its value typed by it.
        for row in &rows {
            let (Some(on), Some(value)) = (&row.visible_when_field, &row.visible_when_value) else {
                if row.visible_when_field.is_some() != row.visible_when_value.is_some() {
                    errors.push(DefinitionError::new(
                        name,
                        Some(&row.name),
                        "visible_when needs both a field and a value",
                    ));
                }
                continue;
            };
            let Some(controller) = defs.iter().find(|d| &d.name == on) else {
                errors.push(DefinitionError::new(
                    name,
                    Some(&row.name),
                    format!("visible_when names {on}, which is not a field of the form"),
                ));
                continue;
            };
            if controller.visible_when.is_some() || controller.name == row.name {
                errors.push(DefinitionError::new(
                    name,
                    Some(&row.name),
                    format!("visible_when names {on}, which is itself conditional"),
                ));
                continue;
            }
            match condition_value(controller, value) {
                Some(equals) => {
                    if let Some(def) = defs.iter_mut().find(|d| d.name == row.name) {
                        def.visible_when = Some(VisibleWhen {
                            field: on.clone(),
                            equals,
                        });
                    }
                }
                None => errors.push(DefinitionError::new(
                    name,
                    Some(&row.name),
                    format!("visible_when value {value:?} is not a value of {on}"),
                )),
            }
        }
        if errors.len() > before {
            continue;
        }
        let def = FormDef {
            name: name.clone(),
            label: form.label.clone(),
            case_type: form.case_type.clone().filter(|t| !t.trim().is_empty()),
            description: form.description.clone().filter(|t| !t.trim().is_empty()),
            fields: defs,
        };
        // Every pattern must compile, as the validator will compile it.
        if let Err(err) = def.validator() {
            errors.push(DefinitionError::new(
                name,
                None,
                format!("its schema does not compile: {err}"),
            ));
            continue;
        }
        out.push(def);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn field_from_record(
    form: &str,
    row: &FormFieldRecord,
    errors: &mut Vec<DefinitionError>,
) -> Option<FormField> {
    let name = row.name.as_str();
    let mut fail = |reason: String| {
        errors.push(DefinitionError::new(form, Some(name), reason));
        None
    };
    if !is_name(name) {
        return fail("the field name is not a DeveloperName".into());
    }
    let Some(kind) = FieldKind::parse(&row.kind) else {
        return fail(format!("unknown type {:?}", row.kind));
    };
    if row.api_field.trim().is_empty() {
        return fail("no Case field (Api_Field__c)".into());
    }
    let options: Vec<FormOption> = row
        .options
        .as_deref()
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| match line.split_once('|') {
            Some((value, label)) => FormOption {
                value: value.trim().to_owned(),
                label: label.trim().to_owned(),
            },
            None => FormOption {
                value: line.to_owned(),
                label: line.to_owned(),
            },
        })
        .collect();
    if kind == FieldKind::Picklist && options.is_empty() {
        return fail("a picklist needs options".into());
    }
    if kind != FieldKind::Picklist && !options.is_empty() {
        return fail("only a picklist has options".into());
    }
    let max_length = match row.max_length {
        Some(n) if kind.has_length() && (1.0..=131_072.0).contains(&n) && n.fract() == 0.0 => {
            Some(n as u32)
        }
        Some(_) if kind.has_length() => {
            return fail("max length must be a whole number ≥ 1".into());
        }
        Some(_) => return fail("only text fields have a max length".into()),
        // Text without a stated length: Salesforce's text limit.
        None if kind == FieldKind::Text || kind == FieldKind::Email => Some(255),
        None if kind == FieldKind::Textarea => Some(32_000),
        None => None,
    };
    if (row.min.is_some() || row.max.is_some()) && kind != FieldKind::Number {
        return fail("only a number has min and max".into());
    }
    if let (Some(lo), Some(hi)) = (row.min, row.max)
        && lo > hi
    {
        return fail("min is above max".into());
    }
    let pattern = row.pattern.clone().filter(|p| !p.is_empty());
    if pattern.is_some() && !matches!(kind, FieldKind::Text | FieldKind::Textarea) {
        return fail("only text has a pattern".into());
    }
    Some(FormField {
        name: name.to_owned(),
        label: row.label.clone(),
        api_field: row.api_field.trim().to_owned(),
        kind,
        required: row.required,
        min: row.min,
        max: row.max,
        max_length,
        pattern,
        options,
        help: row.help.clone().filter(|h| !h.trim().is_empty()),
        visible_when: None,
    })
}

/// The condition's value typed as the controlling field's values are.
fn condition_value(controller: &FormField, raw: &str) -> Option<Value> {
    match controller.kind {
        FieldKind::Checkbox => match raw.trim() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        FieldKind::Number => raw
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        FieldKind::Picklist => controller
            .options
            .iter()
            .any(|o| o.value == raw)
            .then(|| Value::String(raw.to_owned())),
        _ => Some(Value::String(raw.to_owned())),
    }
}

/// Why a field's value was refused: the JSON Schema keyword that refused it (what the shared
/// corpus of cases compares, web and server alike). When a value breaks several, the first in
/// this order is the one reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Refusal {
    Type,
    Required,
    MinLength,
    MaxLength,
    Pattern,
    Minimum,
    Maximum,
    Format,
    Enum,
    AdditionalProperties,
}

impl FormDef {
    /// The form's JSON Schema (2020-12).
    pub fn schema(&self) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut conditions = Vec::new();
        for field in &self.fields {
            properties.insert(field.name.clone(), field.schema());
            if !field.required {
                continue;
            }
            match &field.visible_when {
                None => required.push(Value::String(field.name.clone())),
                Some(when) => conditions.push(json!({
                    "if": {
                        "properties": {(when.field.clone()): {"const": when.equals}},
                        "required": [when.field],
                    },
                    "then": {"required": [field.name]},
                })),
            }
        }
        let mut schema = json!({
            "$schema": SCHEMA_DIALECT,
            "title": self.label,
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        });
        if let Some(description) = &self.description {
            schema["description"] = Value::String(description.clone());
        }
        if !conditions.is_empty() {
            schema["allOf"] = Value::Array(conditions);
        }
        schema
    }

    /// The compiled validator of [`Self::schema`], formats (date, email) checked.
    pub fn validator(&self) -> Result<jsonschema::Validator, String> {
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&self.schema())
            .map_err(|e| e.to_string())
    }

    pub fn field(&self, name: &str) -> Option<&FormField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The values without those of fields that are hidden by their condition.
    pub fn visible_values(&self, values: &Map<String, Value>) -> Map<String, Value> {
        values
            .iter()
            .filter(|(name, _)| match self.field(name) {
                Some(FormField {
                    visible_when: Some(when),
                    ..
                }) => values.get(&when.field) == Some(&when.equals),
                _ => true,
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Validates the values (hidden fields dropped first): one refusal per field, in the
    /// form's order (unknown fields last, by name).
    pub fn refusals(
        &self,
        validator: &jsonschema::Validator,
        values: &Map<String, Value>,
    ) -> Vec<(String, Refusal)> {
        let visible = Value::Object(self.visible_values(values));
        let mut found: BTreeMap<String, Refusal> = BTreeMap::new();
        for error in validator.iter_errors(&visible) {
            use jsonschema::error::ValidationErrorKind as K;
            let at = error
                .instance_path()
                .as_str()
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or("")
                .to_owned();
            let (names, refusal): (Vec<String>, Refusal) = match error.kind() {
                K::Required { property } => (
                    vec![property.as_str().unwrap_or_default().to_owned()],
                    Refusal::Required,
                ),
                K::AdditionalProperties { unexpected } => {
                    (unexpected.clone(), Refusal::AdditionalProperties)
                }
                K::Type { .. } => (vec![at], Refusal::Type),
                K::MinLength { .. } => (vec![at], Refusal::MinLength),
                K::MaxLength { .. } => (vec![at], Refusal::MaxLength),
                K::Pattern { .. } => (vec![at], Refusal::Pattern),
                K::Minimum { .. } => (vec![at], Refusal::Minimum),
                K::Maximum { .. } => (vec![at], Refusal::Maximum),
                K::Format { .. } => (vec![at], Refusal::Format),
                K::Enum { .. } | K::Constant { .. } => (vec![at], Refusal::Enum),
                _ => (vec![at], Refusal::Type),
            };
            for name in names.into_iter().filter(|n| !n.is_empty()) {
                // One refusal per field: the first in `Refusal`'s order, whatever order the
                // validator found them in (the web app picks the same one).
                let entry = found.entry(name).or_insert(refusal);
                if refusal < *entry {
                    *entry = refusal;
                }
            }
        }
        let position = |name: &str| {
            self.fields
                .iter()
                .position(|f| f.name == name)
                .unwrap_or(usize::MAX)
        };
        let mut out: Vec<(String, Refusal)> = found.into_iter().collect();
        out.sort_by(|a, b| position(&a.0).cmp(&position(&b.0)).then(a.0.cmp(&b.0)));
        out
    }

    /// The customer's message for a refusal of `name`.
    pub fn message(&self, name: &str, refusal: Refusal) -> String {
        let Some(field) = self.field(name) else {
            return "This field is not accepted.".into();
        };
        match refusal {
            Refusal::Required | Refusal::MinLength if field.kind == FieldKind::Picklist => {
                "Choose one of the options.".into()
            }
            Refusal::Required | Refusal::MinLength => "This is required.".into(),
            Refusal::Type => match field.kind {
                FieldKind::Number => "Must be a number.".into(),
                FieldKind::Checkbox => "Must be true or false.".into(),
                _ => "Must be text.".into(),
            },
            Refusal::MaxLength => format!(
                "At most {} characters.",
                field.max_length.unwrap_or_default()
            ),
            Refusal::Pattern => match &field.help {
                Some(help) => format!("This is not in the expected format. {help}"),
                None => "This is not in the expected format.".into(),
            },
            Refusal::Minimum => format!("Must be at least {}.", number(field.min)),
            Refusal::Maximum => format!("Must be at most {}.", number(field.max)),
            Refusal::Format => match field.kind {
                FieldKind::Email => "Must be an email address.".into(),
                _ => "Must be a date (YYYY-MM-DD).".into(),
            },
            Refusal::Enum => "Choose one of the options.".into(),
            Refusal::AdditionalProperties => "This field is not accepted.".into(),
        }
    }

    /// The Case fields and values to write for valid values (hidden fields dropped): each value
    /// as its Case field takes it (text trimmed of nothing, numbers as numbers, dates as
    /// `YYYY-MM-DD`, checkboxes as booleans).
    /// The form's case type goes to Case.Type.
    pub fn case_values(&self, values: &Map<String, Value>) -> BTreeMap<String, Value> {
        let mut out: BTreeMap<String, Value> = self
            .visible_values(values)
            .into_iter()
            .filter_map(|(name, value)| {
                let field = self.field(&name)?;
                (!value.is_null()).then(|| (field.api_field.clone(), value))
            })
            .collect();
        if let Some(case_type) = &self.case_type {
            out.insert(CASE_TYPE_FIELD.into(), Value::String(case_type.clone()));
        }
        out
    }
}

fn number(n: Option<f64>) -> String {
    match n {
        Some(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", n as i64),
        Some(n) => n.to_string(),
        None => String::new(),
    }
}

impl FormField {
    fn schema(&self) -> Value {
        let mut s = match self.kind {
            FieldKind::Text | FieldKind::Textarea => json!({"type": "string"}),
            FieldKind::Email => json!({"type": "string", "format": "email"}),
            FieldKind::Number => json!({"type": "number"}),
            FieldKind::Date => json!({"type": "string", "format": "date"}),
            FieldKind::Checkbox => json!({"type": "boolean"}),
            FieldKind::Picklist => json!({
                "type": "string",
                "enum": self.options.iter().map(|o| o.value.clone()).collect::<Vec<_>>(),
            }),
        };
        s["title"] = Value::String(self.label.clone());
        if let Some(help) = &self.help {
            s["description"] = Value::String(help.clone());
        }
        if self.kind.has_length() {
            if self.required {
                s["minLength"] = json!(1);
            }
            if let Some(max) = self.max_length {
                s["maxLength"] = json!(max);
            }
        }
        if let Some(pattern) = &self.pattern {
            s["pattern"] = Value::String(pattern.clone());
        }
        if let Some(min) = self.min {
            s["minimum"] = json!(min);
        }
        if let Some(max) = self.max {
            s["maximum"] = json!(max);
        }
        s
    }
}

/// A Case field as `describe` reports it: what the start-up check compares a form with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DescribedField {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub length: u32,
    pub createable: bool,
}

/// What `describe` says of Case, as far as the check reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct CaseDescribe {
    pub fields: Vec<DescribedField>,
}

/// Every field of the forms the integration user cannot write: unknown on Case, not createable
/// (field-level security included), of a type that cannot hold the form's values, or shorter
/// than the form's longest value.
pub fn check_against_case(forms: &[FormDef], describe: &CaseDescribe) -> Vec<DefinitionError> {
    let mut errors = Vec::new();
    for form in forms {
        if form.case_type.is_some()
            && !describe
                .fields
                .iter()
                .any(|d| d.name == CASE_TYPE_FIELD && d.createable)
        {
            errors.push(DefinitionError::new(
                &form.name,
                None,
                "its case type needs Case.Type, which the integration user cannot create",
            ));
        }
        for field in &form.fields {
            let problem = match describe
                .fields
                .iter()
                .find(|d| d.name.eq_ignore_ascii_case(&field.api_field))
            {
                None => Some(format!("Case has no field {}", field.api_field)),
                Some(d) if !d.createable => Some(format!(
                    "Case.{} is not createable by the integration user",
                    d.name
                )),
                Some(d) if !field.kind.case_field_types().contains(&d.kind.as_str()) => {
                    Some(format!(
                        "Case.{} is a {} field, which cannot hold a {} value",
                        d.name,
                        d.kind,
                        field.kind.as_str()
                    ))
                }
                Some(d)
                    if field.kind.has_length()
                        && d.length > 0
                        && field.max_length.is_some_and(|n| n > d.length) =>
                {
                    Some(format!(
                        "Case.{} holds {} characters, the form allows {}",
                        d.name,
                        d.length,
                        field.max_length.unwrap_or_default()
                    ))
                }
                Some(_) => None,
            };
            if let Some(reason) = problem {
                errors.push(DefinitionError::new(&form.name, Some(&field.name), reason));
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, kind: &str, required: bool) -> FormFieldRecord {
        FormFieldRecord {
            developer_name: format!("F_{name}"),
            form: "F".into(),
            name: name.into(),
            label: name.into(),
            api_field: format!("{name}__c"),
            kind: kind.into(),
            required,
            min: None,
            max: None,
            max_length: None,
            pattern: None,
            options: None,
            help: None,
            order: None,
            visible_when_field: None,
            visible_when_value: None,
        }
    }

    fn form_record() -> FormRecord {
        FormRecord {
            developer_name: "F".into(),
            label: "F".into(),
            case_type: None,
            description: None,
            active: true,
            order: Some(1.0),
        }
    }

    #[test]
    fn a_conditional_required_field_is_required_only_while_shown() {
        let mut phone = record("Phone", "text", true);
        phone.visible_when_field = Some("Call".into());
        phone.visible_when_value = Some("true".into());
        let forms = forms_from_records(
            &[form_record()],
            &[record("Call", "checkbox", false), phone],
        )
        .unwrap();
        let form = &forms[0];
        let validator = form.validator().unwrap();
        let values = |v: Value| v.as_object().unwrap().clone();
        assert!(
            form.refusals(&validator, &values(json!({"Call": false})))
                .is_empty()
        );
        assert_eq!(
            form.refusals(&validator, &values(json!({"Call": true}))),
            vec![("Phone".to_owned(), Refusal::Required)]
        );
        // Hidden: its value is neither checked nor written.
        let hidden = values(json!({"Call": false, "Phone": 5}));
        assert!(form.refusals(&validator, &hidden).is_empty());
        assert_eq!(
            form.case_values(&hidden).keys().collect::<Vec<_>>(),
            vec!["Call__c"]
        );
    }

    #[test]
    fn bad_definitions_are_named() {
        let mut cond = record("B", "text", false);
        cond.visible_when_field = Some("Nope".into());
        cond.visible_when_value = Some("x".into());
        let errors = forms_from_records(
            &[form_record()],
            &[
                record("A", "colour", false),
                cond,
                record("C", "picklist", true),
            ],
        )
        .unwrap_err();
        let reasons: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons[0].contains("field A: unknown type"), "{reasons:?}");
        assert!(reasons[1].contains("field C: a picklist needs options"));
        assert!(reasons[2].contains("field B: visible_when names Nope"));
    }

    #[test]
    fn the_check_against_case_names_each_unwritable_field() {
        let forms = forms_from_records(
            &[form_record()],
            &[
                record("A", "number", false),
                {
                    let mut r = record("CaseNumber", "text", false);
                    r.api_field = "CaseNumber".into();
                    r
                },
                record("Gone", "text", false),
            ],
        )
        .unwrap();
        let describe: CaseDescribe = serde_json::from_value(json!({"fields": [
            {"name": "A__c", "type": "string", "length": 40, "createable": true},
            {"name": "CaseNumber", "type": "string", "length": 30, "createable": false},
        ]}))
        .unwrap();
        let errors: Vec<String> = check_against_case(&forms, &describe)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errors,
            vec![
                "form F, field A: Case.A__c is a string field, which cannot hold a number value",
                "form F, field CaseNumber: Case.CaseNumber is not createable by the integration user",
                "form F, field Gone: Case has no field Gone__c",
            ]
        );
    }
}
