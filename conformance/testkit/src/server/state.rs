//! The server's shared state: endpoints, their listeners, counts and the
//! answer each request gets.

use std::collections::{BTreeMap, VecDeque};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::Value;

use super::body::Body;
use super::connection;
use super::encoding::{Encoding, MAX_GZIP_BODY_BYTES};
use super::error::ServerError;
use super::http::{Outgoing, OutgoingBody};
use super::listener::Listener;
use super::reply::{Framing, Reply, Response};
use super::request::RecordedRequest;
use super::tls::ServerTls;
use super::url::{CaseUrl, Scheme};

/// At most this many connections are served at once; more are closed at
/// once.
const MAX_CONNECTIONS: usize = 64;
/// At most this many requests are kept per URL for inspection.
const MAX_RECORDED: usize = 100;
/// How often a fresh port is drawn when the kernel hands out one we use.
const PORT_DRAWS: usize = 64;

/// State shared by the server handle, the accept threads and the
/// connection threads.
pub(crate) struct Shared {
    pub(crate) tls: ServerTls,
    pub(crate) stopping: AtomicBool,
    state: Mutex<State>,
    /// Serializes script changes (which may wait for a listener to stop).
    script: Mutex<()>,
    connections: Mutex<Vec<JoinHandle<()>>>,
    active_connections: AtomicUsize,
}

/// One URL of the case and the loopback port that stands in for it.
struct Endpoint {
    url: CaseUrl,
    port: u16,
    reply: Reply,
    listener: Option<Listener>,
    requests: u64,
    /// Connections accepted and served (not those closed at once for
    /// being over [`MAX_CONNECTIONS`]).
    connections: u64,
    recorded: VecDeque<RecordedRequest>,
}

#[derive(Default)]
struct State {
    /// By normalized original URL.
    endpoints: BTreeMap<String, Endpoint>,
    /// Requests whose target was not the listener's URL.
    unmatched: u64,
}

/// What a connection is, once accepted: whether it already counts as the
/// request it will carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accepted {
    /// Its request is counted once it has been read.
    Uncounted,
    /// The URL answers [`Reply::Timeout`]: the connection counts as its
    /// request from the start, so a client that gives up before its request
    /// is written (a slow TLS handshake) is counted as one that gave up
    /// waiting for the answer.
    CountedAsRequest,
    /// Accepted just before the URL's listener closed: as if refused.
    Refused,
}

/// What a connection does after reading a request.
pub(crate) enum Answer {
    Respond(Outgoing),
    Hold,
    Drop,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(tls: ServerTls) -> Self {
        Self {
            tls,
            stopping: AtomicBool::new(false),
            state: Mutex::new(State::default()),
            script: Mutex::new(()),
            connections: Mutex::new(Vec::new()),
            active_connections: AtomicUsize::new(0),
        }
    }

    /// Sets what `url` answers, starting or stopping its listener.
    pub(crate) fn serve(self: &Arc<Self>, url: &str, reply: Reply) -> Result<(), ServerError> {
        let url = CaseUrl::parse(url)?;
        if let Reply::Respond(response) = &reply {
            response.check_headers()?;
        }
        let _script = lock(&self.script);
        let listening = reply != Reply::Refused;
        let to_stop = {
            let mut state = lock(&self.state);
            let key = state.register(&url)?;
            let Some(endpoint) = state.endpoints.get_mut(&key) else {
                return Err(ServerError::BadUrl(key));
            };
            endpoint.reply = reply;
            if listening && endpoint.listener.is_none() {
                let listener = Listener::start(
                    Arc::downgrade(self),
                    key.clone(),
                    url.origin.scheme,
                    endpoint.port,
                )?;
                endpoint.port = listener.port();
                endpoint.listener = Some(listener);
            }
            if listening {
                None
            } else {
                endpoint.listener.take()
            }
        };
        if let Some(listener) = to_stop {
            listener.stop();
        }
        Ok(())
    }

    /// The loopback URL standing in for `url`, registering it (refused
    /// until served) when new.
    pub(crate) fn map_url(&self, url: &str) -> Result<String, ServerError> {
        let url = CaseUrl::parse(url)?;
        let mut state = lock(&self.state);
        let key = state.register(&url)?;
        let port = state
            .endpoints
            .get(&key)
            .map_or(0, |endpoint| endpoint.port);
        Ok(url.loopback(port))
    }

    /// The case URL a loopback URL stands for (its path and query kept).
    pub(crate) fn original_url(&self, mapped: &str) -> Option<String> {
        let mapped = CaseUrl::parse(mapped).ok()?;
        if mapped.origin.host != "127.0.0.1" {
            return None;
        }
        let state = lock(&self.state);
        state
            .endpoints
            .values()
            .find(|endpoint| {
                endpoint.port == mapped.origin.port
                    && endpoint.url.origin.scheme == mapped.origin.scheme
            })
            .map(|endpoint| endpoint.url.with_target(&mapped.target).key())
    }

    /// Requests `url` has received (0 for a URL never mapped or served).
    pub(crate) fn requests(&self, url: &str) -> u64 {
        self.count(url, |endpoint| endpoint.requests)
    }

    /// Connections `url`'s listener accepted and served.
    pub(crate) fn connections(&self, url: &str) -> u64 {
        self.count(url, |endpoint| endpoint.connections)
    }

    fn count(&self, url: &str, counter: impl Fn(&Endpoint) -> u64) -> u64 {
        let Ok(url) = CaseUrl::parse(url) else {
            return 0;
        };
        let state = lock(&self.state);
        state.endpoints.get(&url.key()).map_or(0, counter)
    }

    /// Request counts of every known URL, by normalized URL.
    pub(crate) fn request_counts(&self) -> BTreeMap<String, u64> {
        let state = lock(&self.state);
        state
            .endpoints
            .iter()
            .map(|(key, endpoint)| (key.clone(), endpoint.requests))
            .collect()
    }

    /// The last requests `url` received, oldest first.
    pub(crate) fn recorded_requests(&self, url: &str) -> Vec<RecordedRequest> {
        let Ok(url) = CaseUrl::parse(url) else {
            return Vec::new();
        };
        let state = lock(&self.state);
        state
            .endpoints
            .get(&url.key())
            .map(|endpoint| endpoint.recorded.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Requests that reached a listener with another target than its URL's.
    pub(crate) fn unmatched_requests(&self) -> u64 {
        lock(&self.state).unmatched
    }

    /// Sets every count to zero and forgets recorded requests.
    pub(crate) fn reset_counts(&self) {
        let mut state = lock(&self.state);
        state.unmatched = 0;
        for endpoint in state.endpoints.values_mut() {
            endpoint.requests = 0;
            endpoint.connections = 0;
            endpoint.recorded.clear();
        }
    }

    /// Counts a connection the listener of `url_key` accepted, and says
    /// whether it already counts as a request.
    pub(crate) fn accept(&self, url_key: &str) -> Accepted {
        let mut state = lock(&self.state);
        let Some(endpoint) = state.endpoints.get_mut(url_key) else {
            return Accepted::Refused;
        };
        match endpoint.reply {
            Reply::Refused => Accepted::Refused,
            Reply::Timeout => {
                endpoint.connections = endpoint.connections.saturating_add(1);
                endpoint.requests = endpoint.requests.saturating_add(1);
                Accepted::CountedAsRequest
            }
            Reply::Respond(_) => {
                endpoint.connections = endpoint.connections.saturating_add(1);
                Accepted::Uncounted
            }
        }
    }

    /// Counts the request (unless its connection already was) and says how
    /// to answer it.
    pub(crate) fn answer(
        &self,
        url_key: &str,
        accepted: Accepted,
        request: RecordedRequest,
    ) -> Answer {
        let mut state = lock(&self.state);
        let Some(endpoint) = state.endpoints.get_mut(url_key) else {
            return Answer::Drop;
        };
        if accepted == Accepted::CountedAsRequest {
            // Counted when accepted: whatever it asks, this is that request.
            endpoint.requests = endpoint.requests.saturating_sub(1);
        }
        if request.target != endpoint.url.target {
            state.unmatched = state.unmatched.saturating_add(1);
            return Answer::Respond(not_scripted());
        }
        if endpoint.reply == Reply::Refused {
            // Accepted just before the listener closed: as if refused.
            return Answer::Drop;
        }
        endpoint.requests = endpoint.requests.saturating_add(1);
        if endpoint.recorded.len() >= MAX_RECORDED {
            endpoint.recorded.pop_front();
        }
        endpoint.recorded.push_back(request);
        let url = endpoint.url.clone();
        match endpoint.reply.clone() {
            Reply::Refused => Answer::Drop,
            Reply::Timeout => Answer::Hold,
            Reply::Respond(response) => Answer::Respond(state.outgoing(response, &url)),
        }
    }

    /// Hands a connection to a new thread, or closes it when
    /// [`MAX_CONNECTIONS`] are being served.
    pub(crate) fn spawn_connection(
        shared: &Arc<Self>,
        url_key: &str,
        scheme: Scheme,
        tcp: TcpStream,
    ) {
        if shared.stopping.load(Ordering::SeqCst)
            || shared.active_connections.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS
        {
            shared.active_connections.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        let worker = Arc::clone(shared);
        let url_key = url_key.to_owned();
        let spawned = thread::Builder::new()
            .name("scripted-connection".into())
            .spawn(move || {
                connection::serve_connection(&worker, &url_key, scheme, tcp);
                worker.active_connections.fetch_sub(1, Ordering::SeqCst);
            });
        match spawned {
            Ok(handle) => {
                let mut connections = lock(&shared.connections);
                connections.retain(|handle| !handle.is_finished());
                connections.push(handle);
            }
            Err(_) => {
                shared.active_connections.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }

    /// Stops every listener and waits for every connection thread.
    pub(crate) fn shut_down(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _script = lock(&self.script);
        let listeners: Vec<Listener> = {
            let mut state = lock(&self.state);
            state
                .endpoints
                .values_mut()
                .filter_map(|endpoint| endpoint.listener.take())
                .collect()
        };
        for listener in listeners {
            listener.stop();
        }
        let connections = std::mem::take(&mut *lock(&self.connections));
        for connection in connections {
            let _ = connection.join();
        }
    }
}

impl State {
    /// The key of `url`'s endpoint, creating it (refused, on a reserved
    /// port where nothing listens) when new.
    fn register(&mut self, url: &CaseUrl) -> Result<String, ServerError> {
        let key = url.key();
        if !self.endpoints.contains_key(&key) {
            let port = self.unused_port()?;
            self.endpoints.insert(
                key.clone(),
                Endpoint {
                    url: url.clone(),
                    port,
                    reply: Reply::Refused,
                    listener: None,
                    requests: 0,
                    connections: 0,
                    recorded: VecDeque::new(),
                },
            );
        }
        Ok(key)
    }

    /// A loopback port the kernel just had free and no endpoint uses.
    fn unused_port(&self) -> Result<u16, ServerError> {
        for _ in 0..PORT_DRAWS {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
                .local_addr()?
                .port();
            if self
                .endpoints
                .values()
                .all(|endpoint| endpoint.port != port)
            {
                return Ok(port);
            }
        }
        Err(ServerError::Io(std::io::Error::new(
            std::io::ErrorKind::AddrInUse,
            "no unused loopback port",
        )))
    }

    /// The response as sent: URLs rewritten, JSON serialized, the body
    /// encoded, framing headers added.
    fn outgoing(&mut self, mut response: Response, url: &CaseUrl) -> Outgoing {
        let has_header = |name: &str| response.header_value(name).is_some();
        let (has_content_type, has_length, has_connection) = (
            has_header("content-type"),
            has_header("content-length"),
            has_header("connection"),
        );
        for (name, value) in &mut response.headers {
            if name.eq_ignore_ascii_case("location") {
                if let Some(mapped) = self.rewrite(value, url) {
                    *value = mapped;
                }
            }
        }
        if let Body::Json(value) = &mut response.body {
            self.rewrite_jwks_uri(value, url);
        }
        let mut headers = std::mem::take(&mut response.headers);
        if !has_content_type && matches!(response.body, Body::Json(_)) {
            headers.push(("content-type".into(), "application/json".into()));
        }
        let body = match response.encoding {
            Encoding::Gzip => {
                headers.push(("content-encoding".into(), "gzip".into()));
                OutgoingBody::Bytes(response.wire_body(MAX_GZIP_BODY_BYTES))
            }
            Encoding::Identity => match response.body {
                Body::Repeat { text, times } => OutgoingBody::Repeat { text, times },
                body => OutgoingBody::Bytes(body.bytes_up_to(usize::MAX)),
            },
        };
        let Some(length) = body.len() else {
            return plain_answer(500, "scripted body length overflows");
        };
        if !has_length && response.framing == Framing::ContentLength {
            headers.push(("content-length".into(), length.to_string()));
        }
        if !has_connection {
            headers.push(("connection".into(), "close".into()));
        }
        Outgoing {
            status: response.status,
            headers,
            body,
            delay: response.delay,
        }
    }

    fn rewrite_jwks_uri(&mut self, value: &mut Value, url: &CaseUrl) {
        let Some(Value::String(jwks_uri)) = value.get("jwks_uri") else {
            return;
        };
        if let Some(mapped) = self.rewrite(jwks_uri, url) {
            if let Some(object) = value.as_object_mut() {
                object.insert("jwks_uri".into(), Value::String(mapped));
            }
        }
    }

    /// The loopback URL for `text` when it names a URL on an origin some
    /// endpoint has (an absolute path is taken relative to `base`); `None`
    /// leaves `text` as it is.
    fn rewrite(&mut self, text: &str, base: &CaseUrl) -> Option<String> {
        let target = if text.starts_with('/') && !text.starts_with("//") {
            base.with_target(text)
        } else {
            CaseUrl::parse(text).ok()?
        };
        let known_origin = self
            .endpoints
            .values()
            .any(|endpoint| endpoint.url.origin == target.origin);
        if !known_origin {
            return None;
        }
        let key = self.register(&target).ok()?;
        let port = self.endpoints.get(&key)?.port;
        Some(target.loopback(port))
    }
}

/// The answer to a request whose target is not the listener's URL.
fn not_scripted() -> Outgoing {
    plain_answer(404, "no scripted URL has this path on this port")
}

/// A plain-text answer the server makes up itself.
fn plain_answer(status: u16, text: &str) -> Outgoing {
    Outgoing {
        status,
        headers: vec![
            ("content-length".into(), text.len().to_string()),
            ("connection".into(), "close".into()),
        ],
        body: OutgoingBody::Bytes(text.as_bytes().to_vec()),
        delay: Duration::ZERO,
    }
}
