//! `claims/client-id-audience/`: the `audience_claim` configuration key
//! (an extension of the case format) set to `client_id`, for access tokens
//! that name their client instead of an audience (AWS Cognito): the
//! audience check reads `client_id`, and `aud` is not required.

use serde_json::{json, Value};

use super::with_usual_keys;
use crate::generate::build::{CaseSpec, Expect};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{alice, rsa, sign, token, AUDIENCE, T0};
use crate::issuer::TestKey;

/// The app client the configured `audience` names.
const CLIENT: &str = "5abcdefghij1234567890klmno";

/// One case: the claims set (`Some`) or removed (`None`) on the standard
/// token, whether `audience_claim` is `client_id`, and the outcome.
struct Row {
    slug: &'static str,
    description: &'static str,
    by_client_id: bool,
    edits: Vec<(&'static str, Option<Value>)>,
    expect: Expect,
}

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let key = rsa()?;
    let access = |client: Value| vec![("aud", None), ("client_id", Some(client))];
    let rows = vec![
        Row { slug: "matches-without-aud", description: "audience_claim client_id, a token with client_id the configured client and no aud (a Cognito access token): valid.", by_client_id: true, edits: access(json!(CLIENT)), expect: Expect::claims(alice()) },
        Row { slug: "another-client", description: "client_id names another app client: invalid_audience.", by_client_id: true, edits: access(json!("7otherclient")), expect: Expect::error(Code::InvalidAudience) },
        Row { slug: "compared-exactly", description: "client_id differing only in case: compared exactly, invalid_audience.", by_client_id: true, edits: access(json!(CLIENT.to_uppercase())), expect: Expect::error(Code::InvalidAudience) },
        Row { slug: "missing", description: "No client_id, the client in aud instead (a Cognito ID token): missing_claim naming client_id.", by_client_id: true, edits: vec![("aud", Some(json!(CLIENT)))], expect: Expect::missing_claim("client_id") },
        Row { slug: "not-a-string", description: "client_id an array holding the client: not a string, invalid_claim naming client_id.", by_client_id: true, edits: access(json!([CLIENT])), expect: Expect::invalid_claim("client_id") },
        Row { slug: "null-is-invalid", description: "client_id null: present, not a string, invalid_claim naming client_id.", by_client_id: true, edits: access(Value::Null), expect: Expect::invalid_claim("client_id") },
        Row { slug: "aud-not-compared", description: "client_id the configured client and aud another audience: aud is not the audience here, valid.", by_client_id: true, edits: vec![("aud", Some(json!("https://elsewhere.example.test"))), ("client_id", Some(json!(CLIENT)))], expect: Expect::ok() },
        Row { slug: "aud-still-typed", description: "aud present but a number: it is still a registered claim of the wrong type, invalid_claim naming aud.", by_client_id: true, edits: vec![("aud", Some(json!(7))), ("client_id", Some(json!(CLIENT)))], expect: Expect::invalid_claim("aud") },
        Row { slug: "after-registered-invalid-claims", description: "iat a string and client_id a number: invalid_claim names iat, the registered claims come first.", by_client_id: true, edits: vec![("aud", None), ("client_id", Some(json!(1))), ("iat", Some(json!("now")))], expect: Expect::invalid_claim("iat") },
        Row { slug: "default-reads-aud-only", description: "With the default audience_claim aud, a client_id equal to the configured audience does not stand in for aud: invalid_audience.", by_client_id: false, edits: vec![("aud", Some(json!("https://elsewhere.example.test"))), ("client_id", Some(json!(AUDIENCE)))], expect: Expect::error(Code::InvalidAudience) },
    ];
    rows.into_iter().map(|row| case(&key, row)).collect()
}

fn case(key: &TestKey, row: Row) -> Result<CaseSpec, GenerateError> {
    let builder = row
        .edits
        .iter()
        .fold(token(key), |builder, (name, edit)| match edit {
            Some(value) => builder.claim(name, value.clone()),
            None => builder.remove_claim(name),
        });
    let mut case = with_usual_keys(
        &format!("claims/client-id-audience/{}", row.slug),
        row.description,
    )?;
    if row.by_client_id {
        case = case
            .set("audience_claim", json!("client_id"))
            .set("audience", json!(CLIENT));
    }
    Ok(case.verify(T0, &sign(&builder, key)?, row.expect))
}
