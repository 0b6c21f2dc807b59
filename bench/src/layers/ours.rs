//! Our three layers on the hot path (keys cached, no I/O): the core behind a
//! mutex, the blocking driver and the async driver. The drivers fetched
//! their keys once from a loopback HTTPS issuer before any measurement.

use std::collections::BTreeMap;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use oidc_jwt_verifier_async::AsyncJwtVerifier;
use oidc_jwt_verifier_blocking::{Claims, Clock, JwtVerifier, SystemClock};
use oidc_jwt_verifier_testkit::ScriptedServer;
use tokio::runtime::Runtime;

use crate::adapter::CachedCore;
use crate::fixture::{Fixture, JWKS_URL};

/// The core behind a mutex, its key set fed in once; the clock read per
/// verification, as a service would.
pub(crate) struct CoreLayer {
    core: CachedCore,
    token: String,
}

impl CoreLayer {
    pub(crate) fn new(fixture: &Fixture) -> Result<Self, String> {
        let core = CachedCore::new(fixture.config(JWKS_URL))?;
        core.load(&fixture.jwks_body(), SystemClock.now())?;
        core.verify(&fixture.token, SystemClock.now())
            .map_err(|error| format!("core, {} token: {error}", fixture.alg.name()))?;
        Ok(CoreLayer {
            core,
            token: fixture.token.clone(),
        })
    }

    pub(crate) fn verify(&self) -> Option<Claims> {
        self.core
            .verify(black_box(&self.token), SystemClock.now())
            .ok()
    }
}

/// The blocking driver, shared by every thread.
pub(crate) struct BlockingLayer {
    verifier: JwtVerifier,
    token: String,
}

impl BlockingLayer {
    pub(crate) fn new(fixture: &Fixture, issuer: &LoopbackIssuer) -> Result<Self, String> {
        let url = issuer.jwks_url(fixture)?;
        let verifier = JwtVerifier::builder(fixture.config(&url))
            .root_certificate_pem(issuer.server.ca_pem().as_bytes())
            .build()
            .map_err(|error| format!("blocking driver: {error}"))?;
        verifier
            .verify_access_token(&fixture.token)
            .map_err(|error| format!("blocking driver, first verification: {error}"))?;
        Ok(BlockingLayer {
            verifier,
            token: fixture.token.clone(),
        })
    }

    pub(crate) fn verify(&self) -> Option<Claims> {
        self.verifier
            .verify_access_token(black_box(&self.token))
            .ok()
    }
}

/// The async driver, with one multi-threaded Tokio runtime per thread count
/// measured (all made before any measurement).
pub(crate) struct AsyncLayer {
    verifier: Arc<AsyncJwtVerifier>,
    token: Arc<str>,
    runtimes: BTreeMap<usize, Runtime>,
}

impl AsyncLayer {
    pub(crate) fn new(
        fixture: &Fixture,
        issuer: &LoopbackIssuer,
        thread_counts: &[usize],
    ) -> Result<Self, String> {
        let runtimes = thread_counts
            .iter()
            .map(|&threads| Ok((threads, runtime(threads)?)))
            .collect::<Result<BTreeMap<_, _>, String>>()?;
        let first = runtimes.values().next().ok_or("no thread count")?;
        let url = issuer.jwks_url(fixture)?;
        let verifier = first.block_on(async {
            let verifier = AsyncJwtVerifier::builder(fixture.config(&url))
                .root_certificate_pem(issuer.server.ca_pem().as_bytes())
                .build()
                .map_err(|error| format!("async driver: {error}"))?;
            verifier
                .verify_access_token(&fixture.token)
                .await
                .map_err(|error| format!("async driver, first verification: {error}"))?;
            Ok::<_, String>(verifier)
        })?;
        Ok(AsyncLayer {
            verifier: Arc::new(verifier),
            token: Arc::from(fixture.token.as_str()),
            runtimes,
        })
    }

    pub(crate) fn verifier(&self) -> &Arc<AsyncJwtVerifier> {
        &self.verifier
    }

    pub(crate) fn token(&self) -> &Arc<str> {
        &self.token
    }

    /// The runtime with `threads` workers.
    pub(crate) fn runtime(&self, threads: usize) -> Option<&Runtime> {
        self.runtimes.get(&threads)
    }

    /// One verification on this thread, polled in place (with fresh keys it
    /// completes at the first poll; otherwise it is driven to the end), so
    /// its allocations are this thread's.
    pub(crate) fn verify_here(&self) -> Option<Claims> {
        let runtime = self.runtimes.values().next()?;
        let _context = runtime.enter();
        let mut future = pin!(self.verifier.verify_access_token(black_box(&self.token)));
        let mut context = Context::from_waker(Waker::noop());
        match future.as_mut().poll(&mut context) {
            Poll::Ready(answer) => answer.ok(),
            Poll::Pending => runtime.block_on(future).ok(),
        }
    }
}

/// A multi-threaded Tokio runtime with `threads` workers.
pub(crate) fn runtime(threads: usize) -> Result<Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(|error| format!("tokio runtime: {error}"))
}

/// The loopback HTTPS issuer the drivers fetch their keys from once: each
/// algorithm's key set at a path of its own.
pub(crate) struct LoopbackIssuer {
    server: ScriptedServer,
}

impl LoopbackIssuer {
    pub(crate) fn start(fixtures: &[Fixture]) -> Result<Self, String> {
        let server =
            ScriptedServer::start().map_err(|error| format!("loopback issuer: {error}"))?;
        for fixture in fixtures {
            server
                .serve_json(&published_url(fixture), fixture.jwks())
                .map_err(|error| format!("loopback issuer: {error}"))?;
        }
        Ok(LoopbackIssuer { server })
    }

    /// The loopback URL of `fixture`'s key set.
    fn jwks_url(&self, fixture: &Fixture) -> Result<String, String> {
        self.server
            .map_url(&published_url(fixture))
            .map_err(|error| format!("loopback issuer: {error}"))
    }

    /// Requests received, every URL together.
    pub(crate) fn requests(&self) -> u64 {
        self.server.request_counts().values().sum()
    }
}

fn published_url(fixture: &Fixture) -> String {
    format!("https://id.example.test/{}/jwks", fixture.alg.name())
}
