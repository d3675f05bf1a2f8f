//! The emulator driven over real HTTP on 127.0.0.1:0, one test binary for speed of linking.

mod activities;
mod bulk;
mod common;
mod composite;
mod doc_shapes;
mod faults;
mod files;
mod metadata;
mod oauth;
mod oidc;
mod query;
mod sobjects;
