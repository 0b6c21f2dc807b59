//! `sources/`: where a request carries its token (`token_sources`, an
//! extension of the format), through the `verify_request` step: the first
//! source present decides, repeated sources and unreadable values are
//! `invalid_request`, cookies are read as RFC 6265 section 4.2 writes them.

use serde_json::{json, Value};

use super::{shape_error, with_usual_keys};
use crate::generate::build::{CaseSpec, Expect};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{alice, rsa, signed, JWKS_URL, T0};

/// The three sources, `Authorization` first.
fn all_three() -> Value {
    json!(["authorization_bearer", {"header": "Cf-Access-Jwt-Assertion"}, {"cookie": "CF_Authorization"}])
}

/// One request: its sources, its header fields (JSON text, `{t}` standing
/// for the standard token), the outcome.
struct Row {
    slug: &'static str,
    description: &'static str,
    /// `None`: the default (`Authorization` alone).
    sources: Option<fn() -> Value>,
    headers: &'static str,
    expect: fn() -> Expect,
}

fn header_only() -> Value {
    json!([{"header": "Cf-Access-Jwt-Assertion"}])
}

fn cookie_only() -> Value {
    json!([{"cookie": "CF_Authorization"}])
}

fn bearer_then_cookie() -> Value {
    json!(["authorization_bearer", {"cookie": "CF_Authorization"}])
}

fn cookie_then_bearer() -> Value {
    json!([{"cookie": "CF_Authorization"}, "authorization_bearer"])
}

fn invalid_request() -> Expect {
    Expect::error(Code::InvalidRequest)
}

fn missing_token() -> Expect {
    Expect::error(Code::MissingToken)
}

const ROWS: &[Row] = &[
    Row { slug: "default-reads-authorization", description: "With the default token_sources, the Authorization header's Bearer token is verified.", sources: None, headers: r#"{"Authorization": "Bearer {t}"}"#, expect: || Expect::claims(alice()) },
    Row { slug: "default-ignores-cookies", description: "The default reads Authorization alone: a token in a cookie is not looked at (missing_token, nothing fetched).", sources: None, headers: r#"{"Cookie": "CF_Authorization={t}"}"#, expect: missing_token },
    Row { slug: "no-header-at-all", description: "A request with no header field at all: missing_token with the bare Bearer challenge.", sources: Some(all_three), headers: r#"{}"#, expect: missing_token },
    Row { slug: "named-header", description: "A named header source holds the bare token: verified.", sources: Some(header_only), headers: r#"{"Cf-Access-Jwt-Assertion": "{t}"}"#, expect: || Expect::claims(alice()) },
    Row { slug: "named-header-any-case", description: "Header names ignore case: the source named Cf-Access-Jwt-Assertion reads cf-access-jwt-assertion.", sources: Some(header_only), headers: r#"{"cf-access-jwt-assertion": "{t}"}"#, expect: Expect::ok },
    Row { slug: "named-header-taken-as-is", description: "A named header holds the bare token, not `Bearer <token>`: the scheme is part of the value, which is then malformed_token.", sources: Some(header_only), headers: r#"{"Cf-Access-Jwt-Assertion": "Bearer {t}"}"#, expect: || Expect::error(Code::MalformedToken) },
    Row { slug: "named-header-blank", description: "A blank named header is present, so it decides: missing_token.", sources: Some(header_only), headers: r#"{"Cf-Access-Jwt-Assertion": ""}"#, expect: missing_token },
    Row { slug: "named-header-not-text", description: "A named header whose value is not visible ASCII cannot hold a token: invalid_request.", sources: Some(header_only), headers: "{\"Cf-Access-Jwt-Assertion\": \"\u{e9}\"}", expect: invalid_request },
    Row { slug: "named-header-twice", description: "The named header twice: which token was meant cannot be told, invalid_request even when both are the same.", sources: Some(header_only), headers: r#"{"Cf-Access-Jwt-Assertion": ["{t}", "{t}"]}"#, expect: invalid_request },
    Row { slug: "cookie", description: "A cookie source reads the pair with its name among others (RFC 6265 section 4.2).", sources: Some(cookie_only), headers: r#"{"Cookie": "theme=dark; CF_Authorization={t}; lang=en"}"#, expect: || Expect::claims(alice()) },
    Row { slug: "cookie-quoted", description: "A cookie value may be written between double quotes, which are dropped.", sources: Some(cookie_only), headers: r#"{"Cookie": "CF_Authorization=\"{t}\""}"#, expect: Expect::ok },
    Row { slug: "cookie-several-fields", description: "Several Cookie fields (HTTP/2 splits them) are one cookie list.", sources: Some(cookie_only), headers: r#"{"Cookie": ["theme=dark", "CF_Authorization={t}"]}"#, expect: Expect::ok },
    Row { slug: "cookie-spaces-around", description: "Spaces and tabs around a cookie's name and value are dropped.", sources: Some(cookie_only), headers: "{\"Cookie\": \"a=1;\\t CF_Authorization = {t} \\t; b=2\"}", expect: Expect::ok },
    Row { slug: "cookie-name-exact-case", description: "Cookie names keep their case: cf_authorization is another cookie, so no source is present (missing_token).", sources: Some(cookie_only), headers: r#"{"Cookie": "cf_authorization={t}"}"#, expect: missing_token },
    Row { slug: "cookie-without-equals", description: "A pair without `=` is not a cookie: the name alone is not present (missing_token).", sources: Some(cookie_only), headers: r#"{"Cookie": "CF_Authorization"}"#, expect: missing_token },
    Row { slug: "cookie-empty-value", description: "A cookie with an empty value is present and blank: missing_token.", sources: Some(cookie_only), headers: r#"{"Cookie": "CF_Authorization="}"#, expect: missing_token },
    Row { slug: "cookie-twice", description: "The cookie named twice: invalid_request, even with the same value.", sources: Some(cookie_only), headers: r#"{"Cookie": "CF_Authorization={t}; CF_Authorization={t}"}"#, expect: invalid_request },
    Row { slug: "cookie-twice-across-fields", description: "The cookie named once in each of two Cookie fields is named twice: invalid_request.", sources: Some(cookie_only), headers: r#"{"Cookie": ["CF_Authorization={t}", "CF_Authorization={t}"]}"#, expect: invalid_request },
    Row { slug: "cookie-value-not-cookie-octets", description: "A space inside the cookie's value is not a cookie-octet: invalid_request.", sources: Some(cookie_only), headers: r#"{"Cookie": "CF_Authorization=a {t}"}"#, expect: invalid_request },
    Row { slug: "other-cookies-not-judged", description: "Only the named cookie is judged: another cookie's broken value (a backslash, a space, non-ASCII) refuses nothing.", sources: Some(cookie_only), headers: "{\"Cookie\": \"junk=a\\\\b c\u{e9}; CF_Authorization={t}\"}", expect: Expect::ok },
    Row { slug: "first-present-decides", description: "With [Authorization, header, cookie] and all three present, Authorization decides (the others hold garbage).", sources: Some(all_three), headers: r#"{"Authorization": "Bearer {t}", "Cf-Access-Jwt-Assertion": "x", "Cookie": "CF_Authorization=y"}"#, expect: Expect::ok },
    Row { slug: "absent-sources-are-skipped", description: "Sources that are absent are skipped: with only the cookie present, the cookie decides.", sources: Some(all_three), headers: r#"{"Cookie": "CF_Authorization={t}"}"#, expect: || Expect::claims(alice()) },
    Row { slug: "header-before-cookie", description: "The named header, present, decides before the cookie: its malformed token is malformed_token though the cookie holds a good one.", sources: Some(all_three), headers: r#"{"Cf-Access-Jwt-Assertion": "not.a.token", "Cookie": "CF_Authorization={t}"}"#, expect: || Expect::error(Code::MalformedToken) },
    Row { slug: "bad-authorization-never-falls-through", description: "A malformed Authorization (another scheme) decides: invalid_request (400), never a fall-through to the good cookie after it.", sources: Some(bearer_then_cookie), headers: r#"{"Authorization": "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Cookie": "CF_Authorization={t}"}"#, expect: invalid_request },
    Row { slug: "blank-authorization-decides", description: "A blank Authorization is present: missing_token, not the cookie after it.", sources: Some(bearer_then_cookie), headers: r#"{"Authorization": "", "Cookie": "CF_Authorization={t}"}"#, expect: missing_token },
    Row { slug: "order-is-the-configured-one", description: "With the cookie listed first, a cookie present decides over Authorization (which holds garbage).", sources: Some(cookie_then_bearer), headers: r#"{"Authorization": "Basic x", "Cookie": "CF_Authorization={t}"}"#, expect: Expect::ok },
    Row { slug: "authorization-twice", description: "Two Authorization fields, even alike: invalid_request.", sources: None, headers: r#"{"Authorization": ["Bearer {t}", "Bearer {t}"]}"#, expect: invalid_request },
    Row { slug: "authorization-not-text", description: "An Authorization value that is not visible ASCII: invalid_request.", sources: None, headers: "{\"Authorization\": \"Bearer \u{e9}\"}", expect: invalid_request },
];

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let token = signed(&rsa()?)?;
    let mut cases = Vec::new();
    for row in ROWS {
        let text = row.headers.replace("{t}", &token);
        let headers: Value = serde_json::from_str(&text).map_err(|_| shape_error(row.slug))?;
        let expect = (row.expect)();
        let refused_unread = matches!(
            &expect,
            Expect::Error(error) if matches!(error.code(), Code::MissingToken | Code::InvalidRequest)
        );
        let mut case = with_usual_keys(&format!("sources/{}", row.slug), row.description)?;
        if let Some(sources) = row.sources {
            case = case.set("token_sources", sources());
        }
        case = case.verify_request(T0, json!({ "headers": headers }), expect);
        if refused_unread {
            case = case.fetches(&[(JWKS_URL, 0)]);
        }
        cases.push(case);
    }
    cases.extend(config_cases()?);
    Ok(cases)
}

/// `token_sources` refused when the verifier is built.
fn config_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let refused = [
        (
            "empty",
            "No source at all: nothing could ever be read.",
            json!([]),
        ),
        (
            "header-authorization",
            "A header source naming Authorization (any case): that header has its own source.",
            json!([{"header": "authorization"}]),
        ),
        (
            "header-cookie",
            "A header source naming Cookie: cookies have their own source.",
            json!([{"header": "Cookie"}]),
        ),
        (
            "header-invalid-name",
            "A header source whose name is not a header name.",
            json!([{"header": "Cf Access"}]),
        ),
        (
            "cookie-invalid-name",
            "A cookie source whose name is not an RFC 9110 token.",
            json!([{"cookie": "CF;Authorization"}]),
        ),
        (
            "duplicate",
            "The same source twice (header names ignore case).",
            json!([{"header": "X-Token"}, {"header": "x-token"}]),
        ),
        (
            "unknown-kind",
            "A source of an unknown kind: from_json refuses it.",
            json!([{"query": "token"}]),
        ),
    ];
    let mut cases = Vec::new();
    for (slug, description, sources) in refused {
        let description =
            format!("{description} Refused when the verifier is built, naming token_sources.");
        cases.push(
            CaseSpec::new(&format!("sources/config/{slug}"), &description)
                .set("token_sources", sources)
                .config_error("token_sources"),
        );
    }
    Ok(cases)
}
