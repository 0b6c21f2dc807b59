//! Deviations of the verifier from the rules that this harness found and
//! that are reported but not fixed yet. Each is matched narrowly (the exact
//! shape of the disagreement), so that a run still fails on anything else;
//! its reproducing case is under `fuzz/findings/`. When the verifier is
//! fixed, delete the entry and move the case to `fuzz/regressions/`.

use crate::harness::Finding;

/// One reported deviation.
#[derive(Debug, Clone, Copy)]
pub struct Known {
    /// A short name.
    pub name: &'static str,
    /// The reproducing case, under `fuzz/findings/`.
    pub case: &'static str,
    /// Whether a finding is this deviation.
    pub matches: fn(&Finding) -> bool,
}

/// Every reported, unfixed deviation (none today).
pub const KNOWN: [Known; 0] = [];

/// The reported deviation `finding` is, if any.
pub fn classify(finding: &Finding) -> Option<&'static Known> {
    KNOWN.iter().find(|known| (known.matches)(finding))
}
