//! Every error code of docs/rules.md, produced through the public Sans-IO API,
//! with its status and its exact `WWW-Authenticate` challenge.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::world::{jwks, Key, Script, World, AUDIENCE, ISSUER, JWKS_URL, T0};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use oidc_jwt_verifier_core::http_types::{HeaderMap, HeaderValue};
use oidc_jwt_verifier_core::{AuthConfig, AuthError, DpopMode, IncomingRequest, Requirements};
use oidc_jwt_verifier_testkit::{DpopProofBuilder, FixedKey, TestKey};
use serde_json::{json, Value};

fn key() -> &'static Key {
    static KEY: OnceLock<Key> = OnceLock::new();
    KEY.get_or_init(|| Key::rsa("k1"))
}

fn claims() -> Value {
    json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "exp": T0 + 60.0, "scope": "read", "permissions": ["a"]})
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

fn unsigned(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

fn error_of(world: &mut World, token: &str) -> AuthError {
    world.verify(token).expect_err("the token must be refused")
}

#[test]
fn every_error_code_is_produced_with_its_status_and_challenge() {
    let k = key();
    let invalid = |e: &str| format!(r#"Bearer error="invalid_token", error_description="{e}""#);
    let mut seen = BTreeSet::new();
    let mut expect = |error: AuthError, code: &str, status: u16, challenge: Option<String>| {
        assert_eq!((error.code(), error.status()), (code, status), "{error:?}");
        assert_eq!(error.www_authenticate(None), challenge, "{code}");
        seen.insert(code.to_owned());
    };

    let mut w = world(|_| {});
    let header_error = |w: &mut World, value: Option<&str>| {
        let mut query = oidc_jwt_verifier_core::Query::new();
        w.run(|v, now| {
            v.verify_authorization(value, &mut query, now)
                .map(|verdict| verdict.expect_err("a rejection"))
        })
    };
    expect(
        header_error(&mut w, None),
        "missing_token",
        401,
        Some("Bearer".into()),
    );
    expect(
        header_error(&mut w, Some("Basic YWxhZGRpbjpvcGVuc2VzYW1l")),
        "invalid_request",
        400,
        Some(
            r#"Bearer error="invalid_request", error_description="Malformed Authorization header""#
                .into(),
        ),
    );
    expect(
        error_of(&mut w, " "),
        "missing_token",
        401,
        Some("Bearer".into()),
    );

    let mut small = world(|c| c.max_token_bytes = 10);
    expect(
        error_of(&mut small, "a.b.c.d.e.f"),
        "token_too_large",
        401,
        Some(invalid("Token is too large")),
    );
    expect(
        error_of(&mut w, "a.b"),
        "malformed_token",
        401,
        Some(invalid("Malformed token")),
    );
    let jku = unsigned(
        &json!({"alg": "RS256", "kid": "k1", "jku": "https://evil.test/"}),
        &claims(),
    );
    expect(
        error_of(&mut w, &jku),
        "forbidden_header",
        401,
        Some(invalid("Forbidden token header parameter")),
    );
    let none = unsigned(&json!({"alg": "none", "kid": "k1"}), &claims());
    expect(
        error_of(&mut w, &none),
        "disallowed_alg",
        401,
        Some(invalid("Disallowed signing algorithm")),
    );

    let mut typed = world(|c| c.expected_typ = Some("at+jwt".into()));
    expect(
        error_of(&mut typed, &k.sign(&claims())),
        "invalid_type",
        401,
        Some(invalid("Invalid token type")),
    );
    expect(
        error_of(&mut w, &k.sign_with_kid(None, &claims())),
        "missing_kid",
        401,
        Some(invalid("Missing kid header")),
    );
    expect(
        error_of(&mut w, &k.sign_with_kid(Some("other"), &claims())),
        "key_not_found",
        401,
        Some(invalid("No matching signing key")),
    );
    let mut tampered = k.sign(&claims());
    tampered.replace_range(tampered.len() - 4.., "AAAA");
    expect(
        error_of(&mut w, &tampered),
        "invalid_signature",
        401,
        Some(invalid("Invalid signature")),
    );

    let no_aud = k.sign(&with(|c| drop(c.as_object_mut().unwrap().remove("aud"))));
    expect(
        error_of(&mut w, &no_aud),
        "missing_claim",
        401,
        Some(invalid("Missing required claim: aud")),
    );
    let bad_nbf = k.sign(&with(|c| c["nbf"] = Value::Null));
    expect(
        error_of(&mut w, &bad_nbf),
        "invalid_claim",
        401,
        Some(invalid("Invalid claim: nbf")),
    );
    let expired = k.sign(&with(|c| c["exp"] = json!(T0)));
    expect(
        error_of(&mut w, &expired),
        "token_expired",
        401,
        Some(invalid("Token is expired")),
    );
    let early = k.sign(&with(|c| c["nbf"] = json!(T0 + 1.0)));
    expect(
        error_of(&mut w, &early),
        "token_not_yet_valid",
        401,
        Some(invalid("Token is not valid yet")),
    );
    let issuer = k.sign(&with(|c| c["iss"] = json!("https://evil.test/")));
    expect(
        error_of(&mut w, &issuer),
        "invalid_issuer",
        401,
        Some(invalid("Invalid issuer")),
    );
    let audience = k.sign(&with(|c| c["aud"] = json!(["other"])));
    expect(
        error_of(&mut w, &audience),
        "invalid_audience",
        401,
        Some(invalid("Invalid audience")),
    );

    let mut scoped =
        world(|c| c.required_scopes = vec!["write".into(), "read".into(), "admin".into()]);
    expect(
        error_of(&mut scoped, &k.sign(&claims())),
        "insufficient_scope",
        403,
        Some(r#"Bearer error="insufficient_scope", error_description="Insufficient scope", scope="write read admin""#.into()),
    );
    let mut permitted = world(|c| c.required_permissions = vec!["a".into(), "b".into()]);
    expect(
        error_of(&mut permitted, &k.sign(&claims())),
        "insufficient_permissions",
        403,
        Some(r#"Bearer error="insufficient_scope", error_description="Insufficient permissions", permissions="a b""#.into()),
    );

    let mut down = world(|_| {});
    down.serve(JWKS_URL, Script::status(500, &json!({})));
    expect(
        error_of(&mut down, &k.sign(&claims())),
        "jwks_fetch_failed",
        503,
        None,
    );
    let mut garbage = world(|_| {});
    garbage.serve(JWKS_URL, Script::json(&json!({"keys": "no"})));
    expect(
        error_of(&mut garbage, &k.sign(&claims())),
        "jwks_error",
        503,
        None,
    );
    let discovery = "https://id.example.test/.well-known/openid-configuration";
    let mut mismatch = World::new(AuthConfig::with_discovery_url(ISSUER, AUDIENCE, discovery));
    mismatch.serve(
        discovery,
        Script::json(&json!({"issuer": "https://evil.test/", "jwks_uri": JWKS_URL})),
    );
    expect(
        error_of(&mut mismatch, &k.sign(&claims())),
        "issuer_mismatch",
        503,
        None,
    );

    // Claims that verify but do not fit the caller's type: 500, no challenge.
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct NeedsTenant {
        tenant: String,
    }
    let mut typed = world(|_| {});
    let token = k.sign(&claims());
    let mut query = oidc_jwt_verifier_core::Query::new();
    let mismatch = typed.run(|v, now| {
        v.verify(&token, &mut query, now)
            .map(|check| check.and_then(|check| check.finish_as::<NeedsTenant>()))
    });
    expect(
        mismatch.expect_err("no tenant claim"),
        "claims_type_mismatch",
        500,
        None,
    );

    // Sender-constrained tokens (docs/rules.md, "Sender-constrained tokens").
    let client = TestKey::fixed(FixedKey::Ed25519).unwrap();
    let bound = k.sign(&with(|c| c["cnf"] = json!({"jkt": client.thumbprint()})));
    let mut dpop = world(|c| c.dpop = DpopMode::Either);
    expect(
        error_of(&mut dpop, &bound),
        "dpop_required",
        401,
        Some(invalid("DPoP proof required")),
    );
    let certificate_bound = k.sign(&with(|c| c["cnf"] = json!({"x5t#S256": "c2VydA"})));
    expect(
        error_of(&mut dpop, &certificate_bound),
        "invalid_certificate_binding",
        401,
        Some(invalid("Invalid certificate binding")),
    );
    let uri = "https://api.example.test/orders";
    let request_error = |w: &mut World, token: &str, proof: &str| {
        let mut headers = HeaderMap::new();
        let authorization = format!("DPoP {token}");
        headers.insert(
            "authorization",
            HeaderValue::from_str(&authorization).unwrap(),
        );
        headers.insert("dpop", HeaderValue::from_str(proof).unwrap());
        let request = IncomingRequest::new("GET", uri, &headers);
        let route = Requirements::new();
        let mut query = oidc_jwt_verifier_core::Query::new();
        w.run(|v, now| {
            v.verify_request(&request, &route, &mut query, now)
                .map(|check| check.and_then(|check| check.finish()))
        })
    };
    let iat = dpop.now() as u64;
    let proof = DpopProofBuilder::new(&client, "GET", uri, iat)
        .access_token(&bound)
        .sign(&client)
        .unwrap();
    assert!(request_error(&mut dpop, &bound, &proof).is_ok());
    let dpop_challenge = |error: &str, description: &str| {
        Some(format!(
            r#"DPoP error="{error}", error_description="{description}""#
        ))
    };
    expect(
        request_error(&mut dpop, &bound, &proof).unwrap_err(),
        "dpop_proof_replayed",
        401,
        dpop_challenge("invalid_dpop_proof", "DPoP proof replayed"),
    );
    let post = DpopProofBuilder::new(&client, "POST", uri, iat)
        .access_token(&bound)
        .sign(&client)
        .unwrap();
    expect(
        request_error(&mut dpop, &bound, &post).unwrap_err(),
        "invalid_dpop_proof",
        401,
        dpop_challenge("invalid_dpop_proof", "Invalid DPoP proof"),
    );
    let unbound = k.sign(&claims());
    let for_unbound = DpopProofBuilder::new(&client, "GET", uri, iat)
        .access_token(&unbound)
        .sign(&client)
        .unwrap();
    expect(
        request_error(&mut dpop, &unbound, &for_unbound).unwrap_err(),
        "invalid_dpop_binding",
        401,
        dpop_challenge("invalid_token", "Invalid DPoP key binding"),
    );

    let all: BTreeSet<String> = oidc_jwt_verifier_core::ERROR_CODES
        .iter()
        .map(|code| (*code).to_owned())
        .collect();
    assert_eq!(seen, all, "every code of the table");
}

#[test]
fn checks_run_in_table_order() {
    let k = key();
    let mut w = world(|_| {});
    // Expired and badly signed: the signature is judged first.
    let mut both = k.sign(&with(|c| c["exp"] = json!(T0 - 10.0)));
    both.replace_range(both.len() - 4.., "AAAA");
    assert_eq!(error_of(&mut w, &both), AuthError::InvalidSignature);
    // A disallowed alg is refused before any key is fetched.
    let mut fresh = world(|_| {});
    let hs = unsigned(&json!({"alg": "HS256", "kid": "k1"}), &claims());
    assert_eq!(error_of(&mut fresh, &hs), AuthError::DisallowedAlg);
    assert_eq!(fresh.fetched(JWKS_URL), 0);
    // Forbidden header before the alg check; malformed before both.
    let both = unsigned(
        &json!({"alg": "none", "x5u": "https://evil.test/"}),
        &claims(),
    );
    assert_eq!(error_of(&mut fresh, &both), AuthError::ForbiddenHeader);
    let dup = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","alg":"none"}"#),
        URL_SAFE_NO_PAD.encode("{}")
    );
    assert_eq!(error_of(&mut fresh, &dup), AuthError::MalformedToken);
    // Key-source errors come after missing_kid and before key_not_found.
    let mut down = world(|_| {});
    down.serve(JWKS_URL, Script::status(500, &json!({})));
    assert_eq!(
        error_of(&mut down, &k.sign_with_kid(None, &claims())),
        AuthError::MissingKid
    );
    assert_eq!(
        error_of(&mut down, &k.sign_with_kid(Some("zzz"), &claims())).code(),
        "jwks_fetch_failed"
    );
}

#[test]
fn claims_come_back_typed_and_as_the_callers_type() {
    #[derive(serde::Deserialize)]
    struct Mine {
        sub: String,
        scope: String,
    }
    let mut w = world(|_| {});
    let claims = w.verify(&key().sign(&claims())).unwrap();
    assert_eq!(claims.issuer, ISSUER);
    assert!(claims
        .audience
        .as_ref()
        .is_some_and(|aud| aud.contains(AUDIENCE)));
    assert_eq!(claims.expires_at.as_secs_f64(), T0 + 60.0);
    assert_eq!(claims.extra.get("scope"), Some(&json!("read")));
    let mine: Mine = claims.deserialize().unwrap();
    assert_eq!((mine.sub.as_str(), mine.scope.as_str()), ("alice", "read"));
}
