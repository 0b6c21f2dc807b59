//! Sans-IO verification of OAuth 2.0 / OpenID Connect JWT access tokens.
//!
//! A [`Verifier`] checks a bearer token against an issuer's public keys, which
//! it asks its driver to fetch from a JWK Set URL (or through OpenID Connect
//! discovery), caches, and refreshes on rotation and after outages. It reads
//! no clock, opens no socket and starts no thread: every time is an argument
//! and every HTTP exchange is a request it hands out and an answer it is fed.
//! The ready-made drivers are `oidc-jwt-verifier-blocking` (ureq) and
//! `oidc-jwt-verifier-async` (hyper + tokio); this crate is for writing one
//! for another runtime, and for deterministic tests.
//!
//! # Where each rule lives
//!
//! | SPEC.md | module |
//! | --- | --- |
//! | Error codes, statuses, `WWW-Authenticate` | `error` |
//! | `Authorization` header | `bearer` |
//! | Token length, compact parsing, header policy | `token` (strict JSON in `json`) |
//! | Keys: usability, validity, signatures | `jwk`; the set, its limits and key selection in `jwks` |
//! | Claims, scopes, permissions | `claims` (nested claims by JSON Pointer in `pointer`) |
//! | Configuration | `config` (as JSON in `config/json.rs`) |
//! | The RFC 9068 access token profile | `profile` |
//! | Identity provider presets | [`preset`] |
//! | Fetching and caching | `source` (the state machine), `cache` (windows, `Cache-Control`), `backoff` (rule 5), `discovery` (rule 1) |
//! | Redirects (rule 9), body limit | `http`, `url` |
//!
//! # The driver loop
//!
//! After every operation, call [`Verifier::poll_fetch`]. After `NeedKeys`,
//! perform the request it gives (or, when it gives none, wait for the caller
//! performing one), feed the answer back, and ask again. After an answer, a
//! request it gives is a refresh-ahead nobody waits for. Here the "HTTP GET"
//! is a function returning a fixed JWK Set:
//!
//! ```
//! use std::time::Instant;
//! use oidc_jwt_verifier_core::{
//!     AuthConfig, AuthError, Claims, FetchRequest, HttpResponse, Now, UnixTime, Verdict, Verifier,
//! };
//!
//! const JWKS: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/example-jwks.json"));
//! const TOKEN: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/example-token.txt"));
//!
//! /// Your HTTP client goes here (honouring `request.timeout()`,
//! /// `request.max_body_bytes()` and the redirects of `request.hops()`).
//! fn http_get(request: &FetchRequest) -> HttpResponse {
//!     assert_eq!(request.url(), "https://login.example.test/jwks");
//!     HttpResponse { status: 200, body: JWKS.as_bytes().to_vec(), ..HttpResponse::default() }
//! }
//!
//! fn verify(verifier: &mut Verifier, token: &str, now: Now) -> Result<Claims, AuthError> {
//!     loop {
//!         match verifier.verify(token, now) {
//!             Verdict::Check(check) => {
//!                 // A request now is a refresh-ahead: run it in the background.
//!                 while let Some(request) = verifier.poll_fetch(now.monotonic) {
//!                     let response = http_get(&request);
//!                     let _ = verifier.handle_response(request.id(), response, now.monotonic);
//!                 }
//!                 return check.finish(); // signature and claims: no state needed
//!             }
//!             Verdict::Rejected(error) => return Err(error),
//!             Verdict::NeedKeys => {
//!                 while let Some(request) = verifier.poll_fetch(now.monotonic) {
//!                     let response = http_get(&request);
//!                     verifier
//!                         .handle_response(request.id(), response, now.monotonic)
//!                         .expect("the answer to the request in flight");
//!                 }
//!             }
//!         }
//!     }
//! }
//!
//! let config = AuthConfig::with_jwks_url(
//!     "https://id.example.test/",
//!     "https://api.example.test",
//!     "https://login.example.test/jwks",
//! );
//! let mut verifier = Verifier::new(config)?;
//! let now = Now { wall: UnixTime::from_secs_f64(1_767_225_600.0), monotonic: Instant::now() };
//!
//! let claims = verify(&mut verifier, TOKEN.trim(), now)?;
//! assert_eq!(claims.subject.as_deref(), Some("alice"));
//!
//! let error = verify(&mut verifier, "not.a.token", now).unwrap_err();
//! assert_eq!((error.code(), error.status()), ("malformed_token", 401));
//! assert_eq!(
//!     error.www_authenticate(Some("api")).as_deref(),
//!     Some(r#"Bearer realm="api", error="invalid_token", error_description="Malformed token""#)
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With several threads, keep the verifier behind a mutex, call
//! [`Check::finish`] after releasing it, and let callers that get `NeedKeys`
//! and no request wait until [`Verifier::is_refreshing`] is false: that is
//! single flight (SPEC.md rule 7).
#![forbid(unsafe_code)]
// Unit tests may read a clock or start a thread; the state machine never does.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

mod alg;
mod backoff;
mod bearer;
mod build;
mod cache;
mod claims;
mod config;
mod discovery;
mod error;
mod http;
mod json;
mod jwk;
mod jwks;
mod pointer;
pub mod preset;
mod profile;
mod source;
mod time;
mod token;
mod url;
mod verifier;

pub use alg::{Algorithm, Curve, KeyFamily};
pub use bearer::token_from_authorization;
pub use build::{root_certificates_from_pem, BuildError};
pub use claims::{Audience, Claims, NumericDate};
pub use config::{AuthConfig, ConfigError};
pub use error::{AuthError, ClaimName, ErrorResponse, SourceProblem};
pub use http::{
    FetchId, FetchRequest, Hops, HttpResponse, TransportFailure, MAX_BODY_BYTES, MAX_REDIRECTS,
    USER_AGENT,
};
pub use jwk::SigningKey;
pub use profile::AccessTokenClaims;
pub use time::{Clock, ManualClock, Now, SystemClock, UnixTime};
pub use verifier::{Answer, Check, KeyQuery, UnexpectedFetch, Verdict, Verifier};
