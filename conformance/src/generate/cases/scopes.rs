//! `claims/scope/` and `claims/permissions/`: required scopes and permissions,
//! and the 403 challenge listing every required one (docs/rules.md, rows
//! `insufficient_scope`, `insufficient_permissions`, and its revision
//! 2026-12-01), including claims named by JSON Pointer.

use serde_json::{json, Value};

use super::with_usual_keys;
use crate::generate::build::{CaseSpec, Expect};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{alice, rsa, sign, token, T0};
use crate::issuer::TestKey;

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let key = rsa()?;
    let mut cases = scope_cases(&key)?;
    cases.extend(permission_cases(&key)?);
    cases.extend(order_cases(&key)?);
    cases.extend(pointer_cases(&key)?);
    Ok(cases)
}

/// One row: the configuration, the token's extra claims, the outcome.
struct Row {
    slug: &'static str,
    description: &'static str,
    config: Value,
    claims: Value,
    expect: Expect,
}

fn run(key: &TestKey, folder: &str, rows: Vec<Row>) -> Result<Vec<CaseSpec>, GenerateError> {
    let mut cases = Vec::new();
    for row in rows {
        let mut builder = token(key);
        for (name, value) in row.claims.as_object().into_iter().flatten() {
            builder = builder.claim(name, value.clone());
        }
        let mut case = with_usual_keys(&format!("{folder}/{}", row.slug), row.description)?.verify(
            T0,
            &sign(&builder, key)?,
            row.expect,
        );
        for (name, value) in row.config.as_object().into_iter().flatten() {
            case = case.set(name, value.clone());
        }
        cases.push(case);
    }
    Ok(cases)
}

fn scope_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let read_write = json!({ "required_scopes": ["read", "write"] });
    let rows = vec![
        Row { slug: "string-has-all", description: "Required [read, write], scope \"read write\": a space-separated string holding both, valid.", config: read_write.clone(), claims: json!({ "scope": "read write" }), expect: Expect::claims(alice()) },
        Row { slug: "string-extra-reordered", description: "Scope \"admin write read\": order and extra scopes do not matter, valid.", config: read_write.clone(), claims: json!({ "scope": "admin write read" }), expect: Expect::ok() },
        Row { slug: "array-has-all", description: "Scope as an array of strings [\"write\", \"read\"]: valid.", config: read_write.clone(), claims: json!({ "scope": ["write", "read"] }), expect: Expect::ok() },
        Row { slug: "string-missing-one", description: "Scope \"read\" lacks write: insufficient_scope (403); the challenge names every required scope, the granted read too: scope=\"read write\".", config: read_write.clone(), claims: json!({ "scope": "read" }), expect: Expect::scope(&["read", "write"]) },
        Row { slug: "array-missing-one", description: "Scope [\"write\"] lacks read: insufficient_scope with every required scope in configuration order, scope=\"read write\".", config: read_write.clone(), claims: json!({ "scope": ["write"] }), expect: Expect::scope(&["read", "write"]) },
        Row { slug: "absent-lists-all-in-config-order", description: "Required [write, read, admin] and no scope claim: every scope is missing, listed in configuration order: scope=\"write read admin\".", config: json!({ "required_scopes": ["write", "read", "admin"] }), claims: json!({}), expect: Expect::scope(&["write", "read", "admin"]) },
        Row { slug: "required-listed-in-config-order", description: "Required [c, a, b], scope \"b\": the challenge lists every required scope, the granted b included, in configuration order, not sorted: scope=\"c a b\".", config: json!({ "required_scopes": ["c", "a", "b"] }), claims: json!({ "scope": "b" }), expect: Expect::scope(&["c", "a", "b"]) },
        Row { slug: "exact-match-only", description: "Required [read], scope \"read:all reader\": no scope equals read, insufficient_scope.", config: json!({ "required_scopes": ["read"] }), claims: json!({ "scope": "read:all reader" }), expect: Expect::scope(&["read"]) },
        Row { slug: "case-sensitive", description: "Required [read], scope \"READ\": scopes are compared exactly, insufficient_scope.", config: json!({ "required_scopes": ["read"] }), claims: json!({ "scope": "READ" }), expect: Expect::scope(&["read"]) },
        Row { slug: "array-with-a-non-string-grants-nothing", description: "Required [read], scope [\"read\", 7]: an array holding a non-string is not an array of strings, so none of its elements is granted (the safer reading): insufficient_scope.", config: json!({ "required_scopes": ["read"] }), claims: json!({ "scope": ["read", 7] }), expect: Expect::scope(&["read"]) },
        Row { slug: "custom-claim-name", description: "scope_claim \"scp\": the array in scp is read, valid.", config: json!({ "required_scopes": ["read"], "scope_claim": "scp" }), claims: json!({ "scp": ["read"] }), expect: Expect::ok() },
        Row { slug: "custom-claim-ignores-scope", description: "scope_claim \"scp\" with only a scope claim present: scp is absent, insufficient_scope.", config: json!({ "required_scopes": ["read"], "scope_claim": "scp" }), claims: json!({ "scope": "read" }), expect: Expect::scope(&["read"]) },
        Row { slug: "none-required", description: "No required scopes (the default) and no scope claim: valid.", config: json!({}), claims: json!({}), expect: Expect::ok() },
        Row { slug: "challenge-escapes-quote-and-backslash", description: "Required scopes say\"hi and back\\slash, none granted: the challenge escapes \" and \\ in the quoted scope list.", config: json!({ "required_scopes": ["say\"hi", "back\\slash"] }), claims: json!({}), expect: Expect::scope(&["say\"hi", "back\\slash"]) },
        Row { slug: "challenge-drops-line-breaks", description: "A required scope containing CR LF, not granted: the challenge drops CR and LF from the quoted value.", config: json!({ "required_scopes": ["line\r\nbreak"] }), claims: json!({}), expect: Expect::scope(&["line\r\nbreak"]) },
    ];
    run(key, "claims/scope", rows)
}

fn permission_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let messages = json!({ "required_permissions": ["read:messages", "write:messages"] });
    let rows = vec![
        Row { slug: "array-has-all", description: "Required permissions [read:messages, write:messages] granted as an array: valid.", config: messages.clone(), claims: json!({ "permissions": ["write:messages", "read:messages", "admin"] }), expect: Expect::claims(alice()) },
        Row { slug: "array-with-a-non-string-grants-nothing", description: "Permissions [\"read:messages\", \"write:messages\", null]: not an array of strings, so nothing is granted: insufficient_permissions.", config: messages.clone(), claims: json!({ "permissions": ["read:messages", "write:messages", null] }), expect: Expect::permissions(&["read:messages", "write:messages"]) },
        Row { slug: "string-has-all", description: "Permissions as a space-separated string holding both: valid.", config: messages.clone(), claims: json!({ "permissions": "read:messages write:messages" }), expect: Expect::ok() },
        Row { slug: "missing-one", description: "Permissions [read:messages] lack write:messages: insufficient_permissions (403) whose challenge names every required permission: permissions=\"read:messages write:messages\".", config: messages.clone(), claims: json!({ "permissions": ["read:messages"] }), expect: Expect::permissions(&["read:messages", "write:messages"]) },
        Row { slug: "absent-lists-all-in-config-order", description: "No permissions claim: all missing, listed in configuration order.", config: messages.clone(), claims: json!({}), expect: Expect::permissions(&["read:messages", "write:messages"]) },
        Row { slug: "custom-claim-name", description: "permissions_claim \"perms\": the string in perms is read, valid.", config: json!({ "required_permissions": ["read:messages"], "permissions_claim": "perms" }), claims: json!({ "perms": "read:messages" }), expect: Expect::ok() },
    ];
    run(key, "claims/permissions", rows)
}

fn order_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let both = json!({ "required_scopes": ["read"], "required_permissions": ["read:messages"] });
    let rows = vec![
        Row { slug: "scope-before-permissions", description: "Both a required scope and a required permission missing: insufficient_scope, the earlier row.", config: both.clone(), claims: json!({}), expect: Expect::scope(&["read"]) },
        Row { slug: "permissions-after-scope-satisfied", description: "The scope granted, the permission missing: insufficient_permissions.", config: both, claims: json!({ "scope": "read" }), expect: Expect::permissions(&["read:messages"]) },
        Row { slug: "audience-before-scope", description: "Another audience and a missing scope: invalid_audience (401) comes before insufficient_scope.", config: json!({ "required_scopes": ["read"] }), claims: json!({ "aud": "https://other.example.test" }), expect: Expect::error(Code::InvalidAudience) },
    ];
    run(key, "claims/forbidden-order", rows)
}

/// `scope_claim` / `permissions_claim` as RFC 6901 JSON Pointers (a value
/// starting with `/`), as Keycloak keeps roles in `realm_access.roles`.
fn pointer_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let realm_roles =
        json!({ "permissions_claim": "/realm_access/roles", "required_permissions": ["admin"] });
    let rows = vec![
        Row { slug: "pointer-nested-array", description: "permissions_claim \"/realm_access/roles\" points into a nested object: the array there holds admin, valid.", config: realm_roles.clone(), claims: json!({ "realm_access": { "roles": ["user", "admin"] } }), expect: Expect::claims(alice()) },
        Row { slug: "pointer-nested-missing-one", description: "The nested roles lack admin: insufficient_permissions listing the required admin.", config: realm_roles.clone(), claims: json!({ "realm_access": { "roles": ["user"] } }), expect: Expect::permissions(&["admin"]) },
        Row { slug: "pointer-parent-absent", description: "No realm_access at all: nothing at the pointer, every permission missing.", config: realm_roles.clone(), claims: json!({ "roles": ["admin"] }), expect: Expect::permissions(&["admin"]) },
        Row { slug: "pointer-is-not-a-name", description: "A top-level claim literally named \"/realm_access/roles\" is not what the pointer names: insufficient_permissions.", config: realm_roles.clone(), claims: json!({ "/realm_access/roles": ["admin"] }), expect: Expect::permissions(&["admin"]) },
        Row { slug: "pointer-escaped-member-name", description: "The pointer /resource_access/orders~1api/roles names the member \"orders/api\" (~1 is /): its roles are read, valid.", config: json!({ "permissions_claim": "/resource_access/orders~1api/roles", "required_permissions": ["read"] }), claims: json!({ "resource_access": { "orders/api": { "roles": ["read"] } } }), expect: Expect::ok() },
        Row { slug: "pointer-array-index", description: "A pointer may index an array: /grants/1/actions reads the second grant's actions, valid.", config: json!({ "permissions_claim": "/grants/1/actions", "required_permissions": ["write"] }), claims: json!({ "grants": [{ "actions": ["read"] }, { "actions": "read write" }] }), expect: Expect::ok() },
    ];
    let mut cases = run(key, "claims/permissions", rows)?;
    let rows = vec![
        Row { slug: "pointer-nested-string", description: "scope_claim \"/ext/scope\": the space-separated string in the nested member is read, valid.", config: json!({ "scope_claim": "/ext/scope", "required_scopes": ["read", "write"] }), claims: json!({ "ext": { "scope": "write read" }, "scope": "none" }), expect: Expect::ok() },
        Row { slug: "pointer-ignores-the-top-level-claim", description: "scope_claim \"/ext/scope\" with only a top-level scope claim granting read: the pointer finds nothing, insufficient_scope.", config: json!({ "scope_claim": "/ext/scope", "required_scopes": ["read"] }), claims: json!({ "scope": "read" }), expect: Expect::scope(&["read"]) },
    ];
    cases.extend(run(key, "claims/scope", rows)?);
    Ok(cases)
}
