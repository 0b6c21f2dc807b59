//! Randomized signatures: PS* and ES* signatures differ on every signing
//! ([`SigningAlg::is_deterministic`]), so two generations of the same case
//! may differ there and nowhere else. Comparisons strip the signature
//! segment of every token whose header names such an algorithm.

use serde_json::Value;

use crate::issuer::{b64url_decode, SigningAlg};

/// Whether the token's header (its first segment, base64url JSON) has an
/// `alg` whose signatures are randomized.
fn names_randomized_alg(token: &str) -> bool {
    let alg = token
        .split('.')
        .next()
        .and_then(b64url_decode)
        .and_then(|header| serde_json::from_slice::<Value>(&header).ok())
        .and_then(|header| header.get("alg").and_then(Value::as_str).map(str::to_owned));
    alg.and_then(|alg| SigningAlg::from_name(&alg))
        .is_some_and(|alg| !alg.is_deterministic())
}

/// `input` (a token, or an `Authorization` value ending in one) with the
/// signature segment emptied when the token's alg is randomized.
fn strip_input(input: &str) -> Option<String> {
    let start = input.rfind([' ', '\t']).map_or(0, |space| space + 1);
    let token = input.get(start..)?;
    if !names_randomized_alg(token) {
        return None;
    }
    let cut = input.rfind('.')?;
    input.get(..=cut).map(str::to_owned)
}

/// The steps' token inputs, mutable.
fn inputs_mut(case: &mut Value) -> impl Iterator<Item = &mut Value> {
    case.get_mut("steps")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
        .flat_map(|step| {
            step.iter_mut()
                .filter(|(name, _)| *name == "verify" || *name == "verify_header")
                .map(|(_, input)| input)
        })
}

/// Strips the randomized signatures of `case`; true when there was any.
fn strip(case: &mut Value) -> bool {
    let mut stripped = false;
    for input in inputs_mut(case) {
        if let Some(text) = input.as_str().and_then(strip_input) {
            *input = Value::String(text);
            stripped = true;
        }
    }
    stripped
}

/// Whether a case's tokens carry randomized signatures.
pub fn is_randomized(case: &Value) -> bool {
    strip(&mut case.clone())
}

/// Whether two case file texts are the same case: byte-equal, or equal
/// once randomized signatures are stripped from both.
pub fn same_case(left: &str, right: &str) -> bool {
    if left == right {
        return true;
    }
    let parse = |text: &str| serde_json::from_str::<Value>(text).ok();
    match (parse(left), parse(right)) {
        (Some(mut left), Some(mut right)) => {
            strip(&mut left);
            strip(&mut right);
            left == right
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issuer::{FixedKey, TestKey, TokenBuilder};
    use serde_json::json;

    fn token(fixed: FixedKey) -> String {
        let key = TestKey::fixed(fixed).unwrap();
        TokenBuilder::for_key(&key).sign(&key).unwrap()
    }

    fn case_with(steps: Value) -> String {
        json!({ "format": 1, "steps": steps }).to_string()
    }

    #[test]
    fn ecdsa_signatures_are_ignored_everything_else_is_compared() {
        let first = token(FixedKey::P256);
        let second = token(FixedKey::P256);
        assert_ne!(first, second);
        let left = case_with(
            json!([{ "verify": first }, { "verify_header": format!("Bearer  {first}") }]),
        );
        let right = case_with(
            json!([{ "verify": second }, { "verify_header": format!("Bearer  {second}") }]),
        );
        assert!(same_case(&left, &right));
        let other_prefix = case_with(
            json!([{ "verify": second }, { "verify_header": format!("bearer  {second}") }]),
        );
        assert!(!same_case(&left, &other_prefix));
    }

    #[test]
    fn deterministic_signatures_must_match() {
        let rsa = token(FixedKey::Rsa2048A);
        let tampered = crate::issuer::tamper::tamper_signature(&rsa).unwrap();
        assert!(!same_case(
            &case_with(json!([{ "verify": rsa }])),
            &case_with(json!([{ "verify": tampered }]))
        ));
        assert!(!is_randomized(&json!({ "steps": [{ "verify": rsa }] })));
        assert!(is_randomized(
            &json!({ "steps": [{ "verify": token(FixedKey::Rsa2048A).replace("eyJhbGciOiJSUzI1NiIs", "eyJhbGciOiJQUzI1NiIs") }] })
        ));
    }
}
