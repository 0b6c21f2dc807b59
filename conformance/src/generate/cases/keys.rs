//! `keys/`: which JWKs are usable (docs/rules.md, "Keys") and what a key set
//! must look like (`jwks_error`, `key_not_found`).

use openssl::hash::{hash, MessageDigest};
use serde_json::{json, Value};

use super::shape_error;
use crate::generate::build::{CaseSpec, Expect, Reply};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{
    alice, jwk_edited, jwks, jwks_of, key, rsa, rsa2047, sign, signed, token, JWKS_URL, T0,
};
use crate::issuer::small_order::{forgery, small_order_keys, with_stray_bit, SmallOrderKey};
use crate::issuer::{b64url, b64url_decode, FixedKey, IssuerError, KeyKind, TestKey};

/// docs/rules.md: the body limit of a key set, 512 KiB.
const MAX_BODY_BYTES: usize = 512 * 1024;
/// docs/rules.md: at most this many keys in a set.
const MAX_KEYS: usize = 100;

/// RSA 4096 keys (TEST ONLY) with public exponents of 64 bits (2^63 + 29)
/// and 65 bits (2^64 + 13), on either side of the rules' limit: OpenSSL
/// refuses exponents over 64 bits with moduli over 3072 bits.
const RSA_4096_E64_PEM: &str = include_str!("../keys/rsa4096-e64.pem");
const RSA_4096_E65_PEM: &str = include_str!("../keys/rsa4096-e65.pem");

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let mut cases = fit_cases()?;
    cases.extend(use_cases()?);
    cases.extend(rsa_cases()?);
    cases.extend(ec_cases()?);
    cases.extend(okp_cases()?);
    cases.extend(small_order_cases()?);
    cases.extend(other_kind_cases()?);
    cases.extend(set_cases()?);
    cases.extend(document_cases()?);
    Ok(cases)
}

/// The neighbour key published beside a bad one: `rsa2048-b`, RS256.
fn neighbour() -> Result<TestKey, GenerateError> {
    key(FixedKey::Rsa2048B)
}

/// The bad JWK alone in the set: no key is usable, so the set is
/// unusable (jwks_error, 503).
fn alone(name: &str, description: &str, jwk: Value, token: &str, allowed: &[&str]) -> CaseSpec {
    CaseSpec::new(name, description)
        .set("allowed_algs", json!(allowed))
        .serve(JWKS_URL, Reply::json(jwks(vec![jwk])))
        .verify(T0, token, Expect::error(Code::JwksError))
}

/// The bad JWK beside a usable RSA key: the bad key's token finds no
/// usable key (key_not_found) while the neighbour's token verifies.
fn beside(
    name: &str,
    description: &str,
    jwk: Value,
    token: &str,
    allowed: &[&str],
) -> Result<CaseSpec, GenerateError> {
    let neighbour = neighbour()?;
    let mut with_rs256: Vec<&str> = allowed.to_vec();
    if !with_rs256.contains(&"RS256") {
        with_rs256.push("RS256");
    }
    Ok(CaseSpec::new(name, description)
        .set("allowed_algs", json!(with_rs256))
        .serve(
            JWKS_URL,
            Reply::json(jwks(vec![jwk, neighbour.public_jwk()])),
        )
        .verify(T0, token, Expect::error(Code::KeyNotFound))
        .verify(T0, &signed(&neighbour)?, Expect::claims(alice()))
        .fetches(&[(JWKS_URL, 1)]))
}

/// A case publishing `jwks` and expecting `token` to verify.
fn accepted(
    name: &str,
    description: &str,
    keys: Vec<Value>,
    token: &str,
    allowed: &[&str],
) -> CaseSpec {
    CaseSpec::new(name, description)
        .set("allowed_algs", json!(allowed))
        .serve(JWKS_URL, Reply::json(jwks(keys)))
        .verify(T0, token, Expect::claims(alice()))
}

fn fit_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let rsa_key = rsa()?;
    let ec = key(FixedKey::P256)?;
    let p384 = key(FixedKey::P384)?;
    let ed25519 = key(FixedKey::Ed25519)?;
    let ed448 = key(FixedKey::Ed448)?;
    let rsa_token_for_ec_kid = sign(&token(&rsa_key).header("kid", json!(ec.kid())), &rsa_key)?;
    let es256_for_p384_kid = sign(&token(&ec).header("kid", json!(p384.kid())), &ec)?;
    let ed25519_alg_for_ed448 = sign(
        &token(&ed25519)
            .header("alg", json!("Ed25519"))
            .header("kid", json!(ed448.kid())),
        &ed25519,
    )?;
    let okp = |fixed: FixedKey, jwk_alg: &str| -> Result<Value, GenerateError> {
        Ok(jwk_edited(&key(fixed)?, &[("alg", Some(json!(jwk_alg)))]))
    };
    let okp_token = |fixed: FixedKey, alg: &str| -> Result<String, GenerateError> {
        let signer = key(fixed)?;
        sign(&token(&signer).header("alg", json!(alg)), &signer)
    };
    Ok(vec![
        beside(
            "keys/fit/rsa-token-ec-key",
            "An RS256 token whose kid names an EC key (its JWK without alg, so only kty decides): kty must be RSA for RS*, so no usable key has that kid (key_not_found).",
            jwk_edited(&ec, &[("alg", None)]),
            &rsa_token_for_ec_kid,
            &["RS256", "ES256"],
        )?,
        beside(
            "keys/fit/es256-token-p384-key",
            "An ES256 token whose kid names a P-384 key (its JWK without alg, so only crv decides): ES256 needs crv P-256, key_not_found.",
            jwk_edited(&p384, &[("alg", None)]),
            &es256_for_p384_kid,
            &["ES256", "ES384"],
        )?,
        beside(
            "keys/fit/ed25519-name-ed448-key",
            "A token with the RFC 9864 alg Ed25519 whose kid names an Ed448 key: that name needs exactly the Ed25519 curve, key_not_found.",
            ed448.public_jwk(),
            &ed25519_alg_for_ed448,
            &["Ed25519", "Ed448"],
        )?,
        beside(
            "keys/fit/jwk-alg-differs",
            "A JWK with alg RS384 and an RS256 token of the same key: the JWK's alg must equal the token's, key_not_found.",
            jwk_edited(&rsa_key, &[("alg", Some(json!("RS384")))]),
            &signed(&rsa_key)?,
            &["RS256", "RS384"],
        )?,
        accepted(
            "keys/fit/jwk-without-alg",
            "A JWK with no alg member fits any algorithm of its kty: the RS256 token verifies.",
            vec![jwk_edited(&rsa_key, &[("alg", None)])],
            &signed(&rsa_key)?,
            &["RS256"],
        ),
        accepted(
            "keys/fit/okp-jwk-eddsa-token-ed25519",
            "An Ed25519 JWK with alg EdDSA and a token with alg Ed25519: for OKP keys the names fit each other, the curve deciding.",
            vec![okp(FixedKey::Ed25519, "EdDSA")?],
            &okp_token(FixedKey::Ed25519, "Ed25519")?,
            &["EdDSA", "Ed25519"],
        ),
        accepted(
            "keys/fit/okp-jwk-ed25519-token-eddsa",
            "An Ed25519 JWK with alg Ed25519 and a token with alg EdDSA: the names fit each other.",
            vec![okp(FixedKey::Ed25519, "Ed25519")?],
            &okp_token(FixedKey::Ed25519, "EdDSA")?,
            &["EdDSA", "Ed25519"],
        ),
        accepted(
            "keys/fit/okp-jwk-eddsa-token-ed448",
            "An Ed448 JWK with alg EdDSA and a token with alg Ed448: the names fit each other, the curve is Ed448.",
            vec![okp(FixedKey::Ed448, "EdDSA")?],
            &okp_token(FixedKey::Ed448, "Ed448")?,
            &["EdDSA", "Ed448"],
        ),
    ])
}

fn use_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let rsa_key = rsa()?;
    let token = signed(&rsa_key)?;
    let edited = |member: &str, value: Value| jwk_edited(&rsa_key, &[(member, Some(value))]);
    Ok(vec![
        beside(
            "keys/use/enc",
            "A JWK with use \"enc\" is not a signing key: its token finds no usable key (key_not_found); the other key still serves.",
            edited("use", json!("enc")),
            &token,
            &["RS256"],
        )?,
        alone(
            "keys/use/enc-alone",
            "A set whose only key has use \"enc\" has no usable key: jwks_error.",
            edited("use", json!("enc")),
            &token,
            &["RS256"],
        ),
        beside(
            "keys/key-ops/without-verify",
            "key_ops [\"encrypt\", \"wrapKey\"] does not contain verify: the key is unusable, key_not_found.",
            edited("key_ops", json!(["encrypt", "wrapKey"])),
            &token,
            &["RS256"],
        )?,
        beside(
            "keys/key-ops/sign-only",
            "key_ops [\"sign\"] (the private side's operation) does not contain verify: key_not_found.",
            edited("key_ops", json!(["sign"])),
            &token,
            &["RS256"],
        )?,
        accepted(
            "keys/key-ops/with-verify",
            "key_ops [\"sign\", \"verify\"] contains verify: the key is usable.",
            vec![edited("key_ops", json!(["sign", "verify"]))],
            &token,
            &["RS256"],
        ),
        accepted(
            "keys/use/absent",
            "A JWK without use is usable (use is checked only when present).",
            vec![jwk_edited(&rsa_key, &[("use", None)])],
            &token,
            &["RS256"],
        ),
    ])
}

/// The RS256 signature that verifies under public exponent 1: the
/// EMSA-PKCS1-v1_5 encoding itself (RFC 8017 section 9.2).
fn exponent_one_forgery(
    signing_input: &str,
    modulus_bytes: usize,
) -> Result<Vec<u8>, GenerateError> {
    const SHA256_DIGEST_INFO: [u8; 19] = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    let digest =
        hash(MessageDigest::sha256(), signing_input.as_bytes()).map_err(IssuerError::from)?;
    let tail = SHA256_DIGEST_INFO.len() + digest.len();
    let fill = modulus_bytes
        .checked_sub(tail + 3)
        .ok_or_else(|| shape_error("an exponent-one forgery"))?;
    let mut encoded = vec![0x00, 0x01];
    encoded.extend(std::iter::repeat_n(0xff, fill));
    encoded.push(0x00);
    encoded.extend_from_slice(&SHA256_DIGEST_INFO);
    encoded.extend_from_slice(&digest);
    Ok(encoded)
}

/// A JWK member re-encoded after `edit` on its decoded bytes.
fn edit_bytes(
    jwk: &Value,
    member: &str,
    edit: impl FnOnce(&mut Vec<u8>),
) -> Result<Value, GenerateError> {
    let mut bytes = jwk
        .get(member)
        .and_then(Value::as_str)
        .and_then(b64url_decode)
        .ok_or_else(|| shape_error("a JWK member"))?;
    edit(&mut bytes);
    let mut edited = jwk.clone();
    if let Some(members) = edited.as_object_mut() {
        members.insert(member.to_owned(), json!(b64url(bytes)));
    }
    Ok(edited)
}

fn rsa_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let weak = key(FixedKey::Rsa1024Weak)?;
    let short = rsa2047()?;
    let base = rsa()?;
    let forged_key = base.clone().with_kid("rsa-e1");
    let forged_builder = token(&forged_key);
    let forgery =
        forged_builder.with_signature(&exponent_one_forgery(&forged_builder.signing_input(), 256)?);
    let exponent = |kid: &str, e: Vec<u8>| {
        jwk_edited(
            &base.clone().with_kid(kid),
            &[("e", Some(json!(b64url(e))))],
        )
    };
    let kid_token = |kid: &str| signed(&base.clone().with_kid(kid));
    let mut huge_modulus = vec![0x01];
    huge_modulus.extend(std::iter::repeat_n(0xa5, 2047));
    huge_modulus.push(0x01);
    let huge = jwk_edited(
        &base.clone().with_kid("rsa-16385"),
        &[("n", Some(json!(b64url(&huge_modulus))))],
    );
    let e64 = TestKey::from_pem(RSA_4096_E64_PEM)?.with_kid("rsa4096-e64");
    let e65 = TestKey::from_pem(RSA_4096_E65_PEM)?.with_kid("rsa4096-e65");
    Ok(vec![
        alone(
            "keys/rsa/1024-bit-alone",
            "An RSA key with a 1024-bit modulus is unusable (2048 to 16384 bits): alone in the set, jwks_error, though the token is correctly signed by it.",
            weak.public_jwk(),
            &signed(&weak)?,
            &["RS256"],
        ),
        beside(
            "keys/rsa/1024-bit-beside-a-good-key",
            "A 1024-bit RSA key beside a good one: its correctly signed token finds no usable key (key_not_found).",
            weak.public_jwk(),
            &signed(&weak)?,
            &["RS256"],
        )?,
        alone(
            "keys/rsa/2047-bit-alone",
            "A 2047-bit modulus (256 bytes, one bit short) is under 2048 bits counted in bits: unusable, jwks_error.",
            short.public_jwk(),
            &signed(&short)?,
            &["RS256"],
        ),
        beside(
            "keys/rsa/2047-bit-beside-a-good-key",
            "A 2047-bit RSA key beside a good one: key_not_found for its correctly signed token.",
            short.public_jwk(),
            &signed(&short)?,
            &["RS256"],
        )?,
        alone(
            "keys/rsa/16385-bit-modulus-alone",
            "A modulus of 16385 bits is over the 16384-bit maximum: unusable, jwks_error.",
            huge,
            &kid_token("rsa-16385")?,
            &["RS256"],
        ),
        alone(
            "keys/rsa/exponent-1-forgery-alone",
            "A JWK with public exponent 1 and a token whose signature is its own padded hash (valid under e = 1): the key is unusable, jwks_error, never invalid_signature or success.",
            exponent("rsa-e1", vec![1]),
            &forgery,
            &["RS256"],
        ),
        beside(
            "keys/rsa/exponent-1-forgery-beside-a-good-key",
            "The exponent-1 forgery beside a good key: key_not_found, the forged token is never accepted.",
            exponent("rsa-e1", vec![1]),
            &forgery,
            &["RS256"],
        )?,
        alone(
            "keys/rsa/exponent-even",
            "Public exponent 65536 is even: unusable, jwks_error.",
            exponent("rsa-e-even", vec![1, 0, 0]),
            &kid_token("rsa-e-even")?,
            &["RS256"],
        ),
        accepted(
            "keys/rsa/exponent-64-bits",
            "A 4096-bit RSA key whose public exponent is 64 bits long (2^63 + 29), the longest allowed: its token verifies (OpenSSL takes exponents of up to 64 bits with moduli over 3072 bits).",
            vec![e64.public_jwk()],
            &signed(&e64)?,
            &["RS256"],
        ),
        alone(
            "keys/rsa/exponent-65-bits-alone",
            "A 4096-bit RSA key whose public exponent is 65 bits long (2^64 + 13), over the 64-bit limit: unusable, jwks_error, although its token is correctly signed (OpenSSL refuses such an exponent with a modulus over 3072 bits, so the key would fail every token as invalid_signature).",
            e65.public_jwk(),
            &signed(&e65)?,
            &["RS256"],
        ),
        beside(
            "keys/rsa/exponent-65-bits-beside-a-good-key",
            "The 4096-bit key with a 65-bit exponent beside a good key: its correctly signed token finds no usable key (key_not_found), never invalid_signature.",
            e65.public_jwk(),
            &signed(&e65)?,
            &["RS256"],
        )?,
    ])
}

fn ec_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let ec = key(FixedKey::P256)?;
    let token = signed(&ec)?;
    let jwk = ec.public_jwk();
    let allowed = ["ES256"];
    Ok(vec![
        alone(
            "keys/ec/x-31-bytes",
            "A P-256 JWK whose x is 31 bytes (its first byte dropped) is not exactly the field length, 32: unusable, jwks_error.",
            edit_bytes(&jwk, "x", |x| {
                x.remove(0);
            })?,
            &token,
            &allowed,
        ),
        alone(
            "keys/ec/x-33-bytes",
            "A P-256 JWK whose x has a leading zero byte (33 bytes, same number): not exactly 32 bytes, jwks_error.",
            edit_bytes(&jwk, "x", |x| x.insert(0, 0))?,
            &token,
            &allowed,
        ),
        alone(
            "keys/ec/y-31-bytes",
            "A P-256 JWK whose y is 31 bytes: jwks_error.",
            edit_bytes(&jwk, "y", |y| {
                y.pop();
            })?,
            &token,
            &allowed,
        ),
        alone(
            "keys/ec/point-off-curve",
            "A P-256 JWK whose y has its last bit flipped: the point is not on the curve, unusable, jwks_error.",
            edit_bytes(&jwk, "y", |y| {
                if let Some(last) = y.last_mut() {
                    *last ^= 1;
                }
            })?,
            &token,
            &allowed,
        ),
        beside(
            "keys/ec/point-off-curve-beside-a-good-key",
            "The off-curve P-256 key beside a good RSA key: its token finds no usable key, key_not_found.",
            edit_bytes(&jwk, "y", |y| {
                if let Some(last) = y.last_mut() {
                    *last ^= 1;
                }
            })?,
            &token,
            &allowed,
        )?,
    ])
}

fn okp_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let ed25519 = key(FixedKey::Ed25519)?;
    let ed448 = key(FixedKey::Ed448)?;
    let allowed = ["EdDSA"];
    Ok(vec![
        alone(
            "keys/okp/ed25519-31-bytes",
            "An Ed25519 JWK whose x is 31 bytes (exactly 32 required): unusable, jwks_error.",
            edit_bytes(&ed25519.public_jwk(), "x", |x| {
                x.pop();
            })?,
            &signed(&ed25519)?,
            &allowed,
        ),
        alone(
            "keys/okp/ed448-56-bytes",
            "An Ed448 JWK whose x is 56 bytes (exactly 57 required): unusable, jwks_error.",
            edit_bytes(&ed448.public_jwk(), "x", |x| {
                x.pop();
            })?,
            &signed(&ed448)?,
            &allowed,
        ),
        alone(
            "keys/okp/x25519-curve",
            "An OKP JWK with crv X25519 (a key-agreement curve) fits no EdDSA name: unusable, jwks_error.",
            jwk_edited(&ed25519, &[("crv", Some(json!("X25519"))), ("alg", None)]),
            &signed(&ed25519)?,
            &allowed,
        ),
    ])
}

/// The fixed key of an Edwards curve, its `crv` and its name in case names.
fn edwards_curves() -> Result<[(TestKey, &'static str, &'static str); 2], GenerateError> {
    Ok([
        (key(FixedKey::Ed25519)?, "Ed25519", "ed25519"),
        (key(FixedKey::Ed448)?, "Ed448", "ed448"),
    ])
}

/// Every encoding of every small-order point of `kind`, and for Ed448
/// each of the seven stray bits on the point (-1, 0) (all zero bytes).
fn small_order_encodings(kind: KeyKind) -> Result<Vec<SmallOrderKey>, GenerateError> {
    let mut keys = small_order_keys(kind)?;
    if kind == KeyKind::Ed448 {
        let zero = keys
            .iter()
            .find(|key| key.x.iter().all(|byte| *byte == 0))
            .cloned()
            .ok_or_else(|| shape_error("the Ed448 point (-1, 0)"))?;
        keys.extend((0..7).map(|bit| with_stray_bit(&zero, bit)));
    }
    Ok(keys)
}

/// An OKP JWK with this `x`, as an issuer would publish it.
fn okp_jwk(crv: &str, kid: &str, x: &[u8]) -> Value {
    json!({ "kty": "OKP", "crv": crv, "x": b64url(x), "kid": kid, "use": "sig", "alg": "EdDSA" })
}

/// The standard token for `kid`, claiming `sub` admin, with `signature`:
/// the forgery of `seed`, which verifies in OpenSSL under a small-order key.
fn forged_token(seed: &TestKey, kid: &str) -> Result<String, GenerateError> {
    let forged = forgery(seed)?;
    Ok(token(seed)
        .header("kid", json!(kid))
        .claim("sub", json!("admin"))
        .with_signature(&forged.signature))
}

/// docs/rules.md, "Keys": an OKP point must be canonically encoded and not of
/// small order. Each small-order encoding alone in a set, all of them
/// beside a good key of the curve, and the forgery they allow refused.
fn small_order_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let mut cases = Vec::new();
    for (good, crv, curve) in edwards_curves()? {
        let encodings = small_order_encodings(good.kind())?;
        let kid = |encoding: &SmallOrderKey| format!("{curve}-{}", encoding.label);
        for encoding in &encodings {
            let why = if encoding.canonical {
                "a point of small order lets anyone forge a signature for any message, so the key is unusable"
            } else {
                "the encoding is not canonical (and the point is of small order), so the key is unusable"
            };
            cases.push(alone(
                &format!("keys/okp/{curve}-small-order/{}", encoding.label),
                &format!("An {crv} key that is {}, alone in the set, with a token carrying the signature R = [s]B, S = s: {why}, and the set has none: jwks_error.", encoding.description),
                okp_jwk(crv, &kid(encoding), &encoding.x),
                &forged_token(&good, &kid(encoding))?,
                &["EdDSA"],
            ));
        }
        let mut set: Vec<Value> = encodings
            .iter()
            .map(|encoding| okp_jwk(crv, &kid(encoding), &encoding.x))
            .collect();
        set.push(good.public_jwk());
        let mut case = CaseSpec::new(
            &format!("keys/okp/{curve}-small-order/all-beside-a-good-key"),
            &format!("Every encoding of every {crv} point of small order ({} keys), each under its own kid, beside a good {crv} key: a token for each of them finds no usable key (key_not_found, with no refetch: the set was fetched just now), and the good key's token still verifies.", encodings.len()),
        )
        .set("allowed_algs", json!(["EdDSA"]))
        .serve(JWKS_URL, Reply::json(jwks(set)));
        for encoding in &encodings {
            case = case.verify(
                T0,
                &forged_token(&good, &kid(encoding))?,
                Expect::error(Code::KeyNotFound),
            );
        }
        cases.push(
            case.verify(T0, &signed(&good)?, Expect::claims(alice()))
                .fetches(&[(JWKS_URL, 1)]),
        );
    }
    cases.extend(forgery_cases()?);
    Ok(cases)
}

/// The forged token of issue-style attacks: `sub` admin, signed with
/// R = [s]B, S = s, which OpenSSL verifies under the small-order key.
fn forgery_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let mut cases = Vec::new();
    for (seed, crv, curve) in edwards_curves()? {
        let forged = forgery(&seed)?;
        let point = if crv == "Ed448" {
            "(-1, 0), of order 4 (57 zero bytes; OpenSSL's Ed448 check is cofactored)"
        } else {
            "the identity (0, 1)"
        };
        let name = if crv == "Ed448" {
            "order-4"
        } else {
            "identity"
        };
        let kid = format!("{curve}-{name}");
        let jwk = okp_jwk(crv, &kid, &forged.x);
        let token = forged_token(&seed, &kid)?;
        cases.push(alone(
            &format!("keys/okp/{curve}-{name}-forgery-alone"),
            &format!("An {crv} key that is {point}, and a token claiming sub admin whose signature R = [s]B, S = s verifies under that key in OpenSSL for any message: the key is unusable, so jwks_error, never success."),
            jwk.clone(),
            &token,
            &["EdDSA"],
        ));
        cases.push(beside(
            &format!("keys/okp/{curve}-{name}-forgery-beside-a-good-key"),
            &format!("The {crv} forgery beside a good key: the forged admin token finds no usable key (key_not_found), the good key's token verifies."),
            jwk,
            &token,
            &["EdDSA"],
        )?);
    }
    Ok(cases)
}

/// `key`'s public JWK plus its private members `members` (base64url).
fn with_private(key: &TestKey, members: Vec<(&str, Vec<u8>)>) -> Value {
    let edits: Vec<(&str, Option<Value>)> = members
        .into_iter()
        .map(|(name, bytes)| (name, Some(json!(b64url(bytes)))))
        .collect();
    jwk_edited(key, &edits)
}

fn rsa_private_jwk(key: &TestKey) -> Result<Value, GenerateError> {
    let rsa = key.openssl_key().rsa().map_err(IssuerError::from)?;
    let component =
        |value: Option<&openssl::bn::BigNumRef>| value.map(|n| n.to_vec()).unwrap_or_default();
    Ok(with_private(
        key,
        vec![
            ("d", rsa.d().to_vec()),
            ("p", component(rsa.p())),
            ("q", component(rsa.q())),
            ("dp", component(rsa.dmp1())),
            ("dq", component(rsa.dmq1())),
            ("qi", component(rsa.iqmp())),
        ],
    ))
}

fn ec_private_jwk(key: &TestKey) -> Result<Value, GenerateError> {
    let ec = key.openssl_key().ec_key().map_err(IssuerError::from)?;
    let d = ec
        .private_key()
        .to_vec_padded(32)
        .map_err(IssuerError::from)?;
    Ok(with_private(key, vec![("d", d)]))
}

fn okp_private_jwk(key: &TestKey) -> Result<Value, GenerateError> {
    let d = key
        .openssl_key()
        .raw_private_key()
        .map_err(IssuerError::from)?;
    Ok(with_private(key, vec![("d", d)]))
}

fn other_kind_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let rsa_key = rsa()?;
    let ec = key(FixedKey::P256)?;
    let ed = key(FixedKey::Ed25519)?;
    let oct = json!({ "kty": "oct", "k": b64url("a shared secret of thirty-two by"), "kid": "hmac-1", "alg": "HS256", "use": "sig" });
    let oct_same_kid = json!({ "kty": "oct", "k": b64url("a shared secret of thirty-two by"), "kid": rsa_key.kid() });
    let oct_kid_token = sign(&token(&rsa_key).header("kid", json!("hmac-1")), &rsa_key)?;
    Ok(vec![
        alone(
            "keys/oct/alone",
            "A symmetric (oct) key is never used: a set holding only one is unusable, jwks_error.",
            oct.clone(),
            &oct_kid_token,
            &["RS256"],
        ),
        beside(
            "keys/oct/beside-a-good-key",
            "A token whose kid names an oct key finds no usable key: key_not_found.",
            oct,
            &oct_kid_token,
            &["RS256"],
        )?,
        accepted(
            "keys/oct/same-kid-as-a-good-key",
            "An oct key sharing its kid with a usable RSA key is never used, so the kid is not ambiguous: the token verifies.",
            vec![oct_same_kid, rsa_key.public_jwk()],
            &signed(&rsa_key)?,
            &["RS256"],
        ),
        alone(
            "keys/private/rsa-alone",
            "An RSA JWK carrying its private parameters (d, p, q, dp, dq, qi) is ignored: alone, jwks_error.",
            rsa_private_jwk(&rsa_key)?,
            &signed(&rsa_key)?,
            &["RS256"],
        ),
        beside(
            "keys/private/rsa-beside-a-good-key",
            "A private RSA JWK beside a good key is ignored: its token gets key_not_found.",
            rsa_private_jwk(&rsa_key)?,
            &signed(&rsa_key)?,
            &["RS256"],
        )?,
        alone(
            "keys/private/ec-alone",
            "An EC JWK carrying d is ignored: jwks_error.",
            ec_private_jwk(&ec)?,
            &signed(&ec)?,
            &["ES256"],
        ),
        alone(
            "keys/private/okp-alone",
            "An OKP JWK carrying d is ignored: jwks_error.",
            okp_private_jwk(&ed)?,
            &signed(&ed)?,
            &["EdDSA"],
        ),
    ])
}

/// `count` copies of the Ed25519 public key, kids `k000`, `k001`, ...
fn many_keys(ed: &TestKey, count: usize) -> Vec<Value> {
    (0..count)
        .map(|index| ed.clone().with_kid(format!("k{index:03}")).public_jwk())
        .collect()
}

fn set_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let rsa_key = rsa()?;
    let other = neighbour()?;
    let ec = key(FixedKey::P256)?;
    let ed = key(FixedKey::Ed25519)?;
    let rsa_token = signed(&rsa_key)?;
    let ed_token = signed(&ed.clone().with_kid("k042"))?;
    let impostor = |edits: &[(&str, Option<Value>)]| {
        let mut all = vec![("kid", Some(json!(rsa_key.kid())))];
        all.extend_from_slice(edits);
        jwk_edited(&other, &all)
    };
    let off_curve = edit_bytes(&ec.public_jwk(), "y", |y| {
        if let Some(last) = y.last_mut() {
            *last ^= 1;
        }
    })?;
    Ok(vec![
        accepted(
            "keys/set/entries-not-objects-skipped",
            "Entries of keys that are not objects (a string, a number, null) never spoil the others: the RSA key still verifies.",
            vec![json!("not a key"), json!(42), Value::Null, rsa_key.public_jwk()],
            &rsa_token,
            &["RS256"],
        ),
        accepted(
            "keys/set/bad-keys-do-not-spoil-a-good-one",
            "An off-curve EC key and a 1024-bit RSA key before a good key: the good key verifies its token.",
            vec![off_curve, key(FixedKey::Rsa1024Weak)?.public_jwk(), rsa_key.public_jwk()],
            &rsa_token,
            &["RS256", "ES256"],
        ),
        accepted(
            "keys/set/100-keys",
            "A set of exactly 100 keys is within the bound: the token of key k042 verifies.",
            many_keys(&ed, MAX_KEYS),
            &ed_token,
            &["EdDSA"],
        ),
        CaseSpec::new(
            "keys/set/101-keys",
            "A set of 101 keys is over the bound of 100: jwks_error.",
        )
        .set("allowed_algs", json!(["EdDSA"]))
        .serve(JWKS_URL, Reply::json(jwks(many_keys(&ed, MAX_KEYS + 1))))
        .verify(T0, &ed_token, Expect::error(Code::JwksError)),
        CaseSpec::new(
            "keys/set/ambiguous-kid",
            "Two usable RSA keys with the same kid both fit RS256: the kid is ambiguous, key_not_found (no refetch: the set was fetched just now).",
        )
        .serve(JWKS_URL, Reply::json(jwks(vec![rsa_key.public_jwk(), impostor(&[])])))
        .verify(T0, &rsa_token, Expect::error(Code::KeyNotFound))
        .fetches(&[(JWKS_URL, 1)]),
        accepted(
            "keys/set/same-kid-other-kty-not-ambiguous",
            "An RSA key and an EC key share a kid; only the RSA key fits RS256, so the kid is not ambiguous and the token verifies.",
            vec![jwk_edited(&ec, &[("kid", Some(json!(rsa_key.kid())))]), rsa_key.public_jwk()],
            &rsa_token,
            &["RS256", "ES256"],
        ),
        accepted(
            "keys/set/same-kid-one-unusable-not-ambiguous",
            "Two RSA keys share a kid but one has use enc (unusable): not ambiguous, the token verifies.",
            vec![impostor(&[("use", Some(json!("enc")))]), rsa_key.public_jwk()],
            &rsa_token,
            &["RS256"],
        ),
        accepted(
            "keys/set/same-kid-other-jwk-alg-not-ambiguous",
            "Two RSA keys share a kid, one with JWK alg RS384: only one fits the RS256 token, which verifies.",
            vec![impostor(&[("alg", Some(json!("RS384")))]), rsa_key.public_jwk()],
            &rsa_token,
            &["RS256", "RS384"],
        ),
        accepted(
            "keys/set/unknown-jwk-members-ignored",
            "JWK members the rules do not name (x5t, a private-use member) do not make a key unusable.",
            vec![jwk_edited(&rsa_key, &[("x5t", Some(json!("dGh1bWJwcmludA"))), ("ext-note", Some(json!("rotated 2025")))])],
            &rsa_token,
            &["RS256"],
        ),
        CaseSpec::new(
            "keys/set/unknown-kid",
            "A kid that no key in a just-fetched set has: key_not_found, with the one fetch of the first verification.",
        )
        .serve(JWKS_URL, Reply::json(jwks_of(&[&rsa_key])))
        .verify(T0, &sign(&token(&rsa_key).header("kid", json!("retired-2024")), &rsa_key)?, Expect::error(Code::KeyNotFound))
        .fetches(&[(JWKS_URL, 1)]),
        CaseSpec::new(
            "keys/set/no-key-for-allowed-algs",
            "A set whose only key is RSA while allowed_algs is [ES256]: no key usable for any allowed algorithm, jwks_error.",
        )
        .set("allowed_algs", json!(["ES256"]))
        .serve(JWKS_URL, Reply::json(jwks_of(&[&rsa_key])))
        .verify(T0, &signed(&ec)?, Expect::error(Code::JwksError)),
    ])
}

/// A key set document padded with spaces to exactly `size` bytes.
fn padded_document(document: &Value, size: usize) -> Result<String, GenerateError> {
    let text = document.to_string();
    let fill = size
        .checked_sub(text.len())
        .ok_or_else(|| shape_error("a padded key set"))?;
    Ok(format!("{text}{}", " ".repeat(fill)))
}

fn document_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let rsa_key = rsa()?;
    let token = signed(&rsa_key)?;
    let set = jwks_of(&[&rsa_key]);
    let unusable = |name: &str, description: &str, reply: Reply| {
        CaseSpec::new(name, description)
            .serve(JWKS_URL, reply)
            .verify(T0, &token, Expect::error(Code::JwksError))
    };
    let json_text = |text: String| Reply::text(&text).header("content-type", "application/json");
    Ok(vec![
        unusable("keys/document/not-json", "A key set answer that is not JSON: jwks_error (503, no challenge).", Reply::text("<html>maintenance</html>")),
        unusable("keys/document/json-array", "A JSON array of JWKs is not a JWK Set: jwks_error.", Reply::json(json!([rsa_key.public_jwk()]))),
        unusable("keys/document/no-keys-member", "A JSON object without keys (a bare JWK) is not a JWK Set: jwks_error.", Reply::json(rsa_key.public_jwk())),
        unusable("keys/document/keys-not-an-array", "keys that is an object, not an array: jwks_error.", Reply::json(json!({ "keys": { "0": rsa_key.public_jwk() } }))),
        unusable("keys/document/empty-keys", "An empty keys array has no usable key: jwks_error.", Reply::json(json!({ "keys": [] }))),
        CaseSpec::new(
            "keys/document/exactly-512-kib",
            "A valid JWK Set padded with spaces to exactly 512 KiB (524288 bytes) is within the body limit: the token verifies.",
        )
        .serve(JWKS_URL, json_text(padded_document(&set, MAX_BODY_BYTES)?))
        .verify(T0, &token, Expect::claims(alice())),
        unusable(
            "keys/document/one-byte-over-512-kib",
            "The same valid JWK Set padded to 524289 bytes is over the 512 KiB body limit: jwks_error.",
            json_text(padded_document(&set, MAX_BODY_BYTES + 1)?),
        ),
        unusable(
            "keys/document/body-repeat-over-limit",
            "A body of 600000 bytes (body_repeat) is over the 512 KiB limit: jwks_error.",
            Reply::repeat("x", 600_000),
        ),
    ])
}
