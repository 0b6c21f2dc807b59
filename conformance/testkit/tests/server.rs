//! The scripted server, driven through real sockets.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use oidc_jwt_verifier_testkit::{Body, Reply, Response, ScriptedServer, ServerError};
use serde_json::{json, Value};

/// An HTTP answer: status, head text (lowercase), body.
struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// `127.0.0.1:<port>` and the target of a mapped URL.
fn address_and_target(mapped: &str) -> (String, String) {
    let rest = mapped.split_once("://").unwrap().1;
    let slash = rest.find('/').unwrap();
    (rest[..slash].to_owned(), rest[slash..].to_owned())
}

fn tls_connector(ca_pem: &str) -> native_tls::TlsConnector {
    native_tls::TlsConnector::builder()
        .add_root_certificate(native_tls::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap()
}

fn exchange(stream: &mut (impl Read + Write), target: &str) -> io::Result<Answer> {
    let request =
        format!("GET {target} HTTP/1.1\r\nhost: test\r\nuser-agent: server-test/1\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or_else(|| io::Error::other("no head"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| io::Error::other("no status"))?;
    Ok(Answer {
        status,
        head,
        body: raw[split + 4..].to_vec(),
    })
}

/// GETs the loopback stand-in of `url` (TLS trusting the server's CA for
/// `https`), connecting to `host` (an IP or `localhost`).
fn get_via(server: &ScriptedServer, url: &str, host: &str) -> io::Result<Answer> {
    let mapped = server.map_url(url).unwrap();
    let (address, target) = address_and_target(&mapped);
    let mut tcp = TcpStream::connect(&address)?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    if mapped.starts_with("https://") {
        let mut tls = tls_connector(server.ca_pem())
            .connect(host, tcp)
            .map_err(|error| io::Error::other(error.to_string()))?;
        exchange(&mut tls, &target)
    } else {
        exchange(&mut tcp, &target)
    }
}

fn get(server: &ScriptedServer, url: &str) -> io::Result<Answer> {
    get_via(server, url, "127.0.0.1")
}

const JWKS: &str = "https://login.example.test/.well-known/jwks.json";

#[test]
fn serves_json_with_its_content_type_and_counts_requests() {
    let server = ScriptedServer::start().unwrap();
    server.serve_json(JWKS, json!({"keys": []})).unwrap();
    assert_eq!(server.requests(JWKS), 0);
    for expected in 1..=3 {
        let answer = get(&server, JWKS).unwrap();
        assert_eq!(answer.status, 200);
        assert!(answer.head.contains("content-type: application/json"));
        assert!(answer.head.contains("connection: close"));
        assert!(answer.head.contains("content-length: 11"));
        assert_eq!(answer.json(), json!({"keys": []}));
        assert_eq!(server.requests(JWKS), expected);
    }
    // The count is kept under the normalized URL.
    assert_eq!(
        server.requests("HTTPS://LOGIN.example.test:443/.well-known/jwks.json"),
        3
    );
    assert_eq!(server.request_counts().get(JWKS), Some(&3));
    server.reset_counts();
    assert_eq!(server.requests(JWKS), 0);
}

#[test]
fn status_headers_and_raw_bodies_are_sent_as_scripted() {
    let server = ScriptedServer::start().unwrap();
    let url = "http://idp.test/jwks";
    server
        .serve(
            url,
            Response::text("not json")
                .status(503)
                .header("Retry-After", "7")
                .header("Cache-Control", "max-age=60"),
        )
        .unwrap();
    let answer = get(&server, url).unwrap();
    assert_eq!(answer.status, 503);
    assert!(answer.head.starts_with("http/1.1 503 service unavailable"));
    assert!(answer.head.contains("retry-after: 7"));
    assert!(answer.head.contains("cache-control: max-age=60"));
    assert!(!answer.head.contains("content-type"));
    assert_eq!(answer.body, b"not json");

    server
        .serve(url, Response::with_body(Body::Bytes(vec![0xff, 0x00])))
        .unwrap();
    assert_eq!(get(&server, url).unwrap().body, [0xff, 0x00]);
    server.serve(url, Response::empty(204)).unwrap();
    let empty = get(&server, url).unwrap();
    assert_eq!((empty.status, empty.body.len()), (204, 0));
    server
        .serve(
            url,
            Response::json(json!([1])).header("Content-Type", "application/jwk-set+json"),
        )
        .unwrap();
    let typed = get(&server, url).unwrap();
    assert!(typed
        .head
        .contains("content-type: application/jwk-set+json"));
    assert!(!typed.head.contains("content-type: application/json"));
}

#[test]
fn the_script_changes_from_another_thread() {
    let server = Arc::new(ScriptedServer::start().unwrap());
    server.serve_json(JWKS, json!({"version": 1})).unwrap();
    assert_eq!(get(&server, JWKS).unwrap().json(), json!({"version": 1}));
    let writer = Arc::clone(&server);
    thread::spawn(move || writer.serve_json(JWKS, json!({"version": 2})).unwrap())
        .join()
        .unwrap();
    assert_eq!(get(&server, JWKS).unwrap().json(), json!({"version": 2}));
    assert_eq!(server.requests(JWKS), 2);
}

#[test]
fn refused_means_nothing_listens_and_serving_again_reuses_the_port() {
    let server = ScriptedServer::start().unwrap();
    let mapped = server.map_url(JWKS).unwrap();
    let (address, _) = address_and_target(&mapped);
    let refused = |address: &str| {
        TcpStream::connect(address).map(|_| ()).unwrap_err().kind()
            == io::ErrorKind::ConnectionRefused
    };
    assert!(refused(&address), "mapped but never served");

    server.serve_json(JWKS, json!({"keys": []})).unwrap();
    assert_eq!(server.map_url(JWKS).unwrap(), mapped, "mapping is stable");
    assert_eq!(get(&server, JWKS).unwrap().status, 200);

    server.serve(JWKS, Reply::Refused).unwrap();
    assert!(refused(&address));
    assert!(get(&server, JWKS).is_err());

    server.serve_json(JWKS, json!({"back": true})).unwrap();
    assert_eq!(server.map_url(JWKS).unwrap(), mapped);
    assert_eq!(get(&server, JWKS).unwrap().json(), json!({"back": true}));
    assert_eq!(
        server.requests(JWKS),
        2,
        "refused connections are not requests"
    );
}

#[test]
fn timeout_accepts_reads_and_never_answers() {
    let server = ScriptedServer::start().unwrap();
    let url = "http://idp.test/slow";
    server.serve(url, Reply::Timeout).unwrap();
    let (address, target) = address_and_target(&server.map_url(url).unwrap());
    let mut tcp = TcpStream::connect(&address).unwrap();
    tcp.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    tcp.write_all(format!("GET {target} HTTP/1.1\r\n\r\n").as_bytes())
        .unwrap();
    let started = Instant::now();
    let error = tcp.read(&mut [0; 16]).unwrap_err();
    assert!(matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    ));
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!(server.requests(url), 1, "the request was read");
}

#[test]
fn timeout_over_tls_fires_after_the_handshake() {
    let server = ScriptedServer::start().unwrap();
    server.serve(JWKS, Reply::Timeout).unwrap();
    let (address, target) = address_and_target(&server.map_url(JWKS).unwrap());
    let tcp = TcpStream::connect(&address).unwrap();
    tcp.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut tls = tls_connector(server.ca_pem())
        .connect("127.0.0.1", tcp)
        .unwrap();
    tls.write_all(format!("GET {target} HTTP/1.1\r\n\r\n").as_bytes())
        .unwrap();
    let error = tls.read(&mut [0; 16]).unwrap_err();
    assert!(matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    ));
}

/// Waits until `count()` reaches `expected` (the server counts on its own
/// threads), at most five seconds.
fn eventually(expected: u64, count: impl Fn() -> u64) -> u64 {
    let until = Instant::now() + Duration::from_secs(5);
    while count() < expected && Instant::now() < until {
        thread::sleep(Duration::from_millis(5));
    }
    count()
}

#[test]
fn a_timed_out_url_counts_each_connection_as_its_request() {
    let server = ScriptedServer::start().unwrap();
    server.serve(JWKS, Reply::Timeout).unwrap();
    let (address, target) = address_and_target(&server.map_url(JWKS).unwrap());

    // A client that gives up before its request is written, as one whose
    // TLS handshake outlasts its timeout on a loaded machine does.
    drop(TcpStream::connect(&address).unwrap());
    assert_eq!(eventually(1, || server.requests(JWKS)), 1);

    // One whose request arrives is still one request, not two.
    let tcp = TcpStream::connect(&address).unwrap();
    tcp.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut tls = tls_connector(server.ca_pem())
        .connect("127.0.0.1", tcp)
        .unwrap();
    tls.write_all(format!("GET {target} HTTP/1.1\r\n\r\n").as_bytes())
        .unwrap();
    assert!(tls.read(&mut [0; 16]).is_err(), "never answered");
    assert_eq!(
        eventually(1, || server.recorded_requests(JWKS).len() as u64),
        1
    );
    assert_eq!(server.requests(JWKS), 2);
    assert_eq!(server.connections(JWKS), 2);

    // A URL that answers counts requests, not connections.
    server.serve_json(JWKS, json!({"keys": []})).unwrap();
    drop(TcpStream::connect(&address).unwrap());
    assert_eq!(eventually(3, || server.connections(JWKS)), 3);
    assert_eq!(get(&server, JWKS).unwrap().status, 200);
    assert_eq!((server.requests(JWKS), server.connections(JWKS)), (3, 4));
}

#[test]
fn tls_is_trusted_only_through_the_generated_ca() {
    let server = ScriptedServer::start().unwrap();
    server.serve_json(JWKS, json!({"keys": []})).unwrap();
    assert!(server.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(get_via(&server, JWKS, "127.0.0.1").unwrap().status, 200);
    assert_eq!(get_via(&server, JWKS, "localhost").unwrap().status, 200);
    assert!(
        get_via(&server, JWKS, "login.example.test").is_err(),
        "name not in the certificate"
    );

    let (address, _) = address_and_target(&server.map_url(JWKS).unwrap());
    let untrusting = native_tls::TlsConnector::new().unwrap();
    let tcp = TcpStream::connect(&address).unwrap();
    assert!(untrusting.connect("127.0.0.1", tcp).is_err());

    let other = ScriptedServer::start().unwrap();
    assert_ne!(other.ca_pem(), server.ca_pem(), "a CA per server");
}

#[test]
fn http_and_https_urls_are_separate_listeners() {
    let server = ScriptedServer::start().unwrap();
    server
        .serve_json("http://a.test/k", json!("plain"))
        .unwrap();
    server.serve_json("https://a.test/k", json!("tls")).unwrap();
    assert_ne!(
        server.map_url("http://a.test/k").unwrap().split(':').nth(2),
        server
            .map_url("https://a.test/k")
            .unwrap()
            .split(':')
            .nth(2)
    );
    assert_eq!(
        get(&server, "http://a.test/k").unwrap().json(),
        json!("plain")
    );
    assert_eq!(
        get(&server, "https://a.test/k").unwrap().json(),
        json!("tls")
    );
    // Plain HTTP to the TLS listener gets no HTTP answer.
    let (address, target) = address_and_target(&server.map_url("https://a.test/k").unwrap());
    let mut tcp = TcpStream::connect(&address).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert!(exchange(&mut tcp, &target).is_err());
}

#[test]
fn jwks_uri_on_a_known_origin_is_rewritten() {
    let server = ScriptedServer::start().unwrap();
    let discovery = "https://login.example.test/.well-known/openid-configuration";
    server
        .serve_json(
            discovery,
            json!({"issuer": "https://login.example.test/", "jwks_uri": "https://login.example.test/jwks"}),
        )
        .unwrap();
    server
        .serve_json("https://login.example.test/jwks", json!({"keys": []}))
        .unwrap();
    let document = get(&server, discovery).unwrap().json();
    assert_eq!(
        document["jwks_uri"],
        server.map_url("https://login.example.test/jwks").unwrap()
    );
    assert_eq!(
        document["issuer"], "https://login.example.test/",
        "issuer untouched"
    );
    let jwks_uri = document["jwks_uri"].as_str().unwrap();
    assert_eq!(
        server.original_url(jwks_uri).as_deref(),
        Some("https://login.example.test/jwks")
    );
}

#[test]
fn jwks_uri_on_a_known_origin_but_unknown_path_is_refused() {
    let server = ScriptedServer::start().unwrap();
    let discovery = "https://login.example.test/.well-known/openid-configuration";
    server
        .serve_json(
            discovery,
            json!({"jwks_uri": "https://login.example.test/nowhere"}),
        )
        .unwrap();
    let document = get(&server, discovery).unwrap().json();
    let mapped = document["jwks_uri"].as_str().unwrap();
    assert!(mapped.starts_with("https://127.0.0.1:"));
    assert!(mapped.ends_with("/nowhere"));
    let (address, _) = address_and_target(mapped);
    assert_eq!(
        TcpStream::connect(address).unwrap_err().kind(),
        io::ErrorKind::ConnectionRefused
    );
}

#[test]
fn jwks_uri_on_an_unknown_origin_or_nested_is_left_alone() {
    let server = ScriptedServer::start().unwrap();
    let discovery = "https://login.example.test/.well-known/openid-configuration";
    let body = json!({
        "jwks_uri": "https://elsewhere.test/jwks",
        "nested": {"jwks_uri": "https://login.example.test/jwks"},
    });
    server.serve_json(discovery, body.clone()).unwrap();
    assert_eq!(get(&server, discovery).unwrap().json(), body);
    server
        .serve_json(
            discovery,
            json!({"jwks_uri": "http://login.example.test/jwks"}),
        )
        .unwrap();
    assert_eq!(
        get(&server, discovery).unwrap().json()["jwks_uri"],
        "http://login.example.test/jwks",
        "another scheme is another origin"
    );
}

#[test]
fn location_headers_naming_a_known_origin_are_rewritten() {
    let server = ScriptedServer::start().unwrap();
    let from = "https://login.example.test/jwks";
    server
        .serve(
            from,
            Response::empty(302).header("Location", "https://login.example.test/moved"),
        )
        .unwrap();
    let answer = get(&server, from).unwrap();
    let moved = server.map_url("https://login.example.test/moved").unwrap();
    assert!(
        answer.head.contains(&format!("location: {moved}")),
        "{}",
        answer.head
    );

    server
        .serve(
            from,
            Response::empty(307).header("location", "/relative?x=1"),
        )
        .unwrap();
    let relative = server
        .map_url("https://login.example.test/relative?x=1")
        .unwrap();
    assert!(get(&server, from)
        .unwrap()
        .head
        .contains(&format!("location: {relative}")));

    server
        .serve(
            from,
            Response::empty(301).header("location", "https://other.test/x"),
        )
        .unwrap();
    assert!(get(&server, from)
        .unwrap()
        .head
        .contains("location: https://other.test/x"));
}

#[test]
fn repeated_bodies_are_streamed_with_their_full_length() {
    let server = ScriptedServer::start().unwrap();
    let url = "http://idp.test/huge";
    server
        .serve(url, Response::repeat("0123456789", 200_000))
        .unwrap();
    let answer = get(&server, url).unwrap();
    assert!(answer.head.contains("content-length: 2000000"));
    assert_eq!(answer.body.len(), 2_000_000);
    assert!(answer.body.chunks(10).all(|piece| piece == b"0123456789"));
}

#[test]
fn a_client_that_stops_reading_a_huge_body_does_not_block_the_server() {
    let server = ScriptedServer::start().unwrap();
    let url = "http://idp.test/endless";
    server
        .serve(url, Response::repeat("x", u64::MAX / 2))
        .unwrap();
    let (address, target) = address_and_target(&server.map_url(url).unwrap());
    let mut tcp = TcpStream::connect(&address).unwrap();
    tcp.write_all(format!("GET {target} HTTP/1.1\r\n\r\n").as_bytes())
        .unwrap();
    let mut first = [0_u8; 4096];
    tcp.read_exact(&mut first).unwrap();
    drop(tcp);
    server.serve_json(url, json!("small")).unwrap();
    assert_eq!(get(&server, url).unwrap().json(), json!("small"));
}

#[test]
fn other_paths_on_a_urls_port_get_404_and_count_as_unmatched() {
    let server = ScriptedServer::start().unwrap();
    server.serve_json(JWKS, json!({})).unwrap();
    let (address, _) = address_and_target(&server.map_url(JWKS).unwrap());
    let tcp = TcpStream::connect(&address).unwrap();
    let mut tls = tls_connector(server.ca_pem())
        .connect("127.0.0.1", tcp)
        .unwrap();
    let answer = exchange(&mut tls, "/.well-known/jwks.json?x").unwrap();
    assert_eq!(answer.status, 404);
    assert_eq!(server.unmatched_requests(), 1);
    assert_eq!(server.requests(JWKS), 0);
}

#[test]
fn requests_are_recorded_with_their_headers() {
    let server = ScriptedServer::start().unwrap();
    server.serve_json(JWKS, json!({})).unwrap();
    get(&server, JWKS).unwrap();
    let recorded = server.recorded_requests(JWKS);
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].method, "GET");
    assert_eq!(recorded[0].target, "/.well-known/jwks.json");
    assert_eq!(recorded[0].header("User-Agent"), Some("server-test/1"));
}

#[test]
fn mapping_is_one_port_per_url_and_reversible() {
    let server = ScriptedServer::start().unwrap();
    let a = server.map_url("https://login.example.test/a").unwrap();
    let b = server.map_url("https://login.example.test/b").unwrap();
    assert_ne!(address_and_target(&a).0, address_and_target(&b).0);
    assert_eq!(
        server.map_url("https://LOGIN.example.test:443/a").unwrap(),
        a
    );
    assert_eq!(
        server.original_url(&a).as_deref(),
        Some("https://login.example.test/a")
    );
    assert_eq!(server.original_url("https://127.0.0.1:1/a"), None);
    assert_eq!(server.original_url("https://example.test/a"), None);
}

#[test]
fn bad_urls_and_headers_are_refused() {
    let server = ScriptedServer::start().unwrap();
    assert!(matches!(
        server.map_url("ftp://x.test/"),
        Err(ServerError::BadUrl(_))
    ));
    assert!(matches!(
        server.serve("not a url", Reply::Timeout),
        Err(ServerError::BadUrl(_))
    ));
    assert!(matches!(
        server.serve(JWKS, Response::text("").header("x", "a\nb")),
        Err(ServerError::BadHeader(_))
    ));
}

#[test]
fn dropping_the_server_closes_listeners_and_held_connections() {
    let server = ScriptedServer::start().unwrap();
    let url = "http://idp.test/held";
    server.serve(url, Reply::Timeout).unwrap();
    let (address, target) = address_and_target(&server.map_url(url).unwrap());
    let mut tcp = TcpStream::connect(&address).unwrap();
    tcp.write_all(format!("GET {target} HTTP/1.1\r\n\r\n").as_bytes())
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.requests(url) == 0 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    drop(server);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    match tcp.read(&mut [0; 8]) {
        Ok(read) => assert_eq!(read, 0, "held connection closed"),
        Err(error) => assert_eq!(error.kind(), io::ErrorKind::ConnectionReset),
    }
    assert_eq!(
        TcpStream::connect(&address).unwrap_err().kind(),
        io::ErrorKind::ConnectionRefused
    );
}

#[test]
fn at_most_64_connections_are_served_at_once() {
    let server = ScriptedServer::start().unwrap();
    let url = "http://idp.test/held";
    server.serve(url, Reply::Timeout).unwrap();
    let (address, target) = address_and_target(&server.map_url(url).unwrap());
    let request = format!("GET {target} HTTP/1.1\r\n\r\n");
    let held: Vec<TcpStream> = (0..64)
        .map(|_| {
            let mut tcp = TcpStream::connect(&address).unwrap();
            tcp.write_all(request.as_bytes()).unwrap();
            tcp
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.requests(url) < 64 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(server.requests(url), 64);
    let mut extra = TcpStream::connect(&address).unwrap();
    extra
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = extra.write_all(request.as_bytes());
    match extra.read(&mut [0; 8]) {
        Ok(read) => assert_eq!(read, 0, "the 65th connection is closed at once"),
        Err(error) => assert_eq!(error.kind(), io::ErrorKind::ConnectionReset),
    }
    assert_eq!(server.requests(url), 64);
    drop(held);
}

#[test]
fn only_the_last_100_requests_are_recorded() {
    let server = ScriptedServer::start().unwrap();
    let url = "http://idp.test/many";
    server.serve_json(url, json!(1)).unwrap();
    for _ in 0..101 {
        get(&server, url).unwrap();
    }
    assert_eq!(server.requests(url), 101);
    assert_eq!(server.recorded_requests(url).len(), 100);
}
