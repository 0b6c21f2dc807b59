//! The driver loop: the core's answers obeyed, the core held only for its
//! own calls (never across an `.await`), requests performed on tasks of
//! their own and read off the runtime's workers, and callers told to wait
//! parked on a [`Notify`].

use std::ffi::OsString;
use std::pin::pin;
use std::sync::Arc;

use oidc_jwt_verifier_core::handle::{AsyncDriver, Driver, Refresh, RefreshOwner, SharedCore};
use oidc_jwt_verifier_core::{
    Build, BuildError, BuildParts, ClientChoice, Clock, FetchRequest, Now, Progress, Query,
    TokenReader, Verifier,
};
use tokio::sync::Notify;

use crate::http::{self, Clients, HttpClient};

/// The async engine the handles run on ([`AsyncJwtVerifier`](crate::AsyncJwtVerifier),
/// [`AsyncJwksClient`](crate::AsyncJwksClient)): one verifier's state, shared
/// by every caller and refresh task.
pub struct Engine {
    shared: Arc<Shared>,
    /// Tokens are read (and finished) with no lock held.
    reader: TokenReader,
}

struct Shared {
    core: SharedCore,
    /// Notified whenever a refresh ends.
    refresh_ended: Notify,
    clock: Arc<dyn Clock>,
    client: Clients,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Build for Engine {
    type HttpClient = HttpClient;

    /// The caller's client, or clients of the driver's own for the resolved
    /// transport (the timeout is set on each request): the one place this
    /// driver makes its HTTP client.
    fn build(parts: BuildParts<HttpClient>) -> Result<Self, BuildError> {
        let client = match parts.client {
            ClientChoice::Callers(client) => Clients::callers(client),
            ClientChoice::Own(transport) => Clients::own(transport)?,
        };
        Ok(Engine {
            reader: parts.core.token_reader(),
            shared: Arc::new(Shared {
                core: SharedCore::new(parts.core),
                refresh_ended: Notify::new(),
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

impl AsyncDriver for Engine {
    /// A background refresh runs on a task of its own; so does a refresh
    /// this caller owns (dropping this future never abandons it), waited
    /// for before asking again as the core requires; another caller's is
    /// waited for on the [`Notify`].
    async fn run<T: Send>(
        &self,
        mut query: Query,
        mut operation: impl FnMut(&mut Verifier, &mut Query, Now) -> Progress<T> + Send,
    ) -> T {
        loop {
            let now = self.now();
            // Made before asking, so a refresh ending in between is not
            // missed: a `Notified` receives every `notify_waiters` from its
            // creation on (the only notification this driver sends), polled
            // or not. Not enabled: an answer from cached keys, the hot
            // path, then never takes the `Notify`'s lock.
            let ended = pin!(self.shared.refresh_ended.notified());
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
                    spawn(&self.shared, request, now);
                    // Every way a refresh ends (done, panicked, its task
                    // dropped) drops it, which notifies.
                    ended.await;
                }
                Progress::Wait { until } => {
                    let left = until.saturating_duration_since(now.monotonic);
                    let _ = tokio::time::timeout(left, ended).await;
                }
            }
        }
    }

    async fn wait_for_refresh(&self) {
        loop {
            let mut ended = pin!(self.shared.refresh_ended.notified());
            // Registered before the check, so an end between the check and
            // the wait is not missed.
            ended.as_mut().enable();
            if !self.shared.core.is_refreshing() {
                return;
            }
            ended.await;
        }
    }
}

impl RefreshOwner for Shared {
    fn core(&self) -> &SharedCore {
        &self.core
    }

    fn refresh_ended(&self) {
        self.refresh_ended.notify_waiters();
    }
}

/// Runs the refresh on a task of its own (of the current Tokio runtime).
fn spawn(shared: &Arc<Shared>, request: FetchRequest, now: Now) {
    let refresh = Refresh::new(shared, &request, now);
    drop(tokio::spawn(perform(refresh, request)));
}

/// Performs request after request, each read on the blocking pool (the
/// key-set parse is CPU work) with no lock held, until the core says the
/// refresh has ended.
async fn perform(mut refresh: Refresh<Shared>, mut request: FetchRequest) {
    loop {
        let outcome = http::get(&refresh.owner().client, &request).await;
        let read = tokio::task::spawn_blocking(move || request.read(outcome));
        // The read panicked or the runtime is shutting down: dropping
        // `refresh` abandons the request.
        let Ok(answer) = read.await else { return };
        let now = refresh.owner().clock.now();
        match refresh.answered(answer, now) {
            Some(next) => request = next,
            None => return,
        }
    }
}
