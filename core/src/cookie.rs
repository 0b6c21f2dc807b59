//! One cookie of a request's `Cookie` header fields (RFC 6265 section 4.2):
//! found by name, without allocating, whatever the other cookies hold.

use crate::error::AuthError;

/// How many cookie pairs named `name` the `Cookie` field values hold, and
/// the value of the first: `cookie-string = cookie-pair *( ";" SP
/// cookie-pair )`, `cookie-pair = cookie-name "=" cookie-value`.
///
/// Read as servers read it: pairs are split at `;`, spaces and tabs around
/// a pair, its name and its value are dropped, a pair without `=` is not a
/// pair (RFC 6265 section 5.2 ignores it), and names compare exactly (they
/// are case-sensitive). Several `Cookie` fields (HTTP/2 may split one) are
/// one cookie string. Only the pairs named `name` are judged: a malformed
/// cookie of another application never refuses a request.
fn named<'h>(fields: impl Iterator<Item = &'h [u8]>, name: &str) -> (usize, Option<&'h [u8]>) {
    let mut count = 0;
    let mut first = None;
    for pair in fields.flat_map(|field| field.split(|&byte| byte == b';')) {
        let Some(equals) = pair.iter().position(|&byte| byte == b'=') else {
            continue;
        };
        let (pair_name, value) = (trim(&pair[..equals]), trim(&pair[equals + 1..]));
        if pair_name == name.as_bytes() {
            count += 1;
            first = first.or(Some(value));
        }
    }
    (count, first)
}

/// The value of the cookie `name` in the `Cookie` field values `fields`:
/// `Ok(None)` when no pair has that name; `invalid_request` when two pairs
/// have it (which one was meant cannot be told), or its value holds a byte
/// that is not a `cookie-octet` (quotes around the value are allowed and
/// dropped).
pub(crate) fn value<'h>(
    fields: impl Iterator<Item = &'h [u8]>,
    name: &str,
) -> Result<Option<&'h str>, AuthError> {
    let (count, first) = named(fields, name);
    let Some(value) = first else {
        return Ok(None);
    };
    if count > 1 {
        return Err(AuthError::InvalidRequest);
    }
    let unquoted = match value {
        [b'"', inner @ .., b'"'] => inner,
        other => other,
    };
    if !unquoted.iter().all(|&byte| is_cookie_octet(byte)) {
        return Err(AuthError::InvalidRequest);
    }
    // Every cookie-octet is ASCII.
    std::str::from_utf8(unquoted)
        .map(Some)
        .map_err(|_| AuthError::InvalidRequest)
}

/// `bytes` without spaces and tabs at either end.
fn trim(bytes: &[u8]) -> &[u8] {
    let is_space = |byte: &u8| *byte == b' ' || *byte == b'\t';
    let start = bytes
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |end| end + 1);
    &bytes[start..end]
}

/// `cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E`: visible
/// ASCII but `"`, `,`, `;` and `\`.
fn is_cookie_octet(byte: u8) -> bool {
    matches!(byte, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// Whether `name` is a valid cookie name: an RFC 9110 `token` (RFC 6265
/// section 4.1.1).
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn find<'a>(fields: &[&'a str], name: &str) -> Result<Option<&'a str>, AuthError> {
        value(fields.iter().map(|field| field.as_bytes()), name)
    }

    #[test]
    fn finds_the_named_pair_among_others() {
        assert_eq!(
            find(&["a=1; CF_Authorization=t.k.n; b=2"], "CF_Authorization"),
            Ok(Some("t.k.n"))
        );
        assert_eq!(
            find(&["CF_Authorization=x"], "CF_Authorization"),
            Ok(Some("x"))
        );
        assert_eq!(
            find(&["a=1", "b=2;CF_Authorization=y"], "CF_Authorization"),
            Ok(Some("y"))
        );
        assert_eq!(find(&[" \tc = v \t"], "c"), Ok(Some("v")));
        assert_eq!(find(&["c=\"v\""], "c"), Ok(Some("v")));
        assert_eq!(find(&["c="], "c"), Ok(Some("")));
        assert_eq!(find(&["c=a=b"], "c"), Ok(Some("a=b")));
    }

    #[test]
    fn names_are_exact_and_pairs_need_an_equals_sign() {
        assert_eq!(
            find(
                &["cf_authorization=x; CF_Authorizationx=y"],
                "CF_Authorization"
            ),
            Ok(None)
        );
        assert_eq!(
            find(&["CF_Authorization; other=1"], "CF_Authorization"),
            Ok(None)
        );
        assert_eq!(find(&[], "c"), Ok(None));
        assert_eq!(find(&[""], "c"), Ok(None));
        assert_eq!(find(&[";;; ;"], "c"), Ok(None));
    }

    #[test]
    fn the_named_cookie_twice_is_invalid_even_across_fields() {
        assert_eq!(find(&["c=1; c=1"], "c"), Err(AuthError::InvalidRequest));
        assert_eq!(find(&["c=1", "c=2"], "c"), Err(AuthError::InvalidRequest));
    }

    #[test]
    fn only_the_named_value_is_judged() {
        for bad in [
            "c=a b", "c=a,b", "c=a\\b", "c=\"a", "c=a\"", "c=\u{e9}", "c=\"\"\"",
        ] {
            assert_eq!(find(&[bad], "c"), Err(AuthError::InvalidRequest), "{bad:?}");
        }
        assert_eq!(find(&["junk=a b \\ \u{e9}; c=ok"], "c"), Ok(Some("ok")));
        assert_eq!(find(&["c=\"\""], "c"), Ok(Some("")));
    }

    #[test]
    fn cookie_names_are_tokens() {
        assert!(is_valid_name("CF_Authorization") && is_valid_name("__Host-t"));
        for bad in ["", "a b", "a=b", "a;b", "a\"", "\u{e9}"] {
            assert!(!is_valid_name(bad), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_fields_never_panic(fields in proptest::collection::vec(any::<Vec<u8>>(), 0..4), name in "[a-zA-Z_]{1,4}") {
            let found = value(fields.iter().map(Vec::as_slice), &name);
            if let Ok(Some(value)) = found {
                prop_assert!(value.bytes().all(is_cookie_octet));
            }
        }
    }
}
