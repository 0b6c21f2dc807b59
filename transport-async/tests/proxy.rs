//! The async driver through the test kit's loopback `CONNECT` proxy: a
//! proxy only when the builder is asked for one, `https` fetches tunnelled
//! with the proxy's credentials, plain `http` and `NO_PROXY` hosts fetched
//! directly. The environment is read by one test only: it is the process's.

use std::sync::Arc;
use std::time::Instant;

use oidc_jwt_verifier_async::{AsyncJwtVerifier, AuthConfig, ManualClock};
use oidc_jwt_verifier_core::SourceProblem;
use oidc_jwt_verifier_testkit::{
    jwks_of, ConnectProxy, FixedKey, ScriptedServer, TestKey, TokenBuilder,
};
use serde_json::json;

#[path = "../../transport-blocking/tests/support/mod.rs"]
mod support;
use support::*;

const JWKS: &str = "https://keys.test/jwks";

/// An issuer's key, its key set served at `url`, and a token it signed.
fn serving(url: &str) -> (ScriptedServer, String) {
    let key = TestKey::fixed(FixedKey::Rsa2048A)
        .expect("a fixed key")
        .with_kid("a");
    let server = ScriptedServer::start().expect("a scripted server");
    server.serve_json(url, jwks_of(&[&key])).expect("served");
    let token = TokenBuilder::for_key(&key)
        .claim("iss", json!(ISSUER))
        .claim("aud", json!(AUDIENCE))
        .claim("exp", json!(T0 as i64 + 86_400))
        .sign(&key)
        .expect("a signed token");
    (server, token)
}

/// `host:port` of the loopback URL `url` is mapped to, as `CONNECT` names it.
fn authority(server: &ScriptedServer, url: &str) -> String {
    let mapped = server.map_url(url).expect("mapped");
    let rest = mapped.trim_start_matches("https://");
    rest[..rest.find('/').unwrap_or(rest.len())].to_owned()
}

fn verifier(config: AuthConfig, server: &ScriptedServer, proxy: Option<&str>) -> AsyncJwtVerifier {
    let builder = AsyncJwtVerifier::builder(config)
        .clock(Arc::new(ManualClock::new(Instant::now(), T0)))
        .root_certificate_pem(server.ca_pem().as_bytes());
    let builder = match proxy {
        Some(url) => builder.proxy(url),
        None => builder,
    };
    builder.build().expect("valid")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_given_proxy_tunnels_the_fetch_and_presents_its_credentials() {
    let (server, token) = serving(JWKS);
    let proxy = ConnectProxy::start().expect("a proxy");
    let url = proxy.url(Some("alice:s%40cret"));
    let verifier = verifier(config(&server, JWKS), &server, Some(&url));

    verifier
        .verify_access_token(&token)
        .await
        .expect("valid through the tunnel");

    let tunnels = proxy.tunnels();
    assert_eq!(tunnels.len(), 1, "{tunnels:?}");
    assert_eq!(tunnels[0].target, authority(&server, JWKS));
    // "alice:s@cret" in base64 (RFC 7617), the password percent-decoded.
    let basic = "Basic YWxpY2U6c0BjcmV0";
    assert_eq!(tunnels[0].authorization.as_deref(), Some(basic));
    assert_eq!(server.requests(JWKS), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_is_never_tunnelled() {
    let plain = "http://keys.test/jwks";
    let (server, token) = serving(plain);
    let proxy = ConnectProxy::start().expect("a proxy");
    let verifier = verifier(config(&server, plain), &server, Some(&proxy.url(None)));

    verifier
        .verify_access_token(&token)
        .await
        .expect("valid, fetched directly");
    assert_eq!((proxy.tunnels().len(), server.requests(plain)), (0, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_proxy_is_a_refused_connection() {
    let (server, token) = serving(JWKS);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port");
    let verifier = verifier(
        config(&server, JWKS),
        &server,
        Some(&format!("http://{closed}")),
    );

    assert_eq!(
        problem(verifier.verify_access_token(&token).await),
        ("jwks_fetch_failed", Some(SourceProblem::Refused))
    );
    assert_eq!(server.requests(JWKS), 0, "never reached directly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_names_the_proxy_only_when_asked_to() {
    let (server, token) = serving(JWKS);
    let proxy = ConnectProxy::start().expect("a proxy");
    let build = |from_env: bool| {
        let builder = AsyncJwtVerifier::builder(config(&server, JWKS))
            .clock(Arc::new(ManualClock::new(Instant::now(), T0)))
            .root_certificate_pem(server.ca_pem().as_bytes());
        let builder = if from_env {
            builder.proxy_from_env()
        } else {
            builder
        };
        builder.build().expect("valid")
    };
    std::env::set_var("HTTPS_PROXY", proxy.url(None));

    build(false)
        .verify_access_token(&token)
        .await
        .expect("valid, fetched directly");
    assert_eq!(proxy.tunnels().len(), 0, "no proxy by default");

    build(true)
        .verify_access_token(&token)
        .await
        .expect("valid through the tunnel");
    assert_eq!(proxy.tunnels().len(), 1);

    std::env::set_var("no_proxy", "localhost, 127.0.0.0/8");
    build(true)
        .verify_access_token(&token)
        .await
        .expect("valid, exempted");
    assert_eq!(proxy.tunnels().len(), 1, "NO_PROXY exempts the issuer");

    std::env::remove_var("HTTPS_PROXY");
    std::env::remove_var("no_proxy");
    assert_eq!(server.requests(JWKS), 3);
}
