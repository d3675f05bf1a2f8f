//! Ranking recommendations by explainable rules (issue 15, decision 022): every product
//! offered has at least one reason, each a stable code and a sentence, and its score is the
//! sum of its reasons' points, so the order can always be explained.
//!
//! Three kinds of reason, all from configuration (`[products]`):
//! - `owns_related`: the customer owns X and a rule says "owns X -> suggest Y";
//! - `same_family`: the customer owns other products of the product's family;
//! - `popular_with_similar`: at least `min_similar_accounts` other customers who own one of
//!   the customer's products own it (a count below that would say what one customer owns).

use std::collections::{HashMap, HashSet};

use salesforce_client::SalesforceId;

use crate::config::ProductsConfig;
use crate::salesforce::products::{Holding, ProductRecord};

/// Why a product is recommended: a stable machine code, the sentence the customer reads, and
/// what it adds to the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReasonCode {
    OwnsRelated,
    SameFamily,
    PopularWithSimilar,
}

impl ReasonCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OwnsRelated => "owns_related",
            Self::SameFamily => "same_family",
            Self::PopularWithSimilar => "popular_with_similar",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub code: ReasonCode,
    pub message: String,
    pub points: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    pub product: ProductRecord,
    pub score: u32,
    /// Strongest first; never empty.
    pub reasons: Vec<Reason>,
}

/// What the ranking needs to know of the customer.
pub struct Customer<'a> {
    pub account: &'a SalesforceId,
    /// The products the customer owns (whether or not in the catalog).
    pub owned: &'a [ProductRecord],
    /// Products the customer dismissed: never offered.
    pub dismissed: &'a HashSet<SalesforceId>,
}

/// Every catalog product the customer does not own and has not dismissed, with at least one
/// reason, best first (by score, then name, then id), at most `config.max_recommendations`.
pub fn rank(
    config: &ProductsConfig,
    catalog: &[ProductRecord],
    holdings: &[Holding],
    customer: &Customer<'_>,
) -> Vec<Recommendation> {
    let owned_ids: HashSet<&SalesforceId> = customer.owned.iter().map(|p| &p.id).collect();
    let owned_codes: HashMap<&str, &ProductRecord> = customer
        .owned
        .iter()
        .filter_map(|p| Some((p.product_code.as_deref()?, p)))
        .collect();
    let owned_families: HashSet<&str> = customer
        .owned
        .iter()
        .filter_map(|p| p.family.as_deref())
        .collect();
    let similar = similar_counts(holdings, customer.account, &owned_ids);

    let mut ranked: Vec<Recommendation> = catalog
        .iter()
        .filter(|p| !owned_ids.contains(&p.id) && !customer.dismissed.contains(&p.id))
        .filter_map(|product| {
            let mut reasons = Vec::new();
            if let Some(code) = product.product_code.as_deref() {
                for rule in config.rules.iter().filter(|r| r.suggest == code) {
                    if let Some(owned) = owned_codes.get(rule.owns.as_str()) {
                        reasons.push(Reason {
                            code: ReasonCode::OwnsRelated,
                            message: format!("You own {}. {}", owned.name, rule.reason),
                            points: rule.weight,
                        });
                    }
                }
            }
            if config.family_weight > 0
                && let Some(family) = product.family.as_deref()
                && owned_families.contains(family)
            {
                reasons.push(Reason {
                    code: ReasonCode::SameFamily,
                    message: format!("You already use other {family} products."),
                    points: config.family_weight,
                });
            }
            let count = similar.get(&product.id).copied().unwrap_or(0);
            if config.popularity_weight > 0 && count >= config.min_similar_accounts as usize {
                reasons.push(Reason {
                    code: ReasonCode::PopularWithSimilar,
                    message: format!("{count} customers with products like yours also use it."),
                    points: config.popularity_weight,
                });
            }
            if reasons.is_empty() {
                return None;
            }
            // Strongest first; a stable order among equals (the configured order of rules).
            reasons.sort_by_key(|r| std::cmp::Reverse(r.points));
            Some(Recommendation {
                product: product.clone(),
                score: reasons.iter().map(|r| r.points).sum(),
                reasons,
            })
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| {
                a.product
                    .name
                    .to_lowercase()
                    .cmp(&b.product.name.to_lowercase())
            })
            .then_with(|| a.product.id.cmp(&b.product.id))
    });
    ranked.truncate(config.max_recommendations as usize);
    ranked
}

/// For each product, how many other accounts that share at least one product with the
/// customer own it.
fn similar_counts(
    holdings: &[Holding],
    account: &SalesforceId,
    owned: &HashSet<&SalesforceId>,
) -> HashMap<SalesforceId, usize> {
    let mut by_account: HashMap<&SalesforceId, HashSet<&SalesforceId>> = HashMap::new();
    for h in holdings.iter().filter(|h| &h.account_id != account) {
        by_account
            .entry(&h.account_id)
            .or_default()
            .insert(&h.product_id);
    }
    let mut counts: HashMap<SalesforceId, usize> = HashMap::new();
    for products in by_account.values() {
        if products.iter().any(|p| owned.contains(p)) {
            for product in products {
                *counts.entry((*product).clone()).or_insert(0) += 1;
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(prefix: &str, n: u32) -> SalesforceId {
        SalesforceId::parse(&format!("{prefix}Dn0000000{n:03}")).unwrap()
    }

    fn product(n: u32, code: &str, family: &str) -> ProductRecord {
        ProductRecord {
            id: id("01t", n),
            name: format!("Product {code}"),
            product_code: Some(code.into()),
            family: Some(family.into()),
            description: None,
        }
    }

    fn holding(account: u32, product: u32) -> Holding {
        Holding {
            account_id: id("001", account),
            product_id: id("01t", product),
        }
    }

    #[test]
    fn rules_family_and_popularity_add_up_and_explain_the_order() {
        let gw = product(1, "GW-100", "Hardware");
        let basic = product(2, "CLD-BASIC", "Software");
        let pro = product(3, "CLD-PRO", "Software");
        let sensor = product(4, "SEN-20", "Hardware");
        let other = product(5, "ZZZ", "Services");
        let unrelated = product(6, "AAA", "Services");
        let catalog = [
            gw.clone(),
            basic.clone(),
            pro.clone(),
            sensor.clone(),
            other,
            unrelated,
        ];
        let me = id("001", 1);
        // Two similar accounts (they own GW-100) own CLD-PRO; one owns the sensor; an
        // account that shares nothing owns product 6.
        let holdings = [
            holding(1, 1),
            holding(2, 1),
            holding(2, 3),
            holding(3, 1),
            holding(3, 3),
            holding(3, 4),
            holding(4, 6),
            holding(5, 6),
        ];
        let config = ProductsConfig {
            max_recommendations: 5,
            ..ProductsConfig::default()
        };
        let owned = [gw, basic];
        let dismissed = HashSet::new();
        let ranked = rank(
            &config,
            &catalog,
            &holdings,
            &Customer {
                account: &me,
                owned: &owned,
                dismissed: &dismissed,
            },
        );
        let codes: Vec<_> = ranked
            .iter()
            .map(|r| r.product.product_code.clone().unwrap())
            .collect();
        assert_eq!(codes, ["CLD-PRO", "SEN-20"], "{ranked:#?}");
        let pro_reasons: Vec<_> = ranked[0].reasons.iter().map(|r| r.code).collect();
        assert_eq!(
            pro_reasons,
            [
                ReasonCode::OwnsRelated,
                ReasonCode::OwnsRelated,
                ReasonCode::SameFamily,
                ReasonCode::PopularWithSimilar
            ]
        );
        assert_eq!(ranked[0].score, 60 + 50 + 10 + 10);
        assert!(
            ranked[0].reasons[0]
                .message
                .starts_with("You own Product CLD-BASIC.")
        );
        // One similar owner is not enough to count (it would reveal that customer).
        assert_eq!(ranked[1].score, 40 + 10);

        // Dismissed products are never offered; the limit holds.
        let dismissed: HashSet<_> = [pro.id.clone()].into();
        let ranked = rank(
            &ProductsConfig {
                max_recommendations: 1,
                ..config.clone()
            },
            &catalog,
            &holdings,
            &Customer {
                account: &me,
                owned: &owned,
                dismissed: &dismissed,
            },
        );
        assert_eq!(ranked.len(), 1);
        assert_eq!(ranked[0].product.id, sensor.id);
    }

    #[test]
    fn a_customer_with_nothing_gets_nothing_unexplained() {
        let catalog = [product(1, "GW-100", "Hardware")];
        let me = id("001", 1);
        let ranked = rank(
            &ProductsConfig::default(),
            &catalog,
            &[holding(2, 1), holding(3, 1)],
            &Customer {
                account: &me,
                owned: &[],
                dismissed: &HashSet::new(),
            },
        );
        assert!(ranked.is_empty(), "{ranked:?}");
    }
}
