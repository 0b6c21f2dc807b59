//! Cold start against a loopback HTTPS issuer found through OpenID Connect
//! discovery, for both drivers: a verifier is built (trusting the issuer's
//! private CA) and verifies its first token, which makes it fetch the
//! discovery document and then the key set.
//!
//! The phases are split where the driver reads its clock: a driver reads it
//! when a fetch's answer is in, to feed it back. The verifier is given a
//! clock that notes the time of every reading with the issuer's request
//! counts at that moment; the first reading after the issuer received the
//! discovery request ends the discovery phase, the first after it received
//! the key-set request ends the JWKS fetch, and the first verification is
//! what remains (parsing the key set, the token's checks, its signature).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use oidc_jwt_verifier_async::AsyncJwtVerifier;
use oidc_jwt_verifier_blocking::{AuthConfig, Clock, JwtVerifier, SystemClock, UnixTime};
use oidc_jwt_verifier_testkit::{discovery_document, ScriptedServer};

use crate::fixture::{Alg, Fixture, AUDIENCE, CACHE_TTL_S, ISSUER};
use crate::layers::runtime;
use crate::stats::median;

const DISCOVERY_URL: &str = "https://id.example.test/.well-known/openid-configuration";
const JWKS_URL: &str = "https://id.example.test/.well-known/jwks.json";

/// Which driver a cold start is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Driver {
    Blocking,
    Async,
}

impl Driver {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Driver::Blocking => "blocking",
            Driver::Async => "async",
        }
    }
}

/// One cold start's phases, in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Phases {
    pub(crate) build: f64,
    pub(crate) discovery: f64,
    pub(crate) jwks_fetch: f64,
    pub(crate) first_verification: f64,
    /// Build plus first verification, measured as one span.
    pub(crate) total: f64,
}

/// A driver's cold starts.
#[derive(Debug, Clone)]
pub(crate) struct ColdStart {
    pub(crate) driver: Driver,
    pub(crate) repetitions: usize,
    /// The first cold start of the process.
    pub(crate) first: Phases,
    /// Each phase's median over the repetitions.
    pub(crate) median: Phases,
}

/// Measures `repetitions` cold starts of each driver (each a new verifier
/// against the same issuer).
pub(crate) fn measure(repetitions: usize) -> Result<Vec<ColdStart>, String> {
    let issuer = Issuer::start()?;
    let mut starts = Vec::new();
    for driver in [Driver::Blocking, Driver::Async] {
        let runs = (0..repetitions.max(1))
            .map(|_| issuer.cold_start(driver))
            .collect::<Result<Vec<_>, String>>()?;
        let each = |phase: fn(&Phases) -> f64| median(&runs.iter().map(phase).collect::<Vec<_>>());
        starts.push(ColdStart {
            driver,
            repetitions: runs.len(),
            first: runs[0],
            median: Phases {
                build: each(|p| p.build),
                discovery: each(|p| p.discovery),
                jwks_fetch: each(|p| p.jwks_fetch),
                first_verification: each(|p| p.first_verification),
                total: each(|p| p.total),
            },
        });
    }
    Ok(starts)
}

/// The loopback issuer with its discovery document and key set.
struct Issuer {
    server: Arc<ScriptedServer>,
    fixture: Fixture,
    discovery_url: String,
    runtime: tokio::runtime::Runtime,
}

impl Issuer {
    fn start() -> Result<Self, String> {
        let fixture = Fixture::new(Alg::Rs256)?;
        let server = ScriptedServer::start().map_err(|e| format!("loopback issuer: {e}"))?;
        server
            .serve_json(DISCOVERY_URL, discovery_document(ISSUER, JWKS_URL))
            .and_then(|()| server.serve_json(JWKS_URL, fixture.jwks()))
            .map_err(|error| format!("loopback issuer: {error}"))?;
        let discovery_url = server
            .map_url(DISCOVERY_URL)
            .map_err(|error| format!("loopback issuer: {error}"))?;
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        Ok(Issuer {
            server: Arc::new(server),
            fixture,
            discovery_url,
            runtime: runtime(threads)?,
        })
    }

    fn config(&self) -> AuthConfig {
        let mut config = AuthConfig::with_discovery_url(ISSUER, AUDIENCE, &self.discovery_url);
        config.allowed_algs = vec![self.fixture.alg.name().to_owned()];
        config.cache_ttl_s = CACHE_TTL_S;
        config
    }

    fn cold_start(&self, driver: Driver) -> Result<Phases, String> {
        self.server.reset_counts();
        let clock = Arc::new(MarkingClock::new(Arc::clone(&self.server)));
        let ca = self.server.ca_pem().as_bytes();
        let token = self.fixture.token.as_str();
        let (start, built, done) = match driver {
            Driver::Blocking => {
                let start = Instant::now();
                let verifier = JwtVerifier::builder(self.config())
                    .clock(clock.clone())
                    .root_certificate_pem(ca)
                    .build()
                    .map_err(|error| format!("blocking build: {error}"))?;
                let built = Instant::now();
                verifier
                    .verify_access_token(token)
                    .map_err(|error| format!("blocking first verification: {error}"))?;
                (start, built, Instant::now())
            }
            Driver::Async => self.runtime.block_on(async {
                let start = Instant::now();
                let verifier = AsyncJwtVerifier::builder(self.config())
                    .clock(clock.clone())
                    .root_certificate_pem(ca)
                    .build()
                    .map_err(|error| format!("async build: {error}"))?;
                let built = Instant::now();
                verifier
                    .verify_access_token(token)
                    .await
                    .map_err(|error| format!("async first verification: {error}"))?;
                Ok::<_, String>((start, built, Instant::now()))
            })?,
        };
        let fetched = (
            self.server.requests(DISCOVERY_URL),
            self.server.requests(JWKS_URL),
        );
        if fetched != (1, 1) {
            return Err(format!(
                "a cold start fetched {fetched:?} (discovery, key set), not one each"
            ));
        }
        let discovered = clock.first_mark(|mark| mark.discovery_requests > 0);
        let fetched = clock.first_mark(|mark| mark.jwks_requests > 0);
        let (Some(discovered), Some(fetched)) = (discovered, fetched) else {
            return Err(
                "the driver read no clock after its fetches: phases cannot be split".into(),
            );
        };
        let ms =
            |from: Instant, to: Instant| to.saturating_duration_since(from).as_secs_f64() * 1e3;
        Ok(Phases {
            build: ms(start, built),
            discovery: ms(built, discovered),
            jwks_fetch: ms(discovered, fetched),
            first_verification: ms(fetched, done),
            total: ms(start, done),
        })
    }
}

/// One clock reading: when, and what the issuer had received by then.
#[derive(Debug, Clone, Copy)]
struct Mark {
    at: Instant,
    discovery_requests: u64,
    jwks_requests: u64,
}

/// The system clock, noting every monotonic reading.
struct MarkingClock {
    server: Arc<ScriptedServer>,
    marks: Mutex<Vec<Mark>>,
}

impl MarkingClock {
    fn new(server: Arc<ScriptedServer>) -> Self {
        MarkingClock {
            server,
            marks: Mutex::new(Vec::new()),
        }
    }

    /// The time of the first reading `matches`.
    fn first_mark(&self, matches: impl Fn(&Mark) -> bool) -> Option<Instant> {
        let marks = self.marks.lock().unwrap_or_else(PoisonError::into_inner);
        marks.iter().find(|mark| matches(mark)).map(|mark| mark.at)
    }
}

impl Clock for MarkingClock {
    fn monotonic(&self) -> Instant {
        let at = SystemClock.monotonic();
        let mark = Mark {
            at,
            discovery_requests: self.server.requests(DISCOVERY_URL),
            jwks_requests: self.server.requests(JWKS_URL),
        };
        self.marks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(mark);
        at
    }

    fn wall(&self) -> UnixTime {
        SystemClock.wall()
    }
}
