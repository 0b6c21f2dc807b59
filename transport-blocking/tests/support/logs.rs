//! A `tracing` subscriber that keeps every event it sees, for tests that
//! check what the drivers log. Installed once per test process as the
//! global default (refreshes log from threads and tasks of their own).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// One logged event.
#[derive(Debug, Clone)]
pub struct Logged {
    pub level: Level,
    pub target: String,
    /// Every field, strings as they are, other values as `Debug` shows them.
    pub fields: BTreeMap<String, String>,
}

impl Logged {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

static LOGGED: OnceLock<Mutex<Vec<Logged>>> = OnceLock::new();

/// Installs the subscriber (once): call it before anything logs.
pub fn capture() {
    logged();
}

/// Installs the subscriber (once) and returns what was logged so far.
pub fn logged() -> Vec<Logged> {
    LOGGED
        .get_or_init(|| {
            tracing::subscriber::set_global_default(Keeper).expect("the only subscriber");
            Mutex::new(Vec::new())
        })
        .lock()
        .unwrap()
        .clone()
}

/// The events logged for `url` (their `url` field), by event name.
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
        if let Some(all) = LOGGED.get() {
            all.lock().unwrap().push(logged);
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
