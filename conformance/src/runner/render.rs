//! Expectations and results written in the case's own JSON form, so a
//! failure reads `expected {"error":"token_expired","status":401}, actual
//! {"ok":true,"claims":{...}}`.

use serde_json::{Map, Value};

use super::{Rejection, Verified};
use crate::case::{ErrorExpect, KeysExpect, VerifyExpect};

/// A `verify` step's `expect`.
pub(super) fn verify_expect(expect: &VerifyExpect) -> String {
    match expect {
        VerifyExpect::Ok { claims } => ok_claims(claims),
        VerifyExpect::Error(error) => error_expect(error),
    }
}

/// A verification's result.
pub(super) fn verified(result: &Verified) -> String {
    match result {
        Ok(claims) => ok_claims(claims),
        Err(rejection) => self::rejection(rejection),
    }
}

/// A `signing_keys` step's `expect`.
pub(super) fn keys_expect(expect: &KeysExpect) -> String {
    match expect {
        KeysExpect::Kids(kids) => self::kids(kids),
        KeysExpect::Error(error) => error_expect(error),
    }
}

/// A `signing_keys` result.
pub(super) fn keys(result: &Result<Vec<Option<String>>, Rejection>) -> String {
    match result {
        Ok(kids) => self::kids(kids),
        Err(rejection) => self::rejection(rejection),
    }
}

/// Request counts as an `assert_fetches` object, in the order given.
pub(super) fn fetches(counts: &[(String, u64)]) -> String {
    let members: Vec<String> = counts
        .iter()
        .map(|(url, count)| format!("{}:{count}", Value::from(url.as_str())))
        .collect();
    format!("{{{}}}", members.join(","))
}

fn ok_claims(claims: &Map<String, Value>) -> String {
    format!(
        r#"{{"ok":true,"claims":{}}}"#,
        Value::Object(claims.clone())
    )
}

fn error_expect(error: &ErrorExpect) -> String {
    let challenge = match &error.www_authenticate {
        None => String::new(),
        Some(challenge) => format!(r#","www_authenticate":{}"#, optional_string(challenge)),
    };
    format!(
        r#"{{"error":{},"status":{}{challenge}}}"#,
        Value::from(error.code.as_str()),
        error.status
    )
}

fn rejection(rejection: &Rejection) -> String {
    format!(
        r#"{{"error":{},"status":{},"www_authenticate":{}}}"#,
        Value::from(rejection.code.as_str()),
        rejection.status,
        optional_string(&rejection.www_authenticate)
    )
}

/// Key ids sorted (their order does not matter), `null` for none.
fn kids(kids: &[Option<String>]) -> String {
    let mut sorted = kids.to_vec();
    sorted.sort();
    let items: Vec<String> = sorted.iter().map(optional_string).collect();
    format!(r#"{{"kids":[{}]}}"#, items.join(","))
}

fn optional_string(value: &Option<String>) -> String {
    match value {
        Some(text) => Value::from(text.as_str()).to_string(),
        None => "null".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_in_the_case_form() {
        let error = ErrorExpect {
            code: "missing_token".into(),
            status: 401,
            www_authenticate: Some(Some("Bearer".into())),
        };
        assert_eq!(
            verify_expect(&VerifyExpect::Error(error)),
            r#"{"error":"missing_token","status":401,"www_authenticate":"Bearer"}"#
        );
        let rejection = Rejection {
            code: "jwks_fetch_failed".into(),
            status: 503,
            www_authenticate: None,
        };
        assert_eq!(
            keys(&Err(rejection)),
            r#"{"error":"jwks_fetch_failed","status":503,"www_authenticate":null}"#
        );
        assert_eq!(
            keys(&Ok(vec![Some("b".into()), None, Some("a".into())])),
            r#"{"kids":[null,"a","b"]}"#
        );
        assert_eq!(
            fetches(&[("https://a.test/\"x".into(), 2)]),
            r#"{"https://a.test/\"x":2}"#
        );
    }
}
