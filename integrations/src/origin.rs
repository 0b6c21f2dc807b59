//! [`PublicOrigin`]: the scheme, host and port clients address the service
//! by, from configuration, and the absolute request URI built from it (what
//! a DPoP proof's `htu` is compared with).
//!
//! A server receives only the path of the request line. The host a client
//! names (`Host`, an absolute-form request target, HTTP/2's `:authority`,
//! `X-Forwarded-Host`, `Forwarded`) is chosen by the client, so it is never
//! read: a proof made for another service would otherwise pass here.

use std::sync::Arc;

use oidc_jwt_verifier_async::http_types::uri::{Scheme, Uri};

/// The public origin of the protected service (`https://api.example.com`,
/// `https://api.example.com:8443`): scheme `http` or `https`, a host, an
/// optional port; no user info, path (a lone `/` is taken as none), query
/// or fragment. Checked when it is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicOrigin {
    /// `scheme://authority`, without a trailing `/`.
    origin: Arc<str>,
}

/// Why a text is not a [`PublicOrigin`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginError {
    /// Not an absolute URI with a host.
    NotAbsolute,
    /// A scheme other than `http` or `https`.
    Scheme,
    /// User info (`user@host`) before the host.
    UserInfo,
    /// A port that is not a number.
    Port,
    /// A path other than `/`, a query or a fragment.
    NotAnOrigin,
}

impl OriginError {
    /// A stable identifier of the error.
    pub fn code(self) -> &'static str {
        match self {
            OriginError::NotAbsolute => "not_absolute",
            OriginError::Scheme => "scheme",
            OriginError::UserInfo => "user_info",
            OriginError::Port => "port",
            OriginError::NotAnOrigin => "not_an_origin",
        }
    }
}

impl std::fmt::Display for OriginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reason = match self {
            OriginError::NotAbsolute => "not an absolute URI with a host",
            OriginError::Scheme => "the scheme is not http or https",
            OriginError::UserInfo => "an origin has no user info",
            OriginError::Port => "the port is not a number",
            OriginError::NotAnOrigin => "an origin has no path, query or fragment",
        };
        write!(f, "invalid public origin ({}): {reason}", self.code())
    }
}

impl std::error::Error for OriginError {}

impl PublicOrigin {
    /// The origin `text` names, or why it names none.
    ///
    /// ```
    /// use oidc_jwt_verifier_web::{OriginError, PublicOrigin};
    /// assert!(PublicOrigin::new("https://api.example.com").is_ok());
    /// assert!(PublicOrigin::new("https://api.example.com:8443/").is_ok());
    /// assert_eq!(PublicOrigin::new("https://api.example.com/v1"), Err(OriginError::NotAnOrigin));
    /// assert_eq!(PublicOrigin::new("api.example.com"), Err(OriginError::NotAbsolute));
    /// ```
    pub fn new(text: &str) -> Result<Self, OriginError> {
        if text.contains('#') {
            return Err(OriginError::NotAnOrigin);
        }
        let uri: Uri = text.parse().map_err(|_| OriginError::NotAbsolute)?;
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return Err(OriginError::NotAbsolute);
        };
        if *scheme != Scheme::HTTPS && *scheme != Scheme::HTTP {
            return Err(OriginError::Scheme);
        }
        if authority.as_str().contains('@') {
            return Err(OriginError::UserInfo);
        }
        if authority.host().is_empty() {
            return Err(OriginError::NotAbsolute);
        }
        let port = authority.as_str().strip_prefix(authority.host());
        if !port.is_some_and(|port| port.is_empty() || is_port(port)) {
            return Err(OriginError::Port);
        }
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() || text.ends_with('?') {
            return Err(OriginError::NotAnOrigin);
        }
        Ok(PublicOrigin {
            origin: Arc::from(format!("{scheme}://{authority}")),
        })
    }

    /// `scheme://authority`, as given (the core compares it normalised).
    pub fn as_str(&self) -> &str {
        &self.origin
    }

    /// The absolute URI of a request whose target has `path_and_query`.
    #[cfg(any(feature = "tower", feature = "actix"))]
    pub(crate) fn target(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.origin)
    }
}

/// `:` and a port number.
fn is_port(text: &str) -> bool {
    text.strip_prefix(':').is_some_and(|digits| {
        !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits.parse::<u16>().is_ok()
    })
}

impl std::str::FromStr for PublicOrigin {
    type Err = OriginError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        PublicOrigin::new(text)
    }
}

/// The target URI the core checks a request's DPoP proof against: the
/// origin's, with the request's path and query; without an origin the path
/// and query alone, a relative URI that no proof's `htu` matches.
#[cfg(any(feature = "tower", feature = "actix"))]
pub(crate) fn request_target(origin: Option<&PublicOrigin>, path_and_query: &str) -> String {
    match origin {
        Some(origin) => origin.target(path_and_query),
        None => path_and_query.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        for good in [
            "https://api.example.com",
            "https://api.example.com/",
            "http://127.0.0.1:8080",
            "https://[::1]:8443",
            "HTTPS://API.example.com",
        ] {
            let origin = PublicOrigin::new(good).unwrap_or_else(|e| panic!("{good}: {e}"));
            assert!(!origin.as_str().ends_with('/'), "{good}");
        }
        for (bad, expected) in [
            ("api.example.com", OriginError::NotAbsolute),
            ("/orders", OriginError::NotAbsolute),
            ("", OriginError::NotAbsolute),
            ("ftp://api.example.com", OriginError::Scheme),
            ("https://user@api.example.com", OriginError::UserInfo),
            ("https://api.example.com:https", OriginError::Port),
            ("https://api.example.com:99999", OriginError::Port),
            ("https://api.example.com:", OriginError::Port),
            ("https://api.example.com/v1", OriginError::NotAnOrigin),
            ("https://api.example.com?x=1", OriginError::NotAnOrigin),
            ("https://api.example.com/?", OriginError::NotAnOrigin),
            ("https://api.example.com#top", OriginError::NotAnOrigin),
        ] {
            assert_eq!(PublicOrigin::new(bad), Err(expected), "{bad}");
        }
    }

    #[test]
    #[cfg(any(feature = "tower", feature = "actix"))]
    fn the_target_is_the_origin_and_the_requests_path() {
        let origin = PublicOrigin::new("https://api.example.com/").unwrap();
        assert_eq!(
            request_target(Some(&origin), "/orders?id=1"),
            "https://api.example.com/orders?id=1"
        );
        assert_eq!(request_target(None, "/orders"), "/orders");
    }
}
