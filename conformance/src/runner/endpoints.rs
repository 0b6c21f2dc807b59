//! The `serve` table played without sockets, the way a driver would meet
//! it: exact URLs, redirects followed under the core's rule, bodies read to
//! one byte past the limit, every request counted.

use std::collections::HashMap;

use oidc_jwt_verifier_core::{FetchRequest, HttpResponse, TransportFailure, MAX_REDIRECTS};

use crate::case::{Reply, Response, Serve};

/// Scripted endpoints and the requests they received.
#[derive(Debug, Default)]
pub(crate) struct Endpoints {
    replies: HashMap<String, Reply>,
    counts: HashMap<String, u64>,
}

/// What performing one [`FetchRequest`] amounted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Exchange {
    /// A final response (not a redirect that was followed).
    Response(HttpResponse),
    /// No response: refused, timed out, or a redirect the core refuses.
    Failure(TransportFailure),
}

impl Endpoints {
    /// Sets what `serve.url` answers from now on.
    pub(crate) fn serve(&mut self, serve: &Serve) {
        self.replies.insert(serve.url.clone(), serve.reply.clone());
    }

    /// Requests `url` has received so far.
    pub(crate) fn fetch_count(&self, url: &str) -> u64 {
        self.counts.get(url).copied().unwrap_or(0)
    }

    /// Performs `request` like a driver: a URL with no `serve` entry
    /// refuses the connection; a 301, 302, 303, 307 or 308 with a
    /// `Location` is followed when [`FetchRequest::redirect_target`] allows
    /// it (each hop is a request to its own URL) and is a
    /// [`TransportFailure::Redirect`] when it does not.
    pub(crate) fn perform(&mut self, request: &FetchRequest) -> Exchange {
        let mut url = request.url().to_owned();
        for followed in 0..=MAX_REDIRECTS {
            *self.counts.entry(url.clone()).or_default() += 1;
            let response = match self.replies.get(&url) {
                None | Some(Reply::Refused) => return Exchange::Failure(TransportFailure::Refused),
                Some(Reply::Timeout) => return Exchange::Failure(TransportFailure::Timeout),
                Some(Reply::Respond(response)) => response,
            };
            let Some(location) = response.redirect_location() else {
                return Exchange::Response(http_response(response, request.max_body_bytes()));
            };
            match request.redirect_target(&url, followed, location) {
                Some(next) => url = next,
                None => return Exchange::Failure(TransportFailure::Redirect),
            }
        }
        Exchange::Failure(TransportFailure::Redirect)
    }
}

/// The response as a driver hands it to the core: the two headers the core
/// reads, and at most `max_body + 1` bytes of body.
fn http_response(response: &Response, max_body: usize) -> HttpResponse {
    HttpResponse {
        status: response.status,
        cache_control: response.header("cache-control").map(str::to_owned),
        retry_after: response.header("retry-after").map(str::to_owned),
        body: response.body.bytes_up_to(max_body.saturating_add(1)),
    }
}
