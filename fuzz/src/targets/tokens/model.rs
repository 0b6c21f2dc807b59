//! An independent model of the checks a token goes through before its
//! claims (the rules' table from `missing_token` to `invalid_signature`),
//! over a fixed, known key set: it gives every mutant its exact verdict.
//!
//! Whether a signature verifies is not computed: a signature is valid only
//! for a signing input this harness signed itself, under the key and
//! algorithm it used (or an algorithm name that means the same computation,
//! EdDSA and Ed25519 over an Ed25519 key). Any other combination is
//! `invalid_signature`.

use serde_json::{Map, Value};

use crate::base64url;
use crate::json::token_object;
use crate::rules::{Code, Verdict};

/// Header parameters whose presence is `forbidden_header`.
pub const FORBIDDEN: [&str; 7] = ["jku", "x5u", "jwk", "x5c", "crit", "b64", "zip"];

/// The kind of a published key, as far as algorithm fit goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFit {
    /// An RSA key without `alg`: every RS* and PS* algorithm.
    Rsa,
    /// EC P-256 (`alg` ES256).
    P256,
    /// EC P-384 (`alg` ES384).
    P384,
    /// EC P-521 (`alg` ES512).
    P521,
    /// OKP Ed25519 (`alg` EdDSA).
    Ed25519,
    /// OKP Ed448 (`alg` EdDSA).
    Ed448,
}

impl KeyFit {
    /// Whether a usable key of this kind fits a token's `alg`.
    pub fn fits(self, alg: &str) -> bool {
        match self {
            KeyFit::Rsa => matches!(
                alg,
                "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512"
            ),
            KeyFit::P256 => alg == "ES256",
            KeyFit::P384 => alg == "ES384",
            KeyFit::P521 => alg == "ES512",
            KeyFit::Ed25519 => matches!(alg, "EdDSA" | "Ed25519"),
            KeyFit::Ed448 => matches!(alg, "EdDSA" | "Ed448"),
        }
    }
}

/// One key of the published set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelKey {
    /// Its `kid`.
    pub kid: String,
    /// What it fits.
    pub fit: KeyFit,
    /// Whether the rules let it verify anything (an RSA key under 2048 bits
    /// does not).
    pub usable: bool,
}

/// A signature this harness made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// `header.payload` as signed.
    pub signing_input: String,
    /// The signature bytes.
    pub signature: Vec<u8>,
    /// The `kid` of the key that signed.
    pub signer: String,
    /// The algorithm it signed with.
    pub alg: String,
}

/// The configuration knobs the checks read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checks {
    /// `allowed_algs`.
    pub allowed_algs: Vec<String>,
    /// `require_kid`.
    pub require_kid: bool,
    /// `expected_typ`.
    pub expected_typ: Option<String>,
    /// `max_token_bytes`.
    pub max_token_bytes: usize,
}

/// What the model needs: the checks, the key set, the signatures made.
pub struct Model<'a> {
    /// The configuration.
    pub checks: &'a Checks,
    /// The published keys.
    pub keys: &'a [ModelKey],
    /// Every signature this harness made for the case.
    pub signed: &'a [Signed],
    /// Given the signature verifies: the verdict on the claims, or `None`
    /// when the claims are outside what this model knows.
    pub claims: &'a dyn Fn(&Map<String, Value>) -> Option<Verdict>,
}

/// A verdict, or `None` for an input outside the model (never generated on
/// purpose; the target drops it).
pub type Judged = Option<Verdict>;

impl Model<'_> {
    /// The verdict on an `Authorization` header value (`None`: no header).
    pub fn header(&self, header: Option<&str>) -> Judged {
        let Some(value) = header else {
            return refuse(Code::MissingToken);
        };
        if value.chars().all(char::is_whitespace) {
            return refuse(Code::MissingToken);
        }
        let scheme_ok = value
            .get(..6)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer"));
        if !scheme_ok {
            return refuse(Code::InvalidRequest);
        }
        let rest = &value[6..];
        if rest.bytes().all(|byte| byte == b' ') {
            return refuse(Code::MissingToken);
        }
        if !rest.starts_with(' ') {
            return refuse(Code::InvalidRequest);
        }
        let token = rest.trim_start_matches(' ');
        if !is_b64token(token) {
            return refuse(Code::InvalidRequest);
        }
        self.token(token)
    }

    /// The verdict on a compact token passed as it is.
    pub fn token(&self, token: &str) -> Judged {
        if token.chars().all(char::is_whitespace) {
            return refuse(Code::MissingToken);
        }
        if token.len() > self.checks.max_token_bytes {
            return refuse(Code::TokenTooLarge);
        }
        let parts: Vec<&str> = token.split('.').collect();
        let [header_part, payload_part, signature_part] = parts[..] else {
            return refuse(Code::MalformedToken);
        };
        let decoded = (
            base64url::decode(header_part),
            base64url::decode(payload_part),
            base64url::decode(signature_part),
        );
        let (Some(header_bytes), Some(payload_bytes), Some(signature)) = decoded else {
            return refuse(Code::MalformedToken);
        };
        let (Some(header), Some(payload)) =
            (token_object(&header_bytes), token_object(&payload_bytes))
        else {
            return refuse(Code::MalformedToken);
        };
        if header_bytes.len() > 4096 {
            return refuse(Code::MalformedToken);
        }
        let kid = match header.get("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid.as_str()),
            Some(_) => return refuse(Code::MalformedToken),
        };
        let typ = match header.get("typ") {
            None => None,
            Some(Value::String(typ)) => Some(typ.as_str()),
            Some(_) => return refuse(Code::MalformedToken),
        };
        if FORBIDDEN.iter().any(|name| header.contains_key(*name)) || names_nested_jwt(&header) {
            return refuse(Code::ForbiddenHeader);
        }
        let Some(alg) = header.get("alg").and_then(Value::as_str) else {
            return refuse(Code::DisallowedAlg);
        };
        if alg.eq_ignore_ascii_case("none") || !self.checks.allowed_algs.iter().any(|a| a == alg) {
            return refuse(Code::DisallowedAlg);
        }
        if let Some(expected) = &self.checks.expected_typ {
            if typ.map(media_type) != Some(media_type(expected)) {
                return refuse(Code::InvalidType);
            }
        }
        let key = match self.select_key(kid, alg) {
            Ok(key) => key,
            Err(code) => return refuse(code),
        };
        let signing_input = &token[..header_part.len() + 1 + payload_part.len()];
        if !self.verifies(signing_input, &signature, key, alg) {
            return refuse(Code::InvalidSignature);
        }
        (self.claims)(&payload)
    }

    /// The key a token's `kid` and `alg` select, or the refusal.
    fn select_key(&self, kid: Option<&str>, alg: &str) -> Result<&ModelKey, Code> {
        let fitting = |key: &&ModelKey| key.usable && key.fit.fits(alg);
        let candidates: Vec<&ModelKey> = match kid {
            Some(kid) => self
                .keys
                .iter()
                .filter(|key| key.kid == kid)
                .filter(fitting)
                .collect(),
            None if self.checks.require_kid => return Err(Code::MissingKid),
            None => self.keys.iter().filter(fitting).collect(),
        };
        match (candidates.as_slice(), kid) {
            ([key], _) => Ok(*key),
            (_, Some(_)) => Err(Code::KeyNotFound),
            (_, None) => Err(Code::MissingKid),
        }
    }

    fn verifies(&self, signing_input: &str, signature: &[u8], key: &ModelKey, alg: &str) -> bool {
        self.signed.iter().any(|signed| {
            signed.signing_input == signing_input
                && signed.signature == signature
                && signed.signer == key.kid
                && same_computation(&signed.alg, alg, key.fit)
        })
    }
}

fn refuse(code: Code) -> Judged {
    Some(Verdict::refuse(code))
}

/// Whether a signature made with `signed` is also one under `claimed` for
/// a key of this kind: the same name, or two names of EdDSA on its curve.
fn same_computation(signed: &str, claimed: &str, fit: KeyFit) -> bool {
    signed == claimed
        || (fit.fits(signed) && fit.fits(claimed) && is_eddsa(signed) && is_eddsa(claimed))
}

fn is_eddsa(alg: &str) -> bool {
    matches!(alg, "EdDSA" | "Ed25519" | "Ed448")
}

/// `cty` naming a nested JWT (a string only).
fn names_nested_jwt(header: &Map<String, Value>) -> bool {
    header
        .get("cty")
        .and_then(Value::as_str)
        .is_some_and(|cty| media_type(cty) == "application/jwt")
}

/// A `typ` or `cty` as a media type: lowercase, `application/` added when
/// the value has no `/` (RFC 7515 section 4.1.9).
pub fn media_type(value: &str) -> String {
    let lower = value.to_ascii_lowercase();
    if lower.contains('/') {
        lower
    } else {
        format!("application/{lower}")
    }
}

/// RFC 6750's `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+"
/// / "/" ) *"="`.
pub fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-._~+/".contains(&byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_compare_as_the_rules_say() {
        assert_eq!(media_type("JWT"), "application/jwt");
        assert_eq!(media_type("Application/At+JWT"), "application/at+jwt");
        assert_ne!(media_type("text/jwt"), media_type("jwt"));
    }

    #[test]
    fn b64tokens() {
        assert!(is_b64token("abc.DEF-_~+/=="));
        assert!(!is_b64token("=="));
        assert!(!is_b64token("a b"));
        assert!(!is_b64token("a=b"));
        assert!(!is_b64token(""));
    }

    #[test]
    fn eddsa_names_share_a_computation_on_their_curve_only() {
        assert!(same_computation("EdDSA", "Ed25519", KeyFit::Ed25519));
        assert!(!same_computation("EdDSA", "Ed448", KeyFit::Ed25519));
        assert!(!same_computation("RS256", "PS256", KeyFit::Rsa));
    }
}
