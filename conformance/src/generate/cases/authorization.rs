//! `authorization/`: the `Authorization` header entry point and empty
//! tokens (docs/rules.md, rows `missing_token` and `invalid_request`).

use super::with_usual_keys;
use crate::generate::build::{CaseSpec, Expect};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{alice, rsa, signed, JWKS_URL, T0};

/// A header value, what it must produce, and why.
struct HeaderCase {
    name: &'static str,
    description: &'static str,
    /// The header value; `{t}` stands for the standard token.
    header: &'static str,
    expect: fn() -> Expect,
}

const HEADER_CASES: &[HeaderCase] = &[
    HeaderCase {
        name: "authorization/bearer",
        description: "`Bearer <token>` with one space: the token is verified.",
        header: "Bearer {t}",
        expect: || Expect::claims(alice()),
    },
    HeaderCase {
        name: "authorization/scheme-lowercase",
        description: "The scheme is matched case-insensitively: `bearer` is accepted.",
        header: "bearer {t}",
        expect: Expect::ok,
    },
    HeaderCase {
        name: "authorization/scheme-uppercase",
        description: "The scheme is matched case-insensitively: `BEARER` is accepted.",
        header: "BEARER {t}",
        expect: Expect::ok,
    },
    HeaderCase {
        name: "authorization/scheme-mixed-case",
        description: "The scheme is matched case-insensitively: `bEaReR` is accepted.",
        header: "bEaReR {t}",
        expect: Expect::ok,
    },
    HeaderCase {
        name: "authorization/several-spaces",
        description: "One or more spaces separate scheme and token: four spaces are accepted.",
        header: "Bearer    {t}",
        expect: Expect::ok,
    },
    HeaderCase {
        name: "authorization/tab-separator",
        description: "Only spaces separate scheme and token: a tab makes the header malformed (invalid_request, 400).",
        header: "Bearer\t{t}",
        expect: || Expect::error(Code::InvalidRequest),
    },
    HeaderCase {
        name: "authorization/trailing-space",
        description: "The header must be exactly `Bearer <token>`: a space after the token makes it malformed (invalid_request).",
        header: "Bearer {t} ",
        expect: || Expect::error(Code::InvalidRequest),
    },
    HeaderCase {
        name: "authorization/two-tokens",
        description: "Text after the token (a second word) is not `Bearer <token>`: invalid_request.",
        header: "Bearer {t} {t}",
        expect: || Expect::error(Code::InvalidRequest),
    },
    HeaderCase {
        name: "authorization/no-space-after-scheme",
        description: "Scheme and token must be separated by a space: `Bearer<token>` is invalid_request.",
        header: "Bearer{t}",
        expect: || Expect::error(Code::InvalidRequest),
    },
    HeaderCase {
        name: "authorization/basic-scheme",
        description: "Another scheme is not `Bearer <token>`: Basic credentials are invalid_request, with the 400 challenge.",
        header: "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        expect: || Expect::error(Code::InvalidRequest),
    },
    HeaderCase {
        name: "authorization/other-scheme-with-a-jwt",
        description: "A valid token under another scheme (DPoP) is still not `Bearer <token>`: invalid_request.",
        header: "DPoP {t}",
        expect: || Expect::error(Code::InvalidRequest),
    },
    HeaderCase {
        name: "authorization/empty",
        description: "An empty Authorization header is a missing token: 401 with the bare `Bearer` challenge (RFC 6750 section 3.1).",
        header: "",
        expect: || Expect::error(Code::MissingToken),
    },
    HeaderCase {
        name: "authorization/whitespace-only",
        description: "A whitespace-only Authorization header is a missing token.",
        header: "   ",
        expect: || Expect::error(Code::MissingToken),
    },
    HeaderCase {
        name: "authorization/bearer-alone",
        description: "The Bearer scheme with nothing after it is a missing token, not a malformed header.",
        header: "Bearer",
        expect: || Expect::error(Code::MissingToken),
    },
    HeaderCase {
        name: "authorization/bearer-alone-lowercase",
        description: "The scheme alone, in any case, is a missing token.",
        header: "bearer",
        expect: || Expect::error(Code::MissingToken),
    },
    HeaderCase {
        name: "authorization/comma-in-token",
        description: "A comma is not a b64token character: invalid_request, before any token check.",
        header: "Bearer abc,def",
        expect: || Expect::error(Code::InvalidRequest),
    },
    HeaderCase {
        name: "authorization/quoted-token",
        description: "Quotes are not b64token characters: a quoted token is invalid_request.",
        header: "Bearer \"{t}\"",
        expect: || Expect::error(Code::InvalidRequest),
    },
    HeaderCase {
        name: "authorization/equals-inside-token",
        description: "`=` is a b64token character only at the end: `ab=cd` is invalid_request.",
        header: "Bearer ab=cd.ef.gh",
        expect: || Expect::error(Code::InvalidRequest),
    },
    HeaderCase {
        name: "authorization/padding-at-end-reaches-the-token-check",
        description: "Trailing `=` is allowed by b64token, so the header parses; the padded token is then malformed_token (strict unpadded base64url), not invalid_request.",
        header: "Bearer {t}==",
        expect: || Expect::error(Code::MalformedToken),
    },
    HeaderCase {
        name: "authorization/b64token-characters-reach-the-token-check",
        description: "`~`, `+` and `/` are b64token characters, so the header parses; the one-part token is then malformed_token.",
        header: "Bearer a~b+c/d",
        expect: || Expect::error(Code::MalformedToken),
    },
];

/// A token passed to `verify` directly, what it must produce, and why.
struct TokenCase {
    name: &'static str,
    description: &'static str,
    /// The token; `{t}` stands for the standard token.
    token: &'static str,
    expect: Code,
}

const TOKEN_CASES: &[TokenCase] = &[
    TokenCase {
        name: "authorization/verify-empty-token",
        description: "An empty token is missing_token (401, bare `Bearer` challenge).",
        token: "",
        expect: Code::MissingToken,
    },
    TokenCase {
        name: "authorization/verify-whitespace-token",
        description: "A whitespace-only token is missing_token.",
        token: " \t ",
        expect: Code::MissingToken,
    },
    TokenCase {
        name: "authorization/verify-leading-space",
        description: "The token is taken exactly as received: a leading space puts whitespace in the first part, which is not strict base64url (malformed_token).",
        token: " {t}",
        expect: Code::MalformedToken,
    },
    TokenCase {
        name: "authorization/verify-trailing-newline",
        description: "A trailing newline puts whitespace in the signature part: malformed_token.",
        token: "{t}\n",
        expect: Code::MalformedToken,
    },
];

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let token = signed(&rsa()?)?;
    let mut cases = Vec::new();
    for case in HEADER_CASES {
        let header = case.header.replace("{t}", &token);
        let expect = (case.expect)();
        let rejected_early = matches!(
            &expect,
            Expect::Error(error) if matches!(error.code(), Code::MissingToken | Code::InvalidRequest)
        );
        let mut spec =
            with_usual_keys(case.name, case.description)?.verify_header(T0, &header, expect);
        if rejected_early {
            spec = spec.fetches(&[(JWKS_URL, 0)]);
        }
        cases.push(spec);
    }
    cases.push(
        with_usual_keys(
            "authorization/header-token-too-large",
            "A well-formed header whose b64token is one byte longer than max_token_bytes (16): the header parses, then the token is token_too_large.",
        )?
        .set("max_token_bytes", serde_json::json!(16))
        .verify_header(T0, &format!("Bearer {}", "a".repeat(17)), Expect::error(Code::TokenTooLarge))
        .fetches(&[(JWKS_URL, 0)]),
    );
    for case in TOKEN_CASES {
        let text = case.token.replace("{t}", &token);
        cases.push(
            with_usual_keys(case.name, case.description)?
                .verify(T0, &text, Expect::error(case.expect))
                .fetches(&[(JWKS_URL, 0)]),
        );
    }
    Ok(cases)
}
