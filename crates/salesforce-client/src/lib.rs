//! A Salesforce REST API client for server-to-server integrations.
//!
//! - OAuth 2.0 JWT bearer and client credentials flows; the token is cached, shared by every
//!   clone of the client, and renewed once (single-flight) when Salesforce answers 401
//!   `INVALID_SESSION_ID`, after which the call is sent again. [`SalesforceClient::token_state`]
//!   tells a health check whether a token is held, without a request.
//! - SOQL queries with paging, and [`soql`] functions that quote every literal safely.
//! - sObject retrieve, create, update, upsert by external id; `/composite`; streaming
//!   `ContentVersion` downloads; `/limits` and the `Sforce-Limit-Info` usage of every response.
//! - [`RequestId::scope`] sends the caller's request id as `X-Request-Id` on every REST call
//!   made within it, to match Salesforce calls to the request that caused them.
//! - Typed errors ([`Error`]) that tell transient failures from permanent ones, and never carry
//!   secrets ([`SecretString`]).
//!
//! Works unchanged against a real org and against a local emulator: the login URL may be
//! `http://127.0.0.1:PORT`, and every REST call goes to the `instance_url` the token response names.
//!
//! ```no_run
//! use salesforce_client::{soql, Config, Credentials, QueryOptions, SalesforceClient, SalesforceId};
//!
//! #[derive(serde::Deserialize)]
//! struct Case {
//!     #[serde(rename = "Id")]
//!     id: SalesforceId,
//!     #[serde(rename = "Subject")]
//!     subject: String,
//! }
//!
//! # async fn run(private_key_pem: String) -> Result<(), salesforce_client::Error> {
//! let client = SalesforceClient::new(
//!     Config::new(
//!         "https://login.salesforce.com",
//!         Credentials::JwtBearer {
//!             consumer_key: "3MVG9...".into(),
//!             username: "integration@example.com".into(),
//!             private_key_pem: private_key_pem.into(),
//!         },
//!     )
//!     .with_client_name("portal"),
//! )?;
//! let account = SalesforceId::parse("001D000000IRFmaIAH").expect("valid id");
//! let cases: Vec<Case> = client
//!     .query_all_pages(
//!         &format!("SELECT Id, Subject FROM Case WHERE AccountId = {}", soql::id_literal(&account)),
//!         &QueryOptions::default(),
//!     )
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! See `docs/decisions/002-salesforce-client.md` for why this crate exists.

mod auth;
mod client;
mod config;
mod error;
mod id;
mod model;
mod request_id;
mod secret;
pub mod soql;

pub use auth::TokenState;
pub use client::{
    BulkJobState, BulkQueryJob, BulkResultsPage, Download, FileUpload, SalesforceClient,
};
pub use config::{Config, Credentials, DEFAULT_API_VERSION};
pub use error::{ApiError, AuthError, AuthFlow, AuthProblem, Error, ErrorCode};
pub use id::{InvalidId, SalesforceId};
pub use model::{
    ApiUsage, CompositeRequest, CompositeResponse, CompositeSubrequest, CompositeSubresponse,
    Limit, Limits, QueryOptions, QueryPage, UpsertResult,
};
pub use request_id::RequestId;
pub use secret::SecretString;

#[cfg(test)]
mod tests {
    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn public_types_can_cross_tasks() {
        assert_send_sync::<super::SalesforceClient>();
        assert_send_sync::<super::Error>();
        assert_send_sync::<super::Config>();
        fn assert_send<T: Send>() {}
        assert_send::<super::Download>();
    }
}
