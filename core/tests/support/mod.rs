//! A scripted world for driving the Sans-IO core in tests: keys that sign
//! tokens, endpoints whose answers change over time, and a clock moved by
//! hand. The loop in [`World::run`] is the canonical driver loop, with the
//! HTTP requests answered from the script instead of a network.
#![allow(dead_code, unreachable_pub)] // each test file uses a different part

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use oidc_jwt_verifier_core::http_types::{HeaderMap, HeaderName, HeaderValue};
use oidc_jwt_verifier_core::{
    AuthConfig, AuthError, Check, Claims, Event, FetchNext, FetchRequest, HttpResponse, Now,
    Progress, Query, SigningKey, TransportFailure, TransportKind, UnixTime, Verifier,
};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::Signer;
use serde_json::{json, Value};

pub const ISSUER: &str = "https://id.example.test/";
pub const AUDIENCE: &str = "api://default";
pub const JWKS_URL: &str = "https://id.example.test/jwks";
pub const T0: f64 = 1_767_225_600.0;

/// An RS256 signing key with its public JWK.
pub struct Key {
    pub kid: String,
    private: PKey<Private>,
    pub jwk: Value,
}

impl Key {
    pub fn rsa(kid: &str) -> Key {
        let rsa = Rsa::generate(2048).expect("RSA key generation");
        let jwk = json!({
            "kty": "RSA",
            "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(rsa.n().to_vec()),
            "e": URL_SAFE_NO_PAD.encode(rsa.e().to_vec()),
        });
        Key {
            kid: kid.to_owned(),
            private: PKey::from_rsa(rsa).expect("key"),
            jwk,
        }
    }

    /// A compact RS256 token with this key's `kid` (or `kid_override`).
    pub fn sign_with_kid(&self, kid: Option<&str>, claims: &Value) -> String {
        let mut header = json!({"alg": "RS256", "typ": "JWT"});
        if let Some(kid) = kid {
            header["kid"] = json!(kid);
        }
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        self.sign_input(&input)
    }

    /// `signing_input` (`header.payload`, both base64url) with its signature appended.
    pub fn sign_input(&self, signing_input: &str) -> String {
        let mut signer = Signer::new(MessageDigest::sha256(), &self.private).expect("signer");
        signer.update(signing_input.as_bytes()).expect("sign");
        let signature = signer.sign_to_vec().expect("sign");
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_kid(Some(&self.kid), claims)
    }

    /// A valid token for the standard issuer and audience, expiring an hour after `iat`.
    pub fn token(&self, iat: f64) -> String {
        self.sign(&json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": iat, "exp": iat + 3600.0}))
    }
}

pub fn jwks(keys: &[&Key]) -> Value {
    json!({"keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()})
}

/// What an endpoint answers.
#[derive(Clone, Debug)]
pub enum Script {
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    Fail(TransportKind),
}

impl Script {
    pub fn json(value: &Value) -> Script {
        Script::status(200, value)
    }

    pub fn status(status: u16, value: &Value) -> Script {
        Script::Respond {
            status,
            headers: vec![],
            body: value.to_string().into_bytes(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Script {
        if let Script::Respond { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }
}

/// A verifier, scripted endpoints and a hand-moved clock.
pub struct World {
    pub verifier: Verifier,
    origin: Instant,
    /// Unix seconds of the monotonic clock.
    pub now: f64,
    /// Wall-clock offset from `now` (a stepped wall clock).
    pub wall_offset: f64,
    scripts: HashMap<String, Script>,
    pub fetches: HashMap<String, u32>,
    /// Every event drained so far, in order.
    pub events: Vec<Event>,
}

/// The simulation's monotonic origin: the one clock reading of a test.
#[allow(clippy::disallowed_methods)]
fn origin() -> Instant {
    Instant::now()
}

impl World {
    pub fn new(config: AuthConfig) -> World {
        World {
            verifier: Verifier::new(config).expect("valid config"),
            origin: origin(),
            now: T0,
            wall_offset: 0.0,
            scripts: HashMap::new(),
            fetches: HashMap::new(),
            events: Vec::new(),
        }
    }

    pub fn standard() -> World {
        World::new(AuthConfig::with_jwks_url(ISSUER, AUDIENCE, JWKS_URL))
    }

    pub fn at(&mut self, unix: f64) -> &mut World {
        self.now = unix;
        self
    }

    pub fn advance(&mut self, secs: f64) -> &mut World {
        self.now += secs;
        self
    }

    pub fn serve(&mut self, url: &str, script: Script) {
        self.scripts.insert(url.to_owned(), script);
    }

    pub fn fetched(&self, url: &str) -> u32 {
        self.fetches.get(url).copied().unwrap_or(0)
    }

    pub fn instant(&self) -> Instant {
        self.origin + Duration::from_secs_f64((self.now - T0).max(0.0))
    }

    /// Both clocks of the current time.
    pub fn clock(&self) -> Now {
        Now {
            wall: UnixTime::from_secs_f64(self.now + self.wall_offset),
            monotonic: self.instant(),
        }
    }

    pub fn verify(&mut self, token: &str) -> Result<Claims, AuthError> {
        let mut query = Query::new();
        self.run(|v, now| {
            v.verify(token, &mut query, now)
                .map(|check| check.and_then(Check::finish))
        })
    }

    pub fn signing_keys(&mut self, refresh: bool) -> Result<Vec<SigningKey>, AuthError> {
        let mut query = Query::with_refresh(refresh);
        self.run(|v, now| v.signing_keys(&mut query, now))
    }

    pub fn kids(&mut self, refresh: bool) -> Result<Vec<String>, AuthError> {
        let keys = self.signing_keys(refresh)?;
        Ok(keys
            .iter()
            .filter_map(|k| k.kid().map(str::to_owned))
            .collect())
    }

    pub fn healthcheck(&mut self, refresh: bool) -> bool {
        let mut query = Query::with_refresh(refresh);
        self.run(|v, now| v.healthcheck(&mut query, now))
    }

    /// The canonical loop: ask; perform the refresh it hands out, ask again;
    /// once answered, complete any background refresh (refresh-ahead) before
    /// returning. Drains the events into `self.events`.
    pub fn run<T>(&mut self, mut op: impl FnMut(&mut Verifier, Now) -> Progress<T>) -> T {
        for _ in 0..16 {
            let now = self.clock();
            match op(&mut self.verifier, now) {
                Progress::Done { answer, background } => {
                    if let Some(request) = background {
                        self.perform(request);
                    }
                    self.drain_events();
                    return answer;
                }
                Progress::Fetch(request) => self.perform(request),
                Progress::Wait { until } => {
                    panic!("told to wait until {until:?} with no request out")
                }
            }
        }
        panic!("the verifier kept asking for keys");
    }

    /// Moves the verifier's events into `self.events`.
    pub fn drain_events(&mut self) {
        while let Some(event) = self.verifier.poll_event() {
            self.events.push(event);
        }
    }

    /// The events drained since the last call, by name.
    pub fn take_event_names(&mut self) -> Vec<&'static str> {
        self.drain_events();
        std::mem::take(&mut self.events)
            .iter()
            .map(Event::name)
            .collect()
    }

    /// The outcome the script gives `request` (no redirects followed).
    pub fn outcome(&mut self, request: &FetchRequest) -> Result<HttpResponse, TransportFailure> {
        let url = request.url().to_owned();
        *self.fetches.entry(url.clone()).or_default() += 1;
        match self.scripts.get(&url).cloned() {
            Some(Script::Respond {
                status,
                headers,
                body,
            }) => {
                let mut map = HeaderMap::new();
                for (name, value) in headers {
                    let name = HeaderName::from_bytes(name.as_bytes()).expect("a header name");
                    map.append(name, HeaderValue::from_str(&value).expect("a header value"));
                }
                Ok(HttpResponse {
                    status,
                    headers: map,
                    body,
                })
            }
            Some(Script::Fail(kind)) => Err(kind.into()),
            None => Err(TransportKind::Refused.into()),
        }
    }

    /// Performs a refresh from its first request to its end.
    pub fn perform(&mut self, mut request: FetchRequest) {
        loop {
            let outcome = self.outcome(&request);
            let answer = request.read(outcome);
            let next = self.verifier.handle_answer(answer, self.clock());
            match next.expect("the answer matches the request in flight") {
                FetchNext::Perform(next) => request = next,
                FetchNext::Ended => break,
            }
        }
        assert!(
            !self.verifier.is_refreshing(),
            "a refresh was left half done"
        );
    }
}
