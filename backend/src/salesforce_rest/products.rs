//! The product extension on a real org (issue 15, decisions 022 and 023): the catalog from
//! PricebookEntry and Product2, assets from Asset, a customer's interest as an Opportunity or
//! a Lead upserted by the portal's external id, and dismissed recommendations in the custom
//! object `Portal_Recommendation_Dismissal__c`, upserted by `Portal_Dismissal_Key__c`.
//!
//! Every query about one customer filters by the session's account in SOQL itself; every
//! literal goes through `salesforce_client::soql` quoting. Field names from configuration
//! were checked at start-up (`config/products.rs`).

use std::sync::Arc;

use anyhow::anyhow;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use salesforce_client::QueryOptions;
use salesforce_client::soql::{id_literal, like_starts_with, quote_str};
use serde::Deserialize;

use super::{SalesforceRest, port_error};
use crate::config::{InterestRecordKind, ProductsConfig};
use crate::salesforce::products::{
    AssetRecord, DismissalWrite, Holding, InterestOutcome, InterestRecord, MAX_ASSETS, MAX_CATALOG,
    MAX_HOLDINGS, NewInterest, ProductPort, ProductRecord,
};
use crate::salesforce::{PortError, PortResult, SalesforceId};

/// The custom object a dismissed recommendation is kept in, and its fields.
pub const DISMISSAL_OBJECT: &str = "Portal_Recommendation_Dismissal__c";
const DISMISSAL_KEY_FIELD: &str = "Portal_Dismissal_Key__c";

pub struct SalesforceProducts {
    rest: Arc<SalesforceRest>,
    config: ProductsConfig,
}

impl SalesforceProducts {
    pub fn new(rest: Arc<SalesforceRest>, config: ProductsConfig) -> Self {
        Self { rest, config }
    }

    fn interest_object(&self) -> &'static str {
        self.config.interest_record.sobject()
    }

    async fn interest_by_key(&self, key: &str) -> PortResult<Option<InterestRecord>> {
        let soql = format!(
            "SELECT Id, {field}, CreatedDate FROM {object} WHERE {field} = {} LIMIT 1",
            quote_str(key),
            field = self.config.interest_external_id_field,
            object = self.interest_object(),
        );
        let rows: Vec<serde_json::Value> = self.rest.query(&soql).await?;
        rows.into_iter()
            .next()
            .map(|row| self.interest_row(row))
            .transpose()
    }

    /// A Lead or Opportunity row as the interest queries select it; its product is the key's
    /// second half.
    fn interest_row(&self, row: serde_json::Value) -> PortResult<InterestRecord> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Row {
            id: SalesforceId,
            #[serde(with = "crate::salesforce::datetime")]
            created_date: DateTime<Utc>,
        }
        let key = row
            .get(&self.config.interest_external_id_field)
            .and_then(|v| v.as_str())
            .ok_or_else(|| PortError::Internal(anyhow!("an interest without its key")))?;
        let product_id = key
            .split_once(':')
            .and_then(|(_, product)| SalesforceId::parse(product).ok())
            .ok_or_else(|| {
                PortError::Internal(anyhow!("an interest key {key:?} without a product"))
            })?;
        let row: Row = serde_json::from_value(row).map_err(|e| PortError::Internal(e.into()))?;
        Ok(InterestRecord {
            id: row.id,
            product_id,
            created_date: row.created_date,
        })
    }

    fn interest_body(&self, interest: &NewInterest) -> serde_json::Value {
        let description = interest.description();
        match self.config.interest_record {
            InterestRecordKind::Opportunity => {
                let name: String = format!("{} - {}", interest.account_name, interest.product.name)
                    .chars()
                    .take(120)
                    .collect();
                let close = interest.today
                    + chrono::Days::new(u64::from(self.config.opportunity_close_days));
                serde_json::json!({
                    "Name": name,
                    "AccountId": interest.account_id.as_str(),
                    "StageName": self.config.opportunity_stage,
                    "CloseDate": close.format("%Y-%m-%d").to_string(),
                    "LeadSource": self.config.lead_source,
                    "Description": description,
                })
            }
            InterestRecordKind::Lead => {
                let last: String = interest.contact_name.chars().take(80).collect();
                let company: String = interest.account_name.chars().take(255).collect();
                serde_json::json!({
                    "LastName": last,
                    "Company": company,
                    "Email": interest.contact_email,
                    "Status": self.config.lead_status,
                    "LeadSource": self.config.lead_source,
                    "Description": description,
                })
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ProductFields {
    name: String,
    product_code: Option<String>,
    family: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EntryRow {
    product2_id: SalesforceId,
    product2: ProductFields,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AssetRow {
    id: SalesforceId,
    name: String,
    product2_id: Option<SalesforceId>,
    product2: Option<ProductFields>,
    serial_number: Option<String>,
    install_date: Option<NaiveDate>,
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HoldingRow {
    account_id: SalesforceId,
    product2_id: SalesforceId,
}

#[derive(Deserialize)]
struct DismissalRow {
    #[serde(rename = "Product__c")]
    product: SalesforceId,
}

#[async_trait]
impl ProductPort for SalesforceProducts {
    async fn catalog(&self) -> PortResult<Vec<ProductRecord>> {
        let book = match &self.config.pricebook_id {
            Some(id) => format!(
                "Pricebook2Id = {}",
                id_literal(&SalesforceId::parse(id).map_err(|e| PortError::Internal(e.into()))?)
            ),
            None => "Pricebook2.IsStandard = true".to_owned(),
        };
        let soql = format!(
            "SELECT Product2Id, Product2.Name, Product2.ProductCode, Product2.Family, \
             Product2.Description FROM PricebookEntry WHERE IsActive = true \
             AND Product2.IsActive = true AND Pricebook2.IsActive = true AND {book} \
             ORDER BY Product2Id LIMIT {MAX_CATALOG}"
        );
        let rows: Vec<EntryRow> = self.rest.query(&soql).await?;
        let mut catalog: Vec<ProductRecord> = rows
            .into_iter()
            .map(|row| ProductRecord {
                id: row.product2_id,
                name: row.product2.name,
                product_code: row.product2.product_code,
                family: row.product2.family,
                description: row.product2.description,
            })
            .collect();
        catalog.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        catalog.dedup_by(|a, b| a.id == b.id);
        Ok(catalog)
    }

    async fn assets(&self, account: &SalesforceId) -> PortResult<Vec<AssetRecord>> {
        let soql = format!(
            "SELECT Id, Name, Product2Id, Product2.Name, Product2.ProductCode, Product2.Family, \
             Product2.Description, SerialNumber, InstallDate, Status FROM Asset \
             WHERE AccountId = {} ORDER BY Id LIMIT {MAX_ASSETS}",
            id_literal(account)
        );
        let rows: Vec<AssetRow> = self.rest.query(&soql).await?;
        Ok(rows
            .into_iter()
            .map(|row| AssetRecord {
                id: row.id,
                name: row.name,
                product_id: row.product2_id,
                product_name: row.product2.as_ref().map(|p| p.name.clone()),
                product_code: row.product2.as_ref().and_then(|p| p.product_code.clone()),
                product_family: row.product2.and_then(|p| p.family),
                serial_number: row.serial_number,
                install_date: row.install_date,
                status: row.status,
            })
            .collect())
    }

    async fn holdings(&self) -> PortResult<Vec<Holding>> {
        let soql = format!(
            "SELECT AccountId, Product2Id FROM Asset WHERE AccountId != null \
             AND Product2Id != null ORDER BY Id LIMIT {MAX_HOLDINGS}"
        );
        let rows: Vec<HoldingRow> = self
            .rest
            .client()
            .query_all_pages(&soql, &QueryOptions::default())
            .await
            .map_err(port_error)?;
        Ok(rows
            .into_iter()
            .map(|row| Holding {
                account_id: row.account_id,
                product_id: row.product2_id,
            })
            .collect())
    }

    async fn interests(&self, account: &SalesforceId) -> PortResult<Vec<InterestRecord>> {
        let soql = format!(
            "SELECT Id, {field}, CreatedDate FROM {object} WHERE {field} LIKE {} \
             ORDER BY CreatedDate, Id LIMIT 2000",
            like_starts_with(&format!("{account}:")),
            field = self.config.interest_external_id_field,
            object = self.interest_object(),
        );
        let rows: Vec<serde_json::Value> = self.rest.query(&soql).await?;
        rows.into_iter().map(|row| self.interest_row(row)).collect()
    }

    /// Looks first, so an existing record (perhaps worked on by sales since) is returned
    /// untouched; only a missing one is upserted, which a concurrent request cannot
    /// duplicate either: the external id is unique.
    async fn register_interest(&self, interest: NewInterest) -> PortResult<InterestOutcome> {
        if let Some(existing) = self.interest_by_key(&interest.key).await? {
            return Ok(InterestOutcome {
                record: existing,
                created: false,
            });
        }
        let result = self
            .rest
            .client()
            .upsert(
                self.interest_object(),
                &self.config.interest_external_id_field,
                &interest.key,
                &self.interest_body(&interest),
            )
            .await
            .map_err(port_error)?;
        let record = self.interest_by_key(&interest.key).await?.ok_or_else(|| {
            PortError::Internal(anyhow!("interest {} not readable after upsert", result.id))
        })?;
        Ok(InterestOutcome {
            record,
            created: result.created,
        })
    }

    async fn dismissed(&self, account: &SalesforceId) -> PortResult<Vec<SalesforceId>> {
        let soql = format!(
            "SELECT Product__c FROM {DISMISSAL_OBJECT} WHERE Account__c = {} \
             AND Is_Dismissed__c = true ORDER BY Product__c LIMIT {MAX_CATALOG}",
            id_literal(account)
        );
        let rows: Vec<DismissalRow> = self.rest.query(&soql).await?;
        Ok(rows.into_iter().map(|r| r.product).collect())
    }

    /// An upsert by `<account>:<product>`: one row per customer and product, its flag set to
    /// the state asked for, so a repeat (or a retry whose answer was lost) changes nothing.
    async fn set_dismissed(&self, write: DismissalWrite) -> PortResult<()> {
        let key = NewInterest::key_of(&write.account_id, &write.product_id);
        let body = serde_json::json!({
            "Account__c": write.account_id.as_str(),
            "Product__c": write.product_id.as_str(),
            "Is_Dismissed__c": write.dismissed,
            "Dismissed_By__c": write.contact_id.as_str(),
        });
        self.rest
            .client()
            .upsert(DISMISSAL_OBJECT, DISMISSAL_KEY_FIELD, &key, &body)
            .await
            .map_err(port_error)?;
        Ok(())
    }
}
