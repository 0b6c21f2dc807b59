//! Micro-benchmarks of the verification's parts, each exactly as the core
//! runs it (through its hidden `parts` entry points): compact parsing with
//! the header policy, the claim checks, key selection and JWK Set parsing.
//! Each part runs in five timed runs; reported: the median time per call.

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::adapter::{CoreParts, Parsed};
use crate::fixture::{unix_now, Alg, Fixture, JWKS_URL};
use crate::stats::median;

const RUNS: usize = 5;
/// Inputs prepared ahead of a timed batch, for parts that consume theirs.
const BATCH: usize = 256;

/// One part's cost.
#[derive(Debug, Clone)]
pub(crate) struct Micro {
    pub(crate) part: &'static str,
    pub(crate) case: String,
    pub(crate) ns_per_call: f64,
    pub(crate) calls: u64,
}

/// Measures every part for `budget` each.
pub(crate) fn measure(fixtures: &[Fixture], budget: Duration) -> Result<Vec<Micro>, String> {
    let run = budget / RUNS as u32;
    let mut micros = Vec::new();
    for fixture in fixtures {
        let parts = CoreParts::new(&fixture.config(JWKS_URL))?;
        let token = fixture.token.as_str();
        let name = fixture.alg.name();
        parts
            .parse_token(token)
            .map_err(|error| format!("{name} token refused: {error}"))?;
        micros.push(timed(
            "compact parsing",
            format!("{name} token"),
            run,
            || parts.parse_token(black_box(token)).is_ok(),
        )?);
        let body = fixture.jwks_body();
        micros.push(timed("JWKS parsing", format!("1 {name} key"), run, || {
            parts.parse_key_set(black_box(&body)).is_ok()
        })?);
    }
    let rs256 = fixtures
        .iter()
        .find(|fixture| fixture.alg == Alg::Rs256)
        .ok_or("no RS256 fixture")?;
    let parts = CoreParts::new(&rs256.config(JWKS_URL))?;
    let parsed = parts
        .parse_token(&rs256.token)
        .map_err(|error| format!("RS256 token refused: {error}"))?;
    let now = unix_now() as f64;
    micros.push(batched(
        "claims checks",
        "10 claims".into(),
        run,
        &parsed,
        |token| parts.check_claims(token, now).is_ok(),
    )?);

    let one = parts.parse_key_set(&rs256.jwks_body())?;
    micros.push(timed("key selection", "1 key".into(), run, || {
        one.selects_one(black_box(&parsed))
    })?);
    let hundred_body = hundred_keys_with(rs256)?.to_string().into_bytes();
    let hundred = parts.parse_key_set(&hundred_body)?;
    micros.push(timed(
        "key selection",
        "100 keys, the last fits".into(),
        run,
        || hundred.selects_one(black_box(&parsed)),
    )?);
    micros.push(timed("JWKS parsing", "100 RS256 keys".into(), run, || {
        parts.parse_key_set(black_box(&hundred_body)).is_ok()
    })?);
    Ok(micros)
}

/// 99 other RSA keys, then the fixture's own (its `kid` last).
fn hundred_keys_with(fixture: &Fixture) -> Result<Value, String> {
    let own = fixture.key.public_jwk();
    let mut keys: Vec<Value> = (0..99)
        .map(|index| {
            let mut other = own.clone();
            other["kid"] = json!(format!("other-{index:02}"));
            other
        })
        .collect();
    keys.push(own);
    Ok(json!({ "keys": keys }))
}

/// Calls `part` in [`RUNS`] runs of `run` each; `part` answers whether it
/// gave the expected result (a part that does not is an error).
fn timed(
    part: &'static str,
    case: String,
    run: Duration,
    mut call: impl FnMut() -> bool,
) -> Result<Micro, String> {
    let mut per_call = Vec::with_capacity(RUNS);
    let mut calls = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let mut made = 0_u64;
        while start.elapsed() < run {
            for _ in 0..16 {
                if !black_box(call()) {
                    return Err(format!("{part} ({case}) failed"));
                }
            }
            made += 16;
        }
        per_call.push(start.elapsed().as_secs_f64() * 1e9 / made as f64);
        calls += made;
    }
    Ok(Micro {
        part,
        case,
        ns_per_call: median(&per_call),
        calls,
    })
}

/// Like [`timed`] for a part that consumes its input: copies of `input` are
/// made ahead of each batch, untimed.
fn batched<'t>(
    part: &'static str,
    case: String,
    run: Duration,
    input: &Parsed<'t>,
    mut call: impl FnMut(Parsed<'t>) -> bool,
) -> Result<Micro, String> {
    let mut per_call = Vec::with_capacity(RUNS);
    let mut calls = 0;
    for _ in 0..RUNS {
        let (mut spent, mut made) = (Duration::ZERO, 0_u64);
        while spent < run {
            let inputs: Vec<Parsed<'t>> = vec![input.clone(); BATCH];
            let start = Instant::now();
            for input in inputs {
                if !black_box(call(input)) {
                    return Err(format!("{part} ({case}) failed"));
                }
            }
            spent += start.elapsed();
            made += BATCH as u64;
        }
        per_call.push(spent.as_secs_f64() * 1e9 / made as f64);
        calls += made;
    }
    Ok(Micro {
        part,
        case,
        ns_per_call: median(&per_call),
        calls,
    })
}
