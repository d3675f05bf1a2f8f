//! "My products" and recommendations: responses (issue 15).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::salesforce::products::{AssetRecord, ProductRecord};
use crate::services::products::{Recommendations, Recommended, Registered};
use crate::services::recommendation::{Reason, ReasonCode};

/// A product of the portal's catalog.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Product {
    /// The Product2 id.
    #[schema(example = "01tDn000001AbCdIAK")]
    pub id: String,
    pub name: String,
    pub product_code: Option<String>,
    pub family: Option<String>,
    pub description: Option<String>,
}

impl From<ProductRecord> for Product {
    fn from(p: ProductRecord) -> Self {
        Self {
            id: p.id.to_string(),
            name: p.name,
            product_code: p.product_code,
            family: p.family,
            description: p.description,
        }
    }
}

/// Something the customer's account owns (a Salesforce Asset).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OwnedProduct {
    /// The Asset id.
    #[schema(example = "02iDn000001AbCdIAK")]
    pub id: String,
    /// The asset's own name.
    pub name: String,
    /// The product it is, when the asset names one.
    pub product_id: Option<String>,
    pub product_name: Option<String>,
    pub product_code: Option<String>,
    pub family: Option<String>,
    pub serial_number: Option<String>,
    pub install_date: Option<NaiveDate>,
    /// Salesforce's Asset Status as the org spells it (e.g. `Installed`, `Registered`).
    pub status: Option<String>,
}

impl From<AssetRecord> for OwnedProduct {
    fn from(a: AssetRecord) -> Self {
        Self {
            id: a.id.to_string(),
            name: a.name,
            product_id: a.product_id.map(|id| id.to_string()),
            product_name: a.product_name,
            product_code: a.product_code,
            family: a.product_family,
            serial_number: a.serial_number,
            install_date: a.install_date,
            status: a.status,
        }
    }
}

/// One page of what the customer owns, by name.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OwnedProductList {
    pub items: Vec<OwnedProduct>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Why a product is recommended, as a stable code: `owns_related` (a rule: the customer owns
/// a related product), `same_family` (the customer owns other products of its family),
/// `popular_with_similar` (customers who own what the customer owns use it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationReasonCode {
    OwnsRelated,
    SameFamily,
    PopularWithSimilar,
}

impl From<ReasonCode> for RecommendationReasonCode {
    fn from(code: ReasonCode) -> Self {
        match code {
            ReasonCode::OwnsRelated => Self::OwnsRelated,
            ReasonCode::SameFamily => Self::SameFamily,
            ReasonCode::PopularWithSimilar => Self::PopularWithSimilar,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecommendationReason {
    pub code: RecommendationReasonCode,
    /// A sentence for the customer.
    pub message: String,
}

impl From<Reason> for RecommendationReason {
    fn from(r: Reason) -> Self {
        Self {
            code: r.code.into(),
            message: r.message,
        }
    }
}

/// A recommended product, with its reasons (strongest first, at least one).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Recommendation {
    pub product: Product,
    pub reasons: Vec<RecommendationReason>,
    /// When the customer asked to be contacted about it; null if they have not.
    pub interest_requested_at: Option<DateTime<Utc>>,
}

impl From<Recommended> for Recommendation {
    fn from(r: Recommended) -> Self {
        Self {
            product: r.product.into(),
            reasons: r.reasons.into_iter().map(Into::into).collect(),
            interest_requested_at: r.interest.map(|i| i.created_date),
        }
    }
}

/// The customer's recommendations, best first, and the products whose recommendation they
/// dismissed (to show again).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecommendationList {
    pub items: Vec<Recommendation>,
    pub dismissed: Vec<Product>,
}

impl From<Recommendations> for RecommendationList {
    fn from(r: Recommendations) -> Self {
        Self {
            items: r.items.into_iter().map(Into::into).collect(),
            dismissed: r.dismissed.into_iter().map(Into::into).collect(),
        }
    }
}

/// The customer's request to be contacted about a product.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Interest {
    pub product: Product,
    /// When the customer (or a colleague of the same account) first asked.
    pub requested_at: DateTime<Utc>,
}

impl From<Registered> for Interest {
    fn from(r: Registered) -> Self {
        Self {
            product: r.product.into(),
            requested_at: r.requested_at,
        }
    }
}
