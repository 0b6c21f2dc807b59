//! Case files as text: pretty JSON with the members of an object in a reading
//! order (`format`, `name`, `description`, `config`, `steps`; a step's `at`
//! before its action and `expect`; configuration keys in the order of the
//! configuration table of docs/case-format.md), so that files diff well and
//! read top-down.

use serde_json::Value;

/// Member names in the order they are written; names not listed follow,
/// in byte order.
const MEMBER_ORDER: &[&str] = &[
    // case
    "format",
    "name",
    "description",
    "config_error",
    "config",
    "steps",
    // configuration, the order of the configuration table of
    // docs/case-format.md
    "issuer",
    "audience",
    "jwks_url",
    "discovery_url",
    "allowed_algs",
    "leeway_s",
    "required_scopes",
    "required_permissions",
    "scope_claim",
    "permissions_claim",
    "require_kid",
    "expected_typ",
    "max_token_bytes",
    "cache_ttl_s",
    "refresh_cooldown_s",
    "stale_if_error_s",
    "refresh_ahead_s",
    "allow_insecure_http",
    "fetch_attempts",
    "http_timeout_s",
    // steps and expectations
    "at",
    "serve",
    "verify",
    "verify_header",
    "healthcheck",
    "signing_keys",
    "assert_fetches",
    "expect",
    "url",
    "ok",
    "error",
    "status",
    "www_authenticate",
    "headers",
    "fail",
    "json",
    "body",
    "body_repeat",
    "text",
    "times",
    "claims",
    "kids",
    "refresh",
    // documents: JWK members, discovery
    "kty",
    "crv",
    "n",
    "e",
    "x",
    "y",
    "d",
    "kid",
    "use",
    "key_ops",
    "keys",
    "jwks_uri",
];

/// The position `name` is written at among its siblings.
fn rank(name: &str) -> (usize, &str) {
    let position = MEMBER_ORDER
        .iter()
        .position(|known| *known == name)
        .unwrap_or(MEMBER_ORDER.len());
    (position, name)
}

/// The text of a case file: pretty JSON, two-space indent, arrays of
/// scalars on one line, a final newline.
pub(crate) fn case_text(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out.push('\n');
    out
}

fn write_value(out: &mut String, value: &Value, depth: usize) {
    match value {
        Value::Object(members) if !members.is_empty() => {
            let mut ordered: Vec<(&String, &Value)> = members.iter().collect();
            ordered.sort_by(|left, right| rank(left.0).cmp(&rank(right.0)));
            out.push('{');
            for (index, (name, member)) in ordered.into_iter().enumerate() {
                separator(out, index, depth + 1);
                out.push_str(&Value::String(name.clone()).to_string());
                out.push_str(": ");
                write_value(out, member, depth + 1);
            }
            newline(out, depth);
            out.push('}');
        }
        Value::Array(items) if items.iter().any(is_container) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                separator(out, index, depth + 1);
                write_value(out, item, depth + 1);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Array(items) => {
            let scalars: Vec<String> = items.iter().map(Value::to_string).collect();
            out.push('[');
            out.push_str(&scalars.join(", "));
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn is_container(value: &Value) -> bool {
    matches!(value, Value::Object(_) | Value::Array(_))
}

fn separator(out: &mut String, index: usize, depth: usize) {
    if index > 0 {
        out.push(',');
    }
    newline(out, depth);
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    out.push_str(&"  ".repeat(depth));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_follow_the_reading_order() {
        let text = case_text(&json!({
            "steps": [], "name": "a/b", "format": 1, "zz": 0, "description": "d",
            "config": {"jwks_url": "u", "issuer": "i", "audience": "a"}
        }));
        let expected = "{\n  \"format\": 1,\n  \"name\": \"a/b\",\n  \"description\": \"d\",\n  \
                        \"config\": {\n    \"issuer\": \"i\",\n    \"audience\": \"a\",\n    \
                        \"jwks_url\": \"u\"\n  },\n  \"steps\": [],\n  \"zz\": 0\n}\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn text_parses_back_to_the_same_value() {
        let value = json!({
            "a": [1, "two", null, 2.5],
            "b": [{"c": {}}, []],
            "s": "tab\there \"quoted\" \u{1}",
            "e": {}
        });
        let text = case_text(&value);
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
        assert!(text.contains("\"a\": [1, \"two\", null, 2.5]"));
    }
}
