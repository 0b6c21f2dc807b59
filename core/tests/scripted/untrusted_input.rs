//! Untrusted input never panics and always gets a typed error: arbitrary
//! tokens, JWK Set bodies and discovery bodies through the whole verifier.

use std::sync::OnceLock;

use crate::world::{jwks, Key, Script, World, AUDIENCE, ISSUER, JWKS_URL, T0};
use oidc_jwt_verifier_core::{AuthConfig, SourceProblem};
use proptest::prelude::*;
use serde_json::json;

const DISCOVERY_URL: &str = "https://id.example.test/.well-known/openid-configuration";

fn key() -> &'static Key {
    static KEY: OnceLock<Key> = OnceLock::new();
    KEY.get_or_init(|| Key::rsa("k1"))
}

fn raw(body: Vec<u8>) -> Script {
    Script::Respond {
        status: 200,
        headers: vec![],
        body,
    }
}

/// Bytes that look like JSON often enough to reach the deeper checks.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        "[{}\\[\\]\":,a-z0-9 ]{0,200}".prop_map(String::into_bytes),
        proptest::collection::vec(
            prop_oneof![
                Just(json!({"kty": "RSA"})),
                Just(json!(1)),
                Just(json!({"kty": "EC", "crv": "P-256", "x": "", "y": ""})),
                Just(json!({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}))
            ],
            0..8
        )
        .prop_map(|keys| json!({"keys": keys}).to_string().into_bytes()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_tokens_get_a_typed_error(token in "\\PC{0,300}|[A-Za-z0-9_.-]{0,300}") {
        let mut world = World::standard();
        world.serve(JWKS_URL, Script::json(&jwks(&[key()])));
        let error = world.verify(&token).expect_err("not a token signed by k1");
        prop_assert!(matches!(error.status(), 400 | 401 | 403));
    }

    #[test]
    fn arbitrary_jwks_bodies_get_a_typed_error(body in jsonish()) {
        let mut world = World::standard();
        world.serve(JWKS_URL, raw(body));
        let error = world.verify(&key().token(T0)).expect_err("no usable k1 in the body");
        prop_assert!(matches!(error.code(), "jwks_error" | "key_not_found"), "{error:?}");
    }

    #[test]
    fn arbitrary_discovery_bodies_get_a_typed_error(body in jsonish()) {
        let mut world = World::new(AuthConfig::with_discovery_url(ISSUER, AUDIENCE, DISCOVERY_URL));
        world.serve(DISCOVERY_URL, raw(body));
        world.serve(JWKS_URL, Script::json(&jwks(&[key()])));
        let error = world.verify(&key().token(T0)).expect_err("no issuer in the body");
        prop_assert!(matches!(error.code(), "jwks_error" | "issuer_mismatch"), "{error:?}");
        prop_assert_eq!(world.fetched(JWKS_URL), 0);
    }
}

#[test]
fn a_deeply_nested_body_is_refused_without_overflowing_the_stack() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes();
    let mut world = World::standard();
    world.serve(JWKS_URL, raw(deep.clone()));
    assert_eq!(
        world.verify(&key().token(T0)).unwrap_err(),
        oidc_jwt_verifier_core::AuthError::JwksError(SourceProblem::NotJson.into())
    );
    let mut world = World::new(AuthConfig::with_discovery_url(
        ISSUER,
        AUDIENCE,
        DISCOVERY_URL,
    ));
    world.serve(DISCOVERY_URL, raw(deep));
    assert_eq!(
        world.verify(&key().token(T0)).unwrap_err().code(),
        "jwks_error"
    );
}
