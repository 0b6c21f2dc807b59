//! What a layer answers at each step of a case, compared across layers.
//!
//! Only the runner's public [`Layer`] / [`World`] API is used, so the
//! harness keeps working whatever shape the core's own driving API takes.

use serde_json::{json, Value};

use oidc_jwt_verifier_conformance::case::{Case, Step};
use oidc_jwt_verifier_conformance::runner::{Layer, Rejection, StartError, Verified};

/// One step's answer, as comparable data.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A `serve` step (nothing to compare).
    Served,
    /// A verification's claims or rejection.
    Verified(Verified),
    /// A healthcheck.
    Healthy(bool),
    /// `signing_keys`: the sorted key ids, or the rejection.
    Keys(Result<Vec<Option<String>>, Rejection>),
    /// Requests per URL, in the order the step lists them.
    Fetches(Vec<(String, u64)>),
}

impl Answer {
    /// The step's `expect` for this answer, in the case format (`None` for
    /// steps that have none).
    pub fn to_expect(&self) -> Option<Value> {
        Some(match self {
            Answer::Served | Answer::Fetches(_) => return None,
            Answer::Verified(Ok(claims)) => json!({"ok": true, "claims": claims}),
            Answer::Verified(Err(rejection)) => json!({
                "error": rejection.code,
                "status": rejection.status,
                "www_authenticate": rejection.www_authenticate,
            }),
            Answer::Healthy(healthy) => json!(healthy),
            Answer::Keys(Ok(kids)) => json!({ "kids": kids }),
            Answer::Keys(Err(rejection)) => {
                json!({"error": rejection.code, "status": rejection.status})
            }
        })
    }
}

/// A layer's answers to a case, up to the first step it could not perform.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The answers, step by step.
    pub answers: Vec<Answer>,
    /// Why the layer stopped early: a refused configuration, or a layer
    /// error (the step index, and the message).
    pub stopped: Option<Stop>,
}

/// Why a trace ended before the last step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The verifier refused the configuration, naming this field.
    Config(String),
    /// The layer could not perform step `step`.
    Layer {
        /// The step index.
        step: usize,
        /// The layer's message.
        message: String,
    },
}

/// Runs `case` through `layer`, recording every answer.
pub fn trace(layer: &dyn Layer, case: &Case) -> Trace {
    let mut world = match layer.start(case) {
        Ok(world) => world,
        Err(StartError::Config(error)) => {
            return Trace {
                answers: Vec::new(),
                stopped: Some(Stop::Config(error.field().to_owned())),
            }
        }
        Err(StartError::Layer(error)) => {
            return Trace {
                answers: Vec::new(),
                stopped: Some(Stop::Layer {
                    step: 0,
                    message: format!("start: {error}"),
                }),
            }
        }
    };
    let mut answers = Vec::with_capacity(case.steps.len());
    for (index, step) in case.steps.iter().enumerate() {
        match answer(world.as_mut(), step) {
            Ok(answer) => answers.push(answer),
            Err(message) => {
                return Trace {
                    answers,
                    stopped: Some(Stop::Layer {
                        step: index,
                        message,
                    }),
                }
            }
        }
    }
    Trace {
        answers,
        stopped: None,
    }
}

fn answer(
    world: &mut dyn oidc_jwt_verifier_conformance::runner::World,
    step: &Step,
) -> Result<Answer, String> {
    let layer = |error: oidc_jwt_verifier_conformance::runner::LayerError| error.0;
    if let Some(at) = step.time() {
        world.set_time(at).map_err(layer)?;
    }
    Ok(match step {
        Step::Serve(serve) => {
            world.serve(serve).map_err(layer)?;
            Answer::Served
        }
        Step::Verify { input, .. } => Answer::Verified(world.verify(input).map_err(layer)?),
        Step::Healthcheck { refresh, .. } => {
            Answer::Healthy(world.healthcheck(*refresh).map_err(layer)?)
        }
        Step::SigningKeys { refresh, .. } => {
            let mut keys = world.signing_keys(*refresh).map_err(layer)?;
            if let Ok(kids) = &mut keys {
                kids.sort();
            }
            Answer::Keys(keys)
        }
        Step::AssertFetches(counts) => {
            let mut counted = Vec::with_capacity(counts.len());
            for (url, _) in counts {
                counted.push((url.clone(), world.fetch_count(url).map_err(layer)?));
            }
            Answer::Fetches(counted)
        }
    })
}

/// The first step at which `other` answered differently from `reference`
/// (or stopped differently), with both answers rendered.
pub fn first_difference(reference: &Trace, other: &Trace) -> Option<(Option<usize>, String)> {
    let answered = reference.answers.len().min(other.answers.len());
    for index in 0..answered {
        if reference.answers[index] != other.answers[index] {
            return Some((
                Some(index),
                format!(
                    "{:?} / {:?}",
                    reference.answers[index], other.answers[index]
                ),
            ));
        }
    }
    if reference.stopped != other.stopped || reference.answers.len() != other.answers.len() {
        let step = match (&reference.stopped, &other.stopped) {
            (Some(Stop::Layer { step, .. }), _) | (_, Some(Stop::Layer { step, .. })) => {
                Some(*step)
            }
            _ => None,
        };
        return Some((
            step,
            format!("{:?} / {:?}", reference.stopped, other.stopped),
        ));
    }
    None
}
