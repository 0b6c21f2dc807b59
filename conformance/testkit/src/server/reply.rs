//! What an endpoint answers: the script entries.

use std::time::Duration;

use serde_json::Value;

use super::body::Body;
use super::encoding::{gzip, gzip_repeat, Encoding};
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
    /// Each accepted connection counts as one request, whether or not its
    /// request arrived (see [`ScriptedServer::requests`]).
    ///
    /// [`ScriptedServer::requests`]: super::ScriptedServer::requests
    Timeout,
}

impl From<Response> for Reply {
    fn from(response: Response) -> Self {
        Self::Respond(response)
    }
}

/// How the client learns where a response body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Framing {
    /// A `content-length` header (unless the script gives one itself).
    #[default]
    ContentLength,
    /// No `content-length`: the body ends when the server closes the
    /// connection (HTTP/1.1 with `connection: close`), so a client cannot
    /// know its size before reading it.
    UntilClose,
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
    /// How the end of the body is marked.
    pub framing: Framing,
    /// How long the server waits after reading the request before it
    /// answers (a slow identity provider); zero by default.
    pub delay: Duration,
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

    /// `status` (301, 302, 303, 307 or 308) to `location`, with no body.
    pub fn redirect(status: u16, location: impl Into<String>) -> Self {
        Self::empty(status).header("location", location)
    }

    /// 200 with `body`.
    pub fn with_body(body: Body) -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            body,
            encoding: Encoding::Identity,
            framing: Framing::ContentLength,
            delay: Duration::ZERO,
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

    /// The same response sent `delay` after the request was read.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The same response without `content-length`: its body ends when the
    /// connection closes ([`Framing::UntilClose`]).
    pub fn until_close(mut self) -> Self {
        self.framing = Framing::UntilClose;
        self
    }

    /// The value of the first header `name` (case-insensitive).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The `content-type` the server sends: the one given, else
    /// `application/json` for a JSON body.
    pub fn content_type(&self) -> Option<&str> {
        self.header_value("content-type").or(match self.body {
            Body::Json(_) => Some("application/json"),
            _ => None,
        })
    }

    /// Where a client that follows redirects goes next: the `Location` of a
    /// 301, 302, 303, 307 or 308 (as written, before any rewriting).
    pub fn redirect_location(&self) -> Option<&str> {
        match self.status {
            301 | 302 | 303 | 307 | 308 => self.header_value("location"),
            _ => None,
        }
    }

    /// The body as it comes off the wire (gzip-compressed when the
    /// response says so), at most `limit` bytes of it: what a client
    /// reading at most `limit` bytes receives. Nothing is rewritten (the
    /// server's loopback URLs are its own business).
    pub fn wire_body(&self, limit: usize) -> Vec<u8> {
        match (self.encoding, &self.body) {
            (Encoding::Identity, body) => body.bytes_up_to(limit),
            (Encoding::Gzip, Body::Repeat { text, times }) => {
                gzip_repeat(text.as_bytes(), *times, limit)
            }
            (Encoding::Gzip, body) => gzip(&body.bytes_up_to(usize::MAX), limit),
        }
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
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use flate2::read::GzDecoder;

    use super::*;

    #[test]
    fn builders_set_status_headers_body_delay_and_framing() {
        let response = Response::json(serde_json::json!({"keys": []}))
            .status(503)
            .header("Retry-After", "5")
            .delayed(Duration::from_millis(20))
            .until_close();
        assert_eq!(response.status, 503);
        assert_eq!(response.header_value("retry-after"), Some("5"));
        assert_eq!(response.delay, Duration::from_millis(20));
        assert_eq!(response.framing, Framing::UntilClose);
        assert_eq!(Response::empty(204).body, Body::Empty);
        assert_eq!(Response::text("x").status, 200);
        assert_eq!(Response::text("x").framing, Framing::ContentLength);
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

    #[test]
    fn redirects_need_a_redirect_status_and_a_location() {
        assert_eq!(
            Response::redirect(302, "/next").redirect_location(),
            Some("/next")
        );
        assert_eq!(Response::empty(302).redirect_location(), None);
        let not_modified = Response::empty(304).header("location", "/x");
        assert_eq!(not_modified.redirect_location(), None);
        let ok = Response::text("").header("Location", "/x");
        assert_eq!(ok.redirect_location(), None);
    }

    #[test]
    fn content_type_is_the_given_one_or_json_for_a_json_body() {
        assert_eq!(
            Response::json(Value::Null).content_type(),
            Some("application/json")
        );
        let typed = Response::json(Value::Null).header("Content-Type", "application/jwk-set+json");
        assert_eq!(typed.content_type(), Some("application/jwk-set+json"));
        assert_eq!(Response::text("x").content_type(), None);
    }

    #[test]
    fn the_wire_body_is_cut_at_the_limit_and_gzipped_when_asked() {
        assert_eq!(Response::repeat("ab", 10).wire_body(5), b"ababa");
        let gzipped = Response::json(serde_json::json!({"keys": []})).gzip();
        let mut plain = Vec::new();
        GzDecoder::new(&gzipped.wire_body(usize::MAX)[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, br#"{"keys":[]}"#);
        assert_eq!(
            Response::repeat("x", 100_000).gzip().wire_body(10).len(),
            10
        );
    }
}
