//! The fixed world every case lives in: names, URLs, times, keys and the
//! standard token.

use serde_json::{json, Value};

use super::error::GenerateError;
use crate::issuer::{FixedKey, SigningAlg, TestKey, TokenBuilder};

/// The configured issuer, and the `iss` of the standard token.
pub(crate) const ISSUER: &str = "https://id.example.test/";
/// The configured audience, and the `aud` of the standard token.
pub(crate) const AUDIENCE: &str = "https://api.example.test";
/// The JWKS URL of JWKS-mode cases.
pub(crate) const JWKS_URL: &str = "https://login.example.test/.well-known/jwks.json";
/// The discovery document URL of discovery-mode cases.
pub(crate) const DISCOVERY_URL: &str =
    "https://login.example.test/.well-known/openid-configuration";
/// The `jwks_uri` the discovery document names.
pub(crate) const DISCOVERED_JWKS_URL: &str = "https://login.example.test/jwks";

/// The time of the first step of most cases: 2026-01-01T00:00:00Z.
pub(crate) const T0: u64 = 1_767_225_600;
/// The standard token's `iat`.
pub(crate) const IAT: u64 = T0 - 30;
/// The standard token's `exp`: a day after `T0`, past every cache timeline.
pub(crate) const EXP: u64 = T0 + 86_400;

/// A 2047-bit RSA key (TEST ONLY), one bit short of the smallest usable
/// modulus, for the rules' "counted in bits (not bytes rounded up)".
const RSA_2047_PEM: &str = include_str!("keys/rsa2047.pem");

/// The key id of the 2047-bit key.
pub(crate) const RSA_2047_KID: &str = "rsa2047";

/// A shipped fixed key with its default algorithm and its file stem as kid.
pub(crate) fn key(fixed: FixedKey) -> Result<TestKey, GenerateError> {
    Ok(TestKey::fixed(fixed)?)
}

/// A shipped fixed key signing (and published) under `alg`.
pub(crate) fn key_as(fixed: FixedKey, alg: SigningAlg) -> Result<TestKey, GenerateError> {
    Ok(TestKey::fixed(fixed)?.with_alg(alg)?)
}

/// The usual key: RSA 2048 `rsa2048-a`, RS256.
pub(crate) fn rsa() -> Result<TestKey, GenerateError> {
    key(FixedKey::Rsa2048A)
}

/// The 2047-bit RSA key, kid [`RSA_2047_KID`].
pub(crate) fn rsa2047() -> Result<TestKey, GenerateError> {
    Ok(TestKey::from_pem(RSA_2047_PEM)?.with_kid(RSA_2047_KID))
}

/// The standard token's builder: `key`'s header (`alg`, `kid`, `typ` JWT)
/// and the claims `iss`, `sub` (alice), `aud`, `iat`, `exp`.
pub(crate) fn token(key: &TestKey) -> TokenBuilder {
    TokenBuilder::for_key(key)
        .claim("iss", json!(ISSUER))
        .claim("sub", json!("alice"))
        .claim("aud", json!(AUDIENCE))
        .claim("iat", json!(IAT))
        .claim("exp", json!(EXP))
}

/// The standard token signed by `key`.
pub(crate) fn signed(key: &TestKey) -> Result<String, GenerateError> {
    Ok(token(key).sign(key)?)
}

/// `builder` signed by `key`.
pub(crate) fn sign(builder: &TokenBuilder, key: &TestKey) -> Result<String, GenerateError> {
    Ok(builder.sign(key)?)
}

/// A JWK Set of these JWKs.
pub(crate) fn jwks(keys: Vec<Value>) -> Value {
    json!({ "keys": keys })
}

pub(crate) use crate::issuer::jwks_of;

/// `key`'s public JWK with `edits` applied: `Some(value)` sets a member,
/// `None` removes it.
pub(crate) fn jwk_edited(key: &TestKey, edits: &[(&str, Option<Value>)]) -> Value {
    let mut jwk = key.public_jwk();
    if let Value::Object(members) = &mut jwk {
        for (name, edit) in edits {
            match edit {
                Some(value) => members.insert((*name).to_owned(), value.clone()),
                None => members.remove(*name),
            };
        }
    }
    jwk
}

/// The standard `claims` expectation of a verified standard token.
pub(crate) fn alice() -> Value {
    json!({ "sub": "alice", "iss": ISSUER })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issuer::KeyKind;

    #[test]
    fn the_2047_bit_key_is_2047_bits() {
        let key = rsa2047().unwrap();
        assert_eq!(key.kind(), KeyKind::Rsa { bits: 2047 });
        assert_eq!(key.kid(), RSA_2047_KID);
    }

    #[test]
    fn edits_set_and_remove_members() {
        let jwk = jwk_edited(
            &rsa().unwrap(),
            &[("use", Some(json!("enc"))), ("alg", None)],
        );
        assert_eq!(jwk["use"], "enc");
        assert!(jwk.get("alg").is_none());
        assert_eq!(jwk["kid"], "rsa2048-a");
    }
}
