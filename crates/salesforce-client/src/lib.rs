//! A Salesforce REST API client for server-to-server integrations.
//!
//! - OAuth 2.0 JWT bearer and client credentials flows; the token is cached, shared by every
//!   clone of the client, and renewed once (single-flight) when Salesforce answers 401
//!   `INVALID_SESSION_ID`, after which the call is sent again.
//! - SOQL queries with paging, and [`soql`] functions that quote every literal safely.
//! - sObject retrieve, create, update, upsert by external id; `/composite`; streaming
//!   `ContentVersion` downloads; `/limits` and the `Sforce-Limit-Info` usage of every response.
//! - Typed errors ([`Error`]) that tell transient failures from permanent ones, and never carry
//!   secrets ([`SecretString`]).
//!
//! See `docs/decisions/002-salesforce-client.md` for why this crate exists.

mod auth;
mod client;
mod config;
mod error;
mod id;
mod model;
mod secret;
pub mod soql;

pub use client::{Download, SalesforceClient};
pub use config::{Config, Credentials, DEFAULT_API_VERSION};
pub use error::{ApiError, AuthError, AuthFlow, AuthProblem, Error, ErrorCode};
pub use id::{InvalidId, RecordId};
pub use model::{
    ApiUsage, CompositeRequest, CompositeResponse, CompositeSubrequest, CompositeSubresponse,
    Limit, Limits, QueryOptions, QueryPage, UpsertResult,
};
pub use secret::SecretString;
