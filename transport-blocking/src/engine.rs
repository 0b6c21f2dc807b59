//! The driver loop: the core's answers obeyed, the core held only for its
//! own calls, requests performed (and read) with no lock held, and callers
//! told to wait blocked on a condition variable.

use std::ffi::OsString;
use std::sync::{Arc, Condvar};

use oidc_jwt_verifier_core::handle::{BlockingDriver, Driver, Refresh, RefreshOwner, SharedCore};
use oidc_jwt_verifier_core::{
    Build, BuildError, BuildParts, ClientChoice, Clock, FetchRequest, Now, Progress, Query,
    TokenReader, Verifier,
};

use crate::http::{self, Client, HttpClient};

/// The blocking engine the handles run on ([`JwtVerifier`](crate::JwtVerifier),
/// [`JwksClient`](crate::JwksClient)): one verifier's state, shared by every
/// caller and background refresh.
pub struct Engine {
    shared: Arc<Shared>,
    /// Tokens are read (and finished) with no lock held.
    reader: TokenReader,
}

struct Shared {
    core: SharedCore,
    /// Signalled whenever a refresh ends (with `core`'s mutex).
    refresh_ended: Condvar,
    clock: Arc<dyn Clock>,
    client: Client,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Build for Engine {
    type HttpClient = HttpClient;

    /// The caller's agent, or agents of the driver's own for the resolved
    /// transport: the one place this driver makes its HTTP client.
    fn build(parts: BuildParts<HttpClient>) -> Result<Self, BuildError> {
        let client = match parts.client {
            ClientChoice::Callers(agent) => Client::callers(agent),
            ClientChoice::Own(transport) => Client::own(transport, parts.core.http_timeout())?,
        };
        Ok(Engine {
            reader: parts.core.token_reader(),
            shared: Arc::new(Shared {
                core: SharedCore::new(parts.core),
                refresh_ended: Condvar::new(),
                clock: parts.clock,
                client,
            }),
        })
    }

    fn environment(name: &'static str) -> Option<OsString> {
        std::env::var_os(name)
    }
}

impl Driver for Engine {
    fn reader(&self) -> &TokenReader {
        &self.reader
    }

    fn core(&self) -> &SharedCore {
        &self.shared.core
    }

    fn now(&self) -> Now {
        self.shared.clock.now()
    }
}

impl BlockingDriver for Engine {
    /// A background refresh runs on a thread of its own; a refresh this
    /// caller owns is performed here; another caller's is waited for on
    /// the condition variable.
    fn run<T>(
        &self,
        mut query: Query,
        mut operation: impl FnMut(&mut Verifier, &mut Query, Now) -> Progress<T>,
    ) -> T {
        loop {
            let now = self.now();
            match self
                .shared
                .core
                .with(|core| operation(core, &mut query, now))
            {
                Progress::Done { answer, background } => {
                    if let Some(request) = background {
                        spawn(&self.shared, request, now);
                    }
                    return answer;
                }
                Progress::Fetch(request) => {
                    perform(Refresh::new(&self.shared, &request, now), request)
                }
                Progress::Wait { until } => {
                    let core = self.shared.core.lock();
                    if core.is_refreshing() {
                        let left = until.saturating_duration_since(now.monotonic);
                        drop(self.shared.refresh_ended.wait_timeout(core, left));
                    }
                }
            }
        }
    }

    fn wait_for_refresh(&self) {
        let mut core = self.shared.core.lock();
        while core.is_refreshing() {
            core = self
                .shared
                .refresh_ended
                .wait(core)
                .unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl RefreshOwner for Shared {
    fn core(&self) -> &SharedCore {
        &self.core
    }

    fn refresh_ended(&self) {
        self.refresh_ended.notify_all();
    }
}

/// Runs the refresh on a thread of its own. If none can be started, the
/// closure (and so the refresh) is dropped, abandoning the request.
fn spawn(shared: &Arc<Shared>, request: FetchRequest, now: Now) {
    let refresh = Refresh::new(shared, &request, now);
    let _started = std::thread::Builder::new()
        .name("oidc-jwks-refresh".to_owned())
        .spawn(move || perform(refresh, request));
}

/// Performs request after request, each read with no lock held, until the
/// core says the refresh has ended.
fn perform(mut refresh: Refresh<Shared>, mut request: FetchRequest) {
    loop {
        let answer = request.read(http::get(&refresh.owner().client, &request));
        let now = refresh.owner().clock.now();
        match refresh.answered(answer, now) {
            Some(next) => request = next,
            None => return,
        }
    }
}
