//! `algs/`: every algorithm's valid path, and signatures that must not
//! verify (docs/rules.md, row `invalid_signature`, "Keys").

use openssl::hash::MessageDigest;
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Signer};
use serde_json::{json, Map};

use super::shape_error;
use crate::generate::build::{CaseSpec, Expect, Reply};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{
    alice, jwk_edited, jwks, jwks_of, key, key_as, rsa, sign, signed, token, JWKS_URL, T0,
};
use crate::issuer::{tamper, FixedKey, IssuerError, SigningAlg, TestKey, TokenBuilder};

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let mut cases = valid_cases()?;
    cases.extend(rsa_signature_cases()?);
    cases.extend(other_signature_cases()?);
    cases.extend(pss_parameter_cases()?);
    Ok(cases)
}

/// A case publishing `key` alone, allowing only `alg`, verifying `token`.
fn single_key(
    name: &str,
    description: &str,
    key: &TestKey,
    token: &str,
    expect: Expect,
) -> CaseSpec {
    CaseSpec::new(name, description)
        .set("allowed_algs", json!([key.alg().name()]))
        .serve(JWKS_URL, Reply::json(jwks_of(&[key])))
        .verify(T0, token, expect)
}

fn valid_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let table: [(FixedKey, SigningAlg, &str); 13] = [
        (FixedKey::Rsa2048A, SigningAlg::Rs256, "RSA 2048"),
        (FixedKey::Rsa3072, SigningAlg::Rs384, "RSA 3072"),
        (FixedKey::Rsa4096, SigningAlg::Rs512, "RSA 4096"),
        (
            FixedKey::Rsa2048A,
            SigningAlg::Ps256,
            "RSA 2048, MGF1-SHA256, 32-byte salt",
        ),
        (
            FixedKey::Rsa3072,
            SigningAlg::Ps384,
            "RSA 3072, MGF1-SHA384, 48-byte salt",
        ),
        (
            FixedKey::Rsa4096,
            SigningAlg::Ps512,
            "RSA 4096, MGF1-SHA512, 64-byte salt",
        ),
        (
            FixedKey::P256,
            SigningAlg::Es256,
            "P-256, raw r||s of 64 bytes",
        ),
        (
            FixedKey::P384,
            SigningAlg::Es384,
            "P-384, raw r||s of 96 bytes",
        ),
        (
            FixedKey::P521,
            SigningAlg::Es512,
            "P-521, raw r||s of 132 bytes, 66-byte coordinates",
        ),
        (FixedKey::Ed25519, SigningAlg::EdDsa, "Ed25519 key"),
        (FixedKey::Ed448, SigningAlg::EdDsa, "Ed448 key"),
        (
            FixedKey::Ed25519,
            SigningAlg::Ed25519,
            "the RFC 9864 name, Ed25519 key",
        ),
        (
            FixedKey::Ed448,
            SigningAlg::Ed448,
            "the RFC 9864 name, Ed448 key",
        ),
    ];
    let mut cases = Vec::new();
    for (fixed, alg, what) in table {
        let signer = key_as(fixed, alg)?;
        let slug = format!("{}-{}", alg.name().to_lowercase(), fixed.kid());
        cases.push(single_key(
            &format!("algs/valid/{slug}"),
            &format!("A correct {} token ({what}) verifies with allowed_algs [{}] and returns its claims.", alg.name(), alg.name()),
            &signer,
            &signed(&signer)?,
            Expect::claims(alice()),
        ));
    }
    Ok(cases)
}

/// The standard RS256 token's signature changed by `change`.
fn changed(token: &str, change: fn(&str) -> Option<String>) -> Result<String, GenerateError> {
    change(token).ok_or_else(|| shape_error("a changed signature"))
}

fn rsa_signature_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let rsa_key = rsa()?;
    let good = signed(&rsa_key)?;
    let invalid = |name: &str, description: &str, token: &str| {
        single_key(
            name,
            description,
            &rsa_key,
            token,
            Expect::error(Code::InvalidSignature),
        )
    };
    let other_key = key(FixedKey::Rsa2048B)?;
    let mut forged_claims = Map::new();
    forged_claims.insert("iss".into(), json!(crate::generate::world::ISSUER));
    forged_claims.insert("sub".into(), json!("admin"));
    forged_claims.insert("aud".into(), json!(crate::generate::world::AUDIENCE));
    forged_claims.insert("exp".into(), json!(crate::generate::world::EXP));
    let rs_under_ps_header = token(&rsa_key)
        .header("alg", json!("PS256"))
        .sign_as(&rsa_key, SigningAlg::Rs256)?;
    Ok(vec![
        invalid("algs/signature/rs256-bit-flipped", "One bit of a correct RS256 signature flipped: invalid_signature.", &changed(&good, tamper::tamper_signature)?),
        invalid("algs/signature/rs256-one-byte-short", "An RS256 signature of 255 bytes (the modulus is 256): wrong length, invalid_signature.", &changed(&good, |t| tamper::truncate_signature(t, 1))?),
        invalid("algs/signature/rs256-one-byte-long", "A correct RS256 signature with a zero byte appended (257 bytes): RS* signatures are exactly the modulus length, invalid_signature.", &changed(&good, |t| tamper::extend_signature(t, &[0]))?),
        invalid("algs/signature/rs256-empty", "An empty signature part (header.payload.): invalid_signature.", &changed(&good, tamper::strip_signature)?),
        invalid("algs/signature/rs256-all-zero", "An all-zero RS256 signature of the right length: invalid_signature.", &changed(&good, tamper::zero_signature)?),
        invalid("algs/signature/rs256-other-key", "A token signed by rsa2048-b but naming rsa2048-a: invalid_signature.", &sign(&token(&rsa_key), &other_key)?),
        invalid("algs/signature/rs256-payload-replaced", "A payload replaced (sub admin) under the original signature: invalid_signature.", &tamper::replace_payload(&good, &forged_claims).ok_or_else(|| shape_error("a replaced payload"))?),
        CaseSpec::new(
            "algs/signature/rs256-signature-under-ps256-header",
            "A PKCS#1 v1.5 signature under alg PS256 (the JWK has no alg, both allowed): PS256 verification fails, invalid_signature.",
        )
        .set("allowed_algs", json!(["RS256", "PS256"]))
        .serve(JWKS_URL, Reply::json(jwks(vec![jwk_edited(&rsa_key, &[("alg", None)])])))
        .verify(T0, &rs_under_ps_header, Expect::error(Code::InvalidSignature)),
    ])
}

fn other_signature_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let es256 = key(FixedKey::P256)?;
    let es512 = key(FixedKey::P521)?;
    let ps256 = key_as(FixedKey::Rsa2048A, SigningAlg::Ps256)?;
    let ed25519 = key(FixedKey::Ed25519)?;
    let ed448 = key(FixedKey::Ed448)?;
    let invalid = |name: &str, description: &str, key: &TestKey, token: &str| {
        single_key(
            name,
            description,
            key,
            token,
            Expect::error(Code::InvalidSignature),
        )
    };
    let es256_token = signed(&es256)?;
    let ed25519_token = signed(&ed25519)?;
    Ok(vec![
        invalid("algs/signature/es256-der-encoded", "A correct ES256 signature re-encoded as DER (ECDSA-Sig-Value) instead of raw r||s: invalid_signature.", &es256, &changed(&es256_token, tamper::der_ecdsa_signature)?),
        invalid("algs/signature/es512-der-encoded", "A correct ES512 signature re-encoded as DER: invalid_signature.", &es512, &changed(&signed(&es512)?, tamper::der_ecdsa_signature)?),
        invalid("algs/signature/es256-all-zero", "An all-zero ES256 signature of 64 bytes (r = s = 0): invalid_signature.", &es256, &changed(&es256_token, tamper::zero_signature)?),
        invalid("algs/signature/es256-one-byte-short", "An ES256 signature of 63 bytes: wrong length, invalid_signature.", &es256, &changed(&es256_token, |t| tamper::truncate_signature(t, 1))?),
        invalid("algs/signature/es256-one-byte-long", "An ES256 signature with a byte appended (65 bytes): invalid_signature.", &es256, &changed(&es256_token, |t| tamper::extend_signature(t, &[0]))?),
        invalid("algs/signature/ps256-bit-flipped", "One bit of a correct PS256 signature flipped: invalid_signature.", &ps256, &changed(&signed(&ps256)?, tamper::tamper_signature)?),
        invalid("algs/signature/ps256-one-byte-short", "A PS256 signature of 255 bytes (modulus 256): invalid_signature.", &ps256, &changed(&signed(&ps256)?, |t| tamper::truncate_signature(t, 1))?),
        invalid("algs/signature/eddsa-all-zero", "An all-zero Ed25519 signature of 64 bytes: invalid_signature.", &ed25519, &changed(&ed25519_token, tamper::zero_signature)?),
        invalid("algs/signature/eddsa-one-byte-short", "An Ed25519 signature of 63 bytes: invalid_signature.", &ed25519, &changed(&ed25519_token, |t| tamper::truncate_signature(t, 1))?),
        invalid("algs/signature/ed448-bit-flipped", "One bit of a correct Ed448 signature flipped: invalid_signature.", &ed448, &changed(&signed(&ed448)?, tamper::tamper_signature)?),
    ])
}

/// An RSASSA-PSS signature over `builder`'s signing input with SHA-256 and
/// the given salt length and MGF1 hash.
fn pss_signature(
    builder: &TokenBuilder,
    key: &TestKey,
    salt: RsaPssSaltlen,
    mgf1: MessageDigest,
) -> Result<String, GenerateError> {
    let sign = || -> Result<Vec<u8>, openssl::error::ErrorStack> {
        let mut signer = Signer::new(MessageDigest::sha256(), key.openssl_key())?;
        signer.set_rsa_padding(Padding::PKCS1_PSS)?;
        signer.set_rsa_mgf1_md(mgf1)?;
        signer.set_rsa_pss_saltlen(salt)?;
        signer.sign_oneshot_to_vec(builder.signing_input().as_bytes())
    };
    let signature = sign().map_err(IssuerError::from)?;
    Ok(builder.with_signature(&signature))
}

fn pss_parameter_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let ps256 = key_as(FixedKey::Rsa2048A, SigningAlg::Ps256)?;
    let builder = token(&ps256);
    let invalid = |name: &str, description: &str, token: &str| {
        single_key(
            name,
            description,
            &ps256,
            token,
            Expect::error(Code::InvalidSignature),
        )
    };
    Ok(vec![
        invalid(
            "algs/signature/ps256-salt-length-zero",
            "A PS256 signature with an empty salt: PS* uses a salt as long as the hash (32 bytes, RFC 7518 section 3.5), invalid_signature.",
            &pss_signature(&builder, &ps256, RsaPssSaltlen::custom(0), MessageDigest::sha256())?,
        ),
        invalid(
            "algs/signature/ps256-maximum-salt-length",
            "A PS256 signature with the maximum salt length (222 bytes for a 2048-bit key) instead of 32: invalid_signature.",
            &pss_signature(&builder, &ps256, RsaPssSaltlen::MAXIMUM_LENGTH, MessageDigest::sha256())?,
        ),
        invalid(
            "algs/signature/ps256-mgf1-sha1",
            "A PS256 signature whose MGF1 uses SHA-1 instead of the same hash (SHA-256): invalid_signature.",
            &pss_signature(&builder, &ps256, RsaPssSaltlen::DIGEST_LENGTH, MessageDigest::sha1())?,
        ),
    ])
}
