//! The `Authorization: Bearer <token>` header (RFC 6750 section 2.1).

use crate::error::AuthError;

/// The authentication scheme, matched ignoring ASCII case.
const SCHEME: &str = "Bearer";

/// Extracts the token from an `Authorization` header value (RFC 6750
/// section 2.1), exactly as docs/rules.md, rows `missing_token` and
/// `invalid_request` say.
///
/// The value must be `Bearer` (any ASCII case), one or more spaces (0x20
/// only), then one RFC 6750 `b64token`: `1*( ALPHA / DIGIT / "-" / "." /
/// "_" / "~" / "+" / "/" ) *"="`, with nothing before or after it.
///
/// # Errors
///
/// - [`AuthError::MissingToken`] when there is no header, it is empty or
///   whitespace-only, or it is `Bearer` with nothing (or only spaces) after it.
/// - [`AuthError::InvalidRequest`] for anything else that is not exactly
///   `Bearer <token>`: another scheme, a tab or no separator, whitespace
///   before the scheme or after the token, two tokens, or characters
///   outside `b64token`.
///
/// ```
/// use oidc_jwt_verifier_core::{token_from_authorization, AuthError};
///
/// assert_eq!(token_from_authorization(Some("bearer  abc.def.ghi")), Ok("abc.def.ghi"));
/// assert_eq!(token_from_authorization(None), Err(AuthError::MissingToken));
/// assert_eq!(token_from_authorization(Some("Basic abc")), Err(AuthError::InvalidRequest));
/// ```
pub fn token_from_authorization(value: Option<&str>) -> Result<&str, AuthError> {
    credentials(value, SCHEME)
}

/// The token of an `Authorization` value of `scheme` (`Bearer`, or RFC
/// 9449's `DPoP`, whose `token68` is RFC 6750's `b64token`), by the rules
/// of [`token_from_authorization`].
pub(crate) fn credentials<'v>(value: Option<&'v str>, scheme: &str) -> Result<&'v str, AuthError> {
    let value = value.unwrap_or_default();
    if value.chars().all(char::is_whitespace) {
        return Err(AuthError::MissingToken);
    }
    let after_scheme = value
        .get(..scheme.len())
        .filter(|name| name.eq_ignore_ascii_case(scheme))
        .and_then(|_| value.get(scheme.len()..))
        .ok_or(AuthError::InvalidRequest)?;
    let token = after_scheme.trim_start_matches(' ');
    if token.is_empty() {
        return Err(AuthError::MissingToken);
    }
    if token.len() == after_scheme.len() || !is_b64token(token) {
        return Err(AuthError::InvalidRequest);
    }
    Ok(token)
}

/// Whether `token` matches `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+"
/// / "/" ) *"="` (RFC 6750 section 2.1).
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn extract(value: &str) -> Result<&str, AuthError> {
        token_from_authorization(Some(value))
    }

    #[test]
    fn no_empty_or_blank_header_is_missing() {
        assert_eq!(token_from_authorization(None), Err(AuthError::MissingToken));
        for blank in ["", " ", "   ", "\t", "\r\n"] {
            assert_eq!(extract(blank), Err(AuthError::MissingToken), "{blank:?}");
        }
    }

    #[test]
    fn bearer_with_nothing_after_it_is_missing() {
        for value in ["Bearer", "bearer", "BEARER  ", "Bearer "] {
            assert_eq!(extract(value), Err(AuthError::MissingToken), "{value:?}");
        }
    }

    #[test]
    fn scheme_is_case_insensitive_and_spaces_may_repeat() {
        assert_eq!(extract("Bearer abc.def.ghi"), Ok("abc.def.ghi"));
        assert_eq!(extract("bEaReR abc"), Ok("abc"));
        assert_eq!(extract("BEARER    abc"), Ok("abc"));
    }

    #[test]
    fn every_b64token_character_is_accepted() {
        let all = "ABCXYZabcxyz0189-._~+/==";
        assert_eq!(extract(&format!("Bearer {all}")), Ok(all));
        assert_eq!(extract("Bearer a="), Ok("a="));
    }

    #[test]
    fn anything_but_bearer_and_one_token_is_invalid() {
        for value in [
            "Basic dXNlcjpwYXNz",
            "Bearerabc",
            "Bearer\tabc",
            "Bearer \tabc",
            " Bearer abc",
            "\tBearer abc",
            "Bearer abc ",
            "Bearer abc\t",
            "Bearer abc\r\n",
            "Bearer abc def",
            "Bearer abc,def",
            "Bearer a=b",
            "Bearer =",
            "Bearer ===",
            "Bearer abc!",
            "Bearer \"abc\"",
            "Bearer ab\u{e9}",
            "Bea",
            "B\u{e9}arer abc",
            "Token abc",
            "Bearer\u{a0}abc",
        ] {
            assert_eq!(extract(value), Err(AuthError::InvalidRequest), "{value:?}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_values_never_panic(value in any::<String>()) {
            match extract(&value) {
                Ok(token) => prop_assert!(is_b64token(token) && value.ends_with(token)),
                Err(error) => prop_assert!(
                    matches!(error, AuthError::MissingToken | AuthError::InvalidRequest),
                    "{}", error.code()
                ),
            }
        }

        #[test]
        fn arbitrary_bearer_values_never_panic(value in "[Bb][Ee][Aa][Rr][Ee][Rr][ \t]{0,3}[A-Za-z0-9=~+/ \t.,!-]{0,12}") {
            match extract(&value) {
                Ok(token) => prop_assert!(is_b64token(token) && value.ends_with(token)),
                Err(error) => prop_assert!(
                    matches!(error, AuthError::MissingToken | AuthError::InvalidRequest),
                    "{}", error.code()
                ),
            }
        }
    }
}
