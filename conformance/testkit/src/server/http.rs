//! HTTP/1.1 on one connection: reading a request head, writing a response.
//! Every response closes the connection (`connection: close`).

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use openssl::ssl::SslStream;

use super::request::RecordedRequest;

/// The longest request head read; longer ones are dropped unanswered.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Size of the pieces a repeated body is written in.
const REPEAT_CHUNK_BYTES: usize = 64 * 1024;

/// A plain or TLS connection.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<SslStream<TcpStream>>),
}

impl Stream {
    fn tcp(&mut self) -> &mut TcpStream {
        match self {
            Self::Plain(tcp) => tcp,
            Self::Tls(tls) => tls.get_mut(),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(tcp) => tcp.read(buf),
            Self::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(tcp) => tcp.write(buf),
            Self::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(tcp) => tcp.flush(),
            Self::Tls(tls) => tls.flush(),
        }
    }
}

/// Whether a read error only means "nothing yet" (the poll timeout fired).
pub(crate) fn is_poll_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// Reads one request head (up to the blank line). `None` when the peer
/// closes, errs, sends more than [`MAX_HEAD_BYTES`], or `deadline` passes
/// or `stopping` is set first. The stream must have a short read timeout.
pub(crate) fn read_request_head(
    stream: &mut Stream,
    deadline: Instant,
    stopping: &AtomicBool,
) -> Option<RecordedRequest> {
    let mut head = Vec::new();
    let mut buf = [0_u8; 4096];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        if stopping.load(Ordering::Relaxed) || Instant::now() >= deadline {
            return None;
        }
        match stream.read(&mut buf) {
            Ok(0) => return None,
            Ok(read) => head.extend_from_slice(buf.get(..read)?),
            Err(error) if is_poll_timeout(&error) => continue,
            Err(_) => return None,
        }
        if head.len() > MAX_HEAD_BYTES {
            return None;
        }
    }
    parse_head(&head)
}

/// Method, target and header fields of a request head.
fn parse_head(head: &[u8]) -> Option<RecordedRequest> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers = lines
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    Some(RecordedRequest {
        method,
        target,
        headers,
    })
}

/// A response ready to send: status, headers (complete), body, and how
/// long to wait before sending it.
pub(crate) struct Outgoing {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: OutgoingBody,
    pub(crate) delay: Duration,
}

/// A body as it is sent.
pub(crate) enum OutgoingBody {
    Bytes(Vec<u8>),
    Repeat { text: String, times: u64 },
}

impl OutgoingBody {
    /// The body length, `None` when it does not fit in a `u64`.
    pub(crate) fn len(&self) -> Option<u64> {
        match self {
            Self::Bytes(bytes) => u64::try_from(bytes.len()).ok(),
            Self::Repeat { text, times } => u64::try_from(text.len()).ok()?.checked_mul(*times),
        }
    }
}

/// Writes status line, headers and body.
pub(crate) fn write_response(stream: &mut Stream, response: &Outgoing) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason_phrase(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    match &response.body {
        OutgoingBody::Bytes(bytes) => stream.write_all(bytes)?,
        OutgoingBody::Repeat { text, times } => write_repeated(stream, text, *times)?,
    }
    stream.flush()
}

/// Writes `text` `times` times through one reused buffer of whole pieces.
fn write_repeated(stream: &mut Stream, text: &str, times: u64) -> io::Result<()> {
    if text.is_empty() || times == 0 {
        return Ok(());
    }
    let per_chunk = (REPEAT_CHUNK_BYTES / text.len()).max(1);
    let chunk = text.repeat(per_chunk);
    let per_chunk = u64::try_from(per_chunk).unwrap_or(1);
    let mut left = times;
    while left > 0 {
        let pieces = left.min(per_chunk);
        let bytes = usize::try_from(pieces)
            .ok()
            .and_then(|pieces| pieces.checked_mul(text.len()))
            .and_then(|len| chunk.as_bytes().get(..len))
            .unwrap_or(chunk.as_bytes());
        stream.write_all(bytes)?;
        left -= pieces;
    }
    Ok(())
}

/// Ends the connection politely: TLS close_notify, then our FIN, then
/// waits (bounded) for the client to close so that nothing is reset under
/// its last read.
pub(crate) fn close(mut stream: Stream, linger: Duration) {
    if let Stream::Tls(tls) = &mut stream {
        let _ = tls.shutdown();
    }
    let tcp = stream.tcp();
    let _ = tcp.shutdown(Shutdown::Write);
    let deadline = Instant::now() + linger;
    let mut buf = [0_u8; 1024];
    while Instant::now() < deadline {
        match tcp.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => continue,
            Err(error) if is_poll_timeout(&error) => continue,
            Err(_) => return,
        }
    }
}

/// The reason phrase for common codes, `Status` for the rest.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_method_target_and_headers() {
        let head =
            b"GET /jwks?x=1 HTTP/1.1\r\nHost: a.test\r\nUser-Agent:  ua/1 \r\nbroken\r\n\r\n";
        let request = parse_head(head).unwrap();
        assert_eq!(request.method, "GET");
        assert_eq!(request.target, "/jwks?x=1");
        assert_eq!(request.header("user-agent"), Some("ua/1"));
        assert_eq!(request.headers.len(), 2);
        assert!(parse_head(b"\r\n\r\n").is_none());
    }

    #[test]
    fn body_length_of_repeats_is_checked() {
        let body = OutgoingBody::Repeat {
            text: "ab".into(),
            times: 3,
        };
        assert_eq!(body.len(), Some(6));
        let huge = OutgoingBody::Repeat {
            text: "ab".into(),
            times: u64::MAX,
        };
        assert_eq!(huge.len(), None);
    }

    #[test]
    fn reason_phrases() {
        assert_eq!(reason_phrase(503), "Service Unavailable");
        assert_eq!(reason_phrase(599), "Status");
    }
}
