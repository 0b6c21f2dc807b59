//! Strict unpadded base64url (RFC 7515 section 2) as the rules demand it of
//! a token part, decoded by hand so the model shares no decoder with the
//! core: only `A-Z a-z 0-9 - _`, no `=`, no length of 1 modulo 4, and the
//! unused low bits of the last character zero.

/// The 6-bit value of a base64url character.
fn sextet(byte: u8) -> Option<u32> {
    Some(u32::from(match byte {
        b'A'..=b'Z' => byte - b'A',
        b'a'..=b'z' => byte - b'a' + 26,
        b'0'..=b'9' => byte - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    }))
}

/// The bytes `text` encodes, or `None` when it is not canonical unpadded
/// base64url.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3 + 2);
    for chunk in bytes.chunks(4) {
        let mut bits = 0u32;
        for &byte in chunk {
            bits = (bits << 6) | sextet(byte)?;
        }
        match chunk.len() {
            4 => out.extend_from_slice(&[(bits >> 16) as u8, (bits >> 8) as u8, bits as u8]),
            3 => {
                if bits & 0b11 != 0 {
                    return None;
                }
                out.extend_from_slice(&[(bits >> 10) as u8, (bits >> 2) as u8]);
            }
            2 => {
                if bits & 0b1111 != 0 {
                    return None;
                }
                out.push((bits >> 4) as u8);
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oidc_jwt_verifier_conformance::issuer::b64url;

    #[test]
    fn decodes_what_the_issuer_encodes() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(decode(&b64url(&bytes)), Some(bytes));
        }
    }

    #[test]
    fn refuses_everything_not_canonical() {
        assert_eq!(decode("-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(decode("-_8="), None);
        assert_eq!(decode("+/8"), None);
        assert_eq!(decode("A"), None);
        assert_eq!(decode("AB"), None); // trailing bits
        assert_eq!(decode("AQ"), Some(vec![1]));
        assert_eq!(decode("AR"), None);
        assert_eq!(decode("AQ "), None);
        assert_eq!(decode(""), Some(vec![]));
    }
}
