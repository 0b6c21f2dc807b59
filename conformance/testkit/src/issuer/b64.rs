//! Base64url helpers (RFC 7515 section 2: unpadded, URL-safe alphabet).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Encodes bytes as unpadded base64url, the JWS segment encoding.
pub fn b64url(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes unpadded base64url; `None` when the text is not exactly that.
pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_without_padding_in_the_url_alphabet() {
        assert_eq!(b64url([0xfb, 0xff]), "-_8");
        assert_eq!(b64url_decode("-_8"), Some(vec![0xfb, 0xff]));
    }

    #[test]
    fn refuses_padding_and_the_standard_alphabet() {
        assert_eq!(b64url_decode("-_8="), None);
        assert_eq!(b64url_decode("+/8"), None);
    }
}
