//! `tokens`: valid tokens of every algorithm, mutated as text and as
//! decoded (then re-signed) JSON, verified by the core against a fixed key
//! set. Each mutant's expectation comes from [`model`]: anything but the
//! exact verdict the rules give is a failure, so an accepted mutant (one
//! that is not byte for byte a token this harness signed) always is.

pub mod edit;
pub mod model;
pub mod mutate;

use serde_json::{json, Map, Value};

use oidc_jwt_verifier_conformance::issuer::b64url;
use oidc_jwt_verifier_conformance::{FixedKey, SigningAlg, TestKey};

use crate::harness::{Input, Target};
use crate::judge::Judge;
use crate::rng::Rng;
use crate::rules::Verdict;
use crate::script::{Script, ALL_ALGS, AUDIENCE, ISSUER, JWKS_URL, T0};

use edit::{quote, Segment};
use model::{Checks, KeyFit, Model, ModelKey, Signed};

/// Mutated tokens verified per case (after the original).
const MUTANTS_PER_CASE: usize = 24;

/// The published keys: every fixed key (RSA ones without `alg`, so each
/// fits every RS* and PS* algorithm), the 1024-bit one unusable.
const KEYS: [(FixedKey, KeyFit, bool); 10] = [
    (FixedKey::Rsa2048A, KeyFit::Rsa, true),
    (FixedKey::Rsa2048B, KeyFit::Rsa, true),
    (FixedKey::Rsa3072, KeyFit::Rsa, true),
    (FixedKey::Rsa4096, KeyFit::Rsa, true),
    (FixedKey::Rsa1024Weak, KeyFit::Rsa, false),
    (FixedKey::P256, KeyFit::P256, true),
    (FixedKey::P384, KeyFit::P384, true),
    (FixedKey::P521, KeyFit::P521, true),
    (FixedKey::Ed25519, KeyFit::Ed25519, true),
    (FixedKey::Ed448, KeyFit::Ed448, true),
];

/// The `typ` the base tokens carry, and the `expected_typ` values each is.
const TYPS: [(&str, &[&str]); 2] = [
    ("JWT", &["JWT", "jwt", "application/JWT"]),
    ("at+jwt", &["at+jwt", "AT+JWT", "application/at+jwt"]),
];

/// A valid token and how it was made.
#[derive(Debug, Clone)]
struct Base {
    token: String,
    key: usize,
    alg: SigningAlg,
    header: Segment,
    payload: Segment,
}

/// The `tokens` target.
pub struct Tokens {
    keys: Vec<TestKey>,
    model_keys: Vec<ModelKey>,
    jwks: Value,
    /// Base tokens per entry of [`TYPS`].
    bases: Vec<Vec<Base>>,
}

impl Tokens {
    /// Loads the keys and signs the base tokens.
    pub fn new() -> Result<Tokens, String> {
        let mut keys = Vec::new();
        let mut model_keys = Vec::new();
        let mut published = Vec::new();
        for (fixed, fit, usable) in KEYS {
            let key = TestKey::fixed(fixed).map_err(|error| error.to_string())?;
            let mut jwk = key.public_jwk();
            if fit == KeyFit::Rsa {
                if let Some(members) = jwk.as_object_mut() {
                    members.remove("alg");
                }
            }
            published.push(jwk);
            model_keys.push(ModelKey {
                kid: key.kid().to_owned(),
                fit,
                usable,
            });
            keys.push(key);
        }
        let mut tokens = Tokens {
            keys,
            model_keys,
            jwks: json!({ "keys": published }),
            bases: Vec::new(),
        };
        for (typ, _) in TYPS {
            let bases = tokens.sign_bases(typ)?;
            tokens.bases.push(bases);
        }
        Ok(tokens)
    }

    /// One valid token per usable key and algorithm it fits.
    fn sign_bases(&self, typ: &str) -> Result<Vec<Base>, String> {
        let mut bases = Vec::new();
        for (index, key) in self.keys.iter().enumerate() {
            if !self.model_keys[index].usable {
                continue;
            }
            for alg in SigningAlg::ALL {
                if !alg.fits(key.kind()) {
                    continue;
                }
                let header = Segment::object(vec![
                    (quote("alg"), quote(alg.name())),
                    (quote("kid"), quote(key.kid())),
                    (quote("typ"), quote(typ)),
                ]);
                let payload = Segment::object(base_claims());
                let (token, _) = sign(key, alg, &header, &payload)?;
                bases.push(Base {
                    token,
                    key: index,
                    alg,
                    header,
                    payload,
                });
            }
        }
        Ok(bases)
    }
}

/// The claims of every base token: valid at [`T0`] for the configuration.
fn base_claims() -> Vec<(String, String)> {
    vec![
        (quote("iss"), quote(ISSUER)),
        (quote("sub"), quote("fuzz")),
        (quote("aud"), quote(AUDIENCE)),
        (quote("exp"), (T0 + 3600.0).to_string()),
        (quote("iat"), (T0 - 60.0).to_string()),
    ]
}

/// The claims a verifier returns for a base token's payload.
fn expected_claims() -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(ISSUER));
    claims.insert("sub".into(), json!("fuzz"));
    claims.insert("aud".into(), json!(AUDIENCE));
    claims.insert("exp".into(), json!(T0 + 3600.0));
    claims
}

/// The claims verdict for a payload whose signature verifies: accepted
/// when its registered claims are the base ones, else outside the model
/// (edits never change them).
fn claims_verdict(payload: &Map<String, Value>) -> Option<Verdict> {
    let expected = expected_claims();
    let same = expected.iter().all(|(name, value)| {
        payload.get(name).is_some_and(|found| {
            found
                .as_f64()
                .zip(value.as_f64())
                .map_or(found == value, |(a, b)| a == b)
        })
    });
    let nbf_free = !payload.contains_key("nbf");
    let iat_ok = payload.get("iat").is_none_or(Value::is_number);
    (same && nbf_free && iat_ok).then(|| Verdict::Accept(expected))
}

/// Signs `header.payload` with `key` under `alg`.
fn sign(
    key: &TestKey,
    alg: SigningAlg,
    header: &Segment,
    payload: &Segment,
) -> Result<(String, Signed), String> {
    let signing_input = format!("{}.{}", b64url(header.bytes()), b64url(payload.bytes()));
    let signature = key
        .signature(alg, signing_input.as_bytes())
        .map_err(|error| format!("{} cannot sign {alg}: {error}", key.kid()))?;
    let token = format!("{signing_input}.{}", b64url(&signature));
    let signed = Signed {
        signing_input,
        signature,
        signer: key.kid().to_owned(),
        alg: alg.name().to_owned(),
    };
    Ok((token, signed))
}

/// A mutant and how it is passed.
struct Mutant {
    token: String,
    /// Passed as an `Authorization` value (`Some(None)`: no header).
    header: Option<Option<String>>,
}

impl Tokens {
    fn checks(&self, rng: &mut Rng, typ: usize, original: &str) -> Checks {
        let expected_typ = rng
            .chance(1, 2)
            .then(|| (*rng.pick(TYPS[typ].1)).to_owned());
        let max_token_bytes = if rng.chance(1, 6) {
            original.len() + rng.below(64)
        } else {
            16384
        };
        let allowed_algs = if rng.chance(1, 4) {
            let mut algs: Vec<String> = ALL_ALGS
                .iter()
                .filter(|_| rng.chance(1, 2))
                .map(|alg| (*alg).to_owned())
                .collect();
            if !algs.iter().any(|alg| original_alg(original) == *alg) {
                algs.push(original_alg(original));
            }
            algs
        } else {
            ALL_ALGS.iter().map(|alg| (*alg).to_owned()).collect()
        };
        Checks {
            allowed_algs,
            require_kid: !rng.chance(1, 5),
            expected_typ,
            max_token_bytes,
        }
    }

    fn mutant(
        &self,
        rng: &mut Rng,
        bases: &[Base],
        signed: &mut Vec<Signed>,
    ) -> Result<Mutant, String> {
        let resign = rng.chance(3, 5);
        // Re-signing dominates the cost of a case, and RSA signing most:
        // two re-signed mutants in three use an EC or OKP key (the JSON and
        // header checks do not depend on the algorithm).
        let fast: Vec<&Base> = bases
            .iter()
            .filter(|base| !matches!(self.model_keys[base.key].fit, KeyFit::Rsa))
            .collect();
        let base = if resign && rng.chance(2, 3) && !fast.is_empty() {
            *rng.pick(&fast)
        } else {
            rng.pick(bases)
        };
        let others: Vec<String> = (0..3).map(|_| rng.pick(bases).token.clone()).collect();
        let mut token = base.token.clone();
        if resign {
            let mut header = base.header.clone();
            let mut payload = base.payload.clone();
            let kids: Vec<&str> = self.model_keys.iter().map(|key| key.kid.as_str()).collect();
            for _ in 0..rng.between(1, 2) {
                if rng.chance(2, 3) {
                    edit::edit_header(&mut header, rng, &kids, &ALL_ALGS);
                } else {
                    edit::edit_payload(&mut payload, rng);
                }
            }
            let (resigned, made) = sign(&self.keys[base.key], base.alg, &header, &payload)?;
            signed.push(made);
            token = resigned;
        }
        if !resign || rng.chance(1, 3) {
            for _ in 0..rng.between(1, 3) {
                token = mutate::mutate(&token, &others, rng);
            }
        }
        let header = rng.chance(1, 6).then(|| authorization(&token, rng));
        Ok(Mutant { token, header })
    }
}

/// The `alg` of a base token's header.
fn original_alg(token: &str) -> String {
    token
        .split('.')
        .next()
        .and_then(crate::base64url::decode)
        .and_then(|header| crate::json::token_object(&header))
        .and_then(|header| header.get("alg").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default()
}

/// An `Authorization` value carrying `token`, well formed or not.
fn authorization(token: &str, rng: &mut Rng) -> Option<String> {
    let scheme = *rng.pick(&["Bearer", "bearer", "BEARER", "bEaReR"]);
    let spaces = " ".repeat(rng.between(1, 3));
    Some(match rng.below(10) {
        0 => return None,
        1 => rng
            .pick(&["", "   ", "Bearer", "Bearer   ", "Basic abc", "Bearertoken"])
            .to_string(),
        2 => format!("{scheme}\t{token}"),
        3 => format!(" {scheme} {token}"),
        4 => format!("{scheme} {token} "),
        5 => format!("Basic {token}"),
        _ => format!("{scheme}{spaces}{token}"),
    })
}

impl Target for Tokens {
    fn name(&self) -> &'static str {
        "tokens"
    }

    fn input(&mut self, rng: &mut Rng) -> Result<Input, String> {
        let typ = rng.below(TYPS.len());
        let bases = &self.bases[typ];
        let original = rng.pick(bases).clone();
        let checks = self.checks(rng, typ, &original.token);
        let mut signed: Vec<Signed> = Vec::new();
        for base in bases {
            let [header, payload, _] = parts(&base.token);
            signed.push(Signed {
                signing_input: format!("{header}.{payload}"),
                signature: crate::base64url::decode(parts(&base.token)[2]).unwrap_or_default(),
                signer: self.keys[base.key].kid().to_owned(),
                alg: base.alg.name().to_owned(),
            });
        }
        let mut mutants = Vec::with_capacity(MUTANTS_PER_CASE);
        for _ in 0..MUTANTS_PER_CASE {
            mutants.push(self.mutant(rng, bases, &mut signed)?);
        }
        let model = Model {
            checks: &checks,
            keys: &self.model_keys,
            signed: &signed,
            claims: &claims_verdict,
        };
        let mut script = Script::new(
            "A valid token is accepted; each mutant of it (text edits, or JSON edits re-signed by the same key) gets exactly the verdict the rules give.",
            config(&checks),
        );
        script.push(json!({"serve": {"url": JWKS_URL, "json": self.jwks}}));
        script.verify(T0, &original.token, &Verdict::Accept(expected_claims()));
        for mutant in &mutants {
            match &mutant.header {
                Some(header) => {
                    if let Some(verdict) = model.header(header.as_deref()) {
                        script.verify_header(T0, header.as_deref(), &verdict);
                    }
                }
                None => {
                    if let Some(verdict) = model.token(&mutant.token) {
                        script.verify(T0, &mutant.token, &verdict);
                    }
                }
            }
        }
        Ok(Input {
            script,
            judge: Judge::Expectations,
            anchors: vec![0, 1],
        })
    }
}

/// The three parts of a base token.
fn parts(token: &str) -> [&str; 3] {
    let mut split = token.splitn(3, '.');
    [
        split.next().unwrap_or(""),
        split.next().unwrap_or(""),
        split.next().unwrap_or(""),
    ]
}

/// The case configuration for `checks`.
fn config(checks: &Checks) -> Map<String, Value> {
    let mut config = Script::standard_config();
    config.insert("allowed_algs".into(), json!(checks.allowed_algs));
    config.insert("require_kid".into(), json!(checks.require_kid));
    config.insert("max_token_bytes".into(), json!(checks.max_token_bytes));
    if let Some(typ) = &checks.expected_typ {
        config.insert("expected_typ".into(), json!(typ));
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_base_token_is_accepted_by_the_model() {
        let tokens = Tokens::new().unwrap();
        let checks = Checks {
            allowed_algs: ALL_ALGS.iter().map(|a| (*a).to_owned()).collect(),
            require_kid: true,
            expected_typ: None,
            max_token_bytes: 16384,
        };
        for bases in &tokens.bases {
            let signed: Vec<Signed> = bases
                .iter()
                .map(|base| {
                    let [h, p, s] = parts(&base.token);
                    Signed {
                        signing_input: format!("{h}.{p}"),
                        signature: crate::base64url::decode(s).unwrap(),
                        signer: tokens.keys[base.key].kid().to_owned(),
                        alg: base.alg.name().to_owned(),
                    }
                })
                .collect();
            let model = Model {
                checks: &checks,
                keys: &tokens.model_keys,
                signed: &signed,
                claims: &claims_verdict,
            };
            assert_eq!(bases.len(), 31);
            for base in bases {
                assert_eq!(
                    model.token(&base.token),
                    Some(Verdict::Accept(expected_claims())),
                    "{}",
                    base.token
                );
                let flipped =
                    oidc_jwt_verifier_conformance::tamper::tamper_signature(&base.token).unwrap();
                assert_eq!(
                    model.token(&flipped),
                    Some(Verdict::refuse(crate::rules::Code::InvalidSignature))
                );
            }
        }
    }

    #[test]
    fn mutants_reach_every_check_of_the_table_before_the_claims() {
        let mut target = Tokens::new().unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for iteration in 0..30 {
            let input = target.input(&mut Rng::for_iteration(1, iteration)).unwrap();
            for step in input.script.steps() {
                if let Some(expect) = step.get("expect") {
                    let code = expect.get("error").and_then(Value::as_str).unwrap_or("ok");
                    seen.insert(code.to_owned());
                }
            }
        }
        for code in [
            "ok",
            "missing_token",
            "invalid_request",
            "token_too_large",
            "malformed_token",
            "forbidden_header",
            "disallowed_alg",
            "invalid_type",
            "missing_kid",
            "key_not_found",
            "invalid_signature",
        ] {
            assert!(seen.contains(code), "no mutant expected {code}: {seen:?}");
        }
    }
}
