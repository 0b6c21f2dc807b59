//! `fetch/encoding/`: bodies and their content coding (rule 10): gzip
//! decoded with the body limit on the decoded bytes, no coding or
//! `identity` taken as is, any other coding or an undecodable body a
//! `jwks_error`. The cases use the serve-level `encoding` extension.

use serde_json::json;

use crate::generate::build::{CaseSpec, Expect, Reply};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{
    alice, jwks_of, rsa, signed, DISCOVERED_JWKS_URL, DISCOVERY_URL, ISSUER, JWKS_URL, T0,
};
use crate::issuer::discovery_document;

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let key = rsa()?;
    let token = signed(&key)?;
    let jwks = jwks_of(&[&key]);
    let case = |name: &str, description: &str, reply: Reply, expect: Expect| {
        CaseSpec::new(name, description)
            .set("fetch_attempts", json!(2))
            .serve(JWKS_URL, reply)
            .verify(T0, &token, expect)
            .fetches(&[(JWKS_URL, 1)])
    };
    let gzip = case(
        "fetch/encoding/gzip-decoded",
        "Rule 10: a key set sent with Content-Encoding: gzip is decoded, alike in every layer.",
        Reply::json(jwks.clone()).gzip(),
        Expect::claims(alice()),
    );
    let bomb = case(
        "fetch/encoding/gzip-bomb",
        "A gzip body of a few KiB that decodes to 16 MiB: the limit applies to the decoded bytes and decoding stops past it, so the answer is jwks_error (not retried: an unusable answer).",
        Reply::repeat(" ", 16 * 1024 * 1024).gzip(),
        Expect::error(Code::JwksError),
    );
    let bad_gzip = case(
        "fetch/encoding/bad-gzip",
        "Content-Encoding: gzip on a body that is not gzip (plain JSON) does not decode: jwks_error.",
        Reply::json(jwks.clone()).header("content-encoding", "gzip"),
        Expect::error(Code::JwksError),
    );
    let brotli = case(
        "fetch/encoding/br-refused",
        "Any coding other than gzip is refused, br included: jwks_error, whatever the body.",
        Reply::json(jwks.clone()).header("content-encoding", "br"),
        Expect::error(Code::JwksError),
    );
    let deflate = case(
        "fetch/encoding/deflate-refused",
        "Content-Encoding: deflate is refused: jwks_error.",
        Reply::json(jwks.clone()).header("content-encoding", "deflate"),
        Expect::error(Code::JwksError),
    );
    let identity = case(
        "fetch/encoding/identity-as-is",
        "Content-Encoding: identity is no coding: the body is taken as it is.",
        Reply::json(jwks.clone()).header("content-encoding", "identity"),
        Expect::claims(alice()),
    );
    let discovery = CaseSpec::new(
        "fetch/encoding/gzip-discovery-document",
        "A discovery document sent gzip-compressed is decoded too; its jwks_uri is then fetched.",
    )
    .unset("jwks_url")
    .set("discovery_url", json!(DISCOVERY_URL))
    .serve(
        DISCOVERY_URL,
        Reply::json(discovery_document(ISSUER, DISCOVERED_JWKS_URL)).gzip(),
    )
    .serve(DISCOVERED_JWKS_URL, Reply::json(jwks).gzip())
    .verify(T0, &token, Expect::claims(alice()))
    .fetches(&[(DISCOVERY_URL, 1), (DISCOVERED_JWKS_URL, 1)]);
    Ok(vec![
        gzip, bomb, bad_gzip, brotli, deflate, identity, discovery,
    ])
}
