//! Conformance tooling for `oidc-jwt-verifier`, usable in your own tests.
#![forbid(unsafe_code)]

pub mod issuer;
pub mod server;

pub use issuer::{
    discovery_document, tamper, FixedKey, Issuer, IssuerError, KeyKind, Retire, Segment,
    SigningAlg, TestKey, TokenBuilder,
};
pub use server::{Body, RecordedRequest, Reply, Response, ScriptedServer, ServerError};
