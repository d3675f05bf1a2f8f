//! Services: business rules and authorisation, between the routes and the Salesforce port.
//! Each takes the signed-in [`auth::Session`] and reads or writes only that customer's records.

pub mod audit;
pub mod auth;
pub mod cases;
pub mod documents;
pub mod idempotency;
pub mod keys;
pub mod listing;
pub mod metrics;
pub mod oidc;
pub mod rate_limit;

use std::sync::Arc;

use anyhow::Context;

use crate::config::{Backend, Config};
use crate::domain::case::Picklists;
use crate::mock_store::MockStore;
use crate::salesforce::SalesforcePort;
use crate::salesforce::cache::CachedPort;
use crate::salesforce::resilience::ResilientPort;
use crate::salesforce_rest::SalesforceRest;

/// Everything a request may need, built once at start-up and shared by every request.
pub struct Services {
    pub config: Config,
    pub salesforce: Arc<dyn SalesforcePort>,
    pub auth: auth::AuthService,
    pub cases: cases::CaseService,
    pub documents: documents::DocumentService,
    /// Rendered list pages, kept while the customer's data is unchanged.
    pub page_memo: listing::PageMemo,
    pub oidc: Option<oidc::OidcService>,
    pub metrics: Arc<metrics::Metrics>,
    pub picklists: Arc<Picklists>,
    /// Where rate limits, idempotency records, revocations and pending sign-ins live.
    pub shared: crate::shared_state::SharedState,
    /// This process's exclusive hold on `data_dir`, for as long as the services live.
    pub data_dir_lock: crate::data_dir::DataDirLock,
}

impl Services {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        // Before anything reads or writes the data directory: one process at a time.
        let data_dir_lock = crate::data_dir::DataDirLock::acquire(&config.data_dir)?;
        let shared = crate::shared_state::SharedState::build(&config).await?;
        let metrics = Arc::new(metrics::Metrics::default());
        let salesforce: Arc<dyn SalesforcePort> = match config.backend {
            Backend::Salesforce => {
                let sf = config
                    .salesforce
                    .as_ref()
                    .context("backend = \"salesforce\" needs a [salesforce] section")?;
                let rest: Arc<dyn SalesforcePort> = Arc::new(SalesforceRest::new(
                    sf,
                    Arc::new(config.picklists.clone()),
                    config.contact_field(),
                )?);
                // Outside in: cache (stale-if-error) -> resilience (timeouts, retries,
                // circuit, budget) -> REST.
                let resilient: Arc<dyn SalesforcePort> = Arc::new(ResilientPort::new(
                    rest,
                    config.resilience.clone(),
                    Arc::clone(&metrics),
                ));
                let cached = Arc::new(CachedPort::new(
                    resilient,
                    config.cache.clone(),
                    Arc::clone(&metrics),
                    shared.redis().cloned(),
                ));
                // Lives as long as the runtime: the process, or a test's.
                tokio::spawn(Arc::clone(&cached).poll_changes());
                cached
            }
            Backend::Mock => {
                let dir = config.mock.fixtures_dir.clone();
                let data = config.data_dir.clone();
                let contact_field = config.contact_field().to_owned();
                // Loading a few MB of fixtures is blocking file work; keep it off the runtime.
                let store = tokio::task::spawn_blocking(move || {
                    MockStore::open(&dir, &data, &contact_field)
                })
                .await
                .context("loading the mock store")??;
                Arc::new(store)
            }
        };
        let picklists = Arc::new(config.picklists.clone());
        let keys = keys::Keys::derive(config.auth.secret_key.as_ref());
        let audit = Arc::new(audit::AuditLog::open(&config.data_dir).await?);
        let auth = auth::AuthService::new(
            &config.auth,
            &keys,
            &config.mock.local_accounts_file,
            Arc::clone(&salesforce),
            Arc::clone(&metrics),
            &shared,
        )?;
        let cases = cases::CaseService::new(
            Arc::clone(&salesforce),
            &config.cases.rate_limit,
            Arc::clone(&metrics),
            Arc::clone(&picklists),
            &shared,
        );
        let documents = documents::DocumentService::new(
            Arc::clone(&salesforce),
            audit,
            keys.download,
            config.downloads.url_ttl_secs,
        );
        let page_memo = listing::PageMemo::new(Arc::clone(&salesforce));
        let oidc = match (&config.oidc, config.oidc_redirect_url()) {
            (Some(oidc), Some(redirect)) => Some(oidc::OidcService::new(
                oidc.clone(),
                redirect,
                Arc::clone(&salesforce),
                &shared,
            )?),
            _ => None,
        };
        Ok(Self {
            data_dir_lock,
            shared,
            config,
            oidc,
            metrics,
            picklists,
            salesforce,
            auth,
            cases,
            documents,
            page_memo,
        })
    }

    /// Drops rate-limit state that has fully recovered; run periodically.
    pub fn prune(&self) {
        self.auth.prune();
        self.cases.prune();
    }
}
