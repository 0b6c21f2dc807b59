//! `header/`: the JOSE header policy (docs/rules.md, rows `forbidden_header`,
//! `disallowed_alg`, `invalid_type`, `missing_kid`).

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;
use serde_json::{json, Value};

use super::with_usual_keys;
use crate::generate::build::{CaseSpec, Expect, Reply};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{alice, jwk_edited, jwks_of, key, rsa, sign, token, JWKS_URL, T0};
use crate::issuer::{FixedKey, IssuerError, TestKey, TokenBuilder};

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let key = rsa()?;
    let mut cases = forbidden_cases(&key)?;
    cases.extend(alg_cases(&key)?);
    cases.extend(typ_cases(&key)?);
    cases.extend(kid_cases(&key)?);
    Ok(cases)
}

/// A case serving the usual keys, verifying `token` at `T0`.
fn one_verify(
    name: &str,
    description: &str,
    token: &str,
    expect: Expect,
) -> Result<CaseSpec, GenerateError> {
    Ok(with_usual_keys(name, description)?.verify(T0, token, expect))
}

/// A case where `token` fails with `code` before any key is needed.
fn rejected(
    name: &str,
    description: &str,
    token: &str,
    code: Code,
) -> Result<CaseSpec, GenerateError> {
    Ok(one_verify(name, description, token, Expect::error(code))?.fetches(&[(JWKS_URL, 0)]))
}

fn forbidden_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let other = crate::generate::world::key(FixedKey::Rsa2048B)?;
    let members: [(&str, Value, &str); 7] = [
        (
            "jku",
            json!("https://attacker.example.test/jwks.json"),
            "a JWK Set URL",
        ),
        (
            "x5u",
            json!("https://attacker.example.test/cert.pem"),
            "an X.509 URL",
        ),
        ("jwk", other.public_jwk(), "an embedded public key"),
        (
            "x5c",
            json!(["MIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGU="]),
            "an embedded certificate chain",
        ),
        ("crit", json!(["exp"]), "critical extensions"),
        ("b64", json!(false), "unencoded payload (RFC 7797)"),
        ("zip", json!("DEF"), "compression"),
    ];
    let mut cases = Vec::new();
    for (member, value, what) in members {
        let token = sign(&token(key).header(member, value), key)?;
        cases.push(rejected(
            &format!("header/forbidden/{member}"),
            &format!("A validly signed token whose header carries `{member}` ({what}) is forbidden_header: keys come only from the configured source."),
            &token,
            Code::ForbiddenHeader,
        )?);
    }
    for (slug, cty) in [
        ("cty-jwt", "JWT"),
        ("cty-jwt-lowercase", "jwt"),
        ("cty-application-jwt", "application/jwt"),
        ("cty-application-jwt-mixed-case", "Application/JWT"),
    ] {
        let token = sign(&token(key).header("cty", json!(cty)), key)?;
        cases.push(rejected(
            &format!("header/forbidden/{slug}"),
            &format!("`cty` {cty:?} announces a nested token (JWT or application/jwt in any case): forbidden_header."),
            &token,
            Code::ForbiddenHeader,
        )?);
    }
    let jku_and_none = sign(
        &token(key)
            .header("alg", json!("none"))
            .header("jku", json!("https://attacker.example.test/jwks.json")),
        key,
    )?;
    cases.push(rejected(
        "header/forbidden/checked-before-alg",
        "A header with both `jku` and alg none reports forbidden_header: that row comes before disallowed_alg.",
        &jku_and_none,
        Code::ForbiddenHeader,
    )?);
    let jku_and_bad_kid = sign(
        &token(key)
            .header("kid", json!(7))
            .header("jku", json!("https://attacker.example.test/jwks.json")),
        key,
    )?;
    cases.push(rejected(
        "header/forbidden/after-malformed",
        "A header with `jku` and a numeric `kid` reports malformed_token: that row comes before forbidden_header.",
        &jku_and_bad_kid,
        Code::MalformedToken,
    )?);
    Ok(cases)
}

/// HMAC-SHA256 over the signing input keyed with the RSA public key's PEM
/// text: the classic algorithm-confusion forgery.
fn hs256_with_public_key(builder: &TokenBuilder, key: &TestKey) -> Result<String, GenerateError> {
    let secret = key.public_pem()?;
    let forge = || -> Result<Vec<u8>, openssl::error::ErrorStack> {
        let hmac_key = PKey::hmac(secret.as_bytes())?;
        let mut signer = Signer::new(MessageDigest::sha256(), &hmac_key)?;
        signer.sign_oneshot_to_vec(builder.signing_input().as_bytes())
    };
    let mac = forge().map_err(IssuerError::from)?;
    Ok(builder.with_signature(&mac))
}

fn alg_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let mut cases = Vec::new();
    for (slug, alg) in [
        ("none", "none"),
        ("none-uppercase", "NONE"),
        ("none-mixed-case", "nOnE"),
    ] {
        let unsigned = token(key).header("alg", json!(alg)).unsigned();
        cases.push(rejected(
            &format!("header/alg/{slug}"),
            &format!("alg {alg:?} with an empty signature: none in any case is disallowed_alg, before any key lookup."),
            &unsigned,
            Code::DisallowedAlg,
        )?);
    }
    let hs256 = token(key).header("alg", json!("HS256"));
    cases.push(rejected(
        "header/alg/hs256-keyed-with-the-public-key",
        "alg HS256 with an HMAC keyed by the RSA public key's PEM (algorithm confusion): HS* is never allowed, disallowed_alg.",
        &hs256_with_public_key(&hs256, key)?,
        Code::DisallowedAlg,
    )?);
    let table: [(&str, &str, Option<Value>); 5] = [
        ("missing", "`alg` absent", None),
        ("number", "`alg` a number", Some(json!(256))),
        ("null", "`alg` null (not a string)", Some(Value::Null)),
        (
            "lowercase-rs256",
            "`alg` \"rs256\" (names are exact, case-sensitive)",
            Some(json!("rs256")),
        ),
        (
            "unknown-name",
            "`alg` \"RS1024\", not an algorithm name",
            Some(json!("RS1024")),
        ),
    ];
    for (slug, what, alg) in table {
        let builder = match alg {
            Some(value) => token(key).header("alg", value),
            None => token(key).remove_header("alg"),
        };
        cases.push(rejected(
            &format!("header/alg/{slug}"),
            &format!("{what}, validly signed with RS256: disallowed_alg."),
            &sign(&builder, key)?,
            Code::DisallowedAlg,
        )?);
    }
    let rs384_key =
        crate::generate::world::key_as(FixedKey::Rsa2048A, crate::issuer::SigningAlg::Rs384)?;
    cases.push(
        CaseSpec::new(
            "header/alg/valid-but-not-allowed",
            "A correct RS384 token and key, with allowed_algs [RS256]: disallowed_alg, and no key fetched.",
        )
        .serve(JWKS_URL, Reply::json(jwks_of(&[&rs384_key])))
        .verify(T0, &sign(&token(&rs384_key), &rs384_key)?, Expect::error(Code::DisallowedAlg))
        .fetches(&[(JWKS_URL, 0)]),
    );
    let ed = key_ed25519()?;
    cases.push(
        CaseSpec::new(
            "header/alg/eddsa-not-allowed-when-only-ed25519",
            "allowed_algs [Ed25519] does not allow the name EdDSA, even for an Ed25519 key: disallowed_alg.",
        )
        .set("allowed_algs", json!(["Ed25519"]))
        .serve(JWKS_URL, Reply::json(jwks_of(&[&ed])))
        .verify(T0, &sign(&token(&ed), &ed)?, Expect::error(Code::DisallowedAlg)),
    );
    cases.push(
        one_verify(
            "header/alg/allowed-among-several",
            "RS256 listed second in allowed_algs [ES256, RS256]: the token verifies.",
            &sign(&token(key), key)?,
            Expect::claims(alice()),
        )?
        .set("allowed_algs", json!(["ES256", "RS256"])),
    );
    cases.push(
        one_verify(
            "header/alg/checked-before-typ",
            "alg none with a wrong typ while expected_typ is set: disallowed_alg, the earlier row.",
            &token(key)
                .header("alg", json!("none"))
                .header("typ", json!("JWT"))
                .unsigned(),
            Expect::error(Code::DisallowedAlg),
        )?
        .set("expected_typ", json!("at+jwt")),
    );
    cases.push(rejected(
        "header/alg/checked-before-kid",
        "alg none and no kid (require_kid true): disallowed_alg, the earlier row.",
        &token(key)
            .header("alg", json!("none"))
            .remove_header("kid")
            .unsigned(),
        Code::DisallowedAlg,
    )?);
    Ok(cases)
}

fn key_ed25519() -> Result<TestKey, GenerateError> {
    key(FixedKey::Ed25519)
}

fn typ_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let with_typ = |typ: &str| sign(&token(key).header("typ", json!(typ)), key);
    let mut cases = Vec::new();
    let table: [(&str, &str, &str, bool); 9] = [
        ("exact", "at+jwt", "at+jwt", true),
        (
            "with-application-prefix",
            "at+jwt",
            "application/at+jwt",
            true,
        ),
        ("uppercase", "at+jwt", "AT+JWT", true),
        ("prefix-mixed-case", "at+jwt", "Application/At+JWT", true),
        (
            "configured-with-prefix",
            "application/at+jwt",
            "at+jwt",
            true,
        ),
        ("plain-jwt", "at+jwt", "JWT", false),
        ("application-jwt", "at+jwt", "application/jwt", false),
        ("other-prefix", "at+jwt", "text/at+jwt", false),
        ("suffix-only", "at+jwt", "jwt", false),
    ];
    for (slug, expected, typ, accepted) in table {
        let (expect, verdict) = if accepted {
            (Expect::claims(alice()), "matches")
        } else {
            (Expect::error(Code::InvalidType), "differs: invalid_type")
        };
        cases.push(
            one_verify(
                &format!("header/typ/{slug}"),
                &format!("expected_typ {expected:?}, token typ {typ:?}: compared case-insensitively with or without the application/ prefix (RFC 9068), it {verdict}."),
                &with_typ(typ)?,
                expect,
            )?
            .set("expected_typ", json!(expected)),
        );
    }
    cases.push(
        one_verify(
            "header/typ/missing",
            "expected_typ at+jwt and no typ header: the typ differs from the expected one, invalid_type.",
            &sign(&token(key).remove_header("typ"), key)?,
            Expect::error(Code::InvalidType),
        )?
        .set("expected_typ", json!("at+jwt")),
    );
    cases.push(one_verify(
        "header/typ/not-checked-without-expected-typ",
        "With no expected_typ the typ header is not checked: typ \"secevent+jwt\" verifies.",
        &with_typ("secevent+jwt")?,
        Expect::claims(alice()),
    )?);
    cases.push(
        rejected(
            "header/typ/checked-before-kid",
            "A wrong typ and no kid: invalid_type, the row before missing_kid.",
            &sign(
                &token(key).header("typ", json!("JWT")).remove_header("kid"),
                key,
            )?,
            Code::InvalidType,
        )?
        .set("expected_typ", json!("at+jwt")),
    );
    Ok(cases)
}

fn kid_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let no_kid = sign(&token(key).remove_header("kid"), key)?;
    let other_rsa = crate::generate::world::key(FixedKey::Rsa2048B)?;
    let ec = crate::generate::world::key(FixedKey::P256)?;
    let two_algs = json!(["RS256", "ES256"]);
    let kid_less = |name: &str, description: &str, keys: Vec<Value>, expect: Expect| {
        CaseSpec::new(name, description)
            .set("require_kid", json!(false))
            .set("allowed_algs", two_algs.clone())
            .serve(JWKS_URL, Reply::json(json!({ "keys": keys })))
            .verify(T0, &no_kid, expect)
    };
    Ok(vec![
        rejected(
            "header/kid/missing-when-required",
            "No kid while require_kid is true (the default): missing_kid, decided before any key is fetched.",
            &no_kid,
            Code::MissingKid,
        )?,
        kid_less(
            "header/kid/absent-one-fitting-key",
            "require_kid false, no kid, and exactly one usable key fits RS256 (the other is EC): that key verifies the token.",
            vec![key.public_jwk(), ec.public_jwk()],
            Expect::claims(alice()),
        ),
        kid_less(
            "header/kid/absent-two-fitting-keys",
            "require_kid false, no kid, and two usable RSA keys fit RS256: not exactly one, missing_kid.",
            vec![other_rsa.public_jwk(), key.public_jwk()],
            Expect::error(Code::MissingKid),
        ),
        kid_less(
            "header/kid/absent-no-fitting-key",
            "require_kid false, no kid, and no usable key fits RS256 (only an EC key): not exactly one, missing_kid.",
            vec![ec.public_jwk()],
            Expect::error(Code::MissingKid),
        ),
        kid_less(
            "header/kid/absent-second-key-unusable",
            "require_kid false, no kid, two RSA keys of which one is use=enc (unusable): exactly one usable key fits, the token verifies.",
            vec![jwk_edited(&other_rsa, &[("use", Some(json!("enc")))]), key.public_jwk()],
            Expect::claims(alice()),
        ),
        CaseSpec::new(
            "header/kid/present-when-not-required",
            "require_kid false does not change tokens that carry a kid: selected by kid among two RSA keys.",
        )
        .set("require_kid", json!(false))
        .serve(JWKS_URL, Reply::json(jwks_of(&[&other_rsa, key])))
        .verify(T0, &sign(&token(key), key)?, Expect::claims(alice())),
    ])
}
