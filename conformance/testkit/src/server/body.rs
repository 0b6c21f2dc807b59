//! A scripted response body, and the bytes a client reading at most so
//! many of them receives.

use serde_json::Value;

/// A scripted response body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body (`content-length: 0`).
    Empty,
    /// A JSON value, sent serialized with `content-type: application/json`.
    /// A top-level `jwks_uri` string member naming a mapped origin is
    /// rewritten to its loopback URL when sent.
    Json(Value),
    /// A string sent as is.
    Text(String),
    /// Bytes sent as is.
    Bytes(Vec<u8>),
    /// `text` repeated `times` times, generated while sending, never built
    /// whole (oversized bodies).
    Repeat {
        /// The repeated piece.
        text: String,
        /// How many times.
        times: u64,
    },
}

impl Body {
    /// The body's full length in bytes (saturating at `u64::MAX`).
    pub fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Json(value) => byte_len(value.to_string().as_bytes()),
            Body::Text(text) => byte_len(text.as_bytes()),
            Body::Bytes(bytes) => byte_len(bytes),
            Body::Repeat { text, times } => byte_len(text.as_bytes()).saturating_mul(*times),
        }
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first `limit` bytes of the body (all of it when shorter): what a
    /// client reading at most `limit` bytes receives. A repeated body is
    /// built only up to `limit`.
    pub fn bytes_up_to(&self, limit: usize) -> Vec<u8> {
        let mut bytes = match self {
            Body::Empty => Vec::new(),
            Body::Json(value) => value.to_string().into_bytes(),
            Body::Text(text) => text.as_bytes().to_vec(),
            Body::Bytes(bytes) => bytes.clone(),
            Body::Repeat { text, times } => repeat_up_to(text.as_bytes(), *times, limit),
        };
        bytes.truncate(limit);
        bytes
    }
}

fn byte_len(bytes: &[u8]) -> u64 {
    u64::try_from(bytes.len()).unwrap_or(u64::MAX)
}

/// `text` repeated `times` times, stopping once `limit` bytes are reached.
fn repeat_up_to(text: &[u8], times: u64, limit: usize) -> Vec<u8> {
    let total = byte_len(text).saturating_mul(times);
    let size = usize::try_from(total).map_or(limit, |total| total.min(limit));
    let mut bytes = Vec::with_capacity(size);
    let mut written = 0u64;
    while written < times && bytes.len() < size {
        let room = size - bytes.len();
        bytes.extend_from_slice(text.get(..room.min(text.len())).unwrap_or(text));
        written += 1;
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_body_is_built_only_up_to_the_limit() {
        let body = Body::Repeat {
            text: "abc".into(),
            times: 1_000_000_000,
        };
        assert_eq!(body.len(), 3_000_000_000);
        let limit = 512 * 1024; // 3 * 174762 + 2: cut inside a repetition
        let bytes = body.bytes_up_to(limit);
        assert_eq!(bytes.len(), limit);
        assert!(bytes.starts_with(b"abcabc"));
        assert!(bytes.ends_with(b"cab"));
        assert!(bytes.capacity() <= limit);
    }

    #[test]
    fn a_repeated_body_shorter_than_the_limit_is_whole() {
        let body = Body::Repeat {
            text: "xy".into(),
            times: 3,
        };
        assert_eq!(body.bytes_up_to(100), b"xyxyxy");
        let empty = Body::Repeat {
            text: String::new(),
            times: u64::MAX,
        };
        assert_eq!(empty.bytes_up_to(100), b"");
        assert!(empty.is_empty());
    }

    #[test]
    fn a_repeated_body_length_saturates() {
        let body = Body::Repeat {
            text: "xy".into(),
            times: u64::MAX,
        };
        assert_eq!(body.len(), u64::MAX);
        assert_eq!(body.bytes_up_to(5), b"xyxyx");
    }

    #[test]
    fn other_bodies_are_truncated_to_the_limit() {
        assert_eq!(Body::Text("hello".into()).bytes_up_to(3), b"hel");
        assert_eq!(Body::Bytes(vec![1, 2, 3]).bytes_up_to(2), [1, 2]);
        assert_eq!(
            Body::Json(serde_json::json!({"a": 1})).bytes_up_to(100),
            br#"{"a":1}"#
        );
        assert_eq!(Body::Empty.bytes_up_to(10), b"");
        assert_eq!(Body::Bytes(vec![0; 4]).len(), 4);
    }
}
