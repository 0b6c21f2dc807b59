//! How an [`AsyncJwtVerifier`] and an [`AsyncJwksClient`] are built from
//! the core's [`Builder`](oidc_jwt_verifier_core::Builder) options: the one
//! place this driver makes its HTTP client.

use std::ffi::OsString;

use oidc_jwt_verifier_core::{Build, BuildParts, ClientChoice};

use crate::engine::Engine;
use crate::http::{Clients, HttpClient};
use crate::{AsyncJwksClient, AsyncJwtVerifier, BuildError};

/// The engine of either handle: the caller's client, or clients of the
/// driver's own for the resolved transport (the timeout is set on each
/// request).
fn engine(parts: BuildParts<HttpClient>) -> Result<Engine, BuildError> {
    let clients = match parts.client {
        ClientChoice::Callers(client) => Clients::callers(client),
        ClientChoice::Own(transport) => Clients::own(transport)?,
    };
    Ok(Engine::new(parts.core, parts.clock, clients))
}

impl Build for AsyncJwtVerifier {
    type HttpClient = HttpClient;

    fn build(parts: BuildParts<HttpClient>) -> Result<Self, BuildError> {
        Ok(AsyncJwtVerifier {
            engine: engine(parts)?,
        })
    }

    fn environment(name: &'static str) -> Option<OsString> {
        std::env::var_os(name)
    }
}

impl Build for AsyncJwksClient {
    type HttpClient = HttpClient;

    fn build(parts: BuildParts<HttpClient>) -> Result<Self, BuildError> {
        Ok(AsyncJwksClient {
            engine: engine(parts)?,
        })
    }

    fn environment(name: &'static str) -> Option<OsString> {
        std::env::var_os(name)
    }
}
