//! The async layer: [`AsyncJwtVerifier`] (hyper on Tokio) against a
//! scripted loopback server, one per case, on the layer's own runtime.

use std::io;

use oidc_jwt_verifier_async::AsyncJwtVerifier;
use oidc_jwt_verifier_core::http_types::HeaderMap;
use oidc_jwt_verifier_core::{AuthError, Claims, IncomingRequest, Requirements, SigningKey};
use tokio::runtime::Runtime;

use super::sockets::{build_failure, start_world, Driver, DriverSetup};
use super::{Layer, StartError, World};
use crate::case::Case;

/// Worker threads of the layer's runtime.
const WORKERS: usize = 2;

/// Drives the async driver ([`AsyncJwtVerifier`]) over real sockets, on a
/// multi-thread Tokio runtime of its own that each step blocks on.
#[derive(Debug)]
pub struct AsyncLayer {
    runtime: Runtime,
}

impl AsyncLayer {
    /// The layer with its runtime (two workers, I/O and time drivers).
    pub fn new() -> io::Result<AsyncLayer> {
        Ok(AsyncLayer {
            runtime: runtime()?,
        })
    }
}

/// A multi-thread runtime with two workers, I/O and time drivers.
pub(crate) fn runtime() -> io::Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .thread_name("conformance-async")
        .enable_all()
        .build()
}

impl Layer for AsyncLayer {
    fn name(&self) -> &str {
        "async"
    }

    fn start(&self, case: &Case) -> Result<Box<dyn World + '_>, StartError> {
        start_world(case, |setup| build_async(&self.runtime, setup))
    }
}

/// An async verifier and the runtime its calls block on.
pub(crate) struct BlockingOn<'rt> {
    verifier: AsyncJwtVerifier,
    runtime: &'rt Runtime,
}

/// The async verifier of a case (built inside `runtime`): the case's clock,
/// the test CA as its only root.
pub(crate) fn build_async<'rt>(
    runtime: &'rt Runtime,
    setup: DriverSetup<'_>,
) -> Result<BlockingOn<'rt>, String> {
    let _context = runtime.enter();
    let verifier = AsyncJwtVerifier::builder(setup.config)
        .clock(setup.clock)
        .root_certificate_pem(setup.ca_pem.as_bytes())
        .build()
        .map_err(build_failure)?;
    Ok(BlockingOn { verifier, runtime })
}

impl Driver for BlockingOn<'_> {
    fn verify_token(&self, token: &str) -> Result<Claims, AuthError> {
        self.runtime
            .block_on(self.verifier.verify_access_token(token))
    }

    fn verify_header(&self, header: Option<&str>) -> Result<Claims, AuthError> {
        self.runtime
            .block_on(self.verifier.verify_authorization_header(header))
    }

    fn verify_headers(
        &self,
        headers: &HeaderMap,
        route: &Requirements,
    ) -> Result<Claims, AuthError> {
        self.runtime
            .block_on(self.verifier.verify_headers(headers, route))
    }

    fn verify_incoming(
        &self,
        request: &IncomingRequest<'_>,
        route: &Requirements,
    ) -> Result<Claims, AuthError> {
        self.runtime
            .block_on(self.verifier.verify_incoming(request, route))
    }

    fn signing_keys(&self, refresh: bool) -> Result<Vec<SigningKey>, AuthError> {
        self.runtime
            .block_on(self.verifier.get_signing_keys(refresh))
    }

    fn healthcheck(&self, refresh: bool) -> bool {
        self.runtime.block_on(self.verifier.healthcheck(refresh))
    }

    fn wait_for_refresh(&self) {
        self.runtime.block_on(self.verifier.wait_for_refresh());
    }
}
