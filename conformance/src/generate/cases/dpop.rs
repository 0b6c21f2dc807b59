//! `dpop/`: sender-constrained tokens (docs/rules.md, "Sender-constrained
//! tokens"): the `dpop*` configuration keys refused, and what a token bound
//! by `cnf` gets when it is presented as a bearer token (`verify`,
//! `verify_header`): a DPoP-bound token is `dpop_required` in every mode, a
//! certificate-bound one `invalid_certificate_binding` without its
//! certificate, judged after the signature and before the claims.

use serde_json::{json, Value};

use super::with_usual_keys;
use crate::generate::build::{CaseSpec, Expect};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{alice, rsa, sign, signed, token, JWKS_URL, T0};
use crate::issuer::{b64url, certificate_thumbprint, DpopProofBuilder, FixedKey, TestKey};

/// The `dpop` modes, by configuration name.
const MODES: [&str; 3] = ["bearer_only", "dpop_only", "either"];

/// The client's DPoP key: fixed Ed25519, so every proof is repeatable.
pub(super) fn client_key() -> Result<TestKey, GenerateError> {
    Ok(TestKey::fixed(FixedKey::Ed25519)?)
}

/// Stands for the DER of the client certificate of the mutual-TLS cases.
pub(super) const CLIENT_CERTIFICATE: &[u8] = b"0\x82\x01\x0a the client certificate";

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let mut cases = refused_configurations();
    cases.extend(bearer_cases()?);
    cases.extend(request_cases()?);
    Ok(cases)
}

fn refused_configurations() -> Vec<CaseSpec> {
    let refused: [(&str, &str, &str, Value); 9] = [
        (
            "mode-unknown",
            "dpop must be bearer_only, dpop_only or either.",
            "dpop",
            json!("on"),
        ),
        (
            "algs-empty",
            "dpop_algs empty: no proof could ever verify.",
            "dpop_algs",
            json!([]),
        ),
        (
            "algs-symmetric",
            "dpop_algs naming HS256: a proof is signed with an asymmetric key.",
            "dpop_algs",
            json!(["ES256", "HS256"]),
        ),
        (
            "algs-none",
            "dpop_algs naming none.",
            "dpop_algs",
            json!(["none"]),
        ),
        (
            "iat-past-below-a-second",
            "dpop_iat_past_s below 1 s leaves no window.",
            "dpop_iat_past_s",
            json!(0.5),
        ),
        (
            "iat-past-over-an-hour",
            "dpop_iat_past_s over 3600 s.",
            "dpop_iat_past_s",
            json!(3601),
        ),
        (
            "iat-future-negative",
            "A negative dpop_iat_future_s.",
            "dpop_iat_future_s",
            json!(-1),
        ),
        (
            "replay-cache-empty",
            "dpop_replay_cache_size 0 could remember no proof.",
            "dpop_replay_cache_size",
            json!(0),
        ),
        (
            "replay-cache-over-the-bound",
            "dpop_replay_cache_size over 10000000.",
            "dpop_replay_cache_size",
            json!(10_000_001),
        ),
    ];
    refused
        .into_iter()
        .map(|(slug, description, field, value)| {
            CaseSpec::new(&format!("dpop/config/{slug}"), description)
                .set(field, value)
                .config_error(field)
        })
        .collect()
}

/// A token bound by `cnf`, as the standard token otherwise.
fn bound(issuer: &TestKey, cnf: Value, extra: &[(&str, Value)]) -> Result<String, GenerateError> {
    let mut builder = token(issuer).claim("cnf", cnf);
    for (name, value) in extra {
        builder = builder.claim(name, value.clone());
    }
    sign(&builder, issuer)
}

fn bearer_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let issuer = rsa()?;
    let jkt = json!({"jkt": client_key()?.thumbprint()});
    let bound_token = bound(&issuer, jkt.clone(), &[])?;
    let mut cases = Vec::new();
    for mode in MODES {
        let slug = mode.replace('_', "-");
        cases.push(
            with_usual_keys(
                &format!("dpop/bearer/bound-token-refused-{slug}"),
                &format!("dpop {mode}: a DPoP-bound token (cnf.jkt) as Bearer is dpop_required, whatever the mode: accepting it without a proof would accept a stolen token."),
            )?
            .set("dpop", json!(mode))
            .verify_header(T0, &format!("Bearer {bound_token}"), Expect::error(Code::DpopRequired)),
        );
    }
    let plain = signed(&issuer)?;
    cases.push(
        with_usual_keys("dpop/bearer/bare-token-under-dpop-only", "dpop dpop_only: a bare token carries no proof, dpop_required before it is read (nothing fetched).")?
            .set("dpop", json!("dpop_only"))
            .verify(T0, &plain, Expect::error(Code::DpopRequired))
            .fetches(&[(JWKS_URL, 0)]),
    );
    cases.push(
        with_usual_keys(
            "dpop/bearer/bearer-under-either",
            "dpop either: an unbound token as Bearer verifies.",
        )?
        .set("dpop", json!("either"))
        .verify_header(T0, &format!("Bearer {plain}"), Expect::claims(alice())),
    );
    cases.push(
        with_usual_keys("dpop/bearer/dpop-scheme-when-off", "dpop bearer_only (the default): the DPoP scheme is another scheme, invalid_request, nothing fetched.")?
            .verify_header(T0, &format!("DPoP {plain}"), Expect::error(Code::InvalidRequest))
            .fetches(&[(JWKS_URL, 0)]),
    );
    let forged = crate::issuer::tamper::tamper_signature(&bound_token)
        .ok_or_else(|| GenerateError::Invalid("could not tamper a token".into()))?;
    cases.push(
        with_usual_keys("dpop/bearer/forged-bound-token", "A bound token whose signature does not verify is invalid_signature: the binding is judged only on a verified token.")?
            .verify(T0, &forged, Expect::error(Code::InvalidSignature)),
    );
    let expired = bound(&issuer, jkt, &[("exp", json!(T0 - 60))])?;
    cases.push(
        with_usual_keys("dpop/bearer/bound-before-claims", "An expired DPoP-bound token as Bearer is dpop_required: the binding comes after the signature and before the claims.")?
            .verify(T0, &expired, Expect::error(Code::DpopRequired)),
    );
    for (slug, cnf) in [
        ("not-an-object", json!("jkt")),
        ("jkt-not-a-string", json!({"jkt": 7})),
        ("x5t-not-a-string", json!({"x5t#S256": null})),
    ] {
        let token = bound(&issuer, cnf, &[])?;
        cases.push(
            with_usual_keys(
                &format!("dpop/cnf/{slug}"),
                "A cnf that is not an object of string thumbprints is invalid_claim naming cnf.",
            )?
            .verify(T0, &token, Expect::invalid_claim("cnf")),
        );
    }
    let other = json!({"jwk": {"kty": "EC"}, "kid": 1});
    cases.push(
        with_usual_keys("dpop/cnf/other-members-ignored", "Confirmation members other than jkt and x5t#S256 bind to nothing checked here: the token verifies as a bearer token.")?
            .verify(T0, &bound(&issuer, other, &[])?, Expect::claims(alice())),
    );
    let x5t = json!({"x5t#S256": certificate_thumbprint(CLIENT_CERTIFICATE)});
    let certificate_bound = bound(&issuer, x5t, &[])?;
    for mode in MODES {
        let slug = mode.replace('_', "-");
        cases.push(
            with_usual_keys(
                &format!("dpop/certificate/no-certificate-{slug}"),
                &format!("dpop {mode}: a certificate-bound token (cnf.x5t#S256) without a client certificate is invalid_certificate_binding (RFC 8705 section 3): the binding is always checked."),
            )?
            .set("dpop", json!(mode))
            .verify(T0, &certificate_bound, if mode == "dpop_only" { Expect::error(Code::DpopRequired) } else { Expect::error(Code::InvalidCertificateBinding) }),
        );
    }
    Ok(cases)
}

/// The protected resource of the request cases.
const URI: &str = "https://api.example.test/orders";

/// A `verify_request` step's object: `GET` [`URI`] with these header fields.
fn get(headers: Value) -> Value {
    json!({"method": "GET", "uri": URI, "headers": headers})
}

/// `DPoP <token>` with one `DPoP` field.
fn with_proof(token: &str, proof: &str) -> Value {
    get(json!({"Authorization": format!("DPoP {token}"), "DPoP": proof}))
}

/// One request under `dpop` `mode`: the case, its request, the outcome, and
/// whether it is refused before the key lookup (nothing fetched).
fn request_case(
    slug: &str,
    description: &str,
    mode: &str,
    request: Value,
    expect: Expect,
    unread: bool,
) -> Result<CaseSpec, GenerateError> {
    let case = with_usual_keys(&format!("dpop/{slug}"), description)?
        .set("dpop", json!(mode))
        .verify_request(T0, request, expect);
    Ok(if unread {
        case.fetches(&[(JWKS_URL, 0)])
    } else {
        case
    })
}

fn request_cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let issuer = rsa()?;
    let client = client_key()?;
    let jkt = json!({"jkt": client.thumbprint()});
    let token = bound(&issuer, jkt.clone(), &[])?;
    let proof =
        |builder: DpopProofBuilder| -> Result<String, GenerateError> { Ok(builder.sign(&client)?) };
    let good = || DpopProofBuilder::new(&client, "GET", URI, T0).access_token(&token);
    let refused = Expect::error;
    let mut cases = Vec::new();
    let mut add = |slug: &str,
                   description: &str,
                   request: Value,
                   expect: Expect,
                   unread: bool|
     -> Result<(), GenerateError> {
        cases.push(request_case(
            slug,
            description,
            "either",
            request,
            expect,
            unread,
        )?);
        Ok(())
    };
    add("proof/verifies", "A DPoP-bound token under the DPoP scheme with its proof (Ed25519, RFC 9449 section 4.2): verified.", with_proof(&token, &proof(good())?), Expect::claims(alice()), false)?;
    add(
        "proof/scheme-any-case",
        "The scheme name in any case: `dpop`.",
        get(json!({"Authorization": format!("dpop {token}"), "DPoP": proof(good())?})),
        Expect::ok(),
        false,
    )?;
    add("proof/uri-normalised", "htu is compared with the request URI normalised (RFC 3986 6.2.2/6.2.3), query and fragment dropped: HTTPS://API.Example.TEST:443/./orders?page=2 matches.", json!({"method": "GET", "uri": "HTTPS://API.Example.TEST:443/./orders?page=2", "headers": {"Authorization": format!("DPoP {token}"), "DPoP": proof(good())?}}), Expect::ok(), false)?;
    add(
        "proof/missing",
        "The DPoP scheme with no DPoP field: invalid_dpop_proof, nothing fetched.",
        get(json!({"Authorization": format!("DPoP {token}")})),
        refused(Code::InvalidDpopProof),
        true,
    )?;
    add(
        "proof/repeated",
        "Two DPoP fields, even alike: invalid_dpop_proof.",
        get(
            json!({"Authorization": format!("DPoP {token}"), "DPoP": [proof(good())?, proof(good())?]}),
        ),
        refused(Code::InvalidDpopProof),
        true,
    )?;
    add(
        "proof/empty",
        "An empty DPoP field: invalid_dpop_proof.",
        with_proof(&token, ""),
        refused(Code::InvalidDpopProof),
        true,
    )?;
    add(
        "proof/not-a-jws",
        "A DPoP field that is not a compact JWS: invalid_dpop_proof.",
        with_proof(&token, "not-a-proof"),
        refused(Code::InvalidDpopProof),
        true,
    )?;
    let rows: Vec<(&str, &str, DpopProofBuilder)> = vec![
        ("proof/typ-jwt", "typ JWT instead of dpop+jwt.", good().header("typ", json!("JWT"))),
        ("proof/alg-not-allowed", "An alg outside dpop_algs (ES512).", good().header("alg", json!("ES512"))),
        ("proof/alg-none", "alg none.", good().header("alg", json!("none"))),
        ("proof/jku-header", "A jku header: a proof's key is its jwk, never one to fetch.", good().header("jku", json!("https://evil.test/jwks"))),
        ("proof/jwk-missing", "No jwk header.", good().remove_header("jwk")),
        ("proof/jwk-private", "A jwk carrying its private member d.", good().header("jwk", json!({"kty": "OKP", "crv": "Ed25519", "x": client.public_members()["x"].clone(), "d": "AAAA"}))),
        ("proof/jti-missing", "No jti.", good().remove_claim("jti")),
        ("proof/method-mismatch", "htm POST for a GET.", DpopProofBuilder::new(&client, "POST", URI, T0).access_token(&token)),
        ("proof/uri-mismatch", "htu of another resource.", DpopProofBuilder::new(&client, "GET", "https://api.example.test/other", T0).access_token(&token)),
        ("proof/uri-other-host", "htu of another host (a proof made for another server).", DpopProofBuilder::new(&client, "GET", "https://other.example.test/orders", T0).access_token(&token)),
        ("proof/ath-missing", "No ath: a resource server always checks it.", DpopProofBuilder::new(&client, "GET", URI, T0)),
        ("proof/ath-other-token", "ath of another access token.", DpopProofBuilder::new(&client, "GET", URI, T0).access_token("another.access.token")),
    ];
    for (slug, description, builder) in rows {
        add(
            slug,
            &format!("{description} invalid_dpop_proof, before the key lookup."),
            with_proof(&token, &proof(builder)?),
            refused(Code::InvalidDpopProof),
            true,
        )?;
    }
    let late: Vec<(&str, &str, DpopProofBuilder, Expect)> = vec![
        (
            "proof/iat-too-old",
            "iat 61 s ago, past dpop_iat_past_s (60): invalid_dpop_proof.",
            good().claim("iat", json!(T0 - 61)),
            refused(Code::InvalidDpopProof),
        ),
        (
            "proof/iat-oldest-accepted",
            "iat exactly 60 s ago: inside the window.",
            good().claim("iat", json!(T0 - 60)),
            Expect::ok(),
        ),
        (
            "proof/iat-in-the-future",
            "iat 6 s ahead, past dpop_iat_future_s (5): invalid_dpop_proof.",
            good().claim("iat", json!(T0 + 6)),
            refused(Code::InvalidDpopProof),
        ),
        (
            "proof/iat-not-a-number",
            "iat a string: invalid_dpop_proof.",
            good().claim("iat", json!("1767225600")),
            refused(Code::InvalidDpopProof),
        ),
    ];
    for (slug, description, builder, expect) in late {
        add(
            slug,
            description,
            with_proof(&token, &proof(builder)?),
            expect,
            false,
        )?;
    }
    // The header names the client's key; another key signed.
    // An RSA key signs (RS256: repeatable, unlike ECDSA).
    let forged = good().sign(&TestKey::fixed(FixedKey::Rsa2048B)?)?;
    let other_signer = TestKey::fixed(FixedKey::P256)?;
    add(
        "proof/signature-by-another-key",
        "The jwk is the bound key but another key signed: invalid_dpop_proof.",
        with_proof(&token, &forged),
        refused(Code::InvalidDpopProof),
        false,
    )?;
    let unbound = signed(&issuer)?;
    let for_unbound = proof(DpopProofBuilder::new(&client, "GET", URI, T0).access_token(&unbound))?;
    add("binding/unbound-token", "A token without cnf.jkt under the DPoP scheme: invalid_dpop_binding (the proof proves nothing about a token nobody bound).", with_proof(&unbound, &for_unbound), refused(Code::InvalidDpopBinding), false)?;
    let other_bound = bound(&issuer, json!({"jkt": other_signer.thumbprint()}), &[])?;
    let for_other =
        proof(DpopProofBuilder::new(&client, "GET", URI, T0).access_token(&other_bound))?;
    add(
        "binding/another-key",
        "A token bound to another key than the proof's: invalid_dpop_binding.",
        with_proof(&other_bound, &for_other),
        refused(Code::InvalidDpopBinding),
        false,
    )?;
    let expired = bound(&issuer, jkt.clone(), &[("exp", json!(T0 - 60))])?;
    let for_expired = proof(DpopProofBuilder::new(&client, "GET", URI, T0).access_token(&expired))?;
    add(
        "binding/before-claims",
        "A bound, expired token with a good proof: the binding and proof pass, then token_expired.",
        with_proof(&expired, &for_expired),
        refused(Code::TokenExpired),
        false,
    )?;
    add("bearer/stray-dpop-field-not-read", "dpop either: an unbound bearer token with a DPoP field holding junk verifies (the field is read only under the DPoP scheme).", get(json!({"Authorization": format!("Bearer {unbound}"), "DPoP": "junk"})), Expect::claims(alice()), false)?;
    cases.push(request_case(
        "bearer/bearer-scheme-under-dpop-only",
        "dpop dpop_only: the Bearer scheme is dpop_required, nothing fetched.",
        "dpop_only",
        get(json!({"Authorization": format!("Bearer {unbound}")})),
        refused(Code::DpopRequired),
        true,
    )?);
    cases.push(request_case(
        "proof/dpop-only-verifies",
        "dpop dpop_only: a bound token with its proof verifies.",
        "dpop_only",
        with_proof(&token, &proof(good())?),
        Expect::claims(alice()),
        false,
    )?);

    // Replay: the same proof twice within the window.
    let once = proof(good())?;
    cases.push(
        with_usual_keys("dpop/replay/same-proof-twice", "The same proof twice within the window: the second is dpop_proof_replayed (RFC 9449 section 11.1).")?
            .set("dpop", json!("either"))
            .verify_request(T0, with_proof(&token, &once), Expect::ok())
            .verify_request(T0 + 1, with_proof(&token, &once), refused(Code::DpopProofReplayed)),
    );
    let second = proof(good().jti("second"))?;
    cases.push(
        with_usual_keys(
            "dpop/replay/another-jti",
            "Two proofs of one key for one request that differ in jti are two proofs: both verify.",
        )?
        .set("dpop", json!("either"))
        .verify_request(T0, with_proof(&token, &once), Expect::ok())
        .verify_request(T0, with_proof(&token, &second), Expect::ok()),
    );
    cases.push(
        with_usual_keys("dpop/replay/cache-bound-one", "dpop_replay_cache_size 1: a second, later proof makes the first leave; the first replayed is then refused as too old to track (invalid_dpop_proof), never accepted again.")?
            .set("dpop", json!("either"))
            .set("dpop_replay_cache_size", json!(1))
            .verify_request(T0, with_proof(&token, &once), Expect::ok())
            .verify_request(T0 + 1, with_proof(&token, &proof(DpopProofBuilder::new(&client, "GET", URI, T0 + 1).access_token(&token))?), Expect::ok())
            .verify_request(T0 + 2, with_proof(&token, &once), refused(Code::InvalidDpopProof)),
    );

    // Certificate-bound tokens (RFC 8705 section 3) with the request's certificate.
    let certificate = b64url(CLIENT_CERTIFICATE);
    let x5t = json!({"x5t#S256": certificate_thumbprint(CLIENT_CERTIFICATE)});
    let certificate_bound = bound(&issuer, x5t, &[])?;
    let bearer_with = |certificate: Option<&str>| {
        let mut request = get(json!({"Authorization": format!("Bearer {certificate_bound}")}));
        if let Some(certificate) = certificate {
            request["client_certificate"] = json!(certificate);
        }
        request
    };
    cases.push(request_case(
        "certificate/with-its-certificate",
        "A certificate-bound token over a connection with its certificate: verified.",
        "bearer_only",
        bearer_with(Some(&certificate)),
        Expect::claims(alice()),
        false,
    )?);
    cases.push(request_case(
        "certificate/with-another-certificate",
        "A certificate-bound token with another client certificate: invalid_certificate_binding.",
        "bearer_only",
        bearer_with(Some(&b64url(b"another certificate"))),
        refused(Code::InvalidCertificateBinding),
        false,
    )?);
    cases.push(request_case("certificate/request-without-certificate", "A certificate-bound token in a request with no client certificate: invalid_certificate_binding.", "bearer_only", bearer_with(None), refused(Code::InvalidCertificateBinding), false)?);
    let both = bound(
        &issuer,
        json!({"jkt": client.thumbprint(), "x5t#S256": certificate_thumbprint(CLIENT_CERTIFICATE)}),
        &[],
    )?;
    let for_both = proof(DpopProofBuilder::new(&client, "GET", URI, T0).access_token(&both))?;
    let mut request = with_proof(&both, &for_both);
    request["client_certificate"] = json!(certificate);
    cases.push(request_case("certificate/and-dpop", "A token bound both to a DPoP key and a certificate, with its proof and its certificate: verified.", "dpop_only", request, Expect::ok(), false)?);
    Ok(cases)
}
