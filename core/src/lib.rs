//! Sans-IO verification of OAuth 2.0 / OpenID Connect JWT access tokens.
//!
//! A [`Verifier`] checks a bearer token against an issuer's public keys, which
//! it asks its driver to fetch from a JWK Set URL (or through OpenID Connect
//! discovery), caches, and refreshes on rotation and after outages. It reads
//! no clock, opens no socket and starts no thread: every time is an argument
//! and every HTTP exchange is a request it hands out and an answer it is fed.
//! The ready-made drivers are `oidc-jwt-verifier-blocking` (ureq) and
//! `oidc-jwt-verifier-async` (hyper + tokio); this crate is for writing one
//! for another runtime (an engine under the public handles of [`handle`]),
//! and for deterministic tests.
//!
//! # Where each rule lives
//!
//! | the rules | module |
//! | --- | --- |
//! | Error codes, statuses, `WWW-Authenticate`; 503 causes | `error` |
//! | `Authorization` header | `bearer` |
//! | Sender-constrained tokens: the scheme, what a request must prove | `sender` (DPoP proofs in `dpop`, their replay cache in `replay`, `cnf` and thumbprints in `confirmation`) |
//! | Token sources: `Authorization`, a named header, a cookie | `request` (RFC 6265 cookies in `cookie`) |
//! | Per-route scopes and permissions | `requirements` (judged in `claims`) |
//! | Several issuers: routing by the unverified `iss` | [`IssuerRouter`] (`issuers`) |
//! | Token length, compact parsing, header policy | `token` (strict JSON in `json`) |
//! | Keys: which algorithms a JWK fits | `jwk`; the set, its limits and key selection in `jwks` |
//! | Keys: parameters, signatures, the signature backend | `crypto` (RSA in `crypto::key`, NIST points in `crypto::weierstrass`, Edwards points in `crypto::edwards`, RSA encodings in `crypto::emsa`) |
//! | Claims, scopes, permissions | `claims` (nested claims by JSON Pointer in `pointer`) |
//! | Configuration | `config` (as JSON in `config/json.rs`) |
//! | The RFC 9068 access token profile | `profile` |
//! | Identity provider presets | [`preset`] |
//! | Fetching and caching | `source` (the state machine), `cache` (windows, `Cache-Control`), `backoff` (rule 5, `Retry-After`), `discovery` (rule 1) |
//! | Reading an answer: statuses, retries (rule 6), the parse | `answer` |
//! | Redirects (rule 9) | `hops`, `url` (RFC 3986 resolution) |
//! | Bodies (rule 10): limit, `Content-Encoding` | `body` |
//! | The driving protocol | `progress`, `timer`, `event`, `status`; the lock-free halves of a verification in `check` |
//! | The drivers' builder: clock, roots, the HTTPS proxy (`HTTPS_PROXY`, `NO_PROXY`), the caller's client | `builder`, `transport`, `proxy` |
//! | The public handles on a driver's engine; the shared lock, what an abandoned refresh tells the core | [`handle`] (`SharedCore`, `Refresh`) |
//! | The explain report (the same checks, reported one by one) | `explain` |
//!
//! # The driver loop
//!
//! Every operation answers a [`Progress`]: the answer (perhaps with a
//! refresh-ahead to run in the background), a request for this caller to
//! perform, or a wait for another caller's. A request is performed hop by
//! hop ([`FetchRequest::hops`]), its outcome read without the verifier
//! ([`FetchRequest::read`]: that is where the key set is parsed), and the
//! answer fed back ([`Verifier::handle_answer`]), which says whether the
//! refresh goes on. Here the "HTTP GET" is a function returning a fixed
//! JWK Set:
//!
//! ```
//! use std::time::Instant;
//! use oidc_jwt_verifier_core::{
//!     AuthConfig, AuthError, Claims, FetchNext, FetchRequest, HttpResponse, Now, Progress, Query,
//!     TransportFailure, UnixTime, Verifier,
//! };
//!
//! const JWKS: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/example-jwks.json"));
//! const TOKEN: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/example-token.txt"));
//!
//! /// Your HTTP client goes here: GET each of `request.hops()` with
//! /// `request.headers()` within `request.timeout()`, letting `hops.judge`
//! /// decide every redirect, and read at most `request.max_body_bytes() + 1`
//! /// bytes of the final body.
//! fn http_get(request: &FetchRequest) -> Result<HttpResponse, TransportFailure> {
//!     assert_eq!(request.url(), "https://login.example.test/jwks");
//!     Ok(HttpResponse { status: 200, body: JWKS.as_bytes().to_vec(), ..HttpResponse::default() })
//! }
//!
//! /// Performs a refresh: request after request, until it ends.
//! fn refresh(verifier: &mut Verifier, mut request: FetchRequest, now: Now) {
//!     loop {
//!         let answer = request.read(http_get(&request)); // no verifier needed
//!         match verifier.handle_answer(answer, now) {
//!             Ok(FetchNext::Perform(next)) => request = next,
//!             Ok(FetchNext::Ended) | Err(_) => return,
//!         }
//!     }
//! }
//!
//! fn verify(verifier: &mut Verifier, token: &str, now: Now) -> Result<Claims, AuthError> {
//!     let mut query = Query::new(); // this operation, across its rounds
//!     loop {
//!         match verifier.verify(token, &mut query, now) {
//!             Progress::Done { answer, background } => {
//!                 if let Some(ahead) = background {
//!                     refresh(verifier, ahead, now); // a real driver does not wait for it
//!                 }
//!                 return answer?.finish(); // signature and claims: no verifier needed
//!             }
//!             Progress::Fetch(request) => refresh(verifier, request, now),
//!             Progress::Wait { .. } => unreachable!("one caller: nobody else fetches"),
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
//!
//! // What happened, for the logs (`Event::emit` with the `tracing` feature).
//! let event = verifier.poll_event().expect("the fetch");
//! assert_eq!(event.name(), "keys_refreshed");
//! let status = verifier.status(now);
//! assert_eq!((status.counters.accepted, status.counters.fetches), (1, 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With several threads, keep the verifier behind a mutex, and hold it only
//! for the verifier's calls: perform requests, [`FetchRequest::read`] their
//! outcome and [`Check::finish`] with it released; a caller told to
//! [`Progress::Wait`] waits (releasing the lock) until the refresh under
//! way ends, which is single flight (rule 7). Better still, as both
//! drivers do, hold it for the key lookup alone: read the token with a
//! [`TokenReader`] ([`Verifier::token_reader`]) before taking the lock, ask
//! [`Verifier::choose_key`] with it, and [`Token::finish`] after releasing
//! it, so that no thread ever waits for another's parsing or signature.
#![forbid(unsafe_code)]
// Unit tests may read a clock or start a thread; the state machine never does.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

mod alg;
mod answer;
mod backoff;
mod bearer;
mod body;
mod build;
mod builder;
mod cache;
mod check;
mod claims;
mod config;
mod confirmation;
mod cookie;
mod crypto;
mod discovery;
mod dpop;
mod error;
mod event;
mod explain;
pub mod handle;
mod hops;
mod http;
mod issuers;
mod json;
mod jwk;
mod jwks;
#[doc(hidden)]
pub mod parts;
mod pointer;
pub mod preset;
mod profile;
mod progress;
mod proxy;
mod replay;
mod request;
mod requirements;
mod sender;
mod source;
mod status;
mod time;
mod timer;
mod token;
mod transport;
mod url;
mod verifier;

pub use alg::{Algorithm, Curve, KeyFamily};
pub use answer::FetchAnswer;
pub use bearer::token_from_authorization;
pub use build::{root_certificates_from_pem, BuildError};
pub use builder::{Build, BuildParts, Builder, ClientChoice};
pub use cache::FreshnessSource;
pub use check::{Check, ChosenKey, Token, TokenReader};
pub use claims::{Audience, Claims, NumericDate};
pub use config::{AuthConfig, ConfigError};
pub use crypto::SIGNATURE_BACKEND;
pub use dpop::{DpopMode, DpopProblem};
pub use error::{
    AuthError, ClaimName, ClaimsTypeError, ErrorResponse, SourceError, SourceProblem, ERROR_CODES,
};
#[cfg(feature = "tracing")]
pub use event::TRACING_TARGET;
pub use event::{Event, MAX_QUEUED_EVENTS};
pub use explain::{CheckName, CheckReport, Compared, Explain, Origin, Outcome};
pub use hops::{Hop, Hops};
pub use http::{
    FetchId, FetchRequest, FetchStage, HttpResponse, TransportFailure, TransportKind,
    MAX_BODY_BYTES, MAX_ENCODED_BODY_BYTES, MAX_REDIRECTS, USER_AGENT,
};
pub use issuers::IssuerRouter;
pub use jwk::{SigningKey, Unusable};
pub use profile::AccessTokenClaims;
pub use progress::{FetchNext, Progress};
pub use proxy::{HttpsProxy, ProxyError};
pub use request::TokenSource;
pub use requirements::Requirements;
pub use sender::IncomingRequest;
pub use status::{Counters, KeysState, LastFailure, Status};
pub use time::{Clock, ManualClock, Now, SystemClock, UnixTime};
pub use timer::{Timer, TimerReason};
pub use transport::{Roots, Transport, TransportOptions};
pub use verifier::{Query, UnexpectedFetch, Verifier};

/// The HTTP types of the driver interface ([`HttpResponse::headers`],
/// [`FetchRequest::headers`]): the `http` crate, as ureq 3 and hyper 1 use it.
pub use ::http as http_types;
