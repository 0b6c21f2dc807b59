//! The OpenID Connect discovery document: the strict issuer cross-check and
//! the `jwks_uri` it names (docs/rules.md, rule 1, row `issuer_mismatch`).

use serde_json::Value;

use crate::error::SourceProblem;
use crate::http::MAX_BODY_BYTES;
use crate::json;
use crate::url::HttpUrl;

/// Why a discovery document ends the refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The document names another issuer (this one, if a string).
    IssuerMismatch(Option<String>),
    /// The document is unusable (`jwks_error`).
    Unusable(SourceProblem),
}

/// Reads a discovery document and returns the JWK Set URL it names.
///
/// The `issuer` member must equal `issuer` exactly, or no key from this
/// document is ever trusted (`issuer_mismatch`); the `jwks_uri` must be an
/// `https` URL (plain `http` only when `allow_insecure_http`), or the refresh
/// ends with `jwks_error` and the URL is never requested.
pub(crate) fn jwks_uri(
    body: &[u8],
    issuer: &str,
    allow_insecure_http: bool,
) -> Result<String, Refusal> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Refusal::Unusable(SourceProblem::BodyTooLarge));
    }
    let document = json::parse_object(body, json::MAX_DEPTH)
        .map_err(|_| Refusal::Unusable(SourceProblem::NotJson))?;
    match document.get("issuer") {
        Some(Value::String(published)) if published == issuer => {}
        Some(Value::String(published)) => {
            return Err(Refusal::IssuerMismatch(Some(published.clone())))
        }
        _ => return Err(Refusal::IssuerMismatch(None)),
    }
    let bad_uri = Refusal::Unusable(SourceProblem::BadJwksUri);
    let Some(Value::String(uri)) = document.get("jwks_uri") else {
        return Err(bad_uri);
    };
    let usable = HttpUrl::parse(uri).is_some_and(|url| url.https || allow_insecure_http);
    if usable {
        Ok(uri.clone())
    } else {
        Err(bad_uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://id.example.test/";

    fn read(body: &str, insecure: bool) -> Result<String, Refusal> {
        jwks_uri(body.as_bytes(), ISSUER, insecure)
    }

    #[test]
    fn returns_the_https_jwks_uri_of_the_configured_issuer() {
        let doc =
            r#"{"issuer":"https://id.example.test/","jwks_uri":"https://id.example.test/keys"}"#;
        assert_eq!(read(doc, false).unwrap(), "https://id.example.test/keys");
    }

    #[test]
    fn issuer_is_compared_exactly() {
        for (issuer, published) in [
            (
                r#""https://id.example.test""#,
                Some("https://id.example.test"),
            ),
            (
                r#""HTTPS://id.example.test/""#,
                Some("HTTPS://id.example.test/"),
            ),
            (r#""https://evil.test/""#, Some("https://evil.test/")),
            ("null", None),
            ("7", None),
        ] {
            let doc = format!(r#"{{"issuer":{issuer},"jwks_uri":"https://id.example.test/keys"}}"#);
            assert_eq!(
                read(&doc, false),
                Err(Refusal::IssuerMismatch(published.map(str::to_owned))),
                "{issuer}"
            );
        }
        let doc = r#"{"jwks_uri":"https://id.example.test/keys"}"#;
        assert_eq!(read(doc, false), Err(Refusal::IssuerMismatch(None)));
    }

    #[test]
    fn issuer_mismatch_wins_over_a_bad_jwks_uri() {
        let doc = r#"{"issuer":"https://evil.test/","jwks_uri":"ftp://x/"}"#;
        assert_eq!(
            read(doc, false),
            Err(Refusal::IssuerMismatch(Some("https://evil.test/".into())))
        );
    }

    #[test]
    fn jwks_uri_must_be_https_unless_insecure_http_is_allowed() {
        let bad = Refusal::Unusable(SourceProblem::BadJwksUri);
        let http =
            r#"{"issuer":"https://id.example.test/","jwks_uri":"http://id.example.test/keys"}"#;
        assert_eq!(read(http, false), Err(bad.clone()));
        assert_eq!(read(http, true).unwrap(), "http://id.example.test/keys");
        for uri in ["null", r#""""#, r#""/keys""#, r#""ftp://x/keys""#, "[]"] {
            let doc = format!(r#"{{"issuer":"https://id.example.test/","jwks_uri":{uri}}}"#);
            assert_eq!(read(&doc, true), Err(bad.clone()), "{uri}");
        }
        let missing = r#"{"issuer":"https://id.example.test/"}"#;
        assert_eq!(read(missing, false), Err(bad));
    }

    #[test]
    fn unusable_documents_are_jwks_errors() {
        let not_json = Refusal::Unusable(SourceProblem::NotJson);
        assert_eq!(read("<html>", false), Err(not_json.clone()));
        assert_eq!(read("[]", false), Err(not_json.clone()));
        let duplicated = r#"{"issuer":"https://evil.test/","issuer":"https://id.example.test/","jwks_uri":"https://id.example.test/keys"}"#;
        assert_eq!(read(duplicated, false), Err(not_json));
        let huge = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(
            jwks_uri(&huge, ISSUER, false),
            Err(Refusal::Unusable(SourceProblem::BodyTooLarge))
        );
    }
}
