//! Sans-IO verification of OAuth 2.0 / OpenID Connect JWT access tokens.
#![forbid(unsafe_code)]
#![allow(dead_code)] // removed once every module is wired

mod alg;
mod backoff;
mod bearer;
mod cache;
mod claims;
mod config;
mod discovery;
mod error;
mod http;
mod json;
mod jwk;
mod jwks;
mod source;
mod time;
mod token;
mod url;
mod verifier;

pub use alg::{Algorithm, Curve, KeyFamily};
pub use bearer::token_from_authorization;
pub use claims::{Audience, Claims, NumericDate};
pub use config::{AuthConfig, ConfigError};
pub use error::{AuthError, ClaimName, SourceProblem};
pub use http::{
    FetchId, FetchRequest, HttpResponse, TransportFailure, MAX_BODY_BYTES, MAX_REDIRECTS,
    USER_AGENT,
};
pub use time::{Clock, ManualClock, Now, SystemClock, UnixTime};
pub use verifier::{Answer, Check, KeyQuery, UnexpectedFetch, Verdict, Verifier};
