//! What the two socket layers share: one world over any driver (blocking or
//! async, behind [`Driver`]), a fresh [`ScriptedServer`] per case playing
//! the `serve` table on loopback, and a [`ManualClock`] injected as the
//! driver's clock and set from each step's `at`.
//!
//! The case's URLs are mapped to the server's loopback URLs (same scheme and
//! path; `https` served with a CA generated once per process and handed to
//! the driver). The server rewrites `jwks_uri` members and `Location`
//! headers naming a mapped origin; this module first registers every URL a
//! served redirect or discovery document names, so that one nobody serves
//! is refused, as in the core layer.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use oidc_jwt_verifier_core::http_types::header::LOCATION;
use oidc_jwt_verifier_core::http_types::{HeaderMap, HeaderValue};
use oidc_jwt_verifier_core::{
    AuthConfig, AuthError, Claims, Clock, Hop, IncomingRequest, ManualClock, Now, Progress, Query,
    Requirements, SigningKey, UnixTime, Verifier,
};
use serde_json::Value;

use super::step_time::StepTimes;
use super::{key_ids, verified, LayerError, Rejection, StartError, Verified, World};
use crate::case::{Body, Case, Reply, Response, Serve, VerifyInput};
use crate::server::{ScriptedServer, ServerTls};

/// The driver operations a case needs, each returning once done.
pub(crate) trait Driver {
    /// `verify_access_token`.
    fn verify_token(&self, token: &str) -> Result<Claims, AuthError>;
    /// `verify_authorization_header`.
    fn verify_header(&self, header: Option<&str>) -> Result<Claims, AuthError>;
    /// `verify_headers`.
    fn verify_headers(
        &self,
        headers: &HeaderMap,
        route: &Requirements,
    ) -> Result<Claims, AuthError>;
    /// `verify_incoming`.
    fn verify_incoming(
        &self,
        request: &IncomingRequest<'_>,
        route: &Requirements,
    ) -> Result<Claims, AuthError>;
    /// `get_signing_keys(refresh)`.
    fn signing_keys(&self, refresh: bool) -> Result<Vec<SigningKey>, AuthError>;
    /// `healthcheck(refresh)`.
    fn healthcheck(&self, refresh: bool) -> bool;
    /// `wait_for_refresh()`: returns once no refresh (a background
    /// refresh-ahead included) is under way.
    fn wait_for_refresh(&self);
}

/// What a driver is built from.
pub(crate) struct DriverSetup<'a> {
    /// The case's configuration, its key source URL mapped to loopback.
    pub(crate) config: AuthConfig,
    /// The case's clock.
    pub(crate) clock: Arc<dyn Clock>,
    /// The CA to trust as the only root.
    pub(crate) ca_pem: &'a str,
}

/// A driver that failed to build, for a layer error.
pub(crate) fn build_failure(error: impl std::fmt::Display) -> String {
    format!("the driver was not built: {error}")
}

/// The TLS identity every socket-layer server of this process shares:
/// generating it once keeps a case's start cheap.
pub(crate) fn shared_tls() -> Result<&'static ServerTls, LayerError> {
    static TLS: OnceLock<Result<ServerTls, String>> = OnceLock::new();
    TLS.get_or_init(|| ServerTls::generate().map_err(|error| error.to_string()))
        .as_ref()
        .map_err(|error| LayerError(format!("no test CA: {error}")))
}

/// Starts a case: the configuration judged by the core first (so a refused
/// one is the same [`ConfigError`](oidc_jwt_verifier_core::ConfigError) as
/// in the core layer), then a server, the clock, and the driver `build`
/// makes from them.
pub(crate) fn start_world<'l, D: Driver + 'l>(
    case: &Case,
    build: impl FnOnce(DriverSetup<'_>) -> Result<D, String>,
) -> Result<Box<dyn World + 'l>, StartError> {
    let config = case.auth_config().map_err(StartError::Config)?;
    Verifier::new(config.clone()).map_err(StartError::Config)?;
    let server = ScriptedServer::start_with_tls(shared_tls().map_err(StartError::Layer)?);
    let config = map_source_urls(&server, config).map_err(StartError::Layer)?;
    // The origin of the case's manual monotonic clock.
    let origin = Instant::now();
    let clock = Arc::new(ManualClock::new(origin, case.first_time().unwrap_or(0.0)));
    let setup = DriverSetup {
        config,
        clock: clock.clone(),
        ca_pem: server.ca_pem(),
    };
    let driver = build(setup).map_err(|error| StartError::Layer(LayerError(error)))?;
    Ok(Box::new(SocketWorld {
        driver,
        server,
        clock,
        times: StepTimes::new(origin),
    }))
}

/// `config` with its `jwks_url` or `discovery_url` replaced by the
/// server's loopback URL for it.
fn map_source_urls(server: &ScriptedServer, config: AuthConfig) -> Result<AuthConfig, LayerError> {
    let map = |url: Option<String>| {
        url.map(|url| {
            server
                .map_url(&url)
                .map_err(|error| LayerError(format!("cannot map {url}: {error}")))
        })
        .transpose()
    };
    Ok(AuthConfig {
        jwks_url: map(config.jwks_url.clone())?,
        discovery_url: map(config.discovery_url.clone())?,
        ..config
    })
}

/// A driver, the server it fetches from and the case's clock. The driver is
/// dropped first, so that no request of it holds the server up.
struct SocketWorld<D> {
    driver: D,
    server: ScriptedServer,
    clock: Arc<ManualClock>,
    times: StepTimes,
}

impl<D: Driver> SocketWorld<D> {
    /// Runs `operation`, then waits for any refresh it started.
    fn settled<T>(&self, operation: impl FnOnce(&D) -> T) -> T {
        let outcome = operation(&self.driver);
        self.driver.wait_for_refresh();
        outcome
    }
}

impl<D: Driver> World for SocketWorld<D> {
    fn set_time(&mut self, at: f64) -> Result<(), LayerError> {
        // The same readings, and the same refusals, as the core layer's.
        self.times.at(at)?;
        self.clock.set(at);
        Ok(())
    }

    fn serve(&mut self, serve: &Serve) -> Result<(), LayerError> {
        serve_on(&self.server, serve)
    }

    fn verify(&mut self, input: &VerifyInput) -> Result<Verified, LayerError> {
        Ok(verified(self.settled(|driver| match input {
            VerifyInput::Token(token) => driver.verify_token(token),
            VerifyInput::Header(header) => driver.verify_header(header.as_deref()),
            VerifyInput::Request(request) => {
                let (headers, route) = (request.header_map(), request.requirements());
                match request.incoming(&headers) {
                    Some(incoming) => driver.verify_incoming(&incoming, &route),
                    None => driver.verify_headers(&headers, &route),
                }
            }
        })))
    }

    fn healthcheck(&mut self, refresh: bool) -> Result<bool, LayerError> {
        Ok(self.settled(|driver| driver.healthcheck(refresh)))
    }

    fn signing_keys(
        &mut self,
        refresh: bool,
    ) -> Result<Result<Vec<Option<String>>, Rejection>, LayerError> {
        Ok(key_ids(self.settled(|driver| driver.signing_keys(refresh))))
    }

    fn fetch_count(&mut self, url: &str) -> Result<u64, LayerError> {
        Ok(self.server.requests(url))
    }
}

/// Plays one `serve` step on `server`.
pub(crate) fn serve_on(server: &ScriptedServer, serve: &Serve) -> Result<(), LayerError> {
    let reply = match &serve.reply {
        Reply::Respond(response) => Reply::Respond(served_response(server, &serve.url, response)?),
        failure => failure.clone(),
    };
    server
        .serve(&serve.url, reply)
        .map_err(|error| LayerError(format!("cannot serve {}: {error}", serve.url)))
}

/// The response as the server sends it, after registering the URLs it
/// names (see [`redirect_location`] and [`register_jwks_uri`]).
fn served_response(
    server: &ScriptedServer,
    url: &str,
    response: &Response,
) -> Result<Response, LayerError> {
    let mut served = response.clone();
    if let Some(location) = response.redirect_location() {
        let sent = redirect_location(server, url, location)?;
        for (_, value) in served
            .headers
            .iter_mut()
            .filter(|(name, _)| name.eq_ignore_ascii_case("location"))
        {
            value.clone_from(&sent);
        }
    }
    if let Body::Json(value) = &response.body {
        register_jwks_uri(server, value);
    }
    Ok(served)
}

/// A `Location` no driver ever follows: not an `http(s)` URL.
const NEVER_FOLLOWED: &str = "not-followed://redirect.invalid/";

/// The `Location` to send for a redirect from `url` to `location`, so that
/// a driver meets what the core layer meets:
///
/// - where the core would follow it, the absolute target, registered with
///   the server so that the server sends its loopback stand-in (refused
///   unless served, as an unserved URL is in the core layer, rather than a
///   host name that cannot be resolved);
/// - where it never would (plain HTTP to a host that is not loopback, which
///   its loopback stand-in would be; an unparsable target), a target no
///   driver follows either.
fn redirect_location(
    server: &ScriptedServer,
    url: &str,
    location: &str,
) -> Result<String, LayerError> {
    let Some(target) = core_redirect_target(url, location) else {
        return Ok(NEVER_FOLLOWED.to_owned());
    };
    server
        .map_url(&target)
        .map_err(|error| LayerError(format!("cannot map redirect target {target}: {error}")))?;
    Ok(target)
}

/// Where the core follows a redirect from `url` to `location` when plain
/// HTTP is allowed (its most permissive rule), asked of the core itself so
/// the rule stays in one place: a throwaway verifier's request for `url`
/// judges a 302 to it. `None` when the core never follows it.
fn core_redirect_target(url: &str, location: &str) -> Option<String> {
    let mut config = AuthConfig::with_jwks_url("https://issuer.invalid/", "redirects", url);
    config.allow_insecure_http = true;
    let mut verifier = Verifier::new(config).ok()?;
    // Any time will do: nothing is cached or timed.
    let now = Now {
        wall: UnixTime::from_secs_f64(0.0),
        monotonic: Instant::now(),
    };
    let Progress::Fetch(request) = verifier.healthcheck(&mut Query::with_refresh(true), now) else {
        return None;
    };
    let mut headers = HeaderMap::new();
    headers.insert(LOCATION, HeaderValue::from_str(location).ok()?);
    let mut hops = request.hops();
    match hops.judge(302, &headers) {
        Hop::Follow => Some(hops.url().to_owned()),
        Hop::ReadBody | Hop::Refuse(_) => None,
    }
}

/// Registers the top-level `jwks_uri` of a served document, when it is an
/// `http(s)` URL the server can map: the server then sends its loopback
/// stand-in, refused unless served, as an unserved URL is in the core layer.
fn register_jwks_uri(server: &ScriptedServer, document: &Value) {
    if let Some(Value::String(jwks_uri)) = document.get("jwks_uri") {
        // A URL the server cannot map is sent as written.
        let _ = server.map_url(jwks_uri);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_core_decides_which_redirects_are_followed() {
        let from = "https://login.example.test/a/jwks";
        for (location, followed) in [
            ("/b", Some("https://login.example.test/b")),
            ("c", Some("https://login.example.test/a/c")),
            ("https://other.test/k", Some("https://other.test/k")),
            ("http://localhost:8080/k", Some("http://localhost:8080/k")),
            ("http://login.example.test/k", None),
            ("ftp://login.example.test/k", None),
        ] {
            let target = core_redirect_target(from, location);
            assert_eq!(target.as_deref(), followed, "{location}");
        }
        assert_eq!(core_redirect_target("http://idp.test/x", "/y"), None);
    }

    #[test]
    fn redirect_targets_are_registered_and_unfollowable_ones_replaced() {
        let server = ScriptedServer::start_with_tls(shared_tls().unwrap());
        let from = "https://login.example.test/jwks";
        let sent = redirect_location(&server, from, "https://elsewhere.test/keys").unwrap();
        assert_eq!(sent, "https://elsewhere.test/keys");
        assert!(server
            .request_counts()
            .contains_key("https://elsewhere.test/keys"));
        assert_eq!(
            redirect_location(&server, from, "http://login.example.test/keys").unwrap(),
            NEVER_FOLLOWED
        );
        // Not followed under the most permissive rule, so never.
        assert_eq!(core_redirect_target(from, NEVER_FOLLOWED), None);
    }

    #[test]
    fn a_discovery_documents_jwks_uri_is_registered() {
        let server = ScriptedServer::start_with_tls(shared_tls().unwrap());
        register_jwks_uri(
            &server,
            &serde_json::json!({"jwks_uri": "https://keys.test/jwks"}),
        );
        register_jwks_uri(&server, &serde_json::json!({"jwks_uri": "not a url"}));
        assert_eq!(
            server.request_counts().keys().collect::<Vec<_>>(),
            ["https://keys.test/jwks"]
        );
    }
}
