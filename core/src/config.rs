//! `AuthConfig`: every option of FORMAT.md's configuration table, its
//! defaults, and its validation (SPEC.md "Configuration") into the settings
//! the rest of the core reads.

use std::time::Duration;

use crate::alg::Algorithm;

/// Verifier configuration, one field per key of the conformance format's
/// configuration table (same names, same defaults).
///
/// Nothing is checked until a verifier is built from it; then every rule of
/// SPEC.md "Configuration" is checked once, and a [`ConfigError`] names the
/// offending field.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthConfig {
    /// The exact `iss` value tokens must carry.
    pub issuer: String,
    /// Accepted audiences: a token's `aud` must contain one of them.
    pub audience: Vec<String>,
    /// The JWK Set URL (exactly one of `jwks_url` and `discovery_url`).
    pub jwks_url: Option<String>,
    /// The OpenID Connect discovery document URL.
    pub discovery_url: Option<String>,
    /// Accepted `alg` names. Default `["RS256"]`.
    pub allowed_algs: Vec<String>,
    /// Clock skew allowed on `exp` and `nbf`, seconds. Default 0.
    pub leeway_s: f64,
    /// Scopes every token must carry. Default none.
    pub required_scopes: Vec<String>,
    /// Permissions every token must carry. Default none.
    pub required_permissions: Vec<String>,
    /// The claim holding scopes. Default `"scope"`.
    pub scope_claim: String,
    /// The claim holding permissions. Default `"permissions"`.
    pub permissions_claim: String,
    /// Whether tokens must name their key with `kid`. Default true.
    pub require_kid: bool,
    /// When set, the `typ` header must match it (RFC 9068: `at+jwt`). Default none.
    pub expected_typ: Option<String>,
    /// Longest accepted token, bytes. Default 16384.
    pub max_token_bytes: usize,
    /// How long fetched keys are fresh, seconds. Default 300.
    pub cache_ttl_s: f64,
    /// Least time between refetches for unknown `kid`s, and the floor of
    /// `Cache-Control: max-age`, seconds. Default 30.
    pub refresh_cooldown_s: f64,
    /// How long past their freshness keys still serve while the key source
    /// fails, seconds. Default 3600.
    pub stale_if_error_s: f64,
    /// How long before the end of freshness a verification starts a
    /// background refresh, seconds (0 turns it off). Default 30.
    pub refresh_ahead_s: f64,
    /// Whether plain `http` URLs are allowed. Default false.
    pub allow_insecure_http: bool,
    /// HTTP requests per URL in one refresh. Default 2.
    pub fetch_attempts: u32,
    /// Connect and total timeout of one HTTP request, seconds. Default 3.
    pub http_timeout_s: f64,
}

/// A configuration that cannot be used, naming the field (the FORMAT.md key)
/// and saying why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {field}: {reason}")]
pub struct ConfigError {
    field: String,
    reason: String,
}

impl ConfigError {
    pub(crate) fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigError {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The offending configuration key, e.g. `"allowed_algs"`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Why the value was refused.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// Where keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SourceUrl {
    /// A JWK Set URL.
    Jwks(String),
    /// An OpenID Connect discovery document URL.
    Discovery(String),
}

/// The validated token and claim policy (read on every verification).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Policy {
    pub(crate) issuer: String,
    pub(crate) audiences: Vec<String>,
    pub(crate) allowed_algs: Vec<Algorithm>,
    pub(crate) leeway_s: f64,
    pub(crate) required_scopes: Vec<String>,
    pub(crate) required_permissions: Vec<String>,
    pub(crate) scope_claim: String,
    pub(crate) permissions_claim: String,
    pub(crate) require_kid: bool,
    pub(crate) expected_typ: Option<String>,
    pub(crate) max_token_bytes: usize,
}

/// The validated key-source settings (read by the fetch and cache state machine).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SourceSettings {
    pub(crate) url: SourceUrl,
    pub(crate) issuer: String,
    pub(crate) allowed_algs: Vec<Algorithm>,
    pub(crate) cache_ttl: Duration,
    pub(crate) refresh_cooldown: Duration,
    pub(crate) stale_if_error: Duration,
    pub(crate) refresh_ahead: Duration,
    pub(crate) allow_insecure_http: bool,
    pub(crate) fetch_attempts: u32,
    pub(crate) http_timeout: Duration,
}
