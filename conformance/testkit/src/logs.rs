//! A `tracing` subscriber that keeps every event it sees, for tests that
//! check what a verifier logs (feature `tracing`).
//!
//! It is installed as the process's global default, because verifiers log
//! from threads and tasks of their own; so one test process shares one
//! record, and each test reads the events of its own URLs
//! ([`logged_for`]).
//!
//! ```
//! use oidc_jwt_verifier_testkit::logs;
//!
//! logs::capture()?;
//! tracing::warn!(target: "oidc_jwt_verifier", event = "refresh_failed", url = "https://a.test/jwks");
//! let kept = logs::logged_for("https://a.test/");
//! assert_eq!(kept[0].field("event"), Some("refresh_failed"));
//! assert_eq!(kept[0].level, tracing::Level::WARN);
//! # Ok::<(), logs::CaptureError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, OnceLock, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// One logged event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// Its level.
    pub level: Level,
    /// Its target (the module path, or the one it named).
    pub target: String,
    /// Every field, strings as they are, other values as `Debug` shows them.
    pub fields: BTreeMap<String, String>,
}

impl Logged {
    /// The field `name`, as text.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// Why the kit's subscriber could not be installed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaptureError {
    /// Another subscriber was made the global default first: nothing is
    /// kept.
    OtherSubscriber,
}

impl CaptureError {
    /// A stable name for the kind of failure: `"other_subscriber"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::OtherSubscriber => "other_subscriber",
        }
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OtherSubscriber => f.write_str(
                "another tracing subscriber is the global default: no event can be captured",
            ),
        }
    }
}

impl std::error::Error for CaptureError {}

/// What was kept, or why nothing is: set by the first [`capture`].
static KEPT: OnceLock<Result<Mutex<Vec<Logged>>, CaptureError>> = OnceLock::new();

/// Installs the keeping subscriber as the global default, once per process
/// (later calls return the first one's outcome): call it before anything
/// logs.
pub fn capture() -> Result<(), CaptureError> {
    KEPT.get_or_init(|| {
        tracing::subscriber::set_global_default(Keeper)
            .map(|()| Mutex::new(Vec::new()))
            .map_err(|_| CaptureError::OtherSubscriber)
    })
    .as_ref()
    .map(drop)
    .map_err(Clone::clone)
}

/// Every event kept so far, oldest first (none before [`capture`]).
pub fn logged() -> Vec<Logged> {
    match KEPT.get() {
        Some(Ok(kept)) => kept.lock().unwrap_or_else(PoisonError::into_inner).clone(),
        _ => Vec::new(),
    }
}

/// The events kept whose `url` field starts with `url`.
pub fn logged_for(url: &str) -> Vec<Logged> {
    logged()
        .into_iter()
        .filter(|logged| logged.field("url").is_some_and(|u| u.starts_with(url)))
        .collect()
}

struct Keeper;

struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl Subscriber for Keeper {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(BTreeMap::new());
        event.record(&mut fields);
        let logged = Logged {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            fields: fields.0,
        };
        if let Some(Ok(kept)) = KEPT.get() {
            kept.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(logged);
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
