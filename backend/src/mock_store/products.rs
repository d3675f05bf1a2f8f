//! The product extension in the mock store: the catalog and assets from the fixtures
//! (`Product2.json`, `Pricebook2.json`, `PricebookEntry.json`, `Asset.json`), and what
//! customers write (interests, dismissals) in the journal `<data_dir>/products.jsonl`.
//!
//! Crash-safe as the case journal: a write is appended and synced before it is visible or
//! acknowledged, and replayed at start-up; a torn last line (never acknowledged) is cut off.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, RwLock};

use anyhow::{Context, bail};
use async_trait::async_trait;
use chrono::{NaiveDate, SubsecRound, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::journal::{Entry, Journal, append_one};
use crate::salesforce::products::{
    AssetRecord, DismissalWrite, Holding, InterestOutcome, InterestRecord, MAX_ASSETS, MAX_CATALOG,
    MAX_HOLDINGS, NewInterest, ProductPort, ProductRecord,
};
use crate::salesforce::{PortError, PortResult, SalesforceId};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Product2 {
    id: SalesforceId,
    name: String,
    product_code: Option<String>,
    family: Option<String>,
    description: Option<String>,
    is_active: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Pricebook2 {
    id: SalesforceId,
    is_active: bool,
    is_standard: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PricebookEntry {
    pricebook2_id: SalesforceId,
    product2_id: SalesforceId,
    is_active: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Asset {
    id: SalesforceId,
    name: String,
    account_id: Option<SalesforceId>,
    product2_id: Option<SalesforceId>,
    serial_number: Option<String>,
    install_date: Option<NaiveDate>,
    status: Option<String>,
}

fn read_optional<T: DeserializeOwned>(dir: &Path, object: &str) -> anyhow::Result<Vec<T>> {
    let path = dir.join(format!("{object}.json"));
    if !path.exists() {
        return Ok(Vec::new());
    }
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))
}

#[derive(Default)]
struct State {
    interests: HashMap<String, InterestRecord>,
    /// Per account, the products whose recommendation it dismissed.
    dismissed: HashMap<SalesforceId, HashSet<SalesforceId>>,
}

impl State {
    fn apply(&mut self, entry: Entry) -> anyhow::Result<()> {
        match entry {
            Entry::ProductInterest { key, interest } => {
                self.interests.insert(key, interest);
            }
            Entry::ProductDismissal {
                account,
                product,
                dismissed,
            } => {
                let set = self.dismissed.entry(account).or_default();
                if dismissed {
                    set.insert(product);
                } else {
                    set.remove(&product);
                }
            }
            _ => bail!("the product journal holds a case or attachment entry"),
        }
        Ok(())
    }
}

pub struct MockProducts {
    catalog: Vec<ProductRecord>,
    assets_by_account: HashMap<SalesforceId, Vec<AssetRecord>>,
    holdings: Vec<Holding>,
    state: RwLock<State>,
    /// One write at a time: the check for an existing interest and the write it decides on
    /// must not interleave.
    writing: tokio::sync::Mutex<()>,
    journal: Arc<std::sync::Mutex<Journal>>,
}

impl MockProducts {
    /// Loads the fixtures in `fixtures_dir` (the catalog of `pricebook`, or of the standard
    /// price book) and replays `products.jsonl` in `data_dir`.
    pub fn open(
        fixtures_dir: &Path,
        data_dir: &Path,
        pricebook: Option<&SalesforceId>,
    ) -> anyhow::Result<Self> {
        let products: Vec<Product2> = read_optional(fixtures_dir, "Product2")?;
        let books: Vec<Pricebook2> = read_optional(fixtures_dir, "Pricebook2")?;
        let entries: Vec<PricebookEntry> = read_optional(fixtures_dir, "PricebookEntry")?;
        let assets: Vec<Asset> = read_optional(fixtures_dir, "Asset")?;

        let book = match pricebook {
            Some(id) => books.iter().find(|b| &b.id == id),
            None => books.iter().find(|b| b.is_standard),
        }
        .filter(|b| b.is_active)
        .map(|b| b.id.clone());
        let listed: HashSet<&SalesforceId> = entries
            .iter()
            .filter(|e| e.is_active && Some(&e.pricebook2_id) == book.as_ref())
            .map(|e| &e.product2_id)
            .collect();
        let by_id: HashMap<&SalesforceId, &Product2> =
            products.iter().map(|p| (&p.id, p)).collect();
        let record = |p: &Product2| ProductRecord {
            id: p.id.clone(),
            name: p.name.clone(),
            product_code: p.product_code.clone(),
            family: p.family.clone(),
            description: p.description.clone(),
        };
        let mut catalog: Vec<ProductRecord> = products
            .iter()
            .filter(|p| p.is_active && listed.contains(&p.id))
            .map(record)
            .collect();
        catalog.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        catalog.truncate(MAX_CATALOG);

        let mut holdings = Vec::new();
        let mut assets_by_account: HashMap<SalesforceId, Vec<AssetRecord>> = HashMap::new();
        for asset in assets {
            let Some(account) = asset.account_id else {
                continue;
            };
            let product = asset.product2_id.as_ref().and_then(|id| by_id.get(id));
            if let Some(product_id) = &asset.product2_id
                && holdings.len() < MAX_HOLDINGS
            {
                holdings.push(Holding {
                    account_id: account.clone(),
                    product_id: product_id.clone(),
                });
            }
            assets_by_account
                .entry(account)
                .or_default()
                .push(AssetRecord {
                    id: asset.id,
                    name: asset.name,
                    product_id: asset.product2_id.clone(),
                    product_name: product.map(|p| p.name.clone()),
                    product_code: product.and_then(|p| p.product_code.clone()),
                    product_family: product.and_then(|p| p.family.clone()),
                    serial_number: asset.serial_number,
                    install_date: asset.install_date,
                    status: asset.status,
                });
        }
        for list in assets_by_account.values_mut() {
            list.truncate(MAX_ASSETS);
        }

        let (journal, replay) = Journal::open(&data_dir.join("products.jsonl"))?;
        let mut state = State::default();
        for entry in replay {
            state.apply(entry)?;
        }
        Ok(Self {
            catalog,
            assets_by_account,
            holdings,
            state: RwLock::new(state),
            writing: tokio::sync::Mutex::new(()),
            journal: Arc::new(std::sync::Mutex::new(journal)),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends `entry` (synced) off the runtime's threads, then makes it visible.
    async fn write(&self, entry: Entry) -> PortResult<()> {
        let visible = match &entry {
            Entry::ProductInterest { key, interest } => Entry::ProductInterest {
                key: key.clone(),
                interest: interest.clone(),
            },
            Entry::ProductDismissal {
                account,
                product,
                dismissed,
            } => Entry::ProductDismissal {
                account: account.clone(),
                product: product.clone(),
                dismissed: *dismissed,
            },
            _ => return Err(PortError::Internal(anyhow::anyhow!("not a product entry"))),
        };
        append_one(&self.journal, entry, "product").await?;
        self.state
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .apply(visible)
            .map_err(PortError::Internal)
    }
}

#[async_trait]
impl ProductPort for MockProducts {
    async fn catalog(&self) -> PortResult<Vec<ProductRecord>> {
        Ok(self.catalog.clone())
    }

    async fn assets(&self, account: &SalesforceId) -> PortResult<Vec<AssetRecord>> {
        Ok(self
            .assets_by_account
            .get(account)
            .cloned()
            .unwrap_or_default())
    }

    async fn holdings(&self) -> PortResult<Vec<Holding>> {
        Ok(self.holdings.clone())
    }

    async fn interests(&self, account: &SalesforceId) -> PortResult<Vec<InterestRecord>> {
        let prefix = format!("{account}:");
        let mut found: Vec<InterestRecord> = self
            .read()
            .interests
            .iter()
            .filter(|(key, _)| key.starts_with(&prefix))
            .map(|(_, record)| record.clone())
            .collect();
        found.sort_by(|a, b| {
            a.created_date
                .cmp(&b.created_date)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(found)
    }

    async fn register_interest(&self, interest: NewInterest) -> PortResult<InterestOutcome> {
        let writing = self.writing.lock().await;
        if let Some(existing) = self.read().interests.get(&interest.key).cloned() {
            return Ok(InterestOutcome {
                record: existing,
                created: false,
            });
        }
        let id = loop {
            let id = SalesforceId::generate("006");
            if self.read().interests.values().all(|r| r.id != id) {
                break id;
            }
        };
        let record = InterestRecord {
            id,
            product_id: interest.product.id.clone(),
            // Milliseconds, as Salesforce stamps records and the journal keeps them.
            created_date: Utc::now().trunc_subsecs(3),
        };
        self.write(Entry::ProductInterest {
            key: interest.key,
            interest: record.clone(),
        })
        .await?;
        drop(writing);
        Ok(InterestOutcome {
            record,
            created: true,
        })
    }

    async fn dismissed(&self, account: &SalesforceId) -> PortResult<Vec<SalesforceId>> {
        let mut ids: Vec<SalesforceId> = self
            .read()
            .dismissed
            .get(account)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default();
        ids.sort();
        Ok(ids)
    }

    async fn set_dismissed(&self, write: DismissalWrite) -> PortResult<()> {
        let _writing = self.writing.lock().await;
        let current = self
            .read()
            .dismissed
            .get(&write.account_id)
            .is_some_and(|set| set.contains(&write.product_id));
        if current == write.dismissed {
            return Ok(());
        }
        self.write(Entry::ProductDismissal {
            account: write.account_id,
            product: write.product_id,
            dismissed: write.dismissed,
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Interests and dismissals are in the journal before they are acknowledged: a store
    /// opened again on the same data directory has them, and the same key finds the same
    /// interest instead of writing another.
    #[tokio::test]
    async fn interests_and_dismissals_survive_a_restart() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("mocks/salesforce");
        let data = tempfile::tempdir().unwrap();
        let account = SalesforceId::parse("001Dn000V58wd0MIIQ").unwrap();
        let contact = SalesforceId::parse("003Dn000O6V0xBhIIJ").unwrap();
        let store = MockProducts::open(&fixtures, data.path(), None).unwrap();
        let product = store.catalog().await.unwrap()[0].clone();
        let new = NewInterest {
            key: NewInterest::key_of(&account, &product.id),
            account_id: account.clone(),
            account_name: "Acme Corporation".into(),
            contact_id: contact.clone(),
            contact_name: "Alice Anderson".into(),
            contact_email: None,
            product: product.clone(),
            today: Utc::now().date_naive(),
        };
        let first = store.register_interest(new.clone()).await.unwrap();
        assert!(first.created);
        store
            .set_dismissed(DismissalWrite {
                account_id: account.clone(),
                product_id: product.id.clone(),
                contact_id: contact,
                dismissed: true,
            })
            .await
            .unwrap();
        drop(store);

        let reopened = MockProducts::open(&fixtures, data.path(), None).unwrap();
        assert_eq!(
            reopened.interests(&account).await.unwrap(),
            vec![first.record.clone()]
        );
        assert_eq!(
            reopened.dismissed(&account).await.unwrap(),
            vec![product.id]
        );
        let again = reopened.register_interest(new).await.unwrap();
        assert!(!again.created);
        assert_eq!(again.record, first.record);
        let globex = SalesforceId::parse("001Dn0004Ot9nDpIQI").unwrap();
        assert!(reopened.interests(&globex).await.unwrap().is_empty());
        assert!(reopened.dismissed(&globex).await.unwrap().is_empty());
    }
}
