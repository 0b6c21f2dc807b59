//! The verification's parts one at a time, for the benchmark's
//! micro-benchmarks only: compact parsing with the header policy, the claim
//! checks, key-set parsing and key selection, each exactly as
//! [`Verifier`](crate::Verifier) runs it.
//!
//! Not a supported API: hidden from the documentation, it may change or go
//! away in any release. A verifier needs none of it.

use crate::alg::Algorithm;
use crate::claims::{self, Claims};
use crate::config::{AuthConfig, ConfigError, Policy};
use crate::error::{AuthError, SourceProblem};
use crate::jwks::{KeySet, Selection};
use crate::requirements::NO_REQUIREMENTS;
use crate::time::UnixTime;
use crate::token::{self, Jws};

/// A validated configuration's policy, ready to run single parts with.
#[derive(Debug)]
pub struct Parts {
    policy: Policy,
}

/// A token that passed compact parsing and the header policy.
#[derive(Debug, Clone)]
pub struct ParsedToken<'t> {
    jws: Jws<'t>,
}

/// A parsed JWK Set: its usable keys, each ready to verify.
#[derive(Debug)]
pub struct ParsedKeySet {
    keys: KeySet,
}

impl Parts {
    /// Validates `config` as [`Verifier::new`](crate::Verifier::new) does.
    pub fn new(config: &AuthConfig) -> Result<Self, ConfigError> {
        let (policy, _settings) = config.validate()?;
        Ok(Parts { policy })
    }

    /// Compact parsing and the header policy (the checks up to `missing_kid`).
    pub fn parse_token<'t>(&self, token: &'t str) -> Result<ParsedToken<'t>, AuthError> {
        token::parse(token, &self.policy).map(|jws| ParsedToken { jws })
    }

    /// The claim checks of a parsed token at wall-clock time `now` (its
    /// signature is not looked at).
    pub fn check_claims(&self, token: ParsedToken<'_>, now: UnixTime) -> Result<Claims, AuthError> {
        claims::check(&self.policy, token.jws.payload, now, &NO_REQUIREMENTS)
    }

    /// Parses a JWK Set body into its usable keys for the allowed algorithms.
    pub fn parse_key_set(&self, body: &[u8]) -> Result<ParsedKeySet, SourceProblem> {
        KeySet::parse_reporting(body, &self.policy.allowed_algs)
            .0
            .map(|keys| ParsedKeySet { keys })
    }
}

impl ParsedToken<'_> {
    /// The header's `kid`, if any.
    pub fn kid(&self) -> Option<&str> {
        self.jws.header.kid.as_deref()
    }

    /// The header's (allowed) `alg`.
    pub fn alg(&self) -> Algorithm {
        self.jws.header.alg
    }
}

impl ParsedKeySet {
    /// Whether exactly one usable key fits a token with this `kid` and `alg`
    /// (the key selection of a verification).
    pub fn selects_one(&self, kid: Option<&str>, alg: Algorithm) -> bool {
        matches!(self.keys.select(kid, alg), Selection::One(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWKS: &str = include_str!("../testdata/example-jwks.json");
    const TOKEN: &str = include_str!("../testdata/example-token.txt");

    fn parts() -> Parts {
        let config = AuthConfig::with_jwks_url(
            "https://id.example.test/",
            "https://api.example.test",
            "https://login.example.test/jwks",
        );
        Parts::new(&config).unwrap()
    }

    #[test]
    fn each_part_answers_as_the_verifier_would() {
        let parts = parts();
        let token = parts.parse_token(TOKEN.trim()).unwrap();
        let keys = parts.parse_key_set(JWKS.as_bytes()).unwrap();
        assert!(keys.selects_one(token.kid(), token.alg()));
        assert!(!keys.selects_one(Some("no-such-kid"), token.alg()));
        let claims = parts
            .check_claims(token.clone(), UnixTime::from_secs_f64(1_767_225_600.0))
            .unwrap();
        assert_eq!(claims.subject.as_deref(), Some("alice"));
        let expired = parts.check_claims(token, UnixTime::from_secs_f64(f64::MAX));
        assert_eq!(expired.unwrap_err(), AuthError::TokenExpired);
        assert_eq!(
            parts.parse_token("not.a.token").unwrap_err(),
            AuthError::MalformedToken
        );
        assert_eq!(
            parts.parse_key_set(b"[]").unwrap_err(),
            SourceProblem::NotJson
        );
    }
}
