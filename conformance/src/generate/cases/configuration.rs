//! `config/`: configurations refused when the verifier is built, naming the
//! field (docs/rules.md, "Configuration"), and the boundary values accepted.

use serde_json::{json, Value};

use crate::generate::build::{CaseSpec, Expect, Reply};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{
    alice, jwks_of, rsa, sign, signed, token, DISCOVERY_URL, JWKS_URL, T0,
};
use crate::issuer::{discovery_document, TestKey};
use oidc_jwt_verifier_core::AuthConfig;

/// A year of seconds, the longest any value in seconds may be.
const YEAR: u64 = 31_536_000;

/// A configuration key set (`Some`, to the value made) or removed (`None`).
type Change = (&'static str, Option<fn() -> Value>);

/// A refused configuration: the keys changed, the field named, and why.
struct Refused {
    slug: &'static str,
    description: &'static str,
    /// `Some` sets the key, `None` removes it.
    changes: &'static [Change],
    field: &'static str,
}

const REFUSED: &[Refused] = &[
    Refused {
        slug: "issuer-empty",
        description: "An empty issuer is refused, naming issuer.",
        changes: &[("issuer", Some(|| json!("")))],
        field: "issuer",
    },
    Refused {
        slug: "audience-empty-string",
        description: "An empty audience string is refused, naming audience.",
        changes: &[("audience", Some(|| json!("")))],
        field: "audience",
    },
    Refused {
        slug: "audience-empty-list",
        description: "An empty audience list is refused, naming audience.",
        changes: &[("audience", Some(|| json!([])))],
        field: "audience",
    },
    Refused {
        slug: "audience-list-with-empty-string",
        description: "An audience list holding an empty string is an audience error.",
        changes: &[("audience", Some(|| json!(["https://api.example.test", ""])))],
        field: "audience",
    },
    Refused {
        slug: "jwks-url-empty",
        description: "An empty jwks_url is refused, naming jwks_url.",
        changes: &[("jwks_url", Some(|| json!("")))],
        field: "jwks_url",
    },
    Refused {
        slug: "both-key-sources",
        description: "Both jwks_url and discovery_url: refused, naming jwks_url.",
        changes: &[("discovery_url", Some(|| json!(DISCOVERY_URL)))],
        field: "jwks_url",
    },
    Refused {
        slug: "no-key-source",
        description: "Neither jwks_url nor discovery_url: refused, naming jwks_url.",
        changes: &[("jwks_url", None)],
        field: "jwks_url",
    },
    Refused {
        slug: "jwks-url-http",
        description: "A plain http jwks_url without allow_insecure_http: refused, naming jwks_url.",
        changes: &[(
            "jwks_url",
            Some(|| json!("http://login.example.test/.well-known/jwks.json")),
        )],
        field: "jwks_url",
    },
    Refused {
        slug: "discovery-url-http",
        description:
            "A plain http discovery_url without allow_insecure_http: refused, naming discovery_url.",
        changes: &[
            ("jwks_url", None),
            (
                "discovery_url",
                Some(|| json!("http://login.example.test/.well-known/openid-configuration")),
            ),
        ],
        field: "discovery_url",
    },
    Refused {
        slug: "allowed-algs-none",
        description: "none in allowed_algs is refused.",
        changes: &[("allowed_algs", Some(|| json!(["RS256", "none"])))],
        field: "allowed_algs",
    },
    Refused {
        slug: "allowed-algs-hs256",
        description: "HS256 in allowed_algs is refused (no HS* ever).",
        changes: &[("allowed_algs", Some(|| json!(["HS256"])))],
        field: "allowed_algs",
    },
    Refused {
        slug: "allowed-algs-hs512-beside-rs256",
        description: "HS512 beside a valid RS256 is refused: any HS* in the list.",
        changes: &[("allowed_algs", Some(|| json!(["RS256", "HS512"])))],
        field: "allowed_algs",
    },
    Refused {
        slug: "allowed-algs-unknown-name",
        description: "An unknown algorithm name (ES256K) in allowed_algs is refused.",
        changes: &[("allowed_algs", Some(|| json!(["ES256K"])))],
        field: "allowed_algs",
    },
    Refused {
        slug: "allowed-algs-wrong-case",
        description: "rs256 is not an algorithm name (names are exact): refused.",
        changes: &[("allowed_algs", Some(|| json!(["rs256"])))],
        field: "allowed_algs",
    },
    Refused {
        slug: "allowed-algs-empty",
        description: "An empty allowed_algs list is refused.",
        changes: &[("allowed_algs", Some(|| json!([])))],
        field: "allowed_algs",
    },
    Refused {
        slug: "leeway-negative",
        description: "A negative leeway is refused.",
        changes: &[("leeway_s", Some(|| json!(-1)))],
        field: "leeway_s",
    },
    Refused {
        slug: "cache-ttl-zero",
        description: "cache_ttl_s must be in (0, 86400]: 0 is refused.",
        changes: &[("cache_ttl_s", Some(|| json!(0)))],
        field: "cache_ttl_s",
    },
    Refused {
        slug: "cache-ttl-negative",
        description: "A negative cache_ttl_s is refused.",
        changes: &[("cache_ttl_s", Some(|| json!(-300)))],
        field: "cache_ttl_s",
    },
    Refused {
        slug: "cache-ttl-over-a-day",
        description: "cache_ttl_s 86401 is over 86400: refused.",
        changes: &[("cache_ttl_s", Some(|| json!(86401)))],
        field: "cache_ttl_s",
    },
    Refused {
        slug: "cooldown-zero",
        description: "A refresh_cooldown_s of zero is refused.",
        changes: &[("refresh_cooldown_s", Some(|| json!(0)))],
        field: "refresh_cooldown_s",
    },
    Refused {
        slug: "cooldown-negative",
        description: "A negative refresh_cooldown_s is refused.",
        changes: &[("refresh_cooldown_s", Some(|| json!(-1)))],
        field: "refresh_cooldown_s",
    },
    Refused {
        slug: "http-timeout-zero",
        description: "An http_timeout_s of zero is refused.",
        changes: &[("http_timeout_s", Some(|| json!(0)))],
        field: "http_timeout_s",
    },
    Refused {
        slug: "http-timeout-negative",
        description: "A negative http_timeout_s is refused.",
        changes: &[("http_timeout_s", Some(|| json!(-0.5)))],
        field: "http_timeout_s",
    },
    Refused {
        slug: "stale-window-negative",
        description: "A negative stale_if_error_s is refused.",
        changes: &[("stale_if_error_s", Some(|| json!(-1)))],
        field: "stale_if_error_s",
    },
    Refused {
        slug: "refresh-ahead-negative",
        description: "A negative refresh_ahead_s is refused.",
        changes: &[("refresh_ahead_s", Some(|| json!(-1)))],
        field: "refresh_ahead_s",
    },
    Refused {
        slug: "leeway-over-a-year",
        description: "leeway_s 31536001 is over a year (31536000 s): refused.",
        changes: &[("leeway_s", Some(|| json!(31_536_001)))],
        field: "leeway_s",
    },
    Refused {
        slug: "cache-ttl-below-a-millisecond",
        description: "cache_ttl_s 0.0009 is below one millisecond: refused like a zero.",
        changes: &[("cache_ttl_s", Some(|| json!(0.0009)))],
        field: "cache_ttl_s",
    },
    Refused {
        slug: "cache-ttl-rounding-to-zero",
        description: "cache_ttl_s 1e-10 would round to a zero duration (a refetch on every unknown kid): refused like a zero.",
        changes: &[("cache_ttl_s", Some(|| json!(1e-10)))],
        field: "cache_ttl_s",
    },
    Refused {
        slug: "cooldown-below-a-millisecond",
        description: "refresh_cooldown_s 0.0009 is below one millisecond: refused like a zero.",
        changes: &[("refresh_cooldown_s", Some(|| json!(0.0009)))],
        field: "refresh_cooldown_s",
    },
    Refused {
        slug: "cooldown-over-a-year",
        description: "refresh_cooldown_s 31536001 is over a year: refused.",
        changes: &[("refresh_cooldown_s", Some(|| json!(31_536_001)))],
        field: "refresh_cooldown_s",
    },
    Refused {
        slug: "stale-window-over-a-year",
        description: "stale_if_error_s 31536000.5 is over a year: refused.",
        changes: &[("stale_if_error_s", Some(|| json!(31_536_000.5)))],
        field: "stale_if_error_s",
    },
    Refused {
        slug: "stale-window-huge",
        description: "stale_if_error_s 1e300 is over a year (it would overflow a clock): refused.",
        changes: &[("stale_if_error_s", Some(|| json!(1e300)))],
        field: "stale_if_error_s",
    },
    Refused {
        slug: "refresh-ahead-over-a-year",
        description: "refresh_ahead_s 31536001 is over a year: refused.",
        changes: &[("refresh_ahead_s", Some(|| json!(31_536_001)))],
        field: "refresh_ahead_s",
    },
    Refused {
        slug: "http-timeout-below-a-millisecond",
        description: "http_timeout_s 0.0009 is below one millisecond: refused like a zero.",
        changes: &[("http_timeout_s", Some(|| json!(0.0009)))],
        field: "http_timeout_s",
    },
    Refused {
        slug: "http-timeout-over-an-hour",
        description: "http_timeout_s 3600.5 is over an hour (3600 s): refused.",
        changes: &[("http_timeout_s", Some(|| json!(3600.5)))],
        field: "http_timeout_s",
    },
    Refused {
        slug: "http-timeout-huge",
        description: "http_timeout_s 1e300 (it would overflow a clock at every fetch): refused.",
        changes: &[("http_timeout_s", Some(|| json!(1e300)))],
        field: "http_timeout_s",
    },
    Refused {
        slug: "required-claims-empty-name",
        description: "required_claims holding an empty name: refused (extension key).",
        changes: &[("required_claims", Some(|| json!(["sub", ""])))],
        field: "required_claims",
    },
    Refused {
        slug: "required-claims-bad-pointer",
        description: "required_claims holding \"/cnf/~x\", not a JSON Pointer: refused (extension key).",
        changes: &[("required_claims", Some(|| json!(["/cnf/~x"])))],
        field: "required_claims",
    },
    Refused {
        slug: "audience-claim-unknown",
        description: "audience_claim \"azp\": only aud and client_id are accepted (extension key), refused.",
        changes: &[("audience_claim", Some(|| json!("azp")))],
        field: "audience_claim",
    },
    Refused {
        slug: "fetch-attempts-over-ten",
        description: "fetch_attempts 11 is over 10, this verifier's ceiling (the rules are silent; an unbounded count retries a refusing issuer without end): refused.",
        changes: &[("fetch_attempts", Some(|| json!(11)))],
        field: "fetch_attempts",
    },
    Refused {
        slug: "scope-claim-bad-pointer",
        description: "scope_claim \"/ext~2scope\" starts with / but ~2 is no JSON Pointer escape (only ~0 and ~1): refused.",
        changes: &[("scope_claim", Some(|| json!("/ext~2scope")))],
        field: "scope_claim",
    },
    Refused {
        slug: "permissions-claim-bad-pointer",
        description: "permissions_claim \"/realm_access/roles~\" ends in a bare ~: not a JSON Pointer, refused.",
        changes: &[("permissions_claim", Some(|| json!("/realm_access/roles~")))],
        field: "permissions_claim",
    },
    Refused {
        slug: "fetch-attempts-zero",
        description: "fetch_attempts 0 is refused.",
        changes: &[("fetch_attempts", Some(|| json!(0)))],
        field: "fetch_attempts",
    },
    Refused {
        slug: "max-token-bytes-zero",
        description: "max_token_bytes 0 is refused.",
        changes: &[("max_token_bytes", Some(|| json!(0)))],
        field: "max_token_bytes",
    },
];

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let mut cases = Vec::new();
    for refused in REFUSED {
        let mut case = CaseSpec::new(
            &format!("config/refused/{}", refused.slug),
            refused.description,
        );
        for (key, change) in refused.changes {
            case = match change {
                Some(value) => case.set(key, value()),
                None => case.unset(key),
            };
        }
        cases.push(case.config_error(refused.field));
    }
    cases.extend(accepted_cases()?);
    cases.extend(boundary_cases(&rsa()?)?);
    cases.extend(from_issuer_cases(&rsa()?)?);
    Ok(cases)
}

fn accepted_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let key = rsa()?;
    let token = signed(&key)?;
    let accepted = |slug: &str, description: &str, settings: &[(&str, Value)]| {
        let url = settings
            .iter()
            .find(|(name, _)| *name == "jwks_url")
            .and_then(|(_, value)| value.as_str())
            .unwrap_or(JWKS_URL);
        let mut case = CaseSpec::new(&format!("config/accepted/{slug}"), description)
            .serve(url, Reply::json(jwks_of(&[&key])));
        for (name, value) in settings {
            case = case.set(name, value.clone());
        }
        case.verify(T0, &token, Expect::claims(alice()))
    };
    Ok(vec![
        accepted(
            "cache-ttl-one-day",
            "cache_ttl_s 86400 is the top of (0, 86400]: accepted.",
            &[("cache_ttl_s", json!(86400))],
        ),
        accepted(
            "cache-ttl-fraction",
            "cache_ttl_s 0.5 is inside (0, 86400]: accepted.",
            &[("cache_ttl_s", json!(0.5))],
        ),
        accepted(
            "cache-ttl-one-millisecond",
            "cache_ttl_s 0.001, the shortest accepted: the keys fetched for the token serve it.",
            &[("cache_ttl_s", json!(0.001))],
        ),
        accepted(
            "cooldown-one-millisecond",
            "refresh_cooldown_s 0.001, the shortest accepted.",
            &[("refresh_cooldown_s", json!(0.001))],
        ),
        accepted(
            "cooldown-one-year",
            "refresh_cooldown_s 31536000 (a year), the longest accepted.",
            &[("refresh_cooldown_s", json!(YEAR))],
        ),
        accepted(
            "refresh-ahead-one-year",
            "refresh_ahead_s 31536000 (a year) is accepted; it is capped at half the freshness.",
            &[("refresh_ahead_s", json!(YEAR))],
        ),
        accepted(
            "http-timeout-one-hour",
            "http_timeout_s 3600 (an hour), the longest accepted: keys are fetched with it.",
            &[("http_timeout_s", json!(3600))],
        ),
        accepted(
            "stale-window-zero",
            "stale_if_error_s 0 is not negative: accepted.",
            &[("stale_if_error_s", json!(0))],
        ),
        accepted(
            "refresh-ahead-zero",
            "refresh_ahead_s 0 (refresh-ahead off) is accepted.",
            &[("refresh_ahead_s", json!(0))],
        ),
        accepted(
            "audience-list",
            "An audience list of non-empty strings is accepted.",
            &[(
                "audience",
                json!(["https://other.example.test", "https://api.example.test"]),
            )],
        ),
        accepted(
            "every-algorithm",
            "Every algorithm name of the rules in allowed_algs is accepted.",
            &[(
                "allowed_algs",
                json!([
                    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
                    "ES512", "EdDSA", "Ed25519", "Ed448"
                ]),
            )],
        ),
        accepted(
            "http-jwks-url-when-insecure-http",
            "A plain http jwks_url with allow_insecure_http is accepted and fetched.",
            &[
                (
                    "jwks_url",
                    json!("http://login.example.test/.well-known/jwks.json"),
                ),
                ("allow_insecure_http", json!(true)),
            ],
        ),
    ])
}

/// The largest and smallest accepted values, each shown doing what it says
/// at its boundary.
fn boundary_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let lasting = sign(&token(key).claim("exp", json!(T0 + 3 * YEAR)), key)?;
    let long_expired = sign(&token(key).claim("exp", json!(T0 - YEAR + 1)), key)?;
    let stale_end = T0 + 300 + YEAR;
    Ok(vec![
        CaseSpec::new(
            "config/accepted/leeway-one-year",
            "leeway_s 31536000 (a year), the longest accepted: a token expired a year less a second ago is still valid.",
        )
        .set("leeway_s", json!(YEAR))
        .serve(JWKS_URL, Reply::json(jwks_of(&[key])))
        .verify(T0, &long_expired, Expect::claims(alice())),
        CaseSpec::new(
            "config/accepted/stale-window-one-year",
            "stale_if_error_s 31536000 (a year): with the issuer refusing, the keys serve until a year past their freshness and not at that instant (no clock overflows).",
        )
        .set("stale_if_error_s", json!(YEAR))
        .serve(JWKS_URL, Reply::json(jwks_of(&[key])))
        .verify(T0, &lasting, Expect::claims(alice()))
        .serve(JWKS_URL, Reply::refused())
        .verify(stale_end - 1, &lasting, Expect::claims(alice()))
        .verify(stale_end, &lasting, Expect::error(Code::JwksFetchFailed)),
        CaseSpec::new(
            "config/accepted/http-timeout-one-millisecond",
            "http_timeout_s 0.001, the shortest accepted: the verifier is built (the token is refused before any key is needed).",
        )
        .set("http_timeout_s", json!(0.001))
        .verify(T0, "not-a-token", Expect::error(Code::MalformedToken)),
        CaseSpec::new(
            "config/accepted/fetch-attempts-ten-retries-ten-times",
            "fetch_attempts 10 against a failing issuer: one refresh makes exactly ten requests, then fails.",
        )
        .set("fetch_attempts", json!(10))
        .serve(JWKS_URL, Reply::empty(500))
        .verify(T0, &lasting, Expect::error(Code::JwksFetchFailed))
        .fetches(&[(JWKS_URL, 10)]),
    ])
}

/// `AuthConfig::from_issuer`: the discovery URL derived from the issuer
/// (OpenID Connect Discovery 1.0 section 4), the issuer kept exactly.
fn from_issuer_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let ok = || Expect::claims(json!({"sub": "alice"}));
    let cases = [
        FromIssuer {
            slug: "trailing-slash-not-doubled",
            description: "from_issuer with https://id.example.test/: the document is fetched at https://id.example.test/.well-known/openid-configuration (the issuer's trailing / not doubled), never at //.well-known.",
            issuer: "https://id.example.test/",
            document_issuer: "https://id.example.test/",
            expect: ok(),
            fetches: &[
                ("https://id.example.test/.well-known/openid-configuration", 1),
                ("https://id.example.test//.well-known/openid-configuration", 0),
                ("https://id.example.test/keys", 1),
            ],
        },
        FromIssuer {
            slug: "no-trailing-slash",
            description: "from_issuer with https://id.example.test (no trailing /): the same document URL, and tokens must carry iss exactly so.",
            issuer: "https://id.example.test",
            document_issuer: "https://id.example.test",
            expect: ok(),
            fetches: &[("https://id.example.test/.well-known/openid-configuration", 1)],
        },
        FromIssuer {
            slug: "issuer-with-a-path",
            description: "from_issuer with an issuer that has a path (a Keycloak realm): the well-known suffix is appended to the path.",
            issuer: "https://sso.example.test/realms/acme",
            document_issuer: "https://sso.example.test/realms/acme",
            expect: ok(),
            fetches: &[(
                "https://sso.example.test/realms/acme/.well-known/openid-configuration",
                1,
            )],
        },
        FromIssuer {
            slug: "cross-check-stays-exact",
            description: "from_issuer with https://id.example.test, whose document says https://id.example.test/: the / removed to build the URL is not forgiven in the cross-check, issuer_mismatch.",
            issuer: "https://id.example.test",
            document_issuer: "https://id.example.test/",
            expect: Expect::error(Code::IssuerMismatch),
            fetches: &[("https://id.example.test/keys", 0)],
        },
    ];
    cases.into_iter().map(|case| case.build(key)).collect()
}

/// A `config/from-issuer/` case: the issuer given to `from_issuer`, the one
/// its discovery document names, the outcome for a token carrying the
/// former, and the requests expected.
struct FromIssuer {
    slug: &'static str,
    description: &'static str,
    issuer: &'static str,
    document_issuer: &'static str,
    expect: Expect,
    fetches: &'static [(&'static str, u64)],
}

impl FromIssuer {
    fn build(self, key: &TestKey) -> Result<CaseSpec, GenerateError> {
        let config = AuthConfig::from_issuer(self.issuer, "https://api.example.test");
        let discovery_url = config.discovery_url.clone().unwrap_or_default();
        let jwks_uri = format!("{}/keys", self.issuer.trim_end_matches('/'));
        let token = sign(&token(key).claim("iss", json!(self.issuer)), key)?;
        let name = format!("config/from-issuer/{}", self.slug);
        Ok(CaseSpec::configured(&name, self.description, &config)
            .serve(
                &discovery_url,
                Reply::json(discovery_document(self.document_issuer, &jwks_uri)),
            )
            .serve(&jwks_uri, Reply::json(jwks_of(&[key])))
            .verify(T0, &token, self.expect)
            .fetches(self.fetches))
    }
}
