//! Reporting a run: one line per failing case and layer, a final
//! `N passed, N failed` line, and a machine-readable JSON report.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::CaseOutcome;

/// The version of the JSON report's shape.
pub const REPORT_FORMAT: u64 = 1;

/// Counts over case×layer outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Outcomes that passed.
    pub passed: usize,
    /// Outcomes that failed.
    pub failed: usize,
}

impl Summary {
    /// Counts `outcomes`.
    pub fn of(outcomes: &[CaseOutcome]) -> Summary {
        let passed = outcomes.iter().filter(|o| o.passed()).count();
        Summary {
            passed,
            failed: outcomes.len() - passed,
        }
    }

    /// The final line: `N passed, N failed`.
    pub fn line(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failed)
    }
}

/// The line for a failing outcome (`None` when it passed):
/// `FAIL <case> [<layer>] step <index>: expected <e>, actual <a>`, where
/// the index is the step's zero-based position in `steps`, or `case` when
/// the case failed as a whole.
pub fn failure_line(outcome: &CaseOutcome) -> Option<String> {
    let failure = outcome.failure.as_ref()?;
    let place = match failure.step {
        Some(index) => format!("step {index}"),
        None => "case".to_owned(),
    };
    Some(format!(
        "FAIL {} [{}] {place}: expected {}, actual {}",
        one_line(&outcome.case),
        one_line(&outcome.layer),
        one_line(&failure.expected),
        one_line(&failure.actual)
    ))
}

/// Writes every failure line, then the summary line.
pub fn write_text(outcomes: &[CaseOutcome], out: &mut dyn Write) -> io::Result<()> {
    for line in outcomes.iter().filter_map(failure_line) {
        writeln!(out, "{line}")?;
    }
    writeln!(out, "{}", Summary::of(outcomes).line())
}

/// The JSON report: the counts and one entry per case and layer, in run
/// order; a failing entry has `step` (index or null), `expected` and
/// `actual`.
pub fn to_json(outcomes: &[CaseOutcome]) -> Value {
    let summary = Summary::of(outcomes);
    let results: Vec<Value> = outcomes.iter().map(outcome_json).collect();
    json!({
        "format": REPORT_FORMAT,
        "passed": summary.passed,
        "failed": summary.failed,
        "results": results,
    })
}

fn outcome_json(outcome: &CaseOutcome) -> Value {
    let mut entry = json!({
        "case": outcome.case,
        "path": outcome.path.as_ref().map(|path| path.display().to_string()),
        "layer": outcome.layer,
        "passed": outcome.passed(),
    });
    if let (Some(failure), Some(object)) = (&outcome.failure, entry.as_object_mut()) {
        object.insert("step".into(), json!(failure.step));
        object.insert("expected".into(), json!(failure.expected));
        object.insert("actual".into(), json!(failure.actual));
    }
    entry
}

/// Keeps a report line one line: control characters become escapes.
fn one_line(text: &str) -> String {
    let mut line = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            line.extend(c.escape_default());
        } else {
            line.push(c);
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Failure;

    fn outcome(case: &str, layer: &str, failure: Option<Failure>) -> CaseOutcome {
        CaseOutcome {
            case: case.into(),
            path: None,
            layer: layer.into(),
            failure,
        }
    }

    fn failing(step: Option<usize>) -> Option<Failure> {
        Some(Failure {
            step,
            expected: "true".into(),
            actual: "false\nmore".into(),
        })
    }

    #[test]
    fn text_lists_failures_then_the_counts() {
        let outcomes = [
            outcome("a", "core", None),
            outcome("b", "core", failing(Some(2))),
            outcome("c", "async", failing(None)),
        ];
        let mut out = Vec::new();
        write_text(&outcomes, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "FAIL b [core] step 2: expected true, actual false\\nmore\n\
             FAIL c [async] case: expected true, actual false\\nmore\n\
             1 passed, 2 failed\n"
        );
    }

    #[test]
    fn json_has_counts_and_one_entry_per_outcome() {
        let report = to_json(&[
            outcome("a", "core", None),
            outcome("b", "core", failing(Some(0))),
        ]);
        assert_eq!(report["passed"], 1);
        assert_eq!(report["failed"], 1);
        assert_eq!(
            report["results"][0],
            json!({"case": "a", "path": null, "layer": "core", "passed": true})
        );
        assert_eq!(report["results"][1]["step"], 0);
        assert_eq!(report["results"][1]["actual"], "false\nmore");
    }
}
