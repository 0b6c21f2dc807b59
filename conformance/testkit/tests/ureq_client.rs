//! The scripted server seen by ureq with native-tls, the blocking driver's
//! HTTP client: trust through the run's CA, redirects, timeouts, refusals.

use std::time::{Duration, Instant};

use oidc_jwt_verifier_testkit::{Reply, Response, ScriptedServer};
use serde_json::json;
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};

/// An agent trusting the run's CA. Exchanges that must succeed get a
/// generous timeout (a loaded machine may take a while for a TLS handshake);
/// the one that checks timeouts gives its own.
fn agent(server: &ScriptedServer) -> ureq::Agent {
    agent_with_timeout(server, Duration::from_secs(20))
}

fn agent_with_timeout(server: &ScriptedServer, timeout: Duration) -> ureq::Agent {
    let ca = Certificate::from_pem(server.ca_pem().as_bytes()).unwrap();
    let tls = TlsConfig::builder()
        .provider(TlsProvider::NativeTls)
        .root_certs(RootCerts::new_with_certs(&[ca]))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(3)
        .build()
        .into()
}

const JWKS: &str = "https://login.example.test/.well-known/jwks.json";

#[test]
fn ureq_fetches_json_over_tls_trusting_the_run_ca() {
    let server = ScriptedServer::start().unwrap();
    server
        .serve(
            JWKS,
            Response::json(json!({"keys": []})).header("cache-control", "max-age=60"),
        )
        .unwrap();
    let agent = agent(&server);
    for _ in 0..2 {
        let mut response = agent.get(server.map_url(JWKS).unwrap()).call().unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "max-age=60");
        let body = response.body_mut().read_to_string().unwrap();
        assert_eq!(body, r#"{"keys":[]}"#);
    }
    assert_eq!(server.requests(JWKS), 2);
}

#[test]
fn ureq_follows_a_rewritten_redirect_and_both_urls_count() {
    let server = ScriptedServer::start().unwrap();
    let moved = "https://login.example.test/keys";
    server
        .serve(JWKS, Response::empty(302).header("location", moved))
        .unwrap();
    server
        .serve_json(moved, json!({"keys": ["moved"]}))
        .unwrap();
    let mut response = agent(&server)
        .get(server.map_url(JWKS).unwrap())
        .call()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.body_mut().read_to_string().unwrap(),
        r#"{"keys":["moved"]}"#
    );
    assert_eq!((server.requests(JWKS), server.requests(moved)), (1, 1));
}

#[test]
fn ureq_sees_refusals_and_timeouts() {
    let server = ScriptedServer::start().unwrap();
    let agent = agent_with_timeout(&server, Duration::from_millis(700));
    let url = server.map_url(JWKS).unwrap();
    assert!(matches!(
        agent.get(&url).call(),
        Err(ureq::Error::Io(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused
    ));
    server.serve(JWKS, Reply::Timeout).unwrap();
    let started = Instant::now();
    assert!(matches!(
        agent.get(&url).call(),
        Err(ureq::Error::Timeout(_))
    ));
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_eq!(server.requests(JWKS), 1);
}
