//! `claims`: properly signed tokens with random claims, verified by the
//! core under random configurations (leeway, audiences, required scopes
//! and permissions, the claims they are read from); [`model`] gives every
//! verdict: code, status and exact challenge.

pub mod model;

use serde_json::{json, Map, Value};

use oidc_jwt_verifier_conformance::{FixedKey, TestKey, TokenBuilder};

use crate::harness::{Input, Target};
use crate::judge::Judge;
use crate::rng::Rng;
use crate::script::{Script, ISSUER, JWKS_URL, T0};

use model::ClaimsConfig;

/// Tokens verified per case.
const TOKENS_PER_CASE: usize = 16;

const AUDIENCES: [&str; 5] = [
    "api://fuzz",
    "api://other",
    "https://api.example.test",
    "API://FUZZ",
    "a \"quoted\" \\ one",
];

const SCOPES: [&str; 6] = ["read", "write", "admin", "a:b", "q\"uote", "back\\slash"];

const LEEWAYS: [f64; 6] = [0.0, 1.0, 30.0, 60.0, 3600.0, 31_536_000.0];

/// Time claims far from any clock, and around the edges of a double.
const FAR: [f64; 9] = [
    1e300,
    -1e300,
    0.0,
    -0.0,
    f64::MAX,
    f64::MIN,
    9_007_199_254_740_993.0,
    18_446_744_073_709_551_615.0,
    -9_223_372_036_854_775_808.0,
];

/// The `claims` target.
pub struct Claims {
    keys: Vec<TestKey>,
}

impl Claims {
    /// Loads the signing keys (deterministic algorithms: Ed25519, RS256).
    pub fn new() -> Result<Claims, String> {
        let keys = [FixedKey::Ed25519, FixedKey::Rsa2048A]
            .into_iter()
            .map(|fixed| TestKey::fixed(fixed).map_err(|error| error.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Claims { keys })
    }
}

fn subset(rng: &mut Rng, from: &[&str], most: usize) -> Vec<String> {
    let mut chosen: Vec<String> = Vec::new();
    for _ in 0..rng.below(most + 1) {
        let item = (*rng.pick(from)).to_owned();
        if !chosen.contains(&item) {
            chosen.push(item);
        }
    }
    chosen
}

fn random_config(rng: &mut Rng) -> ClaimsConfig {
    let mut audiences = subset(rng, &AUDIENCES, 3);
    if audiences.is_empty() {
        audiences.push(AUDIENCES[0].to_owned());
    }
    ClaimsConfig {
        issuer: ISSUER.to_owned(),
        audiences,
        leeway: *rng.pick(&LEEWAYS),
        required_scopes: subset(rng, &SCOPES, 3),
        required_permissions: subset(rng, &SCOPES, 2),
        scope_claim: (*rng.pick(&["scope", "scp"])).to_owned(),
        permissions_claim: (*rng.pick(&["permissions", "perms"])).to_owned(),
    }
}

fn case_config(config: &ClaimsConfig, rng: &mut Rng) -> Map<String, Value> {
    let mut map = Script::standard_config();
    map.insert("allowed_algs".into(), json!(["EdDSA", "RS256"]));
    let audience = if config.audiences.len() == 1 && rng.chance(1, 2) {
        json!(config.audiences[0])
    } else {
        json!(config.audiences)
    };
    map.insert("audience".into(), audience);
    map.insert("leeway_s".into(), json!(config.leeway as u64));
    map.insert("required_scopes".into(), json!(config.required_scopes));
    map.insert(
        "required_permissions".into(),
        json!(config.required_permissions),
    );
    map.insert("scope_claim".into(), json!(config.scope_claim));
    map.insert("permissions_claim".into(), json!(config.permissions_claim));
    map
}

/// A value of a type no claim rule takes as a number or string.
fn wrong_type(rng: &mut Rng) -> Value {
    rng.pick(&[
        json!(null),
        json!("1767229200"),
        json!(true),
        json!([1]),
        json!({}),
        json!(""),
    ])
    .clone()
}

/// A time claim: near its boundary (`pivot`, where the rule flips), far
/// away, or of another type.
fn time_claim(rng: &mut Rng, pivot: f64) -> Value {
    match rng.below(10) {
        0..=5 => {
            let delta = *rng.pick(&[-3600.0, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 3600.0]);
            number(pivot + delta)
        }
        6 | 7 => number(*rng.pick(&FAR)),
        _ => wrong_type(rng),
    }
}

/// A JSON number, written as an integer when it is one that fits.
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9e15 && !(value == 0.0 && value.is_sign_negative()) {
        json!(value as i64)
    } else {
        json!(value)
    }
}

/// A scope or permissions claim granting some of `vocabulary`.
fn grant(rng: &mut Rng, required: &[String]) -> Value {
    let mut words: Vec<String> = required
        .iter()
        .filter(|_| rng.chance(4, 5))
        .cloned()
        .collect();
    words.extend(subset(rng, &SCOPES, 2));
    match rng.below(10) {
        0..=4 => {
            let separator = *rng.pick(&[" ", " ", "  ", "\t", ","]);
            let text = words.join(separator);
            json!(if rng.chance(1, 4) {
                format!(" {text} ")
            } else {
                text
            })
        }
        5..=7 => json!(words),
        8 => {
            let mut items: Vec<Value> = words.into_iter().map(Value::String).collect();
            items.push(json!(7));
            Value::Array(items)
        }
        _ => wrong_type(rng),
    }
}

fn audience_claim(rng: &mut Rng, config: &ClaimsConfig) -> Value {
    let one = |rng: &mut Rng| {
        if rng.chance(2, 3) {
            json!(rng.pick(&config.audiences))
        } else {
            json!(rng.pick(&AUDIENCES))
        }
    };
    match rng.below(10) {
        0..=3 => one(rng),
        4..=7 => Value::Array((0..rng.below(4)).map(|_| one(rng)).collect()),
        8 => json!([one(rng), 5]),
        _ => wrong_type(rng),
    }
}

/// Random claims for a token verified at `now`.
fn random_claims(rng: &mut Rng, config: &ClaimsConfig, now: f64) -> Map<String, Value> {
    let mut claims = Map::new();
    let mut maybe = |rng: &mut Rng, name: &str, present: (usize, usize), value: Value| {
        if rng.chance(present.0, present.1) {
            claims.insert(name.to_owned(), value);
        }
    };
    // exp flips at now - leeway, nbf at now + leeway.
    let exp = time_claim(rng, now - config.leeway);
    maybe(rng, "exp", (9, 10), exp);
    let nbf = time_claim(rng, now + config.leeway);
    maybe(rng, "nbf", (1, 2), nbf);
    let iat = time_claim(rng, now);
    maybe(rng, "iat", (1, 2), iat);
    let iss = match rng.below(8) {
        0 => json!("https://issuer.example.test"),
        1 => json!("HTTPS://ISSUER.EXAMPLE.TEST/"),
        2 => wrong_type(rng),
        _ => json!(ISSUER),
    };
    maybe(rng, "iss", (9, 10), iss);
    let aud = audience_claim(rng, config);
    maybe(rng, "aud", (9, 10), aud);
    for name in ["scope", "scp"] {
        let value = grant(rng, &config.required_scopes);
        maybe(rng, name, (2, 3), value);
    }
    for name in ["permissions", "perms"] {
        let value = grant(rng, &config.required_permissions);
        maybe(rng, name, (2, 3), value);
    }
    maybe(rng, "sub", (1, 1), json!("fuzz"));
    claims
}

impl Target for Claims {
    fn name(&self) -> &'static str {
        "claims"
    }

    fn input(&mut self, rng: &mut Rng) -> Result<Input, String> {
        let config = random_config(rng);
        let key = rng.pick(&self.keys).clone();
        let mut script = Script::new(
            "Properly signed tokens with random claims: each gets exactly the verdict the claims rules give (code, status, challenge).",
            case_config(&config, rng),
        );
        script.push(json!({"serve": {"url": JWKS_URL, "json": {"keys": [key.public_jwk()]}}}));
        let mut now = T0;
        for _ in 0..TOKENS_PER_CASE {
            now += *rng.pick(&[0.0, 0.5, 1.0, 7.0, 100.0]);
            let claims = random_claims(rng, &config, now);
            let token = TokenBuilder::for_key(&key)
                .claims(&claims)
                .sign(&key)
                .map_err(|error| error.to_string())?;
            script.verify(now, &token, &model::verdict(&config, &claims, now));
        }
        Ok(Input {
            script,
            judge: Judge::Expectations,
            anchors: vec![0],
        })
    }
}
