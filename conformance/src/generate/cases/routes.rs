//! `routes/`: scopes and permissions one route requires on top of the
//! configured ones (`verify_request`'s `required_scopes` and
//! `required_permissions`, an extension of the format): judged by the same
//! checks with the configured claim names, the 403 challenge listing every
//! value the route requires, the configured ones first.

use serde_json::{json, Value};

use super::{shape_error, with_usual_keys};
use crate::generate::build::{CaseSpec, Expect};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{rsa, sign, token, T0};
use crate::issuer::{tamper, TestKey};

/// One route: the configuration, the token's extra claims, the route's own
/// requirements, the outcome.
struct Row {
    slug: &'static str,
    description: &'static str,
    config: Value,
    claims: Value,
    route: Value,
    expect: Expect,
}

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let key = rsa()?;
    let read = json!({ "required_scopes": ["read"] });
    let rows = vec![
        Row { slug: "scope-granted", description: "A route requiring write on top of the configured read, and a token holding both: valid.", config: read.clone(), claims: json!({"scope": "read write"}), route: json!({"required_scopes": ["write"]}), expect: Expect::ok() },
        Row { slug: "scope-missing", description: "The token holds the configured read but not the route's write: insufficient_scope, the challenge listing read then write.", config: read.clone(), claims: json!({"scope": "read"}), route: json!({"required_scopes": ["write"]}), expect: Expect::scope(&["read", "write"]) },
        Row { slug: "configured-scope-missing", description: "The token lacks the configured read and holds the route's write: the challenge still lists every value the route requires, read first.", config: read.clone(), claims: json!({"scope": "write"}), route: json!({"required_scopes": ["write"]}), expect: Expect::scope(&["read", "write"]) },
        Row { slug: "values-listed-once", description: "A route repeating a configured scope (and its own twice) lists each value once, in order: read write admin.", config: read.clone(), claims: json!({"scope": "read"}), route: json!({"required_scopes": ["read", "write", "admin", "write"]}), expect: Expect::scope(&["read", "write", "admin"]) },
        Row { slug: "route-alone", description: "With nothing configured, the route's scopes alone are required.", config: json!({}), claims: json!({"scope": "read"}), route: json!({"required_scopes": ["orders:write"]}), expect: Expect::scope(&["orders:write"]) },
        Row { slug: "permission-missing", description: "A route requiring a permission the token lacks: insufficient_permissions listing the configured ones, then the route's.", config: json!({"required_permissions": ["users:read"]}), claims: json!({"permissions": ["users:read"]}), route: json!({"required_permissions": ["users:write"]}), expect: Expect::permissions(&["users:read", "users:write"]) },
        Row { slug: "scopes-before-permissions", description: "A token lacking both the route's scope and its permission: insufficient_scope first, as for configured ones.", config: json!({}), claims: json!({"scope": "read"}), route: json!({"required_scopes": ["write"], "required_permissions": ["admin"]}), expect: Expect::scope(&["write"]) },
        Row { slug: "configured-claim-names", description: "A route's scopes are read from the configured scope_claim (scp, an array here), not from `scope`.", config: json!({"scope_claim": "scp"}), claims: json!({"scope": "write", "scp": ["read"]}), route: json!({"required_scopes": ["write"]}), expect: Expect::scope(&["write"]) },
        Row { slug: "nested-permissions-claim", description: "A route's permissions are read through the configured JSON Pointer (/realm_access/roles).", config: json!({"permissions_claim": "/realm_access/roles"}), claims: json!({"realm_access": {"roles": ["admin"]}}), route: json!({"required_permissions": ["admin"]}), expect: Expect::ok() },
        Row { slug: "claims-before-route", description: "The route's requirements come after every other claim check: an expired token lacking the route's scope is token_expired.", config: json!({}), claims: json!({"exp": T0 - 10}), route: json!({"required_scopes": ["write"]}), expect: Expect::error(Code::TokenExpired) },
    ];
    let mut cases = Vec::new();
    for row in rows {
        cases.push(route_case(&key, row)?);
    }
    let bad = tamper::tamper_signature(&sign(&token(&key), &key)?)
        .ok_or_else(|| shape_error("a tampered signature"))?;
    cases.push(
        with_usual_keys(
            "routes/signature-before-route",
            "A badly signed token is invalid_signature before any requirement of the route is judged.",
        )?
        .verify_request(
            T0,
            request(&bad, &json!({"required_scopes": ["write"]})),
            Expect::error(Code::InvalidSignature),
        ),
    );
    Ok(cases)
}

/// The request of a route case: the token in `Authorization`, and the
/// route's requirements.
fn request(token: &str, route: &Value) -> Value {
    let mut request = json!({ "headers": { "Authorization": format!("Bearer {token}") } });
    for (name, value) in route.as_object().into_iter().flatten() {
        request[name] = value.clone();
    }
    request
}

fn route_case(key: &TestKey, row: Row) -> Result<CaseSpec, GenerateError> {
    let mut builder = token(key);
    for (name, value) in row.claims.as_object().into_iter().flatten() {
        builder = builder.claim(name, value.clone());
    }
    let mut case = with_usual_keys(&format!("routes/{}", row.slug), row.description)?;
    for (name, value) in row.config.as_object().into_iter().flatten() {
        case = case.set(name, value.clone());
    }
    Ok(case.verify_request(T0, request(&sign(&builder, key)?, &row.route), row.expect))
}
