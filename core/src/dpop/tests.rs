//! The proof checks one by one: the RFC 9449 examples at their own times,
//! then a refusing proof for every check.

use http::{HeaderMap, HeaderValue};
use oidc_jwt_verifier_testkit::{DpopProofBuilder, FixedKey, TestKey};
use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::confirmation::jwk_thumbprint;

/// RFC 9449 section 4.1 (figure 3): a proof for a token request.
const RFC_TOKEN_REQUEST_PROOF: &str = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg";
/// RFC 9449 section 7.1 (figure 13): a proof for a protected resource,
/// with the access token of its figure 12.
const RFC_RESOURCE_PROOF: &str = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9.2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA";
const RFC_ACCESS_TOKEN: &str = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
/// The RFC 7638 thumbprint of the examples' key (RFC 9449 section 6.1).
const RFC_JKT: &str = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
const RFC_RESOURCE: &str = "https://resource.example.org/protectedresource";

const URI: &str = "https://api.example.test/orders";
const TOKEN: &str = "the.access.token";
const IAT: u64 = 1_767_225_600;

fn policy() -> DpopPolicy {
    let mut config = AuthConfig::with_jwks_url("https://i.test/", "a", "https://i.test/jwks");
    config.dpop = DpopMode::DpopOnly;
    config.dpop_algs = vec!["ES256".into(), "EdDSA".into(), "PS256".into()];
    config.validate().unwrap().0.dpop
}

fn headers(proofs: &[&str]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for proof in proofs {
        map.append("dpop", HeaderValue::from_str(proof).unwrap());
    }
    map
}

fn at(secs: f64) -> UnixTime {
    UnixTime::from_secs_f64(secs)
}

/// Both steps, as the verifier runs them, with a fresh replay cache.
fn verify(
    proof: &str,
    method: &str,
    uri: &str,
    token: Option<&str>,
    now: f64,
) -> Result<(), AuthError> {
    verify_with(&ReplayCache::new(100), proof, method, uri, token, now)
}

fn verify_with(
    replay: &ReplayCache,
    proof: &str,
    method: &str,
    uri: &str,
    token: Option<&str>,
    now: f64,
) -> Result<(), AuthError> {
    let policy = policy();
    let headers = headers(&[proof]);
    let proof = read_proof(&headers, method, uri, token, &policy)?;
    let thumbprint = jwk_thumbprint(proof.jwk()).ok_or(refused(DpopProblem::Key))?;
    proof.check(&thumbprint, &policy, replay, at(now))
}

fn problem(result: Result<(), AuthError>) -> DpopProblem {
    match result {
        Err(AuthError::InvalidDpopProof(problem)) => problem,
        other => panic!("not an invalid_dpop_proof: {other:?}"),
    }
}

#[test]
fn the_rfc9449_token_request_proof_verifies_at_its_time() {
    let headers = headers(&[RFC_TOKEN_REQUEST_PROOF]);
    let proof = read_proof(
        &headers,
        "POST",
        "https://server.example.com/token",
        None,
        &policy(),
    )
    .unwrap();
    assert_eq!(jwk_thumbprint(proof.jwk()).as_deref(), Some(RFC_JKT));
    let replay = ReplayCache::new(10);
    let check = |now| proof.check(RFC_JKT, &policy(), &replay, at(now));
    assert_eq!(check(1_562_262_616.0), Ok(()));
    assert_eq!(check(1_562_262_617.0), Err(AuthError::DpopProofReplayed));
    // At a resource server the proof lacks `ath`.
    assert_eq!(
        problem(verify(
            RFC_TOKEN_REQUEST_PROOF,
            "POST",
            "https://server.example.com/token",
            Some(RFC_ACCESS_TOKEN),
            1_562_262_616.0
        )),
        DpopProblem::AccessTokenHash
    );
}

#[test]
fn the_rfc9449_resource_proof_verifies_for_its_request_and_token() {
    let now = 1_562_262_618.0;
    assert_eq!(
        verify(
            RFC_RESOURCE_PROOF,
            "GET",
            RFC_RESOURCE,
            Some(RFC_ACCESS_TOKEN),
            now
        ),
        Ok(())
    );
    // htu is compared normalised, without query and fragment.
    let spelled = "HTTPS://Resource.EXAMPLE.org:443/./protectedresource?page=2#top";
    assert_eq!(
        verify(
            RFC_RESOURCE_PROOF,
            "GET",
            spelled,
            Some(RFC_ACCESS_TOKEN),
            now
        ),
        Ok(())
    );
    for (method, uri, token, expected) in [
        ("POST", RFC_RESOURCE, RFC_ACCESS_TOKEN, DpopProblem::Method),
        ("get", RFC_RESOURCE, RFC_ACCESS_TOKEN, DpopProblem::Method),
        (
            "GET",
            "https://resource.example.org/other",
            RFC_ACCESS_TOKEN,
            DpopProblem::Target,
        ),
        (
            "GET",
            "http://resource.example.org/protectedresource",
            RFC_ACCESS_TOKEN,
            DpopProblem::Target,
        ),
        (
            "GET",
            "https://resource.example.org:8443/protectedresource",
            RFC_ACCESS_TOKEN,
            DpopProblem::Target,
        ),
        (
            "GET",
            "/protectedresource",
            RFC_ACCESS_TOKEN,
            DpopProblem::Target,
        ),
        (
            "GET",
            RFC_RESOURCE,
            "another-token",
            DpopProblem::AccessTokenHash,
        ),
    ] {
        assert_eq!(
            problem(verify(RFC_RESOURCE_PROOF, method, uri, Some(token), now)),
            expected,
            "{method} {uri} {token}"
        );
    }
}

#[test]
fn iat_is_judged_within_the_configured_window() {
    let iat = 1_562_262_618.0;
    let verify_at = |now| {
        verify(
            RFC_RESOURCE_PROOF,
            "GET",
            RFC_RESOURCE,
            Some(RFC_ACCESS_TOKEN),
            now,
        )
    };
    assert_eq!(verify_at(iat + 60.0), Ok(()));
    assert_eq!(problem(verify_at(iat + 60.001)), DpopProblem::IssuedAt);
    assert_eq!(verify_at(iat - 5.0), Ok(()));
    assert_eq!(problem(verify_at(iat - 5.001)), DpopProblem::IssuedAt);
}

fn key(fixed: FixedKey) -> TestKey {
    TestKey::fixed(fixed).unwrap()
}

fn good(key: &TestKey) -> DpopProofBuilder {
    DpopProofBuilder::new(key, "GET", URI, IAT).access_token(TOKEN)
}

fn verify_proof(proof: &str) -> Result<(), AuthError> {
    verify(proof, "GET", URI, Some(TOKEN), IAT as f64)
}

#[test]
fn proofs_of_every_allowed_algorithm_verify() {
    for fixed in [FixedKey::P256, FixedKey::Ed25519, FixedKey::Rsa2048A] {
        let key = key(fixed);
        let builder = good(&key).header(
            "alg",
            json!(if fixed == FixedKey::Rsa2048A {
                "PS256"
            } else {
                key.alg().name()
            }),
        );
        assert_eq!(
            verify_proof(&builder.sign(&key).unwrap()),
            Ok(()),
            "{fixed:?}"
        );
    }
}

#[test]
fn every_header_rule_has_a_refusing_proof() {
    let key = key(FixedKey::P256);
    let other = TestKey::fixed(FixedKey::Ed25519).unwrap();
    let mut private_jwk = key.public_members();
    private_jwk["d"] = json!("AAAA");
    let mut off_curve = key.public_members();
    off_curve["y"] = off_curve["x"].clone();
    let cases: Vec<(DpopProofBuilder, DpopProblem)> = vec![
        (good(&key).header("typ", json!("JWT")), DpopProblem::Type),
        (good(&key).remove_header("typ"), DpopProblem::Type),
        (
            good(&key).header("typ", json!(["dpop+jwt"])),
            DpopProblem::Type,
        ),
        (
            good(&key).header("alg", json!("none")),
            DpopProblem::Algorithm,
        ),
        (
            good(&key).header("alg", json!("HS256")),
            DpopProblem::Algorithm,
        ),
        (
            good(&key).header("alg", json!("ES384")),
            DpopProblem::Algorithm,
        ),
        (good(&key).remove_header("alg"), DpopProblem::Algorithm),
        (
            good(&key).header("jku", json!("https://evil.test/jwks")),
            DpopProblem::ForbiddenHeader,
        ),
        (
            good(&key).header("x5c", json!([])),
            DpopProblem::ForbiddenHeader,
        ),
        (
            good(&key).header("crit", json!(["exp"])),
            DpopProblem::ForbiddenHeader,
        ),
        (good(&key).remove_header("jwk"), DpopProblem::Key),
        (
            good(&key).header("jwk", json!("not an object")),
            DpopProblem::Key,
        ),
        (good(&key).header("jwk", private_jwk), DpopProblem::Key),
        (good(&key).header("jwk", off_curve), DpopProblem::Key),
        (
            good(&key).header("jwk", json!({"kty": "oct", "k": "c2VjcmV0"})),
            DpopProblem::Key,
        ),
        // The header names one key, another signed.
        (
            good(&key).header("jwk", other.public_members()),
            DpopProblem::Key,
        ),
    ];
    for (builder, expected) in cases {
        let proof = builder.sign(&key).unwrap();
        assert_eq!(problem(verify_proof(&proof)), expected, "{builder:?}");
    }
    // A key that fits the algorithm but did not sign.
    let forged = good(&key);
    let resigned = forged
        .sign(&TestKey::generate(oidc_jwt_verifier_testkit::KeyKind::P256).unwrap())
        .unwrap();
    assert_eq!(problem(verify_proof(&resigned)), DpopProblem::Signature);
    assert_eq!(
        problem(verify_proof(&good(&key).with_signature(&[7; 64]))),
        DpopProblem::Signature
    );
    assert_eq!(
        problem(verify_proof(&good(&key).with_signature(&[0; 64]))),
        DpopProblem::Signature
    );
}

#[test]
fn every_claim_rule_has_a_refusing_proof() {
    let key = key(FixedKey::Ed25519);
    let cases: Vec<(DpopProofBuilder, DpopProblem)> = vec![
        (good(&key).remove_claim("jti"), DpopProblem::Jti),
        (good(&key).jti(""), DpopProblem::Jti),
        (good(&key).claim("jti", json!(7)), DpopProblem::Jti),
        (good(&key).remove_claim("htm"), DpopProblem::Method),
        (good(&key).claim("htm", json!("POST")), DpopProblem::Method),
        (good(&key).remove_claim("htu"), DpopProblem::Target),
        (
            good(&key).claim("htu", json!("https://api.example.test/other")),
            DpopProblem::Target,
        ),
        (
            good(&key).claim("htu", json!("not a uri")),
            DpopProblem::Target,
        ),
        (good(&key).remove_claim("ath"), DpopProblem::AccessTokenHash),
        (
            good(&key).claim("ath", json!(access_token_hash("another"))),
            DpopProblem::AccessTokenHash,
        ),
        (good(&key).remove_claim("iat"), DpopProblem::IssuedAt),
        (
            good(&key).claim("iat", json!("1767225600")),
            DpopProblem::IssuedAt,
        ),
        (
            good(&key).claim("iat", json!(IAT - 61)),
            DpopProblem::IssuedAt,
        ),
        (
            good(&key).claim("iat", json!(IAT + 6)),
            DpopProblem::IssuedAt,
        ),
    ];
    for (builder, expected) in cases {
        let proof = builder.sign(&key).unwrap();
        assert_eq!(problem(verify_proof(&proof)), expected, "{builder:?}");
    }
    // Extra claims (a `nonce` this server never asked for included) are ignored.
    let extra = good(&key)
        .claim("nonce", json!("n"))
        .claim("x", json!({"y": 1}));
    assert_eq!(verify_proof(&extra.sign(&key).unwrap()), Ok(()));
}

#[test]
fn the_field_must_be_one_well_formed_compact_jws() {
    let key = key(FixedKey::Ed25519);
    let proof = good(&key).sign(&key).unwrap();
    let policy = policy();
    let read =
        |headers: &HeaderMap| read_proof(headers, "GET", URI, Some(TOKEN), &policy).map(|_| ());
    assert_eq!(problem(read(&HeaderMap::new())), DpopProblem::Missing);
    assert_eq!(
        problem(read(&headers(&[&proof, &proof]))),
        DpopProblem::Repeated
    );
    let (signing_input, signature) = proof.rsplit_once('.').unwrap();
    let (header, payload) = signing_input.split_once('.').unwrap();
    let duplicate = URL_SAFE_NO_PAD.encode(r#"{"jti":"a","jti":"b","htm":"GET"}"#);
    for bad in [
        String::new(),
        " ".into(),
        format!("{proof}."),
        format!("{header}.{payload}"),
        format!("{header}={payload}.{signature}"),
        format!("{header}.{payload}.{signature}="),
        format!("{header}.{duplicate}.{signature}"),
        format!("{header}.{}.{signature}", URL_SAFE_NO_PAD.encode("[1]")),
        format!(
            "{}.{payload}.{signature}",
            URL_SAFE_NO_PAD.encode("not json")
        ),
        format!("{header}.{payload}.{}", "A".repeat(MAX_PROOF_BYTES)),
    ] {
        assert_eq!(
            problem(read(&headers(&[&bad]))),
            DpopProblem::Malformed,
            "{bad:.40}"
        );
    }
    let mut binary = HeaderMap::new();
    binary.insert("dpop", HeaderValue::from_bytes(b"a\xffb").unwrap());
    assert_eq!(problem(read(&binary)), DpopProblem::Malformed);
}

#[test]
fn a_proof_is_taken_once_and_another_jti_or_key_is_another_proof() {
    let (one, two) = (key(FixedKey::Ed25519), key(FixedKey::P256));
    let replay = ReplayCache::new(10);
    let check = |proof: &str| verify_with(&replay, proof, "GET", URI, Some(TOKEN), IAT as f64);
    let proof = good(&one).jti("j").sign(&one).unwrap();
    assert_eq!(check(&proof), Ok(()));
    assert_eq!(check(&proof), Err(AuthError::DpopProofReplayed));
    assert_eq!(check(&good(&one).jti("k").sign(&one).unwrap()), Ok(()));
    assert_eq!(check(&good(&two).jti("j").sign(&two).unwrap()), Ok(()));
    // A replay with another signature is the same proof (ECDSA signs anew each time).
    let again = good(&two).jti("j").sign(&two).unwrap();
    assert_eq!(check(&again), Err(AuthError::DpopProofReplayed));
}

#[test]
fn a_flood_of_distinct_valid_proofs_stays_within_the_bound_and_replays_stay_refused() {
    let key = key(FixedKey::Ed25519);
    let replay = ReplayCache::new(64);
    let mut accepted = Vec::new();
    for n in 0..400u64 {
        // One new proof per request, four requests a second.
        let now = IAT as f64 + n as f64 / 4.0;
        let builder = DpopProofBuilder::new(&key, "GET", URI, now as u64)
            .access_token(TOKEN)
            .jti(&format!("flood-{n}"));
        let proof = builder.sign(&key).unwrap();
        match verify_with(&replay, &proof, "GET", URI, Some(TOKEN), now) {
            Ok(()) => accepted.push(proof),
            Err(error) => assert_eq!(error.dpop_problem(), Some(DpopProblem::TooOldToTrack)),
        }
        assert!(replay.len() <= 64);
        // Every proof accepted so far and still inside the window is
        // refused again (checked every tenth request: each is a signature).
        for old in accepted.iter().filter(|_| n % 10 == 9) {
            let again = verify_with(&replay, old, "GET", URI, Some(TOKEN), now);
            assert!(
                matches!(
                    again,
                    Err(AuthError::DpopProofReplayed)
                        | Err(AuthError::InvalidDpopProof(
                            DpopProblem::TooOldToTrack | DpopProblem::IssuedAt
                        ))
                ),
                "a replay got through: {again:?}"
            );
        }
    }
    assert!(
        accepted.len() > 64,
        "the flood kept being served: {}",
        accepted.len()
    );
}

proptest! {
    /// Arbitrary `DPoP` field values never panic and are refused with
    /// `invalid_dpop_proof`.
    #[test]
    fn arbitrary_fields_are_refused_without_panicking(value in "[ -~]{0,200}") {
        if let Ok(header) = HeaderValue::from_str(&value) {
            let mut map = HeaderMap::new();
            map.insert("dpop", header);
            let read = read_proof(&map, "GET", URI, Some(TOKEN), &policy());
            prop_assert!(matches!(read, Err(AuthError::InvalidDpopProof(_))));
        }
    }

    /// Arbitrary JSON in the header and payload never panics.
    #[test]
    fn arbitrary_members_never_panic(
        typ in prop_oneof![Just(json!("dpop+jwt")), Just(json!(1)), Just(Value::Null)],
        htm in prop_oneof![Just(json!("GET")), Just(json!(["GET"]))],
        iat in prop_oneof![Just(json!(IAT)), Just(json!(1e300)), Just(json!(-1)), Just(json!("x"))],
    ) {
        let key = TestKey::fixed(FixedKey::Ed25519).unwrap();
        let proof = good(&key).header("typ", typ).claim("htm", htm).claim("iat", iat).sign(&key).unwrap();
        let _ = verify_proof(&proof);
    }
}
