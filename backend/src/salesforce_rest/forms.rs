//! The dynamic forms on a real org (decision 029): the two Custom Metadata types read with
//! plain SOQL, and Case's describe. Queries on `__mdt` types allow no `OR`, `NOT`, `LIMIT` or
//! `COUNT()`, so both are whole-table reads (a few dozen rows) filtered and ordered in Rust
//! (`domain::forms::forms_from_records`). Through the org's resilience: timeouts, retries and
//! the shared circuit.

use std::sync::Arc;

use async_trait::async_trait;
use salesforce_client::QueryOptions;

use super::resilience::{Kind, ResilientPort};
use super::{SalesforceRest, port_error};
use crate::domain::forms::CaseDescribe;
use crate::salesforce::PortResult;
use crate::salesforce::forms::{FORM_FIELD_OBJECT, FORM_OBJECT, FormPort, FormRecords};

const FORM_FIELDS: &str =
    "DeveloperName, MasterLabel, Case_Type__c, Description__c, Active__c, Order__c";
const FIELD_FIELDS: &str = "DeveloperName, Form__c, Field_Name__c, Label__c, Api_Field__c, Type__c, \
     Required__c, Min__c, Max__c, Max_Length__c, Pattern__c, Options__c, Help_Text__c, Order__c, \
     Visible_When_Field__c, Visible_When_Value__c";

/// The SOQL of the form records.
pub fn forms_soql() -> String {
    format!("SELECT {FORM_FIELDS} FROM {FORM_OBJECT}")
}

/// The SOQL of the form field records.
pub fn fields_soql() -> String {
    format!("SELECT {FIELD_FIELDS} FROM {FORM_FIELD_OBJECT}")
}

pub struct SalesforceForms {
    rest: Arc<SalesforceRest>,
    /// None: each call made once, outside the org's circuit (the start-up check, which must
    /// not open the breaker before any customer has asked anything).
    resilience: Option<Arc<ResilientPort>>,
}

impl SalesforceForms {
    pub fn new(rest: Arc<SalesforceRest>, resilience: Arc<ResilientPort>) -> Self {
        Self {
            rest,
            resilience: Some(resilience),
        }
    }

    /// Calls made once each, not through the org's resilience.
    pub fn direct(rest: Arc<SalesforceRest>) -> Self {
        Self {
            rest,
            resilience: None,
        }
    }

    async fn read<T, F, Fut>(&self, operation: &'static str, attempt: F) -> PortResult<T>
    where
        F: Fn() -> Fut + Send + Sync,
        Fut: std::future::Future<Output = PortResult<T>> + Send,
    {
        match &self.resilience {
            Some(resilience) => resilience.call(operation, Kind::Read, attempt).await,
            None => attempt().await,
        }
    }

    async fn all<T: serde::de::DeserializeOwned>(&self, soql: &str) -> PortResult<Vec<T>> {
        self.rest
            .client
            .query_all_pages(soql, &QueryOptions::default())
            .await
            .map_err(port_error)
    }
}

#[async_trait]
impl FormPort for SalesforceForms {
    async fn form_records(&self) -> PortResult<FormRecords> {
        let (forms_soql, fields_soql) = (forms_soql(), fields_soql());
        let forms = self.read("form_metadata", || self.all(&forms_soql)).await?;
        let fields = self
            .read("form_field_metadata", || self.all(&fields_soql))
            .await?;
        Ok(FormRecords { forms, fields })
    }

    async fn case_describe(&self) -> PortResult<CaseDescribe> {
        self.read("case_describe", || async {
            self.rest
                .client
                .describe::<CaseDescribe>("Case")
                .await
                .map_err(port_error)
        })
        .await
    }
}
