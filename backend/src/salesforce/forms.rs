//! The dynamic forms' port (issue 15, decision 029): the form definitions kept in Salesforce
//! Custom Metadata, and what Case's describe says of the fields they write. A port of its own
//! beside [`super::SalesforcePort`], like the product extension's.

use async_trait::async_trait;

use super::PortResult;
use crate::domain::forms::{CaseDescribe, FormFieldRecord, FormRecord};

/// The Custom Metadata types the forms are read from.
pub const FORM_OBJECT: &str = "Portal_Form__mdt";
pub const FORM_FIELD_OBJECT: &str = "Portal_Form_Field__mdt";

/// Every form record and every form field record, as the org holds them (active or not).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormRecords {
    pub forms: Vec<FormRecord>,
    pub fields: Vec<FormFieldRecord>,
}

#[async_trait]
pub trait FormPort: Send + Sync + 'static {
    /// The metadata records of every form and form field.
    async fn form_records(&self) -> PortResult<FormRecords>;

    /// What the integration user may write on Case: its describe.
    async fn case_describe(&self) -> PortResult<CaseDescribe>;
}
