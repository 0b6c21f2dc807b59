//! An unknown-kid flood: 10,000 tokens naming keys the issuer never
//! published, from 64 threads (blocking driver) or 64 tasks (async driver),
//! while one more caller keeps verifying a valid token. Reported: the
//! requests the issuer received during the flood (the refetch cooldown
//! should allow one), and the valid token's latency percentiles during the
//! flood against the same caller's without it.
//!
//! The verifier's clock is the system's moved past the cooldown once the
//! keys are cached, so the flood starts where an unknown kid may refetch.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use oidc_jwt_verifier_async::AsyncJwtVerifier;
use oidc_jwt_verifier_blocking::{AuthConfig, Clock, JwtVerifier, SystemClock, UnixTime};
use oidc_jwt_verifier_testkit::issuer::b64url_decode;
use oidc_jwt_verifier_testkit::ScriptedServer;

use crate::cold::Driver;
use crate::fixture::{typical_token, unix_now, Alg, Fixture};
use crate::layers::runtime;
use crate::stats::percentile;

/// Tokens in the flood.
const FLOOD_TOKENS: usize = 10_000;
/// Threads or tasks sending them.
const FLOODERS: usize = 64;
const JWKS_URL: &str = "https://id.example.test/jwks";

/// One driver's flood.
#[derive(Debug, Clone)]
pub(crate) struct Flood {
    pub(crate) driver: Driver,
    pub(crate) tokens: usize,
    pub(crate) flooders: usize,
    pub(crate) cooldown_s: f64,
    pub(crate) issuer_requests: u64,
    /// Flood tokens refused as `key_not_found` (all of them, if all is well).
    pub(crate) key_not_found: u64,
    pub(crate) flood_ms: f64,
    pub(crate) during: Latencies,
    pub(crate) without: Latencies,
}

/// Latency percentiles of valid verifications, in microseconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Latencies {
    pub(crate) samples: usize,
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
}

impl Latencies {
    fn of(samples: &[f64]) -> Self {
        Latencies {
            samples: samples.len(),
            p50_us: percentile(samples, 50.0),
            p99_us: percentile(samples, 99.0),
        }
    }
}

/// Floods both drivers; `baseline` valid verifications are timed without
/// the flood.
pub(crate) fn measure(baseline: usize) -> Result<Vec<Flood>, String> {
    let scene = Scene::new()?;
    Ok(vec![
        scene.flood_blocking(baseline)?,
        scene.flood_async(baseline)?,
    ])
}

/// The issuer, the valid token and the flood's tokens.
struct Scene {
    server: ScriptedServer,
    fixture: Fixture,
    unknown: Arc<Vec<String>>,
}

impl Scene {
    fn new() -> Result<Self, String> {
        let fixture = Fixture::new(Alg::Rs256)?;
        let server = ScriptedServer::start().map_err(|e| format!("loopback issuer: {e}"))?;
        server
            .serve_json(JWKS_URL, fixture.jwks())
            .map_err(|error| format!("loopback issuer: {error}"))?;
        // Unknown keys are refused before any signature check: the valid
        // token's signature bytes give every flood token a well-formed one.
        let signature = fixture
            .token
            .rsplit_once('.')
            .and_then(|(_, signature)| b64url_decode(signature))
            .ok_or("the fixture token has no signature")?;
        let now = unix_now();
        let unknown = (0..FLOOD_TOKENS)
            .map(|i| {
                typical_token(&fixture.key, now)
                    .header("kid", serde_json::json!(format!("unknown-{i:05}")))
                    .with_signature(&signature)
            })
            .collect();
        Ok(Scene {
            server,
            fixture,
            unknown: Arc::new(unknown),
        })
    }

    fn config(&self) -> Result<AuthConfig, String> {
        let url = self
            .server
            .map_url(JWKS_URL)
            .map_err(|error| format!("loopback issuer: {error}"))?;
        Ok(self.fixture.config(&url))
    }

    fn flood_blocking(&self, baseline: usize) -> Result<Flood, String> {
        let config = self.config()?;
        let cooldown_s = config.refresh_cooldown_s;
        let clock = Arc::new(ShiftedClock::default());
        let verifier = Arc::new(
            JwtVerifier::builder(config)
                .clock(clock.clone())
                .root_certificate_pem(self.server.ca_pem().as_bytes())
                .build()
                .map_err(|error| format!("blocking driver: {error}"))?,
        );
        let token = self.fixture.token.as_str();
        let valid = || {
            let start = Instant::now();
            let verified = verifier.verify_access_token(black_box(token)).is_ok();
            (verified, start.elapsed())
        };
        if !valid().0 {
            return Err("blocking driver refuses the valid token".into());
        }
        let without = (0..baseline)
            .map(|_| timed(valid()))
            .collect::<Result<Vec<_>, _>>()?;
        clock.shift(cooldown_s + 1.0);
        self.server.reset_counts();

        let refused = AtomicU64::new(0);
        let flooding = AtomicUsize::new(FLOODERS);
        let barrier = Barrier::new(FLOODERS + 1);
        let (during, flood_ms) = std::thread::scope(|scope| {
            for share in shares(&self.unknown) {
                let (verifier, refused, flooding, barrier) =
                    (&verifier, &refused, &flooding, &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    for token in share {
                        if let Err(error) = verifier.verify_access_token(token) {
                            if error.code() == "key_not_found" {
                                refused.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    flooding.fetch_sub(1, Ordering::Release);
                });
            }
            barrier.wait();
            let start = Instant::now();
            let mut during = Vec::new();
            while flooding.load(Ordering::Acquire) > 0 {
                during.push(timed(valid()));
            }
            (during, start.elapsed().as_secs_f64() * 1e3)
        });
        Ok(Flood {
            driver: Driver::Blocking,
            tokens: FLOOD_TOKENS,
            flooders: FLOODERS,
            cooldown_s,
            issuer_requests: self.server.requests(JWKS_URL),
            key_not_found: refused.into_inner(),
            flood_ms,
            during: Latencies::of(&during.into_iter().collect::<Result<Vec<_>, _>>()?),
            without: Latencies::of(&without),
        })
    }

    fn flood_async(&self, baseline: usize) -> Result<Flood, String> {
        let config = self.config()?;
        let cooldown_s = config.refresh_cooldown_s;
        let clock = Arc::new(ShiftedClock::default());
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let runtime = runtime(threads)?;
        let ca = self.server.ca_pem().as_bytes().to_vec();
        let token: Arc<str> = Arc::from(self.fixture.token.as_str());
        let unknown = Arc::clone(&self.unknown);
        let server = &self.server;
        runtime.block_on(async move {
            let verifier = Arc::new(
                AsyncJwtVerifier::builder(config)
                    .clock(clock.clone())
                    .root_certificate_pem(&ca)
                    .build()
                    .map_err(|error| format!("async driver: {error}"))?,
            );
            verifier
                .verify_access_token(&token)
                .await
                .map_err(|error| format!("async driver refuses the valid token: {error}"))?;
            let valid_for = |verifier: Arc<AsyncJwtVerifier>, token: Arc<str>| async move {
                let start = Instant::now();
                let verified = verifier
                    .verify_access_token(black_box(&token))
                    .await
                    .is_ok();
                let elapsed = start.elapsed();
                tokio::task::yield_now().await;
                timed((verified, elapsed))
            };
            let mut without = Vec::with_capacity(baseline);
            for _ in 0..baseline {
                without.push(valid_for(Arc::clone(&verifier), Arc::clone(&token)).await?);
            }
            clock.shift(cooldown_s + 1.0);
            server.reset_counts();

            let refused = Arc::new(AtomicU64::new(0));
            let flooding = Arc::new(AtomicUsize::new(FLOODERS));
            let barrier = Arc::new(tokio::sync::Barrier::new(FLOODERS + 1));
            for index in 0..FLOODERS {
                let (verifier, unknown, refused, flooding, barrier) = (
                    Arc::clone(&verifier),
                    Arc::clone(&unknown),
                    Arc::clone(&refused),
                    Arc::clone(&flooding),
                    Arc::clone(&barrier),
                );
                tokio::spawn(async move {
                    barrier.wait().await;
                    for token in share(&unknown, index) {
                        if let Err(error) = verifier.verify_access_token(token).await {
                            if error.code() == "key_not_found" {
                                refused.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        tokio::task::yield_now().await;
                    }
                    flooding.fetch_sub(1, Ordering::Release);
                });
            }
            let measuring = tokio::spawn({
                let (verifier, token, flooding, barrier) = (
                    Arc::clone(&verifier),
                    Arc::clone(&token),
                    Arc::clone(&flooding),
                    Arc::clone(&barrier),
                );
                async move {
                    barrier.wait().await;
                    let start = Instant::now();
                    let mut during = Vec::new();
                    while flooding.load(Ordering::Acquire) > 0 {
                        during.push(valid_for(Arc::clone(&verifier), Arc::clone(&token)).await?);
                    }
                    Ok::<_, String>((during, start.elapsed().as_secs_f64() * 1e3))
                }
            });
            let (during, flood_ms) = measuring
                .await
                .map_err(|error| format!("task: {error}"))??;
            Ok(Flood {
                driver: Driver::Async,
                tokens: FLOOD_TOKENS,
                flooders: FLOODERS,
                cooldown_s,
                issuer_requests: server.requests(JWKS_URL),
                key_not_found: refused.load(Ordering::Relaxed),
                flood_ms,
                during: Latencies::of(&during),
                without: Latencies::of(&without),
            })
        })
    }
}

/// A timed valid verification in microseconds, or the error if refused.
fn timed((verified, elapsed): (bool, Duration)) -> Result<f64, String> {
    if verified {
        Ok(elapsed.as_secs_f64() * 1e6)
    } else {
        Err("a valid token was refused during the flood measurement".into())
    }
}

/// The flood split into one share per flooder.
fn shares(tokens: &[String]) -> impl Iterator<Item = &[String]> {
    (0..FLOODERS).map(move |index| share(tokens, index))
}

fn share(tokens: &[String], index: usize) -> &[String] {
    let per = tokens.len().div_ceil(FLOODERS);
    let start = (index * per).min(tokens.len());
    &tokens[start..(start + per).min(tokens.len())]
}

/// The system clock, both readings moved forward by a settable shift.
#[derive(Default)]
struct ShiftedClock {
    shift_ms: AtomicU64,
}

impl ShiftedClock {
    fn shift(&self, seconds: f64) {
        self.shift_ms
            .store((seconds * 1e3) as u64, Ordering::Relaxed);
    }

    fn offset(&self) -> Duration {
        Duration::from_millis(self.shift_ms.load(Ordering::Relaxed))
    }
}

impl Clock for ShiftedClock {
    fn monotonic(&self) -> Instant {
        SystemClock.monotonic() + self.offset()
    }

    fn wall(&self) -> UnixTime {
        UnixTime::from_secs_f64(SystemClock.wall().as_secs_f64() + self.offset().as_secs_f64())
    }
}
