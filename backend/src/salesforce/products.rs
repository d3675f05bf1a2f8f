//! The product extension's port (issue 15): the catalog, what an account owns, and the
//! customer's interest and dismissed recommendations. A port of its own beside
//! [`super::SalesforcePort`], so the case ports and their decorators stay as they are.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use salesforce_client::SalesforceId;

use super::PortResult;

/// A product of the portal's catalog: a Product2 that is active, with an active entry in the
/// portal's price book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRecord {
    pub id: SalesforceId,
    pub name: String,
    pub product_code: Option<String>,
    pub family: Option<String>,
    pub description: Option<String>,
}

/// Something an account owns: an Asset, with its product's name when it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRecord {
    pub id: SalesforceId,
    pub name: String,
    pub product_id: Option<SalesforceId>,
    pub product_name: Option<String>,
    pub product_code: Option<String>,
    pub product_family: Option<String>,
    pub serial_number: Option<String>,
    pub install_date: Option<NaiveDate>,
    pub status: Option<String>,
}

/// That an account owns a product (at least one Asset of it): what "popular with similar
/// customers" counts. Never shown to another customer as such, only counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Holding {
    pub account_id: SalesforceId,
    pub product_id: SalesforceId,
}

/// A customer's request to be contacted about a product: a Lead or an Opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestRecord {
    pub id: SalesforceId,
    pub product_id: SalesforceId,
    pub created_date: DateTime<Utc>,
}

/// What the portal writes for an interest. `key` is `<account id>:<product id>`: the external
/// id that makes one customer and product one record, whoever asks and however often.
#[derive(Debug, Clone)]
pub struct NewInterest {
    pub key: String,
    pub account_id: SalesforceId,
    pub account_name: String,
    pub contact_id: SalesforceId,
    pub contact_name: String,
    pub contact_email: Option<String>,
    pub product: ProductRecord,
    /// The request's day, for an Opportunity's CloseDate.
    pub today: NaiveDate,
}

impl NewInterest {
    pub fn key_of(account: &SalesforceId, product: &SalesforceId) -> String {
        format!("{account}:{product}")
    }

    /// The record's description: who asked, about what, through the portal.
    pub fn description(&self) -> String {
        let code = self
            .product
            .product_code
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        format!(
            "{} of {} asked through the customer portal to be contacted about {}{code}.",
            self.contact_name, self.account_name, self.product.name
        )
    }
}

#[derive(Debug, Clone)]
pub struct InterestOutcome {
    pub record: InterestRecord,
    /// `false` when the customer had already asked about the product (by anyone's request).
    pub created: bool,
}

/// A recommendation the customer hid, or brought back.
#[derive(Debug, Clone)]
pub struct DismissalWrite {
    pub account_id: SalesforceId,
    pub product_id: SalesforceId,
    pub contact_id: SalesforceId,
    pub dismissed: bool,
}

/// The most assets one account's "My products" holds (far more than a customer has).
pub const MAX_ASSETS: usize = 2_000;
/// The most holdings read for "popular with similar customers".
pub const MAX_HOLDINGS: usize = 10_000;
/// The most products a catalog holds.
pub const MAX_CATALOG: usize = 2_000;

#[async_trait]
pub trait ProductPort: Send + Sync + 'static {
    /// The portal's catalog, by name.
    async fn catalog(&self) -> PortResult<Vec<ProductRecord>>;

    /// The account's assets (at most [`MAX_ASSETS`]).
    async fn assets(&self, account: &SalesforceId) -> PortResult<Vec<AssetRecord>>;

    /// Which accounts own which products, every account's (at most [`MAX_HOLDINGS`] assets
    /// read): only ever counted by the service.
    async fn holdings(&self) -> PortResult<Vec<Holding>>;

    /// The account's interests (records the portal wrote, found by their external id).
    async fn interests(&self, account: &SalesforceId) -> PortResult<Vec<InterestRecord>>;

    /// Writes the interest, or returns the one already written with the same key.
    async fn register_interest(&self, interest: NewInterest) -> PortResult<InterestOutcome>;

    /// The products whose recommendation the account dismissed.
    async fn dismissed(&self, account: &SalesforceId) -> PortResult<Vec<SalesforceId>>;

    /// Dismisses a recommendation or brings it back; writing the state it has changes nothing.
    async fn set_dismissed(&self, write: DismissalWrite) -> PortResult<()>;
}
