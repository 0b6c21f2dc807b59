//! Independent checks for the issuer's tests: josekit verifiers.

use josekit::jwk::Jwk;
use josekit::jws::{self, JwsVerifier};
use serde_json::Value;

use super::alg::SigningAlg;
use super::b64::b64url_decode;

/// Whether josekit, given only the public JWK (its `alg` member removed so
/// any algorithm may be tried), accepts `token` as signed under `alg`.
pub(crate) fn josekit_verifies(public_jwk: &Value, alg: SigningAlg, token: &str) -> bool {
    let Some(mut members) = public_jwk.as_object().cloned() else {
        return false;
    };
    members.remove("alg");
    let Ok(jwk) = Jwk::from_map(members) else {
        return false;
    };
    let verifier: Box<dyn JwsVerifier> = match josekit_verifier(alg, &jwk) {
        Ok(verifier) => verifier,
        Err(_) => return false,
    };
    let Some((signing_input, signature)) = token.rsplit_once('.') else {
        return false;
    };
    let Some(signature) = b64url_decode(signature) else {
        return false;
    };
    verifier
        .verify(signing_input.as_bytes(), &signature)
        .is_ok()
}

fn josekit_verifier(
    alg: SigningAlg,
    jwk: &Jwk,
) -> Result<Box<dyn JwsVerifier>, josekit::JoseError> {
    Ok(match alg {
        SigningAlg::Rs256 => Box::new(jws::RS256.verifier_from_jwk(jwk)?),
        SigningAlg::Rs384 => Box::new(jws::RS384.verifier_from_jwk(jwk)?),
        SigningAlg::Rs512 => Box::new(jws::RS512.verifier_from_jwk(jwk)?),
        SigningAlg::Ps256 => Box::new(jws::PS256.verifier_from_jwk(jwk)?),
        SigningAlg::Ps384 => Box::new(jws::PS384.verifier_from_jwk(jwk)?),
        SigningAlg::Ps512 => Box::new(jws::PS512.verifier_from_jwk(jwk)?),
        SigningAlg::Es256 => Box::new(jws::ES256.verifier_from_jwk(jwk)?),
        SigningAlg::Es384 => Box::new(jws::ES384.verifier_from_jwk(jwk)?),
        SigningAlg::Es512 => Box::new(jws::ES512.verifier_from_jwk(jwk)?),
        SigningAlg::EdDsa | SigningAlg::Ed25519 | SigningAlg::Ed448 => {
            Box::new(jws::EdDSA.verifier_from_jwk(jwk)?)
        }
    })
}

/// The decoded text of segment `index` of a compact token.
pub(crate) fn segment_text(token: &str, index: usize) -> String {
    let segment = token.split('.').nth(index).unwrap_or_default();
    String::from_utf8(b64url_decode(segment).unwrap_or_default()).unwrap_or_default()
}
