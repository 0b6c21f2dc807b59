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
pub const KNOWN: [Known; 5] = [
    Known {
        name: "challenge-lists-only-missing",
        case: "claims-challenge-lists-only-missing.json",
        matches: challenge_lists_only_missing,
    },
    Known {
        name: "mixed-array-grants-its-strings",
        case: "claims-mixed-array-grants-its-strings.json",
        matches: mixed_array_grants_its_strings,
    },
    Known {
        name: "okp-small-order-key-usable",
        case: "jwks-okp-small-order-key-usable.json",
        matches: okp_small_order_key_usable,
    },
    Known {
        name: "rsa-long-exponent-usable",
        case: "jwks-rsa-long-exponent-usable.json",
        matches: rsa_long_exponent_usable,
    },
    Known {
        name: "content-encoding-differs-by-layer",
        case: "worlds-content-encoding-differs-by-layer.json",
        matches: content_encoding_differs_by_layer,
    },
];

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

/// The 403 challenge names only the missing values where the rules (since
/// their 2026-12-01 revision) name every required one: same code, same
/// challenge up to a list that is a part of the required list.
fn challenge_lists_only_missing(finding: &Finding) -> bool {
    let Some((expected, actual)) = mismatch(finding) else {
        return false;
    };
    let code = text(&expected, "error");
    if !FORBIDDEN_CODES.contains(&code) || text(&actual, "error") != code {
        return false;
    }
    let split = |challenge: &str| -> Option<(String, Vec<String>)> {
        let at = challenge
            .rfind(", scope=\"")
            .or_else(|| challenge.rfind(", permissions=\""))?;
        let (head, list) = challenge.split_at(at);
        let list = list.split_once("=\"")?.1.strip_suffix('"')?;
        Some((
            head.to_owned(),
            list.split(' ').map(str::to_owned).collect(),
        ))
    };
    let (Some((expected_head, required)), Some((actual_head, listed))) = (
        split(text(&expected, "www_authenticate")),
        split(text(&actual, "www_authenticate")),
    ) else {
        return false;
    };
    expected_head == actual_head
        && listed != required
        && listed.iter().all(|value| required.contains(value))
}

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

/// An OKP key of small order, or not canonically encoded, counts as
/// usable (issue 8 item 1, being fixed): a set holding one, and the step
/// finds a usable key where the rules see none.
fn okp_small_order_key_usable(finding: &Finding) -> bool {
    served_entries(finding)
        .is_some_and(|keys| keys.iter().any(crate::targets::jwks::keys::is_refused_okp))
        && refused_key_taken_as_usable(finding)
}

/// An RSA exponent over 64 bits counts as usable (issue 8 item 2, being
/// fixed): a set holding one, and the step finds a usable key where the
/// rules see none.
fn rsa_long_exponent_usable(finding: &Finding) -> bool {
    served_entries(finding).is_some_and(|keys| {
        keys.iter()
            .any(crate::targets::jwks::keys::has_long_exponent)
    }) && refused_key_taken_as_usable(finding)
}

/// The `keys` entries of the first key set the case serves.
fn served_entries(finding: &Finding) -> Option<Vec<Value>> {
    let steps = finding.case["steps"].as_array()?;
    let body = steps
        .iter()
        .find_map(|step| step.get("serve")?.get("body")?.as_str())?;
    let set: Value = serde_json::from_str(body).ok()?;
    set.get("keys")?.as_array().cloned()
}

/// The step answered as if a key the rules refuse were usable: a refusal
/// for want of a usable key met `invalid_signature` or `key_not_found`, a
/// wrong or the right key met `key_not_found` (ambiguous), or the key list is longer
/// than the usable keys.
fn refused_key_taken_as_usable(finding: &Finding) -> bool {
    let Some((expected, actual)) = mismatch(finding) else {
        return false;
    };
    let expected_code = text(&expected, "error");
    let actual_code = text(&actual, "error");
    let wanted_a_key = ["key_not_found", "jwks_error"].contains(&expected_code)
        && ["invalid_signature", "key_not_found"].contains(&actual_code);
    // A second usable key under the kid makes it ambiguous.
    let made_ambiguous = (expected_code == "invalid_signature" || expected.get("ok").is_some())
        && actual_code == "key_not_found";
    let listed_more = match (expected.get("kids"), actual.get("kids")) {
        (Some(Value::Array(usable)), Some(Value::Array(listed))) => {
            listed.len() > usable.len() && usable.iter().all(|kid| listed.contains(kid))
        }
        (None, Some(_)) => expected_code == "jwks_error",
        _ => false,
    };
    wanted_a_key || made_ambiguous || listed_more
}

/// A response with a `Content-Encoding` is read differently by the layers
/// (issue 8 item 4, being fixed): the layers differ in a world that serves
/// one.
fn content_encoding_differs_by_layer(finding: &Finding) -> bool {
    let serves_a_coding = finding.case["steps"].as_array().is_some_and(|steps| {
        steps.iter().any(|step| {
            step.get("serve")
                .and_then(|serve| serve.get("headers"))
                .and_then(Value::as_object)
                .is_some_and(|headers| {
                    headers
                        .keys()
                        .any(|name| name.eq_ignore_ascii_case("content-encoding"))
                })
        })
    });
    serves_a_coding && finding.failure.reason.starts_with("layers differ")
}
