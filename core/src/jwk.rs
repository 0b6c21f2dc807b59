//! One JWK: which algorithms it fits (the rules' "Keys": `kty`, `crv`,
//! `alg`, `use`, `key_ops`, private members) and its public parameters,
//! decoded strictly and handed to the crypto boundary (`crypto`), which
//! checks them and prepares the key once for the build's backend.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::alg::{Algorithm, Curve, KeyFamily};
use crate::crypto::{PreparedKey, PublicKey};
use crate::error::AuthError;

/// Members that only a private (or symmetric) key carries.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Public description of one usable signing key (returned by
/// `get_signing_keys` / `get_signing_key`).
#[derive(Debug, Clone, PartialEq)]
pub struct SigningKey {
    kid: Option<String>,
    key_type: KeyType,
    algorithms: Vec<Algorithm>,
    jwk: Map<String, Value>,
}

impl SigningKey {
    /// The key's `kid`, if it has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key's `kty`: `"RSA"`, `"EC"` or `"OKP"`.
    pub fn key_type(&self) -> &str {
        self.key_type.name()
    }

    /// The allowed algorithms this key can verify, in [`Algorithm::ALL`] order.
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    /// The JWK's members as the key source published them.
    pub fn jwk(&self) -> &Map<String, Value> {
        &self.jwk
    }
}

/// The asymmetric key types this library verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyType {
    Rsa,
    Ec,
    Okp,
}

impl KeyType {
    fn name(self) -> &'static str {
        match self {
            KeyType::Rsa => "RSA",
            KeyType::Ec => "EC",
            KeyType::Okp => "OKP",
        }
    }
}

/// Why a JWK (or a `keys` entry) is skipped: the reason of an
/// [`Event::JwkSkipped`](crate::Event::JwkSkipped), with a stable
/// [`code`](Self::code). A skipped key never spoils the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Unusable {
    /// The `keys` entry is not a JSON object.
    NotAnObject,
    /// The entry repeats a member name (at any depth).
    DuplicateMember,
    /// The entry nests deeper than serde_json's recursion limit.
    NestedTooDeep,
    /// The JWK carries private (or symmetric) key material.
    PrivateKey,
    /// `kty` is `oct`: symmetric keys are never used.
    Symmetric,
    /// `kty` is missing, not a string, or not `RSA`, `EC` or `OKP`.
    UnsupportedKeyType,
    /// `kid` is present but not a string.
    InvalidKid,
    /// `use` is present but not the string `sig`.
    NotForSignatures,
    /// `key_ops` is present but not an array of distinct strings containing `verify`.
    NotForVerification,
    /// `alg` is present but not a string.
    InvalidAlg,
    /// `crv` is missing, not a string, or not a curve of the key type.
    UnsupportedCurve,
    /// A public parameter is missing, not a string, or not strict unpadded base64url.
    InvalidParameter(&'static str),
    /// The RSA modulus is not 2048 to 16384 bits, or is even.
    InvalidModulus,
    /// The RSA exponent is even, below 3, over 64 bits, or not below the modulus.
    InvalidExponent,
    /// An EC or OKP coordinate has the wrong length.
    InvalidCoordinateLength,
    /// The EC point is not on the curve (or a coordinate is not below the field prime).
    PointNotOnCurve,
    /// The OKP `x` is not the canonical encoding of its point (RFC 8032
    /// sections 5.1.3 and 5.2.3): its y coordinate is not below the field
    /// prime (for Ed448 that includes a set bit among the seven under the
    /// sign bit), or x is zero and the sign bit is set.
    OkpNotCanonical,
    /// The OKP `x` decodes to no point of the curve: no x coordinate fits its y.
    OkpNotOnCurve,
    /// The OKP point has small order (it divides the cofactor: the 8 such
    /// points of Ed25519, the 4 of Ed448). With such a key anyone can forge
    /// a signature for any message, so it is refused like an RSA exponent of 1.
    OkpSmallOrder,
    /// The key fits none of the allowed algorithms.
    NoAllowedAlgorithm,
    /// The signature backend refused the checked key (the rules accept
    /// every key both backends can use, so this is never expected).
    VerifierRefused,
}

impl Unusable {
    /// The stable code of the reason, e.g. `"invalid_exponent"`.
    pub fn code(self) -> &'static str {
        match self {
            Unusable::NotAnObject => "not_an_object",
            Unusable::DuplicateMember => "duplicate_member",
            Unusable::NestedTooDeep => "nested_too_deep",
            Unusable::PrivateKey => "private_key",
            Unusable::Symmetric => "symmetric",
            Unusable::UnsupportedKeyType => "unsupported_key_type",
            Unusable::InvalidKid => "invalid_kid",
            Unusable::NotForSignatures => "not_for_signatures",
            Unusable::NotForVerification => "not_for_verification",
            Unusable::InvalidAlg => "invalid_alg",
            Unusable::UnsupportedCurve => "unsupported_curve",
            Unusable::InvalidParameter(_) => "invalid_parameter",
            Unusable::InvalidModulus => "invalid_modulus",
            Unusable::InvalidExponent => "invalid_exponent",
            Unusable::InvalidCoordinateLength => "invalid_coordinate_length",
            Unusable::PointNotOnCurve => "point_not_on_curve",
            Unusable::OkpNotCanonical => "okp_not_canonical",
            Unusable::OkpNotOnCurve => "okp_not_on_curve",
            Unusable::OkpSmallOrder => "okp_small_order",
            Unusable::NoAllowedAlgorithm => "no_allowed_algorithm",
            Unusable::VerifierRefused => "verifier_refused",
        }
    }
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unusable::InvalidParameter(name) => write!(f, "invalid_parameter ({name})"),
            other => f.write_str(other.code()),
        }
    }
}

/// A usable key, parsed once per key set and prepared for every allowed
/// algorithm it fits. Aligned to 128 bytes, so that in its `Arc` the
/// reference count (written by every verification that takes the key) has
/// cache lines of its own, apart from the key material other threads read.
#[derive(Debug)]
#[repr(align(128))]
pub(crate) struct VerifyingKey {
    info: SigningKey,
    key: PreparedKey,
}

impl VerifyingKey {
    /// Checks `jwk` against the rules' "Keys" and prepares it for each
    /// algorithm of `allowed` that it fits.
    pub(crate) fn parse(jwk: &Map<String, Value>, allowed: &[Algorithm]) -> Result<Self, Unusable> {
        if PRIVATE_MEMBERS.iter().any(|name| jwk.contains_key(*name)) {
            return Err(Unusable::PrivateKey);
        }
        let key_type = parse_key_type(jwk)?;
        let kid = parse_kid(jwk)?;
        check_use(jwk)?;
        check_key_ops(jwk)?;
        let declared_alg = parse_declared_alg(jwk)?;
        let (curve, public) = match key_type {
            KeyType::Rsa => (None, parse_rsa(jwk)?),
            KeyType::Ec => parse_ec(jwk)?,
            KeyType::Okp => parse_okp(jwk)?,
        };
        let algorithms: Vec<Algorithm> = Algorithm::ALL
            .into_iter()
            .filter(|alg| allowed.contains(alg))
            .filter(|alg| fits_family(key_type, curve, *alg))
            .filter(|alg| declared_alg_fits(declared_alg, *alg, key_type))
            .collect();
        if algorithms.is_empty() {
            return Err(Unusable::NoAllowedAlgorithm);
        }
        let key = PreparedKey::new(&public, &algorithms)?;
        Ok(VerifyingKey {
            info: SigningKey {
                kid,
                key_type,
                algorithms,
                jwk: jwk.clone(),
            },
            key,
        })
    }

    /// The key's public description.
    pub(crate) fn info(&self) -> &SigningKey {
        &self.info
    }

    /// The key's `kid`, if it has one.
    pub(crate) fn kid(&self) -> Option<&str> {
        self.info.kid()
    }

    /// Whether this key verifies `alg` (it fits it and `alg` was allowed).
    pub(crate) fn fits(&self, alg: Algorithm) -> bool {
        self.info.algorithms.contains(&alg)
    }

    /// Verifies `signature` over `signing_input` with `alg`.
    ///
    /// Any failure is `AuthError::InvalidSignature`: an algorithm this key
    /// does not fit, a signature of the wrong length (so DER-encoded ECDSA),
    /// an all-zero signature or ECDSA half, or a signature that does not match.
    pub(crate) fn verify(
        &self,
        alg: Algorithm,
        signing_input: &[u8],
        signature: &[u8],
    ) -> Result<(), AuthError> {
        if self.key.verify(alg, signing_input, signature) {
            Ok(())
        } else {
            Err(AuthError::InvalidSignature)
        }
    }
}

/// Whether the key's type and curve fit `alg` (the rules: `kty` fits the
/// token's `alg`, with the matching `crv`).
fn fits_family(key_type: KeyType, curve: Option<Curve>, alg: Algorithm) -> bool {
    match (alg.key_family(), key_type) {
        (KeyFamily::Rsa, KeyType::Rsa) => true,
        (KeyFamily::Ec(wanted), KeyType::Ec) => curve == Some(wanted),
        (KeyFamily::Okp(None), KeyType::Okp) => true,
        (KeyFamily::Okp(Some(wanted)), KeyType::Okp) => curve == Some(wanted),
        _ => false,
    }
}

/// Whether a JWK's own `alg` (if any) allows the token's `alg`. For OKP keys
/// the names EdDSA, Ed25519 and Ed448 fit each other: the curve decides.
fn declared_alg_fits(declared: Option<&str>, alg: Algorithm, key_type: KeyType) -> bool {
    let Some(declared) = declared else {
        return true;
    };
    if key_type == KeyType::Okp && is_eddsa_name(declared) {
        return is_eddsa_name(alg.name());
    }
    declared == alg.name()
}

fn is_eddsa_name(name: &str) -> bool {
    matches!(name, "EdDSA" | "Ed25519" | "Ed448")
}

fn parse_key_type(jwk: &Map<String, Value>) -> Result<KeyType, Unusable> {
    match jwk.get("kty").and_then(Value::as_str) {
        Some("RSA") => Ok(KeyType::Rsa),
        Some("EC") => Ok(KeyType::Ec),
        Some("OKP") => Ok(KeyType::Okp),
        Some("oct") => Err(Unusable::Symmetric),
        _ => Err(Unusable::UnsupportedKeyType),
    }
}

fn parse_kid(jwk: &Map<String, Value>) -> Result<Option<String>, Unusable> {
    match jwk.get("kid") {
        None => Ok(None),
        Some(Value::String(kid)) => Ok(Some(kid.clone())),
        Some(_) => Err(Unusable::InvalidKid),
    }
}

fn check_use(jwk: &Map<String, Value>) -> Result<(), Unusable> {
    match jwk.get("use") {
        None => Ok(()),
        Some(Value::String(key_use)) if key_use == "sig" => Ok(()),
        Some(_) => Err(Unusable::NotForSignatures),
    }
}

/// `key_ops`, if present, must be an array of distinct strings (RFC 7517
/// section 4.3) that contains `verify`.
fn check_key_ops(jwk: &Map<String, Value>) -> Result<(), Unusable> {
    let Some(key_ops) = jwk.get("key_ops") else {
        return Ok(());
    };
    let ops = key_ops
        .as_array()
        .ok_or(Unusable::NotForVerification)?
        .iter()
        .map(|op| op.as_str().ok_or(Unusable::NotForVerification))
        .collect::<Result<Vec<&str>, Unusable>>()?;
    let distinct = ops.iter().enumerate().all(|(i, op)| !ops[..i].contains(op));
    if distinct && ops.contains(&"verify") {
        Ok(())
    } else {
        Err(Unusable::NotForVerification)
    }
}

fn parse_declared_alg(jwk: &Map<String, Value>) -> Result<Option<&str>, Unusable> {
    match jwk.get("alg") {
        None => Ok(None),
        Some(Value::String(alg)) => Ok(Some(alg)),
        Some(_) => Err(Unusable::InvalidAlg),
    }
}

/// Decodes a required base64url member strictly (no padding, no whitespace,
/// no non-zero trailing bits).
fn decode_member(jwk: &Map<String, Value>, name: &'static str) -> Result<Vec<u8>, Unusable> {
    let text = jwk
        .get(name)
        .and_then(Value::as_str)
        .ok_or(Unusable::InvalidParameter(name))?;
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| Unusable::InvalidParameter(name))
}

fn parse_curve(jwk: &Map<String, Value>, key_type: KeyType) -> Result<Curve, Unusable> {
    let curve = jwk
        .get("crv")
        .and_then(Value::as_str)
        .and_then(Curve::from_name)
        .ok_or(Unusable::UnsupportedCurve)?;
    let is_edwards = matches!(curve, Curve::Ed25519 | Curve::Ed448);
    if is_edwards == (key_type == KeyType::Okp) {
        Ok(curve)
    } else {
        Err(Unusable::UnsupportedCurve)
    }
}

fn parse_rsa(jwk: &Map<String, Value>) -> Result<PublicKey, Unusable> {
    PublicKey::rsa(&decode_member(jwk, "n")?, &decode_member(jwk, "e")?)
}

fn parse_ec(jwk: &Map<String, Value>) -> Result<(Option<Curve>, PublicKey), Unusable> {
    let curve = parse_curve(jwk, KeyType::Ec)?;
    let x = decode_member(jwk, "x")?;
    let y = decode_member(jwk, "y")?;
    Ok((Some(curve), PublicKey::ec(curve, &x, &y)?))
}

fn parse_okp(jwk: &Map<String, Value>) -> Result<(Option<Curve>, PublicKey), Unusable> {
    let curve = parse_curve(jwk, KeyType::Okp)?;
    let x = decode_member(jwk, "x")?;
    Ok((Some(curve), PublicKey::okp(curve, &x)?))
}

#[cfg(test)]
pub(crate) mod test_keys {
    use std::sync::OnceLock;

    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use openssl::bn::{BigNum, BigNumContext};
    use openssl::ec::{EcGroup, EcKey};
    use openssl::ecdsa::EcdsaSig;
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::pkey::{PKey, Private};
    use openssl::rsa::{Padding, Rsa};
    use openssl::sign::{RsaPssSaltlen, Signer};
    use serde_json::{json, Map, Value};

    use crate::alg::{Algorithm, Curve};

    /// A private key and its public JWK.
    pub(crate) struct TestKey {
        pub(crate) private: PKey<Private>,
        pub(crate) jwk: Map<String, Value>,
    }

    pub(crate) fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub(crate) fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    /// An RSA key of `bits` bits (2048-bit keys are generated once and shared).
    pub(crate) fn rsa(bits: u32) -> TestKey {
        static RSA_2048: OnceLock<Vec<u8>> = OnceLock::new();
        let der = if bits == 2048 {
            RSA_2048
                .get_or_init(|| Rsa::generate(2048).unwrap().private_key_to_der().unwrap())
                .clone()
        } else {
            Rsa::generate(bits).unwrap().private_key_to_der().unwrap()
        };
        let rsa = Rsa::private_key_from_der(&der).unwrap();
        let jwk = object(json!({
            "kty": "RSA",
            "n": b64(&rsa.n().to_vec()),
            "e": b64(&rsa.e().to_vec()),
        }));
        TestKey {
            private: PKey::from_rsa(rsa).unwrap(),
            jwk,
        }
    }

    pub(crate) fn ec_nid(curve: Curve) -> (Nid, i32) {
        match curve {
            Curve::P256 => (Nid::X9_62_PRIME256V1, 32),
            Curve::P384 => (Nid::SECP384R1, 48),
            Curve::P521 => (Nid::SECP521R1, 66),
            other => panic!("not an EC curve: {other:?}"),
        }
    }

    /// A fresh EC key on a NIST curve.
    pub(crate) fn ec(curve: Curve) -> TestKey {
        let (nid, field_len) = ec_nid(curve);
        let group = EcGroup::from_curve_name(nid).unwrap();
        let key = EcKey::generate(&group).unwrap();
        let mut ctx = BigNumContext::new().unwrap();
        let (mut x, mut y) = (BigNum::new().unwrap(), BigNum::new().unwrap());
        key.public_key()
            .affine_coordinates(&group, &mut x, &mut y, &mut ctx)
            .unwrap();
        let jwk = object(json!({
            "kty": "EC",
            "crv": curve.name(),
            "x": b64(&x.to_vec_padded(field_len).unwrap()),
            "y": b64(&y.to_vec_padded(field_len).unwrap()),
        }));
        TestKey {
            private: PKey::from_ec_key(key).unwrap(),
            jwk,
        }
    }

    /// A fresh Ed25519 or Ed448 key.
    pub(crate) fn okp(curve: Curve) -> TestKey {
        let private = match curve {
            Curve::Ed25519 => PKey::generate_ed25519().unwrap(),
            Curve::Ed448 => PKey::generate_ed448().unwrap(),
            other => panic!("not an Edwards curve: {other:?}"),
        };
        let jwk = object(json!({
            "kty": "OKP",
            "crv": curve.name(),
            "x": b64(&private.raw_public_key().unwrap()),
        }));
        TestKey { private, jwk }
    }

    /// A fresh key fitting `alg`.
    pub(crate) fn for_alg(alg: Algorithm) -> TestKey {
        match alg {
            Algorithm::ES256 => ec(Curve::P256),
            Algorithm::ES384 => ec(Curve::P384),
            Algorithm::ES512 => ec(Curve::P521),
            Algorithm::EdDSA | Algorithm::Ed25519 => okp(Curve::Ed25519),
            Algorithm::Ed448 => okp(Curve::Ed448),
            _ => rsa(2048),
        }
    }

    /// Signs `input` as `alg` with OpenSSL (raw R||S for ECDSA), the way a
    /// JWS signer does.
    pub(crate) fn sign(alg: Algorithm, key: &PKey<Private>, input: &[u8]) -> Vec<u8> {
        let (digest, pss, ecdsa_half) = match alg {
            Algorithm::RS256 => (MessageDigest::sha256(), false, None),
            Algorithm::RS384 => (MessageDigest::sha384(), false, None),
            Algorithm::RS512 => (MessageDigest::sha512(), false, None),
            Algorithm::PS256 => (MessageDigest::sha256(), true, None),
            Algorithm::PS384 => (MessageDigest::sha384(), true, None),
            Algorithm::PS512 => (MessageDigest::sha512(), true, None),
            Algorithm::ES256 => (MessageDigest::sha256(), false, Some(32)),
            Algorithm::ES384 => (MessageDigest::sha384(), false, Some(48)),
            Algorithm::ES512 => (MessageDigest::sha512(), false, Some(66)),
            Algorithm::EdDSA | Algorithm::Ed25519 | Algorithm::Ed448 => {
                let mut signer = Signer::new_without_digest(key).unwrap();
                return signer.sign_oneshot_to_vec(input).unwrap();
            }
        };
        let mut signer = Signer::new(digest, key).unwrap();
        if pss {
            signer.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
            signer.set_rsa_mgf1_md(digest).unwrap();
            signer
                .set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)
                .unwrap();
        }
        signer.update(input).unwrap();
        let signature = signer.sign_to_vec().unwrap();
        match ecdsa_half {
            None => signature,
            Some(half) => {
                let der = EcdsaSig::from_der(&signature).unwrap();
                let mut raw = der.r().to_vec_padded(half).unwrap();
                raw.extend(der.s().to_vec_padded(half).unwrap());
                raw
            }
        }
    }

    /// `jwk` with `members` added (or replaced).
    pub(crate) fn with(jwk: &Map<String, Value>, members: Value) -> Map<String, Value> {
        let mut out = jwk.clone();
        out.extend(object(members));
        out
    }

    /// An OKP JWK of `curve` with these `x` bytes.
    pub(crate) fn okp_with_x(curve: Curve, x: &[u8]) -> Map<String, Value> {
        object(json!({"kty": "OKP", "crv": curve.name(), "x": b64(x)}))
    }

    /// A small-order public key of `curve` and a signature that verifies
    /// under it, in OpenSSL, for every message: `R = [s]B`, `S = s`.
    ///
    /// For Ed25519 the key is the identity `(0, 1)` (encoded y = 1):
    /// OpenSSL checks `[S]B = R + [k]A`, which holds for every hash `k`
    /// when `A` is the identity. For Ed448 the key is `(-1, 0)`, of order 4
    /// (encoded as 57 zero bytes): OpenSSL refuses to decode points with
    /// x = 0, but it checks `[4][S]B = [4]R + [4k]A`, and `[4]A` is the
    /// identity. `s` is the secret scalar of a fresh OpenSSL key (its
    /// clamped hashed seed, RFC 8032 sections 5.1.5 and 5.2.5, reduced
    /// modulo the group order `L`), so OpenSSL's public key is `[s]B`.
    pub(crate) fn small_order_forgery(curve: Curve) -> (Vec<u8>, Vec<u8>) {
        use num_bigint::BigUint;
        use openssl::hash::{hash, Hasher, MessageDigest};

        let (private, scalar, order) = if curve == Curve::Ed448 {
            let private = PKey::generate_ed448().unwrap();
            let mut hasher = Hasher::new(MessageDigest::shake_256()).unwrap();
            hasher.update(&private.raw_private_key().unwrap()).unwrap();
            let mut digest = [0; 114];
            hasher.finish_xof(&mut digest).unwrap();
            let mut scalar = digest[..57].to_vec();
            scalar[0] &= 0xfc;
            scalar[55] |= 0x80;
            scalar[56] = 0;
            let order = (BigUint::from(1u32) << 446u32)
                - BigUint::parse_bytes(
                    b"13818066809895115352007386748515426880336692474882178609894547503885",
                    10,
                )
                .unwrap();
            (private, scalar, order)
        } else {
            let private = PKey::generate_ed25519().unwrap();
            let digest =
                hash(MessageDigest::sha512(), &private.raw_private_key().unwrap()).unwrap();
            let mut scalar = digest[..32].to_vec();
            scalar[0] &= 0xf8;
            scalar[31] &= 0x7f;
            scalar[31] |= 0x40;
            let order = (BigUint::from(1u32) << 252u32)
                + BigUint::parse_bytes(b"27742317777372353535851937790883648493", 10).unwrap();
            (private, scalar, order)
        };
        let len = scalar.len();
        let mut s = (BigUint::from_bytes_le(&scalar) % order).to_bytes_le();
        s.resize(len, 0);
        let mut signature = private.raw_public_key().unwrap();
        signature.extend_from_slice(&s);
        let mut key = vec![0; len];
        if curve == Curve::Ed25519 {
            key[0] = 1;
        }
        (key, signature)
    }
}

#[cfg(test)]
mod tests {
    use openssl::bn::{BigNum, BigNumContext};
    use openssl::ec::EcGroup;
    use openssl::hash::{hash, MessageDigest};
    use openssl::nid::Nid;
    use openssl::pkey::{PKey, Private};
    use openssl::rsa::{Padding, Rsa};
    use openssl::sign::{RsaPssSaltlen, Signer, Verifier};
    use serde_json::json;

    use super::test_keys::{self, b64, for_alg, sign, with};
    use super::*;
    use crate::crypto::edwards::{oracle, EdwardsCurve, PointError};

    const INPUT: &[u8] = b"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9";

    fn parse_one(jwk: &Map<String, Value>, alg: Algorithm) -> Result<VerifyingKey, Unusable> {
        VerifyingKey::parse(jwk, &[alg])
    }

    fn rsa_with(n: &[u8], e: &[u8]) -> Map<String, Value> {
        test_keys::object(json!({"kty": "RSA", "n": b64(n), "e": b64(e)}))
    }

    /// A number of exactly `bits` bits, odd (a modulus shape, not a real key).
    fn odd_number_of_bits(bits: usize) -> Vec<u8> {
        let mut bytes = vec![0xA5; bits.div_ceil(8)];
        bytes[0] = 1u8 << ((bits - 1) % 8);
        if let Some(last) = bytes.last_mut() {
            *last |= 1;
        }
        bytes
    }

    #[test]
    fn every_algorithm_verifies_its_own_signature_and_nothing_else() {
        for alg in Algorithm::ALL {
            let key = for_alg(alg);
            let verifying = parse_one(&key.jwk, alg).unwrap();
            let signature = sign(alg, &key.private, INPUT);
            assert_eq!(verifying.verify(alg, INPUT, &signature), Ok(()), "{alg}");
            assert_eq!(
                verifying.verify(alg, b"other input", &signature),
                Err(AuthError::InvalidSignature),
                "{alg}"
            );
            let mut flipped = signature.clone();
            flipped[10] ^= 1;
            assert_eq!(
                verifying.verify(alg, INPUT, &flipped),
                Err(AuthError::InvalidSignature),
                "{alg}"
            );
        }
    }

    #[test]
    fn keys_list_the_allowed_algorithms_they_fit_in_fixed_order() {
        let all = &Algorithm::ALL[..];
        let rsa = VerifyingKey::parse(&test_keys::rsa(2048).jwk, all).unwrap();
        assert_eq!(rsa.info().algorithms(), &Algorithm::ALL[..6]);
        assert_eq!(rsa.info().key_type(), "RSA");
        let ec = VerifyingKey::parse(&test_keys::ec(Curve::P384).jwk, all).unwrap();
        assert_eq!(ec.info().algorithms(), &[Algorithm::ES384]);
        assert_eq!(ec.info().key_type(), "EC");
        let ed25519 = VerifyingKey::parse(&test_keys::okp(Curve::Ed25519).jwk, all).unwrap();
        assert_eq!(
            ed25519.info().algorithms(),
            &[Algorithm::EdDSA, Algorithm::Ed25519]
        );
        assert_eq!(ed25519.info().key_type(), "OKP");
        let ed448 = VerifyingKey::parse(&test_keys::okp(Curve::Ed448).jwk, all).unwrap();
        assert_eq!(
            ed448.info().algorithms(),
            &[Algorithm::EdDSA, Algorithm::Ed448]
        );
        let only_ps = [Algorithm::ES256, Algorithm::PS384];
        let rsa = VerifyingKey::parse(&test_keys::rsa(2048).jwk, &only_ps).unwrap();
        assert_eq!(rsa.info().algorithms(), &[Algorithm::PS384]);
        assert!(rsa.fits(Algorithm::PS384) && !rsa.fits(Algorithm::RS256));
    }

    #[test]
    fn signing_key_reports_kid_and_published_members() {
        let key = test_keys::ec(Curve::P256);
        let jwk = with(&key.jwk, json!({"kid": "k1", "x5t": "abc", "use": "sig"}));
        let parsed = parse_one(&jwk, Algorithm::ES256).unwrap();
        assert_eq!(parsed.kid(), Some("k1"));
        assert_eq!(parsed.info().kid(), Some("k1"));
        assert_eq!(parsed.info().jwk(), &jwk);
        let no_kid = parse_one(&key.jwk, Algorithm::ES256).unwrap();
        assert_eq!(no_kid.kid(), None);
    }

    #[test]
    fn exponent_one_is_refused_although_openssl_would_accept_a_forgery() {
        let key = test_keys::rsa(2048);
        let modulus = key.private.rsa().unwrap().n().to_vec();
        // With e = 1 the "signature" is the padded digest itself.
        let digest_info = [
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ];
        let mut forged = vec![0x00, 0x01];
        forged.resize(modulus.len() - digest_info.len() - 32 - 1, 0xFF);
        forged.push(0x00);
        forged.extend_from_slice(&digest_info);
        forged.extend_from_slice(&hash(MessageDigest::sha256(), INPUT).unwrap());
        let weak = Rsa::from_public_components(
            BigNum::from_slice(&modulus).unwrap(),
            BigNum::from_u32(1).unwrap(),
        )
        .unwrap();
        let weak = PKey::from_rsa(weak).unwrap();
        let mut openssl_verifier = Verifier::new(MessageDigest::sha256(), &weak).unwrap();
        openssl_verifier.update(INPUT).unwrap();
        assert!(
            openssl_verifier.verify(&forged).unwrap(),
            "the forgery works in OpenSSL"
        );

        let jwk = rsa_with(&modulus, &[1]);
        assert_eq!(
            parse_one(&jwk, Algorithm::RS256).err(),
            Some(Unusable::InvalidExponent)
        );
    }

    #[test]
    fn exponent_must_be_odd_at_least_three_and_at_most_64_bits() {
        let modulus = test_keys::rsa(2048).private.rsa().unwrap().n().to_vec();
        let refused: [&[u8]; 5] = [&[0x01, 0x00, 0x00], &[2], &[], &[0], &[0, 1]];
        for exponent in refused {
            assert_eq!(
                parse_one(&rsa_with(&modulus, exponent), Algorithm::RS256).err(),
                Some(Unusable::InvalidExponent),
                "{exponent:?}"
            );
        }
        for too_long in [odd_number_of_bits(65), odd_number_of_bits(257)] {
            assert_eq!(
                parse_one(&rsa_with(&modulus, &too_long), Algorithm::RS256).err(),
                Some(Unusable::InvalidExponent)
            );
        }
        let mut padded_64_bits = vec![0, 0];
        padded_64_bits.extend(odd_number_of_bits(64));
        for exponent in [
            odd_number_of_bits(64),
            padded_64_bits,
            vec![3],
            vec![0, 1, 0, 1],
        ] {
            assert!(parse_one(&rsa_with(&modulus, &exponent), Algorithm::RS256).is_ok());
        }
    }

    /// OpenSSL's own limit: over 3072 bits of modulus, it refuses to use
    /// an exponent over 64 bits at all, so every token would fail as
    /// `invalid_signature`; such a key must be unusable instead.
    #[test]
    fn exponents_over_64_bits_are_refused_where_openssl_cannot_use_them() {
        let modulus = odd_number_of_bits(4096);
        let raw_rsa = |exponent: &[u8]| {
            let key = Rsa::from_public_components(
                BigNum::from_slice(&modulus).unwrap(),
                BigNum::from_slice(exponent).unwrap(),
            )
            .unwrap();
            let mut out = vec![0; 512];
            key.public_decrypt(&[0x5a; 512], &mut out, Padding::NONE)
        };
        assert_eq!(raw_rsa(&odd_number_of_bits(64)).ok(), Some(512));
        let error = raw_rsa(&odd_number_of_bits(65)).unwrap_err();
        assert!(
            error
                .errors()
                .iter()
                .any(|e| e.reason() == Some("bad e value")),
            "{error}"
        );
        for (bits, usable) in [(64, true), (65, false)] {
            let parsed = parse_one(
                &rsa_with(&modulus, &odd_number_of_bits(bits)),
                Algorithm::RS256,
            );
            assert_eq!(
                parsed.err(),
                (!usable).then_some(Unusable::InvalidExponent),
                "{bits}"
            );
        }
    }

    /// A real key with a 64-bit exponent signs and verifies.
    #[test]
    fn a_key_with_a_64_bit_exponent_verifies() {
        let exponent = BigNum::from_slice(&odd_number_of_bits(64)).unwrap();
        let rsa = Rsa::generate_with_e(2048, &exponent).unwrap();
        let jwk = rsa_with(&rsa.n().to_vec(), &rsa.e().to_vec());
        let private = PKey::from_rsa(rsa).unwrap();
        let parsed = parse_one(&jwk, Algorithm::RS256).unwrap();
        let signature = sign(Algorithm::RS256, &private, INPUT);
        assert_eq!(parsed.verify(Algorithm::RS256, INPUT, &signature), Ok(()));
    }

    #[test]
    fn modulus_size_is_counted_in_bits() {
        let short = test_keys::rsa(2047);
        let n = short.private.rsa().unwrap().n().to_vec();
        assert_eq!(n.len(), 256, "a 2047-bit modulus still fills 256 bytes");
        assert_eq!(
            parse_one(&short.jwk, Algorithm::RS256).err(),
            Some(Unusable::InvalidModulus)
        );
        let e = [1, 0, 1];
        let too_big = odd_number_of_bits(16385);
        assert_eq!(
            parse_one(&rsa_with(&too_big, &e), Algorithm::RS256).err(),
            Some(Unusable::InvalidModulus)
        );
        let largest = odd_number_of_bits(16384);
        let parsed = parse_one(&rsa_with(&largest, &e), Algorithm::RS256).unwrap();
        assert_eq!(parsed.key.signature_len(), 2048);
        let mut even = odd_number_of_bits(2048);
        if let Some(last) = even.last_mut() {
            *last &= 0xFE;
        }
        assert_eq!(
            parse_one(&rsa_with(&even, &e), Algorithm::RS256).err(),
            Some(Unusable::InvalidModulus)
        );
    }

    #[test]
    fn leading_zero_bytes_of_the_modulus_are_not_counted() {
        let key = test_keys::rsa(2048);
        let rsa = key.private.rsa().unwrap();
        let mut padded = vec![0, 0];
        padded.extend(rsa.n().to_vec());
        let jwk = rsa_with(&padded, &rsa.e().to_vec());
        let parsed = parse_one(&jwk, Algorithm::RS256).unwrap();
        let signature = sign(Algorithm::RS256, &key.private, INPUT);
        assert_eq!(signature.len(), 256);
        assert_eq!(parsed.verify(Algorithm::RS256, INPUT, &signature), Ok(()));
    }

    #[test]
    fn rsa_signatures_must_be_exactly_the_modulus_length() {
        let key = test_keys::rsa(2048);
        let parsed = VerifyingKey::parse(&key.jwk, &[Algorithm::RS256, Algorithm::PS256]).unwrap();
        for alg in [Algorithm::RS256, Algorithm::PS256] {
            let signature = sign(alg, &key.private, INPUT);
            let mut longer = vec![0];
            longer.extend_from_slice(&signature);
            assert_eq!(
                parsed.verify(alg, INPUT, &longer),
                Err(AuthError::InvalidSignature)
            );
            let shorter = &signature[1..];
            assert_eq!(
                parsed.verify(alg, INPUT, shorter),
                Err(AuthError::InvalidSignature)
            );
            assert_eq!(
                parsed.verify(alg, INPUT, &[0; 256]),
                Err(AuthError::InvalidSignature)
            );
        }
    }

    fn openssl_pss(key: &PKey<Private>, mgf1: MessageDigest, salt: RsaPssSaltlen) -> Vec<u8> {
        let mut signer = Signer::new(MessageDigest::sha256(), key).unwrap();
        signer.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
        signer.set_rsa_mgf1_md(mgf1).unwrap();
        signer.set_rsa_pss_saltlen(salt).unwrap();
        signer.update(INPUT).unwrap();
        signer.sign_to_vec().unwrap()
    }

    #[test]
    fn pss_needs_mgf1_with_the_same_hash_and_a_salt_as_long_as_the_hash() {
        let key = test_keys::rsa(2048);
        let parsed = parse_one(&key.jwk, Algorithm::PS256).unwrap();
        let sha256 = MessageDigest::sha256();
        let good = openssl_pss(&key.private, sha256, RsaPssSaltlen::custom(32));
        assert_eq!(parsed.verify(Algorithm::PS256, INPUT, &good), Ok(()));
        for salt in [0, 20, 31, 33, 64] {
            let signature = openssl_pss(&key.private, sha256, RsaPssSaltlen::custom(salt));
            assert_eq!(
                parsed.verify(Algorithm::PS256, INPUT, &signature),
                Err(AuthError::InvalidSignature),
                "salt {salt}"
            );
        }
        let maximum = openssl_pss(&key.private, sha256, RsaPssSaltlen::MAXIMUM_LENGTH);
        assert_eq!(
            parsed.verify(Algorithm::PS256, INPUT, &maximum),
            Err(AuthError::InvalidSignature)
        );
        let sha1_mgf = openssl_pss(
            &key.private,
            MessageDigest::sha1(),
            RsaPssSaltlen::custom(32),
        );
        assert_eq!(
            parsed.verify(Algorithm::PS256, INPUT, &sha1_mgf),
            Err(AuthError::InvalidSignature)
        );
        let pkcs1 = sign(Algorithm::RS256, &key.private, INPUT);
        assert_eq!(
            parsed.verify(Algorithm::PS256, INPUT, &pkcs1),
            Err(AuthError::InvalidSignature)
        );
    }

    #[test]
    fn ecdsa_signatures_are_raw_fixed_length_and_never_zero() {
        for (alg, len) in [
            (Algorithm::ES256, 64),
            (Algorithm::ES384, 96),
            (Algorithm::ES512, 132),
        ] {
            let key = for_alg(alg);
            let parsed = parse_one(&key.jwk, alg).unwrap();
            let raw = sign(alg, &key.private, INPUT);
            assert_eq!(raw.len(), len);
            let mut der_signer = Signer::new(
                match alg {
                    Algorithm::ES256 => MessageDigest::sha256(),
                    Algorithm::ES384 => MessageDigest::sha384(),
                    _ => MessageDigest::sha512(),
                },
                &key.private,
            )
            .unwrap();
            der_signer.update(INPUT).unwrap();
            let der = der_signer.sign_to_vec().unwrap();
            assert_eq!(
                parsed.verify(alg, INPUT, &der),
                Err(AuthError::InvalidSignature),
                "{alg} DER"
            );
            assert_eq!(
                parsed.verify(alg, INPUT, &vec![0; len]),
                Err(AuthError::InvalidSignature),
                "{alg} zero"
            );
            let mut zero_r = raw.clone();
            zero_r[..len / 2].fill(0);
            let mut zero_s = raw.clone();
            zero_s[len / 2..].fill(0);
            for half_zero in [zero_r, zero_s] {
                assert_eq!(
                    parsed.verify(alg, INPUT, &half_zero),
                    Err(AuthError::InvalidSignature)
                );
            }
        }
    }

    #[test]
    fn eddsa_signatures_have_the_curve_length() {
        for (curve, alg, len) in [
            (Curve::Ed25519, Algorithm::Ed25519, 64),
            (Curve::Ed448, Algorithm::Ed448, 114),
        ] {
            let key = test_keys::okp(curve);
            let parsed = VerifyingKey::parse(&key.jwk, &[Algorithm::EdDSA, alg]).unwrap();
            let signature = sign(alg, &key.private, INPUT);
            assert_eq!(signature.len(), len);
            assert_eq!(parsed.verify(Algorithm::EdDSA, INPUT, &signature), Ok(()));
            assert_eq!(parsed.verify(alg, INPUT, &signature), Ok(()));
            let mut longer = signature.clone();
            longer.push(0);
            assert_eq!(
                parsed.verify(alg, INPUT, &longer),
                Err(AuthError::InvalidSignature)
            );
            assert_eq!(
                parsed.verify(alg, INPUT, &vec![0; len]),
                Err(AuthError::InvalidSignature)
            );
        }
    }

    #[test]
    fn an_algorithm_the_key_does_not_fit_never_verifies() {
        let key = test_keys::ec(Curve::P256);
        let parsed = parse_one(&key.jwk, Algorithm::ES256).unwrap();
        let signature = sign(Algorithm::ES256, &key.private, INPUT);
        assert_eq!(
            parsed.verify(Algorithm::ES384, INPUT, &signature),
            Err(AuthError::InvalidSignature)
        );
        let rsa = test_keys::rsa(2048);
        let parsed = parse_one(&rsa.jwk, Algorithm::PS256).unwrap();
        let signature = sign(Algorithm::RS256, &rsa.private, INPUT);
        assert_eq!(
            parsed.verify(Algorithm::RS256, INPUT, &signature),
            Err(AuthError::InvalidSignature),
            "RS256 was not allowed"
        );
    }

    #[test]
    fn ec_points_must_be_on_the_curve() {
        let key = test_keys::ec(Curve::P256);
        let mut y = URL_SAFE_NO_PAD
            .decode(key.jwk["y"].as_str().unwrap())
            .unwrap();
        y[31] ^= 1;
        let off_curve = with(&key.jwk, json!({"y": b64(&y)}));
        assert_eq!(
            parse_one(&off_curve, Algorithm::ES256).err(),
            Some(Unusable::PointNotOnCurve)
        );
        // A coordinate not below the field prime is refused even if it is
        // congruent to a valid one.
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let mut ctx = BigNumContext::new().unwrap();
        let (mut p, mut a, mut b) = (
            BigNum::new().unwrap(),
            BigNum::new().unwrap(),
            BigNum::new().unwrap(),
        );
        group
            .components_gfp(&mut p, &mut a, &mut b, &mut ctx)
            .unwrap();
        let x = URL_SAFE_NO_PAD
            .decode(key.jwk["x"].as_str().unwrap())
            .unwrap();
        let x = BigNum::from_slice(&x).unwrap();
        let mut x_plus_p = BigNum::new().unwrap();
        x_plus_p.checked_add(&x, &p).unwrap();
        if x_plus_p.num_bytes() == 32 {
            let shifted = with(&key.jwk, json!({"x": b64(&x_plus_p.to_vec())}));
            assert_eq!(
                parse_one(&shifted, Algorithm::ES256).err(),
                Some(Unusable::PointNotOnCurve)
            );
        }
        let at_prime = with(&key.jwk, json!({"x": b64(&p.to_vec())}));
        assert_eq!(
            parse_one(&at_prime, Algorithm::ES256).err(),
            Some(Unusable::PointNotOnCurve)
        );
    }

    #[test]
    fn ec_coordinates_must_have_the_field_length() {
        for curve in [Curve::P256, Curve::P384, Curve::P521] {
            let key = test_keys::ec(curve);
            let alg = match curve {
                Curve::P256 => Algorithm::ES256,
                Curve::P384 => Algorithm::ES384,
                _ => Algorithm::ES512,
            };
            for member in ["x", "y"] {
                let bytes = URL_SAFE_NO_PAD
                    .decode(key.jwk[member].as_str().unwrap())
                    .unwrap();
                let mut longer = vec![0];
                longer.extend_from_slice(&bytes);
                let shorter = &bytes[1..];
                for wrong in [longer.as_slice(), shorter] {
                    let jwk = with(&key.jwk, json!({ member: b64(wrong) }));
                    assert_eq!(
                        parse_one(&jwk, alg).err(),
                        Some(Unusable::InvalidCoordinateLength),
                        "{curve:?} {member} {}",
                        wrong.len()
                    );
                }
            }
        }
    }

    #[test]
    fn small_order_keys_are_refused_although_openssl_would_accept_a_forgery() {
        use openssl::pkey::Id;

        for (curve, id) in [(Curve::Ed25519, Id::ED25519), (Curve::Ed448, Id::ED448)] {
            let (small_order_key, forged) = test_keys::small_order_forgery(curve);
            let weak = PKey::public_key_from_raw_bytes(&small_order_key, id).unwrap();
            for message in [INPUT, b"eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhZG1pbiJ9"] {
                let mut openssl_verifier = Verifier::new_without_digest(&weak).unwrap();
                assert!(
                    openssl_verifier.verify_oneshot(&forged, message).unwrap(),
                    "{curve:?}: the forgery works in OpenSSL"
                );
            }
            assert_eq!(
                parse_one(
                    &test_keys::okp_with_x(curve, &small_order_key),
                    Algorithm::EdDSA
                )
                .err(),
                Some(Unusable::OkpSmallOrder)
            );
        }
    }

    #[test]
    fn every_encoding_of_a_small_order_point_is_refused() {
        for (curve, edwards) in [
            (Curve::Ed25519, EdwardsCurve::Ed25519),
            (Curve::Ed448, EdwardsCurve::Ed448),
        ] {
            for encoding in oracle::small_order_encodings(edwards, oracle::EVERY_STRAY_PATTERN) {
                let expected = match encoding.expected {
                    PointError::SmallOrder => Unusable::OkpSmallOrder,
                    PointError::NotCanonical => Unusable::OkpNotCanonical,
                    other => panic!("{}: unexpected {other:?}", encoding.label),
                };
                let jwk = test_keys::okp_with_x(curve, &encoding.bytes);
                assert_eq!(
                    parse_one(&jwk, Algorithm::EdDSA).err(),
                    Some(expected),
                    "{}",
                    encoding.label
                );
            }
        }
    }

    #[test]
    fn okp_points_must_be_on_the_curve_and_canonical() {
        for (curve, edwards) in [
            (Curve::Ed25519, EdwardsCurve::Ed25519),
            (Curve::Ed448, EdwardsCurve::Ed448),
        ] {
            let key = test_keys::okp(curve);
            let x = URL_SAFE_NO_PAD
                .decode(key.jwk["x"].as_str().unwrap())
                .unwrap();
            // Some flip of one bit of y leaves the curve (about half of all y do).
            let mut affine = oracle::AffineCurve::new(edwards);
            let off_curve = (0..8 * (x.len() - 1))
                .map(|bit| {
                    let mut flipped = x.clone();
                    flipped[bit / 8] ^= 1 << (bit % 8);
                    flipped
                })
                .find(|flipped| affine.judge(flipped) == Err(PointError::NotOnCurve))
                .unwrap();
            assert_eq!(
                parse_one(
                    &with(&key.jwk, json!({"x": b64(&off_curve)})),
                    Algorithm::EdDSA
                )
                .err(),
                Some(Unusable::OkpNotOnCurve)
            );
            // Every bit but the sign bit set: y = 2^255 - 1 for Ed25519, for
            // Ed448 a y with all seven stray bits set; neither is below p.
            let mut y_over_prime = vec![0xff; x.len()];
            y_over_prime[x.len() - 1] = 0x7f;
            assert_eq!(
                parse_one(
                    &with(&key.jwk, json!({"x": b64(&y_over_prime)})),
                    Algorithm::EdDSA
                )
                .err(),
                Some(Unusable::OkpNotCanonical)
            );
        }
    }

    /// The rules refuse the points whose order divides the cofactor, not
    /// every point outside the prime-order subgroup: a key with a torsion
    /// component gives no forgery without its private scalar.
    #[test]
    fn okp_keys_of_mixed_order_are_usable() {
        use curve25519_dalek::constants::EIGHT_TORSION;
        use curve25519_dalek::edwards::CompressedEdwardsY;

        let key = test_keys::okp(Curve::Ed25519);
        let x: [u8; 32] = URL_SAFE_NO_PAD
            .decode(key.jwk["x"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let point = CompressedEdwardsY(x).decompress().unwrap();
        for torsion in &EIGHT_TORSION[1..] {
            let mixed = (point + torsion).compress().to_bytes();
            assert!(!(point + torsion).is_torsion_free());
            assert!(parse_one(
                &test_keys::okp_with_x(Curve::Ed25519, &mixed),
                Algorithm::EdDSA
            )
            .is_ok());
        }
    }

    #[test]
    fn okp_keys_must_have_the_curve_length() {
        for (curve, len) in [(Curve::Ed25519, 32), (Curve::Ed448, 57)] {
            let key = test_keys::okp(curve);
            for wrong_len in [len - 1, len + 1] {
                let jwk = with(&key.jwk, json!({"x": b64(&vec![7; wrong_len])}));
                assert_eq!(
                    parse_one(&jwk, Algorithm::EdDSA).err(),
                    Some(Unusable::InvalidCoordinateLength)
                );
            }
        }
    }

    #[test]
    fn curves_must_belong_to_the_key_type_and_the_algorithm() {
        let p256 = test_keys::ec(Curve::P256);
        assert_eq!(
            parse_one(&p256.jwk, Algorithm::ES384).err(),
            Some(Unusable::NoAllowedAlgorithm)
        );
        let as_edwards = with(&p256.jwk, json!({"crv": "Ed25519"}));
        assert_eq!(
            parse_one(&as_edwards, Algorithm::EdDSA).err(),
            Some(Unusable::UnsupportedCurve)
        );
        let secp256k1 = with(&p256.jwk, json!({"crv": "secp256k1"}));
        assert_eq!(
            parse_one(&secp256k1, Algorithm::ES256).err(),
            Some(Unusable::UnsupportedCurve)
        );
        let ed25519 = test_keys::okp(Curve::Ed25519);
        assert_eq!(
            parse_one(&ed25519.jwk, Algorithm::Ed448).err(),
            Some(Unusable::NoAllowedAlgorithm)
        );
        let x25519 = with(&ed25519.jwk, json!({"crv": "X25519"}));
        assert_eq!(
            parse_one(&x25519, Algorithm::EdDSA).err(),
            Some(Unusable::UnsupportedCurve)
        );
        let nist_okp = with(&ed25519.jwk, json!({"crv": "P-256"}));
        assert_eq!(
            parse_one(&nist_okp, Algorithm::ES256).err(),
            Some(Unusable::UnsupportedCurve)
        );
        let rsa = test_keys::rsa(2048);
        assert_eq!(
            parse_one(&rsa.jwk, Algorithm::ES256).err(),
            Some(Unusable::NoAllowedAlgorithm)
        );
    }

    #[test]
    fn private_and_symmetric_keys_are_ignored() {
        let rsa = test_keys::rsa(2048);
        for member in PRIVATE_MEMBERS {
            let jwk = with(&rsa.jwk, json!({ member: "AQAB" }));
            assert_eq!(
                parse_one(&jwk, Algorithm::RS256).err(),
                Some(Unusable::PrivateKey),
                "{member}"
            );
        }
        let oct = test_keys::object(json!({"kty": "oct", "alg": "RS256"}));
        assert_eq!(
            parse_one(&oct, Algorithm::RS256).err(),
            Some(Unusable::Symmetric)
        );
        for kty in [json!(null), json!("rsa"), json!(["RSA"]), json!("EC2")] {
            let jwk = with(&rsa.jwk, json!({ "kty": kty }));
            assert_eq!(
                parse_one(&jwk, Algorithm::RS256).err(),
                Some(Unusable::UnsupportedKeyType)
            );
        }
        let mut no_kty = rsa.jwk.clone();
        no_kty.remove("kty");
        assert_eq!(
            parse_one(&no_kty, Algorithm::RS256).err(),
            Some(Unusable::UnsupportedKeyType)
        );
    }

    #[test]
    fn use_must_be_sig_and_key_ops_must_contain_verify() {
        let key = test_keys::ec(Curve::P256);
        let parse = |members| parse_one(&with(&key.jwk, members), Algorithm::ES256).err();
        assert_eq!(parse(json!({"use": "sig"})), None);
        assert_eq!(
            parse(json!({"use": "enc"})),
            Some(Unusable::NotForSignatures)
        );
        assert_eq!(
            parse(json!({"use": ["sig"]})),
            Some(Unusable::NotForSignatures)
        );
        assert_eq!(parse(json!({"key_ops": ["verify"]})), None);
        assert_eq!(
            parse(json!({"key_ops": ["sign", "verify"], "use": "sig"})),
            None
        );
        for key_ops in [
            json!(["sign"]),
            json!([]),
            json!("verify"),
            json!(["verify", 1]),
            json!(["verify", "verify"]),
        ] {
            assert_eq!(
                parse(json!({ "key_ops": key_ops })),
                Some(Unusable::NotForVerification),
                "{key_ops}"
            );
        }
    }

    #[test]
    fn kid_and_alg_must_be_strings() {
        let key = test_keys::ec(Curve::P256);
        let parse = |members| parse_one(&with(&key.jwk, members), Algorithm::ES256).err();
        assert_eq!(parse(json!({"kid": 5})), Some(Unusable::InvalidKid));
        assert_eq!(parse(json!({"kid": null})), Some(Unusable::InvalidKid));
        assert_eq!(parse(json!({"alg": ["ES256"]})), Some(Unusable::InvalidAlg));
        assert_eq!(parse(json!({"alg": null})), Some(Unusable::InvalidAlg));
    }

    #[test]
    fn a_declared_alg_must_equal_the_token_alg() {
        let rsa = test_keys::rsa(2048);
        let rs384 = with(&rsa.jwk, json!({"alg": "RS384"}));
        assert_eq!(
            parse_one(&rs384, Algorithm::RS256).err(),
            Some(Unusable::NoAllowedAlgorithm)
        );
        let parsed = VerifyingKey::parse(&rs384, &Algorithm::ALL).unwrap();
        assert_eq!(parsed.info().algorithms(), &[Algorithm::RS384]);
        let lower = with(&rsa.jwk, json!({"alg": "rs256"}));
        assert_eq!(
            parse_one(&lower, Algorithm::RS256).err(),
            Some(Unusable::NoAllowedAlgorithm)
        );
        let ec = test_keys::ec(Curve::P256);
        let eddsa_on_ec = with(&ec.jwk, json!({"alg": "EdDSA"}));
        assert_eq!(
            parse_one(&eddsa_on_ec, Algorithm::ES256).err(),
            Some(Unusable::NoAllowedAlgorithm)
        );
    }

    #[test]
    fn edwards_alg_names_fit_each_other_and_the_curve_decides() {
        let ed25519 = test_keys::okp(Curve::Ed25519);
        let declared = with(&ed25519.jwk, json!({"alg": "Ed25519"}));
        let parsed = VerifyingKey::parse(&declared, &Algorithm::ALL).unwrap();
        assert_eq!(
            parsed.info().algorithms(),
            &[Algorithm::EdDSA, Algorithm::Ed25519]
        );
        let ed448 = test_keys::okp(Curve::Ed448);
        let declared = with(&ed448.jwk, json!({"alg": "EdDSA"}));
        let parsed = VerifyingKey::parse(&declared, &[Algorithm::Ed448]).unwrap();
        assert_eq!(parsed.info().algorithms(), &[Algorithm::Ed448]);
        let signature = sign(Algorithm::Ed448, &ed448.private, INPUT);
        assert_eq!(parsed.verify(Algorithm::Ed448, INPUT, &signature), Ok(()));
        assert_eq!(
            parse_one(&declared, Algorithm::Ed25519).err(),
            Some(Unusable::NoAllowedAlgorithm)
        );
        let wrong_family = with(&ed448.jwk, json!({"alg": "ES256"}));
        assert_eq!(
            parse_one(&wrong_family, Algorithm::EdDSA).err(),
            Some(Unusable::NoAllowedAlgorithm)
        );
    }

    #[test]
    fn base64url_members_are_decoded_strictly() {
        let key = test_keys::ec(Curve::P256);
        let x = key.jwk["x"].as_str().unwrap().to_owned();
        let y = key.jwk["y"].as_str().unwrap().to_owned();
        let padded = with(&key.jwk, json!({"x": format!("{x}=")}));
        assert_eq!(
            parse_one(&padded, Algorithm::ES256).err(),
            Some(Unusable::InvalidParameter("x"))
        );
        let standard_alphabet = y.replace('-', "+").replace('_', "/");
        if standard_alphabet != y {
            let jwk = with(&key.jwk, json!({ "y": standard_alphabet }));
            assert_eq!(
                parse_one(&jwk, Algorithm::ES256).err(),
                Some(Unusable::InvalidParameter("y"))
            );
        }
        let spaced = with(&key.jwk, json!({"x": format!(" {x}")}));
        assert_eq!(
            parse_one(&spaced, Algorithm::ES256).err(),
            Some(Unusable::InvalidParameter("x"))
        );
        // 43 characters carry 258 bits: the last two must be zero.
        let last = x.chars().last().unwrap();
        let index = URL_SAFE_NO_PAD_ALPHABET.find(last).unwrap();
        let nonzero_tail = URL_SAFE_NO_PAD_ALPHABET.chars().nth(index ^ 1).unwrap();
        let tail_bits = format!("{}{nonzero_tail}", &x[..x.len() - 1]);
        let jwk = with(&key.jwk, json!({ "x": tail_bits }));
        assert_eq!(
            parse_one(&jwk, Algorithm::ES256).err(),
            Some(Unusable::InvalidParameter("x"))
        );
        let mut missing = key.jwk.clone();
        missing.remove("y");
        assert_eq!(
            parse_one(&missing, Algorithm::ES256).err(),
            Some(Unusable::InvalidParameter("y"))
        );
        let number = with(&key.jwk, json!({"x": 5}));
        assert_eq!(
            parse_one(&number, Algorithm::ES256).err(),
            Some(Unusable::InvalidParameter("x"))
        );
    }

    const URL_SAFE_NO_PAD_ALPHABET: &str =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    #[test]
    fn verifying_keys_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<VerifyingKey>();
        assert_send_sync::<SigningKey>();
        let key = test_keys::okp(Curve::Ed25519);
        let parsed = std::sync::Arc::new(parse_one(&key.jwk, Algorithm::EdDSA).unwrap());
        let signature = sign(Algorithm::EdDSA, &key.private, INPUT);
        let shared = std::sync::Arc::clone(&parsed);
        let from_thread =
            std::thread::spawn(move || shared.verify(Algorithm::EdDSA, INPUT, &signature))
                .join()
                .unwrap();
        assert_eq!(from_thread, Ok(()));
    }
}
