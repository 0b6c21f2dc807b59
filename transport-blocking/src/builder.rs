//! How a [`JwtVerifier`] and a [`JwksClient`] are built from the core's
//! [`Builder`](oidc_jwt_verifier_core::Builder) options: the one place this
//! driver makes its HTTP client.

use std::ffi::OsString;

use oidc_jwt_verifier_core::{Build, BuildParts, ClientChoice};

use crate::engine::Engine;
use crate::http::{Client, HttpClient};
use crate::{BuildError, JwksClient, JwtVerifier};

/// The engine of either handle: the caller's agent, or agents of the
/// driver's own for the resolved transport.
fn engine(parts: BuildParts<HttpClient>) -> Result<Engine, BuildError> {
    let client = match parts.client {
        ClientChoice::Callers(agent) => Client::callers(agent),
        ClientChoice::Own(transport) => Client::own(transport, parts.core.http_timeout())?,
    };
    Ok(Engine::new(parts.core, parts.clock, client))
}

impl Build for JwtVerifier {
    type HttpClient = HttpClient;

    fn build(parts: BuildParts<HttpClient>) -> Result<Self, BuildError> {
        Ok(JwtVerifier {
            engine: engine(parts)?,
        })
    }

    fn environment(name: &'static str) -> Option<OsString> {
        std::env::var_os(name)
    }
}

impl Build for JwksClient {
    type HttpClient = HttpClient;

    fn build(parts: BuildParts<HttpClient>) -> Result<Self, BuildError> {
        Ok(JwksClient {
            engine: engine(parts)?,
        })
    }

    fn environment(name: &'static str) -> Option<OsString> {
        std::env::var_os(name)
    }
}
