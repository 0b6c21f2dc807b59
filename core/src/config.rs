//! `AuthConfig`: every option of the configuration table of
//! docs/case-format.md (and the keys this verifier adds to it), its defaults,
//! and its validation (docs/rules.md, "Configuration") into the settings the
//! rest of the core reads. Reading and writing it as JSON is in
//! `config/json.rs`.

mod json;

use std::time::Duration;

use crate::alg::Algorithm;
use crate::dpop::{self, DpopMode, DpopPolicy};
use crate::pointer::ClaimPath;
use crate::request::{self, Source, TokenSource};
use crate::url::HttpUrl;

/// The longest any value in seconds may be: a year (365 days).
const MAX_SECONDS: f64 = 31_536_000.0;
/// The longest `cache_ttl_s` accepted: one day.
const MAX_CACHE_TTL_S: f64 = 86_400.0;
/// The longest `http_timeout_s` accepted: one hour.
const MAX_HTTP_TIMEOUT_S: f64 = 3_600.0;
/// The shortest `cache_ttl_s`, `refresh_cooldown_s` and `http_timeout_s`
/// accepted: one millisecond (below it they are refused like a zero).
const MIN_POSITIVE_S: f64 = 0.001;
/// The most HTTP requests per URL in one refresh. The rules only refuse 0;
/// without a ceiling one refresh against a refusing issuer could make
/// billions of requests in a row (each refused connection is retried at once).
const MAX_FETCH_ATTEMPTS: u32 = 10;

/// Verifier configuration, one field per key of the conformance format's
/// configuration table (same names, same defaults), then the keys this
/// verifier adds to it (`required_claims`, `audience_claim`,
/// `token_sources`).
///
/// Nothing is checked until a verifier is built from it; then every rule of
/// docs/rules.md, "Configuration" is checked once, and a [`ConfigError`] names
/// the offending field.
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
    /// Clock skew allowed on `exp` and `nbf`, seconds (0 to a year). Default 0.
    pub leeway_s: f64,
    /// Scopes every token must carry. Default none.
    pub required_scopes: Vec<String>,
    /// Permissions every token must carry. Default none.
    pub required_permissions: Vec<String>,
    /// The claim holding scopes: a claim name, or an RFC 6901 JSON Pointer
    /// to a nested member when it starts with `/`. Default `"scope"`.
    pub scope_claim: String,
    /// The claim holding permissions: a claim name, or a JSON Pointer when
    /// it starts with `/` (e.g. `/realm_access/roles`). Default
    /// `"permissions"`.
    pub permissions_claim: String,
    /// Whether tokens must name their key with `kid`. Default true.
    pub require_kid: bool,
    /// When set, the `typ` header must match it (RFC 9068: `at+jwt`). Default none.
    pub expected_typ: Option<String>,
    /// Longest accepted token, bytes. Default 16384.
    pub max_token_bytes: usize,
    /// How long fetched keys are fresh, seconds (0.001 to 86400). Default 300.
    pub cache_ttl_s: f64,
    /// Least time between refetches for unknown `kid`s, and the floor of
    /// `Cache-Control: max-age`, seconds (0.001 to a year). Default 30.
    pub refresh_cooldown_s: f64,
    /// How long past their freshness keys still serve while the key source
    /// fails, seconds (0 to a year). Default 3600.
    pub stale_if_error_s: f64,
    /// How long before the end of freshness a verification starts a
    /// background refresh, seconds (0 turns it off; at most a year). Default 30.
    pub refresh_ahead_s: f64,
    /// Whether plain `http` URLs are allowed. Default false.
    pub allow_insecure_http: bool,
    /// HTTP requests per URL in one refresh (1 to 10). Default 2.
    pub fetch_attempts: u32,
    /// Connect and total timeout of one HTTP request, seconds (0.001 to
    /// 3600). Default 3.
    pub http_timeout_s: f64,
    /// Claims every token must carry, with a value other than `null`:
    /// names, or JSON Pointers when they start with `/`. A token without
    /// one is `missing_claim` naming it. Default none; [`AuthConfig::rfc9068`]
    /// adds `sub`, `client_id`, `iat` and `jti`.
    pub required_claims: Vec<String>,
    /// The claim the audience check reads: `"aud"`, or `"client_id"` for
    /// tokens that name the client they were issued to instead of an
    /// audience (AWS Cognito access tokens). With `client_id`, that claim is
    /// required (a string) and `aud` is not. Default `"aud"`.
    pub audience_claim: String,
    /// Where a request carries its token, in the order they are tried: the
    /// first present decides (see the rules, "Token sources"). Read by the
    /// request entry points (`verify_headers` and the framework
    /// integrations), not by `verify` and `verify_authorization`, which are
    /// handed the token or the `Authorization` value. Default
    /// `[AuthorizationBearer]`.
    pub token_sources: Vec<TokenSource>,
    /// Which authorization schemes are accepted: bearer tokens only (the
    /// default), DPoP (RFC 9449) only, or either. See [`DpopMode`].
    pub dpop: DpopMode,
    /// The `alg`s a DPoP proof may be signed with (asymmetric only).
    /// Default `["ES256", "PS256", "EdDSA", "Ed25519"]`: FAPI 2.0's, Ed25519
    /// under both its names (RFC 9864).
    pub dpop_algs: Vec<String>,
    /// How old a DPoP proof's `iat` may be, seconds (1 to 3600): the
    /// window's past side, and how long its `jti` is remembered. Default 60.
    pub dpop_iat_past_s: f64,
    /// How far ahead of now a DPoP proof's `iat` may be, seconds (0 to
    /// 3600): the client's clock running fast. Default 5.
    pub dpop_iat_future_s: f64,
    /// The most DPoP proofs the replay cache remembers (1 to 10000000);
    /// what happens when it is full is in the rules. Default 100000.
    pub dpop_replay_cache_size: usize,
}

/// Which claim the audience check reads (`audience_claim`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AudienceClaim {
    /// `aud`: a string or an array of strings (docs/rules.md).
    Aud,
    /// `client_id`: a string.
    ClientId,
}

/// A `required_claims` entry: as configured (for the error message) and
/// where it points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequiredClaim {
    pub(crate) name: String,
    pub(crate) path: ClaimPath,
}

/// A configuration that cannot be used, naming the field (its key in
/// docs/case-format.md) and saying why.
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
    pub(crate) scope_claim: ClaimPath,
    pub(crate) permissions_claim: ClaimPath,
    pub(crate) require_kid: bool,
    pub(crate) expected_typ: Option<String>,
    pub(crate) max_token_bytes: usize,
    pub(crate) required_claims: Vec<RequiredClaim>,
    pub(crate) audience_claim: AudienceClaim,
    pub(crate) token_sources: Vec<Source>,
    pub(crate) dpop: DpopPolicy,
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

impl AuthConfig {
    /// A configuration with the defaults of docs/case-format.md's configuration
    /// table, taking keys from a JWK Set URL.
    pub fn with_jwks_url(
        issuer: impl Into<String>,
        audience: impl Into<String>,
        jwks_url: impl Into<String>,
    ) -> Self {
        AuthConfig {
            jwks_url: Some(jwks_url.into()),
            ..AuthConfig::defaults(issuer.into(), vec![audience.into()])
        }
    }

    /// A configuration with the defaults of docs/case-format.md's configuration
    /// table, taking keys from the `jwks_uri` of an OpenID Connect discovery
    /// document.
    pub fn with_discovery_url(
        issuer: impl Into<String>,
        audience: impl Into<String>,
        discovery_url: impl Into<String>,
    ) -> Self {
        AuthConfig {
            discovery_url: Some(discovery_url.into()),
            ..AuthConfig::defaults(issuer.into(), vec![audience.into()])
        }
    }

    /// A configuration with the defaults of the case format's table, taking keys
    /// through OpenID Connect discovery from the issuer itself: the
    /// discovery document is `issuer` + `/.well-known/openid-configuration`
    /// (OpenID Connect Discovery 1.0 section 4), a trailing `/` of the
    /// issuer removed first so that it is never doubled. The issuer is kept
    /// exactly as given, for the `iss` comparison and for the cross-check of
    /// the document's own `issuer` (a provider that writes its issuer with a
    /// trailing `/` must be configured with it).
    ///
    /// ```
    /// use oidc_jwt_verifier_core::AuthConfig;
    /// let config = AuthConfig::from_issuer("https://id.example.test/", "https://api.example.test");
    /// assert_eq!(config.issuer, "https://id.example.test/");
    /// assert_eq!(
    ///     config.discovery_url.as_deref(),
    ///     Some("https://id.example.test/.well-known/openid-configuration")
    /// );
    /// let tenant = AuthConfig::from_issuer("https://sso.example.test/realms/acme", "api");
    /// assert_eq!(
    ///     tenant.discovery_url.as_deref(),
    ///     Some("https://sso.example.test/realms/acme/.well-known/openid-configuration")
    /// );
    /// ```
    pub fn from_issuer(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        let issuer = issuer.into();
        let discovery_url = discovery_url_of(&issuer);
        AuthConfig::with_discovery_url(issuer, audience, discovery_url)
    }

    /// Every default of the case format's table, with no key source yet.
    fn defaults(issuer: String, audience: Vec<String>) -> Self {
        AuthConfig {
            issuer,
            audience,
            jwks_url: None,
            discovery_url: None,
            allowed_algs: vec![Algorithm::RS256.name().to_owned()],
            leeway_s: 0.0,
            required_scopes: Vec::new(),
            required_permissions: Vec::new(),
            scope_claim: "scope".to_owned(),
            permissions_claim: "permissions".to_owned(),
            require_kid: true,
            expected_typ: None,
            max_token_bytes: 16_384,
            cache_ttl_s: 300.0,
            refresh_cooldown_s: 30.0,
            stale_if_error_s: 3600.0,
            refresh_ahead_s: 30.0,
            allow_insecure_http: false,
            fetch_attempts: 2,
            http_timeout_s: 3.0,
            required_claims: Vec::new(),
            audience_claim: "aud".to_owned(),
            token_sources: vec![TokenSource::AuthorizationBearer],
            dpop: DpopMode::BearerOnly,
            dpop_algs: [
                Algorithm::ES256,
                Algorithm::PS256,
                Algorithm::EdDSA,
                Algorithm::Ed25519,
            ]
            .map(|alg| alg.name().to_owned())
            .to_vec(),
            dpop_iat_past_s: 60.0,
            dpop_iat_future_s: 5.0,
            dpop_replay_cache_size: 100_000,
        }
    }

    /// Checks every rule of docs/rules.md, "Configuration", in the order of
    /// the case format's table, and splits the result into the claim policy and
    /// the key-source settings.
    pub(crate) fn validate(&self) -> Result<(Policy, SourceSettings), ConfigError> {
        self.check_issuer_and_audience()?;
        let url = self.source_url()?;
        let allowed_algs = allowed_algorithms(&self.allowed_algs)?;
        Seconds::UP_TO_A_YEAR.check("leeway_s", self.leeway_s)?;
        let scope_claim = claim_path("scope_claim", &self.scope_claim)?;
        let permissions_claim = claim_path("permissions_claim", &self.permissions_claim)?;
        if self.max_token_bytes == 0 {
            return Err(ConfigError::new("max_token_bytes", "must be at least 1"));
        }
        let settings = self.source_settings(url, allowed_algs.clone())?;
        let required_claims = self.required_claims()?;
        let audience_claim = self.audience_claim()?;
        let token_sources = request::checked_sources(&self.token_sources)?;
        let dpop = dpop::policy(self)?;
        let policy = Policy {
            issuer: self.issuer.clone(),
            audiences: self.audience.clone(),
            allowed_algs,
            leeway_s: self.leeway_s,
            required_scopes: self.required_scopes.clone(),
            required_permissions: self.required_permissions.clone(),
            scope_claim,
            permissions_claim,
            require_kid: self.require_kid,
            expected_typ: self.expected_typ.clone(),
            max_token_bytes: self.max_token_bytes,
            required_claims,
            audience_claim,
            token_sources,
            dpop,
        };
        Ok((policy, settings))
    }

    /// `required_claims`: no empty name, every pointer valid.
    fn required_claims(&self) -> Result<Vec<RequiredClaim>, ConfigError> {
        const FIELD: &str = "required_claims";
        self.required_claims
            .iter()
            .map(|name| {
                if name.is_empty() {
                    return Err(ConfigError::new(FIELD, "must not contain an empty name"));
                }
                Ok(RequiredClaim {
                    name: name.clone(),
                    path: claim_path(FIELD, name)?,
                })
            })
            .collect()
    }

    fn audience_claim(&self) -> Result<AudienceClaim, ConfigError> {
        match self.audience_claim.as_str() {
            "aud" => Ok(AudienceClaim::Aud),
            "client_id" => Ok(AudienceClaim::ClientId),
            _ => Err(ConfigError::new(
                "audience_claim",
                "must be \"aud\" or \"client_id\"",
            )),
        }
    }

    fn check_issuer_and_audience(&self) -> Result<(), ConfigError> {
        if self.issuer.is_empty() {
            return Err(ConfigError::new("issuer", "must not be empty"));
        }
        if self.audience.is_empty() {
            return Err(ConfigError::new(
                "audience",
                "must name at least one audience",
            ));
        }
        if self.audience.iter().any(String::is_empty) {
            return Err(ConfigError::new(
                "audience",
                "must not contain an empty audience",
            ));
        }
        Ok(())
    }

    /// The one key source, its URL checked.
    fn source_url(&self) -> Result<SourceUrl, ConfigError> {
        let url = match (&self.jwks_url, &self.discovery_url) {
            (Some(jwks), None) => SourceUrl::Jwks(self.checked_url("jwks_url", jwks)?),
            (None, Some(discovery)) => {
                SourceUrl::Discovery(self.checked_url("discovery_url", discovery)?)
            }
            (Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    "jwks_url",
                    "give only one of jwks_url and discovery_url",
                ))
            }
            (None, None) => {
                return Err(ConfigError::new(
                    "jwks_url",
                    "give one of jwks_url and discovery_url",
                ))
            }
        };
        Ok(url)
    }

    fn checked_url(&self, field: &str, url: &str) -> Result<String, ConfigError> {
        if url.is_empty() {
            return Err(ConfigError::new(field, "must not be empty"));
        }
        let parsed = HttpUrl::parse(url)
            .ok_or_else(|| ConfigError::new(field, "must be an absolute http(s) URL"))?;
        if !parsed.https && !self.allow_insecure_http {
            return Err(ConfigError::new(
                field,
                "must be https (plain http needs allow_insecure_http)",
            ));
        }
        Ok(url.to_owned())
    }

    /// The cache, refresh and fetch settings, each duration checked.
    fn source_settings(
        &self,
        url: SourceUrl,
        allowed_algs: Vec<Algorithm>,
    ) -> Result<SourceSettings, ConfigError> {
        let cache_ttl = Seconds::CACHE_TTL.duration("cache_ttl_s", self.cache_ttl_s)?;
        let refresh_cooldown =
            Seconds::POSITIVE.duration("refresh_cooldown_s", self.refresh_cooldown_s)?;
        let stale_if_error =
            Seconds::UP_TO_A_YEAR.duration("stale_if_error_s", self.stale_if_error_s)?;
        let refresh_ahead =
            Seconds::UP_TO_A_YEAR.duration("refresh_ahead_s", self.refresh_ahead_s)?;
        if !(1..=MAX_FETCH_ATTEMPTS).contains(&self.fetch_attempts) {
            return Err(ConfigError::new(
                "fetch_attempts",
                format!("must be from 1 to {MAX_FETCH_ATTEMPTS}"),
            ));
        }
        let http_timeout = Seconds::HTTP_TIMEOUT.duration("http_timeout_s", self.http_timeout_s)?;
        Ok(SourceSettings {
            url,
            issuer: self.issuer.clone(),
            allowed_algs,
            cache_ttl,
            refresh_cooldown,
            stale_if_error,
            refresh_ahead,
            allow_insecure_http: self.allow_insecure_http,
            fetch_attempts: self.fetch_attempts,
            http_timeout,
        })
    }
}

/// The discovery document URL of `issuer` (OpenID Connect Discovery 1.0
/// section 4): a terminating `/` removed, then
/// `/.well-known/openid-configuration` appended.
fn discovery_url_of(issuer: &str) -> String {
    let base = issuer.strip_suffix('/').unwrap_or(issuer);
    format!("{base}/.well-known/openid-configuration")
}

/// A configured claim name or JSON Pointer, naming `field` when the pointer
/// is malformed.
fn claim_path(field: &str, text: &str) -> Result<ClaimPath, ConfigError> {
    ClaimPath::parse(text).map_err(|_| {
        ConfigError::new(
            field,
            "is not a valid JSON Pointer (RFC 6901): each ~ must be followed by 0 or 1",
        )
    })
}

/// Parses `allowed_algs`: not empty, no `none`, no `HS*`, only known names;
/// duplicates dropped, order kept.
fn allowed_algorithms(names: &[String]) -> Result<Vec<Algorithm>, ConfigError> {
    const FIELD: &str = "allowed_algs";
    if names.is_empty() {
        return Err(ConfigError::new(FIELD, "must name at least one algorithm"));
    }
    let mut algorithms = Vec::with_capacity(names.len());
    for name in names {
        if name.eq_ignore_ascii_case("none") {
            return Err(ConfigError::new(FIELD, "none is never allowed"));
        }
        if name
            .get(..2)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("HS"))
        {
            return Err(ConfigError::new(
                FIELD,
                "symmetric (HS*) algorithms are never allowed",
            ));
        }
        let algorithm = Algorithm::from_name(name)
            .ok_or_else(|| ConfigError::new(FIELD, "unknown algorithm name"))?;
        if !algorithms.contains(&algorithm) {
            algorithms.push(algorithm);
        }
    }
    Ok(algorithms)
}

/// The range a value in seconds must lie in (the rules' "Configuration"):
/// finite, never negative, at most `max`, and either 0 or more
/// (`min` of 0) or at least `min`.
///
/// Every accepted value converts to a [`Duration`] without rounding to zero
/// (unless it is 0) and without any risk of overflowing a clock: a year
/// added to any [`std::time::Instant`] a platform gives is representable.
#[derive(Debug, Clone, Copy)]
struct Seconds {
    min: f64,
    max: f64,
}

impl Seconds {
    /// `leeway_s`, `stale_if_error_s`, `refresh_ahead_s`: 0 to a year.
    const UP_TO_A_YEAR: Seconds = Seconds {
        min: 0.0,
        max: MAX_SECONDS,
    };
    /// `refresh_cooldown_s`: a millisecond to a year.
    const POSITIVE: Seconds = Seconds {
        min: MIN_POSITIVE_S,
        max: MAX_SECONDS,
    };
    /// `cache_ttl_s`: a millisecond to a day.
    const CACHE_TTL: Seconds = Seconds {
        min: MIN_POSITIVE_S,
        max: MAX_CACHE_TTL_S,
    };
    /// `http_timeout_s`: a millisecond to an hour.
    const HTTP_TIMEOUT: Seconds = Seconds {
        min: MIN_POSITIVE_S,
        max: MAX_HTTP_TIMEOUT_S,
    };

    /// Refuses `secs` outside the range (NaN and infinities included),
    /// naming `field`.
    fn check(self, field: &str, secs: f64) -> Result<(), ConfigError> {
        // Written so that NaN fails every comparison and is refused.
        if secs >= self.min && secs <= self.max {
            Ok(())
        } else {
            Err(ConfigError::new(
                field,
                format!(
                    "must be a finite number of seconds from {} to {}",
                    self.min, self.max
                ),
            ))
        }
    }

    /// The checked value as a [`Duration`]. A positive value too small for
    /// a nanosecond (possible only where 0 is allowed) becomes one
    /// nanosecond rather than rounding to zero.
    fn duration(self, field: &str, secs: f64) -> Result<Duration, ConfigError> {
        self.check(field, secs)?;
        let duration = Duration::try_from_secs_f64(secs)
            .map_err(|_| ConfigError::new(field, "is not a representable duration"))?;
        if duration.is_zero() && secs > 0.0 {
            return Ok(Duration::from_nanos(1));
        }
        Ok(duration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    // Shared with the JSON form's tests (`config/json.rs`).
    pub(super) const ISSUER: &str = "https://id.example.test/";
    pub(super) const AUDIENCE: &str = "https://api.example.test";
    pub(super) const JWKS: &str = "https://login.example.test/.well-known/jwks.json";
    pub(super) const DISCOVERY: &str =
        "https://login.example.test/.well-known/openid-configuration";

    pub(super) fn base() -> AuthConfig {
        AuthConfig::with_jwks_url(ISSUER, AUDIENCE, JWKS)
    }

    /// The field `validate` names for `config`.
    pub(super) fn refused_field(config: &AuthConfig) -> String {
        match config.validate() {
            Ok(_) => panic!("configuration accepted: {config:?}"),
            Err(e) => e.field().to_owned(),
        }
    }

    #[test]
    fn valid_config_splits_into_policy_and_settings() {
        let mut config = AuthConfig::with_discovery_url(ISSUER, AUDIENCE, DISCOVERY);
        config.allowed_algs = vec!["ES256".into(), "RS256".into(), "ES256".into()];
        config.refresh_ahead_s = 0.0;
        config.stale_if_error_s = 31_536_000.0;
        let (policy, settings) = config.validate().unwrap();
        assert_eq!(policy.issuer, ISSUER);
        assert_eq!(policy.audiences, [AUDIENCE]);
        assert_eq!(policy.allowed_algs, [Algorithm::ES256, Algorithm::RS256]);
        assert_eq!(settings.allowed_algs, policy.allowed_algs);
        assert_eq!(settings.url, SourceUrl::Discovery(DISCOVERY.into()));
        assert_eq!(settings.cache_ttl, Duration::from_secs(300));
        assert_eq!(settings.refresh_cooldown, Duration::from_secs(30));
        assert_eq!(settings.refresh_ahead, Duration::ZERO);
        assert_eq!(settings.stale_if_error, Duration::from_secs(31_536_000));
        assert_eq!(settings.http_timeout, Duration::from_secs(3));
        assert_eq!(settings.fetch_attempts, 2);
        let (_, settings) = base().validate().unwrap();
        assert_eq!(settings.url, SourceUrl::Jwks(JWKS.into()));
    }

    #[test]
    fn empty_issuer_is_refused() {
        let config = AuthConfig {
            issuer: String::new(),
            ..base()
        };
        assert_eq!(refused_field(&config), "issuer");
    }

    #[test]
    fn empty_audience_list_or_string_is_refused() {
        let config = AuthConfig {
            audience: vec![],
            ..base()
        };
        assert_eq!(refused_field(&config), "audience");
        let config = AuthConfig {
            audience: vec!["a".into(), String::new()],
            ..base()
        };
        assert_eq!(refused_field(&config), "audience");
    }

    #[test]
    fn both_or_neither_key_source_names_jwks_url() {
        let both = AuthConfig {
            discovery_url: Some(DISCOVERY.into()),
            ..base()
        };
        assert_eq!(refused_field(&both), "jwks_url");
        let neither = AuthConfig {
            jwks_url: None,
            ..base()
        };
        assert_eq!(refused_field(&neither), "jwks_url");
    }

    #[test]
    fn bad_urls_name_their_field() {
        for bad in [
            "",
            "login.example.test/jwks",
            "ftp://login.example.test/",
            "http://login.example.test/jwks",
        ] {
            let config = AuthConfig {
                jwks_url: Some(bad.into()),
                ..base()
            };
            assert_eq!(refused_field(&config), "jwks_url", "{bad:?}");
            let config = AuthConfig::with_discovery_url(ISSUER, AUDIENCE, bad);
            assert_eq!(refused_field(&config), "discovery_url", "{bad:?}");
        }
    }

    #[test]
    fn plain_http_needs_allow_insecure_http() {
        let config = AuthConfig {
            jwks_url: Some("http://127.0.0.1:8080/jwks".into()),
            allow_insecure_http: true,
            ..base()
        };
        let (_, settings) = config.validate().unwrap();
        assert!(settings.allow_insecure_http);
        let config = AuthConfig {
            allow_insecure_http: false,
            ..config
        };
        assert_eq!(refused_field(&config), "jwks_url");
    }

    #[test]
    fn allowed_algs_refuses_empty_none_symmetric_and_unknown() {
        for bad in [
            vec![],
            vec!["none"],
            vec!["RS256", "NoNe"],
            vec!["HS256"],
            vec!["hs512"],
            vec!["RS256", "XY999"],
            vec!["rs256"],
        ] {
            let config = AuthConfig {
                allowed_algs: bad.iter().map(|s| s.to_string()).collect(),
                ..base()
            };
            assert_eq!(refused_field(&config), "allowed_algs", "{bad:?}");
        }
    }

    #[test]
    fn every_algorithm_name_is_accepted() {
        let config = AuthConfig {
            allowed_algs: Algorithm::ALL.iter().map(|a| a.name().to_owned()).collect(),
            ..base()
        };
        assert_eq!(config.validate().unwrap().0.allowed_algs, Algorithm::ALL);
    }

    /// Sets the value in seconds named `field`.
    fn with_seconds(field: &str, secs: f64) -> AuthConfig {
        let mut config = base();
        match field {
            "leeway_s" => config.leeway_s = secs,
            "cache_ttl_s" => config.cache_ttl_s = secs,
            "refresh_cooldown_s" => config.refresh_cooldown_s = secs,
            "stale_if_error_s" => config.stale_if_error_s = secs,
            "refresh_ahead_s" => config.refresh_ahead_s = secs,
            "http_timeout_s" => config.http_timeout_s = secs,
            _ => panic!("not a value in seconds: {field}"),
        }
        config
    }

    /// The configured value of `field` as the validated settings hold it
    /// (`leeway_s` stays a number of seconds).
    fn validated(field: &str, secs: f64) -> Result<Duration, ConfigError> {
        let (policy, settings) = with_seconds(field, secs).validate()?;
        Ok(match field {
            "leeway_s" => Duration::from_secs_f64(policy.leeway_s),
            "cache_ttl_s" => settings.cache_ttl,
            "refresh_cooldown_s" => settings.refresh_cooldown,
            "stale_if_error_s" => settings.stale_if_error,
            "refresh_ahead_s" => settings.refresh_ahead,
            _ => settings.http_timeout,
        })
    }

    /// Every value in seconds: its field, the smallest and largest accepted.
    const RANGES: [(&str, f64, f64); 6] = [
        ("leeway_s", 0.0, 31_536_000.0),
        ("cache_ttl_s", 0.001, 86_400.0),
        ("refresh_cooldown_s", 0.001, 31_536_000.0),
        ("stale_if_error_s", 0.0, 31_536_000.0),
        ("refresh_ahead_s", 0.0, 31_536_000.0),
        ("http_timeout_s", 0.001, 3_600.0),
    ];

    #[test]
    fn every_value_in_seconds_is_finite_and_in_its_range() {
        for (field, min, max) in RANGES {
            for bad in [
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                -1.0,
                -0.001,
                f64::MIN_POSITIVE.copysign(-1.0),
                max * (1.0 + f64::EPSILON),
                max + 0.001,
                1e300,
                f64::MAX,
            ] {
                let got = validated(field, bad).map_err(|e| e.field().to_owned());
                assert_eq!(got, Err(field.to_owned()), "{field} = {bad}");
            }
            for good in [min, max, (min + max) / 2.0] {
                let got =
                    validated(field, good).unwrap_or_else(|e| panic!("{field} = {good}: {e}"));
                assert_eq!(got, Duration::from_secs_f64(good), "{field} = {good}");
            }
        }
    }

    #[test]
    fn ttl_cooldown_and_timeout_below_a_millisecond_are_refused_like_zero() {
        for field in ["cache_ttl_s", "refresh_cooldown_s", "http_timeout_s"] {
            let zero = validated(field, 0.0).unwrap_err();
            for tiny in [0.000_999_999, 1e-10, 5e-324, -0.0] {
                let refused = validated(field, tiny).unwrap_err();
                assert_eq!(refused, zero, "{field} = {tiny}");
            }
            assert_eq!(
                validated(field, 0.001).unwrap(),
                Duration::from_millis(1),
                "{field}"
            );
        }
    }

    #[test]
    fn zero_turns_off_what_may_be_off_and_nothing_positive_rounds_to_zero() {
        for field in ["leeway_s", "stale_if_error_s", "refresh_ahead_s"] {
            assert_eq!(validated(field, 0.0).unwrap(), Duration::ZERO, "{field}");
        }
        for field in ["stale_if_error_s", "refresh_ahead_s"] {
            for tiny in [1e-10, 5e-324] {
                assert_eq!(
                    validated(field, tiny).unwrap(),
                    Duration::from_nanos(1),
                    "{field} = {tiny}"
                );
            }
        }
    }

    #[test]
    fn fetch_attempts_are_from_one_to_ten() {
        for bad in [0, 11, u32::MAX] {
            let config = AuthConfig {
                fetch_attempts: bad,
                ..base()
            };
            assert_eq!(refused_field(&config), "fetch_attempts", "{bad}");
        }
        for good in [1, 10] {
            let config = AuthConfig {
                fetch_attempts: good,
                ..base()
            };
            assert_eq!(config.validate().unwrap().1.fetch_attempts, good);
        }
    }

    proptest::proptest! {
        /// Any number at all in any value in seconds is refused naming its
        /// field, or gives a duration that is not zero (unless the value
        /// is), at most a year, and safe to add to a clock reading.
        #[test]
        fn any_value_in_seconds_is_refused_or_safe(
            index in 0..RANGES.len(),
            secs in proptest::prop_oneof![
                proptest::num::f64::ANY,
                -1.0..4e7f64,
                0.0..0.002f64,
            ],
        ) {
            let (field, _, _) = RANGES[index];
            match validated(field, secs) {
                Err(error) => proptest::prop_assert_eq!(error.field(), field),
                Ok(duration) => {
                    proptest::prop_assert!(secs.is_finite() && secs >= 0.0);
                    // leeway_s stays a number of seconds: nothing to round.
                    if field != "leeway_s" {
                        proptest::prop_assert_eq!(duration.is_zero(), secs == 0.0);
                    }
                    proptest::prop_assert!(duration <= Duration::from_secs(31_536_000));
                    proptest::prop_assert!(Instant::now().checked_add(duration).is_some());
                }
            }
        }
    }

    #[test]
    fn zero_max_token_bytes_is_refused() {
        let config = AuthConfig {
            max_token_bytes: 0,
            ..base()
        };
        assert_eq!(refused_field(&config), "max_token_bytes");
    }

    #[test]
    fn from_issuer_appends_the_well_known_path_without_doubling_a_slash() {
        let cases = [
            (
                "https://id.example.test",
                "https://id.example.test/.well-known/openid-configuration",
            ),
            (
                "https://id.example.test/",
                "https://id.example.test/.well-known/openid-configuration",
            ),
            (
                "https://login.example.test/tenant/v2.0",
                "https://login.example.test/tenant/v2.0/.well-known/openid-configuration",
            ),
            (
                "https://sso.example.test/realms/acme/",
                "https://sso.example.test/realms/acme/.well-known/openid-configuration",
            ),
        ];
        for (issuer, discovery) in cases {
            let config = AuthConfig::from_issuer(issuer, AUDIENCE);
            assert_eq!(config.issuer, issuer, "the issuer is kept exactly");
            assert_eq!(config.discovery_url.as_deref(), Some(discovery));
            assert_eq!(config.jwks_url, None);
            let (policy, settings) = config.validate().unwrap();
            assert_eq!(policy.issuer, issuer);
            assert_eq!(settings.issuer, issuer);
            assert_eq!(settings.url, SourceUrl::Discovery(discovery.into()));
        }
        let plain = AuthConfig::from_issuer("http://127.0.0.1:8080/", AUDIENCE);
        assert_eq!(refused_field(&plain), "discovery_url");
    }

    #[test]
    fn scope_and_permissions_claims_take_names_or_valid_pointers() {
        for field in ["scope_claim", "permissions_claim"] {
            let set = |value: &str| {
                let mut config = base();
                match field {
                    "scope_claim" => config.scope_claim = value.into(),
                    _ => config.permissions_claim = value.into(),
                }
                config
            };
            for good in ["scp", "a~b", "", "/realm_access/roles", "/a~1b/~0c", "/"] {
                assert!(set(good).validate().is_ok(), "{field} = {good:?}");
            }
            for bad in ["/a~", "/a~2b", "/~/x"] {
                assert_eq!(refused_field(&set(bad)), field, "{field} = {bad:?}");
            }
        }
        let (policy, _) = AuthConfig {
            permissions_claim: "/realm_access/roles".into(),
            ..base()
        }
        .validate()
        .unwrap();
        assert_eq!(
            policy.permissions_claim,
            ClaimPath::Pointer(vec!["realm_access".into(), "roles".into()])
        );
        assert_eq!(policy.scope_claim, ClaimPath::Name("scope".into()));
    }

    #[test]
    fn required_claims_refuse_empty_names_and_bad_pointers() {
        for bad in [vec![""], vec!["sub", ""], vec!["/x~3"]] {
            let config = AuthConfig {
                required_claims: bad.iter().map(|s| s.to_string()).collect(),
                ..base()
            };
            assert_eq!(refused_field(&config), "required_claims", "{bad:?}");
        }
        let config = AuthConfig {
            required_claims: vec!["sub".into(), "/cnf/jkt".into()],
            ..base()
        };
        let names: Vec<String> = config
            .validate()
            .unwrap()
            .0
            .required_claims
            .into_iter()
            .map(|required| required.name)
            .collect();
        assert_eq!(names, ["sub", "/cnf/jkt"]);
    }

    #[test]
    fn audience_claim_is_aud_or_client_id() {
        for (name, claim) in [
            ("aud", AudienceClaim::Aud),
            ("client_id", AudienceClaim::ClientId),
        ] {
            let config = AuthConfig {
                audience_claim: name.into(),
                ..base()
            };
            assert_eq!(config.validate().unwrap().0.audience_claim, claim);
        }
        for bad in ["", "AUD", "azp", "cid", "client_id "] {
            let config = AuthConfig {
                audience_claim: bad.into(),
                ..base()
            };
            assert_eq!(refused_field(&config), "audience_claim", "{bad:?}");
        }
    }

    #[test]
    fn errors_name_the_first_bad_field_in_table_order() {
        let config = AuthConfig {
            allowed_algs: vec![],
            leeway_s: -1.0,
            fetch_attempts: 0,
            ..base()
        };
        assert_eq!(refused_field(&config), "allowed_algs");
        let config = AuthConfig {
            issuer: String::new(),
            jwks_url: None,
            ..base()
        };
        assert_eq!(refused_field(&config), "issuer");
    }
}
