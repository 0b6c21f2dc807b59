//! Serving one accepted connection: TLS handshake, request, scripted answer.

use std::net::TcpStream;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use openssl::ssl::HandshakeError;

use super::http::{self, is_poll_timeout, Stream};
use super::state::{Accepted, Answer, Shared};
use super::url::Scheme;

/// Read timeout of every socket read: how often stop flags are looked at.
const POLL: Duration = Duration::from_millis(50);
/// Longest time a single write may block (a client that stopped reading).
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client has to finish the TLS handshake and send a request head.
const REQUEST_DEADLINE: Duration = Duration::from_secs(10);
/// How long a `timeout` reply holds a connection the client keeps open.
const MAX_HOLD: Duration = Duration::from_secs(300);
/// How long we wait for the client to close after our response.
const LINGER: Duration = Duration::from_secs(1);

/// Serves one connection made to the listener of `url_key`.
pub(crate) fn serve_connection(shared: &Shared, url_key: &str, scheme: Scheme, tcp: TcpStream) {
    let accepted = shared.accept(url_key);
    if accepted == Accepted::Refused
        || tcp.set_read_timeout(Some(POLL)).is_err()
        || tcp.set_write_timeout(Some(WRITE_TIMEOUT)).is_err()
    {
        return;
    }
    let _ = tcp.set_nodelay(true);
    let deadline = Instant::now() + REQUEST_DEADLINE;
    let Some(mut stream) = open_stream(shared, scheme, tcp, deadline) else {
        return;
    };
    let Some(request) = http::read_request_head(&mut stream, deadline, &shared.stopping) else {
        return;
    };
    match shared.answer(url_key, accepted, request) {
        Answer::Respond(outgoing) => {
            if wait(shared, outgoing.delay) && http::write_response(&mut stream, &outgoing).is_ok()
            {
                http::close(stream, LINGER);
            }
        }
        Answer::Hold => hold(shared, stream),
        Answer::Drop => {}
    }
}

/// Sleeps `delay` in steps of [`POLL`]; `false` when the server stops first.
fn wait(shared: &Shared, delay: Duration) -> bool {
    let until = Instant::now() + delay;
    loop {
        if shared.stopping.load(Ordering::Relaxed) {
            return false;
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        thread::sleep(left.min(POLL));
    }
}

/// The plain stream, or the TLS stream once the handshake is done.
fn open_stream(
    shared: &Shared,
    scheme: Scheme,
    tcp: TcpStream,
    deadline: Instant,
) -> Option<Stream> {
    if scheme == Scheme::Http {
        return Some(Stream::Plain(tcp));
    }
    let mut attempt = shared.tls.acceptor().accept(tcp);
    loop {
        match attempt {
            Ok(tls) => return Some(Stream::Tls(Box::new(tls))),
            Err(HandshakeError::WouldBlock(in_progress)) => {
                if shared.stopping.load(Ordering::Relaxed) || Instant::now() >= deadline {
                    return None;
                }
                attempt = in_progress.handshake();
            }
            Err(HandshakeError::SetupFailure(_) | HandshakeError::Failure(_)) => return None,
        }
    }
}

/// Never answers: reads and discards until the client closes, the server
/// stops or [`MAX_HOLD`] passes.
fn hold(shared: &Shared, mut stream: Stream) {
    use std::io::Read;
    let until = Instant::now() + MAX_HOLD;
    let mut buf = [0_u8; 1024];
    while Instant::now() < until && !shared.stopping.load(Ordering::Relaxed) {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => continue,
            Err(error) if is_poll_timeout(&error) => continue,
            Err(_) => return,
        }
    }
}
