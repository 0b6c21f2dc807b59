//! What an endpoint answers: the script entries.

use serde_json::Value;

use super::encoding::Encoding;
use super::error::ServerError;

/// What a scripted URL does with the next connections.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Answer every request with this response.
    Respond(Response),
    /// Nothing listens on the URL's port: connecting fails with
    /// `ConnectionRefused`.
    Refused,
    /// Accept the connection, read the request, never answer. The
    /// connection is held until the client closes it or the server stops.
    Timeout,
}

impl From<Response> for Reply {
    fn from(response: Response) -> Self {
        Self::Respond(response)
    }
}

/// A scripted HTTP response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The status code, 200 by default.
    pub status: u16,
    /// Headers sent as given, in order, before the ones the server adds
    /// (`content-type` for JSON, `content-length`, `connection: close`,
    /// each only when not given here).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
    /// How the body is encoded on the wire (gzip adds
    /// `content-encoding: gzip`).
    pub encoding: Encoding,
}

impl Response {
    /// 200 with `value` serialized as `application/json`.
    pub fn json(value: Value) -> Self {
        Self::with_body(Body::Json(value))
    }

    /// 200 with `text` sent as is, no content type.
    pub fn text(text: impl Into<String>) -> Self {
        Self::with_body(Body::Text(text.into()))
    }

    /// 200 with `text` repeated `times` times (oversized bodies), written
    /// piece by piece, never held whole in memory.
    pub fn repeat(text: impl Into<String>, times: u64) -> Self {
        Self::with_body(Body::Repeat {
            text: text.into(),
            times,
        })
    }

    /// `status` with an empty body.
    pub fn empty(status: u16) -> Self {
        Self::with_body(Body::Empty).status(status)
    }

    /// 200 with `body`.
    pub fn with_body(body: Body) -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            body,
            encoding: Encoding::Identity,
        }
    }

    /// The same response with another status code.
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// The same response with its body sent gzip-compressed.
    pub fn gzip(mut self) -> Self {
        self.encoding = Encoding::Gzip;
        self
    }

    /// The same response with one more header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Refuses header names and values that would break the response
    /// framing (CR, LF, an empty or non-token name).
    pub(crate) fn check_headers(&self) -> Result<(), ServerError> {
        for (name, value) in &self.headers {
            let name_ok = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
            let value_ok = !value.contains(['\r', '\n', '\0']);
            if !name_ok || !value_ok {
                return Err(ServerError::BadHeader(format!("{name}: {value}")));
            }
        }
        Ok(())
    }

    /// The value of the first header `name` (case-insensitive).
    pub(crate) fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

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
    /// `text` repeated `times` times, generated while sending.
    Repeat {
        /// The repeated piece.
        text: String,
        /// How many times.
        times: u64,
    },
}

/// One request a scripted URL received, for tests that inspect requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The request target (path and query).
    pub target: String,
    /// The header fields in order, names as sent.
    pub headers: Vec<(String, String)>,
}

impl RecordedRequest {
    /// The value of the first header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_set_status_headers_and_body() {
        let response = Response::json(serde_json::json!({"keys": []}))
            .status(503)
            .header("Retry-After", "5");
        assert_eq!(response.status, 503);
        assert_eq!(response.header_value("retry-after"), Some("5"));
        assert_eq!(Response::empty(204).body, Body::Empty);
        assert_eq!(Response::text("x").status, 200);
    }

    #[test]
    fn headers_that_would_split_the_response_are_refused() {
        assert!(Response::text("")
            .header("x", "a\r\nb: c")
            .check_headers()
            .is_err());
        assert!(Response::text("").header("", "a").check_headers().is_err());
        assert!(Response::text("")
            .header("a b", "c")
            .check_headers()
            .is_err());
        assert!(Response::text("")
            .header("cache-control", "max-age=60")
            .check_headers()
            .is_ok());
    }
}
