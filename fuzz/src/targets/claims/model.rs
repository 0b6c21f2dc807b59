//! The claims rules, modelled from the rules alone (`docs/rules.md`,
//! "Errors": `missing_claim` to `insufficient_permissions`, the order of
//! the table, the first-name rule and the 403 challenge).
//!
//! Times are compared as doubles. The generator only makes values whose
//! sums with the leeway are exact in a double, or so far from the clock
//! that rounding cannot matter, so this is the arithmetic of the rules.

use serde_json::{Map, Value};

use crate::rules::{Code, Refusal, Verdict};

/// The configuration the claims rules read.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimsConfig {
    /// `issuer`.
    pub issuer: String,
    /// `audience`, as a list.
    pub audiences: Vec<String>,
    /// `leeway_s`.
    pub leeway: f64,
    /// `required_scopes`, in configuration order.
    pub required_scopes: Vec<String>,
    /// `required_permissions`, in configuration order.
    pub required_permissions: Vec<String>,
    /// `scope_claim`.
    pub scope_claim: String,
    /// `permissions_claim`.
    pub permissions_claim: String,
}

/// The verdict on the claims of a token whose signature verified, at
/// `now` Unix seconds.
pub fn verdict(config: &ClaimsConfig, claims: &Map<String, Value>, now: f64) -> Verdict {
    match refusal(config, claims, now) {
        Some(refusal) => Verdict::Refuse(refusal),
        None => Verdict::Accept(claims.clone()),
    }
}

fn refusal(config: &ClaimsConfig, claims: &Map<String, Value>, now: f64) -> Option<Refusal> {
    for name in ["exp", "iss", "aud"] {
        if !claims.contains_key(name) {
            return Some(Refusal::about_claim(Code::MissingClaim, name));
        }
    }
    if let Some(name) = first_invalid(claims) {
        return Some(Refusal::about_claim(Code::InvalidClaim, name));
    }
    let number = |name: &str| claims.get(name).and_then(Value::as_f64);
    if number("exp").is_some_and(|exp| now >= exp + config.leeway) {
        return Some(Refusal::new(Code::TokenExpired));
    }
    if number("nbf").is_some_and(|nbf| now < nbf - config.leeway) {
        return Some(Refusal::new(Code::TokenNotYetValid));
    }
    if claims.get("iss").and_then(Value::as_str) != Some(config.issuer.as_str()) {
        return Some(Refusal::new(Code::InvalidIssuer));
    }
    if !audience_matches(&config.audiences, &claims["aud"]) {
        return Some(Refusal::new(Code::InvalidAudience));
    }
    let scopes = granted(claims.get(&config.scope_claim));
    if config
        .required_scopes
        .iter()
        .any(|scope| !scopes.contains(&scope.as_str()))
    {
        return Some(Refusal::required(
            Code::InsufficientScope,
            &config.required_scopes,
        ));
    }
    let permissions = granted(claims.get(&config.permissions_claim));
    if config
        .required_permissions
        .iter()
        .any(|permission| !permissions.contains(&permission.as_str()))
    {
        return Some(Refusal::required(
            Code::InsufficientPermissions,
            &config.required_permissions,
        ));
    }
    None
}

/// The first of `exp`, `nbf`, `iat`, `iss`, `aud` present with a type the
/// rules refuse.
fn first_invalid(claims: &Map<String, Value>) -> Option<&'static str> {
    let wrong = |name: &str, fits: fn(&Value) -> bool| claims.get(name).is_some_and(|v| !fits(v));
    let is_audience = |value: &Value| match value {
        Value::String(_) => true,
        Value::Array(items) => items.iter().all(Value::is_string),
        _ => false,
    };
    [
        ("exp", Value::is_number as fn(&Value) -> bool),
        ("nbf", Value::is_number),
        ("iat", Value::is_number),
        ("iss", Value::is_string),
        ("aud", is_audience),
    ]
    .into_iter()
    .find(|(name, fits)| wrong(name, *fits))
    .map(|(name, _)| name)
}

fn audience_matches(configured: &[String], aud: &Value) -> bool {
    let matches = |value: &Value| {
        value
            .as_str()
            .is_some_and(|aud| configured.iter().any(|c| c == aud))
    };
    match aud {
        Value::Array(items) => items.iter().any(matches),
        other => matches(other),
    }
}

/// What a scope or permissions claim grants: the space-separated words of
/// a string, or the elements of an array of strings. Anything else (an
/// array holding a non-string, another type, nothing) grants nothing: the
/// safer reading of "a string or an array of strings".
fn granted(claim: Option<&Value>) -> Vec<&str> {
    match claim {
        Some(Value::String(words)) => words.split(' ').filter(|word| !word.is_empty()).collect(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> ClaimsConfig {
        ClaimsConfig {
            issuer: "https://i/".into(),
            audiences: vec!["a".into(), "b".into()],
            leeway: 10.0,
            required_scopes: vec!["read".into(), "write".into()],
            required_permissions: Vec::new(),
            scope_claim: "scope".into(),
            permissions_claim: "permissions".into(),
        }
    }

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn code(value: Value, now: f64) -> String {
        match verdict(&config(), &claims(value), now) {
            Verdict::Accept(_) => "ok".into(),
            Verdict::Refuse(refusal) => refusal.message(),
        }
    }

    #[test]
    fn missing_comes_before_invalid_and_names_the_first() {
        assert_eq!(
            code(json!({"exp": "x"}), 0.0),
            "Missing required claim: iss"
        );
        assert_eq!(
            code(json!({"exp": "x", "iss": 1, "aud": "a"}), 0.0),
            "Invalid claim: exp"
        );
        assert_eq!(
            code(json!({"exp": 1, "iat": null, "iss": 1, "aud": "a"}), 0.0),
            "Invalid claim: iat"
        );
        assert_eq!(
            code(json!({"exp": 1, "iss": "https://i/", "aud": ["a", 1]}), 0.0),
            "Invalid claim: aud"
        );
    }

    #[test]
    fn leeway_boundaries() {
        let at = |exp: f64, now: f64| {
            code(
                json!({"exp": exp, "iss": "https://i/", "aud": "b", "scope": "write read"}),
                now,
            )
        };
        assert_eq!(at(100.0, 109.5), "ok");
        assert_eq!(at(100.0, 110.0), "Token is expired");
        let nbf = |nbf: f64, now: f64| {
            code(
                json!({"exp": 1e300, "nbf": nbf, "iss": "https://i/", "aud": ["x", "a"], "scope": ["read", "write"]}),
                now,
            )
        };
        assert_eq!(nbf(100.0, 90.0), "ok");
        assert_eq!(nbf(100.0, 89.5), "Token is not valid yet");
    }

    #[test]
    fn scopes_grant_only_as_a_string_or_an_array_of_strings() {
        let scope = |scope: Value| {
            code(
                json!({"exp": 1e300, "iss": "https://i/", "aud": "a", "scope": scope}),
                0.0,
            )
        };
        assert_eq!(scope(json!("  read  write ")), "ok");
        assert_eq!(scope(json!(["read", "write", 3])), "Insufficient scope");
        assert_eq!(scope(json!(["read write"])), "Insufficient scope");
        assert_eq!(scope(json!(7)), "Insufficient scope");
    }
}
