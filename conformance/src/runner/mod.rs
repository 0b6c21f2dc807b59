//! Running cases through layers.
//!
//! A [`Layer`] is one way of driving a verifier (the Sans-IO core directly,
//! the blocking driver, the async driver). It only has to build a [`World`]
//! for a case: a verifier from the case's configuration plus endpoints that
//! play its `serve` table and count requests. Everything else (the order of
//! steps, the clock rules, every expectation and how a mismatch is
//! reported) is shared, in [`run_case`], so every layer is judged alike.
//!
//! Three layers exist: [`CoreLayer`] (no sockets), [`BlockingLayer`] and
//! [`AsyncLayer`] (the drivers against a [`ScriptedServer`] on loopback).
//!
//! Adding a layer: implement [`World`] (each method is one kind of step) and
//! [`Layer::start`], then name it in the CLI's layer table. A layer over
//! another driver only has to implement the socket layers' small driver
//! trait (see `runner/sockets.rs`).
//!
//! [`ScriptedServer`]: crate::ScriptedServer

pub(crate) mod asynchronous;
pub(crate) mod blocking;
pub mod compare;
pub(crate) mod core;
mod endpoints;
mod explained;
mod layer_name;
mod render;
pub mod report;
pub(crate) mod sockets;
mod step_time;
mod steps;

use std::fmt;
use std::path::PathBuf;

use serde_json::{Map, Value};

use oidc_jwt_verifier_core::{AuthError, Claims, ConfigError, SigningKey};

use crate::case::{Case, LoadedCase, Serve, VerifyInput};

pub use self::asynchronous::AsyncLayer;
pub use self::blocking::BlockingLayer;
pub use self::core::CoreLayer;
pub use self::explained::ExplainedCoreLayer;
pub use self::layer_name::LayerName;

/// One way of driving a verifier through a case.
pub trait Layer {
    /// The name reports use (`core`, `blocking`, `async`).
    fn name(&self) -> &str;

    /// Builds the verifier from `case.config` (see [`Case::auth_config`])
    /// and a world with no endpoint served yet. A configuration the verifier
    /// refuses is [`StartError::Config`]; the runner judges it against the
    /// case's `config_error`.
    fn start(&self, case: &Case) -> Result<Box<dyn World + '_>, StartError>;
}

/// A running case: one verifier and its scripted endpoints.
///
/// The runner calls [`set_time`](Self::set_time) before every step that has
/// an `at` (times never decrease), then the step's operation. Each operation
/// returns only once every fetch it caused, and every background refresh
/// it started (refresh-ahead), is complete. An `Err` means the layer could
/// not perform the step; the case then fails at that step.
pub trait World {
    /// Moves both clocks to `at` Unix seconds: the wall clock to `at`, the
    /// monotonic clock to its origin plus `at` minus the first `at` of the
    /// case (see [`Case::first_time`]).
    fn set_time(&mut self, at: f64) -> Result<(), LayerError>;

    /// Sets what `serve.url` answers from now on.
    fn serve(&mut self, serve: &Serve) -> Result<(), LayerError>;

    /// Verifies a token, or an `Authorization` header value.
    fn verify(&mut self, input: &VerifyInput) -> Result<Verified, LayerError>;

    /// `healthcheck(refresh)`.
    fn healthcheck(&mut self, refresh: bool) -> Result<bool, LayerError>;

    /// `signing_keys(refresh)`: the `kid` of each usable key (`None` for a
    /// key without one), in any order.
    fn signing_keys(
        &mut self,
        refresh: bool,
    ) -> Result<Result<Vec<Option<String>>, Rejection>, LayerError>;

    /// The HTTP requests `url` has received since the case began (retries
    /// and redirect hops included).
    fn fetch_count(&mut self, url: &str) -> Result<u64, LayerError>;
}

/// What a verification produced: the claims (lossless JSON) or the error.
pub type Verified = Result<Map<String, Value>, Rejection>;

/// A failed verification or key-source operation, as a case sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The stable error code.
    pub code: String,
    /// The HTTP status.
    pub status: u16,
    /// The challenge with no realm, if the error has one.
    pub www_authenticate: Option<String>,
}

impl From<&AuthError> for Rejection {
    fn from(error: &AuthError) -> Self {
        Rejection {
            code: error.code().to_owned(),
            status: error.status(),
            www_authenticate: error.www_authenticate(None),
        }
    }
}

/// A verification's outcome as a case sees it: the whole payload, or the
/// rejection.
pub(crate) fn verified(outcome: Result<Claims, AuthError>) -> Verified {
    outcome
        .map(|claims| claims.to_json())
        .map_err(|error| Rejection::from(&error))
}

/// `signing_keys` as a case sees it: the `kid` of each key, or the
/// rejection.
pub(crate) fn key_ids(
    outcome: Result<Vec<SigningKey>, AuthError>,
) -> Result<Vec<Option<String>>, Rejection> {
    outcome
        .map(|keys| {
            keys.iter()
                .map(|key| key.kid().map(str::to_owned))
                .collect()
        })
        .map_err(|error| Rejection::from(&error))
}

/// Why a layer could not perform a step (not a verifier answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerError(pub String);

impl fmt::Display for LayerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LayerError {}

/// Why [`Layer::start`] built no world.
#[derive(Debug, Clone)]
pub enum StartError {
    /// The verifier refused the configuration.
    Config(ConfigError),
    /// The layer could not run this case at all.
    Layer(LayerError),
}

/// Where and how a case failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The index in `steps` of the failing step; `None` for the case as a
    /// whole (an invalid file, or the configuration).
    pub step: Option<usize>,
    /// What the case expects (in the case's own JSON form where it has one).
    pub expected: String,
    /// What happened.
    pub actual: String,
}

/// One case run through one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseOutcome {
    /// The case name.
    pub case: String,
    /// The case file, when it came from one.
    pub path: Option<PathBuf>,
    /// The layer name.
    pub layer: String,
    /// `None` when the case passed.
    pub failure: Option<Failure>,
}

impl CaseOutcome {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// Runs every case through every layer, case by case.
pub fn run_corpus(layers: &[Box<dyn Layer>], cases: &[LoadedCase]) -> Vec<CaseOutcome> {
    let mut outcomes = Vec::with_capacity(cases.len().saturating_mul(layers.len()));
    for loaded in cases {
        for layer in layers {
            let failure = match &loaded.case {
                Ok(case) => run_case(layer.as_ref(), case).err(),
                Err(invalid) => Some(Failure {
                    step: invalid.step,
                    expected: "a case the runner can express (docs/case-format.md version 1)"
                        .into(),
                    actual: format!("invalid case: {}", invalid.reason),
                }),
            };
            outcomes.push(CaseOutcome {
                case: loaded.name.clone(),
                path: Some(loaded.path.clone()),
                layer: layer.name().to_owned(),
                failure,
            });
        }
    }
    outcomes
}

/// Runs one case through `layer`: the configuration check, then the steps
/// in order until the first that fails.
pub fn run_case(layer: &dyn Layer, case: &Case) -> Result<(), Failure> {
    let started = layer.start(case);
    let mut world = match (started, &case.config_error) {
        (Ok(world), None) => world,
        (Err(StartError::Config(error)), Some(field)) if error.field() == field => return Ok(()),
        (started, config_error) => return Err(start_failure(started.err(), config_error)),
    };
    steps::run_steps(world.as_mut(), &case.steps)
}

/// The failure of a start that did not go as the case says.
fn start_failure(error: Option<StartError>, config_error: &Option<String>) -> Failure {
    let expected = match (config_error, &error) {
        (_, Some(StartError::Layer(_))) => "the layer runs the case".to_owned(),
        (Some(field), _) => format!("a configuration error naming {field:?}"),
        (None, _) => "the verifier builds from the configuration".to_owned(),
    };
    let actual = match error {
        None => "the verifier was built".to_owned(),
        Some(StartError::Config(error)) => format!(
            "configuration error naming {:?}: {}",
            error.field(),
            error.reason()
        ),
        Some(StartError::Layer(error)) => format!("layer error: {error}"),
    };
    Failure {
        step: None,
        expected,
        actual,
    }
}
