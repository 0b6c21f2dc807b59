//! A scripted world for driving the Sans-IO core: endpoints whose answers
//! change over time, a simulated clock, and the canonical driver loop
//! ([`World::run`]) with the HTTP requests answered from the script. Keys,
//! tokens, key sets and the clock are the test kit's; what is here names
//! the core's types, which the kit (depending on no crate of ours) cannot.

use std::collections::HashMap;

use oidc_jwt_verifier_core::http_types::{HeaderMap, HeaderName, HeaderValue};
use oidc_jwt_verifier_core::{
    AuthConfig, AuthError, Check, Claims, Event, FetchNext, FetchRequest, HttpResponse, Now,
    Progress, Query, SigningKey, TransportFailure, TransportKind, UnixTime, Verifier,
};
use oidc_jwt_verifier_testkit::{jwks_of, KeyKind, SimulatedTime, TestKey, TokenBuilder};
use serde_json::{json, Value};

pub(crate) const ISSUER: &str = "https://id.example.test/";
pub(crate) const AUDIENCE: &str = "api://default";
pub(crate) const JWKS_URL: &str = "https://id.example.test/jwks";
/// 2026-01-01T00:00:00Z.
pub(crate) const T0: f64 = oidc_jwt_verifier_testkit::clock::JAN_1_2026 as f64;

/// A fresh RS256 signing key of the kit (never the same twice), published
/// under `kid`.
pub(crate) struct Key {
    pub(crate) kid: String,
    pub(crate) jwk: Value,
    key: TestKey,
}

impl Key {
    pub(crate) fn rsa(kid: &str) -> Key {
        let key = TestKey::generate(KeyKind::RSA_2048)
            .expect("RSA key generation")
            .with_kid(kid);
        Key {
            kid: kid.to_owned(),
            jwk: key.public_jwk(),
            key,
        }
    }

    /// A compact RS256 token with `kid` in its header (none: no `kid`).
    pub(crate) fn sign_with_kid(&self, kid: Option<&str>, claims: &Value) -> String {
        let mut builder = TokenBuilder::new()
            .header("alg", json!("RS256"))
            .header("typ", json!("JWT"));
        if let Some(kid) = kid {
            builder = builder.header("kid", json!(kid));
        }
        if let Value::Object(claims) = claims {
            builder = builder.claims(claims);
        }
        builder.sign(&self.key).expect("sign")
    }

    /// `signing_input` (`header.payload`, both base64url) with its signature appended.
    pub(crate) fn sign_input(&self, signing_input: &str) -> String {
        let (header, payload) = signing_input.split_once('.').expect("header.payload");
        TokenBuilder::new()
            .header_segment(header)
            .payload_segment(payload)
            .sign(&self.key)
            .expect("sign")
    }

    pub(crate) fn sign(&self, claims: &Value) -> String {
        self.sign_with_kid(Some(&self.kid), claims)
    }

    /// A valid token for the standard issuer and audience, expiring an hour after `iat`.
    pub(crate) fn token(&self, iat: f64) -> String {
        self.sign(&json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": iat, "exp": iat + 3600.0}))
    }
}

pub(crate) fn jwks(keys: &[&Key]) -> Value {
    let keys: Vec<&TestKey> = keys.iter().map(|key| &key.key).collect();
    jwks_of(&keys)
}

/// What an endpoint answers.
#[derive(Clone, Debug)]
pub(crate) enum Script {
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    Fail(TransportKind),
}

impl Script {
    pub(crate) fn json(value: &Value) -> Script {
        Script::status(200, value)
    }

    pub(crate) fn status(status: u16, value: &Value) -> Script {
        Script::Respond {
            status,
            headers: vec![],
            body: value.to_string().into_bytes(),
        }
    }

    pub(crate) fn with_header(mut self, name: &str, value: &str) -> Script {
        if let Script::Respond { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }
}

/// A verifier, scripted endpoints and a simulated clock.
pub(crate) struct World {
    pub(crate) verifier: Verifier,
    /// Both readings; the wall clock may be stepped apart
    /// ([`SimulatedTime::step_wall`]).
    pub(crate) time: SimulatedTime,
    scripts: HashMap<String, Script>,
    pub(crate) fetches: HashMap<String, u32>,
    /// Every event drained so far, in order.
    pub(crate) events: Vec<Event>,
}

impl World {
    pub(crate) fn new(config: AuthConfig) -> World {
        World {
            verifier: Verifier::new(config).expect("valid config"),
            time: SimulatedTime::starting_at(T0),
            scripts: HashMap::new(),
            fetches: HashMap::new(),
            events: Vec::new(),
        }
    }

    pub(crate) fn standard() -> World {
        World::new(AuthConfig::with_jwks_url(ISSUER, AUDIENCE, JWKS_URL))
    }

    /// The simulated Unix time.
    pub(crate) fn now(&self) -> f64 {
        self.time.unix()
    }

    pub(crate) fn at(&mut self, unix: f64) -> &mut World {
        self.time.set(unix);
        self
    }

    pub(crate) fn advance(&mut self, secs: f64) -> &mut World {
        self.time.advance(secs);
        self
    }

    pub(crate) fn serve(&mut self, url: &str, script: Script) {
        self.scripts.insert(url.to_owned(), script);
    }

    pub(crate) fn fetched(&self, url: &str) -> u32 {
        self.fetches.get(url).copied().unwrap_or(0)
    }

    pub(crate) fn instant(&self) -> std::time::Instant {
        self.time.monotonic()
    }

    /// Both clocks of the current time.
    pub(crate) fn clock(&self) -> Now {
        Now {
            wall: UnixTime::from_secs_f64(self.time.wall_unix()),
            monotonic: self.time.monotonic(),
        }
    }

    pub(crate) fn verify(&mut self, token: &str) -> Result<Claims, AuthError> {
        let mut query = Query::new();
        self.run(|v, now| {
            v.verify(token, &mut query, now)
                .map(|check| check.and_then(Check::finish))
        })
    }

    pub(crate) fn signing_keys(&mut self, refresh: bool) -> Result<Vec<SigningKey>, AuthError> {
        let mut query = Query::with_refresh(refresh);
        self.run(|v, now| v.signing_keys(&mut query, now))
    }

    pub(crate) fn kids(&mut self, refresh: bool) -> Result<Vec<String>, AuthError> {
        let keys = self.signing_keys(refresh)?;
        Ok(keys
            .iter()
            .filter_map(|k| k.kid().map(str::to_owned))
            .collect())
    }

    pub(crate) fn healthcheck(&mut self, refresh: bool) -> bool {
        let mut query = Query::with_refresh(refresh);
        self.run(|v, now| v.healthcheck(&mut query, now))
    }

    /// The canonical loop: ask; perform the refresh it hands out, ask again;
    /// once answered, complete any background refresh (refresh-ahead) before
    /// returning. Drains the events into `self.events`.
    pub(crate) fn run<T>(&mut self, mut op: impl FnMut(&mut Verifier, Now) -> Progress<T>) -> T {
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
    pub(crate) fn drain_events(&mut self) {
        while let Some(event) = self.verifier.poll_event() {
            self.events.push(event);
        }
    }

    /// The events drained since the last call, by name.
    pub(crate) fn take_event_names(&mut self) -> Vec<&'static str> {
        self.drain_events();
        std::mem::take(&mut self.events)
            .iter()
            .map(Event::name)
            .collect()
    }

    /// The outcome the script gives `request` (no redirects followed).
    pub(crate) fn outcome(
        &mut self,
        request: &FetchRequest,
    ) -> Result<HttpResponse, TransportFailure> {
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
    pub(crate) fn perform(&mut self, mut request: FetchRequest) {
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
