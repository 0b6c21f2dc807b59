//! Where a configured claim lives: a top-level claim by name, or a nested
//! member by RFC 6901 JSON Pointer when the configured text starts with `/`
//! (`scope_claim`, `permissions_claim`, `required_claims`).

use serde_json::Value;

/// A configured claim: `scope`, or `/realm_access/roles`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClaimPath {
    /// A top-level claim, by its exact name.
    Name(String),
    /// A JSON Pointer's reference tokens, unescaped (`~1` is `/`, `~0` is `~`).
    Pointer(Vec<String>),
}

/// A configured pointer that is not RFC 6901 JSON Pointer syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidPointer;

impl ClaimPath {
    /// Reads a configured claim: a pointer when it starts with `/`, else a
    /// name. In a pointer every `~` must be followed by `0` or `1`.
    pub(crate) fn parse(text: &str) -> Result<ClaimPath, InvalidPointer> {
        let Some(pointer) = text.strip_prefix('/') else {
            return Ok(ClaimPath::Name(text.to_owned()));
        };
        pointer
            .split('/')
            .map(unescape)
            .collect::<Result<_, _>>()
            .map(ClaimPath::Pointer)
    }

    /// The value at this path in a token's payload, given `claim`, which
    /// looks a top-level claim up by name.
    pub(crate) fn find_in<'v>(
        &self,
        claim: impl FnOnce(&str) -> Option<&'v Value>,
    ) -> Option<&'v Value> {
        match self {
            ClaimPath::Name(name) => claim(name),
            ClaimPath::Pointer(tokens) => {
                let (first, rest) = tokens.split_first()?;
                walk(claim(first)?, rest)
            }
        }
    }

    /// The value at this path, given `claim`, which looks a top-level claim
    /// up by name.
    pub(crate) fn find(&self, claim: impl FnOnce(&str) -> Option<Value>) -> Option<Value> {
        match self {
            ClaimPath::Name(name) => claim(name),
            ClaimPath::Pointer(tokens) => {
                let (first, rest) = tokens.split_first()?;
                walk(&claim(first)?, rest).cloned()
            }
        }
    }
}

/// The value `tokens` lead to from `value`.
fn walk<'v>(value: &'v Value, tokens: &[String]) -> Option<&'v Value> {
    tokens
        .iter()
        .try_fold(value, |value, token| child(value, token))
}

/// One reference token with `~1` and `~0` decoded (RFC 6901 section 4:
/// `~1` first, so `~01` is `~1`).
fn unescape(token: &str) -> Result<String, InvalidPointer> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c != '~' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => out.push('~'),
            Some('1') => out.push('/'),
            _ => return Err(InvalidPointer),
        }
    }
    Ok(out)
}

/// The member `token` of an object, or the element at index `token` of an
/// array (decimal digits, no leading zero: RFC 6901 section 4).
fn child<'v>(value: &'v Value, token: &str) -> Option<&'v Value> {
    match value {
        Value::Object(members) => members.get(token),
        Value::Array(items) => {
            let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
            if !digits || (token.len() > 1 && token.starts_with('0')) {
                return None;
            }
            items.get(token.parse::<usize>().ok()?)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Both lookups, which must agree.
    fn find(path: &str, payload: &Value) -> Option<Value> {
        let path = ClaimPath::parse(path).unwrap();
        let object = payload.as_object().unwrap();
        let borrowed = path.find_in(|name| object.get(name)).cloned();
        let owned = path.find(|name| payload.get(name).cloned());
        assert_eq!(borrowed, owned);
        owned
    }

    #[test]
    fn a_name_is_a_top_level_claim_even_with_slashes_inside() {
        let payload = json!({"scope": "a b", "a/b": 1, "": 2});
        assert_eq!(find("scope", &payload), Some(json!("a b")));
        assert_eq!(find("a/b", &payload), Some(json!(1)));
        assert_eq!(find("", &payload), Some(json!(2)));
        assert_eq!(find("absent", &payload), None);
    }

    #[test]
    fn a_pointer_walks_objects_and_arrays() {
        let payload = json!({
            "realm_access": {"roles": ["admin", "user"]},
            "resource_access": {"orders-api": {"roles": ["read"]}},
            "list": [{"x": 1}, {"x": 2}],
        });
        assert_eq!(
            find("/realm_access/roles", &payload),
            Some(json!(["admin", "user"]))
        );
        assert_eq!(
            find("/resource_access/orders-api/roles", &payload),
            Some(json!(["read"]))
        );
        assert_eq!(find("/list/1/x", &payload), Some(json!(2)));
        assert_eq!(find("/list", &payload), Some(payload["list"].clone()));
        for absent in [
            "/realm_access/groups",
            "/list/2",
            "/list/01",
            "/list/-",
            "/list/+1",
            "/list/1x",
            "/realm_access/roles/0/deeper",
            "/absent/roles",
        ] {
            assert_eq!(find(absent, &payload), None, "{absent}");
        }
    }

    #[test]
    fn escapes_decode_tilde_one_before_tilde_zero() {
        let payload = json!({"a/b": {"m~n": 1, "~1": 2}, "": {"": 3}});
        assert_eq!(find("/a~1b/m~0n", &payload), Some(json!(1)));
        assert_eq!(find("/a~1b/~01", &payload), Some(json!(2)));
        assert_eq!(find("//", &payload), Some(json!(3)));
        assert_eq!(find("/", &payload), Some(json!({"": 3})));
    }

    #[test]
    fn a_tilde_not_followed_by_zero_or_one_is_invalid() {
        for bad in ["/a~", "/a~2", "/~x/b", "/ok/~"] {
            assert_eq!(ClaimPath::parse(bad), Err(InvalidPointer), "{bad}");
        }
        assert_eq!(ClaimPath::parse("a~2"), Ok(ClaimPath::Name("a~2".into())));
    }
}
