//! The conformance suite of `oidc-jwt-verifier`: the case model
//! ([`case`], the format of `docs/case-format.md`), the corpus generator
//! ([`generate`]), the runner that plays a case through the core, the
//! blocking driver and the async driver ([`runner`]), the demo ([`demo`])
//! and the `conformance` command line.
//!
//! The test issuer and the scripted loopback server the cases are played
//! with are the test kit's (`oidc-jwt-verifier-testkit`), re-exported here
//! under their old paths ([`issuer`], [`server`] and the names at the root)
//! for code written against them; new tests depend on the kit itself.
//!
//! # The corpus, generated once
//!
//! With fixed keys, RS* and EdDSA tokens are byte for byte the same on
//! every run; PS* and ES* signatures are randomized by OpenSSL
//! ([`SigningAlg::is_deterministic`]). So the corpus is generated once and
//! checked in; the generator writes a case file only when it is missing
//! (`--force` rewrites); a test regenerates the corpus into a temporary
//! folder and requires the same files, byte for byte, except the signatures
//! of PS*/ES* tokens.
#![forbid(unsafe_code)]

pub mod case;
pub mod demo;
pub mod generate;
pub mod runner;

pub use oidc_jwt_verifier_testkit::{
    discovery_document, tamper, Body, FixedKey, Issuer, IssuerError, KeyKind, RecordedRequest,
    Reply, Response, Retire, ScriptedServer, Segment, ServerError, ServerTls, SigningAlg, TestKey,
    TokenBuilder,
};
pub use oidc_jwt_verifier_testkit::{issuer, server};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
