//! The two blocking handles: [`JwtVerifier`] (tokens and keys) and
//! [`JwksClient`] (keys alone), on any [`BlockingDriver`].

use serde::de::DeserializeOwned;

use crate::build::BuildError;
use crate::builder::{Build, BuildParts, Builder};
use crate::check::{ChosenKey, Token};
use crate::claims::Claims;
use crate::config::AuthConfig;
use crate::error::{AuthError, ErrorResponse};
use crate::explain::Explain;
use crate::handle::{answer_refusal, BlockingDriver};
use crate::http_types::{HeaderMap, Request, Response};
use crate::jwk::SigningKey;
use crate::requirements::Requirements;
use crate::sender::IncomingRequest;
use crate::status::Status;
use crate::verifier::{Query, Verifier};

/// Verifies JWT access tokens against the configured key source, fetching
/// keys over HTTPS when they are needed.
///
/// One instance serves a whole process: it is `Send + Sync`, and callers on
/// any number of threads share its key cache and its single in-flight
/// refresh. A verification with fresh keys performs no I/O and holds no lock
/// while checking the signature.
#[derive(Debug)]
pub struct JwtVerifier<E> {
    engine: E,
}

impl<E: BlockingDriver + Build> JwtVerifier<E> {
    /// A verifier for `config`, with its own HTTP client and the system clock.
    pub fn new(config: AuthConfig) -> Result<Self, BuildError> {
        Self::builder(config).build()
    }

    /// A verifier for `config` using the caller's HTTP client (the driver
    /// holds a handle to it and never changes its settings).
    pub fn with_http_client(config: AuthConfig, client: E::HttpClient) -> Result<Self, BuildError> {
        Self::builder(config).http_client(client).build()
    }

    /// A builder for the other options: clock, root certificates, client.
    pub fn builder(config: AuthConfig) -> Builder<Self> {
        Builder::new(config)
    }
}

impl<E: BlockingDriver> JwtVerifier<E> {
    /// The verifier an engine built already drives.
    pub fn from_engine(engine: E) -> Self {
        JwtVerifier { engine }
    }

    /// Verifies a bare token and returns its claims.
    pub fn verify_access_token(&self, token: &str) -> Result<Claims, AuthError> {
        let token = self.engine.reader().read(token)?;
        let key = self.choose_key(&token)?;
        token.finish(key)
    }

    /// Verifies a bare token and deserializes its payload into `T`
    /// (`claims_type_mismatch`, 500, when it does not fit: serde's message
    /// is the error's source).
    pub fn verify_access_token_as<T: DeserializeOwned>(&self, token: &str) -> Result<T, AuthError> {
        let token = self.engine.reader().read(token)?;
        let key = self.choose_key(&token)?;
        token.finish_as(key)
    }

    /// Verifies the token of an `Authorization` header value (`None` when the
    /// request has no such header).
    pub fn verify_authorization_header(&self, value: Option<&str>) -> Result<Claims, AuthError> {
        let token = self.engine.reader().read_authorization(value)?;
        let key = self.choose_key(&token)?;
        token.finish(key)
    }

    /// Verifies the token a request carries in its header fields, found
    /// through the configured `token_sources`, with `route`'s scopes and
    /// permissions required on top of the configured ones
    /// (`Requirements::new()` for none).
    pub fn verify_headers(
        &self,
        headers: &HeaderMap,
        route: &Requirements,
    ) -> Result<Claims, AuthError> {
        let token = self.engine.reader().read_headers(headers)?.for_route(route);
        let key = self.choose_key(&token)?;
        token.finish(key)
    }

    /// Verifies a whole request (docs/rules.md, "Sender-constrained
    /// tokens"): under the `DPoP` scheme its proof, checked against the
    /// request's method and absolute URI, else its bearer token through the
    /// configured `token_sources`; a certificate-bound token against the
    /// client certificate the request carries
    /// ([`IncomingRequest::with_client_certificate`]); `route`'s
    /// requirements on top of the configured ones.
    pub fn verify_incoming(
        &self,
        request: &IncomingRequest<'_>,
        route: &Requirements,
    ) -> Result<Claims, AuthError> {
        let token = self.engine.reader().read_request(request)?.for_route(route);
        let key = self.choose_key(&token)?;
        token.finish(key)
    }

    /// The `WWW-Authenticate` value answering `error` under this
    /// verifier's configuration: with DPoP on, a `DPoP` challenge with
    /// `algs` (RFC 9449 section 7.1) after the `Bearer` one when bearer
    /// tokens are accepted too.
    pub fn www_authenticate(&self, error: &AuthError, realm: Option<&str>) -> Option<String> {
        self.engine.reader().www_authenticate(error, realm)
    }

    /// [`AuthError::response`] with this verifier's challenge
    /// ([`www_authenticate`](Self::www_authenticate)).
    pub fn error_response(&self, error: &AuthError, realm: Option<&str>) -> ErrorResponse {
        self.engine.reader().error_response(error, realm)
    }

    /// Judges `route`'s requirements, with the configured ones, on claims
    /// this verifier returned: the 403 a verification requiring them would
    /// give, its challenge listing every required value. No I/O.
    pub fn authorize(&self, claims: &Claims, route: &Requirements) -> Result<(), AuthError> {
        self.engine.core().lock().authorize(claims, route)
    }

    /// Explains what verifying `token` does, check by check, each with its
    /// outcome and the values it compared (the core's [`Explain`]): the same
    /// checks, fetching keys as a verification would. A diagnostic: it is
    /// not counted in [`status`](Self::status)'s verdicts.
    pub fn explain(&self, token: &str) -> Explain {
        self.engine.run(Query::new(), |core, query, now| {
            core.explain(token, query, now)
        })
    }

    /// The configuration this verifier was built from.
    pub fn config(&self) -> AuthConfig {
        self.engine.core().lock().config().clone()
    }

    /// Verifies a request as [`verify_incoming`](Self::verify_incoming)
    /// does, with its method, its URI as the request carries it and no
    /// client certificate, with no route requirement, and answers a refusal
    /// as a ready response: its status, this verifier's `WWW-Authenticate`
    /// challenge (with `realm`, when given) and the JSON body. A 503 or 500
    /// is logged first, with its cause. With DPoP on, the URI must be the
    /// absolute one the client addressed (a server that holds only the
    /// path builds an [`IncomingRequest`] with its public origin and calls
    /// `verify_incoming`); bearer tokens are read as
    /// [`verify_headers`](Self::verify_headers) reads them.
    // The ready response is what the caller returns at once: boxing it gains nothing.
    #[allow(clippy::result_large_err)]
    pub fn verify_request<B>(
        &self,
        request: &Request<B>,
        realm: Option<&str>,
    ) -> Result<Claims, Response<String>> {
        let uri = request.uri().to_string();
        let incoming = IncomingRequest::new(request.method().as_str(), &uri, request.headers());
        let verified = self.verify_incoming(&incoming, &Requirements::new());
        answer_refusal(verified, |error| self.error_response(error, realm))
    }

    /// The usable signing keys, fetched first when nothing fresh is cached or
    /// `refresh` is set (docs/rules.md, rule 8).
    pub fn get_signing_keys(&self, refresh: bool) -> Result<Vec<SigningKey>, AuthError> {
        self.engine
            .run(Query::with_refresh(refresh), |core, query, now| {
                core.signing_keys(query, now)
            })
    }

    /// The one usable signing key with this `kid` (docs/rules.md, rule 8).
    pub fn get_signing_key(&self, kid: &str, refresh: bool) -> Result<SigningKey, AuthError> {
        self.engine
            .run(Query::with_refresh(refresh), |core, query, now| {
                core.signing_key(kid, query, now)
            })
    }

    /// Whether usable keys are cached and inside the stale window, after
    /// fetching them when rule 8 says so.
    pub fn healthcheck(&self, refresh: bool) -> bool {
        self.engine
            .run(Query::with_refresh(refresh), |core, query, now| {
                core.healthcheck(query, now)
            })
    }

    /// A snapshot of the key source (state, key ids, last success and
    /// failure, next refresh, counters): the same in both drivers. Never
    /// waits for a refresh.
    pub fn status(&self) -> Status {
        let now = self.engine.now();
        self.engine.core().with(|core| core.status(now))
    }

    /// Blocks until no refresh, in the foreground or in the background, is
    /// under way.
    pub fn wait_for_refresh(&self) {
        self.engine.wait_for_refresh();
    }

    /// Stops all I/O: lets go of the HTTP client and waits for a refresh under
    /// way to end. Cached keys keep serving; a refresh needed later fails
    /// as unreachable (`jwks_fetch_failed`). Dropping the verifier is enough
    /// to release it otherwise.
    pub fn close(&self) {
        self.engine.core().with(Verifier::close);
        self.engine.wait_for_refresh();
    }

    /// The key of a read token: the one step of a verification under the lock.
    fn choose_key(&self, token: &Token<'_>) -> Result<ChosenKey, AuthError> {
        self.engine.run(Query::new(), |core, query, now| {
            core.choose_key(token, query, now)
        })
    }
}

impl<E: BlockingDriver + Build> Build for JwtVerifier<E> {
    type HttpClient = E::HttpClient;

    fn build(parts: BuildParts<E::HttpClient>) -> Result<Self, BuildError> {
        E::build(parts).map(Self::from_engine)
    }

    fn environment(name: &'static str) -> Option<std::ffi::OsString> {
        E::environment(name)
    }
}

/// The key-source operations alone: the keys of the configured source, with
/// the same cache, single flight and rules as [`JwtVerifier`].
#[derive(Debug)]
pub struct JwksClient<E> {
    verifier: JwtVerifier<E>,
}

impl<E: BlockingDriver + Build> JwksClient<E> {
    /// A key client for `config`, with its own HTTP client and the system clock.
    pub fn new(config: AuthConfig) -> Result<Self, BuildError> {
        Self::builder(config).build()
    }

    /// A key client for `config` using the caller's HTTP client.
    pub fn with_http_client(config: AuthConfig, client: E::HttpClient) -> Result<Self, BuildError> {
        Self::builder(config).http_client(client).build()
    }

    /// A builder for the other options: clock, root certificates, client.
    pub fn builder(config: AuthConfig) -> Builder<Self> {
        Builder::new(config)
    }
}

impl<E: BlockingDriver> JwksClient<E> {
    /// The key client an engine built already drives.
    pub fn from_engine(engine: E) -> Self {
        JwksClient {
            verifier: JwtVerifier::from_engine(engine),
        }
    }

    /// The usable signing keys (docs/rules.md, rule 8).
    pub fn get_signing_keys(&self, refresh: bool) -> Result<Vec<SigningKey>, AuthError> {
        self.verifier.get_signing_keys(refresh)
    }

    /// The one usable signing key with this `kid` (docs/rules.md, rule 8).
    pub fn get_signing_key(&self, kid: &str, refresh: bool) -> Result<SigningKey, AuthError> {
        self.verifier.get_signing_key(kid, refresh)
    }

    /// Whether usable keys are cached and inside the stale window.
    pub fn healthcheck(&self, refresh: bool) -> bool {
        self.verifier.healthcheck(refresh)
    }

    /// A snapshot of the key source, as [`JwtVerifier::status`].
    pub fn status(&self) -> Status {
        self.verifier.status()
    }

    /// Blocks until no refresh is under way.
    pub fn wait_for_refresh(&self) {
        self.verifier.wait_for_refresh();
    }

    /// Stops all I/O, as [`JwtVerifier::close`].
    pub fn close(&self) {
        self.verifier.close();
    }
}

impl<E: BlockingDriver + Build> Build for JwksClient<E> {
    type HttpClient = E::HttpClient;

    fn build(parts: BuildParts<E::HttpClient>) -> Result<Self, BuildError> {
        E::build(parts).map(Self::from_engine)
    }

    fn environment(name: &'static str) -> Option<std::ffi::OsString> {
        E::environment(name)
    }
}
