//! What the core asks a driver to fetch, and what the driver hands back.
//!
//! The core never performs I/O: it emits a [`FetchRequest`], the driver does
//! the HTTP GET and feeds back an [`HttpResponse`] or a [`TransportFailure`]
//! tagged with the request's [`FetchId`].

use std::time::Duration;

use crate::url::HttpUrl;

/// The largest body (JWK Set or discovery document) the core accepts (SPEC.md "Keys").
pub const MAX_BODY_BYTES: usize = 512 * 1024;

/// The most redirects one request may follow (SPEC.md rule 9).
pub const MAX_REDIRECTS: usize = 3;

/// The `User-Agent` drivers send.
pub const USER_AGENT: &str = concat!("oidc-jwt-verifier/", env!("CARGO_PKG_VERSION"));

/// Identifies one outstanding request; its answer must carry the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FetchId(pub(crate) u64);

impl FetchId {
    /// The id as a number (for logs).
    pub fn get(self) -> u64 {
        self.0
    }
}

/// An HTTP GET the driver must perform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRequest {
    pub(crate) id: FetchId,
    pub(crate) url: String,
    pub(crate) timeout: Duration,
    pub(crate) allow_insecure_http: bool,
}

impl FetchRequest {
    /// The id to answer with.
    pub fn id(&self) -> FetchId {
        self.id
    }

    /// The absolute URL to GET (from the configuration or a discovery document, never a token).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Connect timeout, and total timeout of the whole exchange.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Read at most this many bytes of body. A driver may stop reading one
    /// byte past it and hand over what it has: the core then rejects it.
    pub fn max_body_bytes(&self) -> usize {
        MAX_BODY_BYTES
    }

    /// Decides a redirect (SPEC.md rule 9): given the URL just requested, the
    /// number of redirects already followed for this request and the
    /// `Location` value, returns the absolute URL to follow, or `None` when
    /// the redirect must not be followed (too many, another scheme, plain
    /// HTTP where it is not allowed, or an unparsable target).
    pub fn redirect_target(
        &self,
        current: &str,
        followed: usize,
        location: &str,
    ) -> Option<String> {
        if followed >= MAX_REDIRECTS {
            return None;
        }
        let target = HttpUrl::parse(current)?.join(location)?;
        let parsed = HttpUrl::parse(&target)?;
        let allowed = parsed.https || (self.allow_insecure_http && parsed.is_loopback());
        allowed.then_some(target)
    }
}

impl FetchRequest {
    /// The request hop by hop: GET [`Hops::url`]; on a redirect, call
    /// [`Hops::redirect`] with its `Location`, which follows it or refuses it
    /// (SPEC.md rule 9). A driver's loop needs nothing else to stay bounded.
    pub fn hops(&self) -> Hops<'_> {
        Hops {
            request: self,
            url: self.url.clone(),
            followed: 0,
        }
    }
}

/// Where one [`FetchRequest`] is, redirect after redirect.
#[derive(Debug, Clone)]
pub struct Hops<'r> {
    request: &'r FetchRequest,
    url: String,
    followed: usize,
}

impl Hops<'_> {
    /// The URL to GET now.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether this is the request's first hop (no redirect followed yet).
    pub fn is_first(&self) -> bool {
        self.followed == 0
    }

    /// Follows a redirect to `location`, or refuses it with
    /// [`TransportFailure::Redirect`]: past [`MAX_REDIRECTS`], to another
    /// scheme, to plain HTTP where it is not allowed, or unparsable.
    pub fn redirect(&mut self, location: &str) -> Result<(), TransportFailure> {
        let next = self
            .request
            .redirect_target(&self.url, self.followed, location)
            .ok_or(TransportFailure::Redirect)?;
        self.url = next;
        self.followed += 1;
        Ok(())
    }
}

/// An HTTP response as the core needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The `Cache-Control` header (several joined with `", "`), if any.
    pub cache_control: Option<String>,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The body: at most [`FetchRequest::max_body_bytes`] plus one bytes.
    pub body: Vec<u8>,
}

/// A request that produced no HTTP response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportFailure {
    /// The connection was refused (retried at once while attempts remain).
    Refused,
    /// Connect or total timeout (retried at once while attempts remain).
    Timeout,
    /// A redirect that must not be followed (see [`FetchRequest::redirect_target`]).
    Redirect,
    /// Anything else: DNS, TLS, a reset connection, a malformed response.
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(allow_insecure_http: bool) -> FetchRequest {
        FetchRequest {
            id: FetchId(1),
            url: "https://a.test/jwks".into(),
            timeout: Duration::from_secs(3),
            allow_insecure_http,
        }
    }

    #[test]
    fn redirects_stay_on_https_and_are_bounded() {
        let r = request(false);
        assert_eq!(
            r.redirect_target("https://a.test/jwks", 0, "/v2")
                .as_deref(),
            Some("https://a.test/v2")
        );
        assert_eq!(
            r.redirect_target("https://a.test/jwks", 2, "https://b.test/")
                .as_deref(),
            Some("https://b.test/")
        );
        assert_eq!(
            r.redirect_target("https://a.test/jwks", 3, "https://b.test/"),
            None
        );
        assert_eq!(
            r.redirect_target("https://a.test/jwks", 0, "http://127.0.0.1/"),
            None
        );
        assert_eq!(
            r.redirect_target("https://a.test/jwks", 0, "ftp://a.test/"),
            None
        );
    }

    #[test]
    fn hops_follow_at_most_three_redirects() {
        let r = request(false);
        let mut hops = r.hops();
        assert!(hops.is_first());
        assert_eq!(hops.url(), "https://a.test/jwks");
        for (location, url) in [
            ("/1", "https://a.test/1"),
            ("2", "https://a.test/2"),
            ("https://b.test/3", "https://b.test/3"),
        ] {
            assert_eq!(hops.redirect(location), Ok(()));
            assert_eq!(hops.url(), url);
        }
        assert!(!hops.is_first());
        assert_eq!(hops.redirect("/4"), Err(TransportFailure::Redirect));
        assert_eq!(
            r.hops().redirect("http://a.test/"),
            Err(TransportFailure::Redirect)
        );
    }

    #[test]
    fn plain_http_redirects_only_to_loopback_when_allowed() {
        let r = request(true);
        assert!(r
            .redirect_target("http://127.0.0.1:9/a", 0, "http://localhost:9/b")
            .is_some());
        assert_eq!(
            r.redirect_target("http://127.0.0.1:9/a", 0, "http://evil.test/b"),
            None
        );
    }
}
