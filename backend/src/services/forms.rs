//! Dynamic case forms (issue 15, decision 029): the forms of Salesforce Custom Metadata, each
//! checked against what the integration user may write on Case and compiled once into its JSON
//! Schema validator, kept for `forms.cache_ttl_secs`.
//!
//! The check runs before the portal serves (`portal serve` and `portal check-config` fail on a
//! form that names a field it cannot write), and again whenever the cache is refreshed: a form
//! changed in the org to one that cannot be written is logged and the forms in use are kept,
//! so a customer's submit never meets it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use serde_json::{Map, Value};
use tokio::sync::{Mutex, RwLock};

use crate::config::FormsConfig;
use crate::domain::forms::{self, DefinitionError, FormDef};
use crate::error::{ApiError, ApiResult, FieldError, Resource};
use crate::salesforce::PortError;
use crate::salesforce::forms::FormPort;
use crate::services::cases::FormValues;

/// A form with its compiled validator.
pub struct CompiledForm {
    pub def: FormDef,
    validator: jsonschema::Validator,
}

impl CompiledForm {
    /// One field error per refused field, named `fields.<name>`, in the form's order.
    pub fn validate(&self, values: &Map<String, Value>) -> Vec<FieldError> {
        self.def
            .refusals(&self.validator, values)
            .into_iter()
            .map(|(name, refusal)| {
                FieldError::new(format!("fields.{name}"), self.def.message(&name, refusal))
            })
            .collect()
    }
}

/// The forms in use, in their order.
pub struct Catalog {
    pub forms: Vec<Arc<CompiledForm>>,
}

impl Catalog {
    pub fn get(&self, name: &str) -> Option<Arc<CompiledForm>> {
        self.forms.iter().find(|f| f.def.name == name).cloned()
    }
}

/// Why the forms cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the forms could not be read: {0}")]
    Port(#[from] PortError),
    #[error("{} form definition problem(s):\n  {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  "))]
    Definitions(Vec<DefinitionError>),
}

/// Reads, checks and compiles every active form.
pub async fn load(port: &dyn FormPort) -> Result<Catalog, LoadError> {
    let records = port.form_records().await?;
    let defs = forms::forms_from_records(&records.forms, &records.fields)
        .map_err(LoadError::Definitions)?;
    if !defs.is_empty() {
        let describe = port.case_describe().await?;
        let errors = forms::check_against_case(&defs, &describe);
        if !errors.is_empty() {
            return Err(LoadError::Definitions(errors));
        }
    }
    let mut compiled = Vec::with_capacity(defs.len());
    for def in defs {
        let validator = def.validator().map_err(|reason| {
            LoadError::Definitions(vec![DefinitionError {
                form: def.name.clone(),
                field: None,
                reason,
            }])
        })?;
        compiled.push(Arc::new(CompiledForm { def, validator }));
    }
    Ok(Catalog { forms: compiled })
}

/// How soon forms that could not be read at start-up (Salesforce unreachable) are tried again.
const RETRY_UNREAD: Duration = Duration::from_secs(30);

struct Current {
    catalog: Arc<Catalog>,
    /// When the forms are read again.
    refresh_at: Instant,
    /// Whether they were ever read (and checked).
    read: bool,
}

pub struct FormService {
    port: Arc<dyn FormPort>,
    ttl: Duration,
    current: RwLock<Current>,
    /// One refresh at a time; the others keep answering from `current`.
    refreshing: Mutex<()>,
}

impl FormService {
    /// Loads and checks the forms. A form naming a Case field the portal cannot write stops
    /// the portal from starting. An org that cannot be reached does not (the portal starts
    /// degraded, as for every other read): it offers no form until they have been read and
    /// checked, tried again on a request after [`RETRY_UNREAD`].
    /// `startup` is what the first read goes through (in Salesforce mode: once, outside the
    /// org's circuit); `port` every later one.
    pub async fn start(
        port: Arc<dyn FormPort>,
        startup: &dyn FormPort,
        config: &FormsConfig,
    ) -> anyhow::Result<Self> {
        let ttl = Duration::from_secs(config.cache_ttl_secs);
        let current = match load(startup).await {
            Ok(catalog) => {
                tracing::info!(forms = catalog.forms.len(), "dynamic case forms loaded");
                Current {
                    catalog: Arc::new(catalog),
                    refresh_at: Instant::now() + ttl,
                    read: true,
                }
            }
            Err(LoadError::Port(err)) => {
                tracing::warn!(error = %err, "dynamic case forms could not be read at start-up; none is offered until they are");
                Current {
                    catalog: Arc::new(Catalog { forms: Vec::new() }),
                    refresh_at: Instant::now() + ttl.min(RETRY_UNREAD),
                    read: false,
                }
            }
            Err(err) => return Err(anyhow!("dynamic case forms: {err}")),
        };
        Ok(Self {
            port,
            ttl,
            current: RwLock::new(current),
            refreshing: Mutex::new(()),
        })
    }

    /// The forms in use, read and checked again once they are older than the TTL.
    pub async fn catalog(&self) -> Arc<Catalog> {
        {
            let current = self.current.read().await;
            if Instant::now() < current.refresh_at {
                return Arc::clone(&current.catalog);
            }
        }
        let Ok(_guard) = self.refreshing.try_lock() else {
            return Arc::clone(&self.current.read().await.catalog);
        };
        match load(self.port.as_ref()).await {
            Ok(catalog) => {
                let fresh = Arc::new(catalog);
                let mut current = self.current.write().await;
                *current = Current {
                    catalog: Arc::clone(&fresh),
                    refresh_at: Instant::now() + self.ttl,
                    read: true,
                };
                fresh
            }
            Err(err) => {
                // Kept: the forms checked before still work; tried again after another TTL
                // (sooner while none was ever read).
                tracing::error!(error = %err, "dynamic case forms could not be refreshed; keeping the forms in use");
                let mut current = self.current.write().await;
                let wait = if current.read {
                    self.ttl
                } else {
                    self.ttl.min(RETRY_UNREAD)
                };
                current.refresh_at = Instant::now() + wait;
                Arc::clone(&current.catalog)
            }
        }
    }

    /// A new case's `form` and `fields`, checked: the form's values by Case field, or every
    /// refused field (422). Fields without a form, or an unknown form, are refused too.
    pub async fn case_values(
        &self,
        form: Option<String>,
        fields: Option<Map<String, Value>>,
    ) -> ApiResult<Option<FormValues>> {
        let name = match (form, &fields) {
            (None, None) => return Ok(None),
            (None, Some(_)) => {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "fields",
                    "Choose a form for these fields.",
                )]));
            }
            (Some(name), _) => name,
        };
        let form = match self.form(&name).await {
            Ok(form) => form,
            Err(ApiError::NotFound(_)) => {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "form",
                    "No such form.",
                )]));
            }
            Err(err) => return Err(err),
        };
        let values = fields.unwrap_or_default();
        let errors = form.validate(&values);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        Ok(Some(FormValues {
            case_values: form.def.case_values(&values),
            form: name,
        }))
    }

    /// The form, or "not found" (an inactive or unknown form alike).
    pub async fn form(&self, name: &str) -> ApiResult<Arc<CompiledForm>> {
        if !forms::is_name(name) {
            return Err(ApiError::NotFound(Resource::Form));
        }
        self.catalog()
            .await
            .get(name)
            .ok_or(ApiError::NotFound(Resource::Form))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex as StdMutex;

    use async_trait::async_trait;
    use serde_json::json;

    use super::*;
    use crate::domain::forms::CaseDescribe;
    use crate::salesforce::PortResult;
    use crate::salesforce::forms::FormRecords;

    /// Metadata an admin changes between reads, in an org that may be unreachable.
    struct Org {
        records: StdMutex<FormRecords>,
        down: std::sync::atomic::AtomicBool,
    }

    #[async_trait]
    impl FormPort for Org {
        async fn form_records(&self) -> PortResult<FormRecords> {
            if self.down.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(PortError::Unavailable(anyhow!("connection refused")));
            }
            Ok(self.records.lock().unwrap().clone())
        }

        async fn case_describe(&self) -> PortResult<CaseDescribe> {
            Ok(serde_json::from_value(json!({"fields": [
                {"name": "Type", "type": "picklist", "length": 255, "createable": true},
                {"name": "Serial__c", "type": "string", "length": 40, "createable": true},
                {"name": "Asset__c", "type": "string", "length": 40, "createable": true},
                {"name": "CaseNumber", "type": "string", "length": 30, "createable": false},
            ]}))
            .unwrap())
        }
    }

    fn records(api_field: &str, label: &str) -> FormRecords {
        serde_json::from_value(json!({
            "forms": [{"DeveloperName": "Fault", "MasterLabel": label, "Active__c": true}],
            "fields": [{"DeveloperName": "Fault_Serial", "Form__c": "Fault", "Field_Name__c": "Serial",
                        "Label__c": "Serial", "Api_Field__c": api_field, "Type__c": "text",
                        "Max_Length__c": 40}],
        }))
        .unwrap()
    }

    impl<'de> serde::Deserialize<'de> for FormRecords {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            #[derive(serde::Deserialize)]
            struct Raw {
                forms: Vec<crate::domain::forms::FormRecord>,
                fields: Vec<crate::domain::forms::FormFieldRecord>,
            }
            let raw = Raw::deserialize(d)?;
            Ok(Self {
                forms: raw.forms,
                fields: raw.fields,
            })
        }
    }

    #[tokio::test]
    async fn a_refresh_that_fails_the_check_keeps_the_forms_in_use() {
        let org = Arc::new(Org {
            records: StdMutex::new(records("Serial__c", "Fault")),
            down: false.into(),
        });
        // Read again on every request.
        let config = FormsConfig { cache_ttl_secs: 0 };
        let service = FormService::start(org.clone(), org.as_ref(), &config)
            .await
            .unwrap();
        assert_eq!(service.catalog().await.forms[0].def.label, "Fault");

        // Changed to a field the portal cannot write: logged, the checked form stays.
        *org.records.lock().unwrap() = records("CaseNumber", "Broken");
        let kept = service.catalog().await;
        assert_eq!(kept.forms[0].def.label, "Fault");
        assert_eq!(kept.forms[0].def.fields[0].api_field, "Serial__c");

        // Changed to a writable one: used from the next read on.
        *org.records.lock().unwrap() = records("Asset__c", "Fault, revised");
        let fresh = service.catalog().await;
        assert_eq!(fresh.forms[0].def.label, "Fault, revised");
        assert_eq!(fresh.forms[0].def.fields[0].api_field, "Asset__c");

        // A start on the broken definition fails, naming it.
        *org.records.lock().unwrap() = records("CaseNumber", "Broken");
        let err = FormService::start(org.clone(), org.as_ref(), &config)
            .await
            .err()
            .unwrap();
        assert!(
            err.to_string()
                .contains("form Fault, field Serial: Case.CaseNumber is not createable"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn an_org_unreachable_at_start_up_offers_no_form_until_it_answers() {
        let org = Arc::new(Org {
            records: StdMutex::new(records("Serial__c", "Fault")),
            down: true.into(),
        });
        let config = FormsConfig { cache_ttl_secs: 0 };
        let service = FormService::start(org.clone(), org.as_ref(), &config)
            .await
            .expect("the portal starts, degraded");
        assert!(service.catalog().await.forms.is_empty());
        assert!(matches!(
            service.form("Fault").await,
            Err(ApiError::NotFound(Resource::Form))
        ));
        org.down.store(false, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(service.catalog().await.forms[0].def.name, "Fault");
    }
}
