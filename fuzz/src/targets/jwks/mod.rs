//! `jwks`: valid JWK Sets, mutated entry by entry and as a whole, served to
//! the core, then a token of every key verified and the usable keys
//! listed. Every mutation has an effect the rules decide (the key is
//! refused, still usable but not the signer's, or untouched), and
//! [`Entry::usable_algs`] is the model of key usability that turns the
//! effects into each token's exact verdict.

pub mod keys;

use serde_json::{json, Map, Value};

use oidc_jwt_verifier_conformance::issuer::{b64url, b64url_decode};
use oidc_jwt_verifier_conformance::{KeyKind, TokenBuilder};

use crate::harness::{Input, Target};
use crate::judge::Judge;
use crate::rng::Rng;
use crate::rules::{Code, Verdict};
use crate::script::{Script, ALL_ALGS, AUDIENCE, ISSUER, JWKS_URL, T0};

use keys::{hex, PoolKey, ED25519_REFUSED, ED448_REFUSED, POOL};

/// The key ids each pool key has tokens for.
const KIDS_PER_KEY: usize = 3;

/// The rules' limits on a key set.
const MAX_KEYS: usize = 100;
const MAX_BODY: usize = 512 * 1024;

/// One `keys` entry as the model sees it.
#[derive(Debug, Clone)]
struct Entry {
    /// The JWK as it will be written.
    jwk: Value,
    /// A member written twice (raw text put first in the object).
    duplicate: Option<String>,
    /// The pool key it publishes.
    base: usize,
    /// Whether its public material is still the base key's.
    signer: bool,
    /// Whether the rules refuse it outright (parameters, use, private...).
    refused: bool,
}

impl Entry {
    fn kid(&self) -> Option<&str> {
        self.jwk.get("kid").and_then(Value::as_str)
    }

    /// The algorithms of `allowed_algs` (all of them) this entry verifies.
    fn usable_algs(&self, pool: &[PoolKey]) -> Vec<&'static str> {
        if self.refused {
            return Vec::new();
        }
        let kind = pool[self.base].key.kind();
        let alg_member = self.jwk.get("alg");
        ALL_ALGS
            .into_iter()
            .filter(|alg| fits_kind(alg, kind))
            .filter(|alg| match alg_member {
                None => true,
                Some(Value::String(member)) => member == alg || (is_eddsa(member) && is_eddsa(alg)),
                Some(_) => false,
            })
            .collect()
    }

    fn text(&self) -> String {
        let text = self.jwk.to_string();
        match &self.duplicate {
            Some(member) if text.len() > 2 => format!("{{{member},{}", &text[1..]),
            Some(member) => format!("{{{member}}}"),
            None => text,
        }
    }
}

fn is_eddsa(alg: &str) -> bool {
    matches!(alg, "EdDSA" | "Ed25519" | "Ed448")
}

fn fits_kind(alg: &str, kind: KeyKind) -> bool {
    match kind {
        KeyKind::Rsa { .. } => alg.starts_with("RS") || alg.starts_with("PS"),
        KeyKind::P256 => alg == "ES256",
        KeyKind::P384 => alg == "ES384",
        KeyKind::P521 => alg == "ES512",
        KeyKind::Ed25519 => matches!(alg, "EdDSA" | "Ed25519"),
        KeyKind::Ed448 => matches!(alg, "EdDSA" | "Ed448"),
    }
}

/// The `jwks` target.
pub struct Jwks {
    pool: Vec<PoolKey>,
    /// `tokens[key][k]`: a valid token of pool key `key` under kid
    /// [`kid_of`]`(key, k)`, with its key's own algorithm.
    tokens: Vec<Vec<String>>,
}

/// The `k`th key id of pool key `key`: its own, then aliases.
fn kid_of(pool: &[PoolKey], key: usize, k: usize) -> String {
    match k {
        0 => pool[key].key.kid().to_owned(),
        _ => format!("{}-alias{k}", pool[key].key.kid()),
    }
}

impl Jwks {
    /// Loads the pool and signs its tokens.
    pub fn new() -> Result<Jwks, String> {
        let pool = POOL
            .into_iter()
            .map(PoolKey::load)
            .collect::<Result<Vec<_>, _>>()?;
        let mut tokens = Vec::new();
        for (index, pool_key) in pool.iter().enumerate() {
            let mut signed = Vec::new();
            for k in 0..KIDS_PER_KEY {
                let key = pool_key.key.clone().with_kid(kid_of(&pool, index, k));
                let token = TokenBuilder::for_key(&key)
                    .claim("iss", json!(ISSUER))
                    .claim("aud", json!(AUDIENCE))
                    .claim("exp", json!(T0 + 3600.0))
                    .claim("sub", json!(key.kid()))
                    .sign(&key)
                    .map_err(|error| error.to_string())?;
                signed.push(token);
            }
            tokens.push(signed);
        }
        Ok(Jwks { pool, tokens })
    }

    fn entry(&self, base: usize, kid: String) -> Entry {
        let mut jwk = self.pool[base].jwk.clone();
        jwk.insert("kid".into(), Value::String(kid));
        Entry {
            jwk: Value::Object(jwk),
            duplicate: None,
            base,
            signer: true,
            refused: false,
        }
    }
}

/// Private members by key type.
fn private_members(kind: KeyKind) -> &'static [&'static str] {
    match kind {
        KeyKind::Rsa { .. } => &["d", "p", "q", "dp", "dq", "qi", "oth"],
        _ => &["d"],
    }
}

/// The public parameters by key type.
fn parameters(kind: KeyKind) -> &'static [&'static str] {
    match kind {
        KeyKind::Rsa { .. } => &["n", "e"],
        KeyKind::P256 | KeyKind::P384 | KeyKind::P521 => &["crv", "x", "y"],
        KeyKind::Ed25519 | KeyKind::Ed448 => &["crv", "x"],
    }
}

/// A value of the wrong JSON type.
fn retyped(rng: &mut Rng) -> Value {
    rng.pick(&[
        json!(null),
        json!(65537),
        json!(["AQAB"]),
        json!({}),
        json!(true),
    ])
    .clone()
}

fn set(entry: &mut Entry, name: &str, value: Value) {
    if let Some(members) = entry.jwk.as_object_mut() {
        members.insert(name.to_owned(), value);
    }
}

fn remove(entry: &mut Entry, name: &str) {
    if let Some(members) = entry.jwk.as_object_mut() {
        members.remove(name);
    }
}

fn bytes_of(entry: &Entry, name: &str) -> Vec<u8> {
    entry
        .jwk
        .get(name)
        .and_then(Value::as_str)
        .and_then(b64url_decode)
        .unwrap_or_default()
}

/// A mutation the rules refuse the key for.
fn refuse(entry: &mut Entry, pool: &[PoolKey], rng: &mut Rng) {
    entry.refused = true;
    let kind = pool[entry.base].key.kind();
    let rsa = matches!(kind, KeyKind::Rsa { .. });
    let okp = matches!(kind, KeyKind::Ed25519 | KeyKind::Ed448);
    match rng.below(12) {
        0 => remove(entry, rng.pick::<&str>(parameters(kind))),
        1 => {
            let name = *rng.pick(parameters(kind));
            set(entry, name, retyped(rng));
        }
        2 => {
            // Never the key's own type (an earlier mutation may have
            // changed it; putting it back would undo the refusal).
            let own = match kind {
                KeyKind::Rsa { .. } => "RSA",
                KeyKind::Ed25519 | KeyKind::Ed448 => "OKP",
                _ => "EC",
            };
            let kty = *rng.pick(&["oct", "rsa", "RSA ", "", "EC", "OKP", "RSA"]);
            set(entry, "kty", json!(if kty == own { "oct" } else { kty }));
        }
        3 if rsa => set(entry, "kty", json!("EC")),
        3 => {
            let crv = match kind {
                KeyKind::P256 => "P-384",
                KeyKind::P384 => "P-521",
                KeyKind::P521 => "P-256",
                KeyKind::Ed25519 => "Ed448",
                _ => "X25519",
            };
            set(entry, "crv", json!(crv));
        }
        4 => {
            // A coordinate or modulus one byte short or long.
            // (An RSA modulus cut to 255 bytes is under 2048 bits.)
            let name = if rsa { "n" } else { "x" };
            let mut bytes = bytes_of(entry, name);
            if rsa {
                bytes.truncate(255);
            } else if rng.chance(1, 2) {
                bytes.pop();
            } else {
                bytes.push(0);
            }
            set(entry, name, json!(b64url(&bytes)));
        }
        5 => {
            let (name, value) = if rng.chance(1, 2) {
                (
                    "use",
                    rng.pick(&[json!("enc"), json!("SIG"), json!(1)]).clone(),
                )
            } else {
                let ops = rng
                    .pick(&[
                        json!(["sign"]),
                        json!(["encrypt"]),
                        json!("verify"),
                        json!(["verify", "verify"]),
                        json!([]),
                    ])
                    .clone();
                ("key_ops", ops)
            };
            set(entry, name, value);
        }
        6 => {
            let name = rng.pick(private_members(kind));
            set(entry, name, json!(b64url([9u8; 32])));
        }
        7 if rsa => {
            let mut n = bytes_of(entry, "n");
            if let Some(last) = n.last_mut() {
                *last &= 0xfe;
            }
            set(entry, "n", json!(b64url(&n)));
        }
        8 if rsa => {
            let e: Vec<u8> = match rng.below(5) {
                0 => vec![1],
                1 => vec![0],
                2 => vec![0x01, 0x00, 0x00],
                3 => bytes_of(entry, "n"),
                _ => {
                    let mut long = vec![0x01; rng.between(9, 32)];
                    long.push(0x01);
                    long
                }
            };
            set(entry, "e", json!(b64url(&e)));
        }
        9 if okp => {
            let refused = if kind == KeyKind::Ed25519 {
                *rng.pick(&ED25519_REFUSED)
            } else {
                *rng.pick(&ED448_REFUSED)
            };
            set(entry, "x", json!(b64url(hex(refused))));
        }
        9 | 10 if !rsa && !okp => {
            // Off the curve, or a coordinate at or above the field prime.
            let mut y = bytes_of(entry, "y");
            if rng.chance(1, 2) {
                if let Some(last) = y.last_mut() {
                    *last ^= 1;
                }
            } else {
                y.iter_mut().for_each(|byte| *byte = 0xff);
            }
            set(entry, "y", json!(b64url(&y)));
        }
        11 => {
            // A member written twice (the rules' decision: that JWK alone
            // is unusable).
            let name = rng.pick(&["kty", "kid", "use", "alg"]);
            let value = entry.jwk.get(*name).cloned().unwrap_or(json!("x"));
            entry.duplicate = Some(format!("{}:{value}", json!(name)));
        }
        _ => set(entry, "kty", json!("oct")),
    }
}

/// A mutation leaving a usable key that is not the signer's.
fn swap_material(entry: &mut Entry, pool: &[PoolKey], rng: &mut Rng) {
    entry.signer = false;
    let kind = pool[entry.base].key.kind();
    if matches!(kind, KeyKind::Rsa { .. }) && rng.chance(1, 3) {
        set(entry, "e", json!(b64url([0x03])));
        return;
    }
    for (name, value) in &pool[entry.base].other {
        set(entry, name, value.clone());
    }
}

/// A mutation that changes nothing the rules look at.
fn harmless(entry: &mut Entry, rng: &mut Rng) {
    match rng.below(5) {
        0 => remove(entry, "alg"),
        1 => remove(entry, "use"),
        2 => set(
            entry,
            "key_ops",
            rng.pick(&[json!(["verify"]), json!(["sign", "verify"])])
                .clone(),
        ),
        3 => {
            // Another name for the same EdDSA computation, or the curve's.
            if entry.jwk.get("kty").and_then(Value::as_str) == Some("OKP") {
                set(
                    entry,
                    "alg",
                    json!(rng.pick(&["Ed25519", "Ed448", "EdDSA"])),
                );
            }
        }
        _ => set(
            entry,
            "x-extra",
            rng.pick(&[json!("v"), json!({"a": [1]}), json!(null)])
                .clone(),
        ),
    }
}

/// How the whole body is broken, if it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whole {
    /// Left alone (the body may still be padded to just under the limit).
    Intact,
    /// Not a JWK Set, or over a limit: every token is `jwks_error`.
    Broken,
}

/// The body text of `entries`, and whether the rules refuse it whole.
fn body(entries: &[Entry], rng: &mut Rng) -> (String, Whole) {
    let items: Vec<String> = entries.iter().map(Entry::text).collect();
    let keys = format!("[{}]", items.join(","));
    let roll = rng.below(40);
    let text = match roll {
        0 => format!("{{\"keys\":{keys}"),
        1 => format!("[{{\"keys\":{keys}}}]"),
        2 => format!("{{\"keys\":{keys},\"keys\":[]}}"),
        3 => format!("{{\"keys\":{}}}", rng.pick(&["{}", "null", "\"[]\"", "1"])),
        4 => format!("{{\"Keys\":{keys}}}"),
        5 => format!("{{\"keys\":{keys}}} trailing"),
        6 | 7 => {
            // Just at or just over the body limit.
            let core = format!("{{\"keys\":{keys}}}");
            let size = MAX_BODY + usize::from(roll == 7);
            let pad = size.saturating_sub(core.len());
            format!("{{\"keys\":{keys}{}}}", " ".repeat(pad))
        }
        8 => format!("{{\"keys\":{keys},\"x-other\":{{\"keys\":1}}}}"),
        _ => format!("{{\"keys\":{keys}}}"),
    };
    let broken = matches!(roll, 0..=5 | 7);
    (text, if broken { Whole::Broken } else { Whole::Intact })
}

impl Target for Jwks {
    fn name(&self) -> &'static str {
        "jwks"
    }

    fn input(&mut self, rng: &mut Rng) -> Result<Input, String> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut bases: Vec<usize> = (0..self.pool.len()).collect();
        let count = rng.between(1, 5);
        for _ in 0..count {
            let base = bases.remove(rng.below(bases.len()));
            let kid = kid_of(&self.pool, base, rng.below(KIDS_PER_KEY));
            let mut entry = self.entry(base, kid);
            match rng.below(10) {
                0..=3 => {}
                4..=6 => refuse(&mut entry, &self.pool, rng),
                7 => swap_material(&mut entry, &self.pool, rng),
                _ => harmless(&mut entry, rng),
            }
            entries.push(entry);
        }
        // Entries beside them: another entry under a kid in use (an exact
        // copy, or a refused one), not-objects, symmetric keys, many.
        match rng.below(8) {
            0 => {
                let copy = entries[rng.below(entries.len())].clone();
                entries.insert(rng.below(entries.len() + 1), copy);
            }
            1 => {
                // A fresh copy: refusing an entry twice could undo it.
                let source = &entries[rng.below(entries.len())];
                let kid = source.kid().unwrap_or_default().to_owned();
                let mut copy = self.entry(source.base, kid);
                refuse(&mut copy, &self.pool, rng);
                entries.insert(rng.below(entries.len() + 1), copy);
            }
            2 => {
                let at = rng.below(entries.len() + 1);
                let junk = rng
                    .pick(&[
                        json!(1),
                        json!("k"),
                        json!(null),
                        json!([]),
                        json!({"kty": "oct", "k": "c2VjcmV0", "kid": "sym"}),
                    ])
                    .clone();
                let mut filler = self.entry(0, "junk".into());
                filler.jwk = junk.clone();
                filler.refused = true;
                entries.insert(at, filler);
            }
            3 if rng.chance(1, 3) => {
                // Up to, or one past, the limit on entries.
                let total = MAX_KEYS + rng.below(2);
                while entries.len() < total {
                    let mut filler = self.entry(0, "filler".into());
                    filler.jwk = json!({"kty": "oct", "k": "AA"});
                    filler.refused = true;
                    entries.push(filler);
                }
            }
            _ => {}
        }
        let (text, whole) = body(&entries, rng);
        let whole = if entries.len() > MAX_KEYS {
            Whole::Broken
        } else {
            whole
        };
        Ok(self.script(&entries, text, whole, rng))
    }
}

impl Jwks {
    fn script(&self, entries: &[Entry], text: String, whole: Whole, rng: &mut Rng) -> Input {
        let mut script = Script::new(
            "A mutated JWK Set: a token of every key in it, and one of a key not in it, get the verdict the key rules give; the usable keys are listed.",
            Script::standard_config(),
        );
        script.serve_text(JWKS_URL, text);
        let usable: Vec<&Entry> = entries
            .iter()
            .filter(|entry| !entry.usable_algs(&self.pool).is_empty())
            .collect();
        let set_error = whole == Whole::Broken || usable.is_empty();
        let mut tokens: Vec<(usize, usize)> = Vec::new();
        for entry in entries.iter().filter(|entry| entry.jwk.is_object()) {
            if let Some(k) = (0..KIDS_PER_KEY)
                .find(|&k| Some(kid_of(&self.pool, entry.base, k).as_str()) == entry.kid())
            {
                tokens.push((entry.base, k));
            }
        }
        tokens.push((rng.below(self.pool.len()), rng.below(KIDS_PER_KEY)));
        for (base, k) in tokens {
            let verdict = if set_error {
                Verdict::refuse(Code::JwksError)
            } else {
                self.verdict(entries, base, k)
            };
            script.verify(T0, &self.tokens[base][k], &verdict);
        }
        let listed = if set_error {
            json!({"error": "jwks_error", "status": 503})
        } else {
            let kids: Vec<Option<&str>> = usable.iter().map(|entry| entry.kid()).collect();
            json!({ "kids": kids })
        };
        script.push(json!({"at": T0, "signing_keys": {"refresh": false}, "expect": listed}));
        Input {
            script,
            judge: Judge::Expectations,
            anchors: vec![0],
        }
    }

    /// The verdict on the token of pool key `base` under its `k`th kid.
    fn verdict(&self, entries: &[Entry], base: usize, k: usize) -> Verdict {
        let kid = kid_of(&self.pool, base, k);
        let alg = self.pool[base].key.alg().name();
        let candidates: Vec<&Entry> = entries
            .iter()
            .filter(|entry| entry.kid() == Some(kid.as_str()))
            .filter(|entry| entry.usable_algs(&self.pool).contains(&alg))
            .collect();
        match candidates[..] {
            [entry] if entry.signer && entry.base == base => {
                let mut claims = Map::new();
                claims.insert("sub".into(), json!(kid));
                Verdict::Accept(claims)
            }
            [_] => Verdict::refuse(Code::InvalidSignature),
            _ => Verdict::refuse(Code::KeyNotFound),
        }
    }
}
