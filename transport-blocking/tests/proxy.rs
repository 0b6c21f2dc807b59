//! The blocking driver through a loopback `CONNECT` proxy: a proxy only when
//! the builder is asked for one, `https` fetches tunnelled with the proxy's
//! credentials, plain `http` and `NO_PROXY` hosts fetched directly. The
//! environment is read by one test only: it is the process's.

mod support;

use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use oidc_jwt_verifier_blocking::{AuthConfig, AuthError, JwtVerifier, ManualClock};
use oidc_jwt_verifier_core::SourceProblem;
use support::{closed_port_url, ConnectProxy, Issuer, Reply, Server, TestCa, AUDIENCE, ISSUER, T0};

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Instant::now(), T0))
}

/// An HTTPS issuer whose certificate `ca` issued, serving key `a`.
fn issuer_over_tls(ca: &TestCa) -> (Arc<Issuer>, Server) {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let serving = Arc::clone(&issuer);
    let server = Server::https(ca, move |_| Reply::json(serving.jwks(&["a"])));
    (issuer, server)
}

/// `host:port` of `server`, as a `CONNECT` names it.
fn authority(server: &Server) -> String {
    server.url("").trim_start_matches("https://").to_owned()
}

fn problem(
    result: Result<impl std::fmt::Debug, AuthError>,
) -> (&'static str, Option<SourceProblem>) {
    let error = result.expect_err("an error");
    (error.code(), error.source_problem())
}

#[test]
fn a_given_proxy_tunnels_the_fetch_and_presents_its_credentials() {
    let ca = TestCa::new();
    let (issuer, server) = issuer_over_tls(&ca);
    let proxy = ConnectProxy::start();
    let config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, server.url("/jwks"));
    let verifier = JwtVerifier::builder(config)
        .clock(clock())
        .root_certificate_pem(ca.ca_pem())
        .proxy(&proxy.url(Some("alice:s%40cret")))
        .build()
        .expect("valid");

    verifier
        .verify_access_token(&issuer.token("a"))
        .expect("valid through the tunnel");

    let tunnels = proxy.tunnels();
    assert_eq!(tunnels.len(), 1, "{tunnels:?}");
    assert_eq!(tunnels[0].target, authority(&server));
    let basic = base64::engine::general_purpose::STANDARD.encode("alice:s@cret");
    assert_eq!(tunnels[0].authorization, Some(format!("Basic {basic}")));
    assert_eq!(server.hits(), 1);
}

#[test]
fn plain_http_is_never_tunnelled() {
    let issuer = Arc::new(Issuer::new(&["a"]));
    let serving = Arc::clone(&issuer);
    let server = Server::http(move |_| Reply::json(serving.jwks(&["a"])));
    let proxy = ConnectProxy::start();
    let mut config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, server.url("/jwks"));
    config.allow_insecure_http = true;
    let verifier = JwtVerifier::builder(config)
        .clock(clock())
        .proxy(&proxy.url(None))
        .build()
        .expect("valid");

    verifier
        .verify_access_token(&issuer.token("a"))
        .expect("valid, fetched directly");
    assert_eq!((proxy.tunnels().len(), server.hits()), (0, 1));
}

#[test]
fn an_unreachable_proxy_is_a_refused_connection() {
    let ca = TestCa::new();
    let (issuer, server) = issuer_over_tls(&ca);
    let config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, server.url("/jwks"));
    let closed = closed_port_url("");
    let verifier = JwtVerifier::builder(config)
        .clock(clock())
        .root_certificate_pem(ca.ca_pem())
        .proxy(&closed)
        .build()
        .expect("valid");

    assert_eq!(
        problem(verifier.verify_access_token(&issuer.token("a"))),
        ("jwks_fetch_failed", Some(SourceProblem::Refused))
    );
    assert_eq!(server.hits(), 0, "never reached directly");
}

#[test]
fn the_environment_names_the_proxy_only_when_asked_to() {
    let ca = TestCa::new();
    let (issuer, server) = issuer_over_tls(&ca);
    let proxy = ConnectProxy::start();
    let config = AuthConfig::with_jwks_url(ISSUER, AUDIENCE, server.url("/jwks"));
    let build = |from_env: bool| {
        let builder = JwtVerifier::builder(config.clone())
            .clock(clock())
            .root_certificate_pem(ca.ca_pem());
        let builder = if from_env {
            builder.proxy_from_env()
        } else {
            builder
        };
        builder.build().expect("valid")
    };
    std::env::set_var("HTTPS_PROXY", proxy.url(None));

    build(false)
        .verify_access_token(&issuer.token("a"))
        .expect("valid, fetched directly");
    assert_eq!(proxy.tunnels().len(), 0, "no proxy by default");

    build(true)
        .verify_access_token(&issuer.token("a"))
        .expect("valid through the tunnel");
    assert_eq!(proxy.tunnels().len(), 1);

    std::env::set_var("no_proxy", "localhost, 127.0.0.0/8");
    build(true)
        .verify_access_token(&issuer.token("a"))
        .expect("valid, exempted");
    assert_eq!(proxy.tunnels().len(), 1, "NO_PROXY exempts the issuer");

    std::env::remove_var("HTTPS_PROXY");
    std::env::remove_var("no_proxy");
    assert_eq!(server.hits(), 3);
}
