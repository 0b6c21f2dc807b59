//! Where a request carries its token: the configured [`TokenSource`]s, in
//! order, read from the request's header fields (`docs/rules.md`, "Token
//! sources").

use http::header::{AUTHORIZATION, COOKIE};
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::bearer::token_from_authorization;
use crate::config::ConfigError;
use crate::cookie;
use crate::error::AuthError;

/// The configuration key the sources are read from.
const FIELD: &str = "token_sources";

/// One place a request may carry its access token (`token_sources`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TokenSource {
    /// `Authorization: Bearer <token>` (RFC 6750 section 2.1): the default.
    AuthorizationBearer,
    /// A header field holding the bare token, e.g. Cloudflare Access's
    /// `Cf-Access-Jwt-Assertion` (any case: header names ignore it).
    Header(String),
    /// A cookie holding the bare token, e.g. `CF_Authorization` (exact case:
    /// cookie names keep it).
    Cookie(String),
}

impl TokenSource {
    /// A named header source.
    pub fn header(name: impl Into<String>) -> Self {
        TokenSource::Header(name.into())
    }

    /// A cookie source.
    pub fn cookie(name: impl Into<String>) -> Self {
        TokenSource::Cookie(name.into())
    }
}

/// A [`TokenSource`] checked when the verifier is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    Authorization,
    Header(HeaderName),
    Cookie(String),
}

/// The configured sources, checked: at least one, none twice, header names
/// valid and neither `Authorization` nor `Cookie` (which have sources of
/// their own), cookie names RFC 6265 tokens.
pub(crate) fn checked_sources(sources: &[TokenSource]) -> Result<Vec<Source>, ConfigError> {
    if sources.is_empty() {
        return Err(ConfigError::new(FIELD, "must name at least one source"));
    }
    let mut checked = Vec::with_capacity(sources.len());
    for source in sources {
        let source = checked_source(source)?;
        if checked.contains(&source) {
            return Err(ConfigError::new(FIELD, "names the same source twice"));
        }
        checked.push(source);
    }
    Ok(checked)
}

fn checked_source(source: &TokenSource) -> Result<Source, ConfigError> {
    match source {
        TokenSource::AuthorizationBearer => Ok(Source::Authorization),
        TokenSource::Header(name) => {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                ConfigError::new(FIELD, "a header source needs a valid header name")
            })?;
            if name == AUTHORIZATION || name == COOKIE {
                return Err(ConfigError::new(
                    FIELD,
                    "a header source may not name Authorization or Cookie (use authorization_bearer or a cookie source)",
                ));
            }
            Ok(Source::Header(name))
        }
        TokenSource::Cookie(name) if cookie::is_valid_name(name) => {
            Ok(Source::Cookie(name.clone()))
        }
        TokenSource::Cookie(_) => Err(ConfigError::new(
            FIELD,
            "a cookie source needs a valid cookie name (an RFC 9110 token)",
        )),
    }
}

/// The token of a request: the first of `sources`, in order, that is
/// present decides, and an error in it is never a reason to look further.
///
/// - `Authorization` present: [`token_from_authorization`] of its value
///   (`invalid_request` when it is not `Bearer <token>`, `missing_token`
///   when blank);
/// - a named header present: its value, the bare token;
/// - a cookie present: its value (see the `cookie` module).
///
/// A header source whose field appears twice, a cookie named twice, or a
/// value that is not text (bytes beyond visible ASCII) is `invalid_request`:
/// which token was meant cannot be told. No source present is
/// `missing_token`.
pub(crate) fn token_from_headers<'h>(
    sources: &[Source],
    headers: &'h HeaderMap,
) -> Result<&'h str, AuthError> {
    for source in sources {
        let found = match source {
            Source::Authorization => only_field(headers, &AUTHORIZATION)?
                .map(|value| token_from_authorization(Some(value))),
            Source::Header(name) => only_field(headers, name)?.map(Ok),
            Source::Cookie(name) => {
                let fields = headers.get_all(COOKIE).iter().map(HeaderValue::as_bytes);
                cookie::value(fields, name)?.map(Ok)
            }
        };
        if let Some(token) = found {
            return token;
        }
    }
    Err(AuthError::MissingToken)
}

/// The one field `name` as text: `None` when absent, `invalid_request` when
/// repeated or not visible ASCII.
pub(crate) fn only_field<'h>(
    headers: &'h HeaderMap,
    name: &HeaderName,
) -> Result<Option<&'h str>, AuthError> {
    let mut fields = headers.get_all(name).iter();
    let Some(first) = fields.next() else {
        return Ok(None);
    };
    if fields.next().is_some() {
        return Err(AuthError::InvalidRequest);
    }
    first
        .to_str()
        .map(Some)
        .map_err(|_| AuthError::InvalidRequest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(fields: &[(&str, &[u8])]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in fields {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(value).unwrap(),
            );
        }
        map
    }

    fn sources(list: &[TokenSource]) -> Vec<Source> {
        checked_sources(list).unwrap()
    }

    fn all_three() -> Vec<Source> {
        sources(&[
            TokenSource::AuthorizationBearer,
            TokenSource::header("Cf-Access-Jwt-Assertion"),
            TokenSource::cookie("CF_Authorization"),
        ])
    }

    fn token<'h>(sources: &[Source], map: &'h HeaderMap) -> Result<&'h str, AuthError> {
        token_from_headers(sources, map)
    }

    #[test]
    fn the_default_reads_authorization_bearer() {
        let only = sources(&[TokenSource::AuthorizationBearer]);
        let map = headers(&[("authorization", b"Bearer a.b.c")]);
        assert_eq!(token(&only, &map), Ok("a.b.c"));
        assert_eq!(
            token(&only, &HeaderMap::new()),
            Err(AuthError::MissingToken)
        );
        let cookie_only = headers(&[("cookie", b"CF_Authorization=a.b.c")]);
        assert_eq!(token(&only, &cookie_only), Err(AuthError::MissingToken));
    }

    #[test]
    fn the_first_source_present_decides() {
        let all = all_three();
        let map = headers(&[
            ("cookie", b"CF_Authorization=from.the.cookie"),
            ("cf-access-jwt-assertion", b"from.the.header"),
        ]);
        assert_eq!(token(&all, &map), Ok("from.the.header"));
        let cookie = headers(&[("cookie", b"x=1; CF_Authorization=from.the.cookie")]);
        assert_eq!(token(&all, &cookie), Ok("from.the.cookie"));
        let reversed = sources(&[
            TokenSource::cookie("CF_Authorization"),
            TokenSource::AuthorizationBearer,
        ]);
        let both = headers(&[
            ("authorization", b"Bearer a.a.a"),
            ("cookie", b"CF_Authorization=c.c.c"),
        ]);
        assert_eq!(token(&reversed, &both), Ok("c.c.c"));
    }

    #[test]
    fn a_bad_source_present_never_falls_through() {
        let all = all_three();
        for (value, error) in [
            (&b"Basic YWxhZGRpbg=="[..], AuthError::InvalidRequest),
            (b"Bearer", AuthError::MissingToken),
            (b"", AuthError::MissingToken),
            (b"Bearer a\xffb", AuthError::InvalidRequest),
        ] {
            let map = headers(&[
                ("authorization", value),
                ("cookie", b"CF_Authorization=good.to.go"),
            ]);
            assert_eq!(token(&all, &map), Err(error), "{value:?}");
        }
        let map = headers(&[("cookie", b"CF_Authorization=a b"), ("x", b"y")]);
        assert_eq!(token(&all, &map), Err(AuthError::InvalidRequest));
    }

    #[test]
    fn a_repeated_header_source_is_invalid() {
        let all = all_three();
        let twice = headers(&[
            ("authorization", b"Bearer a.b.c"),
            ("authorization", b"Bearer a.b.c"),
        ]);
        assert_eq!(token(&all, &twice), Err(AuthError::InvalidRequest));
        let twice = headers(&[
            ("cf-access-jwt-assertion", b"a.b.c"),
            ("Cf-Access-Jwt-Assertion", b"d.e.f"),
        ]);
        assert_eq!(token(&all, &twice), Err(AuthError::InvalidRequest));
        let twice = headers(&[
            ("cookie", b"CF_Authorization=a"),
            ("cookie", b"CF_Authorization=a"),
        ]);
        assert_eq!(token(&all, &twice), Err(AuthError::InvalidRequest));
    }

    #[test]
    fn a_named_header_holds_the_bare_token_taken_as_it_is() {
        let all = all_three();
        let map = headers(&[("cf-access-jwt-assertion", b"Bearer a.b.c")]);
        assert_eq!(token(&all, &map), Ok("Bearer a.b.c"));
        let map = headers(&[("cf-access-jwt-assertion", b"")]);
        assert_eq!(token(&all, &map), Ok(""));
        let map = headers(&[("cf-access-jwt-assertion", b"\xe9")]);
        assert_eq!(token(&all, &map), Err(AuthError::InvalidRequest));
    }

    #[test]
    fn sources_are_checked_when_built() {
        let refused = |list: &[TokenSource]| checked_sources(list).unwrap_err().field().to_owned();
        assert_eq!(refused(&[]), FIELD);
        assert_eq!(refused(&[TokenSource::header("bad name")]), FIELD);
        assert_eq!(refused(&[TokenSource::header("Authorization")]), FIELD);
        assert_eq!(refused(&[TokenSource::header("cookie")]), FIELD);
        assert_eq!(refused(&[TokenSource::cookie("a;b")]), FIELD);
        assert_eq!(refused(&[TokenSource::cookie("")]), FIELD);
        assert_eq!(
            refused(&[
                TokenSource::header("X-Token"),
                TokenSource::header("x-token")
            ]),
            FIELD
        );
        assert_eq!(
            refused(&[
                TokenSource::AuthorizationBearer,
                TokenSource::AuthorizationBearer
            ]),
            FIELD
        );
        // The same name as a header and as a cookie are two sources.
        assert!(checked_sources(&[TokenSource::header("t"), TokenSource::cookie("t")]).is_ok());
    }
}
