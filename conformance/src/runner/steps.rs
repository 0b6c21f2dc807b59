//! The steps of a case, run against any [`World`] and judged the same way
//! for every layer.

use super::compare::{claims_subset, same_items};
use super::{render, Failure, LayerError, Rejection, Verified, World};
use crate::case::{ErrorExpect, KeysExpect, Step, VerifyExpect};

/// What a step expected and what happened instead.
struct Mismatch {
    expected: String,
    actual: String,
}

impl Mismatch {
    /// The step could not be performed at all.
    fn layer(expected: String, error: LayerError) -> Mismatch {
        Mismatch {
            expected,
            actual: format!("layer error: {error}"),
        }
    }
}

/// Runs `steps` in order; the first that fails fails the case.
pub(super) fn run_steps(world: &mut dyn World, steps: &[Step]) -> Result<(), Failure> {
    for (index, step) in steps.iter().enumerate() {
        run_step(world, step).map_err(|mismatch| Failure {
            step: Some(index),
            expected: mismatch.expected,
            actual: mismatch.actual,
        })?;
    }
    Ok(())
}

fn run_step(world: &mut dyn World, step: &Step) -> Result<(), Mismatch> {
    let expected = expected(step);
    if let Some(at) = step.time() {
        world
            .set_time(at)
            .map_err(|error| Mismatch::layer(expected.clone(), error))?;
    }
    let actual = perform(world, step).map_err(|error| Mismatch::layer(expected.clone(), error))?;
    match actual {
        None => Ok(()),
        Some(actual) => Err(Mismatch { expected, actual }),
    }
}

/// What the step expects, rendered.
fn expected(step: &Step) -> String {
    match step {
        Step::Serve(serve) => format!("{} is served", serve.url),
        Step::Verify { expect, .. } => render::verify_expect(expect),
        Step::Healthcheck { expect, .. } => expect.to_string(),
        Step::SigningKeys { expect, .. } => render::keys_expect(expect),
        Step::AssertFetches(counts) => render::fetches(counts),
    }
}

/// Performs the step: `None` when it went as expected, else what happened.
fn perform(world: &mut dyn World, step: &Step) -> Result<Option<String>, LayerError> {
    Ok(match step {
        Step::Serve(serve) => {
            world.serve(serve)?;
            None
        }
        Step::Verify { input, expect, .. } => {
            let actual = world.verify(input)?;
            (!verify_matches(expect, &actual)).then(|| render::verified(&actual))
        }
        Step::Healthcheck {
            refresh, expect, ..
        } => {
            let healthy = world.healthcheck(*refresh)?;
            (healthy != *expect).then(|| healthy.to_string())
        }
        Step::SigningKeys {
            refresh, expect, ..
        } => {
            let actual = world.signing_keys(*refresh)?;
            (!keys_match(expect, &actual)).then(|| render::keys(&actual))
        }
        Step::AssertFetches(expected) => {
            let mut actual = Vec::with_capacity(expected.len());
            for (url, _) in expected {
                actual.push((url.clone(), world.fetch_count(url)?));
            }
            (actual != *expected).then(|| render::fetches(&actual))
        }
    })
}

fn verify_matches(expect: &VerifyExpect, actual: &Verified) -> bool {
    match (expect, actual) {
        (VerifyExpect::Ok { claims }, Ok(found)) => claims_subset(claims, found),
        (VerifyExpect::Error(error), Err(rejection)) => error_matches(error, rejection),
        _ => false,
    }
}

fn keys_match(expect: &KeysExpect, actual: &Result<Vec<Option<String>>, Rejection>) -> bool {
    match (expect, actual) {
        (KeysExpect::Kids(kids), Ok(found)) => {
            // `kids` lists key ids: a usable key without one is compared only
            // when the case lists it (as `null`).
            let listed: Vec<Option<String>> = if kids.iter().any(Option::is_none) {
                found.clone()
            } else {
                found.iter().filter(|kid| kid.is_some()).cloned().collect()
            };
            same_items(kids, &listed)
        }
        (KeysExpect::Error(error), Err(rejection)) => error_matches(error, rejection),
        _ => false,
    }
}

/// Code and status always; the challenge when the case gives one.
fn error_matches(expect: &ErrorExpect, actual: &Rejection) -> bool {
    expect.code == actual.code
        && expect.status == actual.status
        && expect
            .www_authenticate
            .as_ref()
            .is_none_or(|challenge| *challenge == actual.www_authenticate)
}
