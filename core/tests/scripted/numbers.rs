//! Numbers in tokens are read the same whatever serde_json features the
//! build enables (CI runs this with `serde_json/arbitrary_precision` too,
//! which used to turn every fractional `exp` into `invalid_claim: exp`).

use crate::world::{jwks, Key, Script, World, AUDIENCE, ISSUER, JWKS_URL, T0};
use oidc_jwt_verifier_core::{AuthConfig, AuthError, ClaimName};
use serde_json::{json, Number, Value};

/// A token whose payload is `payload` exactly as written (numbers included).
fn token_with_payload(key: &Key, payload: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(payload);
    key.sign_input(&format!("{header}.{body}"))
}

fn world(key: &Key) -> World {
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, JWKS_URL);
    config.leeway_s = 0.5;
    let mut world = World::new(config);
    world.serve(JWKS_URL, Script::json(&jwks(&[key])));
    world
}

#[test]
fn fractions_exponents_and_big_integers_in_claims_are_numbers() {
    let key = Key::rsa("k1");
    let mut world = world(&key);
    let payload = format!(
        r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{exp},"nbf":-0,"iat":1.7672256e9,"n":[1e-400,18446744073709551616,-9223372036854775809,0.1]}}"#,
        exp = "1767225600.75"
    );
    let claims = world.verify(&token_with_payload(&key, &payload)).unwrap();
    assert_eq!(claims.expires_at.as_secs_f64(), 1_767_225_600.75);
    assert_eq!(claims.get("exp"), Some(json!(1_767_225_600.75)));
    assert_eq!(claims.get("iat"), Some(json!(1_767_225_600.0)));
    let nbf = claims.not_before.as_ref().unwrap().as_number();
    assert!(nbf.is_f64() && nbf.as_f64().is_some_and(f64::is_sign_negative));
    let float = |f: f64| Value::Number(Number::from_f64(f).unwrap());
    assert_eq!(
        claims.get("n"),
        Some(Value::Array(vec![
            float(0.0),
            float(18_446_744_073_709_551_616.0),
            float(-9_223_372_036_854_775_808.0),
            float(0.1),
        ]))
    );
    // Judged as numbers: expired half a second of leeway past 0.75.
    world.at(T0 + 1.25);
    assert_eq!(
        world
            .verify(&token_with_payload(&key, &payload))
            .unwrap_err(),
        AuthError::TokenExpired
    );
}

#[test]
fn an_exp_beyond_the_f64_range_is_malformed_and_an_object_is_not_a_number() {
    let key = Key::rsa("k1");
    let mut world = world(&key);
    let huge = format!(r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":1e400}}"#);
    assert_eq!(
        world.verify(&token_with_payload(&key, &huge)).unwrap_err(),
        AuthError::MalformedToken
    );
    // serde_json's private spelling of a number is an object like any other.
    let disguised = format!(
        r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{{"$serde_json::private::Number":"4102444800"}}}}"#
    );
    assert_eq!(
        world
            .verify(&token_with_payload(&key, &disguised))
            .unwrap_err(),
        AuthError::InvalidClaim(ClaimName::Exp)
    );
}
