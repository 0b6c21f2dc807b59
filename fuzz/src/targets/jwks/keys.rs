//! The key material the `jwks` target publishes and mutates: the fixed
//! test keys, another valid key of each kind (a wrong key that is still
//! usable), and the OKP encodings the rules refuse.

use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey};
use serde_json::{Map, Value};

use oidc_jwt_verifier_conformance::issuer::{b64url, b64url_decode};
use oidc_jwt_verifier_conformance::{FixedKey, KeyKind, TestKey};

/// The fixed keys the target builds sets from (the 4096-bit one left out
/// to keep the parse cheap; the tokens target has it).
pub const POOL: [FixedKey; 8] = [
    FixedKey::Rsa2048A,
    FixedKey::Rsa2048B,
    FixedKey::Rsa3072,
    FixedKey::P256,
    FixedKey::P384,
    FixedKey::P521,
    FixedKey::Ed25519,
    FixedKey::Ed448,
];

/// Ed25519 encodings that are not a usable key: the 8 points of small
/// order, sign-bit variants of them, and encodings of y at or above the
/// field prime.
pub const ED25519_REFUSED: [&str; 12] = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "0100000000000000000000000000000000000000000000000000000000000080",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];

/// Ed448 encodings that are not a usable key: the 4 points of small order
/// and y at the field prime.
pub const ED448_REFUSED: [&str; 5] = [
    "010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "fefffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffffffffffffffffffffffffffffffffffffffffffffffffff00",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000080",
    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffffffffffffffffffffffffffffffffffffffffffffffffff00",
];

/// Hex to bytes (the constants above).
pub fn hex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .filter_map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
        .collect()
}

/// Whether `jwk` is an OKP key whose `x` is one of the refused encodings
/// (the rules' 2026-12-01 revision).
pub fn is_refused_okp(jwk: &Value) -> bool {
    let Some(x) = jwk.get("x").and_then(Value::as_str).and_then(b64url_decode) else {
        return false;
    };
    jwk.get("kty").and_then(Value::as_str) == Some("OKP")
        && ED25519_REFUSED
            .iter()
            .chain(ED448_REFUSED.iter())
            .any(|refused| hex(refused) == x)
}

/// Whether `jwk` is an RSA key whose exponent is over 64 bits.
pub fn has_long_exponent(jwk: &Value) -> bool {
    jwk.get("kty").and_then(Value::as_str) == Some("RSA")
        && jwk
            .get("e")
            .and_then(Value::as_str)
            .and_then(b64url_decode)
            .is_some_and(|e| e.iter().skip_while(|b| **b == 0).count() > 8)
}

/// One key of the pool, as published, with a valid stand-in.
#[derive(Debug, Clone)]
pub struct PoolKey {
    /// The key (signs the tokens).
    pub key: TestKey,
    /// Its public JWK as the issuer publishes it (`kid`, `alg`, `use`).
    pub jwk: Map<String, Value>,
    /// The public members of another valid key of the same kind: a key
    /// the rules take as usable, that verifies none of this key's tokens.
    pub other: Map<String, Value>,
}

impl PoolKey {
    /// Loads `fixed` and derives its stand-in.
    pub fn load(fixed: FixedKey) -> Result<PoolKey, String> {
        let key = TestKey::fixed(fixed).map_err(|error| error.to_string())?;
        let Value::Object(jwk) = key.public_jwk() else {
            return Err("a JWK that is not an object".into());
        };
        let other = other_members(&key, &jwk)?;
        Ok(PoolKey { key, jwk, other })
    }
}

fn failed(error: impl std::fmt::Display) -> String {
    error.to_string()
}

/// The public members of a valid key of the same kind as `key`: for RSA
/// the modulus with a middle bit flipped (still odd and as long), for EC
/// the point doubled, for OKP the public key of a fixed private scalar.
fn other_members(key: &TestKey, jwk: &Map<String, Value>) -> Result<Map<String, Value>, String> {
    let mut members = Map::new();
    let member = |name: &str| {
        jwk.get(name)
            .and_then(Value::as_str)
            .and_then(b64url_decode)
            .ok_or_else(|| format!("{} has no {name}", key.kid()))
    };
    match key.kind() {
        KeyKind::Rsa { .. } => {
            let mut n = member("n")?;
            let middle = n.len() / 2;
            n[middle] ^= 0x10;
            members.insert("n".into(), Value::String(b64url(&n)));
        }
        KeyKind::P256 | KeyKind::P384 | KeyKind::P521 => {
            let (nid, len) = match key.kind() {
                KeyKind::P256 => (Nid::X9_62_PRIME256V1, 32),
                KeyKind::P384 => (Nid::SECP384R1, 48),
                _ => (Nid::SECP521R1, 66),
            };
            let group = EcGroup::from_curve_name(nid).map_err(failed)?;
            let x = BigNum::from_slice(&member("x")?).map_err(failed)?;
            let y = BigNum::from_slice(&member("y")?).map_err(failed)?;
            let public =
                EcKey::from_public_key_affine_coordinates(&group, &x, &y).map_err(failed)?;
            let mut context = BigNumContext::new().map_err(failed)?;
            let mut doubled = EcPoint::new(&group).map_err(failed)?;
            doubled
                .add(
                    &group,
                    public.public_key(),
                    public.public_key(),
                    &mut context,
                )
                .map_err(failed)?;
            let (mut x2, mut y2) = (
                BigNum::new().map_err(failed)?,
                BigNum::new().map_err(failed)?,
            );
            doubled
                .affine_coordinates(&group, &mut x2, &mut y2, &mut context)
                .map_err(failed)?;
            members.insert(
                "x".into(),
                Value::String(b64url(x2.to_vec_padded(len).map_err(failed)?)),
            );
            members.insert(
                "y".into(),
                Value::String(b64url(y2.to_vec_padded(len).map_err(failed)?)),
            );
        }
        KeyKind::Ed25519 | KeyKind::Ed448 => {
            let (id, len) = if key.kind() == KeyKind::Ed25519 {
                (Id::ED25519, 32)
            } else {
                (Id::ED448, 57)
            };
            let private = PKey::private_key_from_raw_bytes(&vec![7u8; len], id).map_err(failed)?;
            let x = private.raw_public_key().map_err(failed)?;
            members.insert("x".into(), Value::String(b64url(x)));
        }
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_encodings_have_their_curves_length() {
        assert!(ED25519_REFUSED.iter().all(|x| hex(x).len() == 32));
        assert!(ED448_REFUSED.iter().all(|x| hex(x).len() == 57));
    }

    #[test]
    fn every_pool_key_has_a_different_stand_in() {
        for fixed in POOL {
            let pool = PoolKey::load(fixed).unwrap();
            for (name, value) in &pool.other {
                assert_ne!(pool.jwk.get(name), Some(value), "{fixed:?} {name}");
            }
        }
    }

    #[test]
    fn detectors_see_refused_keys() {
        let okp = serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": b64url(hex(ED25519_REFUSED[0]))});
        assert!(is_refused_okp(&okp));
        let rsa = serde_json::json!({"kty": "RSA", "n": "AQAB", "e": b64url([1u8; 9])});
        assert!(has_long_exponent(&rsa));
        assert!(!has_long_exponent(
            &serde_json::json!({"kty": "RSA", "e": "AQAB"})
        ));
    }
}
