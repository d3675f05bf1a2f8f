//! The composition root: which adapter, which decorators around it, which shared-state stores,
//! which services; decided once at start-up from the configuration, and nowhere else.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::config::{Backend, Config};
use crate::data_dir::DataDirLock;
use crate::domain::case::Picklists;
use crate::domain::case_status::ReopenWindow;
use crate::mock_store::MockStore;
use crate::observability::health::Probe;
use crate::observability::lifecycle::Draining;
use crate::observability::metrics::Metrics;
use crate::read_path::{
    BudgetedAppointments, BudgetedExports, BudgetedProducts, CachedPort, CustomerBudget, ReadPath,
};
use crate::salesforce::SalesforcePort;
use crate::salesforce_rest::SalesforceRest;
use crate::salesforce_rest::resilience::ResilientPort;
use crate::services::{
    appointments, attachments, audit, auth, case_status, cases, comments, documents, exports,
    forms, keys, mail, notifications, oidc, passwords, products, profile,
};
use crate::shared_state::SharedState;
use crate::shared_state::rate_limit::Policy;

/// Everything a request may need, built once at start-up and shared by every request.
pub struct App {
    pub config: Config,
    pub auth: auth::AuthService,
    pub cases: cases::CaseService,
    pub comments: comments::CommentService,
    pub case_status: case_status::CaseStatusService,
    /// How long after closing a customer may reopen a case (`cases.reopen_window_days`).
    pub reopen_window: ReopenWindow,
    pub documents: documents::DocumentService,
    pub attachments: attachments::AttachmentService,
    /// "My products" and recommendations (issue 15).
    pub products: products::ProductService,
    /// Booking appointments (issue 15, decision 028).
    pub appointments: appointments::AppointmentService,
    /// Dynamic case forms from Custom Metadata (issue 15, decision 029).
    pub forms: forms::FormService,
    /// The contact's profile and preferences (issue 14, decision 032).
    pub profile: profile::ProfileService,
    /// Password self-service for local sign-in (issue 14, decision 032).
    pub passwords: passwords::PasswordService,
    /// Exporting all of an account's cases as CSV (issue 16, decision 026).
    pub exports: exports::ExportService,
    /// Mails on agent replies and status changes (issue 14, decision 034), when enabled: its
    /// poller is started by `crate::run`.
    pub notifications: Option<Arc<notifications::NotificationService>>,
    pub oidc: Option<oidc::OidcService>,
    /// How reads reach their data; what the HTTP layer keeps rendered pages by.
    pub reads: ReadPath,
    /// The data's source as `/readyz` checks it: the mock store, or the org through its cache.
    pub salesforce_probe: Arc<dyn Probe>,
    pub metrics: Arc<Metrics>,
    pub picklists: Arc<Picklists>,
    /// Where rate limits, idempotency records, revocations and pending sign-ins live.
    pub shared: SharedState,
    /// This process's exclusive hold on `data_dir`, for as long as the application lives.
    pub data_dir_lock: DataDirLock,
    /// Set when the process starts shutting down: `/readyz` then answers 503.
    pub draining: Arc<Draining>,
}

/// The port the services use, and what else the chosen source of data provides.
struct Source {
    port: Arc<dyn SalesforcePort>,
    probe: Arc<dyn Probe>,
    reads: ReadPath,
    /// The product extension's port: beside the case port, not through its decorators.
    products: Arc<dyn crate::salesforce::products::ProductPort>,
    /// The appointment extension's port, likewise.
    appointments: Arc<dyn crate::salesforce::appointments::AppointmentPort>,
    /// The case export's port (Bulk API 2.0 query jobs), likewise.
    exports: Arc<dyn crate::salesforce::exports::ExportPort>,
    /// The dynamic forms' port: metadata and Case's describe.
    forms: Arc<dyn crate::salesforce::forms::FormPort>,
    /// What the forms are first read through, at start-up.
    forms_startup: Arc<dyn crate::salesforce::forms::FormPort>,
    /// The profile's port: the Contact's details and preferences.
    profiles: Arc<dyn crate::salesforce::profile::ProfilePort>,
    /// Agent activity for notifications: comments and status changes since a watermark.
    activity: Arc<dyn crate::salesforce::activity::ActivityPort>,
}

impl App {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        // Before anything reads or writes the data directory: one process at a time.
        let data_dir_lock = DataDirLock::acquire(&config.data_dir)?;
        let shared = SharedState::build(&config).await?;
        let metrics = Arc::new(Metrics::default());
        let source = match config.backend {
            Backend::Salesforce => salesforce_org(&config, &metrics, &shared)?,
            Backend::Mock => mock_store(&config).await?,
        };
        // Before anything serves: a form naming a Case field the portal cannot write stops
        // the start (decision 029), rather than failing a customer's submit.
        let forms = forms::FormService::start(
            Arc::clone(&source.forms),
            source.forms_startup.as_ref(),
            &config.forms,
        )
        .await?;
        let picklists = Arc::new(config.picklists.clone());
        let keys = keys::Keys::derive(config.auth.secret_key.as_ref());
        let audit = Arc::new(audit::AuditLog::open(&config.data_dir).await?);
        let auth = auth::AuthService::new(
            &config.auth,
            &keys,
            &config.mock.local_accounts_file,
            &config.data_dir,
            Arc::clone(&source.port),
            Arc::clone(&source.profiles),
            Arc::clone(&metrics),
            &shared,
        )?
        .with_roles(config.roles.clone());
        let profile = profile::ProfileService::new(
            Arc::clone(&source.profiles),
            &config.profile,
            Arc::clone(&metrics),
            &shared,
        );
        let passwords = passwords::PasswordService::new(
            &config.passwords,
            mail::Mailer::new(config.smtp.as_ref())?,
            Arc::clone(&source.profiles),
            config
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", config.listen)),
            Arc::clone(&metrics),
            &shared,
        );
        let notifications = if config.notifications.enabled {
            let claims: Arc<dyn crate::shared_state::notification_claims::NotificationClaims> =
                match shared.redis() {
                    Some(redis) => Arc::new(
                        crate::shared_state::notification_claims::RedisClaims::new(redis.clone()),
                    ),
                    None => Arc::new(crate::shared_state::notification_claims::FileClaims::open(
                        &config.data_dir,
                    )?),
                };
            Some(Arc::new(notifications::NotificationService::new(
                Arc::clone(&source.activity),
                Arc::clone(&source.profiles),
                mail::Mailer::new(config.smtp.as_ref())?,
                claims,
                &config.notifications,
                config
                    .public_url
                    .as_deref()
                    .unwrap_or(&format!("http://{}", config.listen)),
                Arc::clone(&metrics),
                &config.data_dir,
            )))
        } else {
            None
        };
        if let Some(notifications) = &notifications {
            notifications.prepare().await;
        }
        let cases = cases::CaseService::new(
            Arc::clone(&source.port),
            &config.cases.rate_limit,
            Arc::clone(&metrics),
            Arc::clone(&picklists),
            &shared,
        );
        let comments = comments::CommentService::new(
            Arc::clone(&source.port),
            Arc::clone(&picklists),
            &config.comments.rate_limit,
            Arc::clone(&metrics),
            &shared,
        );
        let reopen_window = config.cases.reopen_window();
        let case_status = case_status::CaseStatusService::new(
            Arc::clone(&source.port),
            &config.cases.status_rate_limit,
            reopen_window,
            Arc::clone(&metrics),
            Arc::clone(&picklists),
            &shared,
        );
        let attachments = attachments::AttachmentService::new(
            Arc::clone(&source.port),
            &config.attachments,
            &config.data_dir,
            Arc::clone(&metrics),
            &shared,
        )?;
        let exports = exports::ExportService::new(
            Arc::clone(&source.exports),
            Arc::clone(&picklists),
            keys.download,
            Arc::clone(&audit),
            &config.exports,
            Arc::clone(&metrics),
            &shared,
        );
        let documents = documents::DocumentService::new(
            Arc::clone(&source.port),
            audit,
            keys.download,
            &config.downloads,
            Arc::clone(&metrics),
        );
        let products = products::ProductService::new(
            Arc::clone(&source.products),
            Arc::clone(&source.port),
            &config.products,
            Arc::clone(&metrics),
            &shared,
        );
        let appointments = appointments::AppointmentService::new(
            Arc::clone(&source.appointments),
            Arc::clone(&source.port),
            &config.appointments,
            Arc::clone(&metrics),
            &shared,
        )?;
        let oidc = match (&config.oidc, config.oidc_redirect_url()) {
            (Some(oidc), Some(redirect)) => Some(oidc::OidcService::new(
                oidc.clone(),
                redirect,
                Arc::clone(&source.port),
                &shared,
            )?),
            _ => None,
        };
        Ok(Self {
            data_dir_lock,
            draining: Arc::default(),
            shared,
            config,
            oidc,
            metrics,
            picklists,
            reads: source.reads,
            salesforce_probe: source.probe,
            auth,
            cases,
            comments,
            case_status,
            reopen_window,
            documents,
            attachments,
            products,
            appointments,
            forms,
            profile,
            passwords,
            exports,
            notifications,
        })
    }

    /// Drops rate-limit state that has fully recovered; run periodically.
    pub fn prune(&self) {
        self.auth.prune();
        self.cases.prune();
        self.comments.prune();
        self.case_status.prune();
        self.attachments.prune();
        self.products.prune();
        self.appointments.prune();
        self.profile.prune();
        self.passwords.prune();
        self.exports.prune();
        self.reads.prune();
    }
}

/// A Salesforce org, outside in: the cache (stale-if-error, change polls), resilience
/// (timeouts, retries, circuit, budget), the REST adapter.
fn salesforce_org(
    config: &Config,
    metrics: &Arc<Metrics>,
    shared: &SharedState,
) -> anyhow::Result<Source> {
    let sf = config
        .salesforce
        .as_ref()
        .context("backend = \"salesforce\" needs a [salesforce] section")?;
    let rest = Arc::new(SalesforceRest::new(
        sf,
        Arc::new(config.picklists.clone()),
        config.contact_field(),
    )?);
    let rest_forms = Arc::clone(&rest);
    let forms_startup = Arc::new(crate::salesforce_rest::forms::SalesforceForms::direct(
        Arc::clone(&rest),
    ));
    let rest_products = Arc::new(crate::salesforce_rest::products::SalesforceProducts::new(
        Arc::clone(&rest),
        config.products.clone(),
    ));
    let rest_appointments = Arc::new(
        crate::salesforce_rest::appointments::SalesforceAppointments::new(Arc::clone(&rest)),
    );
    let rest_profiles = Arc::new(crate::salesforce_rest::profile::SalesforceProfiles::new(
        Arc::clone(&rest),
    ));
    let rest_activity = Arc::new(crate::salesforce_rest::activity::SalesforceActivity::new(
        Arc::clone(&rest),
    ));
    let rest_exports = Arc::new(crate::salesforce_rest::exports::SalesforceExports::new(
        Arc::clone(&rest),
        config.exports.page_records,
    ));
    let resilient = Arc::new(ResilientPort::new(
        rest,
        config.resilience.clone(),
        Arc::clone(metrics),
    ));
    // The product extension's calls share the org's resilience (and its circuit), not the cache.
    let products = Arc::new(
        crate::salesforce_rest::resilient_products::ResilientProducts::new(
            Arc::clone(&resilient),
            rest_products,
        ),
    );
    let appointments = Arc::new(
        crate::salesforce_rest::resilient_appointments::ResilientAppointments::new(
            Arc::clone(&resilient),
            rest_appointments,
        ),
    );
    let profiles = Arc::new(
        crate::salesforce_rest::resilient_profile::ResilientProfiles::new(
            Arc::clone(&resilient),
            rest_profiles,
        ),
    );
    let activity = Arc::new(
        crate::salesforce_rest::resilient_activity::ResilientActivity::new(
            Arc::clone(&resilient),
            rest_activity,
        ),
    );
    let exports = Arc::new(
        crate::salesforce_rest::resilient_exports::ResilientExports::new(
            Arc::clone(&resilient),
            rest_exports,
        ),
    );
    let r = &config.resilience;
    let budget = Arc::new(CustomerBudget::new(
        shared.rate_limit(Policy::new(
            "salesforce-customer",
            r.customer_calls_per_hour,
            Duration::from_secs(3600),
            r.customer_calls_burst,
        )),
        Arc::clone(metrics),
    ));
    let forms = Arc::new(crate::salesforce_rest::forms::SalesforceForms::new(
        rest_forms,
        Arc::clone(&resilient),
    ));
    // A customer's product calls are taken from the same budget as their case reads.
    let products = Arc::new(BudgetedProducts::new(products, Arc::clone(&budget)));
    let appointments = Arc::new(BudgetedAppointments::new(appointments, Arc::clone(&budget)));
    let exports = Arc::new(BudgetedExports::new(exports, Arc::clone(&budget)));
    let cached = Arc::new(CachedPort::new(
        resilient,
        config.cache.clone(),
        Arc::clone(metrics),
        shared.redis().cloned(),
        budget,
    ));
    // Lives as long as the runtime: the process, or a test's.
    tokio::spawn(Arc::clone(&cached).poll_changes());
    Ok(Source {
        port: cached.clone(),
        probe: cached.clone(),
        reads: ReadPath::cached(cached),
        products,
        appointments,
        exports,
        forms,
        forms_startup,
        profiles,
        activity,
    })
}

/// The embedded mock store: its fixtures and the case journal in the data directory.
async fn mock_store(config: &Config) -> anyhow::Result<Source> {
    let dir = config.mock.fixtures_dir.clone();
    let data = config.data_dir.clone();
    let contact_field = config.contact_field().to_owned();
    // Loading a few MB of fixtures is blocking file work; keep it off the runtime.
    let store = tokio::task::spawn_blocking(move || MockStore::open(&dir, &data, &contact_field))
        .await
        .context("loading the mock store")??;
    let store = Arc::new(store);
    let exports_store = Arc::clone(&store);
    let forms: Arc<dyn crate::salesforce::forms::FormPort> = Arc::new(mock_forms(config)?);
    let versions = Arc::clone(&store);
    let (dir, data) = (config.mock.fixtures_dir.clone(), config.data_dir.clone());
    let pricebook = match &config.products.pricebook_id {
        Some(id) => Some(crate::salesforce::SalesforceId::parse(id)?),
        None => None,
    };
    let products = tokio::task::spawn_blocking(move || {
        crate::mock_store::products::MockProducts::open(&dir, &data, pricebook.as_ref())
    })
    .await
    .context("loading the mock product store")??;
    let (dir, data) = (config.mock.fixtures_dir.clone(), config.data_dir.clone());
    let appointments = tokio::task::spawn_blocking(move || {
        crate::mock_store::appointments::MockAppointments::open(&dir, &data)
    })
    .await
    .context("loading the mock appointment store")??;
    let (dir, data) = (config.mock.fixtures_dir.clone(), config.data_dir.clone());
    let profiles = tokio::task::spawn_blocking(move || {
        crate::mock_store::profile::MockProfiles::open(&dir, &data)
    })
    .await
    .context("loading the mock profile store")??;
    let activity = Arc::new(crate::mock_store::activity::MockActivity::new(
        Arc::clone(&store),
        &config.data_dir,
    ));
    Ok(Source {
        activity,
        port: store.clone(),
        probe: store,
        reads: ReadPath::local(move |account| versions.list_version(account)),
        products: Arc::new(products),
        appointments: Arc::new(appointments),
        exports: Arc::new(crate::mock_store::exports::MockExports::new(
            Arc::clone(&exports_store),
            config.exports.page_records,
        )),
        forms: Arc::clone(&forms),
        forms_startup: forms,
        profiles: Arc::new(profiles),
    })
}

fn mock_forms(config: &Config) -> anyhow::Result<crate::mock_store::forms::MockForms> {
    crate::mock_store::forms::MockForms::open(&config.mock.fixtures_dir)
        .context("loading the dynamic forms' fixtures")
}

/// `portal check-config` without `--offline`: reads the dynamic forms from the configured
/// source (the org in Salesforce mode) and checks them against Case as `serve` does; the
/// number of forms when they pass.
pub async fn check_forms(config: &Config) -> anyhow::Result<usize> {
    let port: Arc<dyn crate::salesforce::forms::FormPort> = match config.backend {
        Backend::Mock => Arc::new(mock_forms(config)?),
        Backend::Salesforce => {
            let sf = config
                .salesforce
                .as_ref()
                .context("backend = \"salesforce\" needs a [salesforce] section")?;
            let rest = Arc::new(SalesforceRest::new(
                sf,
                Arc::new(config.picklists.clone()),
                config.contact_field(),
            )?);
            let remote: Arc<dyn crate::salesforce::remote::RemoteOrg> = rest.clone();
            let resilient = Arc::new(ResilientPort::new(
                remote,
                config.resilience.clone(),
                Arc::new(Metrics::default()),
            ));
            Arc::new(crate::salesforce_rest::forms::SalesforceForms::new(
                rest, resilient,
            ))
        }
    };
    let catalog = forms::load(port.as_ref())
        .await
        .map_err(|e| anyhow::anyhow!("dynamic case forms: {e}"))?;
    Ok(catalog.forms.len())
}
