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
use crate::issuer::{certificate_thumbprint, FixedKey, TestKey};

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
