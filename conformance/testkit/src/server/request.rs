//! A request as a scripted URL received it.

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
