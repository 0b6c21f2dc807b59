//! What every operation and every fed-back answer tells its driver to do
//! next: the whole driving protocol, as types.

use std::time::Instant;

use crate::http::FetchRequest;

/// The answer of an operation ([`Verifier::verify`](crate::Verifier::verify),
/// [`signing_keys`](crate::Verifier::signing_keys), ...): the driver's next step.
#[derive(Debug)]
#[must_use = "a Progress names the driver's next step; a request in it must be performed"]
pub enum Progress<T> {
    /// The answer. `background`, when set, is a refresh-ahead (rule 4) that
    /// this caller now owns: start it and do not wait for it, performing
    /// it as [`Fetch`](Progress::Fetch) says.
    Done {
        /// The operation's answer.
        answer: T,
        /// A refresh to run in the background, not waited for.
        background: Option<FetchRequest>,
    },
    /// A refresh is needed and this caller owns its next request: perform
    /// it, [`read`](FetchRequest::read) the outcome, feed the answer to
    /// [`Verifier::handle_answer`](crate::Verifier::handle_answer) (which
    /// may hand out the refresh's next request: perform that too), then ask
    /// the operation again.
    Fetch(FetchRequest),
    /// Another caller's request is in flight: wait until its refresh ends
    /// or `until` passes (then the request counts as lost), and ask again.
    Wait {
        /// The lost-request deadline of the request in flight.
        until: Instant,
    },
}

impl<T> Progress<T> {
    /// The answer, with no background refresh.
    pub(crate) fn done(answer: T) -> Self {
        Progress::Done {
            answer,
            background: None,
        }
    }

    /// Maps the answer, keeping the next step.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Progress<U> {
        match self {
            Progress::Done { answer, background } => Progress::Done {
                answer: f(answer),
                background,
            },
            Progress::Fetch(request) => Progress::Fetch(request),
            Progress::Wait { until } => Progress::Wait { until },
        }
    }
}

/// What [`Verifier::handle_answer`](crate::Verifier::handle_answer) says
/// about the refresh the answer belonged to.
#[derive(Debug)]
#[must_use = "the refresh's next request must be performed"]
pub enum FetchNext {
    /// The refresh goes on with this request (a retry, or the key set a
    /// discovery document named): perform it as the one before.
    Perform(FetchRequest),
    /// The refresh has ended (succeeded or failed): wake the callers that
    /// wait for it.
    Ended,
}

impl FetchNext {
    /// The refresh's next request, `None` once it has ended.
    pub fn into_request(self) -> Option<FetchRequest> {
        match self {
            FetchNext::Perform(request) => Some(request),
            FetchNext::Ended => None,
        }
    }
}
