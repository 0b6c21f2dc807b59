//! `Verifier::explain`: every check reported in order, the one that decided
//! failing with the very error `verify` gives, the values it compared, and
//! the token's parts shown as untrusted until the signature verified.

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use oidc_jwt_verifier_core::{
    AuthConfig, AuthError, CheckName, Explain, Origin, Outcome, Query, Requirements, TransportKind,
};
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::world::{jwks, Key, Script, World, AUDIENCE, ISSUER, JWKS_URL, T0};

fn key() -> &'static Key {
    static KEY: OnceLock<Key> = OnceLock::new();
    KEY.get_or_init(|| Key::rsa("k1"))
}

fn claims() -> Value {
    json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "exp": T0 + 60.0, "scope": "read"})
}

fn with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut claims = claims();
    edit(&mut claims);
    claims
}

fn world(edit: impl FnOnce(&mut AuthConfig)) -> World {
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, JWKS_URL);
    edit(&mut config);
    let mut world = World::new(config);
    world.serve(JWKS_URL, Script::json(&jwks(&[key()])));
    world
}

fn explain(world: &mut World, token: &str) -> Explain {
    let mut query = Query::new();
    world.run(|verifier, now| verifier.explain(token, &mut query, now))
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// A token with this header and payload, signed by the test key.
fn signed_with_header(header: &Value, claims: &Value) -> String {
    key().sign_input(&format!("{}.{}", b64(header), b64(claims)))
}

/// Each check's outcome, in order.
fn outcomes(explain: &Explain) -> Vec<(CheckName, Outcome)> {
    explain
        .checks()
        .iter()
        .map(|report| (report.check, report.outcome))
        .collect()
}

/// The value `name` shown for `check`.
fn shown(explain: &Explain, check: CheckName, name: &str) -> (Option<Value>, Origin, bool) {
    let report = explain.checks().iter().find(|r| r.check == check).unwrap();
    let value = report
        .values
        .iter()
        .find(|value| value.name == name)
        .unwrap_or_else(|| panic!("{check} shows no {name}: {:?}", report.values));
    (value.value.clone(), value.origin, value.trusted)
}

#[test]
fn an_accepted_token_passes_every_check_and_its_values_are_trusted() {
    let mut w = world(|c| c.required_scopes = vec!["read".into()]);
    let token = key().sign(&claims());
    let report = explain(&mut w, &token);
    assert!(outcomes(&report)
        .iter()
        .all(|(_, outcome)| *outcome == Outcome::Pass));
    assert_eq!(report.checks().len(), CheckName::ALL.len());
    assert!(report.first_failure().is_none());
    assert!(report.signature_verified());
    let verified = w.verify(&token).unwrap();
    assert_eq!(report.verdict().unwrap(), &verified);
    assert_eq!(report.payload().unwrap()["sub"], "alice");
    assert_eq!(report.header().unwrap()["kid"], "k1");
    assert_eq!(
        shown(&report, CheckName::Exp, "exp"),
        (Some(json!(T0 + 60.0)), Origin::Token, true)
    );
    assert_eq!(
        shown(&report, CheckName::Exp, "now"),
        (Some(json!(1_767_225_600_i64)), Origin::Time, true)
    );
    assert_eq!(
        shown(&report, CheckName::Scopes, "required_scopes"),
        (Some(json!(["read"])), Origin::Configuration, true)
    );
    let (key, origin, _) = shown(&report, CheckName::KeyLookup, "key");
    assert_eq!(origin, Origin::Key);
    assert_eq!(key.unwrap()["kid"], "k1");
    assert_eq!(report.to_json()["verdict"], "accepted");
    assert_eq!(
        w.fetched(JWKS_URL),
        1,
        "explain fetched the keys verify then used"
    );
}

/// A way to fail a check: the check, the code it must give, the
/// configuration and the token.
type Failure = (CheckName, &'static str, fn(&mut AuthConfig), String);

/// One way to fail each check, with the error it must give.
fn failures() -> Vec<Failure> {
    let k = key();
    let unsigned = |header: Value, claims: Value| format!("{}.{}.", b64(&header), b64(&claims));
    let none = |_: &mut AuthConfig| {};
    let rs256 = json!({"alg": "RS256", "kid": "k1"});
    vec![
        (CheckName::TokenPresent, "missing_token", none, " \t".into()),
        (
            CheckName::TokenSize,
            "token_too_large",
            |c| c.max_token_bytes = 10,
            k.sign(&claims()),
        ),
        (CheckName::Shape, "malformed_token", none, "a.b".into()),
        (
            CheckName::HeaderBase64,
            "malformed_token",
            none,
            format!("e30=.{}.", b64(&claims())),
        ),
        (
            CheckName::HeaderJson,
            "malformed_token",
            none,
            format!("WzFd.{}.", b64(&claims())),
        ),
        (
            CheckName::PayloadBase64,
            "malformed_token",
            none,
            format!("{}.e30=.", b64(&rs256)),
        ),
        (
            CheckName::PayloadJson,
            "malformed_token",
            none,
            format!("{}.WzFd.", b64(&rs256)),
        ),
        (
            CheckName::SignatureBase64,
            "malformed_token",
            none,
            format!("{}.{}.c2l", b64(&rs256), b64(&claims())),
        ),
        (
            CheckName::HeaderMembers,
            "malformed_token",
            none,
            unsigned(json!({"alg": "RS256", "kid": 7}), claims()),
        ),
        (
            CheckName::ForbiddenHeader,
            "forbidden_header",
            none,
            unsigned(
                json!({"alg": "RS256", "kid": "k1", "jku": "https://evil.test/"}),
                claims(),
            ),
        ),
        (
            CheckName::Alg,
            "disallowed_alg",
            none,
            unsigned(json!({"alg": "none", "kid": "k1"}), claims()),
        ),
        (
            CheckName::Typ,
            "invalid_type",
            |c| c.expected_typ = Some("at+jwt".into()),
            k.sign(&claims()),
        ),
        (
            CheckName::Kid,
            "missing_kid",
            none,
            k.sign_with_kid(None, &claims()),
        ),
        (
            CheckName::KeyLookup,
            "missing_kid",
            |c| {
                c.require_kid = false;
                c.allowed_algs = vec!["RS256".into(), "ES256".into()];
            },
            unsigned(json!({"alg": "ES256"}), claims()),
        ),
        (
            CheckName::KeyLookup,
            "key_not_found",
            none,
            k.sign_with_kid(Some("other"), &claims()),
        ),
        (
            CheckName::Signature,
            "invalid_signature",
            none,
            unsigned(rs256.clone(), with(|c| c["exp"] = json!(0))),
        ),
        (
            CheckName::ClaimsPresent,
            "missing_claim",
            none,
            k.sign(&with(|c| drop(c.as_object_mut().unwrap().remove("iss")))),
        ),
        (
            CheckName::RequiredClaims,
            "missing_claim",
            |c| c.required_claims = vec!["/cnf/jkt".into()],
            k.sign(&claims()),
        ),
        (
            CheckName::ClaimTypes,
            "invalid_claim",
            none,
            k.sign(&with(|c| c["iat"] = json!("yesterday"))),
        ),
        (
            CheckName::Exp,
            "token_expired",
            none,
            k.sign(&with(|c| c["exp"] = json!(T0))),
        ),
        (
            CheckName::Nbf,
            "token_not_yet_valid",
            none,
            k.sign(&with(|c| c["nbf"] = json!(T0 + 30.0))),
        ),
        (
            CheckName::Iss,
            "invalid_issuer",
            none,
            k.sign(&with(|c| c["iss"] = json!("https://id.example.test"))),
        ),
        (
            CheckName::Aud,
            "invalid_audience",
            none,
            k.sign(&with(|c| c["aud"] = json!(["other"]))),
        ),
        (
            CheckName::Scopes,
            "insufficient_scope",
            |c| c.required_scopes = vec!["write".into()],
            k.sign(&claims()),
        ),
        (
            CheckName::Permissions,
            "insufficient_permissions",
            |c| c.required_permissions = vec!["admin".into()],
            k.sign(&claims()),
        ),
    ]
}

#[test]
fn each_check_fails_alone_with_the_error_verify_gives() {
    let mut covered = Vec::new();
    for (check, code, configure, token) in failures() {
        let mut w = world(configure);
        let report = explain(&mut w, &token);
        let verdict = w.verify(&token).expect_err("refused");
        let failed = report.first_failure().expect("a failing check");
        assert_eq!((failed.check, verdict.code()), (check, code), "{token}");
        assert!(check.codes().contains(&code), "{check} names {code}");
        assert_eq!(report.verdict().unwrap_err(), &verdict, "{check}");
        for (other, outcome) in outcomes(&report) {
            let expected = match other.cmp(&check) {
                std::cmp::Ordering::Less => Outcome::Pass,
                std::cmp::Ordering::Equal => Outcome::Fail,
                std::cmp::Ordering::Greater => Outcome::NotReached,
            };
            assert_eq!(outcome, expected, "{other} when {check} fails");
        }
        let index = CheckName::ALL.iter().position(|c| *c == check).unwrap();
        let row = &report.to_json()["checks"][index];
        assert_eq!(
            (row["check"].as_str(), row["outcome"].as_str()),
            (Some(check.as_str()), Some("fail"))
        );
        assert_eq!(row["error"]["code"], code, "{check}");
        covered.push(check);
    }
    covered.dedup();
    assert_eq!(covered, CheckName::ALL, "every check fails in one case");
}

#[test]
fn a_badly_signed_expired_token_fails_its_signature_and_its_claims_stay_untrusted() {
    let mut w = world(|_| {});
    let expired = key().sign(&with(|c| c["exp"] = json!(T0 - 1.0)));
    let (signed, _) = expired.rsplit_once('.').unwrap();
    let forged = format!("{signed}.{}", URL_SAFE_NO_PAD.encode([1u8; 256]));
    let report = explain(&mut w, &forged);
    assert_eq!(report.first_failure().unwrap().check, CheckName::Signature);
    assert!(!report.signature_verified());
    assert_eq!(
        shown(&report, CheckName::Exp, "exp"),
        (Some(json!(T0 - 1.0)), Origin::Token, false)
    );
    let text = report.to_string();
    assert!(
        text.contains("payload (untrusted: the signature has not verified)"),
        "{text}"
    );
    assert!(text.contains("  FAIL         signature"), "{text}");
    assert!(
        text.contains("-> invalid_signature (401): Invalid signature"),
        "{text}"
    );
    assert!(text.contains("  not reached  exp"), "{text}");
    assert!(
        text.contains("exp = 1767225599.0 (token, untrusted)"),
        "{text}"
    );
    assert!(text.ends_with("verdict: refused, invalid_signature (401): Invalid signature\n"));
    let json = report.to_json();
    assert_eq!(json["signature_verified"], false);
    assert_eq!(json["payload"]["sub"], "alice");
    assert_eq!(json["verdict"], "invalid_signature");
}

#[test]
fn parts_that_do_not_decode_are_not_shown_and_nothing_too_large_is_decoded() {
    let mut w = world(|c| c.max_token_bytes = 64);
    let report = explain(
        &mut w,
        &format!("{}.{}.", b64(&json!({"alg": "RS256"})), "x".repeat(64)),
    );
    assert_eq!(report.first_failure().unwrap().check, CheckName::TokenSize);
    assert!(report.header().is_none() && report.payload().is_none());
    let row = report
        .checks()
        .iter()
        .find(|r| r.check == CheckName::Exp)
        .unwrap();
    assert!(
        row.values.iter().all(|value| value.origin != Origin::Token),
        "{row:?}"
    );
    let mut w = world(|_| {});
    let report = explain(
        &mut w,
        &format!("{}.e30=.", b64(&json!({"alg": "RS256", "kid": "k1"}))),
    );
    assert_eq!(report.header().unwrap()["alg"], "RS256");
    assert!(report.payload().is_none());
    assert!(report.to_string().contains("payload: not decoded"));
}

#[test]
fn a_key_source_that_fails_fails_the_key_lookup_with_its_503() {
    let mut w = world(|_| {});
    w.serve(JWKS_URL, Script::Fail(TransportKind::Refused));
    let report = explain(&mut w, &key().sign(&claims()));
    let failed = report.first_failure().unwrap();
    assert_eq!(failed.check, CheckName::KeyLookup);
    let error = report.verdict().unwrap_err();
    assert_eq!((error.code(), error.status()), ("jwks_fetch_failed", 503));
    assert!(
        std::error::Error::source(error).is_some(),
        "the cause is kept"
    );
    assert!(matches!(error, AuthError::JwksFetchFailed(_)));
}

#[test]
fn explaining_counts_no_verdict() {
    let mut w = world(|_| {});
    explain(&mut w, &key().sign(&claims()));
    explain(&mut w, "x");
    let counters = w.verifier.status(w.clock()).counters;
    assert_eq!(
        (counters.accepted, counters.rejected.values().sum::<u64>()),
        (0, 0)
    );
    w.verify("x").unwrap_err();
    let counters = w.verifier.status(w.clock()).counters;
    assert_eq!(counters.rejected.values().sum::<u64>(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the input, explain and verify agree on the verdict, and the
    /// failing check is the last one reached.
    #[test]
    fn explain_and_verify_agree_on_any_token(
        header in prop::sample::select(vec![
            json!({"alg": "RS256", "kid": "k1"}),
            json!({"alg": "RS256", "kid": "k2"}),
            json!({"alg": "RS256"}),
            json!({"alg": "HS256", "kid": "k1"}),
            json!({"alg": "RS256", "kid": "k1", "x5u": "https://x.test/"}),
        ]),
        exp in prop::sample::select(vec![json!(T0 - 1.0), json!(T0 + 60.0), json!("soon"), Value::Null]),
        aud in prop::sample::select(vec![json!(AUDIENCE), json!(["x"]), json!(7)]),
        sign in any::<bool>(),
        garble in prop::option::of(0usize..400),
    ) {
        let claims = json!({"iss": ISSUER, "aud": aud, "exp": exp});
        let mut token = if sign {
            signed_with_header(&header, &claims)
        } else {
            format!("{}.{}.c2ln", b64(&header), b64(&claims))
        };
        if let Some(at) = garble.filter(|at| *at < token.len()) {
            token.replace_range(at..=at, "~");
        }
        let mut w = world(|_| {});
        let report = explain(&mut w, &token);
        let verdict = w.verify(&token);
        prop_assert_eq!(report.verdict().map_err(AuthError::code), verdict.as_ref().map_err(AuthError::code));
        let failing: Vec<_> = report.checks().iter().filter(|r| r.outcome == Outcome::Fail).collect();
        prop_assert_eq!(failing.len(), usize::from(verdict.is_err()));
    }
}

#[test]
fn a_route_requirement_fails_the_scopes_check_as_verify_for_does() {
    let mut w = world(|_| {});
    let token = key().sign(&claims());
    let route = Requirements::new().scope("write");
    let mut query = Query::new();
    let report = w.run(|verifier, now| verifier.explain_for(&token, &route, &mut query, now));
    let mut query = Query::new();
    let verdict = w
        .run(|verifier, now| {
            verifier
                .verify_for(&token, &route, &mut query, now)
                .map(|c| c.and_then(|c| c.finish()))
        })
        .unwrap_err();
    assert_eq!(report.first_failure().unwrap().check, CheckName::Scopes);
    assert_eq!(report.verdict().unwrap_err(), &verdict);
    assert_eq!(
        shown(&report, CheckName::Scopes, "route_scopes"),
        (Some(json!(["write"])), Origin::Configuration, true)
    );
}
