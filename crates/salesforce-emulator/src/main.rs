//! `salesforce-emulator`: runs the emulator as a process (see README.md for the flags).

use std::path::PathBuf;
use std::time::Duration;

use anyhow_free::Result;
use clap::Parser;
use salesforce_emulator::{CasePicklists, EmulatorConfig, OidcClient, spawn};

mod anyhow_free {
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;
}

/// A wire-faithful Salesforce emulator (OAuth 2.0, OpenID Connect, REST) for tests.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// Address to listen on.
    #[arg(long, env = "SF_EMULATOR_LISTEN", default_value = "127.0.0.1:8090")]
    listen: String,
    /// Folder of Salesforce-shaped JSON fixtures.
    #[arg(
        long,
        env = "SF_EMULATOR_FIXTURES",
        default_value = "backend/mocks/salesforce"
    )]
    fixtures: PathBuf,
    /// Portal sign-ins (email, argon2id password_hash, contact_id, account_id).
    #[arg(
        long,
        env = "SF_EMULATOR_USERS",
        default_value = "backend/mocks/local_accounts.json"
    )]
    users: PathBuf,
    /// Public URL (issuer, instance_url, JWT audience); default http://{listen}.
    #[arg(long, env = "SF_EMULATOR_BASE_URL")]
    base_url: Option<String>,
    /// Consumer key of the server-to-server connected app.
    #[arg(
        long,
        env = "SF_EMULATOR_CONSUMER_KEY",
        default_value = "emulator-consumer-key"
    )]
    consumer_key: String,
    /// Consumer secret of the server-to-server connected app.
    #[arg(
        long,
        env = "SF_EMULATOR_CONSUMER_SECRET",
        default_value = "emulator-consumer-secret"
    )]
    consumer_secret: String,
    /// Certificate or public key (PEM file) that verifies JWT bearer assertions.
    #[arg(long, env = "SF_EMULATOR_JWT_CERT")]
    jwt_cert: Option<PathBuf>,
    /// The integration user's username (the JWT's `sub`).
    #[arg(
        long,
        env = "SF_EMULATOR_INTEGRATION_USER",
        default_value = "integration@portal.example"
    )]
    integration_username: String,
    /// An OpenID Connect client: `client_id[:secret]=redirect_uri[,redirect_uri...]` (repeatable).
    #[arg(
        long = "oidc-client",
        env = "SF_EMULATOR_OIDC_CLIENTS",
        value_delimiter = ';'
    )]
    oidc_clients: Vec<String>,
    /// Daily API request limit shown in Sforce-Limit-Info.
    #[arg(long, env = "SF_EMULATOR_API_LIMIT", default_value_t = 15_000)]
    api_limit: u64,
    /// RSA private key (PEM file) that signs id_tokens; generated at start when absent.
    #[arg(long, env = "SF_EMULATOR_SIGNING_KEY")]
    signing_key: Option<PathBuf>,
    /// Access token lifetime in seconds.
    #[arg(long, env = "SF_EMULATOR_SESSION_TTL", default_value_t = 7200)]
    session_ttl: u64,
    /// A Case Status value of the org's own, for open cases (repeatable; `;` in env).
    #[arg(
        long = "case-status",
        env = "SF_EMULATOR_CASE_STATUSES",
        value_delimiter = ';'
    )]
    case_statuses: Vec<String>,
    /// A Case Status value of the org's own that closes a case (repeatable; `;` in env).
    #[arg(
        long = "closed-case-status",
        env = "SF_EMULATOR_CLOSED_CASE_STATUSES",
        value_delimiter = ';'
    )]
    closed_case_statuses: Vec<String>,
    /// A Case Priority value of the org's own (repeatable; `;` in env).
    #[arg(
        long = "case-priority",
        env = "SF_EMULATOR_CASE_PRIORITIES",
        value_delimiter = ';'
    )]
    case_priorities: Vec<String>,
    /// A field the integration user may not write (field-level security), as `Object.Field`
    /// (repeatable; `;` in env).
    #[arg(
        long = "read-only-field",
        env = "SF_EMULATOR_READ_ONLY_FIELDS",
        value_delimiter = ';'
    )]
    read_only_fields: Vec<String>,
    /// Bulk API 2.0: job-info polls until a query job is JobComplete.
    #[arg(
        long = "bulk-polls-to-complete",
        env = "SF_EMULATOR_BULK_POLLS_TO_COMPLETE",
        default_value_t = 2
    )]
    bulk_polls_to_complete: u32,
    /// Bulk API 2.0: rows per result set when a request names no `maxRecords`.
    #[arg(
        long = "bulk-max-records",
        env = "SF_EMULATOR_BULK_MAX_RECORDS",
        default_value_t = 50_000
    )]
    bulk_max_records: usize,
}

fn parse_client(spec: &str) -> Result<OidcClient> {
    let (client, uris) = spec.split_once('=').ok_or_else(|| {
        format!("--oidc-client {spec:?}: expected client_id[:secret]=redirect_uri[,...]")
    })?;
    let (client_id, client_secret) = match client.split_once(':') {
        Some((id, secret)) => (id.to_owned(), Some(secret.to_owned())),
        None => (client.to_owned(), None),
    };
    Ok(OidcClient {
        client_id,
        client_secret,
        redirect_uris: uris.split(',').map(str::to_owned).collect(),
    })
}

fn non_empty(values: &[String]) -> Vec<String> {
    values.iter().filter(|v| !v.is_empty()).cloned().collect()
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let read = |p: &PathBuf| {
        std::fs::read_to_string(p).map_err(|e| format!("reading {}: {e}", p.display()))
    };
    let config = EmulatorConfig {
        fixtures_dir: cli.fixtures.clone(),
        users_file: Some(cli.users.clone()),
        consumer_key: cli.consumer_key.clone(),
        consumer_secret: cli.consumer_secret.clone(),
        jwt_verification_pem: cli.jwt_cert.as_ref().map(read).transpose()?,
        integration_username: cli.integration_username.clone(),
        oidc_clients: cli
            .oidc_clients
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| parse_client(s))
            .collect::<Result<_>>()?,
        api_limit: cli.api_limit,
        signing_key_pem: cli.signing_key.as_ref().map(read).transpose()?,
        session_ttl: Duration::from_secs(cli.session_ttl),
        base_url: cli.base_url.clone(),
        case_picklists: CasePicklists {
            open_statuses: non_empty(&cli.case_statuses),
            closed_statuses: non_empty(&cli.closed_case_statuses),
            priorities: non_empty(&cli.case_priorities),
        },
        read_only_fields: non_empty(&cli.read_only_fields),
        bulk_polls_to_complete: cli.bulk_polls_to_complete,
        bulk_default_max_records: cli.bulk_max_records.max(1),
        ..EmulatorConfig::default()
    };
    let listener = tokio::net::TcpListener::bind(&cli.listen)
        .await
        .map_err(|e| format!("binding {}: {e}", cli.listen))?;
    let emulator = spawn(config, listener).await?;
    tracing::info!(addr = %emulator.addr, base_url = %emulator.base_url, "emulator listening");
    shutdown_signal().await;
    tracing::info!("shutting down");
    emulator.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
