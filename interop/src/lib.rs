//! The interop harness: panva's `oidc-provider` (a certified OpenID
//! Provider, pinned by `provider/package-lock.json`) started on 127.0.0.1
//! so the drivers can be tested against tokens and key sets a real
//! provider makes.
//!
//! Our own test issuer signs tokens the way we imagine a provider does; this
//! one does it the way a provider really does: keys without `alg`, an RSA
//! `use: enc` key beside the signing keys, `x5c` chains, `kid`s it derives
//! itself, a JWK Set served as `application/jwk-set+json`, RFC 9068 access
//! tokens with `typ: at+jwt` from the client_credentials grant with
//! resource indicators, signed with RS256, PS256, ES256, EdDSA and Ed25519.
//!
//! [`OpenIdProvider::start`] does everything a fresh clone needs: it checks
//! for Node.js and npm (failing with a clear message when they are
//! missing: the interop test never skips), runs `npm ci` in `provider/`
//! when `node_modules` is missing or differs from the lockfile, generates a
//! test CA, an HTTPS certificate for 127.0.0.1 and the signing keys (with
//! the test kit, `oidc-jwt-verifier-testkit`), and
//! starts `node provider/provider.mjs` on a free port. The scenarios are in
//! `tests/oidc_provider.rs`; run them alone with
//! `cargo test -p oidc-jwt-verifier-interop`.
//!
//! [`DpopClient`] runs panva's `dpop` package (pinned by
//! `dpop-client/package-lock.json`, installed the same way) as a real DPoP
//! client: its key pair, its thumbprint, its proofs; `tests/dpop_client.rs`
//! verifies them.
#![forbid(unsafe_code)]

mod dpop_client;
mod error;
mod install;
mod keys;
mod provider;

pub use dpop_client::{DpopClient, DPOP_CLIENT_ALGORITHMS};
pub use error::HarnessError;
pub use provider::{
    resource_for, OpenIdProvider, ACCESS_TOKEN_TTL_S, ALGORITHMS, AUDIENCE, CLIENT_ID,
    CLIENT_SCOPES,
};
