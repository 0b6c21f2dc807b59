//! A test kit for services that verify OAuth 2.0 / OpenID Connect JWT
//! access tokens: everything an identity provider publishes and signs,
//! played on loopback, so a test can check that its verifier accepts what
//! it must and refuses what it must.
//!
//! - [`TestKey`]: signing keys of every JOSE algorithm (RS*, PS*, ES*,
//!   EdDSA, Ed25519, Ed448), generated ([`TestKey::generate`]) or fixed
//!   ([`FixedKey`]: **TEST ONLY**, their private halves are public, shipped
//!   in the crate's `keys/` folder).
//! - [`Issuer`]: a rotating set of keys, its JWK Set, its discovery
//!   document and its tokens; [`TokenBuilder`] writes any token, well-formed
//!   or broken (any header and claims, duplicate members, raw segments, any
//!   signature bytes), and the [`tamper`] functions break a good one
//!   (flipped, truncated, zeroed or DER-encoded signatures, padding, the
//!   standard base64 alphabet, JWE shape). [`issuer::small_order`] has the
//!   Edwards keys a verifier must refuse and the forgery they allow;
//!   [`filler_rsa_jwks`] pads a key set. [`DpopProofBuilder`] signs the
//!   DPoP proofs (RFC 9449) of a client, well-formed or broken.
//! - [`ScriptedServer`]: the provider's discovery and JWKS endpoints on
//!   loopback, HTTPS with a generated CA ([`TestCa`], which also issues
//!   other servers' certificates and `x5c` chains), answers a test changes
//!   at any time ([`Reply`], [`Response`]: any status, headers and body,
//!   gzip, redirects, a delay, a refused connection, a timeout), request
//!   and connection counts, recorded requests.
//! - [`ConnectProxy`]: a loopback HTTP proxy that opens `CONNECT` tunnels
//!   and records each ([`Tunnel`]: its target and `Proxy-Authorization`),
//!   for testing a client's proxy support.
//! - [`clock`]: named instants, the system's Unix time, and
//!   [`SimulatedTime`], a time the test moves; [`SeededRng`] for
//!   simulations that replay; [`logs`] (feature `tracing`) keeps what a
//!   verifier logs.
//!
//! Nothing here verifies a token, and the kit depends on no crate of this
//! project, so it tests any verifier.
//!
//! # Testing your service
//!
//! Stand up an issuer and a server, point your verifier at the server's
//! loopback URL (trusting the server's CA), then send your service tokens:
//!
//! ```
//! use oidc_jwt_verifier_testkit::{clock, FixedKey, Issuer, Reply, Retire, ScriptedServer, TestKey};
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
//!     .claim("exp", json!(clock::JAN_1_2100))
//!     .sign(issuer.signing_key())?;
//! # let _ = token;
//!
//! // ... a key rotation it should pick up (publish the new key, then sign
//! // with it: a verifier refetches an unknown `kid` at most once per
//! // refetch cooldown) ...
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
//! # Deterministic output
//!
//! With fixed keys, RS* and EdDSA (Ed25519, Ed448) tokens are byte for byte
//! the same on every run. PS* and ES* signatures are randomized by OpenSSL
//! ([`SigningAlg::is_deterministic`]), so tokens using them differ per run.
#![forbid(unsafe_code)]

/// The crate README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;

pub mod ca;
pub mod clock;
pub mod issuer;
#[cfg(feature = "tracing")]
pub mod logs;
pub mod proxy;
pub mod rng;
pub mod server;

pub use ca::{CaError, ServerIdentity, TestCa};
pub use clock::SimulatedTime;
pub use issuer::{
    access_token_hash, certificate_thumbprint, discovery_document, filler_rsa_jwks, jwks_of,
    tamper, DpopProofBuilder, FixedKey, Issuer, IssuerError, KeyKind, Retire, Segment, SigningAlg,
    TestKey, TokenBuilder,
};
pub use proxy::{ConnectProxy, Tunnel};
pub use rng::SeededRng;
pub use server::{
    Body, Encoding, Framing, RecordedRequest, Reply, Response, ScriptedServer, ServerError,
    ServerTls,
};
