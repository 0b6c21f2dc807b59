//! The `serve` table played without sockets, the way a driver would meet
//! it: exact URLs, every hop judged by the core, bodies sent as a server
//! sends them (gzip-compressed when the case says so) and read to one byte
//! past the limit, every request counted that a server would have received
//! (a refused connection reaches no server: it is not counted; a request
//! left unanswered is).

use std::collections::HashMap;

use oidc_jwt_verifier_core::http_types::{HeaderMap, HeaderName, HeaderValue};
use oidc_jwt_verifier_core::{FetchRequest, Hop, HttpResponse, TransportFailure, TransportKind};

use crate::case::{Encoding, Reply, Response, Serve};

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
    /// refuses the connection; each response goes to [`Hops::judge`]
    /// (each hop is a request to its own URL), and the final one is read.
    ///
    /// [`Hops::judge`]: oidc_jwt_verifier_core::Hops::judge
    pub(crate) fn perform(
        &mut self,
        request: &FetchRequest,
    ) -> Result<HttpResponse, TransportFailure> {
        let mut hops = request.hops();
        loop {
            let url = hops.url();
            let response = match self.replies.get(url) {
                None | Some(Reply::Refused) => return Err(TransportKind::Refused.into()),
                Some(Reply::Timeout) => {
                    *self.counts.entry(url.to_owned()).or_default() += 1;
                    return Err(TransportKind::Timeout.into());
                }
                Some(Reply::Respond(response)) => response,
            };
            *self.counts.entry(url.to_owned()).or_default() += 1;
            let headers = header_map(response);
            match hops.judge(response.status, &headers) {
                Hop::Follow => {}
                Hop::Refuse(refused) => return Err(refused),
                Hop::ReadBody => {
                    let body = response.wire_body(request.max_body_bytes().saturating_add(1));
                    return Ok(HttpResponse {
                        status: response.status,
                        headers,
                        body,
                    });
                }
            }
        }
    }
}

/// The response's header fields as a server sends them: the case's own
/// (checked by the case reader), and `content-encoding` for a gzip body.
fn header_map(response: &Response) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in &response.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    if response.encoding == Encoding::Gzip {
        headers.insert("content-encoding", HeaderValue::from_static("gzip"));
    }
    headers
}
