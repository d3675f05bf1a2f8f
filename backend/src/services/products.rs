//! "My products" and recommendations (issue 15): what the customer's account owns, the
//! catalog products recommended to it with their reasons, the customer's interest in one
//! (a Lead or an Opportunity, once per customer and product) and dismissed recommendations.
//! Always within the signed-in customer's account: the account is the session's, never the
//! path's, and a product outside the portal's catalog is "not found" whoever asks.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::auth::Session;
use super::idempotency::{self, Begin};
use super::listing::Listed;
use super::recommendation::{self, Reason};
use crate::config::ProductsConfig;
use crate::domain::paging::{self, Keyset, SortValue};
use crate::error::{ApiError, ApiResult, FieldError, RateLimitInfo, Resource};
use crate::observability::metrics::Metrics;
use crate::salesforce::products::{
    AssetRecord, DismissalWrite, Holding, InterestRecord, NewInterest, ProductPort, ProductRecord,
};
use crate::salesforce::{SalesforceId, SalesforcePort};
use crate::shared_state::SharedState;
use crate::shared_state::idempotency::{Fingerprint, IdempotencyStore};
use crate::shared_state::rate_limit::{Decision, Policy, RateLimitStore, ceil_secs};

/// The rate-limit policy of interest and dismiss requests.
pub const POLICY: &str = "recommendation-write";

/// The page of "My products" a client asked for: by name, then id.
pub type ProductPage = super::listing::CursorPage;

/// A recommendation as the customer sees it: the product, why, and whether they already
/// asked to be contacted about it.
pub struct Recommended {
    pub product: ProductRecord,
    pub reasons: Vec<Reason>,
    pub interest: Option<InterestRecord>,
}

pub struct Recommendations {
    pub items: Vec<Recommended>,
    /// Catalog products whose recommendation the customer dismissed, by name: what "show
    /// again" offers.
    pub dismissed: Vec<ProductRecord>,
}

/// The answer to "I'm interested".
pub struct Registered {
    pub product: ProductRecord,
    pub requested_at: DateTime<Utc>,
    /// `false` when the customer had already asked about this product.
    pub created: bool,
    pub rate: Option<RateLimitInfo>,
}

/// The catalog and every account's holdings, read together and reused for a while.
struct Catalog {
    products: Vec<ProductRecord>,
    by_id: HashMap<SalesforceId, usize>,
    holdings: Vec<Holding>,
}

pub struct ProductService {
    port: Arc<dyn ProductPort>,
    salesforce: Arc<dyn SalesforcePort>,
    config: ProductsConfig,
    catalog: tokio::sync::Mutex<Option<(Instant, Arc<Catalog>)>>,
    idempotency: Arc<dyn IdempotencyStore>,
    limiter: Arc<dyn RateLimitStore>,
    metrics: Arc<Metrics>,
}

/// The sort "My products" cursors are made for.
const SORT: &str = "name";

impl ProductService {
    pub fn new(
        port: Arc<dyn ProductPort>,
        salesforce: Arc<dyn SalesforcePort>,
        config: &ProductsConfig,
        metrics: Arc<Metrics>,
        shared: &SharedState,
    ) -> Self {
        Self {
            port,
            salesforce,
            config: config.clone(),
            catalog: tokio::sync::Mutex::new(None),
            idempotency: shared.idempotency(),
            limiter: shared.rate_limit(Policy::new(
                POLICY,
                config.rate_limit.per_hour,
                Duration::from_secs(3600),
                config.rate_limit.burst,
            )),
            metrics,
        }
    }

    /// The catalog, read again once `catalog_ttl_secs` have passed (one reader at a time).
    async fn catalog(&self) -> ApiResult<Arc<Catalog>> {
        let mut held = self.catalog.lock().await;
        if let Some((at, catalog)) = held.as_ref()
            && at.elapsed() < Duration::from_secs(self.config.catalog_ttl_secs)
        {
            return Ok(Arc::clone(catalog));
        }
        let products = self.port.catalog().await?;
        let holdings = self.port.holdings().await?;
        let by_id = products
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        let catalog = Arc::new(Catalog {
            products,
            by_id,
            holdings,
        });
        *held = Some((Instant::now(), Arc::clone(&catalog)));
        Ok(catalog)
    }

    /// The catalog product `id`, or "not found".
    async fn product(&self, id: &SalesforceId) -> ApiResult<ProductRecord> {
        let catalog = self.catalog().await?;
        catalog
            .by_id
            .get(id)
            .map(|&i| catalog.products[i].clone())
            .ok_or(ApiError::NotFound(Resource::Product))
    }

    /// One page of what the customer's account owns, by name then id.
    pub async fn owned(
        &self,
        session: &Session,
        page: &ProductPage,
    ) -> ApiResult<Listed<AssetRecord>> {
        let filter = "products";
        let after = match &page.cursor {
            Some(cursor) => Some(paging::decode_cursor(cursor, SORT, filter).map_err(|e| {
                ApiError::Validation(vec![FieldError::new("cursor", e.to_string())])
            })?),
            None => None,
        };
        let mut rows: Vec<AssetRecord> = self
            .port
            .assets(&session.account_id)
            .await?
            .into_iter()
            .filter(|a| {
                after
                    .as_ref()
                    .is_none_or(|k| position(a) > (k.value.clone(), &k.id))
            })
            .collect();
        rows.sort_by(|a, b| position(a).cmp(&position(b)));
        let limit = page.limit.get();
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|a| Keyset {
                value: position(a).0,
                id: a.id.clone(),
            })
        } else {
            None
        };
        Ok(Listed {
            items: rows,
            next_cursor: next.map(|k| paging::encode_cursor(SORT, filter, k)),
        })
    }

    /// The products recommended to the customer, best first, each with its reasons.
    pub async fn recommendations(&self, session: &Session) -> ApiResult<Recommendations> {
        let account = &session.account_id;
        let catalog = self.catalog().await?;
        let assets = self.port.assets(account).await?;
        let dismissed: HashSet<SalesforceId> =
            self.port.dismissed(account).await?.into_iter().collect();
        let interests: HashMap<SalesforceId, InterestRecord> = self
            .port
            .interests(account)
            .await?
            .into_iter()
            .map(|i| (i.product_id.clone(), i))
            .collect();
        // What the customer owns, catalog or not (a legacy product still says what they use).
        let mut seen = HashSet::new();
        let owned: Vec<ProductRecord> = assets
            .iter()
            .filter_map(|a| {
                let id = a.product_id.clone()?;
                if !seen.insert(id.clone()) {
                    return None;
                }
                Some(match catalog.by_id.get(&id) {
                    Some(&i) => catalog.products[i].clone(),
                    None => ProductRecord {
                        id,
                        name: a.product_name.clone().unwrap_or_else(|| a.name.clone()),
                        product_code: a.product_code.clone(),
                        family: a.product_family.clone(),
                        description: None,
                    },
                })
            })
            .collect();
        let ranked = recommendation::rank(
            &self.config,
            &catalog.products,
            &catalog.holdings,
            &recommendation::Customer {
                account,
                owned: &owned,
                dismissed: &dismissed,
            },
        );
        let mut hidden: Vec<ProductRecord> = catalog
            .products
            .iter()
            .filter(|p| dismissed.contains(&p.id))
            .cloned()
            .collect();
        hidden.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        Ok(Recommendations {
            items: ranked
                .into_iter()
                .map(|r| Recommended {
                    interest: interests.get(&r.product.id).cloned(),
                    product: r.product,
                    reasons: r.reasons,
                })
                .collect(),
            dismissed: hidden,
        })
    }

    /// The customer asks to be contacted about a catalog product. The `Idempotency-Key` is
    /// required; whatever the key, one customer and product make one Lead or Opportunity
    /// (decision 022): the first request creates it, every later one answers with it.
    pub async fn register_interest(
        &self,
        session: &Session,
        product_id: &SalesforceId,
        idempotency_key: Option<&str>,
    ) -> ApiResult<Registered> {
        let key = idempotency::required_key(
            idempotency_key,
            "Send an Idempotency-Key header (a UUID per request) so that a retry is never sent twice.",
        )?;
        let product = self.product(product_id).await?;
        let scoped = idempotency::scoped_key(session, &format!("interest:{key}"));
        let fingerprint = Fingerprint::of(&[product.id.as_str()]);
        // The claim keeps two requests with one key from running at once; what the first one
        // made is found by its external id, so the claim is released, never completed.
        let claim = match idempotency::begin(&self.idempotency, scoped, fingerprint).await? {
            Begin::Proceed(claim) => claim,
            Begin::InFlight | Begin::Replay(_) => return Err(ApiError::IdempotencyInFlight),
            Begin::Mismatch => return Err(ApiError::IdempotencyMismatch),
        };
        let registered = self.register_claimed(session, product).await;
        claim.release().await;
        registered
    }

    async fn register_claimed(
        &self,
        session: &Session,
        product: ProductRecord,
    ) -> ApiResult<Registered> {
        let account = &session.account_id;
        let key = NewInterest::key_of(account, &product.id);
        // A repeat costs nothing, even over the quota.
        if let Some(existing) = self
            .port
            .interests(account)
            .await?
            .into_iter()
            .find(|i| i.product_id == product.id)
        {
            return Ok(Registered {
                product,
                requested_at: existing.created_date,
                created: false,
                rate: None,
            });
        }
        let rate = self.check_rate(account).await?;
        let contact = self
            .salesforce
            .contact(&session.contact_id)
            .await?
            .filter(|c| &c.account_id == account);
        let outcome = self
            .port
            .register_interest(NewInterest {
                key,
                account_id: account.clone(),
                account_name: session.customer_name.clone(),
                contact_id: session.contact_id.clone(),
                contact_name: contact
                    .as_ref()
                    .map_or_else(|| session.user_name.clone(), |c| c.name.clone()),
                contact_email: contact
                    .and_then(|c| c.email)
                    .or_else(|| Some(session.email.clone()).filter(|e| !e.is_empty())),
                product: product.clone(),
                today: Utc::now().date_naive(),
            })
            .await;
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(err) => {
                self.refund(account).await;
                return Err(err.into());
            }
        };
        if outcome.created {
            tracing::info!(account = %account, product = %product.id, record = %outcome.record.id, "interest registered");
        } else {
            self.refund(account).await;
        }
        Ok(Registered {
            product,
            requested_at: outcome.record.created_date,
            created: outcome.created,
            rate: Some(rate).filter(|_| outcome.created),
        })
    }

    /// Hides a catalog product's recommendation for the customer (`dismissed`), or brings it
    /// back. Setting the state it already has is a success that writes nothing.
    pub async fn set_dismissed(
        &self,
        session: &Session,
        product_id: &SalesforceId,
        dismissed: bool,
    ) -> ApiResult<()> {
        let product = self.product(product_id).await?;
        let account = &session.account_id;
        let current = self
            .port
            .dismissed(account)
            .await?
            .iter()
            .any(|id| id == &product.id);
        if current == dismissed {
            return Ok(());
        }
        self.check_rate(account).await?;
        let written = self
            .port
            .set_dismissed(DismissalWrite {
                account_id: account.clone(),
                product_id: product.id.clone(),
                contact_id: session.contact_id.clone(),
                dismissed,
            })
            .await;
        if let Err(err) = written {
            self.refund(account).await;
            return Err(err.into());
        }
        tracing::info!(account = %account, product = %product.id, dismissed, "recommendation dismissal set");
        Ok(())
    }

    async fn check_rate(&self, account: &SalesforceId) -> ApiResult<RateLimitInfo> {
        match self.limiter.check(account.as_str()).await? {
            Decision::Allowed { remaining } => Ok(self.rate_info(remaining, 0)),
            Decision::Limited { retry_after } => {
                tracing::info!(account = %account, "recommendation write rate-limited");
                self.metrics.refused("recommendation_write");
                Err(ApiError::RateLimited(
                    self.rate_info(0, ceil_secs(retry_after)),
                ))
            }
        }
    }

    async fn refund(&self, account: &SalesforceId) {
        if let Err(err) = self.limiter.refund(account.as_str()).await {
            tracing::warn!(error = %err, "could not give back a recommendation write unit");
        }
    }

    fn rate_info(&self, remaining: u32, reset_secs: u64) -> RateLimitInfo {
        RateLimitInfo::of(POLICY, self.limiter.policy(), remaining, reset_secs)
    }

    pub fn prune(&self) {
        self.limiter.prune();
    }
}

/// Where an asset sorts in "My products": by name (ignoring case), then id.
fn position(a: &AssetRecord) -> (SortValue, &SalesforceId) {
    (SortValue::Text(a.name.to_lowercase()), &a.id)
}
