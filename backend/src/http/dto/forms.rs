//! Dynamic case forms: responses (issue 15, decision 029).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::forms::{FieldKind, FormDef};

/// A form a case can be opened with.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FormSummary {
    /// The form's name (its Custom Metadata DeveloperName): what `POST .../cases` takes as `form`.
    #[schema(example = "Hardware_Fault")]
    pub name: String,
    #[schema(example = "Hardware fault")]
    pub label: String,
    /// The Case Type a case opened with the form gets.
    #[schema(example = "Problem")]
    pub case_type: Option<String>,
    pub description: Option<String>,
}

impl From<&FormDef> for FormSummary {
    fn from(f: &FormDef) -> Self {
        Self {
            name: f.name.clone(),
            label: f.label.clone(),
            case_type: f.case_type.clone(),
            description: f.description.clone(),
        }
    }
}

/// The forms, in the order to offer them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FormList {
    pub items: Vec<FormSummary>,
}

/// How a field is entered.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Widget {
    Text,
    Textarea,
    Number,
    Date,
    Picklist,
    Checkbox,
    Email,
}

impl From<FieldKind> for Widget {
    fn from(k: FieldKind) -> Self {
        match k {
            FieldKind::Text => Self::Text,
            FieldKind::Textarea => Self::Textarea,
            FieldKind::Number => Self::Number,
            FieldKind::Date => Self::Date,
            FieldKind::Picklist => Self::Picklist,
            FieldKind::Checkbox => Self::Checkbox,
            FieldKind::Email => Self::Email,
        }
    }
}

/// A picklist's choice.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FieldOption {
    pub value: String,
    pub label: String,
}

/// Show the field only while `field` equals `equals` (a hidden field's value is ignored).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VisibleWhen {
    pub field: String,
    pub equals: ConditionValue,
}

/// A value of the other field, of its type: text (a picklist's value), a number, or a
/// checkbox's `true`/`false`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ConditionValue {
    Flag(bool),
    Number(f64),
    Text(String),
}

impl ConditionValue {
    fn of(value: &Value) -> Self {
        match value {
            Value::Bool(b) => Self::Flag(*b),
            Value::Number(n) => Self::Number(n.as_f64().unwrap_or_default()),
            Value::String(s) => Self::Text(s.clone()),
            other => Self::Text(other.to_string()),
        }
    }
}

/// How to render one field.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FieldHint {
    pub label: String,
    pub widget: Widget,
    pub help: Option<String>,
    /// A picklist's choices, in order (empty for other widgets).
    pub options: Vec<FieldOption>,
    pub visible_when: Option<VisibleWhen>,
}

/// The UI hints of a form: its fields' order and how to render each.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FormUi {
    pub order: Vec<String>,
    pub fields: BTreeMap<String, FieldHint>,
}

/// A form: its JSON Schema (2020-12), which `POST .../cases` checks `fields` against, and how
/// to render it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FormDetail {
    #[serde(flatten)]
    pub summary: FormSummary,
    /// A JSON Schema 2020-12 document (`$schema` says so) of the form's `fields` object.
    #[schema(value_type = std::collections::HashMap<String, Value>)]
    pub schema: Value,
    pub ui: FormUi,
}

impl From<&FormDef> for FormDetail {
    fn from(f: &FormDef) -> Self {
        Self {
            summary: FormSummary::from(f),
            schema: f.schema(),
            ui: FormUi {
                order: f.fields.iter().map(|x| x.name.clone()).collect(),
                fields: f
                    .fields
                    .iter()
                    .map(|x| {
                        (
                            x.name.clone(),
                            FieldHint {
                                label: x.label.clone(),
                                widget: x.kind.into(),
                                help: x.help.clone(),
                                options: x
                                    .options
                                    .iter()
                                    .map(|o| FieldOption {
                                        value: o.value.clone(),
                                        label: o.label.clone(),
                                    })
                                    .collect(),
                                visible_when: x.visible_when.as_ref().map(|w| VisibleWhen {
                                    field: w.field.clone(),
                                    equals: ConditionValue::of(&w.equals),
                                }),
                            },
                        )
                    })
                    .collect(),
            },
        }
    }
}
