//! Blocking driver for [`oidc_jwt_verifier_core`]: verifies OAuth 2.0 /
//! OpenID Connect JWT access tokens, fetching the issuer's keys with `ureq`.
//!
//! The core decides everything (the checks, the key cache, when to fetch,
//! retries and backoff); this crate only performs the HTTP GETs it asks for
//! and makes concurrent callers share them.
//!
//! - [`JwtVerifier`] verifies tokens; [`JwksClient`] offers the key-source
//!   operations alone. Both are `Send + Sync`: build one and share it (for
//!   instance in an `Arc`) across the whole process.
//! - A verification with fresh keys does no I/O and holds no lock while the
//!   signature is checked. Callers that need the same refresh share one HTTP
//!   request; one that needs none never waits for it. When keys near the end
//!   of their freshness, the refresh runs on a background thread.
//! - HTTPS goes through the TLS stack the crate's features choose, exactly
//!   one: `native-tls` (the default; OpenSSL on Linux) or `rustls` (on
//!   aws-lc-rs). It trusts the platform's roots, or only those given to
//!   [`Builder::root_certificate_pem`], or Mozilla's
//!   ([`Builder::webpki_roots`]). No proxy is used unless the builder is
//!   given one ([`Builder::proxy`]) or asked to read `HTTPS_PROXY`
//!   ([`Builder::proxy_from_env`]). Redirects are followed only where the
//!   core allows them; bodies are read to the core's limit and no further.
//!
//! # Example
//!
//! ```no_run
//! use oidc_jwt_verifier_blocking::{AuthConfig, JwtVerifier};
//!
//! let config = AuthConfig::with_jwks_url(
//!     "https://login.example.com/",
//!     "api://orders",
//!     "https://login.example.com/.well-known/jwks.json",
//! );
//! let verifier = JwtVerifier::new(config)?;
//!
//! // In a request handler, with the value of the `Authorization` header:
//! let authorization: Option<&str> = Some("Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
//! match verifier.verify_authorization_header(authorization) {
//!     Ok(claims) => println!("hello, {:?}", claims.subject),
//!     Err(error) => {
//!         // A stable code, the status to answer with, and the RFC 6750
//!         // challenge for its `WWW-Authenticate` header (none for 503s).
//!         let status: u16 = error.status();
//!         let challenge: Option<String> = error.www_authenticate(Some("orders"));
//!         eprintln!("{} -> {status} {challenge:?}", error.code());
//!     }
//! }
//!
//! // Readiness probe: keys cached and usable.
//! let ready: bool = verifier.healthcheck(false);
//! # let _ = ready;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod engine;
mod http;
mod tls;

pub use engine::Engine;
pub use http::HttpClient;

/// Verifies JWT access tokens, blocking the calling thread for the fetches
/// it needs (the core's [`handle::JwtVerifier`](oidc_jwt_verifier_core::handle::JwtVerifier)
/// on this crate's [`Engine`]).
pub type JwtVerifier = oidc_jwt_verifier_core::handle::JwtVerifier<Engine>;
/// The key-source operations alone (the core's
/// [`handle::JwksClient`](oidc_jwt_verifier_core::handle::JwksClient) on this crate's [`Engine`]).
pub type JwksClient = oidc_jwt_verifier_core::handle::JwksClient<Engine>;
/// Verifies tokens of several issuers, each with its own key cache (the
/// core's [`handle::MultiIssuerVerifier`](oidc_jwt_verifier_core::handle::MultiIssuerVerifier)
/// on this crate's [`Engine`]).
pub type MultiIssuerVerifier = oidc_jwt_verifier_core::handle::MultiIssuerVerifier<Engine>;

/// The core crate, for what this one does not re-export (writing a driver).
pub use oidc_jwt_verifier_core as core;
/// The `http` crate types of the request entry points (`HeaderMap`, `Request`, `Response`).
pub use oidc_jwt_verifier_core::http_types;
/// Every core type a user of this driver meets.
pub use oidc_jwt_verifier_core::{
    preset, token_from_authorization, AccessTokenClaims, Algorithm, Audience, AuthConfig,
    AuthError, BuildError, Builder, CheckName, CheckReport, ClaimName, Claims, ClaimsTypeError,
    Clock, Compared, ConfigError, Counters, Curve, DpopMode, DpopProblem, ErrorResponse, Event,
    Explain, FetchId, FreshnessSource, IncomingRequest, IssuerRouter, KeyFamily, KeysState,
    LastFailure, ManualClock, Now, NumericDate, Origin, Outcome, Requirements, SigningKey,
    SourceError, SourceProblem, Status, SystemClock, TokenSource, TransportKind, UnixTime,
    Unusable, ERROR_CODES, TRACING_TARGET,
};
