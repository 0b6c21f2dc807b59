//! `profile/rfc9068/`: the configuration `AuthConfig::rfc9068()` makes
//! (RFC 9068: `typ` `at+jwt`, every asymmetric algorithm, and `sub`,
//! `client_id`, `iat`, `jti` required), written out in full in each case.

use oidc_jwt_verifier_core::AuthConfig;
use serde_json::json;

use crate::generate::build::{CaseSpec, Expect, Reply};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{jwks_of, key, rsa, sign, token, AUDIENCE, ISSUER, JWKS_URL, T0};
use crate::issuer::{FixedKey, TestKey, TokenBuilder};

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let rsa = rsa()?;
    let ed25519 = key(FixedKey::Ed25519)?;
    let profile = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, JWKS_URL).rfc9068();
    let case = |slug: &str, description: &str, token: String, expect: Expect| {
        CaseSpec::configured(&format!("profile/rfc9068/{slug}"), description, &profile)
            .serve(JWKS_URL, Reply::json(jwks_of(&[&rsa, &ed25519])))
            .verify(T0, &token, expect)
    };
    let ok = |claims| Expect::claims(claims);
    Ok(vec![
        case("valid-rs256", "An RFC 9068 access token (typ at+jwt; sub, client_id, iat, jti), RS256: valid.", access_token(&rsa, &[])?, ok(json!({"client_id": "s6BhdRkqt3", "jti": "dbe39bf3a3ba4238a513f51d6e1691c4"}))),
        case("valid-eddsa", "The same token signed EdDSA with an Ed25519 key: the profile allows every asymmetric algorithm, valid.", access_token(&ed25519, &[])?, ok(json!({"sub": "5ba552d67"}))),
        case("typ-with-application-prefix", "typ application/at+jwt is the same media type: valid.", sign(&profile_token(&rsa).header("typ", json!("application/at+jwt")), &rsa)?, Expect::ok()),
        case("typ-jwt-refused", "typ JWT, an ID token's or a plain JWT's: invalid_type (RFC 9068 section 4).", sign(&profile_token(&rsa).header("typ", json!("JWT")), &rsa)?, Expect::error(Code::InvalidType)),
        case("typ-absent-refused", "No typ at all: invalid_type.", sign(&profile_token(&rsa).remove_header("typ"), &rsa)?, Expect::error(Code::InvalidType)),
        case("sub-missing", "No sub: missing_claim naming sub.", access_token(&rsa, &["sub"])?, Expect::missing_claim("sub")),
        case("client-id-missing", "No client_id: missing_claim naming client_id.", access_token(&rsa, &["client_id"])?, Expect::missing_claim("client_id")),
        case("iat-missing", "No iat (optional by default, required here): missing_claim naming iat.", access_token(&rsa, &["iat"])?, Expect::missing_claim("iat")),
        case("jti-missing", "No jti: missing_claim naming jti.", access_token(&rsa, &["jti"])?, Expect::missing_claim("jti")),
        case("first-missing-in-profile-order", "Neither client_id nor jti: the first in the profile's order, client_id, is named.", access_token(&rsa, &["jti", "client_id"])?, Expect::missing_claim("client_id")),
        case("iat-not-a-number", "iat a string: present, so not missing, but invalid_claim naming iat.", sign(&profile_token(&rsa).claim("iat", json!("yesterday")), &rsa)?, Expect::invalid_claim("iat")),
        case("hs256-never", "A token claiming HS256: no symmetric algorithm is in the profile, disallowed_alg.", profile_token(&rsa).header("alg", json!("HS256")).with_signature(b"any bytes"), Expect::error(Code::DisallowedAlg)),
    ])
}

/// An RFC 9068 access token's header and claims, as RFC 9068 section 2.2's
/// example has them.
fn profile_token(key: &TestKey) -> TokenBuilder {
    token(key)
        .header("typ", json!("at+jwt"))
        .claim("sub", json!("5ba552d67"))
        .claim("client_id", json!("s6BhdRkqt3"))
        .claim("jti", json!("dbe39bf3a3ba4238a513f51d6e1691c4"))
        .claim("scope", json!("openid profile reademail"))
}

/// The profile token without the claims in `removed`, signed.
fn access_token(key: &TestKey, removed: &[&str]) -> Result<String, GenerateError> {
    let builder = removed.iter().fold(profile_token(key), |builder, name| {
        builder.remove_claim(name)
    });
    sign(&builder, key)
}
