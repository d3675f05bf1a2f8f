//! `[products]`: the catalog, the recommendation rules, and where a customer's interest and
//! dismissals are written (issue 15; decisions 022 and 023).

use serde::{Deserialize, Serialize};

/// The most recommendations a customer is shown at once.
pub const MAX_RECOMMENDATIONS: u32 = 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProductsConfig {
    /// The price book whose active entries are the portal's catalog (a Pricebook2 id); unset:
    /// the org's standard price book.
    pub pricebook_id: Option<String>,
    /// How many recommendations a customer is shown at most (1-20).
    pub max_recommendations: u32,
    /// What a customer's "I'm interested" creates in Salesforce: `opportunity` (on the
    /// customer's account) or `lead`.
    pub interest_record: InterestRecordKind,
    /// The unique external id text field on Lead and Opportunity the interest is upserted by:
    /// `<account id>:<product id>`, so one customer and product never make two.
    pub interest_external_id_field: String,
    /// StageName of a new Opportunity.
    pub opportunity_stage: String,
    /// CloseDate of a new Opportunity: this many days after the request.
    pub opportunity_close_days: u32,
    /// Status of a new Lead.
    pub lead_status: String,
    /// LeadSource of a new Lead or Opportunity.
    pub lead_source: String,
    /// How long the catalog and the accounts' product holdings (for "popular with similar
    /// customers") are reused before they are read again, in seconds.
    pub catalog_ttl_secs: u64,
    /// Points for a product of a family the customer already owns products of (0: off).
    pub family_weight: u32,
    /// Points for a product that at least `min_similar_accounts` other customers who own one
    /// of the customer's products also own (0: off).
    pub popularity_weight: u32,
    /// How many similar customers must own a product before popularity counts: a smaller
    /// number would tell one customer what another owns.
    pub min_similar_accounts: u32,
    /// "Owns X -> suggest Y" rules, by ProductCode.
    pub rules: Vec<ProductRule>,
    /// Interest and dismiss requests per customer (account).
    pub rate_limit: ProductRateLimit,
}

/// Interest and dismiss requests per customer: a sustained hourly rate and a burst.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProductRateLimit {
    pub per_hour: u32,
    pub burst: u32,
}

impl Default for ProductRateLimit {
    fn default() -> Self {
        Self {
            per_hour: 30,
            burst: 10,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InterestRecordKind {
    Lead,
    Opportunity,
}

impl InterestRecordKind {
    pub fn sobject(self) -> &'static str {
        match self {
            Self::Lead => "Lead",
            Self::Opportunity => "Opportunity",
        }
    }
}

/// A customer who owns `owns` is offered `suggest`, for `weight` points, with `reason` as the
/// sentence that says why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ProductRule {
    /// ProductCode of a product the customer owns.
    pub owns: String,
    /// ProductCode of the product to suggest.
    pub suggest: String,
    pub weight: u32,
    /// The human sentence shown with the recommendation.
    pub reason: String,
}

impl Default for ProductsConfig {
    fn default() -> Self {
        let rule = |owns: &str, suggest: &str, weight, reason: &str| ProductRule {
            owns: owns.into(),
            suggest: suggest.into(),
            weight,
            reason: reason.into(),
        };
        Self {
            pricebook_id: None,
            max_recommendations: 3,
            interest_record: InterestRecordKind::Opportunity,
            interest_external_id_field: "Portal_Interest_Key__c".into(),
            opportunity_stage: "Prospecting".into(),
            opportunity_close_days: 90,
            lead_status: "Open - Not Contacted".into(),
            lead_source: "Web".into(),
            catalog_ttl_secs: 300,
            family_weight: 10,
            popularity_weight: 10,
            min_similar_accounts: 2,
            rules: vec![
                rule(
                    "CLD-BASIC",
                    "CLD-PRO",
                    60,
                    "Upgrade your Cloud Monitoring Basic for alerts and longer history.",
                ),
                rule(
                    "GW-100",
                    "CLD-PRO",
                    50,
                    "Monitor your Gateway 100 fleet from one place.",
                ),
                rule(
                    "GW-100",
                    "SEN-20",
                    40,
                    "Your Gateway 100 reads vibration sensors without extra wiring.",
                ),
                rule(
                    "CLD-PRO",
                    "ANL-PACK",
                    50,
                    "Turn your Cloud Monitoring Pro data into reports.",
                ),
                rule(
                    "GW-200",
                    "SVC-TRAIN",
                    30,
                    "Get your operators up to speed on the Gateway 200.",
                ),
            ],
            rate_limit: ProductRateLimit::default(),
        }
    }
}

impl ProductsConfig {
    /// Checks every value but the external id field's name, which `Config::validate` checks
    /// with the other field names.
    pub fn validate(&self) -> Result<(), String> {
        let invalid = |msg: String| Err(msg);
        if !(1..=MAX_RECOMMENDATIONS).contains(&self.max_recommendations) {
            return invalid(format!(
                "products.max_recommendations must be 1 to {MAX_RECOMMENDATIONS}"
            ));
        }
        if let Some(id) = &self.pricebook_id
            && salesforce_client::SalesforceId::parse(id).is_err()
        {
            return invalid(format!(
                "products.pricebook_id {id:?} is not a Salesforce id (leave it unset for the standard price book)"
            ));
        }
        for (name, value) in [
            ("products.opportunity_stage", &self.opportunity_stage),
            ("products.lead_status", &self.lead_status),
            ("products.lead_source", &self.lead_source),
        ] {
            if value.trim().is_empty() || value.len() > 255 {
                return invalid(format!(
                    "{name} must be a picklist value of 1-255 characters"
                ));
            }
        }
        if self.opportunity_close_days == 0 || self.opportunity_close_days > 3_650 {
            return invalid("products.opportunity_close_days must be 1 to 3650".into());
        }
        if self.catalog_ttl_secs == 0 || self.catalog_ttl_secs > 86_400 {
            return invalid("products.catalog_ttl_secs must be 1 to 86400".into());
        }
        if self.min_similar_accounts < 2 {
            return invalid(
                "products.min_similar_accounts must be at least 2 (one would tell a customer what another owns)"
                    .into(),
            );
        }
        for rule in &self.rules {
            if rule.owns.trim().is_empty() || rule.suggest.trim().is_empty() {
                return invalid("products.rules: owns and suggest must be ProductCodes".into());
            }
            if rule.owns == rule.suggest {
                return invalid(format!(
                    "products.rules: {} cannot suggest itself",
                    rule.owns
                ));
            }
            if rule.weight == 0 {
                return invalid(format!(
                    "products.rules: the rule {} -> {} needs a weight of at least 1",
                    rule.owns, rule.suggest
                ));
            }
            if rule.reason.trim().is_empty() || rule.reason.chars().count() > 200 {
                return invalid(format!(
                    "products.rules: the rule {} -> {} needs a reason of 1-200 characters",
                    rule.owns, rule.suggest
                ));
            }
        }
        if self.rate_limit.per_hour == 0 || self.rate_limit.burst == 0 {
            return invalid(
                "products.rate_limit.per_hour and products.rate_limit.burst must be at least 1"
                    .into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        ProductsConfig::default().validate().unwrap();
        let bad = |change: fn(&mut ProductsConfig), needle: &str| {
            let mut config = ProductsConfig::default();
            change(&mut config);
            let err = config.validate().unwrap_err();
            assert!(err.contains(needle), "{err}");
        };
        bad(|c| c.max_recommendations = 0, "max_recommendations");
        bad(|c| c.pricebook_id = Some("nope".into()), "pricebook_id");
        bad(|c| c.min_similar_accounts = 1, "min_similar_accounts");
        bad(|c| c.rules[0].suggest = c.rules[0].owns.clone(), "itself");
        bad(|c| c.rules[0].weight = 0, "weight");
    }
}
