//! Judging one input: a case run through the core against the model's
//! expectations, or through every layer with identical answers required.
//! Either way a panic anywhere is caught and is a failure.

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_json::Value;

use oidc_jwt_verifier_conformance::case::Case;
use oidc_jwt_verifier_conformance::runner::{run_case, CoreLayer, Layer};

use crate::trace::{first_difference, trace, Answer, Stop, Trace};

/// How an input is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judge {
    /// The core layer must meet every expectation of the case (the
    /// model's), and never fail to perform a step.
    Expectations,
    /// Every layer must answer every step as the core does; the case's
    /// expectations are then filled in from the core's answers.
    Layers,
}

/// Why an input failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The failing step, when one is known.
    pub step: Option<usize>,
    /// What went wrong, for people.
    pub reason: String,
    /// For a step that answered other than expected: the expectation and
    /// the answer, as the runner renders them (case-format JSON).
    pub mismatch: Option<(String, String)>,
}

impl Failure {
    /// A failure with no expectation to compare.
    pub fn new(step: Option<usize>, reason: String) -> Failure {
        Failure {
            step,
            reason,
            mismatch: None,
        }
    }
}

/// Parses a case built as JSON (a harness bug when it does not parse).
pub fn parse_case(case: &Value) -> Result<Case, Failure> {
    Case::from_json_bytes(case.to_string().as_bytes()).map_err(|error| {
        Failure::new(
            error.step,
            format!("the harness built a case the runner cannot read: {error}"),
        )
    })
}

/// Runs `case` through the core: `Err` when a step does not answer as the
/// case expects, or anything panics.
pub fn expectations(case: &Case) -> Result<(), Failure> {
    let outcome = catch_unwind(AssertUnwindSafe(|| run_case(&CoreLayer, case)));
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(failure)) => Err(Failure {
            step: failure.step,
            reason: format!(
                "[core] expected {}, got {}",
                failure.expected, failure.actual
            ),
            mismatch: Some((failure.expected, failure.actual)),
        }),
        Err(panic) => Err(panicked("core", &panic)),
    }
}

/// Runs `case` through every layer of `layers` (the first is the
/// reference): `Ok` with the reference's answers when every layer answered
/// alike, performed every step and nothing panicked; else the failure and
/// whatever answers the reference gave.
pub fn layers_alike(
    layers: &[Box<dyn Layer>],
    case: &Case,
) -> Result<Vec<Answer>, (Failure, Vec<Answer>)> {
    let mut traces: Vec<(String, Trace)> = Vec::with_capacity(layers.len());
    for layer in layers {
        let traced = catch_unwind(AssertUnwindSafe(|| trace(layer.as_ref(), case)));
        match traced {
            Ok(traced) => traces.push((layer.name().to_owned(), traced)),
            Err(panic) => {
                let reference = traces
                    .first()
                    .map(|(_, reference)| reference.answers.clone());
                return Err((
                    panicked(layer.name(), &panic),
                    reference.unwrap_or_default(),
                ));
            }
        }
    }
    let Some(((reference_name, reference), others)) = traces.split_first() else {
        return Ok(Vec::new());
    };
    for (name, traced) in others {
        if let Some((step, difference)) = first_difference(reference, traced) {
            let failure = Failure::new(
                step,
                format!("layers differ ({reference_name} / {name}): {difference}"),
            );
            return Err((failure, reference.answers.clone()));
        }
    }
    if let Some(Stop::Layer { step, message }) = &reference.stopped {
        let failure = Failure::new(
            Some(*step),
            format!("no layer could perform the step: {message}"),
        );
        return Err((failure, reference.answers.clone()));
    }
    Ok(reference.answers.clone())
}

/// A panic as a failure, with its message when it has one.
fn panicked(layer: &str, panic: &Box<dyn std::any::Any + Send>) -> Failure {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    Failure::new(None, format!("[{layer}] panicked: {message}"))
}
