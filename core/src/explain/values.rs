//! The values each check compares, read from the decoded token, the
//! configuration, the time and the chosen key, for a reader to see why a
//! check came out as it did. Nothing here decides an outcome.

use serde_json::{json, Value};

use super::{CheckName, Compared, Context, Origin};
use crate::claims::audience_name;
use crate::error::ClaimName;
use crate::json::MAX_DEPTH;
use crate::token::{FORBIDDEN_HEADER_PARAMETERS, MAX_HEADER_BYTES};

/// The values `check` compares.
pub(super) fn compared(check: CheckName, context: &Context<'_>) -> Vec<Compared> {
    let mut shown = Shown {
        context,
        values: Vec::new(),
    };
    match check {
        CheckName::TokenPresent => shown.token_length(),
        CheckName::TokenSize => {
            shown.token_length();
            shown.configured("max_token_bytes", json!(context.config.max_token_bytes));
        }
        CheckName::Shape => shown.measured("parts", json!(context.token.split('.').count())),
        CheckName::HeaderBase64 => {
            shown.part_length(0);
            shown.rules("max_header_bytes", json!(MAX_HEADER_BYTES));
        }
        CheckName::PayloadBase64 => shown.part_length(1),
        CheckName::SignatureBase64 => shown.part_length(2),
        CheckName::HeaderJson | CheckName::PayloadJson => {
            shown.rules("max_depth", json!(MAX_DEPTH));
        }
        CheckName::HeaderMembers => shown.header(&["kid", "typ"]),
        CheckName::ForbiddenHeader => shown.forbidden_members(),
        CheckName::Alg => {
            shown.header(&["alg"]);
            shown.configured("allowed_algs", json!(context.config.allowed_algs));
        }
        CheckName::Typ => {
            shown.header(&["typ"]);
            shown.configured("expected_typ", json!(context.config.expected_typ));
        }
        CheckName::Kid => {
            shown.header(&["kid"]);
            shown.configured("require_kid", json!(context.config.require_kid));
        }
        CheckName::KeyLookup => {
            shown.header(&["kid", "alg"]);
            shown.key();
        }
        CheckName::Signature => {
            shown.header(&["alg"]);
            shown.key();
        }
        CheckName::ClaimsPresent => {
            let audience = audience_name(context.policy.audience_claim);
            shown.claims(&[ClaimName::Exp, ClaimName::Iss, audience]);
        }
        CheckName::RequiredClaims => shown.required_claims(),
        CheckName::ClaimTypes => shown.claim_types(),
        CheckName::Exp => shown.lifetime(ClaimName::Exp),
        CheckName::Nbf => shown.lifetime(ClaimName::Nbf),
        CheckName::Iss => {
            shown.claims(&[ClaimName::Iss]);
            shown.configured("issuer", json!(context.config.issuer));
        }
        CheckName::Aud => {
            shown.claims(&[audience_name(context.policy.audience_claim)]);
            shown.configured("audience", json!(context.config.audience));
        }
        CheckName::Scopes => {
            shown.granted(
                ("scope_claim", &context.config.scope_claim),
                &context.policy.scope_claim,
                ("required_scopes", &context.config.required_scopes),
            );
            shown.route("route_scopes", context.route.scopes());
        }
        CheckName::Permissions => {
            shown.granted(
                ("permissions_claim", &context.config.permissions_claim),
                &context.policy.permissions_claim,
                ("required_permissions", &context.config.required_permissions),
            );
            shown.route("route_permissions", context.route.permissions());
        }
    }
    shown.values
}

/// The values of one row as they are gathered.
struct Shown<'c, 'a> {
    context: &'c Context<'a>,
    values: Vec<Compared>,
}

impl Shown<'_, '_> {
    fn push(&mut self, name: &str, value: Option<Value>, origin: Origin) {
        let trusted = origin != Origin::Token || self.context.trusted;
        self.values.push(Compared {
            name: name.to_owned(),
            value,
            origin,
            trusted,
        });
    }

    fn configured(&mut self, name: &str, value: Value) {
        self.push(name, Some(value), Origin::Configuration);
    }

    /// A route's own requirements, when it has any (the caller's, as
    /// trusted as the configuration).
    fn route(&mut self, name: &str, values: &[String]) {
        if !values.is_empty() {
            self.configured(name, json!(values));
        }
    }

    fn rules(&mut self, name: &str, value: Value) {
        self.push(name, Some(value), Origin::Rules);
    }

    /// A fact about the token as received (not a member of it).
    fn measured(&mut self, name: &str, value: Value) {
        self.push(name, Some(value), Origin::Token);
    }

    fn token_length(&mut self) {
        self.measured("length", json!(self.context.token.len()));
    }

    /// The encoded length of part `index` (header, payload, signature),
    /// when the token has three parts.
    fn part_length(&mut self, index: usize) {
        let parts: Vec<&str> = self.context.token.split('.').collect();
        if let [_, _, _] = parts.as_slice() {
            self.measured("encoded_length", json!(parts[index].len()));
        }
    }

    /// Header members by name (nothing when the header did not decode).
    fn header(&mut self, names: &[&str]) {
        let Some(header) = self.context.header else {
            return;
        };
        for name in names {
            self.push(name, header.get(*name).cloned(), Origin::Token);
        }
    }

    /// The header's member names, and `cty` if it has one: the forbidden
    /// ones are `FORBIDDEN_HEADER_PARAMETERS` and a nested-JWT `cty`.
    fn forbidden_members(&mut self) {
        let Some(header) = self.context.header else {
            return;
        };
        let names: Vec<&String> = header.keys().collect();
        self.push("members", Some(json!(names)), Origin::Token);
        if header.contains_key("cty") {
            self.header(&["cty"]);
        }
        self.rules("forbidden", json!(FORBIDDEN_HEADER_PARAMETERS));
    }

    /// The key the lookup chose: its `kid`, `kty` and algorithms.
    fn key(&mut self) {
        if let Some(key) = self.context.key {
            let algorithms: Vec<&str> = key.algorithms().iter().map(|alg| alg.name()).collect();
            let value = json!({"kid": key.kid(), "kty": key.key_type(), "algorithms": algorithms});
            self.push("key", Some(value), Origin::Key);
        }
    }

    /// Payload members by name (nothing when the payload did not decode).
    fn claim(&mut self, name: &str) {
        if let Some(payload) = self.context.payload {
            self.push(name, payload.get(name).cloned(), Origin::Token);
        }
    }

    fn claims(&mut self, names: &[ClaimName]) {
        for name in names {
            self.claim(name.as_str());
        }
    }

    fn required_claims(&mut self) {
        let required = &self.context.policy.required_claims;
        self.configured(
            "required_claims",
            json!(self.context.config.required_claims),
        );
        let Some(payload) = self.context.payload else {
            return;
        };
        for claim in required {
            let value = claim.path.find_in(|name| payload.get(name)).cloned();
            self.push(&claim.name, value, Origin::Token);
        }
    }

    fn claim_types(&mut self) {
        let audience = audience_name(self.context.policy.audience_claim);
        let mut names = vec![ClaimName::Exp, ClaimName::Nbf, ClaimName::Iat];
        names.extend([ClaimName::Iss, ClaimName::Aud]);
        if audience == ClaimName::ClientId {
            names.push(audience);
        }
        self.claims(&names);
    }

    fn lifetime(&mut self, claim: ClaimName) {
        self.claim(claim.as_str());
        self.configured("leeway_s", json!(self.context.config.leeway_s));
        let now = self.context.wall.as_secs_f64();
        self.push("now", Some(seconds(now)), Origin::Time);
    }

    /// The claim a list is read from (as configured), its value there, and
    /// the values required of it.
    fn granted(
        &mut self,
        (path_key, path_text): (&str, &String),
        path: &crate::pointer::ClaimPath,
        (required_key, required): (&str, &Vec<String>),
    ) {
        self.configured(path_key, json!(path_text));
        if let Some(payload) = self.context.payload {
            self.push(
                path_text,
                path.find_in(|name| payload.get(name)).cloned(),
                Origin::Token,
            );
        }
        self.configured(required_key, json!(required));
    }
}

/// Unix seconds as JSON: an integer when whole (as tokens write them).
fn seconds(secs: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: every integer below is exact
    if secs.fract() == 0.0 && secs.abs() < EXACT {
        json!(secs as i64)
    } else {
        json!(secs)
    }
}
