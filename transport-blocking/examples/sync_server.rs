//! A small synchronous server (tiny_http) whose routes the blocking driver
//! protects: `/me` answers with the caller's subject, `/orders` also
//! requires the scope `orders:write`. Every refusal is the ready response
//! the driver gives: status, `WWW-Authenticate` challenge, JSON body.
//!
//! ```sh
//! OIDC_ISSUER=https://id.example.com/ OIDC_AUDIENCE=api://orders \
//!   cargo run -p oidc-jwt-verifier-blocking --example sync_server
//! curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/me
//! ```
//!
//! Several issuers (`OIDC_ISSUER` a comma-separated list) go through a
//! `MultiIssuerVerifier`; one through a `JwtVerifier`. `cargo test` runs
//! this file's tests, which serve it on loopback.

// A refusal is the ready response the handler returns at once: boxing it
// would gain nothing.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use oidc_jwt_verifier_blocking::http_types::{
    HeaderMap, HeaderName, HeaderValue, Request, Response,
};
use oidc_jwt_verifier_blocking::{
    AuthConfig, AuthError, Claims, JwtVerifier, MultiIssuerVerifier, Requirements,
};

/// The realm of every challenge.
const REALM: &str = "orders";

/// What the server needs of a verifier: one issuer or several.
trait Protects: Send + Sync + 'static {
    fn verify_request(&self, request: &Request<()>) -> Result<Claims, Response<String>>;
    fn authorize(&self, claims: &Claims, route: &Requirements) -> Result<(), AuthError>;
}

impl Protects for JwtVerifier {
    fn verify_request(&self, request: &Request<()>) -> Result<Claims, Response<String>> {
        JwtVerifier::verify_request(self, request, Some(REALM))
    }
    fn authorize(&self, claims: &Claims, route: &Requirements) -> Result<(), AuthError> {
        JwtVerifier::authorize(self, claims, route)
    }
}

impl Protects for MultiIssuerVerifier {
    fn verify_request(&self, request: &Request<()>) -> Result<Claims, Response<String>> {
        MultiIssuerVerifier::verify_request(self, request, Some(REALM))
    }
    fn authorize(&self, claims: &Claims, route: &Requirements) -> Result<(), AuthError> {
        MultiIssuerVerifier::authorize(self, claims, route)
    }
}

/// The answer to one request.
fn answer(verifier: &dyn Protects, request: &Request<()>) -> Response<String> {
    let claims = match verifier.verify_request(request) {
        Ok(claims) => claims,
        Err(refusal) => return refusal,
    };
    if request.uri().path() == "/orders" {
        let route = Requirements::new().scope("orders:write");
        if let Err(error) = verifier.authorize(&claims, &route) {
            return error.response(Some(REALM)).into_http();
        }
    }
    let subject = claims.subject.unwrap_or_default();
    Response::new(format!("hello {subject} of {}", claims.issuer))
}

/// tiny_http's request head as an `http::Request` (headers byte for byte).
fn head(request: &tiny_http::Request) -> Request<()> {
    let mut headers = HeaderMap::new();
    for field in request.headers() {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(field.field.as_str().as_str().as_bytes()),
            HeaderValue::from_bytes(field.value.as_str().as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    let mut head = Request::new(());
    *head.headers_mut() = headers;
    *head.uri_mut() = request.url().parse().unwrap_or_default();
    head
}

/// Sends `response` through tiny_http.
fn send(request: tiny_http::Request, response: Response<String>) {
    let (parts, body) = response.into_parts();
    let mut reply = tiny_http::Response::from_string(body).with_status_code(parts.status.as_u16());
    for (name, value) in &parts.headers {
        if let Ok(header) =
            tiny_http::Header::from_bytes(name.as_str().as_bytes(), value.as_bytes())
        {
            reply.add_header(header);
        }
    }
    // A client gone before its answer is not the server's problem.
    let _ = request.respond(reply);
}

/// Serves every request of `server`, a thread each.
fn serve(server: tiny_http::Server, verifier: Arc<dyn Protects>) {
    for request in server.incoming_requests() {
        let verifier = Arc::clone(&verifier);
        std::thread::spawn(move || {
            let response = answer(&*verifier, &head(&request));
            send(request, response);
        });
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let issuers = std::env::var("OIDC_ISSUER")?;
    let audience = std::env::var("OIDC_AUDIENCE")?;
    let configs: Vec<AuthConfig> = issuers
        .split(',')
        .map(|issuer| AuthConfig::from_issuer(issuer.trim(), audience.as_str()))
        .collect();
    let verifier: Arc<dyn Protects> = match configs.len() {
        1 => Arc::new(JwtVerifier::new(
            configs.into_iter().next().ok_or("an issuer")?,
        )?),
        _ => Arc::new(MultiIssuerVerifier::new(configs)?),
    };
    let server = tiny_http::Server::http("127.0.0.1:8080").map_err(|error| error.to_string())?;
    println!("listening on http://127.0.0.1:8080");
    serve(server, verifier);
    Ok(())
}

// The drivers' shared test world: issuers, keys, tokens.
#[cfg(test)]
#[path = "../tests/support/mod.rs"]
mod support;

#[cfg(test)]
mod tests {
    use super::support::*;
    use super::*;
    use std::time::Instant;

    use oidc_jwt_verifier_blocking::{ManualClock, TokenSource};
    use oidc_jwt_verifier_testkit::{jwks_of, Response, ScriptedServer, TestKey};
    use serde_json::{json, Value};

    /// A scripted server publishing each `(url, key)`.
    fn key_server(published: &[(&str, &TestKey)]) -> ScriptedServer {
        let server = ScriptedServer::start().expect("a scripted server");
        for (url, key) in published {
            server.serve_json(url, jwks_of(&[key])).expect("served");
        }
        server
    }

    /// The example served on a loopback port with `verifier`.
    fn start(verifier: Arc<dyn Protects>) -> String {
        let server = tiny_http::Server::http("127.0.0.1:0").expect("a loopback port");
        let base = format!(
            "http://{}",
            server.server_addr().to_ip().expect("an IP address")
        );
        std::thread::spawn(move || serve(server, verifier));
        base
    }

    fn verifier(url: String, issuer: &str, edit: impl FnOnce(&mut AuthConfig)) -> JwtVerifier {
        let mut config = AuthConfig::with_jwks_url(issuer, AUDIENCE, url);
        config.allow_insecure_http = true;
        config.fetch_attempts = 1;
        edit(&mut config);
        JwtVerifier::builder(config)
            .clock(Arc::new(ManualClock::new(Instant::now(), T0)))
            .build()
            .expect("a valid configuration")
    }

    /// Status, challenge and body of a GET.
    fn get(url: &str, headers: &[(&str, &str)]) -> (u16, Option<String>, String) {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let mut request = agent.get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = request.call().expect("an answer");
        let challenge = response
            .headers()
            .get("www-authenticate")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response.body_mut().read_to_string().expect("a body");
        (response.status().as_u16(), challenge, body)
    }

    fn code(body: &str) -> String {
        let body: Value = serde_json::from_str(body).expect("a JSON body");
        body["error"].as_str().unwrap_or_default().to_owned()
    }

    #[test]
    fn every_answer_over_http() {
        let a = key("a");
        let keys = key_server(&[(JWKS, &a)]);
        let url = keys.map_url(JWKS).expect("mapped");
        let base = start(Arc::new(verifier(url, ISSUER, |_| {})));
        let token = token_with(&a, json!({"scope": "orders:read"}));
        let bearer = format!("Bearer {token}");

        let (status, _, body) = get(&format!("{base}/me"), &[("authorization", &bearer)]);
        assert_eq!(
            (status, body.as_str()),
            (200, "hello user-1 of https://issuer.test/")
        );
        let (status, challenge, body) = get(&format!("{base}/me"), &[]);
        assert_eq!(
            (status, challenge.as_deref()),
            (401, Some(r#"Bearer realm="orders""#))
        );
        assert_eq!(code(&body), "missing_token");
        let (status, _, body) = get(
            &format!("{base}/me"),
            &[("authorization", "Basic YWxhZGRpbg==")],
        );
        assert_eq!((status, code(&body).as_str()), (400, "invalid_request"));
        let (status, challenge, _) = get(&format!("{base}/orders"), &[("authorization", &bearer)]);
        assert_eq!(status, 403);
        assert_eq!(
            challenge.as_deref(),
            Some(
                r#"Bearer realm="orders", error="insufficient_scope", error_description="Insufficient scope", scope="orders:write""#
            )
        );
        let writer = format!(
            "Bearer {}",
            token_with(&a, json!({"scope": "orders:write"}))
        );
        assert_eq!(
            get(&format!("{base}/orders"), &[("authorization", &writer)]).0,
            200
        );
        assert_eq!(keys.requests(JWKS), 1);
    }

    #[test]
    fn an_outage_is_a_503_without_challenge() {
        let keys = ScriptedServer::start().expect("a scripted server");
        keys.serve(JWKS, Response::empty(503)).expect("served");
        let url = keys.map_url(JWKS).expect("mapped");
        let base = start(Arc::new(verifier(url, ISSUER, |_| {})));
        let bearer = format!("Bearer {}", token_with(&key("a"), json!({})));
        let (status, challenge, body) = get(&format!("{base}/me"), &[("authorization", &bearer)]);
        assert_eq!(
            (status, challenge, code(&body).as_str()),
            (503, None, "jwks_fetch_failed")
        );
    }

    #[test]
    fn header_and_cookie_sources_and_two_issuers() {
        let (first, second) = (key("a"), key("b"));
        let keys = key_server(&[(JWKS, &first), (OTHER_JWKS, &second)]);
        let url = |published| keys.map_url(published).expect("mapped");
        let sources = |config: &mut AuthConfig| {
            config.token_sources = vec![
                TokenSource::header("X-Access-Token"),
                TokenSource::cookie("session"),
            ];
        };
        let both = MultiIssuerVerifier::from_verifiers(vec![
            verifier(url(JWKS), ISSUER, sources),
            verifier(url(OTHER_JWKS), OTHER, sources),
        ])
        .expect("two issuers");
        let base = start(Arc::new(both));
        let me = format!("{base}/me");
        let token = token_with(&first, json!({}));
        assert_eq!(
            get(&me, &[("x-access-token", &token)]).2,
            "hello user-1 of https://issuer.test/"
        );
        let other = token_with(&second, json!({"iss": OTHER, "sub": "bob"}));
        let cookie = format!("theme=dark; session={other}");
        assert_eq!(
            get(&me, &[("cookie", &cookie)]).2,
            format!("hello bob of {OTHER}")
        );
        let (status, _, body) = get(&me, &[("authorization", &format!("Bearer {token}"))]);
        assert_eq!((status, code(&body).as_str()), (401, "missing_token"));
        let stranger = token_with(&first, json!({"iss": "https://stranger.test/"}));
        let (status, _, body) = get(&me, &[("x-access-token", &stranger)]);
        assert_eq!((status, code(&body).as_str()), (401, "invalid_issuer"));
        assert_eq!((keys.requests(JWKS), keys.requests(OTHER_JWKS)), (1, 1));
    }
}
