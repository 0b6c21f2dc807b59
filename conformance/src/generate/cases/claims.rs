//! `claims/`: required claims, claim types, time windows with leeway,
//! issuer and audience, and the order of the checks (docs/rules.md, rows
//! `missing_claim` to `invalid_audience`).

use serde_json::{json, Value};

use super::with_usual_keys;
use crate::generate::build::{CaseSpec, Expect};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{alice, rsa, sign, token, AUDIENCE, T0};
use crate::issuer::{tamper, TestKey, TokenBuilder};

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let key = rsa()?;
    let mut cases = presence_cases(&key)?;
    cases.extend(type_cases(&key)?);
    cases.extend(time_cases(&key)?);
    cases.extend(number_cases(&key)?);
    cases.extend(issuer_audience_cases(&key)?);
    cases.extend(order_cases(&key)?);
    Ok(cases)
}

/// An edit of the standard token's claims: `Some` sets, `None` removes.
type ClaimEdits<'a> = &'a [(&'a str, Option<Value>)];

/// Claim edits built at run time.
type OwnedEdits = Vec<(&'static str, Option<Value>)>;

fn edited(key: &TestKey, edits: ClaimEdits<'_>) -> TokenBuilder {
    edits
        .iter()
        .fold(token(key), |builder, (name, edit)| match edit {
            Some(value) => builder.claim(name, value.clone()),
            None => builder.remove_claim(name),
        })
}

/// A case verifying the standard token with `edits` at `at`.
fn claims_case(
    key: &TestKey,
    name: &str,
    description: &str,
    edits: ClaimEdits<'_>,
    at: u64,
    expect: Expect,
) -> Result<CaseSpec, GenerateError> {
    Ok(with_usual_keys(name, description)?.verify(at, &sign(&edited(key, edits), key)?, expect))
}

fn presence_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let table: [(&str, &str, ClaimEdits<'_>, &'static str); 6] = [
        ("missing/exp", "No exp", &[("exp", None)], "exp"),
        ("missing/iss", "No iss", &[("iss", None)], "iss"),
        ("missing/aud", "No aud", &[("aud", None)], "aud"),
        ("missing/all-three-reports-exp", "No exp, iss nor aud: the first missing of exp, iss, aud is named", &[("exp", None), ("iss", None), ("aud", None)], "exp"),
        ("missing/iss-and-aud-reports-iss", "No iss nor aud: iss comes before aud", &[("iss", None), ("aud", None)], "iss"),
        ("missing/before-invalid", "iss absent while exp is a string: missing_claim comes before invalid_claim in the table, so iss is reported", &[("iss", None), ("exp", Some(json!("soon")))], "iss"),
    ];
    let mut cases = Vec::new();
    for (slug, what, edits, claim) in table {
        cases.push(claims_case(
            key,
            &format!("claims/{slug}"),
            &format!("{what}: missing_claim with the message \"Missing required claim: {claim}\"."),
            edits,
            T0,
            Expect::missing_claim(claim),
        )?);
    }
    cases.push(claims_case(
        key,
        "claims/missing/nbf-and-iat-optional",
        "nbf and iat are not required: a token with neither verifies.",
        &[("iat", None), ("nbf", None)],
        T0,
        Expect::claims(alice()),
    )?);
    Ok(cases)
}

fn type_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let table: [(&str, &str, ClaimEdits<'_>, &'static str); 15] = [
        (
            "exp-string",
            "exp a numeric string",
            &[("exp", Some(json!("1767312000")))],
            "exp",
        ),
        (
            "exp-null",
            "exp null (null is not a number)",
            &[("exp", Some(Value::Null))],
            "exp",
        ),
        (
            "exp-boolean",
            "exp true",
            &[("exp", Some(json!(true)))],
            "exp",
        ),
        (
            "exp-object",
            "exp an object",
            &[("exp", Some(json!({ "seconds": 1767312000 })))],
            "exp",
        ),
        (
            "nbf-string",
            "nbf a string",
            &[("nbf", Some(json!("1767225000")))],
            "nbf",
        ),
        ("nbf-null", "nbf null", &[("nbf", Some(Value::Null))], "nbf"),
        (
            "iat-string",
            "iat a string",
            &[("iat", Some(json!("yesterday")))],
            "iat",
        ),
        ("iat-null", "iat null", &[("iat", Some(Value::Null))], "iat"),
        (
            "iss-number",
            "iss a number",
            &[("iss", Some(json!(42)))],
            "iss",
        ),
        (
            "iss-null",
            "iss null (present, not a string)",
            &[("iss", Some(Value::Null))],
            "iss",
        ),
        (
            "iss-array",
            "iss an array holding the right issuer",
            &[("iss", Some(json!([crate::generate::world::ISSUER])))],
            "iss",
        ),
        (
            "aud-number",
            "aud a number",
            &[("aud", Some(json!(7)))],
            "aud",
        ),
        ("aud-null", "aud null", &[("aud", Some(Value::Null))], "aud"),
        (
            "aud-array-with-number",
            "aud an array holding the right audience and a number",
            &[("aud", Some(json!([AUDIENCE, 1])))],
            "aud",
        ),
        (
            "aud-object",
            "aud an object",
            &[("aud", Some(json!({ "aud": AUDIENCE })))],
            "aud",
        ),
    ];
    let mut cases = Vec::new();
    for (slug, what, edits, claim) in table {
        cases.push(claims_case(
            key,
            &format!("claims/invalid/{slug}"),
            &format!("{what}: invalid_claim naming {claim}."),
            edits,
            T0,
            Expect::invalid_claim(claim),
        )?);
    }
    let order: [(&str, &str, ClaimEdits<'_>, &'static str); 4] = [
        (
            "order-exp-before-iss",
            "exp a string and iss a number: exp is named first",
            &[("exp", Some(json!("x"))), ("iss", Some(json!(1)))],
            "exp",
        ),
        (
            "order-nbf-before-iat",
            "nbf and iat both strings: nbf is named first",
            &[("iat", Some(json!("x"))), ("nbf", Some(json!("y")))],
            "nbf",
        ),
        (
            "order-iat-before-iss",
            "iat a string and iss a number: iat is named first",
            &[("iss", Some(json!(1))), ("iat", Some(json!("x")))],
            "iat",
        ),
        (
            "order-iss-before-aud",
            "iss a number and aud a number: iss is named first",
            &[("aud", Some(json!(2))), ("iss", Some(json!(1)))],
            "iss",
        ),
    ];
    for (slug, what, edits, claim) in order {
        cases.push(claims_case(
            key,
            &format!("claims/invalid/{slug}"),
            &format!("{what} (order exp, nbf, iat, iss, aud): invalid_claim naming {claim}."),
            edits,
            T0,
            Expect::invalid_claim(claim),
        )?);
    }
    Ok(cases)
}

fn time_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let exp_at = |exp: u64| vec![("exp", Some(json!(exp)))];
    let nbf_at = |nbf: u64| vec![("nbf", Some(json!(nbf)))];
    let exp = T0 + 100;
    let nbf = T0 + 100;
    let mut cases = Vec::new();
    let table: [(&str, &str, OwnedEdits, u64, u64, Expect); 8] = [
        (
            "exp/one-second-before",
            "now = exp - 1, leeway 0: not expired",
            exp_at(exp),
            0,
            exp - 1,
            Expect::claims(alice()),
        ),
        (
            "exp/at-exp",
            "now = exp, leeway 0: now >= exp + leeway, token_expired",
            exp_at(exp),
            0,
            exp,
            Expect::error(Code::TokenExpired),
        ),
        (
            "exp/leeway-one-second-before",
            "now = exp + leeway - 1 (leeway 60): not expired",
            exp_at(exp),
            60,
            exp + 59,
            Expect::claims(alice()),
        ),
        (
            "exp/leeway-boundary",
            "now = exp + leeway (leeway 60): token_expired",
            exp_at(exp),
            60,
            exp + 60,
            Expect::error(Code::TokenExpired),
        ),
        (
            "nbf/at-nbf",
            "now = nbf, leeway 0: valid (not yet valid only when now < nbf - leeway)",
            nbf_at(nbf),
            0,
            nbf,
            Expect::claims(alice()),
        ),
        (
            "nbf/one-second-before",
            "now = nbf - 1, leeway 0: token_not_yet_valid",
            nbf_at(nbf),
            0,
            nbf - 1,
            Expect::error(Code::TokenNotYetValid),
        ),
        (
            "nbf/leeway-boundary",
            "now = nbf - leeway (leeway 60): valid",
            nbf_at(nbf),
            60,
            nbf - 60,
            Expect::claims(alice()),
        ),
        (
            "nbf/leeway-one-second-early",
            "now = nbf - leeway - 1 (leeway 60): token_not_yet_valid",
            nbf_at(nbf),
            60,
            nbf - 61,
            Expect::error(Code::TokenNotYetValid),
        ),
    ];
    for (slug, what, edits, leeway, at, expect) in table {
        cases.push(
            claims_case(
                key,
                &format!("claims/time/{slug}"),
                &format!("{what}."),
                &edits,
                at,
                expect,
            )?
            .set("leeway_s", json!(leeway)),
        );
    }
    cases.push(claims_case(
        key,
        "claims/time/iat-in-the-future-not-checked",
        "iat is only type-checked: an iat a minute after now, with valid exp and no nbf, verifies.",
        &[("iat", Some(json!(T0 + 60)))],
        T0,
        Expect::claims(alice()),
    )?);
    Ok(cases)
}

fn number_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let half = |whole: u64| json!(whole as f64 + 0.5);
    let mut cases = vec![
        claims_case(
            key,
            "claims/numbers/fractional-exp-before",
            "exp = T0 + 0.5 (fractions are numbers) at now = T0: T0 < exp, valid.",
            &[("exp", Some(half(T0)))],
            T0,
            Expect::claims(alice()),
        )?,
        claims_case(
            key,
            "claims/numbers/fractional-exp-after",
            "exp = T0 + 0.5 at now = T0 + 1: expired.",
            &[("exp", Some(half(T0)))],
            T0 + 1,
            Expect::error(Code::TokenExpired),
        )?,
        claims_case(
            key,
            "claims/numbers/fractional-nbf-before",
            "nbf = T0 + 0.5 at now = T0: not valid yet.",
            &[("nbf", Some(half(T0)))],
            T0,
            Expect::error(Code::TokenNotYetValid),
        )?,
        claims_case(
            key,
            "claims/numbers/fractional-nbf-after",
            "nbf = T0 + 0.5 at now = T0 + 1: valid.",
            &[("nbf", Some(half(T0)))],
            T0 + 1,
            Expect::claims(alice()),
        )?,
        claims_case(
            key,
            "claims/numbers/negative-nbf-and-iat",
            "nbf -1 and iat -1 are numbers (before 1970): valid.",
            &[("nbf", Some(json!(-1))), ("iat", Some(json!(-1)))],
            T0,
            Expect::claims(alice()),
        )?,
        claims_case(
            key,
            "claims/numbers/negative-exp",
            "exp -1 is a number long past: token_expired, not invalid_claim.",
            &[("exp", Some(json!(-1)))],
            T0,
            Expect::error(Code::TokenExpired),
        )?,
        claims_case(
            key,
            "claims/numbers/integral-float",
            "exp written 1767312000.0 (a number with a fraction part) is a number: valid.",
            &[("exp", Some(json!(1_767_312_000.0_f64)))],
            T0,
            Expect::claims(alice()),
        )?,
    ];
    let overflow: [(&str, &str, ClaimEdits<'_>, Expect); 4] = [
        (
            "u64-max-exp",
            "exp = 2^64 - 1 with leeway 60: exp + leeway never overflows, not expired",
            &[("exp", Some(json!(u64::MAX)))],
            Expect::claims(alice()),
        ),
        (
            "huge-float-exp",
            "exp = 1e300 with leeway 60: not expired",
            &[("exp", Some(json!(1e300)))],
            Expect::claims(alice()),
        ),
        (
            "i64-min-nbf",
            "nbf = -2^63 with leeway 60: nbf - leeway never overflows, valid",
            &[("nbf", Some(json!(i64::MIN)))],
            Expect::claims(alice()),
        ),
        (
            "huge-float-nbf",
            "nbf = 1e300 with leeway 60: far in the future, token_not_yet_valid",
            &[("nbf", Some(json!(1e300)))],
            Expect::error(Code::TokenNotYetValid),
        ),
    ];
    for (slug, what, edits, expect) in overflow {
        cases.push(
            claims_case(
                key,
                &format!("claims/numbers/{slug}"),
                &format!("{what}."),
                edits,
                T0,
                expect,
            )?
            .set("leeway_s", json!(60)),
        );
    }
    Ok(cases)
}

fn issuer_audience_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let iss = |value: &str| vec![("iss", Some(json!(value)))];
    let aud = |value: Value| vec![("aud", Some(value))];
    let table: [(&str, &str, OwnedEdits, Expect); 9] = [
        (
            "iss/no-trailing-slash",
            "iss without the configured trailing slash: exact comparison, invalid_issuer",
            iss("https://id.example.test"),
            Expect::error(Code::InvalidIssuer),
        ),
        (
            "iss/different-case",
            "iss differing only in case: exact comparison, invalid_issuer",
            iss("https://ID.example.test/"),
            Expect::error(Code::InvalidIssuer),
        ),
        (
            "iss/other-issuer",
            "iss of another issuer: invalid_issuer",
            iss("https://other-id.example.test/"),
            Expect::error(Code::InvalidIssuer),
        ),
        (
            "aud/array-containing",
            "aud an array with the configured audience among others: valid",
            aud(json!(["https://other.example.test", AUDIENCE])),
            Expect::claims(alice()),
        ),
        (
            "aud/array-without",
            "aud an array of other audiences: invalid_audience",
            aud(json!([
                "https://other.example.test",
                "https://third.example.test"
            ])),
            Expect::error(Code::InvalidAudience),
        ),
        (
            "aud/empty-array",
            "aud an empty array (an array of strings with no match): invalid_audience",
            aud(json!([])),
            Expect::error(Code::InvalidAudience),
        ),
        (
            "aud/other-string",
            "aud another audience string: invalid_audience",
            aud(json!("https://other.example.test")),
            Expect::error(Code::InvalidAudience),
        ),
        (
            "aud/different-case",
            "aud differing only in case: invalid_audience",
            aud(json!("https://API.example.test")),
            Expect::error(Code::InvalidAudience),
        ),
        (
            "aud/prefix-only",
            "aud a prefix of the configured audience: invalid_audience",
            aud(json!("https://api.example")),
            Expect::error(Code::InvalidAudience),
        ),
    ];
    let mut cases = Vec::new();
    for (slug, what, edits, expect) in table {
        cases.push(claims_case(
            key,
            &format!("claims/{slug}"),
            &format!("{what}."),
            &edits,
            T0,
            expect,
        )?);
    }
    let audiences = json!(["https://first.example.test", AUDIENCE]);
    cases.push(
        claims_case(
            key,
            "claims/aud/configured-list-second-matches",
            "Configured audiences [first, api]: a token for the second one is valid.",
            &[],
            T0,
            Expect::claims(alice()),
        )?
        .set("audience", audiences.clone()),
    );
    cases.push(
        claims_case(key, "claims/aud/configured-list-token-array", "Configured audiences [first, api] and aud [\"https://first.example.test\"]: one configured audience equals one element, valid.", &[("aud", Some(json!(["https://first.example.test"])))], T0, Expect::claims(alice()))?
            .set("audience", audiences.clone()),
    );
    cases.push(
        claims_case(key, "claims/aud/configured-list-no-match", "Configured audiences [first, api] and aud \"https://third.example.test\": invalid_audience.", &[("aud", Some(json!("https://third.example.test")))], T0, Expect::error(Code::InvalidAudience))?
            .set("audience", audiences),
    );
    Ok(cases)
}

fn order_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let expired = edited(key, &[("exp", Some(json!(T0 - 10)))]);
    let expired_badly_signed = tamper::tamper_signature(&sign(&expired, key)?)
        .ok_or_else(|| super::shape_error("a tampered token"))?;
    let missing_exp_bad_signature =
        tamper::tamper_signature(&sign(&edited(key, &[("exp", None)]), key)?)
            .ok_or_else(|| super::shape_error("a tampered token"))?;
    let table: [(&str, &str, String, Expect); 6] = [
        ("expired-and-bad-signature", "An expired token whose signature is also broken: invalid_signature, claims are never judged before the signature verifies", expired_badly_signed, Expect::error(Code::InvalidSignature)),
        ("missing-exp-and-bad-signature", "A token without exp whose signature is broken: invalid_signature comes before missing_claim", missing_exp_bad_signature, Expect::error(Code::InvalidSignature)),
        ("expired-and-wrong-issuer", "An expired token from another issuer: token_expired comes before invalid_issuer", sign(&edited(key, &[("exp", Some(json!(T0 - 10))), ("iss", Some(json!("https://other-id.example.test/")))]), key)?, Expect::error(Code::TokenExpired)),
        ("expired-and-not-yet-valid", "exp in the past and nbf in the future: token_expired comes before token_not_yet_valid", sign(&edited(key, &[("exp", Some(json!(T0 - 10))), ("nbf", Some(json!(T0 + 10)))]), key)?, Expect::error(Code::TokenExpired)),
        ("not-yet-valid-and-wrong-audience", "nbf in the future and another audience: token_not_yet_valid comes before invalid_audience", sign(&edited(key, &[("nbf", Some(json!(T0 + 10))), ("aud", Some(json!("https://other.example.test")))]), key)?, Expect::error(Code::TokenNotYetValid)),
        ("wrong-issuer-and-wrong-audience", "Another issuer and another audience: invalid_issuer comes before invalid_audience", sign(&edited(key, &[("iss", Some(json!("https://other-id.example.test/"))), ("aud", Some(json!("https://other.example.test")))]), key)?, Expect::error(Code::InvalidIssuer)),
    ];
    let mut cases = Vec::new();
    for (slug, what, token, expect) in table {
        cases.push(
            with_usual_keys(&format!("claims/order/{slug}"), &format!("{what}."))?
                .verify(T0, &token, expect),
        );
    }
    Ok(cases)
}
