//! The confirmation of a sender-constrained token (RFC 7800 `cnf`): its
//! DPoP key thumbprint `jkt` (RFC 9449 section 6.1) and its certificate
//! thumbprint `x5t#S256` (RFC 8705 section 3.1), and the thumbprints they
//! are compared with: RFC 7638's of a JWK, SHA-256 of a DER certificate.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::claims::Payload;
use crate::crypto::sha256;
use crate::error::{AuthError, ClaimName};

/// What a verified token's `cnf` binds it to (each `None` when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Confirmation<'p> {
    /// `jkt`: the base64url SHA-256 JWK thumbprint of the DPoP key.
    pub(crate) jkt: Option<&'p str>,
    /// `x5t#S256`: the base64url SHA-256 thumbprint of the client certificate.
    pub(crate) x5t_s256: Option<&'p str>,
}

impl<'p> Confirmation<'p> {
    /// Reads `cnf`: absent is no binding; present, it must be an object
    /// whose `jkt` and `x5t#S256`, when present, are strings (else
    /// `invalid_claim` naming `cnf`). Other confirmation methods (`jwk`,
    /// `jku`, ...) bind to nothing this library can check and are left.
    pub(crate) fn of(payload: &'p Payload) -> Result<Self, AuthError> {
        let Some(cnf) = payload.claim("cnf") else {
            return Ok(Confirmation::default());
        };
        let cnf = cnf
            .as_object()
            .ok_or(AuthError::InvalidClaim(ClaimName::Cnf))?;
        Ok(Confirmation {
            jkt: string_member(cnf, "jkt")?,
            x5t_s256: string_member(cnf, "x5t#S256")?,
        })
    }
}

fn string_member<'p>(
    cnf: &'p Map<String, Value>,
    name: &str,
) -> Result<Option<&'p str>, AuthError> {
    match cnf.get(name) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(AuthError::InvalidClaim(ClaimName::Cnf)),
    }
}

/// The RFC 7638 thumbprint of a public JWK: SHA-256 of the JSON object of
/// its required members only (`crv`, `e`, `kty`, `n`, `x`, `y`, as its
/// `kty` needs), in lexicographic order, with no whitespace (section 3),
/// base64url. `None` for a `kty` other than `EC`, `RSA` and `OKP`, or a
/// required member missing or not a string.
pub(crate) fn jwk_thumbprint(jwk: &Map<String, Value>) -> Option<String> {
    let required: &[&str] = match jwk.get("kty")?.as_str()? {
        "EC" => &["crv", "kty", "x", "y"],
        "RSA" => &["e", "kty", "n"],
        "OKP" => &["crv", "kty", "x"],
        _ => return None,
    };
    let mut json = String::from("{");
    for (i, name) in required.iter().enumerate() {
        let value = jwk.get(*name)?.as_str()?;
        if i > 0 {
            json.push(',');
        }
        // Names and values as JSON strings (serde_json escapes what must be).
        json.push_str(&Value::from(*name).to_string());
        json.push(':');
        json.push_str(&Value::from(value).to_string());
    }
    json.push('}');
    Some(URL_SAFE_NO_PAD.encode(sha256(&[json.as_bytes()])))
}

/// The RFC 8705 section 3.1 thumbprint of a certificate: base64url of the
/// SHA-256 of its DER encoding.
pub(crate) fn certificate_thumbprint(der: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(sha256(&[der]))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    /// RFC 7638 section 3.1: the example RSA key and its thumbprint.
    #[test]
    fn the_rfc7638_example_thumbprint() {
        let jwk = object(json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        }));
        assert_eq!(
            jwk_thumbprint(&jwk).as_deref(),
            Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        );
    }

    /// RFC 9449 section 6.1: the thumbprint of the key of its examples.
    #[test]
    fn the_rfc9449_example_thumbprint_ignores_other_members_and_order() {
        let jwk = object(json!({
            "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
            "use": "sig",
            "kty": "EC",
            "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
            "crv": "P-256",
            "kid": "anything"
        }));
        assert_eq!(
            jwk_thumbprint(&jwk).as_deref(),
            Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")
        );
    }

    #[test]
    fn a_jwk_without_its_required_members_has_no_thumbprint() {
        for jwk in [
            json!({"kty": "EC", "crv": "P-256", "x": "AA"}),
            json!({"kty": "RSA", "n": "AA", "e": 3}),
            json!({"kty": "oct", "k": "AA"}),
            json!({"crv": "Ed25519", "x": "AA"}),
        ] {
            assert_eq!(jwk_thumbprint(&object(jwk.clone())), None, "{jwk}");
        }
    }

    #[test]
    fn cnf_must_be_an_object_of_strings() {
        let read = |claims: Value| {
            let payload = Payload::parse(claims.to_string().as_bytes()).unwrap();
            Confirmation::of(&payload)
                .map(|cnf| (cnf.jkt.map(str::to_owned), cnf.x5t_s256.map(str::to_owned)))
        };
        assert_eq!(read(json!({})), Ok((None, None)));
        assert_eq!(
            read(json!({"cnf": {"jkt": "a", "x5t#S256": "b", "jwk": {}}})),
            Ok((Some("a".into()), Some("b".into())))
        );
        for bad in [
            json!({"cnf": "a"}),
            json!({"cnf": {"jkt": 1}}),
            json!({"cnf": {"x5t#S256": null}}),
        ] {
            assert_eq!(read(bad), Err(AuthError::InvalidClaim(ClaimName::Cnf)));
        }
    }

    #[test]
    fn a_certificate_thumbprint_is_its_sha256() {
        // SHA-256 of the empty string.
        assert_eq!(
            certificate_thumbprint(b""),
            "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
    }
}
