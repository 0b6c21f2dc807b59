//! Conformance tooling for `oidc-jwt-verifier`, usable in your own tests:
//! a **test issuer** that mints tokens and publishes key sets, and a
//! **scripted loopback HTTP(S) server** that plays the identity provider's
//! discovery and JWKS endpoints, including their failures.
//!
//! Nothing here verifies tokens, so it tests any verifier: the conformance
//! runner of this project drives ours with it.
//!
//! # Testing your service
//!
//! Stand up an issuer and a server, point your verifier at the server's
//! loopback URL (trusting the server's CA), then send your service tokens:
//!
//! ```
//! use oidc_jwt_verifier_conformance::{FixedKey, Issuer, Reply, Retire, ScriptedServer, TestKey};
//! use serde_json::json;
//!
//! // The identity provider your service trusts, with a fixed TEST ONLY key.
//! let mut issuer = Issuer::with_key(
//!     "https://id.example.test/",
//!     TestKey::fixed(FixedKey::Rsa2048A)?,
//! );
//! let server = ScriptedServer::start()?;
//! let jwks = "https://login.example.test/.well-known/jwks.json";
//! server.serve_json(jwks, issuer.jwks())?;
//!
//! // Configure the verifier under test with these two:
//! let jwks_url = server.map_url(jwks)?; // https://127.0.0.1:<port>/.well-known/jwks.json
//! let ca_pem = server.ca_pem(); // trust this root for the HTTPS connection
//! assert!(jwks_url.starts_with("https://127.0.0.1:"));
//! assert!(ca_pem.contains("BEGIN CERTIFICATE"));
//!
//! // A token your service should accept...
//! let token = issuer
//!     .token()
//!     .claim("sub", json!("alice"))
//!     .claim("aud", json!("https://api.example.test"))
//!     .claim("exp", json!(4102444800_u64))
//!     .sign(issuer.signing_key())?;
//! # let _ = token;
//!
//! // ... a key rotation it should pick up ...
//! issuer.rotate(Retire::Nothing)?;
//! server.serve_json(jwks, issuer.jwks())?;
//!
//! // ... and an outage it should survive on cached keys.
//! server.serve(jwks, Reply::Refused)?;
//!
//! // Then check how often your service fetched the key set
//! // (no verifier ran in this example, so nothing was fetched).
//! assert_eq!(server.requests(jwks), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Broken tokens come from [`TokenBuilder`] (any header or claims,
//! duplicate members, raw segments, any signature bytes) and from the
//! [`tamper`] functions (flipped, truncated, zeroed or DER-encoded
//! signatures, padding, the standard base64 alphabet, JWE shape).
//!
//! # Keys
//!
//! [`TestKey::generate`] makes RSA (any size; under 2048 bits for negative
//! tests), EC P-256/384/521, Ed25519 and Ed448 keys. Signatures are made
//! with josekit's signers (OpenSSL directly for RSA under 2048 bits, which
//! josekit refuses). [`FixedKey`] names the keys shipped in
//! `conformance/keys/`: **TEST ONLY**, their private halves are public.
//!
//! # Deterministic output
//!
//! With fixed keys, RS* and EdDSA (Ed25519, Ed448) tokens are byte for byte
//! the same on every run. PS* and ES* signatures are randomized by OpenSSL
//! ([`SigningAlg::is_deterministic`]), so tokens using them differ per run.
//! The policy for this project's corpus generator ([`generate`]) is
//! therefore: the corpus is generated once and checked in; the generator
//! writes a case file only when it is missing (`--force` rewrites); a test
//! regenerates the corpus into a temporary folder and requires the same
//! files, byte for byte, except the signatures of PS*/ES* tokens.
#![forbid(unsafe_code)]

pub mod case;
pub mod demo;
pub mod generate;
pub mod issuer;
pub mod runner;
pub mod server;

pub use issuer::{
    discovery_document, tamper, FixedKey, Issuer, IssuerError, KeyKind, Retire, Segment,
    SigningAlg, TestKey, TokenBuilder,
};
pub use server::{Body, RecordedRequest, Reply, Response, ScriptedServer, ServerError, ServerTls};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
