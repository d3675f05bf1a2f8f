//! Services: business rules and authorisation, between the routes and the Salesforce port.
//! Each takes the signed-in [`auth::Session`] and reads or writes only that customer's records.
//! They are built and wired in `crate::app`.

pub mod appointments;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod case_status;
pub mod cases;
pub mod comments;
pub mod documents;
pub mod exports;
pub mod forms;
pub mod idempotency;
pub mod keys;
pub mod listing;
pub mod mail;
pub mod notifications;
pub mod oidc;
pub mod passwords;
pub mod products;
pub mod profile;
pub mod recommendation;
pub mod roles;
pub mod sign_in_guard;
