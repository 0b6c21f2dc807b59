//! Minting compact JWS tokens with any header and claims, well-formed or not.

use serde_json::{Map, Value};

use super::alg::SigningAlg;
use super::b64::b64url;
use super::error::IssuerError;
use super::key::TestKey;

/// How one of the first two segments of a token is written.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// A JSON object written with its members in this order; a name may
    /// appear more than once (duplicate members).
    Members(Vec<(String, Value)>),
    /// Text base64url-encoded as is: non-JSON, a JSON array, odd whitespace,
    /// duplicate members written by hand.
    Text(String),
    /// Bytes base64url-encoded as is (e.g. invalid UTF-8).
    Bytes(Vec<u8>),
    /// The segment exactly as it appears in the token, not encoded
    /// (e.g. `"not-a-header"`, padded or standard-alphabet base64).
    Encoded(String),
}

impl Segment {
    /// The segment as it appears in the compact token.
    pub fn encode(&self) -> String {
        match self {
            Self::Members(members) => b64url(members_json(members)),
            Self::Text(text) => b64url(text),
            Self::Bytes(bytes) => b64url(bytes),
            Self::Encoded(encoded) => encoded.clone(),
        }
    }

    /// The first value of member `name`, when this is a member list.
    pub fn member(&self, name: &str) -> Option<&Value> {
        match self {
            Self::Members(members) => members
                .iter()
                .find(|(member, _)| member == name)
                .map(|(_, value)| value),
            _ => None,
        }
    }

    /// Runs `edit` on the member list, starting a fresh one when the
    /// segment was raw.
    fn edit_members(&mut self, edit: impl FnOnce(&mut Vec<(String, Value)>)) {
        let mut members = match std::mem::replace(self, Self::Members(Vec::new())) {
            Self::Members(members) => members,
            Self::Text(_) | Self::Bytes(_) | Self::Encoded(_) => Vec::new(),
        };
        edit(&mut members);
        *self = Self::Members(members);
    }

    fn set(&mut self, name: &str, value: Value) {
        self.edit_members(
            |members| match members.iter_mut().find(|(member, _)| member == name) {
                Some(slot) => slot.1 = value,
                None => members.push((name.to_owned(), value)),
            },
        );
    }

    fn push(&mut self, name: &str, value: Value) {
        self.edit_members(|members| members.push((name.to_owned(), value)));
    }

    fn remove(&mut self, name: &str) {
        if let Self::Members(members) = self {
            members.retain(|(member, _)| member != name);
        }
    }
}

/// `{"a":1,"b":2}` with the members in order, duplicates kept, no spaces.
fn members_json(members: &[(String, Value)]) -> String {
    let body: Vec<String> = members
        .iter()
        .map(|(name, value)| format!("{}:{value}", Value::String(name.clone())))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// Builds a compact JWS token (`header.payload.signature`).
///
/// Members keep the order they were added in. Setting a member that exists
/// replaces its first occurrence; the `duplicate_*` methods add another.
/// Setting a member after a raw segment (`raw_*`, `*_bytes`, `*_segment`)
/// starts a fresh member list.
///
/// ```
/// use oidc_jwt_verifier_testkit::{FixedKey, TestKey, TokenBuilder};
/// use serde_json::json;
///
/// let key = TestKey::fixed(FixedKey::Rsa2048A)?;
/// let token = TokenBuilder::for_key(&key)
///     .claim("iss", json!("https://id.example.test/"))
///     .claim("aud", json!("https://api.example.test"))
///     .claim("exp", json!(1767229200))
///     .sign(&key)?;
/// assert_eq!(token.split('.').count(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TokenBuilder {
    header: Segment,
    payload: Segment,
}

impl Default for TokenBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenBuilder {
    /// An empty header object and an empty claims object.
    pub fn new() -> Self {
        Self {
            header: Segment::Members(Vec::new()),
            payload: Segment::Members(Vec::new()),
        }
    }

    /// A header of `alg` (the key's algorithm), `kid` and `typ: "JWT"`, in
    /// that order, and no claims.
    pub fn for_key(key: &TestKey) -> Self {
        Self::new()
            .header("alg", Value::String(key.alg().name().into()))
            .header("kid", Value::String(key.kid().into()))
            .header("typ", Value::String("JWT".into()))
    }

    /// Sets header member `name` (replacing its first occurrence).
    pub fn header(mut self, name: &str, value: Value) -> Self {
        self.header.set(name, value);
        self
    }

    /// Adds another header member `name`, keeping any existing one.
    pub fn duplicate_header(mut self, name: &str, value: Value) -> Self {
        self.header.push(name, value);
        self
    }

    /// Removes every header member `name`.
    pub fn remove_header(mut self, name: &str) -> Self {
        self.header.remove(name);
        self
    }

    /// Sets claim `name` (replacing its first occurrence).
    pub fn claim(mut self, name: &str, value: Value) -> Self {
        self.payload.set(name, value);
        self
    }

    /// Sets every claim of `claims`, in the map's iteration order.
    pub fn claims(mut self, claims: &Map<String, Value>) -> Self {
        for (name, value) in claims {
            self.payload.set(name, value.clone());
        }
        self
    }

    /// Adds another claim `name`, keeping any existing one.
    pub fn duplicate_claim(mut self, name: &str, value: Value) -> Self {
        self.payload.push(name, value);
        self
    }

    /// Removes every claim `name`.
    pub fn remove_claim(mut self, name: &str) -> Self {
        self.payload.remove(name);
        self
    }

    /// The header is this text, base64url-encoded as is.
    pub fn raw_header(mut self, text: impl Into<String>) -> Self {
        self.header = Segment::Text(text.into());
        self
    }

    /// The payload is this text, base64url-encoded as is.
    pub fn raw_payload(mut self, text: impl Into<String>) -> Self {
        self.payload = Segment::Text(text.into());
        self
    }

    /// The header is these bytes, base64url-encoded.
    pub fn header_bytes(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.header = Segment::Bytes(bytes.into());
        self
    }

    /// The payload is these bytes, base64url-encoded.
    pub fn payload_bytes(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.payload = Segment::Bytes(bytes.into());
        self
    }

    /// The header segment is exactly this text (not encoded).
    pub fn header_segment(mut self, encoded: impl Into<String>) -> Self {
        self.header = Segment::Encoded(encoded.into());
        self
    }

    /// The payload segment is exactly this text (not encoded).
    pub fn payload_segment(mut self, encoded: impl Into<String>) -> Self {
        self.payload = Segment::Encoded(encoded.into());
        self
    }

    /// The header as it will be written.
    pub fn header_part(&self) -> &Segment {
        &self.header
    }

    /// The payload as it will be written.
    pub fn payload_part(&self) -> &Segment {
        &self.payload
    }

    /// `header.payload`, the ASCII input the signature covers.
    pub fn signing_input(&self) -> String {
        format!("{}.{}", self.header.encode(), self.payload.encode())
    }

    /// Signs with `key`: under the header's `alg` when it names an algorithm
    /// the key can compute, else under the key's own algorithm (so a header
    /// claiming `none` or `HS256` still carries a real signature). A token
    /// whose `kid` names another key is made by signing with the other key.
    pub fn sign(&self, key: &TestKey) -> Result<String, IssuerError> {
        self.sign_as(key, key.alg_for_header(self.header.member("alg")))
    }

    /// Signs with `key` under `alg`, whatever the header says (algorithm
    /// confusion cases, e.g. a PS256 signature under `"alg": "RS256"`).
    pub fn sign_as(&self, key: &TestKey, alg: SigningAlg) -> Result<String, IssuerError> {
        let signing_input = self.signing_input();
        let signature = key.signature(alg, signing_input.as_bytes())?;
        Ok(format!("{signing_input}.{}", b64url(signature)))
    }

    /// `header.payload.` with an empty signature (the `alg: none` shape).
    pub fn unsigned(&self) -> String {
        format!("{}.", self.signing_input())
    }

    /// `header.payload.<bytes base64url-encoded>`: any signature bytes.
    pub fn with_signature(&self, signature: &[u8]) -> String {
        format!("{}.{}", self.signing_input(), b64url(signature))
    }

    /// `header.payload.<segment>` with the signature segment exactly as given.
    pub fn with_signature_segment(&self, segment: &str) -> String {
        format!("{}.{segment}", self.signing_input())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issuer::test_support::{josekit_verifies, segment_text};
    use crate::issuer::FixedKey;
    use serde_json::json;

    fn rsa() -> TestKey {
        TestKey::fixed(FixedKey::Rsa2048A).unwrap()
    }

    #[test]
    fn for_key_writes_alg_kid_typ_in_order() {
        let token = TokenBuilder::for_key(&rsa()).sign(&rsa()).unwrap();
        assert_eq!(
            segment_text(&token, 0),
            r#"{"alg":"RS256","kid":"rsa2048-a","typ":"JWT"}"#
        );
        assert_eq!(segment_text(&token, 1), "{}");
    }

    #[test]
    fn claims_keep_insertion_order_like_the_shared_examples() {
        // The payload segment of
        // conformance/tests/shared-examples/valid-rs256.json.
        let builder = TokenBuilder::new()
            .claim("iss", json!("https://id.example.test/"))
            .claim("sub", json!("alice"))
            .claim("aud", json!("https://api.example.test"))
            .claim("iat", json!(1767225570))
            .claim("exp", json!(1767229200));
        assert_eq!(
            builder.payload_part().encode(),
            "eyJpc3MiOiJodHRwczovL2lkLmV4YW1wbGUudGVzdC8iLCJzdWIiOiJhbGljZSIsImF1ZCI6Imh0dHBzOi8vYXBpLmV4YW1wbGUudGVzdCIsImlhdCI6MTc2NzIyNTU3MCwiZXhwIjoxNzY3MjI5MjAwfQ"
        );
    }

    #[test]
    fn setting_replaces_duplicating_adds_removing_removes_all() {
        let builder = TokenBuilder::new()
            .claim("a", json!(1))
            .claim("b", json!(2))
            .claim("a", json!(3))
            .duplicate_claim("b", json!(4));
        let token = builder.unsigned();
        assert_eq!(segment_text(&token, 1), r#"{"a":3,"b":2,"b":4}"#);
        let token = builder.remove_claim("b").unsigned();
        assert_eq!(segment_text(&token, 1), r#"{"a":3}"#);
        let header = TokenBuilder::new()
            .header("alg", json!("RS256"))
            .duplicate_header("alg", json!("none"))
            .unsigned();
        assert_eq!(segment_text(&header, 0), r#"{"alg":"RS256","alg":"none"}"#);
    }

    #[test]
    fn claims_map_sets_every_member() {
        let mut claims = Map::new();
        claims.insert("sub".into(), json!("bob"));
        claims.insert("scope".into(), json!("read write"));
        let builder = TokenBuilder::new()
            .claim("sub", json!("alice"))
            .claims(&claims);
        assert_eq!(builder.payload_part().member("sub"), Some(&json!("bob")));
        assert_eq!(
            builder.payload_part().member("scope"),
            Some(&json!("read write"))
        );
    }

    #[test]
    fn raw_segments_are_written_as_given() {
        let token = TokenBuilder::new()
            .raw_header("{not json")
            .payload_segment("not-base64!")
            .unsigned();
        assert_eq!(token, format!("{}.not-base64!.", b64url("{not json")));
        let bytes = TokenBuilder::new()
            .header_bytes(vec![0xff, 0xfe])
            .unsigned();
        assert!(bytes.starts_with("__4."));
        let raw_payload = TokenBuilder::new().raw_payload("[1]").unsigned();
        assert_eq!(segment_text(&raw_payload, 1), "[1]");
    }

    #[test]
    fn a_member_after_a_raw_segment_starts_a_fresh_object() {
        let token = TokenBuilder::new()
            .raw_header("garbage")
            .header("alg", json!("ES256"))
            .unsigned();
        assert_eq!(segment_text(&token, 0), r#"{"alg":"ES256"}"#);
    }

    #[test]
    fn signature_shapes() {
        let builder = TokenBuilder::new().header("alg", json!("none"));
        let input = builder.signing_input();
        assert_eq!(builder.unsigned(), format!("{input}."));
        assert_eq!(builder.with_signature(&[0xfb]), format!("{input}.-w"));
        assert_eq!(
            builder.with_signature_segment("x=="),
            format!("{input}.x==")
        );
    }

    #[test]
    fn sign_as_ignores_the_header_alg() {
        let key = rsa();
        let token = TokenBuilder::for_key(&key)
            .sign_as(&key, SigningAlg::Ps256)
            .unwrap();
        assert!(segment_text(&token, 0).contains(r#""alg":"RS256""#));
        assert!(josekit_verifies(
            &key.public_jwk(),
            SigningAlg::Ps256,
            &token
        ));
        assert!(!josekit_verifies(
            &key.public_jwk(),
            SigningAlg::Rs256,
            &token
        ));
    }

    #[test]
    fn signing_with_another_key_keeps_the_first_keys_kid() {
        let first = rsa();
        let other = TestKey::fixed(FixedKey::Rsa2048B).unwrap();
        let token = TokenBuilder::for_key(&first).sign(&other).unwrap();
        assert!(segment_text(&token, 0).contains(r#""kid":"rsa2048-a""#));
        assert!(!josekit_verifies(
            &first.public_jwk(),
            SigningAlg::Rs256,
            &token
        ));
        assert!(josekit_verifies(
            &other.public_jwk(),
            SigningAlg::Rs256,
            &token
        ));
    }

    #[test]
    fn rfc_9864_names_sign_with_the_matching_curve() {
        let ed = TestKey::fixed(FixedKey::Ed448).unwrap();
        let token = TokenBuilder::for_key(&ed)
            .header("alg", json!("Ed448"))
            .sign(&ed)
            .unwrap();
        assert!(josekit_verifies(
            &ed.public_jwk(),
            SigningAlg::Ed448,
            &token
        ));
        assert!(TokenBuilder::new()
            .sign_as(&ed, SigningAlg::Ed25519)
            .is_err());
    }
}
