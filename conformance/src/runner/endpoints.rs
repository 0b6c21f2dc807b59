//! The `serve` table played without sockets, the way a driver would meet
//! it: exact URLs, redirects followed under the core's rule, bodies read to
//! one byte past the limit, every request counted that a server would
//! have received (a refused connection reaches no server: it is not
//! counted; a request left unanswered is).

use std::collections::HashMap;

use oidc_jwt_verifier_core::{FetchRequest, HttpResponse, TransportFailure};

use crate::case::{Reply, Response, Serve};

/// Scripted endpoints and the requests they received.
#[derive(Debug, Default)]
pub(crate) struct Endpoints {
    replies: HashMap<String, Reply>,
    counts: HashMap<String, u64>,
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
    /// `Location` is followed where [`FetchRequest::hops`] allows it (each
    /// hop is a request to its own URL) and is a
    /// [`TransportFailure::Redirect`] where it does not.
    pub(crate) fn perform(
        &mut self,
        request: &FetchRequest,
    ) -> Result<HttpResponse, TransportFailure> {
        let mut hops = request.hops();
        loop {
            let url = hops.url();
            let response = match self.replies.get(url) {
                None | Some(Reply::Refused) => return Err(TransportFailure::Refused),
                Some(Reply::Timeout) => {
                    *self.counts.entry(url.to_owned()).or_default() += 1;
                    return Err(TransportFailure::Timeout);
                }
                Some(Reply::Respond(response)) => response,
            };
            *self.counts.entry(url.to_owned()).or_default() += 1;
            match response.redirect_location() {
                Some(location) => hops.redirect(location)?,
                None => return Ok(http_response(response, request.max_body_bytes())),
            }
        }
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
