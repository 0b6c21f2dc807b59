//! The test issuer: keys, tokens (well-formed and broken), key sets and
//! discovery documents.
//!
//! Nothing here verifies tokens; it only produces what an identity provider
//! would publish and sign, plus the malformed variants a verifier must
//! refuse.

mod alg;
mod b64;
mod dpop;
mod error;
mod fixed;
mod key;
mod keyset;
mod sign;
pub mod small_order;
pub mod tamper;
mod token;

pub use alg::{KeyKind, SigningAlg};
pub use b64::{b64url, b64url_decode};
pub use dpop::{access_token_hash, certificate_thumbprint, DpopProofBuilder};
pub use error::IssuerError;
pub use fixed::FixedKey;
pub use key::TestKey;
pub use keyset::{discovery_document, filler_rsa_jwks, jwks_of, Issuer, Retire};
pub use token::{Segment, TokenBuilder};

#[cfg(test)]
pub(crate) mod test_support;
