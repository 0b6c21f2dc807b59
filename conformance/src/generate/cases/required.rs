//! `claims/required/`: the `required_claims` configuration key (an
//! extension of the case format): each named claim, or JSON Pointer, must
//! be present and not `null`, else `missing_claim` naming it as configured.

use serde_json::{json, Value};

use super::{shape_error, with_usual_keys};
use crate::generate::build::{CaseSpec, Expect};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{alice, rsa, sign, token, T0};
use crate::issuer::{tamper, TestKey};

/// One case: `required_claims`, the claims set (`Some`) or removed
/// (`None`) on the standard token, and the outcome.
struct Row {
    slug: &'static str,
    description: &'static str,
    required: &'static [&'static str],
    edits: Vec<(&'static str, Option<Value>)>,
    expect: Expect,
}

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let key = rsa()?;
    let both = || {
        vec![
            ("client_id", Some(json!("s6BhdRkqt3"))),
            ("ext", Some(json!({"tenant": "acme"}))),
        ]
    };
    let with = |mut edits: Vec<(&'static str, Option<Value>)>,
                more: Vec<(&'static str, Option<Value>)>| {
        edits.extend(more);
        edits
    };
    let required: &[&str] = &["client_id", "/ext/tenant"];
    let rows = vec![
        Row { slug: "all-present", description: "required_claims [client_id, /ext/tenant], both in the token: valid.", required, edits: both(), expect: Expect::claims(alice()) },
        Row { slug: "name-missing", description: "No client_id: missing_claim, the message naming the configured client_id.", required, edits: with(both(), vec![("client_id", None)]), expect: Expect::missing_claim("client_id") },
        Row { slug: "null-counts-as-missing", description: "client_id is null: a required claim needs a value, missing_claim naming client_id.", required, edits: with(both(), vec![("client_id", Some(Value::Null))]), expect: Expect::missing_claim("client_id") },
        Row { slug: "pointer-missing", description: "ext without tenant: the JSON Pointer /ext/tenant finds nothing, missing_claim naming /ext/tenant.", required, edits: with(both(), vec![("ext", Some(json!({"region": "eu"})))]), expect: Expect::missing_claim("/ext/tenant") },
        Row { slug: "first-in-configuration-order", description: "Both missing: the first of required_claims in configuration order is named.", required, edits: vec![], expect: Expect::missing_claim("client_id") },
        Row { slug: "any-value-but-null", description: "client_id 0 and ext.tenant false are values: presence is all required_claims asks, valid.", required, edits: vec![("client_id", Some(json!(0))), ("ext", Some(json!({"tenant": false})))], expect: Expect::ok() },
        Row { slug: "after-the-registered-claims", description: "aud and client_id both missing: exp, iss and aud come first, missing_claim naming aud.", required, edits: vec![("aud", None)], expect: Expect::missing_claim("aud") },
        Row { slug: "before-invalid-claims", description: "client_id missing and nbf a string: every missing_claim comes before invalid_claim in the table.", required, edits: vec![("nbf", Some(json!("soon")))], expect: Expect::missing_claim("client_id") },
        Row { slug: "registered-claim-required", description: "required_claims [nbf] and no nbf (optional by default): missing_claim naming nbf.", required: &["nbf"], edits: vec![], expect: Expect::missing_claim("nbf") },
    ];
    let mut cases = Vec::new();
    for row in rows {
        cases.push(case(&key, row, false)?);
    }
    let unsigned = Row { slug: "signature-first", description: "client_id missing and the signature broken: claims are never judged before the signature, invalid_signature.", required, edits: vec![], expect: Expect::error(Code::InvalidSignature) };
    cases.push(case(&key, unsigned, true)?);
    Ok(cases)
}

fn case(key: &TestKey, row: Row, break_signature: bool) -> Result<CaseSpec, GenerateError> {
    let builder = row
        .edits
        .iter()
        .fold(token(key), |builder, (name, edit)| match edit {
            Some(value) => builder.claim(name, value.clone()),
            None => builder.remove_claim(name),
        });
    let mut token = sign(&builder, key)?;
    if break_signature {
        token =
            tamper::tamper_signature(&token).ok_or_else(|| shape_error("a tampered signature"))?;
    }
    Ok(
        with_usual_keys(&format!("claims/required/{}", row.slug), row.description)?
            .set("required_claims", json!(row.required))
            .verify(T0, &token, row.expect),
    )
}
