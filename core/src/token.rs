//! Strict compact-JWS parsing and the header policy (docs/rules.md, rows
//! `missing_token` to `missing_kid`).
//!
//! [`parse`] runs the checks in the order of the error table of docs/rules.md
//! and returns the first failure; nothing in an error echoes the token.
//! [`parse_traced`] is the same, telling an explanation each check it
//! reaches.

use std::borrow::Cow;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, Engine as _};

use serde_json::{Map, Value};

use crate::alg::Algorithm;
use crate::claims::Payload;
use crate::config::Policy;
use crate::error::AuthError;
use crate::explain::{CheckName, Trace};
use crate::json::{self, MAX_DEPTH};

/// The largest decoded header accepted (docs/rules.md, `malformed_token`).
pub(crate) const MAX_HEADER_BYTES: usize = 4096;

/// Header parameters that are never accepted: they would let the token choose
/// its own key (`jku`, `x5u`, `jwk`, `x5c`), change how it is processed
/// (`crit`, `b64`) or compress it (`zip`).
pub(crate) const FORBIDDEN_HEADER_PARAMETERS: [&str; 7] =
    ["jku", "x5u", "jwk", "x5c", "crit", "b64", "zip"];

/// Unpadded base64url (RFC 7515 section 2) with nothing tolerated: no `=`,
/// no `+` or `/`, no whitespace, no non-zero trailing bits, no length 4k+1.
const STRICT_BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// The largest signature of any key: an RSA modulus of 16384 bits.
const MAX_SIGNATURE_BYTES: usize = 2048;

/// The largest part decoded on the stack; a larger payload (the token limit
/// is configurable) is decoded on the heap.
const STACK_PART_BYTES: usize = 8192;

/// Most parts fit this, and a buffer this small costs nothing to clear.
const SMALL_PART_BYTES: usize = 512;

/// The JOSE header parameters the verifier acts on (`typ` and `cty` are
/// judged while parsing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// The signature algorithm, already checked against `allowed_algs`.
    pub(crate) alg: Algorithm,
    /// The key ID, if any.
    pub(crate) kid: Option<String>,
}

/// A compact JWS whose form and header passed every check up to
/// `missing_kid`; its signature is not verified yet.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Jws<'a> {
    /// The checked header.
    pub(crate) header: Header,
    /// The payload, a strictly parsed JSON object (claims not judged yet).
    pub(crate) payload: Payload,
    /// `<header b64>.<payload b64>`, borrowed from the token: what was signed.
    pub(crate) signing_input: &'a str,
    /// The signature part, checked to be strict base64url (possibly empty).
    signature: &'a str,
}

impl Jws<'_> {
    /// Hands the decoded signature to `check` (decoded on the stack);
    /// `None` when it is longer than any key's signature, so it cannot verify.
    pub(crate) fn with_signature<R>(&self, check: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let len = decoded_len(self.signature.len());
        if len > MAX_SIGNATURE_BYTES {
            return None;
        }
        with_buffer(len, |buffer| {
            let len = STRICT_BASE64URL.decode_slice(self.signature, buffer).ok()?;
            Some(check(&buffer[..len]))
        })
    }
}

/// Runs `with` on a zeroed buffer of at least `len` bytes: on the stack,
/// small when it may be (clearing a large one costs more than reading a
/// token), on the heap past [`STACK_PART_BYTES`].
fn with_buffer<R>(len: usize, with: impl FnOnce(&mut [u8]) -> R) -> R {
    if len <= SMALL_PART_BYTES {
        with(&mut [0u8; SMALL_PART_BYTES])
    } else if len <= STACK_PART_BYTES {
        with(&mut [0u8; STACK_PART_BYTES])
    } else {
        with(&mut vec![0u8; len])
    }
}

/// What the header says, as read: each member present or not, and whether
/// a string (`Some(None)`: present but of another type).
#[derive(Default)]
struct HeaderMembers<'h> {
    alg: Option<Option<Cow<'h, str>>>,
    kid: Option<Option<Cow<'h, str>>>,
    typ: Option<Option<Cow<'h, str>>>,
    cty: Option<Option<Cow<'h, str>>>,
    forbidden: bool,
}

/// Parses a compact JWS and applies the header policy, in the order of the
/// error table of docs/rules.md order: `missing_token`, `token_too_large`,
/// `malformed_token`, `forbidden_header`, `disallowed_alg`, `invalid_type`,
/// `missing_kid`.
///
/// A `cty` that is not a string is not refused here: it cannot name a nested
/// JWT, and the verifier never reads `cty` otherwise.
pub(crate) fn parse<'a>(token: &'a str, policy: &Policy) -> Result<Jws<'a>, AuthError> {
    parse_traced(token, policy, &mut ())
}

/// [`parse`], telling `trace` of each check just before it runs (an
/// explanation's record; `()`, which does nothing, for a verification).
/// The one pass reads the parts in turn, so the `malformed_token` checks
/// are reached part by part: the header decoded, then read as JSON, the
/// payload decoded, then read, then the signature's encoding.
pub(crate) fn parse_traced<'a, T: Trace>(
    token: &'a str,
    policy: &Policy,
    trace: &mut T,
) -> Result<Jws<'a>, AuthError> {
    read(
        token,
        policy.max_token_bytes,
        trace,
        |header, payload, signing_input, signature, trace| {
            Ok(Jws {
                header: judge_header(header, policy, trace)?,
                payload,
                signing_input,
                signature,
            })
        },
    )
}

/// The payload of a token past the checks every policy shares, in table
/// order: `missing_token`, `token_too_large` (over `max_token_bytes`),
/// `malformed_token`, `forbidden_header`. What a verifier for several
/// issuers reads the unverified `iss` from before it knows whose policy
/// applies; nothing in it is trusted.
pub(crate) fn parse_shared(token: &str, max_token_bytes: usize) -> Result<Payload, AuthError> {
    read(
        token,
        max_token_bytes,
        &mut (),
        |header, payload, _, _, trace| {
            shared_header_checks(header, trace)?;
            Ok(payload)
        },
    )
}

/// The form checks (`missing_token`, `token_too_large`, `malformed_token`),
/// then `judge` on the header's members, the payload, the signing input
/// and the (checked) signature part, telling `trace` of each check.
fn read<'a, T: Trace, R>(
    token: &'a str,
    max_token_bytes: usize,
    trace: &mut T,
    judge: impl FnOnce(HeaderMembers<'_>, Payload, &'a str, &'a str, &mut T) -> Result<R, AuthError>,
) -> Result<R, AuthError> {
    trace.reach(CheckName::TokenPresent);
    if token.chars().all(char::is_whitespace) {
        return Err(AuthError::MissingToken);
    }
    trace.reach(CheckName::TokenSize);
    if token.len() > max_token_bytes {
        return Err(AuthError::TokenTooLarge);
    }
    trace.reach(CheckName::Shape);
    let (signing_input, header_b64, payload_b64, signature_b64) =
        split_parts(token).ok_or(AuthError::MalformedToken)?;
    trace.reach(CheckName::HeaderBase64);
    let header_len = decoded_len(header_b64.len());
    if header_len > MAX_HEADER_BYTES {
        return Err(AuthError::MalformedToken);
    }
    with_buffer(header_len, |buffer| {
        let decoded = decode_part(header_b64, buffer)?;
        trace.reach(CheckName::HeaderJson);
        let header = read_header(decoded)?;
        let payload = read_payload(payload_b64, trace)?;
        trace.reach(CheckName::SignatureBase64);
        check_base64url(signature_b64)?;
        judge(header, payload, signing_input, signature_b64, trace)
    })
}

/// The header checks every policy shares: `kid` and `typ` strings
/// (`malformed_token`), then `forbidden_header`. Returns `alg`, `kid` and
/// `typ` as read.
#[allow(clippy::type_complexity)]
fn shared_header_checks<'h>(
    header: HeaderMembers<'h>,
    trace: &mut impl Trace,
) -> Result<
    (
        Option<Option<Cow<'h, str>>>,
        Option<Cow<'h, str>>,
        Option<Cow<'h, str>>,
    ),
    AuthError,
> {
    trace.reach(CheckName::HeaderMembers);
    let kid = optional_string(header.kid)?;
    let typ = optional_string(header.typ)?;
    trace.reach(CheckName::ForbiddenHeader);
    let nested_jwt = header
        .cty
        .flatten()
        .is_some_and(|cty| same_media_type(&cty, "JWT"));
    if header.forbidden || nested_jwt {
        return Err(AuthError::ForbiddenHeader);
    }
    Ok((header.alg, kid, typ))
}

/// The header policy, in the rules' order once the token is well-formed:
/// the checks every policy shares, then `disallowed_alg`, `invalid_type`,
/// `missing_kid`.
fn judge_header(
    header: HeaderMembers<'_>,
    policy: &Policy,
    trace: &mut impl Trace,
) -> Result<Header, AuthError> {
    let (alg, kid, typ) = shared_header_checks(header, trace)?;
    trace.reach(CheckName::Alg);
    let alg = alg
        .flatten()
        .and_then(|alg| Algorithm::from_name(&alg))
        .filter(|alg| policy.allowed_algs.contains(alg))
        .ok_or(AuthError::DisallowedAlg)?;
    trace.reach(CheckName::Typ);
    check_type(typ.as_deref(), policy.expected_typ.as_deref())?;
    trace.reach(CheckName::Kid);
    if policy.require_kid && kid.is_none() {
        return Err(AuthError::MissingKid);
    }
    Ok(Header {
        alg,
        kid: kid.map(Cow::into_owned),
    })
}

/// Splits `header.payload.signature`: exactly two dots, so a JWE (five
/// parts) is refused. Returns the signing input and the three parts.
fn split_parts(token: &str) -> Option<(&str, &str, &str, &str)> {
    let (signing_input, signature) = token.rsplit_once('.')?;
    let (header, payload) = signing_input.split_once('.')?;
    if payload.contains('.') {
        return None;
    }
    Some((signing_input, header, payload, signature))
}

/// A member that must be a string when present (`kid`, `typ`).
fn optional_string(
    member: Option<Option<Cow<'_, str>>>,
) -> Result<Option<Cow<'_, str>>, AuthError> {
    match member {
        None => Ok(None),
        Some(Some(value)) => Ok(Some(value)),
        Some(None) => Err(AuthError::MalformedToken),
    }
}

/// The length unpadded base64 of `encoded_len` characters decodes to (for
/// the impossible remainder 1, an upper bound; such input fails to decode).
fn decoded_len(encoded_len: usize) -> usize {
    encoded_len / 4 * 3 + (encoded_len % 4).saturating_sub(1)
}

/// Decodes a non-empty part into `buffer` (refused when it could not fit).
fn decode_part<'b>(encoded: &str, buffer: &'b mut [u8]) -> Result<&'b [u8], AuthError> {
    if encoded.is_empty() || decoded_len(encoded.len()) > buffer.len() {
        return Err(AuthError::MalformedToken);
    }
    let len = STRICT_BASE64URL
        .decode_slice(encoded, buffer)
        .map_err(|_| AuthError::MalformedToken)?;
    Ok(&buffer[..len])
}

/// Reads the header's members: a strict JSON object whose `alg`, `kid`,
/// `typ` and `cty` are kept as read, the forbidden parameters noted, every
/// other member checked and skipped.
fn read_header(bytes: &[u8]) -> Result<HeaderMembers<'_>, AuthError> {
    let mut header = HeaderMembers::default();
    json::visit_object(bytes, MAX_DEPTH, |name, member| {
        match name {
            "alg" => header.alg = Some(member.string()?),
            "kid" => header.kid = Some(member.string()?),
            "typ" => header.typ = Some(member.string()?),
            "cty" => header.cty = Some(member.string()?),
            _ => header.forbidden |= FORBIDDEN_HEADER_PARAMETERS.contains(&name),
        }
        Ok(())
    })
    .map_err(|_| AuthError::MalformedToken)?;
    Ok(header)
}

/// Decodes and reads the payload.
fn read_payload(encoded: &str, trace: &mut impl Trace) -> Result<Payload, AuthError> {
    trace.reach(CheckName::PayloadBase64);
    with_buffer(decoded_len(encoded.len()), |buffer| {
        let decoded = decode_part(encoded, buffer)?;
        trace.reach(CheckName::PayloadJson);
        Payload::parse(decoded).map_err(|_| AuthError::MalformedToken)
    })
}

/// Header and payload of a token decoded for an explanation to show, not
/// judged: each `None` when it does not decode to a JSON object.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Untrusted {
    pub(crate) header: Option<Map<String, Value>>,
    pub(crate) payload: Option<Map<String, Value>>,
}

/// Decodes header and payload for an explanation to show, with the
/// decoding a verification uses, each on its own (the report shows the
/// payload of a token whose header is refused); nothing when the token is
/// over `max_token_bytes` (nothing that large is decoded) or not three
/// parts. Whether the token passes is decided by [`parse_traced`] alone.
pub(crate) fn decode_untrusted(token: &str, max_token_bytes: usize) -> Untrusted {
    let parts = (token.len() <= max_token_bytes)
        .then(|| split_parts(token))
        .flatten();
    let Some((_, header, payload, _)) = parts else {
        return Untrusted::default();
    };
    let object = |encoded: &str| {
        with_buffer(decoded_len(encoded.len()), |buffer| {
            json::parse_object(decode_part(encoded, buffer).ok()?, MAX_DEPTH).ok()
        })
    };
    Untrusted {
        header: (decoded_len(header.len()) <= MAX_HEADER_BYTES)
            .then(|| object(header))
            .flatten(),
        payload: object(payload),
    }
}

/// Checks that the signature part is strict base64url, exactly what
/// [`STRICT_BASE64URL`] decodes, without decoding it (the signature is
/// decoded once, when it is checked): only characters of the URL-safe
/// alphabet, no length 4k+1, and the bits of the last character past the
/// decoded length zero.
fn check_base64url(encoded: &str) -> Result<(), AuthError> {
    let bytes = encoded.as_bytes();
    let unused_bits = match bytes.len() % 4 {
        1 => return Err(AuthError::MalformedToken),
        2 => 0b1111,
        3 => 0b0011,
        _ => 0,
    };
    let flags = bytes.iter().fold(0, |flags, byte| {
        flags | BASE64URL_VALUES[usize::from(*byte)]
    });
    let last = bytes
        .last()
        .map_or(0, |byte| BASE64URL_VALUES[usize::from(*byte)]);
    if flags & NOT_BASE64URL != 0 || last & unused_bits != 0 {
        return Err(AuthError::MalformedToken);
    }
    Ok(())
}

/// Marks a byte outside the URL-safe base64 alphabet in [`BASE64URL_VALUES`].
const NOT_BASE64URL: u8 = 0x80;

/// The six bits each character of the URL-safe base64 alphabet stands
/// for, by byte; [`NOT_BASE64URL`] for every other byte.
const BASE64URL_VALUES: [u8; 256] = {
    let mut values = [NOT_BASE64URL; 256];
    let mut byte = 0;
    while byte < 256 {
        let value = match byte as u8 {
            letter @ b'A'..=b'Z' => letter - b'A',
            letter @ b'a'..=b'z' => letter - b'a' + 26,
            digit @ b'0'..=b'9' => digit - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => NOT_BASE64URL,
        };
        values[byte] = value;
        byte += 1;
    }
    values
};

/// When a type is expected, the token's `typ` must name the same media type.
fn check_type(typ: Option<&str>, expected: Option<&str>) -> Result<(), AuthError> {
    match (expected, typ) {
        (None, _) => Ok(()),
        (Some(expected), Some(typ)) if same_media_type(typ, expected) => Ok(()),
        (Some(_), _) => Err(AuthError::InvalidType),
    }
}

/// Whether two `typ`/`cty` values name the same media type: a value with no
/// `/` stands for `application/<value>` (RFC 7515 section 4.1.9), and media
/// type names compare ignoring ASCII case. So `at+jwt`, `AT+JWT` and
/// `application/at+jwt` are one type.
pub(crate) fn same_media_type(a: &str, b: &str) -> bool {
    let (a_type, a_subtype) = media_type(a);
    let (b_type, b_subtype) = media_type(b);
    a_type.eq_ignore_ascii_case(b_type) && a_subtype.eq_ignore_ascii_case(b_subtype)
}

/// Splits a media type into type and subtype, `application` when omitted.
fn media_type(value: &str) -> (&str, &str) {
    value.split_once('/').unwrap_or(("application", value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PAYLOAD: &str = r#"{"iss":"https://issuer.test","sub":"u","exp":2000000000}"#;
    const SIGNATURE: &str = "c2ln";

    fn b64(bytes: impl AsRef<[u8]>) -> String {
        STRICT_BASE64URL.encode(bytes)
    }

    fn token_with(header: &str, payload: &str) -> String {
        format!("{}.{}.{SIGNATURE}", b64(header), b64(payload))
    }

    fn token(header: &str) -> String {
        token_with(header, PAYLOAD)
    }

    /// The default policy, allowing RS256 and ES256.
    fn policy() -> Policy {
        let mut config = crate::config::AuthConfig::with_jwks_url(
            "https://issuer.test",
            "api",
            "https://issuer.test/jwks",
        );
        config.allowed_algs = vec!["RS256".into(), "ES256".into()];
        config.validate().expect("a valid configuration").0
    }

    fn check(token: &str) -> Result<Jws<'_>, AuthError> {
        parse(token, &policy())
    }

    fn error(token: &str) -> AuthError {
        match check(token) {
            Ok(_) => panic!("token accepted"),
            Err(error) => error,
        }
    }

    /// `levels` of nesting in total: the outer object plus arrays inside it.
    fn nested_payload(levels: usize) -> String {
        let inner = levels - 1;
        format!("{{\"a\":{}1{}}}", "[".repeat(inner), "]".repeat(inner))
    }

    /// A header of exactly `len` bytes.
    fn header_of_len(len: usize) -> String {
        let base = r#"{"alg":"RS256","kid":"k","pad":""}"#;
        format!(
            r#"{{"alg":"RS256","kid":"k","pad":"{}"}}"#,
            "x".repeat(len - base.len())
        )
    }

    const HEADER: &str = r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#;

    #[test]
    fn parses_a_well_formed_token() {
        let text = token(HEADER);
        let jws = check(&text).unwrap();
        assert_eq!(jws.header.alg, Algorithm::RS256);
        assert_eq!(jws.header.kid.as_deref(), Some("k1"));
        assert_eq!(jws.payload, Payload::parse(PAYLOAD.as_bytes()).unwrap());
        assert_eq!(jws.with_signature(<[u8]>::to_vec), Some(b"sig".to_vec()));
        let signing_input = &text[..text.rfind('.').unwrap()];
        assert_eq!(jws.signing_input, signing_input);
        assert_eq!(jws.signing_input.as_ptr(), text.as_ptr());
    }

    #[test]
    fn empty_or_whitespace_token_is_missing() {
        for blank in ["", " ", "\t\r\n", "\u{3000}"] {
            assert_eq!(error(blank), AuthError::MissingToken, "{blank:?}");
        }
    }

    #[test]
    fn too_large_is_checked_before_decoding() {
        let text = token(HEADER);
        let mut exact = policy();
        exact.max_token_bytes = text.len();
        assert!(parse(&text, &exact).is_ok());
        exact.max_token_bytes = text.len() - 1;
        assert_eq!(parse(&text, &exact).unwrap_err(), AuthError::TokenTooLarge);
        let garbage = "!".repeat(16385);
        assert_eq!(error(&garbage), AuthError::TokenTooLarge);
    }

    #[test]
    fn needs_exactly_three_parts() {
        let header = b64(HEADER);
        let payload = b64(PAYLOAD);
        for bad in [
            "abc".to_owned(),
            format!("{header}.{payload}"),
            format!("{header}.{payload}.{SIGNATURE}.x"),
            format!("{header}.{payload}.{SIGNATURE}.."),
            format!("{header}.{payload}.{SIGNATURE}.{payload}.{SIGNATURE}"),
            format!("{header}..{payload}.{SIGNATURE}"),
        ] {
            assert_eq!(error(&bad), AuthError::MalformedToken, "{bad}");
        }
    }

    #[test]
    fn empty_header_or_payload_is_malformed_but_empty_signature_is_not() {
        let header = b64(HEADER);
        let payload = b64(PAYLOAD);
        assert_eq!(
            error(&format!(".{payload}.{SIGNATURE}")),
            AuthError::MalformedToken
        );
        assert_eq!(
            error(&format!("{header}..{SIGNATURE}")),
            AuthError::MalformedToken
        );
        let unsigned = format!("{header}.{payload}.");
        assert_eq!(
            check(&unsigned).unwrap().with_signature(<[u8]>::len),
            Some(0)
        );
    }

    #[test]
    fn base64url_must_be_strict_and_unpadded() {
        let header = b64(HEADER);
        let payload = b64(PAYLOAD);
        // "sig" is exactly 4 characters; "si" encodes to "c2k" (3 characters).
        assert_eq!(b64("si"), "c2k");
        let part_variants = [
            "c2k=".to_owned(),  // padding
            "c2k==".to_owned(), // padding
            "c+k".to_owned(),   // standard alphabet
            "c/k".to_owned(),   // standard alphabet
            "c2 k".to_owned(),  // whitespace inside
            "c2k\n".to_owned(), // trailing whitespace
            "c2l".to_owned(),   // non-zero trailing bits ('l' = 37, low bits set)
            "AB".to_owned(),    // non-zero trailing bits in a 2-character part
            "c2lnc".to_owned(), // length 4k+1
            "A".to_owned(),     // length 4k+1
        ];
        for bad in &part_variants {
            for text in [
                format!("{header}.{payload}.{bad}"),
                format!("{header}.{bad}.{SIGNATURE}"),
                format!("{bad}.{payload}.{SIGNATURE}"),
            ] {
                assert_eq!(error(&text), AuthError::MalformedToken, "{text}");
            }
        }
        // The canonical forms of those trailing-bit cases do decode.
        assert!(check(&format!("{header}.{payload}.c2k")).is_ok());
        assert!(check(&format!("{header}.{payload}.AA")).is_ok());
    }

    /// The signature part is checked a slice at a time: every position of
    /// a bad character or stray bit is found, whatever the length.
    #[test]
    fn long_signatures_are_checked_whole() {
        let header = b64(HEADER);
        let payload = b64(PAYLOAD);
        for len in [0, 1, 2, 3, 384, 385, 767, 768, 769, 2048, 2049, 3000, 6200] {
            let good = b64(vec![0x5a; len]);
            let text = format!("{header}.{payload}.{good}");
            let jws = check(&text).unwrap();
            let decoded = jws.with_signature(<[u8]>::to_vec);
            if len <= MAX_SIGNATURE_BYTES {
                assert_eq!(decoded, Some(vec![0x5a; len]), "{len}");
            } else {
                assert_eq!(decoded, None, "{len}: longer than any key's signature");
            }
            for at in [0, good.len() / 2, good.len().saturating_sub(1)] {
                if good.is_empty() {
                    continue;
                }
                let mut bad = good.clone().into_bytes();
                bad[at] = b'=';
                let text = format!("{header}.{payload}.{}", String::from_utf8(bad).unwrap());
                assert_eq!(error(&text), AuthError::MalformedToken, "{len} at {at}");
            }
        }
    }

    #[test]
    fn header_and_payload_must_be_utf8_json_objects() {
        for bad in [
            "[]",
            "\"x\"",
            "1",
            "{",
            "{\"alg\":\"RS256\"} x",
            "\u{feff}{}",
        ] {
            assert_eq!(
                error(&token_with(HEADER, bad)),
                AuthError::MalformedToken,
                "{bad}"
            );
            assert_eq!(
                error(&token_with(bad, PAYLOAD)),
                AuthError::MalformedToken,
                "{bad}"
            );
        }
        let not_utf8 = format!("{}.{}.{SIGNATURE}", b64(HEADER), b64(b"{\"a\":\"\xff\"}"));
        assert_eq!(error(&not_utf8), AuthError::MalformedToken);
        let not_utf8 = format!(
            "{}.{}.{SIGNATURE}",
            b64(b"{\"alg\":\"RS256\xc0\"}"),
            b64(PAYLOAD)
        );
        assert_eq!(error(&not_utf8), AuthError::MalformedToken);
    }

    #[test]
    fn duplicate_member_names_are_malformed_at_any_depth() {
        let duplicate_alg = r#"{"alg":"RS256","kid":"k","alg":"RS256"}"#;
        assert_eq!(error(&token(duplicate_alg)), AuthError::MalformedToken);
        let depth_three = r#"{"a":{"b":{"c":1,"c":2}},"exp":1}"#;
        assert_eq!(
            error(&token_with(HEADER, depth_three)),
            AuthError::MalformedToken
        );
        let top = r#"{"sub":"a","sub":"b"}"#;
        assert_eq!(error(&token_with(HEADER, top)), AuthError::MalformedToken);
    }

    #[test]
    fn nesting_deeper_than_32_is_malformed() {
        assert!(check(&token_with(HEADER, &nested_payload(32))).is_ok());
        let deep = token_with(HEADER, &nested_payload(33));
        assert_eq!(error(&deep), AuthError::MalformedToken);
        let deep_header = format!(
            r#"{{"alg":"RS256","kid":"k","x":{}1{}}}"#,
            "[".repeat(32),
            "]".repeat(32)
        );
        assert_eq!(error(&token(&deep_header)), AuthError::MalformedToken);
    }

    #[test]
    fn header_over_4096_bytes_is_malformed() {
        assert!(check(&token(&header_of_len(4096))).is_ok());
        assert_eq!(
            error(&token(&header_of_len(4097))),
            AuthError::MalformedToken
        );
        // The encoded-length pre-check agrees with the decoded length.
        for len in 0..20 {
            assert_eq!(decoded_len(b64("x".repeat(len)).len()), len);
        }
    }

    #[test]
    fn kid_and_typ_must_be_strings_when_present() {
        for bad in [
            r#"{"alg":"RS256","kid":7}"#,
            r#"{"alg":"RS256","kid":null}"#,
            r#"{"alg":"RS256","kid":["k"]}"#,
            r#"{"alg":"RS256","kid":"k","typ":1}"#,
            r#"{"alg":"RS256","kid":"k","typ":{}}"#,
        ] {
            assert_eq!(error(&token(bad)), AuthError::MalformedToken, "{bad}");
        }
    }

    #[test]
    fn malformed_payload_is_reported_before_header_policy() {
        let header = r#"{"alg":"none","jku":"https://x.test"}"#;
        assert_eq!(error(&token_with(header, "[]")), AuthError::MalformedToken);
        assert_eq!(
            error(&format!("{}.{}.c2l", b64(header), b64(PAYLOAD))),
            AuthError::MalformedToken
        );
    }

    #[test]
    fn forbidden_header_parameters_are_refused() {
        for name in FORBIDDEN_HEADER_PARAMETERS {
            let header = format!(r#"{{"alg":"RS256","kid":"k","{name}":"x"}}"#);
            assert_eq!(error(&token(&header)), AuthError::ForbiddenHeader, "{name}");
            let header = format!(r#"{{"alg":"RS256","kid":"k","{name}":false}}"#);
            assert_eq!(error(&token(&header)), AuthError::ForbiddenHeader, "{name}");
        }
    }

    #[test]
    fn nested_jwt_content_type_is_refused_in_any_case() {
        for cty in [
            "JWT",
            "jwt",
            "Jwt",
            "application/jwt",
            "Application/JWT",
            "APPLICATION/jwt",
        ] {
            let header = format!(r#"{{"alg":"RS256","kid":"k","cty":"{cty}"}}"#);
            assert_eq!(error(&token(&header)), AuthError::ForbiddenHeader, "{cty}");
        }
        for cty in [
            r#""json""#,
            r#""application/json""#,
            r#""text/jwt""#,
            "7",
            "null",
        ] {
            let header = format!(r#"{{"alg":"RS256","kid":"k","cty":{cty}}}"#);
            assert!(check(&token(&header)).is_ok(), "{cty}");
        }
    }

    #[test]
    fn forbidden_header_comes_before_alg() {
        let header = r#"{"alg":"none","x5u":"https://x.test"}"#;
        assert_eq!(error(&token(header)), AuthError::ForbiddenHeader);
    }

    #[test]
    fn alg_must_be_a_supported_allowed_name() {
        for alg in [
            "",
            r#""none""#,
            r#""NONE""#,
            r#""None""#,
            r#""nOnE""#,
            "7",
            "null",
            r#"["RS256"]"#,
            r#""HS256""#,
            r#""rs256""#,
            r#""RS256 ""#,
            r#""PS256""#,
            r#""EdDSA""#,
        ] {
            let header = if alg.is_empty() {
                r#"{"kid":"k"}"#.to_owned()
            } else {
                format!(r#"{{"alg":{alg},"kid":"k"}}"#)
            };
            assert_eq!(error(&token(&header)), AuthError::DisallowedAlg, "{alg}");
        }
        let text = token(r#"{"alg":"ES256","kid":"k"}"#);
        let es = check(&text).unwrap();
        assert_eq!(es.header.alg, Algorithm::ES256);
    }

    #[test]
    fn alg_comes_before_type_and_kid() {
        let mut strict = policy();
        strict.expected_typ = Some("at+jwt".into());
        let text = token(r#"{"alg":"none"}"#);
        assert_eq!(parse(&text, &strict).unwrap_err(), AuthError::DisallowedAlg);
    }

    #[test]
    fn typ_matches_ignoring_case_and_application_prefix() {
        let mut strict = policy();
        strict.expected_typ = Some("at+jwt".into());
        for typ in [
            "at+jwt",
            "AT+JWT",
            "At+Jwt",
            "application/at+jwt",
            "APPLICATION/AT+JWT",
        ] {
            let text = token(&format!(r#"{{"alg":"RS256","kid":"k","typ":"{typ}"}}"#));
            assert!(parse(&text, &strict).is_ok(), "{typ}");
        }
        strict.expected_typ = Some("application/AT+JWT".into());
        let text = token(r#"{"alg":"RS256","kid":"k","typ":"at+jwt"}"#);
        assert!(parse(&text, &strict).is_ok());
    }

    #[test]
    fn typ_that_differs_or_is_missing_is_invalid() {
        let mut strict = policy();
        strict.expected_typ = Some("at+jwt".into());
        for header in [
            r#"{"alg":"RS256","kid":"k"}"#,
            r#"{"alg":"RS256","kid":"k","typ":"JWT"}"#,
            r#"{"alg":"RS256","kid":"k","typ":""}"#,
            r#"{"alg":"RS256","kid":"k","typ":"at+jwt "}"#,
            r#"{"alg":"RS256","kid":"k","typ":"text/at+jwt"}"#,
            r#"{"alg":"RS256","kid":"k","typ":"application/application/at+jwt"}"#,
        ] {
            assert_eq!(
                parse(&token(header), &strict).unwrap_err(),
                AuthError::InvalidType,
                "{header}"
            );
        }
        // Without an expected type, any `typ` passes.
        assert!(check(&token(r#"{"alg":"RS256","kid":"k","typ":"whatever"}"#)).is_ok());
    }

    #[test]
    fn kid_is_required_only_when_configured() {
        let text = token(r#"{"alg":"RS256"}"#);
        assert_eq!(error(&text), AuthError::MissingKid);
        let mut relaxed = policy();
        relaxed.require_kid = false;
        let jws = parse(&text, &relaxed).unwrap();
        assert_eq!(jws.header.kid, None);
        let mut strict = policy();
        strict.expected_typ = Some("at+jwt".into());
        assert_eq!(parse(&text, &strict).unwrap_err(), AuthError::InvalidType);
    }

    const HEADER_STAGE_CODES: [&str; 7] = [
        "missing_token",
        "token_too_large",
        "malformed_token",
        "forbidden_header",
        "disallowed_alg",
        "invalid_type",
        "missing_kid",
    ];

    fn assert_header_stage(result: Result<Jws<'_>, AuthError>) -> Result<(), TestCaseError> {
        if let Err(error) = result {
            prop_assert!(
                HEADER_STAGE_CODES.contains(&error.code()),
                "{}",
                error.code()
            );
        }
        Ok(())
    }

    proptest! {
        /// The signature check without decoding accepts exactly what the
        /// strict decoder decodes.
        #[test]
        fn the_signature_check_is_the_strict_decoder(text in "[A-Za-z0-9_=+/ .-]{0,24}|[AQgw_-]{0,9}") {
            prop_assert_eq!(
                check_base64url(&text).is_ok(),
                STRICT_BASE64URL.decode(&text).is_ok(),
                "{:?}", text
            );
        }

        #[test]
        fn arbitrary_strings_never_panic(text in any::<String>()) {
            assert_header_stage(check(&text))?;
        }

        #[test]
        fn arbitrary_base64url_parts_never_panic(text in "[A-Za-z0-9_=+/ .-]{0,80}") {
            assert_header_stage(check(&text))?;
        }

        #[test]
        fn arbitrary_decoded_parts_never_panic(
            header in proptest::collection::vec(any::<u8>(), 0..64),
            payload in proptest::collection::vec(any::<u8>(), 0..64),
            signature in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let text = format!("{}.{}.{}", b64(&header), b64(&payload), b64(&signature));
            assert_header_stage(check(&text))?;
        }

        #[test]
        fn arbitrary_json_headers_never_panic(header in r#"\{("(alg|kid|typ|cty|jku|x)":("[A-Za-z0-9+/]{0,8}"|[0-9]|null|\[\]|\{\}),?){0,4}\}"#) {
            let text = token(&header);
            assert_header_stage(check(&text))?;
        }
    }
}
