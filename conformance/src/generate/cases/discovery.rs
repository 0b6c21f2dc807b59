//! `discovery/`: OpenID Connect discovery mode (docs/rules.md, rule 1, rows
//! `jwks_error` and `issuer_mismatch`).

use serde_json::{json, Value};

use crate::generate::build::{CaseSpec, Expect, Reply};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{
    alice, jwks_of, key, rsa, signed, DISCOVERED_JWKS_URL, DISCOVERY_URL, ISSUER, T0,
};
use crate::issuer::{discovery_document, FixedKey, TestKey};

/// A plain-HTTP `jwks_uri`.
const HTTP_JWKS_URL: &str = "http://login.example.test/jwks";
/// The `jwks_uri` a later discovery document moves to.
const MOVED_JWKS_URL: &str = "https://keys.example.test/v2/jwks";
/// An issuer that is not the configured one.
const OTHER_ISSUER: &str = "https://attacker.example.test/";

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let world = World::new()?;
    let mut cases = happy_cases(&world);
    cases.extend(issuer_cases(&world));
    cases.extend(jwks_uri_cases(&world));
    cases.extend(failure_cases(&world));
    Ok(cases)
}

struct World {
    a: TestKey,
    b: TestKey,
    token_a: String,
    token_b: String,
}

impl World {
    fn new() -> Result<Self, GenerateError> {
        let a = rsa()?;
        let b = key(FixedKey::Rsa2048B)?;
        Ok(Self {
            token_a: signed(&a)?,
            token_b: signed(&b)?,
            a,
            b,
        })
    }

    /// A discovery-mode case: discovery_url instead of jwks_url,
    /// refresh-ahead off.
    fn case(&self, name: &str, description: &str) -> CaseSpec {
        CaseSpec::new(name, description)
            .unset("jwks_url")
            .set("discovery_url", json!(DISCOVERY_URL))
            .set("refresh_ahead_s", json!(0))
    }

    /// A case whose discovery document is `document` and whose discovered
    /// key set (at the usual URL) serves key `a`.
    fn serving(&self, name: &str, description: &str, document: Value) -> CaseSpec {
        self.case(name, description)
            .serve(DISCOVERY_URL, Reply::json(document))
            .serve(DISCOVERED_JWKS_URL, Reply::json(jwks_of(&[&self.a])))
    }
}

fn happy_cases(world: &World) -> Vec<CaseSpec> {
    let two = world
        .serving(
            "discovery/two-requests-per-refresh",
            "Rule 1: in discovery mode a refresh is two requests, the discovery document then its jwks_uri; the refresh after the ttl (+300 s) repeats both.",
            discovery_document(ISSUER, DISCOVERED_JWKS_URL),
        )
        .verify(T0, &world.token_a, Expect::claims(alice()))
        .fetches(&[(DISCOVERY_URL, 1), (DISCOVERED_JWKS_URL, 1)])
        .verify(T0 + 299, &world.token_a, Expect::ok())
        .fetches(&[(DISCOVERY_URL, 1), (DISCOVERED_JWKS_URL, 1)])
        .verify(T0 + 300, &world.token_a, Expect::ok())
        .fetches(&[(DISCOVERY_URL, 2), (DISCOVERED_JWKS_URL, 2)]);
    let moved = world
        .serving(
            "discovery/jwks-uri-followed-when-it-moves",
            "The key set URL comes from the discovery document: when a later document names another jwks_uri, the next refresh fetches that one.",
            discovery_document(ISSUER, DISCOVERED_JWKS_URL),
        )
        .verify(T0, &world.token_a, Expect::ok())
        .serve(DISCOVERY_URL, Reply::json(discovery_document(ISSUER, MOVED_JWKS_URL)))
        .serve(MOVED_JWKS_URL, Reply::json(jwks_of(&[&world.a, &world.b])))
        .verify(T0 + 300, &world.token_b, Expect::claims(alice()))
        .fetches(&[(DISCOVERY_URL, 2), (DISCOVERED_JWKS_URL, 1), (MOVED_JWKS_URL, 1)]);
    let insecure = world
        .case(
            "discovery/http-jwks-uri-allowed-when-insecure-http",
            "With allow_insecure_http, a plain http jwks_uri is fetched and its keys used.",
        )
        .set("allow_insecure_http", json!(true))
        .serve(
            DISCOVERY_URL,
            Reply::json(discovery_document(ISSUER, HTTP_JWKS_URL)),
        )
        .serve(HTTP_JWKS_URL, Reply::json(jwks_of(&[&world.a])))
        .verify(T0, &world.token_a, Expect::claims(alice()))
        .fetches(&[(HTTP_JWKS_URL, 1)]);
    vec![two, moved, insecure]
}

fn issuer_cases(world: &World) -> Vec<CaseSpec> {
    let mismatch = world
        .serving(
            "discovery/issuer-mismatch",
            "A discovery document whose issuer differs from the configured one: issuer_mismatch (503, no challenge) and its jwks_uri is never requested.",
            discovery_document(OTHER_ISSUER, DISCOVERED_JWKS_URL),
        )
        .verify(T0, &world.token_a, Expect::error(Code::IssuerMismatch))
        .fetches(&[(DISCOVERY_URL, 1), (DISCOVERED_JWKS_URL, 0)]);
    let slash = world
        .serving(
            "discovery/issuer-mismatch-trailing-slash",
            "The issuer cross-check is exact: \"https://id.example.test\" against the configured \"https://id.example.test/\" is issuer_mismatch.",
            discovery_document("https://id.example.test", DISCOVERED_JWKS_URL),
        )
        .verify(T0, &world.token_a, Expect::error(Code::IssuerMismatch))
        .fetches(&[(DISCOVERED_JWKS_URL, 0)]);
    let later = world
        .serving(
            "discovery/issuer-mismatch-keys-never-trusted",
            "After a good start the document turns to another issuer and names a key set holding a new key: at +300 s the refresh fails with issuer_mismatch, the new key's token gets that error, its key set is never requested, and the old key serves from the stale cache. fetch_attempts 1.",
            discovery_document(ISSUER, DISCOVERED_JWKS_URL),
        )
        .set("fetch_attempts", json!(1))
        .verify(T0, &world.token_a, Expect::ok())
        .serve(DISCOVERY_URL, Reply::json(discovery_document(OTHER_ISSUER, MOVED_JWKS_URL)))
        .serve(MOVED_JWKS_URL, Reply::json(jwks_of(&[&world.b])))
        .verify(T0 + 300, &world.token_b, Expect::error(Code::IssuerMismatch))
        .verify(T0 + 300, &world.token_a, Expect::claims(alice()))
        .fetches(&[(DISCOVERY_URL, 2), (DISCOVERED_JWKS_URL, 1), (MOVED_JWKS_URL, 0)]);
    let backoff = world
        .serving(
            "discovery/issuer-mismatch-backs-off",
            "An issuer mismatch is a failed refresh: within the 1 s backoff the same error comes with no request; at +1 s the document is requested again.",
            discovery_document(OTHER_ISSUER, DISCOVERED_JWKS_URL),
        )
        .set("fetch_attempts", json!(1))
        .verify(T0, &world.token_a, Expect::error(Code::IssuerMismatch))
        .verify(T0, &world.token_a, Expect::error(Code::IssuerMismatch))
        .fetches(&[(DISCOVERY_URL, 1)])
        .verify(T0 + 1, &world.token_a, Expect::error(Code::IssuerMismatch))
        .fetches(&[(DISCOVERY_URL, 2), (DISCOVERED_JWKS_URL, 0)]);
    vec![mismatch, slash, later, backoff]
}

fn jwks_uri_cases(world: &World) -> Vec<CaseSpec> {
    let unusable = |slug: &str, description: &str, document: Value| {
        world
            .serving(&format!("discovery/{slug}"), description, document)
            .serve(HTTP_JWKS_URL, Reply::json(jwks_of(&[&world.a])))
            .verify(T0, &world.token_a, Expect::error(Code::JwksError))
            .fetches(&[(DISCOVERED_JWKS_URL, 0), (HTTP_JWKS_URL, 0)])
    };
    let without = |member: &str| {
        let mut document = discovery_document(ISSUER, DISCOVERED_JWKS_URL);
        if let Some(members) = document.as_object_mut() {
            members.remove(member);
        }
        document
    };
    let with_uri = |uri: Value| {
        let mut document = discovery_document(ISSUER, DISCOVERED_JWKS_URL);
        if let Some(members) = document.as_object_mut() {
            members.insert("jwks_uri".into(), uri);
        }
        document
    };
    vec![
        unusable(
            "http-jwks-uri-refused",
            "A plain http jwks_uri without allow_insecure_http: jwks_error, and that URL is never requested.",
            discovery_document(ISSUER, HTTP_JWKS_URL),
        ),
        unusable(
            "missing-jwks-uri",
            "A discovery document without jwks_uri: jwks_error, the refresh ends there.",
            without("jwks_uri"),
        ),
        unusable(
            "jwks-uri-not-a-string",
            "A jwks_uri that is a number is not an https jwks_uri: jwks_error.",
            with_uri(json!(443)),
        ),
    ]
}

fn failure_cases(world: &World) -> Vec<CaseSpec> {
    let document_failure = |slug: &str, description: &str, reply: Reply, code: Code| {
        world
            .case(&format!("discovery/{slug}"), description)
            .set("fetch_attempts", json!(1))
            .serve(DISCOVERY_URL, reply)
            .serve(DISCOVERED_JWKS_URL, Reply::json(jwks_of(&[&world.a])))
            .verify(T0, &world.token_a, Expect::error(code))
            .fetches(&[(DISCOVERED_JWKS_URL, 0)])
    };
    let jwks_down = world
        .case(
            "discovery/jwks-uri-unreachable",
            "The discovery document is fine but its jwks_uri refuses connections: jwks_fetch_failed.",
        )
        .serve(DISCOVERY_URL, Reply::json(discovery_document(ISSUER, DISCOVERED_JWKS_URL)))
        .serve(DISCOVERED_JWKS_URL, Reply::refused())
        .verify(T0, &world.token_a, Expect::error(Code::JwksFetchFailed))
        .fetches(&[(DISCOVERY_URL, 1)]);
    vec![
        document_failure(
            "document-unreachable",
            "The discovery document's URL refuses connections: jwks_fetch_failed, and no key set is requested.",
            Reply::refused(),
            Code::JwksFetchFailed,
        ),
        document_failure(
            "document-server-error",
            "The discovery document answers 500 (fetch_attempts 1): jwks_fetch_failed.",
            Reply::json(json!({ "error": "internal" })).status(500),
            Code::JwksFetchFailed,
        ),
        document_failure(
            "document-not-json",
            "A discovery document that is not JSON has no https jwks_uri: jwks_error.",
            Reply::text("<html>login</html>"),
            Code::JwksError,
        ),
        document_failure(
            "document-over-body-limit",
            "A discovery document over the 512 KiB body limit (body_repeat of 600000 bytes): jwks_error.",
            Reply::repeat(" ", 600_000),
            Code::JwksError,
        ),
        jwks_down,
    ]
}
