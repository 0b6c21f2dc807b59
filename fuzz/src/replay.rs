//! Replaying findings: every case under a folder through every layer. A
//! case passes when each layer meets all its expectations and every layer
//! answers every step alike.

use std::path::PathBuf;

use oidc_jwt_verifier_conformance::case::{load_corpus, CorpusError};
use oidc_jwt_verifier_conformance::runner::run_case;

use crate::harness::Layers;
use crate::judge::layers_alike;

/// One replayed case that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayFailure {
    /// The case file.
    pub path: PathBuf,
    /// Which layer, at which step, and what happened.
    pub reason: String,
}

/// What a replay found.
#[derive(Debug, Clone, Default)]
pub struct ReplayReport {
    /// Cases replayed.
    pub cases: usize,
    /// The ones that failed.
    pub failures: Vec<ReplayFailure>,
}

/// Replays every `.json` case under `dirs` (an empty folder replays
/// nothing and passes).
pub fn replay(dirs: &[PathBuf], layers: &mut Layers) -> Result<ReplayReport, String> {
    let loaded = match load_corpus(dirs) {
        Ok(loaded) => loaded,
        Err(CorpusError::Empty(_)) => return Ok(ReplayReport::default()),
        Err(error) => return Err(error.to_string()),
    };
    let layers = layers.all()?;
    let mut report = ReplayReport {
        cases: loaded.len(),
        failures: Vec::new(),
    };
    for loaded in loaded {
        let fail = |reason: String| ReplayFailure {
            path: loaded.path.clone(),
            reason,
        };
        let case = match &loaded.case {
            Ok(case) => case,
            Err(invalid) => {
                report
                    .failures
                    .push(fail(format!("not a case: {}", invalid.reason)));
                continue;
            }
        };
        for layer in layers {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                run_case(layer.as_ref(), case)
            }));
            let reason = match outcome {
                Ok(Ok(())) => continue,
                Ok(Err(failure)) => format!(
                    "[{}] step {:?}: expected {}, got {}",
                    layer.name(),
                    failure.step,
                    failure.expected,
                    failure.actual
                ),
                Err(_) => format!("[{}] panicked", layer.name()),
            };
            report.failures.push(fail(reason));
        }
        if let Err((failure, _)) = layers_alike(layers, case) {
            report
                .failures
                .push(fail(format!("step {:?}: {}", failure.step, failure.reason)));
        }
    }
    Ok(report)
}
