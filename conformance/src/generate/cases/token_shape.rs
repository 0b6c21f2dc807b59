//! `token/`: size, compact serialization, base64url and JSON rules
//! (docs/rules.md, rows `token_too_large` and `malformed_token`).

use serde_json::{json, Map, Value};

use super::{shape_error, with_usual_keys};
use crate::generate::build::{CaseSpec, Expect};
use crate::generate::error::GenerateError;
use crate::generate::spec::Code;
use crate::generate::world::{
    alice, rsa, sign, signed, token, AUDIENCE, EXP, IAT, ISSUER, JWKS_URL, T0,
};
use crate::issuer::{b64url, tamper, TestKey, TokenBuilder};

/// docs/rules.md: JSON nested deeper than this is malformed (outermost object =
/// 1).
const MAX_DEPTH: usize = 32;
/// docs/rules.md: a decoded header over this many bytes is malformed.
const MAX_HEADER_BYTES: usize = 4096;
/// The default `max_token_bytes` of docs/case-format.md.
const DEFAULT_MAX_TOKEN_BYTES: usize = 16384;

pub(super) fn cases() -> Result<Vec<CaseSpec>, GenerateError> {
    let key = rsa()?;
    let mut cases = size_cases(&key)?;
    cases.extend(parts_cases(&key)?);
    cases.extend(base64_cases(&key)?);
    cases.extend(json_cases(&key)?);
    cases.extend(duplicate_cases(&key)?);
    cases.extend(depth_cases(&key)?);
    cases.extend(header_member_cases(&key)?);
    Ok(cases)
}

/// A case serving the usual keys and verifying `token` once at `T0`.
fn one_verify(
    name: &str,
    description: &str,
    token: &str,
    expect: Expect,
) -> Result<CaseSpec, GenerateError> {
    Ok(with_usual_keys(name, description)?.verify(T0, token, expect))
}

/// A case where `token` is malformed_token, with no key fetched.
fn malformed(name: &str, description: &str, token: &str) -> Result<CaseSpec, GenerateError> {
    Ok(one_verify(
        name,
        description,
        token,
        Expect::error(Code::MalformedToken),
    )?
    .fetches(&[(JWKS_URL, 0)]))
}

fn size_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let standard = signed(key)?;
    let at_default_max = sized_token(key, DEFAULT_MAX_TOKEN_BYTES)?;
    let over_default_max = sized_token(key, DEFAULT_MAX_TOKEN_BYTES + 1)?;
    let garbage = "!".repeat(17);
    Ok(vec![
        one_verify(
            "token/size/exactly-default-max",
            "A token of exactly max_token_bytes (default 16384) bytes is not too large and verifies.",
            &at_default_max,
            Expect::claims(alice()),
        )?,
        one_verify(
            "token/size/one-over-default-max",
            "A token of max_token_bytes + 1 (16385) bytes is token_too_large.",
            &over_default_max,
            Expect::error(Code::TokenTooLarge),
        )?
        .fetches(&[(JWKS_URL, 0)]),
        one_verify(
            "token/size/exactly-configured-max",
            "max_token_bytes set to the token's exact length: accepted.",
            &standard,
            Expect::ok(),
        )?
        .set("max_token_bytes", json!(standard.len())),
        one_verify(
            "token/size/one-over-configured-max",
            "max_token_bytes set one below the token's length: token_too_large.",
            &standard,
            Expect::error(Code::TokenTooLarge),
        )?
        .set("max_token_bytes", json!(standard.len() - 1)),
        one_verify(
            "token/size/checked-before-decoding",
            "The size is checked before any decoding: 17 bytes that are not even base64url, with max_token_bytes 16, are token_too_large rather than malformed_token.",
            &garbage,
            Expect::error(Code::TokenTooLarge),
        )?
        .set("max_token_bytes", json!(16)),
        one_verify(
            "token/size/garbage-within-limit-is-malformed",
            "The same kind of garbage within max_token_bytes is malformed_token (the counterpart of checked-before-decoding).",
            &garbage[..16],
            Expect::error(Code::MalformedToken),
        )?
        .set("max_token_bytes", json!(16)),
    ])
}

/// The standard token with a `pad` claim (and a header `pad` when needed)
/// sized so the whole token is exactly `total` bytes.
fn sized_token(key: &TestKey, total: usize) -> Result<String, GenerateError> {
    let signature_chars = signed(key)?.rsplit('.').next().map_or(0, str::len);
    for header_pad in 0..4 {
        let mut builder = token(key);
        if header_pad > 0 {
            builder = builder.header("pad", json!("h".repeat(header_pad)));
        }
        let fixed = builder.signing_input().len() + 1 + signature_chars;
        // Each payload byte adds 4/3 characters; search around the estimate.
        let estimate = total.saturating_sub(fixed) * 3 / 4;
        for pad in estimate.saturating_sub(64)..estimate + 64 {
            let candidate = builder.clone().claim("pad", json!("p".repeat(pad)));
            if candidate.signing_input().len() + 1 + signature_chars == total {
                let text = sign(&candidate, key)?;
                return (text.len() == total)
                    .then_some(text)
                    .ok_or_else(|| shape_error("a token of an exact size"));
            }
        }
    }
    Err(shape_error("a token of an exact size"))
}

fn parts_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let standard = signed(key)?;
    let [header, payload, signature] = split3(&standard)?;
    let mut jwe_header = Map::new();
    jwe_header.insert("alg".into(), json!("RSA-OAEP-256"));
    jwe_header.insert("enc".into(), json!("A256GCM"));
    jwe_header.insert("kid".into(), json!(key.kid()));
    let jwe = tamper::jwe_shaped(&jwe_header, payload.as_bytes());
    let empty_payload = sign(&token(key).payload_segment(""), key)?;
    Ok(vec![
        malformed(
            "token/parts/one-part",
            "A token with no dot is not three parts: malformed_token.",
            &header,
        )?,
        malformed(
            "token/parts/two-parts",
            "header.payload without a signature part is not three parts: malformed_token.",
            &format!("{header}.{payload}"),
        )?,
        malformed(
            "token/parts/four-parts",
            "A valid token with a fourth part appended is not three parts: malformed_token.",
            &format!("{standard}.{signature}"),
        )?,
        malformed(
            "token/parts/five-parts-jwe",
            "A JWE (five parts) is malformed_token: encrypted tokens are not accepted.",
            &jwe,
        )?,
        malformed(
            "token/parts/empty-header",
            "An empty header part decodes to no bytes, not a JSON object: malformed_token.",
            &format!(".{payload}.{signature}"),
        )?,
        malformed(
            "token/parts/empty-payload",
            "An empty payload part (validly signed) is not a JSON object: malformed_token.",
            &empty_payload,
        )?,
    ])
}

/// The three parts of a compact token.
fn split3(token: &str) -> Result<[String; 3], GenerateError> {
    let parts: Vec<&str> = token.split('.').collect();
    match parts.as_slice() {
        [header, payload, signature] => {
            Ok([(*header).into(), (*payload).into(), (*signature).into()])
        }
        _ => Err(shape_error("a three-part token")),
    }
}

/// `token` with part `index` replaced by `edit(part)`.
fn edit_part(
    token: &str,
    index: usize,
    edit: impl FnOnce(&str) -> Option<String>,
) -> Result<String, GenerateError> {
    let mut parts = split3(token)?;
    let part = parts
        .get_mut(index)
        .ok_or_else(|| shape_error("a token part"))?;
    *part =
        edit(part).ok_or_else(|| shape_error(&format!("an edit of part {index} of {token}")))?;
    Ok(parts.join("."))
}

/// `=` padding up to a multiple of four; `None` when none is needed.
fn pad(part: &str) -> Option<String> {
    let missing = (4 - part.len() % 4) % 4;
    (missing > 0).then(|| format!("{part}{}", "=".repeat(missing)))
}

/// The first `from` in `part` replaced by `to`; `None` when absent.
fn replace_first(part: &str, from: char, to: char) -> Option<String> {
    part.contains(from)
        .then(|| part.replacen(from, &to.to_string(), 1))
}

/// `text` with `insert` put in its middle.
fn insert_middle(part: &str, insert: &str) -> Option<String> {
    let middle = part.len() / 2;
    Some(format!(
        "{}{insert}{}",
        part.get(..middle)?,
        part.get(middle..)?
    ))
}

/// The standard token with a `pad` header member sized so the header part
/// is not a multiple of four characters: it needs padding and has unused
/// bits in its last character.
fn short_header_token(key: &TestKey) -> Result<String, GenerateError> {
    for length in 0..3 {
        let builder = token(key).header("pad", json!("h".repeat(length)));
        if builder.header_part().encode().len() % 4 == 3 {
            return sign(&builder, key);
        }
    }
    Err(shape_error("a header part needing padding"))
}

fn base64_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let standard = signed(key)?;
    let short = short_header_token(key)?;
    let padded_payload = padded_payload_token(key)?;
    Ok(vec![
        malformed(
            "token/base64/padded-header",
            "A header part with `=` padding is not unpadded base64url: malformed_token (a lenient decoder would read the same header).",
            &edit_part(&short, 0, pad)?,
        )?,
        malformed(
            "token/base64/padded-payload",
            "A payload part with `=` padding: malformed_token.",
            &edit_part(&padded_payload, 1, pad)?,
        )?,
        malformed(
            "token/base64/padded-signature",
            "A signature part with `=` padding: malformed_token, not a valid signature.",
            &edit_part(&standard, 2, pad)?,
        )?,
        malformed(
            "token/base64/plus-instead-of-minus",
            "The standard alphabet's `+` in place of base64url's `-` in the signature: malformed_token (a decoder accepting both alphabets would verify it).",
            &edit_part(&standard, 2, |part| replace_first(part, '-', '+'))?,
        )?,
        malformed(
            "token/base64/slash-instead-of-underscore",
            "The standard alphabet's `/` in place of base64url's `_` in the signature: malformed_token.",
            &edit_part(&standard, 2, |part| replace_first(part, '_', '/'))?,
        )?,
        malformed(
            "token/base64/space-in-payload",
            "A space inside the payload part: malformed_token (no whitespace in base64url).",
            &edit_part(&standard, 1, |part| insert_middle(part, " "))?,
        )?,
        malformed(
            "token/base64/newline-in-signature",
            "A line break inside the signature part: malformed_token.",
            &edit_part(&standard, 2, |part| insert_middle(part, "\r\n"))?,
        )?,
        malformed(
            "token/base64/trailing-bits-header",
            "Non-zero unused bits in the header part's last character: malformed_token (lenient decoders read the same bytes).",
            &tamper::nonzero_trailing_bits(&short, 0).ok_or_else(|| shape_error("header trailing bits"))?,
        )?,
        malformed(
            "token/base64/trailing-bits-signature",
            "Non-zero unused bits in the signature part's last character: malformed_token, though the signature bytes decode unchanged leniently.",
            &tamper::nonzero_trailing_bits(&standard, 2).ok_or_else(|| shape_error("signature trailing bits"))?,
        )?,
        malformed(
            "token/base64/invalid-character",
            "A character outside every base64 alphabet (`!`) in the header part: malformed_token.",
            &edit_part(&standard, 0, |part| insert_middle(part, "!"))?,
        )?,
    ])
}

/// The standard token with a `pad` claim making its payload part need
/// padding and leave spare bits.
fn padded_payload_token(key: &TestKey) -> Result<String, GenerateError> {
    for length in 0..3 {
        let text = sign(&token(key).claim("pad", json!("p".repeat(length))), key)?;
        let payload_chars = split3(&text)?[1].len();
        if payload_chars % 4 == 3 {
            return Ok(text);
        }
    }
    Err(shape_error("a payload part needing padding"))
}

/// The standard claims written by hand, then `extra` members (raw JSON
/// text, starting with a comma) before the closing brace.
fn raw_claims(extra: &str) -> String {
    format!(
        r#"{{"iss":"{ISSUER}","sub":"alice","aud":"{AUDIENCE}","iat":{IAT},"exp":{EXP}{extra}}}"#
    )
}

fn json_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let base = token(key);
    let signed_with = |builder: TokenBuilder| sign(&builder, key);
    let header_text = |text: &str| signed_with(base.clone().raw_header(text));
    let payload_text = |text: &str| signed_with(base.clone().raw_payload(text));
    let claims_utf8_broken = {
        let mut bytes = br#"{"iss":""#.to_vec();
        bytes.extend_from_slice(ISSUER.as_bytes());
        bytes.extend_from_slice(b"\",\"sub\":\"al\xffice\"}");
        signed_with(base.clone().payload_bytes(bytes))?
    };
    Ok(vec![
        malformed(
            "token/json/header-not-json",
            "A header part that decodes to text that is not JSON: malformed_token.",
            &header_text(r#"{alg:"RS256",kid:"rsa2048-a"}"#)?,
        )?,
        malformed(
            "token/json/header-not-utf8",
            "A header part that decodes to bytes that are not UTF-8: malformed_token.",
            &signed_with(base.clone().header_bytes(b"{\"alg\":\"RS256\",\"kid\":\"rsa2048-a\xff\"}".to_vec()))?,
        )?,
        malformed(
            "token/json/header-array",
            "A header that is a JSON array, not an object: malformed_token.",
            &header_text(r#"[{"alg":"RS256","kid":"rsa2048-a"}]"#)?,
        )?,
        malformed(
            "token/json/header-string",
            "A header that is a JSON string, not an object: malformed_token.",
            &header_text(r#""RS256""#)?,
        )?,
        malformed(
            "token/json/payload-not-json",
            "A validly signed payload that is not JSON: malformed_token, before the signature is checked.",
            &payload_text("sub=alice")?,
        )?,
        malformed(
            "token/json/payload-array",
            "A validly signed payload that is a JSON array: malformed_token.",
            &payload_text(&format!("[{}]", raw_claims("")))?,
        )?,
        malformed(
            "token/json/payload-null",
            "A validly signed payload that is JSON null: malformed_token.",
            &payload_text("null")?,
        )?,
        malformed(
            "token/json/payload-not-utf8",
            "A validly signed payload with bytes that are not UTF-8: malformed_token.",
            &claims_utf8_broken,
        )?,
        malformed(
            "token/json/payload-trailing-text",
            "A validly signed payload of a JSON object followed by more text is not a JSON object: malformed_token.",
            &payload_text(&format!("{} x", raw_claims("")))?,
        )?,
    ])
}

fn duplicate_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let base = token(key);
    let signed_with = |builder: TokenBuilder| sign(&builder, key);
    let payload_extra = |extra: &str| signed_with(base.clone().raw_payload(raw_claims(extra)));
    Ok(vec![
        malformed(
            "token/duplicates/header-alg-same-value",
            "A header with `alg` twice, even with the same value: malformed_token.",
            &signed_with(base.clone().duplicate_header("alg", json!("RS256")))?,
        )?,
        malformed(
            "token/duplicates/header-kid",
            "A header with two different `kid` members: malformed_token (no first-wins or last-wins reading).",
            &signed_with(base.clone().duplicate_header("kid", json!("rsa2048-b")))?,
        )?,
        malformed(
            "token/duplicates/header-nested",
            "A duplicate member inside an object nested in the header: malformed_token (duplicates at any depth).",
            &signed_with(base.clone().raw_header(r#"{"alg":"RS256","kid":"rsa2048-a","ext":{"a":1,"a":1}}"#))?,
        )?,
        malformed(
            "token/duplicates/payload-sub",
            "A validly signed payload with `sub` twice: malformed_token.",
            &signed_with(base.clone().duplicate_claim("sub", json!("mallory")))?,
        )?,
        malformed(
            "token/duplicates/payload-exp",
            "A validly signed payload with an expired `exp` then a valid one: malformed_token, whichever a parser would keep.",
            &signed_with(base.clone().claim("exp", json!(T0 - 60)).duplicate_claim("exp", json!(EXP)))?,
        )?,
        malformed(
            "token/duplicates/payload-nested-object",
            "A duplicate member inside an object nested in the payload: malformed_token.",
            &payload_extra(r#","ext":{"role":"user","role":"admin"}"#)?,
        )?,
        malformed(
            "token/duplicates/payload-object-in-array",
            "A duplicate member inside an object inside an array of the payload: malformed_token.",
            &payload_extra(r#","list":[{"x":1},{"x":1,"x":2}]"#)?,
        )?,
    ])
}

/// An object nested so that, as a member of the outermost object, its
/// deepest object is at level `depth` (the outermost object is level 1).
fn nested(depth: usize) -> Value {
    let mut value = json!({});
    for _ in 2..depth {
        value = json!({ "n": value });
    }
    value
}

/// The nesting level of `value` (an object or array counts one level).
#[cfg(test)]
fn depth_of(value: &Value) -> usize {
    match value {
        Value::Object(members) => 1 + members.values().map(depth_of).max().unwrap_or(0),
        Value::Array(items) => 1 + items.iter().map(depth_of).max().unwrap_or(0),
        _ => 0,
    }
}

fn depth_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let payload_at = |depth| sign(&token(key).claim("nest", nested(depth)), key);
    let header_deep = sign(&token(key).header("nest", nested(MAX_DEPTH + 1)), key)?;
    Ok(vec![
        one_verify(
            "token/depth/payload-32-levels",
            "A payload whose deepest object is at level 32 (the outermost object is level 1) is within the limit and verifies.",
            &payload_at(MAX_DEPTH)?,
            Expect::claims(alice()),
        )?,
        malformed(
            "token/depth/payload-33-levels",
            "A payload nested to level 33 is deeper than 32 levels: malformed_token.",
            &payload_at(MAX_DEPTH + 1)?,
        )?,
        malformed(
            "token/depth/header-33-levels",
            "A header nested to level 33: malformed_token.",
            &header_deep,
        )?,
    ])
}

/// The standard header plus a `pad` member, exactly `size` bytes of JSON.
fn header_of_size(key: &TestKey, size: usize) -> Result<TokenBuilder, GenerateError> {
    let empty = token(key).header("pad", json!(""));
    let base = serde_json::to_string(&header_members(&empty)).map_or(0, |text| text.len());
    let fill = size
        .checked_sub(base)
        .ok_or_else(|| shape_error("a header of an exact size"))?;
    Ok(token(key).header("pad", json!("h".repeat(fill))))
}

/// The header of `builder` as a JSON object, members in order.
fn header_members(builder: &TokenBuilder) -> Value {
    match builder.header_part() {
        crate::issuer::Segment::Members(members) => {
            Value::Object(members.iter().cloned().collect())
        }
        _ => Value::Null,
    }
}

fn header_member_cases(key: &TestKey) -> Result<Vec<CaseSpec>, GenerateError> {
    let with_header = |name: &str, value: Value| sign(&token(key).header(name, value), key);
    let at_limit = header_of_size(key, MAX_HEADER_BYTES)?;
    let over_limit = header_of_size(key, MAX_HEADER_BYTES + 1)?;
    check_header_size(&at_limit, MAX_HEADER_BYTES)?;
    check_header_size(&over_limit, MAX_HEADER_BYTES + 1)?;
    Ok(vec![
        one_verify(
            "token/header/size-4096-bytes",
            "A header of exactly 4096 bytes decoded (4 KiB) is not over the limit: the token verifies.",
            &sign(&at_limit, key)?,
            Expect::claims(alice()),
        )?,
        malformed(
            "token/header/size-4097-bytes",
            "A header of 4097 bytes decoded is over 4 KiB: malformed_token.",
            &sign(&over_limit, key)?,
        )?,
        malformed(
            "token/header/kid-number",
            "`kid` present but a number: malformed_token.",
            &with_header("kid", json!(42))?,
        )?,
        malformed(
            "token/header/kid-null",
            "`kid` present with the value null (present, not a string): malformed_token.",
            &with_header("kid", Value::Null)?,
        )?,
        malformed(
            "token/header/kid-array",
            "`kid` present but an array of strings: malformed_token.",
            &with_header("kid", json!(["rsa2048-a"]))?,
        )?,
        malformed(
            "token/header/typ-number",
            "`typ` present but a number: malformed_token, even with no expected_typ configured.",
            &with_header("typ", json!(1))?,
        )?,
        malformed(
            "token/header/typ-object",
            "`typ` present but an object: malformed_token.",
            &with_header("typ", json!({ "media": "at+jwt" }))?,
        )?,
        one_verify(
            "token/header/unknown-member-ignored",
            "A header member the rules do not name (`x-trace`) is not an error (RFC 7515: unknown non-critical parameters are ignored).",
            &with_header("x-trace", json!("abc123"))?,
            Expect::claims(alice()),
        )?,
    ])
}

/// Fails unless the header of `builder` encodes `size` bytes of JSON.
fn check_header_size(builder: &TokenBuilder, size: usize) -> Result<(), GenerateError> {
    let encoded = builder.header_part().encode();
    let decoded = crate::issuer::b64url_decode(&encoded).map_or(0, |bytes| bytes.len());
    if decoded == size && b64url(vec![0_u8; size]).len() == encoded.len() {
        Ok(())
    } else {
        Err(shape_error("a header of an exact size"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_levels_count_the_outermost_object_as_one() {
        for depth in [MAX_DEPTH, MAX_DEPTH + 1] {
            let payload = json!({ "sub": "alice", "nest": nested(depth) });
            assert_eq!(depth_of(&payload), depth);
        }
    }

    #[test]
    fn sized_tokens_have_the_exact_size() {
        let key = rsa().unwrap();
        for size in [
            DEFAULT_MAX_TOKEN_BYTES,
            DEFAULT_MAX_TOKEN_BYTES + 1,
            1001,
            1002,
            1003,
            1004,
        ] {
            assert_eq!(sized_token(&key, size).unwrap().len(), size);
        }
    }

    #[test]
    fn header_sizes_are_exact() {
        let key = rsa().unwrap();
        let builder = header_of_size(&key, MAX_HEADER_BYTES).unwrap();
        check_header_size(&builder, MAX_HEADER_BYTES).unwrap();
        assert!(check_header_size(&builder, MAX_HEADER_BYTES + 1).is_err());
    }

    #[test]
    fn padding_and_part_edits() {
        assert_eq!(pad("abc").as_deref(), Some("abc="));
        assert_eq!(pad("abcd"), None);
        assert_eq!(replace_first("a-b-c", '-', '+').as_deref(), Some("a+b-c"));
        assert_eq!(insert_middle("abcd", " ").as_deref(), Some("ab cd"));
        assert!(edit_part("a.b", 0, |p| Some(p.into())).is_err());
    }
}
