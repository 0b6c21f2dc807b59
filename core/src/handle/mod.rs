//! The public handles, written once for every driver.
//!
//! A driver supplies an *engine*: the [`SharedCore`] every caller shares,
//! its clock, and how it obeys the core's [`Progress`] — blocking
//! ([`BlockingDriver`]) or async ([`AsyncDriver`]). The handles built on an
//! engine are the whole user API: [`JwtVerifier`], [`JwksClient`] and
//! [`MultiIssuerVerifier`] for a blocking engine, [`AsyncJwtVerifier`],
//! [`AsyncJwksClient`] and [`AsyncMultiIssuerVerifier`] for an async one.
//! Every method is the same few steps, written here and nowhere else: the
//! token read with no lock held, the key chosen through the engine's `run`,
//! the token finished with no lock held.
//!
//! What is left to a driver is I/O and waiting: performing a
//! [`FetchRequest`](crate::FetchRequest) (under a [`Refresh`] guard, which
//! tells the core of a request a panic, a dropped task or a closed driver
//! left unperformed), starting a background refresh, and waking the callers
//! that wait for one.

mod async_multi;
mod async_verifier;
mod multi;
mod refresh;
mod shared;
mod verifier;

use std::future::Future;

pub use async_multi::AsyncMultiIssuerVerifier;
pub use async_verifier::{AsyncJwksClient, AsyncJwtVerifier};
pub use multi::MultiIssuerVerifier;
pub use refresh::{Refresh, RefreshOwner};
pub use shared::SharedCore;
pub use verifier::{JwksClient, JwtVerifier};

use crate::check::TokenReader;
use crate::error::{AuthError, ErrorResponse};
use crate::http_types::Response;
use crate::progress::Progress;
use crate::time::Now;
use crate::verifier::{Query, Verifier};
use crate::Claims;

/// What every engine gives the handles: the token reader, the shared core
/// and the time.
pub trait Driver: Send + Sync + 'static {
    /// The reader of tokens (made by [`Verifier::token_reader`] before the
    /// core went behind its lock): tokens are read and finished with no
    /// lock held.
    fn reader(&self) -> &TokenReader;

    /// The core every caller shares.
    fn core(&self) -> &SharedCore;

    /// The time now, read from the engine's clock (the core never reads one).
    fn now(&self) -> Now;
}

/// An engine whose callers block: they perform the requests they own
/// themselves, and wait for another caller's on a condition variable.
pub trait BlockingDriver: Driver {
    /// Asks `operation` (through [`SharedCore::with`]) until it answers,
    /// doing what each [`Progress`] says: `Done`'s background request
    /// started and not waited for; `Fetch` performed before asking again;
    /// `Wait` waited for, until a refresh ends or `until` passes.
    fn run<T>(
        &self,
        query: Query,
        operation: impl FnMut(&mut Verifier, &mut Query, Now) -> Progress<T>,
    ) -> T;

    /// Blocks until no request is in flight.
    fn wait_for_refresh(&self);
}

/// An engine whose callers are futures: [`BlockingDriver`] in async, every
/// future `Send`.
pub trait AsyncDriver: Driver {
    /// Asks `operation` until it answers, as [`BlockingDriver::run`] does.
    /// Dropping the future must never abandon a request in flight.
    fn run<T: Send>(
        &self,
        query: Query,
        operation: impl FnMut(&mut Verifier, &mut Query, Now) -> Progress<T> + Send,
    ) -> impl Future<Output = T> + Send;

    /// Waits until no request is in flight.
    fn wait_for_refresh(&self) -> impl Future<Output = ()> + Send;
}

/// A verification's refusal as the ready HTTP answer `respond` gives, a
/// server-side one (503, 500) logged first with its cause.
// The ready response is what the caller returns at once: boxing it gains nothing.
#[allow(clippy::result_large_err)]
fn answer_refusal(
    verified: Result<Claims, AuthError>,
    respond: impl FnOnce(&AuthError) -> ErrorResponse,
) -> Result<Claims, Response<String>> {
    verified.map_err(|error| {
        #[cfg(feature = "tracing")]
        error.emit();
        respond(&error).into_http()
    })
}
