//! The dynamic forms in the mock store: the Custom Metadata records from the fixtures
//! (`Portal_Form__mdt.json`, `Portal_Form_Field__mdt.json`, the files the emulator is seeded
//! with) and Case's describe from its snapshot (`describe/Case.json`). Read once at start-up:
//! metadata does not change while the portal runs.

use std::path::Path;

use anyhow::Context;
use async_trait::async_trait;
use serde::de::DeserializeOwned;

use crate::domain::forms::CaseDescribe;
use crate::salesforce::PortResult;
use crate::salesforce::forms::{FORM_FIELD_OBJECT, FORM_OBJECT, FormPort, FormRecords};

pub struct MockForms {
    records: FormRecords,
    describe: CaseDescribe,
}

impl MockForms {
    /// Reads the fixtures of `dir`. A fixtures folder without forms has none; one without the
    /// describe snapshot cannot check forms, so it is refused when it has any.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        let records = FormRecords {
            forms: read_or_empty(&dir.join(format!("{FORM_OBJECT}.json")))?,
            fields: read_or_empty(&dir.join(format!("{FORM_FIELD_OBJECT}.json")))?,
        };
        let snapshot = dir.join("describe").join("Case.json");
        let describe = if snapshot.exists() {
            read(&snapshot)?
        } else if records.forms.is_empty() {
            CaseDescribe { fields: Vec::new() }
        } else {
            anyhow::bail!(
                "{} is missing: the forms cannot be checked against Case",
                snapshot.display()
            );
        };
        Ok(Self { records, describe })
    }
}

fn read<T: DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn read_or_empty<T: DeserializeOwned>(path: &Path) -> anyhow::Result<Vec<T>> {
    if path.exists() {
        read(path)
    } else {
        Ok(Vec::new())
    }
}

#[async_trait]
impl FormPort for MockForms {
    async fn form_records(&self) -> PortResult<FormRecords> {
        Ok(self.records.clone())
    }

    async fn case_describe(&self) -> PortResult<CaseDescribe> {
        Ok(self.describe.clone())
    }
}
