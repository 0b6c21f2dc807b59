//! A scripted HTTP(S) server on loopback, standing in for an identity
//! provider's discovery and JWKS endpoints.
//!
//! Every URL a test names (`https://login.example.test/jwks`) gets its own
//! loopback listener (`https://127.0.0.1:<port>/jwks`), because only a
//! whole listener can refuse connections: [`Reply::Refused`] closes that
//! URL's listener, serving it again binds the same port again. A URL that
//! was mapped but never served is refused too (its port is reserved by
//! asking the kernel for a free one; nothing listens there).
//!
//! `https` URLs are served over TLS with a certificate for `127.0.0.1`,
//! `::1` and `localhost` issued by a CA generated for this server
//! ([`ScriptedServer::ca_pem`]); `http` URLs are served plainly. Every
//! response closes its connection. When a JSON body's top-level `jwks_uri`
//! or a `Location` header names a URL on an origin the server knows, the
//! client receives the loopback URL instead (registering it if new, so a
//! path nobody served is refused).
//!
//! Threads: one accept thread per listening URL and one per connection (at
//! most 64 at once). Dropping the server closes every listener and waits
//! for every connection thread.

mod body;
mod connection;
mod encoding;
mod error;
mod http;
mod listener;
mod reply;
mod request;
mod state;
mod tls;
mod url;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

pub use body::Body;
pub use encoding::{Encoding, MAX_GZIP_BODY_BYTES};
pub use error::ServerError;
pub use reply::{Framing, Reply, Response};
pub use request::RecordedRequest;
pub use tls::ServerTls;

use state::Shared;

/// A loopback HTTP(S) server whose answers are scripted per URL and can
/// change at any time, from any thread.
///
/// ```
/// use oidc_jwt_verifier_testkit::{Reply, Response, ScriptedServer};
/// use serde_json::json;
/// use std::io::{Read, Write};
/// use std::net::TcpStream;
///
/// let server = ScriptedServer::start()?;
/// server.serve("http://idp.example.test/jwks", Response::json(json!({"keys": []})))?;
/// let url = server.map_url("http://idp.example.test/jwks")?; // http://127.0.0.1:<port>/jwks
///
/// let address = url.trim_start_matches("http://").trim_end_matches("/jwks");
/// let mut stream = TcpStream::connect(address)?;
/// stream.write_all(b"GET /jwks HTTP/1.1\r\nhost: idp.example.test\r\n\r\n")?;
/// let mut answer = String::new();
/// stream.read_to_string(&mut answer)?;
/// assert!(answer.starts_with("HTTP/1.1 200 OK"));
/// assert!(answer.ends_with(r#"{"keys":[]}"#));
/// assert_eq!(server.requests("http://idp.example.test/jwks"), 1);
///
/// server.serve("http://idp.example.test/jwks", Reply::Refused)?;
/// assert!(TcpStream::connect(address).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ScriptedServer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ScriptedServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptedServer")
            .field("request_counts", &self.request_counts())
            .finish_non_exhaustive()
    }
}

impl ScriptedServer {
    /// Generates this run's CA and server certificate; no URL is served yet.
    pub fn start() -> Result<Self, ServerError> {
        Ok(Self::start_with_tls(&ServerTls::generate()?))
    }

    /// A server using a CA and certificate generated once
    /// ([`ServerTls::generate`]) and shared by many servers, so that each
    /// new server costs no key generation; no URL is served yet.
    pub fn start_with_tls(tls: &ServerTls) -> Self {
        Self {
            shared: Arc::new(Shared::new(tls.clone())),
        }
    }

    /// From now on `url` answers `reply`. Starts the URL's listener when
    /// needed; [`Reply::Refused`] closes it and returns once connecting is
    /// refused. Fails for a URL that is not absolute `http(s)`, for headers
    /// that cannot be sent, or when the URL's port cannot be bound again.
    pub fn serve(&self, url: &str, reply: impl Into<Reply>) -> Result<(), ServerError> {
        self.shared.serve(url, reply.into())
    }

    /// Shorthand: `url` answers 200 with `value` as JSON.
    pub fn serve_json(&self, url: &str, value: Value) -> Result<(), ServerError> {
        self.serve(url, Response::json(value))
    }

    /// The loopback URL that stands in for `url`
    /// (`https://login.example.test/jwks` -> `https://127.0.0.1:<port>/jwks`),
    /// the same for the server's whole life. Registers the URL, refused
    /// until served.
    pub fn map_url(&self, url: &str) -> Result<String, ServerError> {
        self.shared.map_url(url)
    }

    /// The URL a loopback URL stands for, normalized (lowercase scheme and
    /// host, no default port); `None` for a port this server never mapped.
    pub fn original_url(&self, mapped: &str) -> Option<String> {
        self.shared.original_url(mapped)
    }

    /// The PEM of the CA that issued the HTTPS certificate: trust it in the
    /// client under test.
    pub fn ca_pem(&self) -> &str {
        self.shared.tls.ca_pem()
    }

    /// How many requests `url` has received, redirect hops and retries
    /// included. A refused connection is no request. While `url` answers
    /// [`Reply::Timeout`], every connection its listener accepts counts as
    /// one request, from the moment it is accepted: each URL has a listener
    /// of its own, so the connection names the URL, and a connection left
    /// unanswered is never reused, so it carries at most that one request.
    /// A client whose request never got written (its TLS handshake outlasted
    /// its own timeout on a loaded machine) is thus counted like one whose
    /// request was read and left unanswered.
    pub fn requests(&self, url: &str) -> u64 {
        self.shared.requests(url)
    }

    /// How many connections `url`'s listener accepted and served (a client
    /// that reuses a connection would make fewer connections than requests;
    /// this server closes every connection after one response).
    pub fn connections(&self, url: &str) -> u64 {
        self.shared.connections(url)
    }

    /// Request counts of every mapped URL, by normalized URL.
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.shared.request_counts()
    }

    /// The last (at most 100) requests `url` received, oldest first.
    pub fn recorded_requests(&self, url: &str) -> Vec<RecordedRequest> {
        self.shared.recorded_requests(url)
    }

    /// Requests that reached a URL's port with another path or query (they
    /// are answered 404 and counted nowhere else).
    pub fn unmatched_requests(&self) -> u64 {
        self.shared.unmatched_requests()
    }

    /// Sets every count to zero and forgets recorded requests.
    pub fn reset_counts(&self) {
        self.shared.reset_counts();
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.shared.shut_down();
    }
}
