//! The checks of a verification, named in the order they run, and the
//! [`Trace`] through which the one implementation of each rule tells an
//! explanation which check it has reached.

use std::fmt;

/// One check of a verification, in the order of the rules' error table
/// (the key lookup, where the 503s arise, between `kid` and `signature`).
/// The `malformed_token` checks are named part by part, in the order the
/// one pass over the token meets them: the header is decoded and read
/// before the payload is decoded, and the signature's encoding comes last.
///
/// A verification runs them in this order and stops at the first that
/// fails: an [`Explain`](crate::Explain) report shows each one passed,
/// failed or not reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckName {
    /// `missing_token`: the token is not empty or blank.
    TokenPresent,
    /// `token_too_large`: at most `max_token_bytes`, before any decoding.
    TokenSize,
    /// `malformed_token`: three dot-separated parts.
    Shape,
    /// `malformed_token`: the header is strict unpadded base64url, not
    /// empty, of at most 4 KiB decoded.
    HeaderBase64,
    /// `malformed_token`: the header is a strict JSON object.
    HeaderJson,
    /// `malformed_token`: the payload is strict unpadded base64url, not
    /// empty.
    PayloadBase64,
    /// `malformed_token`: the payload is a strict JSON object.
    PayloadJson,
    /// `malformed_token`: the signature is strict unpadded base64url (it
    /// may be empty, and then fails to verify).
    SignatureBase64,
    /// `malformed_token`: `kid` and `typ`, when present, are strings.
    HeaderMembers,
    /// `forbidden_header`: no key-choosing or processing-changing member.
    ForbiddenHeader,
    /// `disallowed_alg`: `alg` is one of `allowed_algs`.
    Alg,
    /// `invalid_type`: `typ` is `expected_typ`, when one is set.
    Typ,
    /// `missing_kid`: a `kid`, when `require_kid` is set.
    Kid,
    /// `missing_kid`, `key_not_found`, or a key-source 503: exactly one
    /// usable key fits the token.
    KeyLookup,
    /// `invalid_signature`: the signature verifies under that key.
    Signature,
    /// `missing_claim`: `exp`, `iss` and the audience claim are present.
    ClaimsPresent,
    /// `missing_claim`: every claim of `required_claims` is present and not
    /// `null`.
    RequiredClaims,
    /// `invalid_claim`: the registered claims have their JSON types (and
    /// `client_id` is a string when it is the audience claim).
    ClaimTypes,
    /// `token_expired`: `now < exp + leeway_s`.
    Exp,
    /// `token_not_yet_valid`: `now >= nbf - leeway_s`.
    Nbf,
    /// `invalid_issuer`: `iss` is the configured issuer.
    Iss,
    /// `invalid_audience`: a configured audience is the token's.
    Aud,
    /// `insufficient_scope`: every required scope is granted.
    Scopes,
    /// `insufficient_permissions`: every required permission is granted.
    Permissions,
}

impl CheckName {
    /// Every check, in the order a verification runs them.
    pub const ALL: [CheckName; 24] = [
        CheckName::TokenPresent,
        CheckName::TokenSize,
        CheckName::Shape,
        CheckName::HeaderBase64,
        CheckName::HeaderJson,
        CheckName::PayloadBase64,
        CheckName::PayloadJson,
        CheckName::SignatureBase64,
        CheckName::HeaderMembers,
        CheckName::ForbiddenHeader,
        CheckName::Alg,
        CheckName::Typ,
        CheckName::Kid,
        CheckName::KeyLookup,
        CheckName::Signature,
        CheckName::ClaimsPresent,
        CheckName::RequiredClaims,
        CheckName::ClaimTypes,
        CheckName::Exp,
        CheckName::Nbf,
        CheckName::Iss,
        CheckName::Aud,
        CheckName::Scopes,
        CheckName::Permissions,
    ];

    /// The stable snake_case name, e.g. `"key_lookup"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckName::TokenPresent => "token_present",
            CheckName::TokenSize => "token_size",
            CheckName::Shape => "shape",
            CheckName::HeaderBase64 => "header_base64",
            CheckName::HeaderJson => "header_json",
            CheckName::PayloadBase64 => "payload_base64",
            CheckName::PayloadJson => "payload_json",
            CheckName::SignatureBase64 => "signature_base64",
            CheckName::HeaderMembers => "header_members",
            CheckName::ForbiddenHeader => "forbidden_header",
            CheckName::Alg => "alg",
            CheckName::Typ => "typ",
            CheckName::Kid => "kid",
            CheckName::KeyLookup => "key_lookup",
            CheckName::Signature => "signature",
            CheckName::ClaimsPresent => "claims_present",
            CheckName::RequiredClaims => "required_claims",
            CheckName::ClaimTypes => "claim_types",
            CheckName::Exp => "exp",
            CheckName::Nbf => "nbf",
            CheckName::Iss => "iss",
            CheckName::Aud => "aud",
            CheckName::Scopes => "scopes",
            CheckName::Permissions => "permissions",
        }
    }

    /// The error codes a failure of this check gives (in the rules' table
    /// order): one for most, the key-source codes for the key lookup.
    pub fn codes(self) -> &'static [&'static str] {
        match self {
            CheckName::TokenPresent => &["missing_token"],
            CheckName::TokenSize => &["token_too_large"],
            CheckName::Shape
            | CheckName::HeaderBase64
            | CheckName::HeaderJson
            | CheckName::PayloadBase64
            | CheckName::PayloadJson
            | CheckName::SignatureBase64
            | CheckName::HeaderMembers => &["malformed_token"],
            CheckName::ForbiddenHeader => &["forbidden_header"],
            CheckName::Alg => &["disallowed_alg"],
            CheckName::Typ => &["invalid_type"],
            CheckName::Kid => &["missing_kid"],
            CheckName::KeyLookup => &[
                "missing_kid",
                "key_not_found",
                "jwks_fetch_failed",
                "jwks_error",
                "issuer_mismatch",
            ],
            CheckName::Signature => &["invalid_signature"],
            CheckName::ClaimsPresent | CheckName::RequiredClaims => &["missing_claim"],
            CheckName::ClaimTypes => &["invalid_claim"],
            CheckName::Exp => &["token_expired"],
            CheckName::Nbf => &["token_not_yet_valid"],
            CheckName::Iss => &["invalid_issuer"],
            CheckName::Aud => &["invalid_audience"],
            CheckName::Scopes => &["insufficient_scope"],
            CheckName::Permissions => &["insufficient_permissions"],
        }
    }

    /// What the check requires, in a line of the rules (at most 68
    /// characters, so a text report fits 100 columns).
    pub fn rule(self) -> &'static str {
        match self {
            CheckName::TokenPresent => "the token is not empty or whitespace only",
            CheckName::TokenSize => "at most max_token_bytes long, checked before any decoding",
            CheckName::Shape => "three dot-separated parts (a JWE has five)",
            CheckName::HeaderBase64 => {
                "the header is strict base64url, not empty, at most 4 KiB decoded"
            }
            CheckName::HeaderJson => "the header is a strict JSON object (no repeats, depth 32)",
            CheckName::PayloadBase64 => "the payload is strict base64url, not empty",
            CheckName::PayloadJson => "the payload is a strict JSON object (no repeats, depth 32)",
            CheckName::SignatureBase64 => "the signature is strict base64url (it may be empty)",
            CheckName::HeaderMembers => "kid and typ, when present, are strings",
            CheckName::ForbiddenHeader => {
                "no jku, x5u, jwk, x5c, crit, b64, zip; no cty naming a nested JWT"
            }
            CheckName::Alg => "alg is one of allowed_algs (never none)",
            CheckName::Typ => "typ is expected_typ (as media types); any typ when none is set",
            CheckName::Kid => "the header has a kid, when require_kid is set",
            CheckName::KeyLookup => {
                "exactly one usable key fits the kid and alg (fetched if needed)"
            }
            CheckName::Signature => "the signature verifies under that key",
            CheckName::ClaimsPresent => {
                "exp, iss and the audience claim (aud or client_id) are present"
            }
            CheckName::RequiredClaims => "every claim of required_claims is present and not null",
            CheckName::ClaimTypes => "exp, nbf, iat numbers; iss a string; aud a string or strings",
            CheckName::Exp => "now < exp + leeway_s",
            CheckName::Nbf => "now >= nbf - leeway_s, when nbf is present",
            CheckName::Iss => "iss is exactly the configured issuer",
            CheckName::Aud => "a configured audience is the audience claim or one of its elements",
            CheckName::Scopes => "the scope claim grants every required scope",
            CheckName::Permissions => "the permissions claim grants every required permission",
        }
    }
}

impl fmt::Display for CheckName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Told of each check as a verification reaches it, just before the check
/// runs. Verification passes `()`, which does nothing (and compiles to
/// nothing); an explanation passes a [`Reached`].
pub(crate) trait Trace {
    fn reach(&mut self, check: CheckName);
}

impl Trace for () {
    #[inline(always)]
    fn reach(&mut self, _check: CheckName) {}
}

/// The last check a verification reached: every check before it passed,
/// it passed or failed as the verification's result says, and those after
/// it were not reached (a verification stops at its first failure).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Reached(Option<CheckName>);

impl Reached {
    /// The last check reached, `None` before any.
    pub(crate) fn last(self) -> Option<CheckName> {
        self.0
    }
}

impl Trace for Reached {
    fn reach(&mut self, check: CheckName) {
        debug_assert!(self.0 < Some(check), "{check} reached out of order");
        self.0 = Some(check);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_in_declaration_order_and_names_are_unique() {
        let mut sorted = CheckName::ALL;
        sorted.sort();
        assert_eq!(sorted, CheckName::ALL);
        let mut names: Vec<_> = CheckName::ALL.iter().map(|c| c.as_str()).collect();
        names.dedup();
        assert_eq!(names.len(), CheckName::ALL.len());
        for check in CheckName::ALL {
            let json = serde_json::to_value(check).unwrap();
            assert_eq!(json, check.as_str(), "serialized as its name");
            assert!((1..=68).contains(&check.rule().len()), "{check}");
        }
    }

    /// The codes no check of a token gives: a malformed `Authorization`
    /// field, claims the caller's type cannot hold, and the sender
    /// constraints (a DPoP proof, a client certificate), which an
    /// explanation does not report check by check (docs/rules.md,
    /// "Explain and the command line").
    const NOT_FROM_A_TOKEN_CHECK: [&str; 7] = [
        "invalid_request",
        "claims_type_mismatch",
        "dpop_required",
        "invalid_dpop_proof",
        "invalid_dpop_binding",
        "dpop_proof_replayed",
        "invalid_certificate_binding",
    ];

    /// `invalid_request` is the request's (no token to check), and
    /// `claims_type_mismatch` comes after every check passed, when the
    /// caller's type cannot hold the verified claims (`finish_as`).
    #[test]
    fn every_code_of_a_token_check_comes_from_a_check_in_table_order() {
        let codes: Vec<&str> = CheckName::ALL
            .iter()
            .flat_map(|c| c.codes())
            .copied()
            .collect();
        let mut expected: Vec<&str> = crate::ERROR_CODES
            .iter()
            .copied()
            .filter(|code| !NOT_FROM_A_TOKEN_CHECK.contains(code))
            .collect();
        let mut seen = codes.clone();
        seen.sort_unstable();
        seen.dedup();
        expected.sort_unstable();
        assert_eq!(seen, expected, "every code a verification of a token gives");
        let position = |code: &str| crate::ERROR_CODES.iter().position(|c| *c == code);
        let table_order = |c: &CheckName| position(c.codes()[0]);
        assert!(CheckName::ALL
            .windows(2)
            .all(|w| table_order(&w[0]) <= table_order(&w[1])));
    }

    #[test]
    fn reached_keeps_the_last_check() {
        let mut reached = Reached::default();
        assert_eq!(reached.last(), None);
        reached.reach(CheckName::TokenPresent);
        reached.reach(CheckName::Alg);
        assert_eq!(reached.last(), Some(CheckName::Alg));
    }
}
