//! The `portal` binary: serves the portal, or prints the OpenAPI document or a password hash.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use utoipa::OpenApi;

// Every request allocates and frees many small buffers (headers, JSON, log lines) across
// worker threads; glibc's malloc spent about a fifth of the server's CPU on them under load.
// See docs/decisions/009-allocator.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(version, about = "Customer self-service portal over Salesforce")]
struct Cli {
    /// A TOML config file (see portal.example.toml); PORTAL_* variables override it.
    #[arg(long, env = "PORTAL_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (the default).
    Serve,
    /// Print the OpenAPI document.
    Openapi,
    /// Hash a password read from standard input, for local_accounts.json.
    HashPassword,
    /// Check the configuration and exit: also reads the dynamic case forms from their source
    /// (the org in Salesforce mode) and checks every field they write against Case's describe.
    CheckConfig {
        /// Check the configuration file and variables only (no org is reached).
        #[arg(long)]
        offline: bool,
    },
    /// Ask the portal this configuration describes for `/healthz` on its own listen address
    /// (over TLS when configured): exit 0 when it answers 200. The container's HEALTHCHECK.
    Healthcheck,
    /// End every session of a contact, on every instance, within `auth.authorization_recheck_secs`
    /// (through Redis when `redis_url` is set, else through the data directory).
    RevokeSessions {
        /// The Contact's Salesforce id.
        #[arg(long)]
        contact: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            match portal::http::ApiDoc::openapi().to_pretty_json() {
                Ok(json) => println_out(&json),
                Err(err) => return fail(&err.to_string()),
            }
            ExitCode::SUCCESS
        }
        Command::HashPassword => hash_password(),
        Command::CheckConfig { offline } => match portal::Config::load(cli.config.as_deref()) {
            Ok(_) if offline => ExitCode::SUCCESS,
            Ok(config) => check_forms(&config),
            Err(err) => fail(&err.to_string()),
        },
        Command::Healthcheck => healthcheck(cli.config),
        Command::RevokeSessions { contact } => revoke_sessions(cli.config, &contact),
        Command::Serve => serve(cli.config),
    }
}

fn serve(config_file: Option<PathBuf>) -> ExitCode {
    let config = match portal::Config::load(config_file.as_deref()) {
        Ok(config) => config,
        Err(err) => return fail(&err.to_string()),
    };
    let telemetry =
        match portal::observability::telemetry::init_with(&config.log, &config.telemetry) {
            Ok(telemetry) => telemetry,
            Err(err) => return fail(&format!("telemetry: {err:#}")),
        };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => return fail(&format!("starting the runtime: {err}")),
    };
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
        portal::run(config, listener).await
    });
    if let Err(err) = &result {
        tracing::error!(error = format!("{err:#}"), "portal failed");
    }
    // Until here the log lines are written by a worker thread: this writes out the last ones.
    telemetry.shutdown();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(&format!("{err:#}")),
    }
}

fn check_forms(config: &portal::Config) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => return fail(&format!("starting the runtime: {err}")),
    };
    match runtime.block_on(portal::app::check_forms(config)) {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => fail(&format!("{err:#}")),
    }
}

fn revoke_sessions(config_file: Option<PathBuf>, contact: &str) -> ExitCode {
    let config = match portal::Config::load(config_file.as_deref()) {
        Ok(config) => config,
        Err(err) => return fail(&err.to_string()),
    };
    let Ok(contact) = portal::salesforce::SalesforceId::parse(contact.trim()) else {
        return fail("--contact must be a Salesforce id (15 or 18 characters)");
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => return fail(&format!("starting the runtime: {err}")),
    };
    let max_age = chrono::Duration::seconds(
        i64::try_from(config.auth.session_max_age_secs).unwrap_or(i64::MAX / 2),
    );
    let revoked = runtime.block_on(async {
        let shared = portal::shared_state::SharedState::build(&config).await?;
        let now = chrono::Utc::now();
        shared
            .revocations(&config.data_dir)
            .revoke_contact(contact.as_str(), now, now + max_age)
            .await
            .map_err(|err| err.0)
    });
    match revoked {
        Ok(()) => {
            println_out(&format!(
                "Revoked every session of contact {contact} signed in until now; they end within {} seconds.",
                config.auth.authorization_recheck_secs
            ));
            ExitCode::SUCCESS
        }
        Err(err) => fail(&format!("{err:#}")),
    }
}

fn healthcheck(config_file: Option<PathBuf>) -> ExitCode {
    let config = match portal::Config::load(config_file.as_deref()) {
        Ok(config) => config,
        Err(err) => return fail(&err.to_string()),
    };
    let mut addr = config.listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let url = format!("{scheme}://{addr}/healthz");
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => return fail(&format!("starting the runtime: {err}")),
    };
    let answer = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(5))
            // This process's own listener on loopback: its certificate names the public host,
            // not this address, and proves nothing here.
            .danger_accept_invalid_certs(true)
            .build()?;
        client.get(&url).send().await.map(|r| r.status())
    });
    match answer {
        Ok(status) if status == reqwest::StatusCode::OK => ExitCode::SUCCESS,
        Ok(status) => fail(&format!("{url} answered {status}")),
        Err(err) => fail(&format!("{url}: {err}")),
    }
}

fn hash_password() -> ExitCode {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let mut password = String::new();
    if std::io::stdin().read_line(&mut password).is_err() {
        return fail("could not read a password from standard input");
    }
    let password = password.trim_end_matches(['\r', '\n']);
    match argon2::Argon2::default()
        .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
    {
        Ok(hash) => {
            println_out(&hash.to_string());
            ExitCode::SUCCESS
        }
        Err(err) => fail(&err.to_string()),
    }
}

fn println_out(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{text}");
}

fn fail(message: &str) -> ExitCode {
    eprintln!("portal: {message}");
    ExitCode::FAILURE
}
