//! The corpus, one module per topic; each returns its cases.

mod algorithms;
mod authorization;
mod caching;
mod claims;
mod client_id;
mod configuration;
mod discovery;
mod dpop;
mod encoding;
mod jose_header;
mod keys;
mod operations;
mod outages;
mod providers;
mod required;
mod rfc9068;
mod routes;
mod scopes;
mod sources;
mod token_shape;

use super::build::{CaseSpec, Reply};
use super::error::GenerateError;
use super::world::{jwks_of, rsa, JWKS_URL};

/// A topic's case list.
type Topic = fn() -> Result<Vec<CaseSpec>, GenerateError>;

/// Every topic, in the order the corpus is generated.
const TOPICS: [Topic; 20] = [
    authorization::cases,
    token_shape::cases,
    jose_header::cases,
    keys::cases,
    algorithms::cases,
    claims::cases,
    scopes::cases,
    caching::cases,
    outages::cases,
    encoding::cases,
    discovery::cases,
    operations::cases,
    configuration::cases,
    required::cases,
    client_id::cases,
    rfc9068::cases,
    providers::cases,
    sources::cases,
    routes::cases,
    dpop::cases,
];

/// Every case of every topic.
pub(super) fn all() -> Result<Vec<CaseSpec>, GenerateError> {
    let mut all = Vec::new();
    for topic in TOPICS {
        all.extend(topic()?);
    }
    Ok(all)
}

/// A case whose JWKS URL serves the usual key set: `rsa2048-a` (RS256).
fn with_usual_keys(name: &str, description: &str) -> Result<CaseSpec, GenerateError> {
    Ok(CaseSpec::new(name, description).serve(JWKS_URL, Reply::json(jwks_of(&[&rsa()?]))))
}

/// `Err(Invalid)` naming what could not be built.
fn shape_error(what: &str) -> GenerateError {
    GenerateError::Invalid(format!("could not build {what}"))
}
