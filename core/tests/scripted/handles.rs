//! The core's public handles (`handle`) on a scripted engine: one that
//! answers every request from the world's scripts, at once, on the
//! caller's thread, so each handle's steps and the `Refresh` guard's
//! endings are pinned without threads, sockets or a runtime.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use oidc_jwt_verifier_core::handle::{
    AsyncDriver, AsyncJwtVerifier, BlockingDriver, Driver, JwksClient, JwtVerifier,
    MultiIssuerVerifier, Refresh, RefreshOwner, SharedCore,
};
use oidc_jwt_verifier_core::http_types::Request;
use oidc_jwt_verifier_core::{
    AuthConfig, FetchRequest, KeysState, Now, Progress, Query, TokenReader, UnixTime, Verifier,
};
use oidc_jwt_verifier_testkit::SimulatedTime;
use serde_json::json;

use crate::world::{jwks, Key, Script, World, AUDIENCE, ISSUER, JWKS_URL, T0};

/// The state a refresh holds: the core, the scripts, the time, and how
/// often a refresh ended.
struct Owner {
    core: SharedCore,
    world: Mutex<World>,
    time: SimulatedTime,
    ended: AtomicUsize,
}

impl RefreshOwner for Owner {
    fn core(&self) -> &SharedCore {
        &self.core
    }

    fn refresh_ended(&self) {
        self.ended.fetch_add(1, Ordering::SeqCst);
    }
}

impl Owner {
    fn now(&self) -> Now {
        Now {
            wall: UnixTime::from_secs_f64(self.time.wall_unix()),
            monotonic: self.time.monotonic(),
        }
    }
}

/// An engine performing every request at once from the scripts.
struct Scripted {
    reader: TokenReader,
    owner: Arc<Owner>,
}

impl Scripted {
    /// An engine for `config` whose endpoints answer as `world` scripts them.
    fn new(config: AuthConfig, world: World) -> Scripted {
        let core = Verifier::new(config).expect("a valid configuration");
        Scripted {
            reader: core.token_reader(),
            owner: Arc::new(Owner {
                core: SharedCore::new(core),
                world: Mutex::new(world),
                time: SimulatedTime::starting_at(T0),
                ended: AtomicUsize::new(0),
            }),
        }
    }

    /// The standard configuration, its key set serving `keys`.
    fn serving(keys: &[&Key]) -> (Scripted, Arc<Owner>) {
        let mut world = World::standard();
        world.serve(JWKS_URL, Script::json(&jwks(keys)));
        let engine = Scripted::new(AuthConfig::with_jwks_url(ISSUER, AUDIENCE, JWKS_URL), world);
        let owner = Arc::clone(&engine.owner);
        (engine, owner)
    }

    /// Performs a refresh to its end, each outcome from the scripts.
    fn perform(&self, request: FetchRequest, now: Now) {
        let mut refresh = Refresh::new(&self.owner, &request, now);
        let mut request = request;
        loop {
            let outcome = self.owner.world.lock().unwrap().outcome(&request);
            let answer = request.read(outcome);
            match refresh.answered(answer, self.owner.now()) {
                Some(next) => request = next,
                None => return,
            }
        }
    }

    fn run_now<T>(
        &self,
        mut query: Query,
        mut operation: impl FnMut(&mut Verifier, &mut Query, Now) -> Progress<T>,
    ) -> T {
        for _ in 0..16 {
            let now = self.owner.now();
            match self
                .owner
                .core
                .with(|core| operation(core, &mut query, now))
            {
                Progress::Done { answer, background } => {
                    if let Some(request) = background {
                        self.perform(request, now);
                    }
                    return answer;
                }
                Progress::Fetch(request) => self.perform(request, now),
                Progress::Wait { until } => panic!("told to wait until {until:?}, alone"),
            }
        }
        panic!("the core kept asking for keys");
    }
}

impl Driver for Scripted {
    fn reader(&self) -> &TokenReader {
        &self.reader
    }

    fn core(&self) -> &SharedCore {
        &self.owner.core
    }

    fn now(&self) -> Now {
        self.owner.now()
    }
}

impl BlockingDriver for Scripted {
    fn run<T>(
        &self,
        query: Query,
        operation: impl FnMut(&mut Verifier, &mut Query, Now) -> Progress<T>,
    ) -> T {
        self.run_now(query, operation)
    }

    fn wait_for_refresh(&self) {
        assert!(
            !self.owner.core.is_refreshing(),
            "a refresh was left in flight"
        );
    }
}

impl AsyncDriver for Scripted {
    async fn run<T: Send>(
        &self,
        query: Query,
        operation: impl FnMut(&mut Verifier, &mut Query, Now) -> Progress<T> + Send,
    ) -> T {
        self.run_now(query, operation)
    }

    async fn wait_for_refresh(&self) {
        assert!(
            !self.owner.core.is_refreshing(),
            "a refresh was left in flight"
        );
    }
}

/// The output of a future of the scripted engine, which never waits.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the scripted engine never waits"),
    }
}

#[test]
fn the_blocking_handle_reads_fetches_and_finishes_a_token() {
    let key = Key::rsa("k1");
    let (engine, owner) = Scripted::serving(&[&key]);
    let verifier = JwtVerifier::from_engine(engine);
    let claims = verifier
        .verify_access_token(&key.token(T0))
        .expect("verified");
    assert_eq!(claims.subject.as_deref(), Some("alice"));
    assert_eq!(
        verifier
            .verify_access_token("not-a-token")
            .unwrap_err()
            .code(),
        "malformed_token"
    );
    let status = verifier.status();
    assert_eq!(status.state, KeysState::Fresh);
    assert_eq!(status.key_ids, ["k1"]);
    assert_eq!((status.counters.fetches, status.counters.accepted), (1, 1));
    assert_eq!(owner.world.lock().unwrap().fetched(JWKS_URL), 1);
    // One refresh, ended once; its events were drained with the lock.
    assert_eq!(owner.ended.load(Ordering::SeqCst), 1);
    assert!(owner.core.lock().poll_event().is_none());
    assert!(verifier.healthcheck(false));
}

#[test]
fn the_async_handle_gives_what_the_blocking_one_gives() {
    let key = Key::rsa("k1");
    let token = key.token(T0);
    let (blocking, _) = Scripted::serving(&[&key]);
    let (asynchronous, _) = Scripted::serving(&[&key]);
    let blocking = JwtVerifier::from_engine(blocking);
    let asynchronous = AsyncJwtVerifier::from_engine(asynchronous);
    let expired = key.sign(&json!({"iss": ISSUER, "aud": AUDIENCE, "exp": T0 - 3600.0}));
    for token in [token.as_str(), expired.as_str(), "a.b.c"] {
        let left = blocking.verify_access_token(token).map_err(|e| e.code());
        let right = ready(asynchronous.verify_access_token(token)).map_err(|e| e.code());
        assert_eq!(left.map(|c| c.subject), right.map(|c| c.subject), "{token}");
    }
    assert_eq!(blocking.status(), asynchronous.status());
    ready(asynchronous.close());
    blocking.close();
}

#[test]
fn a_request_without_a_token_is_answered_with_the_handles_challenge() {
    let key = Key::rsa("k1");
    let (engine, owner) = Scripted::serving(&[&key]);
    let verifier = JwtVerifier::from_engine(engine);
    let request = Request::get("/orders").body(()).expect("a request");
    let refused = verifier
        .verify_request(&request, Some("orders"))
        .unwrap_err();
    assert_eq!(refused.status(), 401);
    let challenge = refused.headers()["www-authenticate"].to_str().unwrap();
    assert_eq!(challenge, "Bearer realm=\"orders\"");
    // Refused before any key was needed.
    assert_eq!(owner.world.lock().unwrap().fetched(JWKS_URL), 0);
}

#[test]
fn a_refresh_dropped_in_flight_is_abandoned_in_the_core() {
    let key = Key::rsa("k1");
    let (engine, owner) = Scripted::serving(&[&key]);
    let now = owner.now();
    let mut query = Query::with_refresh(false);
    let request = match owner.core.with(|core| core.signing_keys(&mut query, now)) {
        Progress::Fetch(request) => request,
        other => panic!("a fetch first, not {other:?}"),
    };
    assert!(owner.core.is_refreshing());
    // As a panic, a thread that could not start or a dropped task would.
    drop(Refresh::new(&owner, &request, now));
    assert!(!owner.core.is_refreshing(), "the request was given up");
    assert_eq!(owner.ended.load(Ordering::SeqCst), 1);
    let client = JwksClient::from_engine(engine);
    let failure = client.status().last_failure.expect("a failure on record");
    assert_eq!(failure.error.code(), "jwks_fetch_failed");
}

#[test]
fn a_refresh_answered_to_its_end_abandons_nothing() {
    let key = Key::rsa("k1");
    let (engine, owner) = Scripted::serving(&[&key]);
    let now = owner.now();
    let mut query = Query::with_refresh(false);
    let Progress::Fetch(request) = owner.core.with(|core| core.signing_keys(&mut query, now))
    else {
        panic!("a fetch first");
    };
    engine.perform(request, now);
    assert_eq!(owner.ended.load(Ordering::SeqCst), 1);
    let client = JwksClient::from_engine(engine);
    let status = client.status();
    assert_eq!(
        (status.state, status.last_failure),
        (KeysState::Fresh, None)
    );
    assert_eq!(client.get_signing_keys(false).expect("cached").len(), 1);
}

#[test]
fn the_multi_issuer_handle_routes_each_token_to_its_issuers_engine() {
    const OTHER: &str = "https://other.example.test/";
    const OTHER_JWKS: &str = "https://other.example.test/jwks";
    let ours = Key::rsa("k1");
    let theirs = Key::rsa("k2");
    let (first, first_owner) = Scripted::serving(&[&ours]);
    let mut world = World::standard();
    world.serve(OTHER_JWKS, Script::json(&jwks(&[&theirs])));
    let second = Scripted::new(
        AuthConfig::with_jwks_url(OTHER, AUDIENCE, OTHER_JWKS),
        world,
    );
    let second_owner = Arc::clone(&second.owner);
    let verifier = MultiIssuerVerifier::from_verifiers(vec![
        JwtVerifier::from_engine(first),
        JwtVerifier::from_engine(second),
    ])
    .expect("two issuers");
    let token = theirs.sign(&json!({"iss": OTHER, "aud": AUDIENCE, "exp": T0 + 60.0}));
    assert!(verifier.verify_access_token(&token).is_ok());
    let stranger =
        theirs.sign(&json!({"iss": "https://x.test/", "aud": AUDIENCE, "exp": T0 + 60.0}));
    let refused = verifier.verify_access_token(&stranger).unwrap_err();
    assert_eq!(refused.code(), "invalid_issuer");
    assert_eq!(first_owner.world.lock().unwrap().fetched(JWKS_URL), 0);
    assert_eq!(second_owner.world.lock().unwrap().fetched(OTHER_JWKS), 1);
    assert_eq!(verifier.status(OTHER).expect("listed").counters.accepted, 1);
}
