//! Redirects (rule 9): which responses are redirects, where they lead, and
//! which are refused. A driver asks [`Hops::judge`] about every response
//! and does what it says.

use http::header::LOCATION;
use http::HeaderMap;

use crate::http::{FetchRequest, TransportFailure, TransportKind, MAX_REDIRECTS};
use crate::url::HttpUrl;

/// Where one [`FetchRequest`] is, redirect after redirect.
#[derive(Debug, Clone)]
pub struct Hops<'r> {
    request: &'r FetchRequest,
    url: String,
    followed: usize,
}

/// What to do with the response to one hop.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Hop {
    /// A redirect the rule allows: GET [`Hops::url`], which now names its
    /// target (the body of this response is not needed).
    Follow,
    /// The final response: read its body (up to
    /// [`FetchRequest::max_body_bytes`] plus one bytes) and hand it to
    /// [`FetchRequest::read`].
    ReadBody,
    /// A redirect that must not be followed: the request ends with this
    /// failure (hand it to [`FetchRequest::read`]).
    Refuse(TransportFailure),
}

impl FetchRequest {
    /// The request hop by hop: GET [`Hops::url`] with [`headers`](Self::headers),
    /// then let [`Hops::judge`] say what the response means. The number of
    /// hops is bounded by the core ([`MAX_REDIRECTS`]).
    pub fn hops(&self) -> Hops<'_> {
        Hops {
            request: self,
            url: self.url.clone(),
            followed: 0,
        }
    }
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

    /// Judges the response to the current hop from its status and headers.
    ///
    /// A 301, 302, 303, 307 or 308 with a `Location` is a redirect: it is
    /// followed when its target, resolved against the current URL as
    /// RFC 3986 section 5 says, is `https` (or loopback `http` where plain
    /// HTTP is allowed) and fewer than [`MAX_REDIRECTS`] were followed;
    /// otherwise it is refused, as is a `Location` that is not visible
    /// ASCII or several `Location` fields that differ. Any other response,
    /// a redirect status without `Location` included, is final: its status
    /// decides (a 3xx is a non-2xx answer).
    pub fn judge(&mut self, status: u16, headers: &HeaderMap) -> Hop {
        if !matches!(status, 301 | 302 | 303 | 307 | 308) {
            return Hop::ReadBody;
        }
        let mut locations = headers.get_all(LOCATION).iter();
        let Some(location) = locations.next() else {
            return Hop::ReadBody;
        };
        if locations.any(|other| other != location) {
            return refuse("several different Location fields");
        }
        let Ok(location) = location.to_str() else {
            return refuse("a Location that is not visible ASCII");
        };
        match self.target(location) {
            Ok(target) => {
                self.url = target;
                self.followed += 1;
                Hop::Follow
            }
            Err(reason) => refuse(reason),
        }
    }

    /// Where a redirect to `location` leads, or why it is refused.
    fn target(&self, location: &str) -> Result<String, &'static str> {
        if self.followed >= MAX_REDIRECTS {
            return Err("more than 3 redirects");
        }
        let base = HttpUrl::parse(&self.url).ok_or("an unparsable URL")?;
        let mut target = base.resolve(location);
        if let Some(fragment) = target.find('#') {
            target.truncate(fragment); // never sent
        }
        let parsed = HttpUrl::parse(&target).ok_or("a target that is not an http(s) URL")?;
        if parsed.https || (self.request.context.allow_insecure_http && parsed.is_loopback()) {
            Ok(target)
        } else if self.request.context.allow_insecure_http {
            Err("a plain http target that is not loopback")
        } else {
            Err("a plain http target")
        }
    }
}

fn refuse(reason: &'static str) -> Hop {
    Hop::Refuse(TransportFailure::with_error(
        TransportKind::Redirect,
        reason,
    ))
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;
    use crate::http::tests::request;

    fn location(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    fn followed(hops: &mut Hops<'_>, to: &str) -> Option<String> {
        match hops.judge(302, &location(to)) {
            Hop::Follow => Some(hops.url().to_owned()),
            _ => None,
        }
    }

    #[test]
    fn redirects_stay_on_https_and_are_bounded() {
        let r = request("https://a.test/jwks", false);
        let mut hops = r.hops();
        assert!(hops.is_first());
        for (to, url) in [
            ("/1", "https://a.test/1"),
            ("2?v=1#frag", "https://a.test/2?v=1"),
            ("https://b.test/3", "https://b.test/3"),
        ] {
            assert_eq!(followed(&mut hops, to).as_deref(), Some(url));
        }
        assert!(!hops.is_first());
        assert_eq!(
            hops.judge(307, &location("/4")),
            Hop::Refuse(TransportKind::Redirect.into())
        );
        for refused in [
            "http://a.test/",
            "http://127.0.0.1/",
            "ftp://a.test/",
            "http:g",
        ] {
            assert_eq!(followed(&mut r.hops(), refused), None, "{refused}");
        }
    }

    #[test]
    fn relative_query_only_and_dot_segment_locations_are_resolved() {
        let r = request("https://a.test/keys/v1/jwks?x=1", false);
        for (to, url) in [
            ("?v=2", "https://a.test/keys/v1/jwks?v=2"),
            ("../v2/jwks", "https://a.test/keys/v2/jwks"),
            ("./current", "https://a.test/keys/v1/current"),
            ("/a/./b/../c", "https://a.test/a/c"),
            ("//other.test/k", "https://other.test/k"),
        ] {
            assert_eq!(followed(&mut r.hops(), to).as_deref(), Some(url), "{to}");
        }
    }

    #[test]
    fn plain_http_redirects_only_to_loopback_when_allowed() {
        let r = request("http://127.0.0.1:9/a", true);
        assert_eq!(
            followed(&mut r.hops(), "http://localhost:9/b").as_deref(),
            Some("http://localhost:9/b")
        );
        assert_eq!(followed(&mut r.hops(), "http://evil.test/b"), None);
    }

    #[test]
    fn only_redirect_statuses_with_one_location_are_redirects() {
        let r = request("https://a.test/jwks", false);
        for status in [200, 300, 304, 404, 503] {
            assert_eq!(r.hops().judge(status, &location("/x")), Hop::ReadBody);
        }
        for status in [301, 302, 303, 307, 308] {
            assert_eq!(r.hops().judge(status, &HeaderMap::new()), Hop::ReadBody);
            assert_eq!(r.hops().judge(status, &location("/x")), Hop::Follow);
        }
        let mut twice = location("/x");
        twice.append(LOCATION, HeaderValue::from_static("/y"));
        assert_eq!(
            r.hops().judge(302, &twice),
            Hop::Refuse(TransportKind::Redirect.into())
        );
        let mut same = location("/x");
        same.append(LOCATION, HeaderValue::from_static("/x"));
        assert_eq!(r.hops().judge(302, &same), Hop::Follow);
        let opaque = HeaderValue::from_bytes(b"/caf\xc3\xa9").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, opaque);
        assert_eq!(
            r.hops().judge(302, &headers),
            Hop::Refuse(TransportKind::Redirect.into())
        );
    }
}
