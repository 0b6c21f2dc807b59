//! Deviations of the verifier from the rules that this harness found and
//! that are reported but not fixed yet. Each is matched narrowly (the exact
//! shape of the disagreement), so that a run still fails on anything else;
//! its reproducing case is under `fuzz/findings/`. When the verifier is
//! fixed, delete the entry and move the case to `fuzz/regressions/`.

use serde_json::Value;

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

/// Every reported, unfixed deviation.
pub const KNOWN: [Known; 1] = [Known {
    name: "mixed-array-grants-its-strings",
    case: "claims-mixed-array-grants-its-strings.json",
    matches: mixed_array_grants_its_strings,
}];

/// The reported deviation `finding` is, if any.
pub fn classify(finding: &Finding) -> Option<&'static Known> {
    KNOWN.iter().find(|known| (known.matches)(finding))
}

/// The expectation and the answer of a mismatched step, as JSON.
fn mismatch(finding: &Finding) -> Option<(Value, Value)> {
    let (expected, actual) = finding.failure.mismatch.as_ref()?;
    Some((
        serde_json::from_str(expected).ok()?,
        serde_json::from_str(actual).ok()?,
    ))
}

fn text<'a>(value: &'a Value, name: &str) -> &'a str {
    value.get(name).and_then(Value::as_str).unwrap_or("")
}

const FORBIDDEN_CODES: [&str; 2] = ["insufficient_scope", "insufficient_permissions"];

/// An array scope or permissions claim holding a non-string grants its
/// strings, where the safer reading of "a string or an array of strings"
/// grants nothing: a 403 was expected and the token passed that check.
fn mixed_array_grants_its_strings(finding: &Finding) -> bool {
    let Some((expected, actual)) = mismatch(finding) else {
        return false;
    };
    let passed_further =
        actual.get("ok").is_some() || text(&actual, "error") == "insufficient_permissions";
    if !FORBIDDEN_CODES.contains(&text(&expected, "error")) || !passed_further {
        return false;
    }
    let Some(claims) = step_claims(finding) else {
        return false;
    };
    let config = &finding.case["config"];
    let claim_name = |key: &str, default: &str| {
        config
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_owned()
    };
    [
        claim_name("scope_claim", "scope"),
        claim_name("permissions_claim", "permissions"),
    ]
    .iter()
    .any(|name| {
        claims
            .get(name)
            .and_then(Value::as_array)
            .is_some_and(|items| items.iter().any(|item| !item.is_string()))
    })
}

/// The payload of the token the failing step verifies.
fn step_claims(finding: &Finding) -> Option<serde_json::Map<String, Value>> {
    let step = finding.case["steps"].get(finding.failure.step?)?;
    let token = step.get("verify")?.as_str()?;
    let payload = crate::base64url::decode(token.split('.').nth(1)?)?;
    crate::json::token_object(&payload)
}
