//! A standing, deterministic fuzz and differential harness for
//! `oidc-jwt-verifier`, on stable Rust (no libFuzzer).
//!
//! Every input is a conformance case (`docs/case-format.md`) made from a
//! seeded stream ([`rng::Rng`]), so every failure is a case file that
//! replays in any layer and can join the corpus. Four targets:
//!
//! - [`targets::tokens`]: valid tokens of every algorithm, mutated (bytes,
//!   segments, base64, the decoded header and payload), verified by the
//!   core against a fixed key set; an independent model of the checks that
//!   come before the claims gives every mutant's exact verdict.
//! - [`targets::jwks`]: valid key sets, mutated entry by entry (members
//!   removed, retyped, resized, swapped; private members; duplicate kids;
//!   many keys; big or broken bodies); a model of key usability says which
//!   tokens verify, and how the others are refused.
//! - [`targets::claims`]: a model of the claims rules, written from the
//!   rules alone, against the core's verdict on properly signed tokens
//!   with random claims and configurations.
//! - [`targets::worlds`]: random small worlds (serve scripts, failures,
//!   caching headers, rotations, discovery, time steps across the cache
//!   windows) through the core, blocking and async layers, which must
//!   answer every step alike.
//!
//! The targets drive verifiers only through the conformance runner's
//! public [`Layer`](oidc_jwt_verifier_conformance::runner::Layer) API.
//!
//! [`harness::run`] is the loop (a failure is reduced to the steps it
//! needs, printed with its seed and iteration, and written as a case);
//! [`replay::replay`] runs folders of such cases through every layer;
//! [`known`] lists the deviations already reported, counted apart so that
//! a run still fails on anything new. The README's "Fuzzing" section says
//! how to run it long and how a finding becomes a corpus case.
#![forbid(unsafe_code)]

pub mod base64url;
pub mod harness;
pub mod json;
pub mod judge;
pub mod known;
pub mod replay;
pub mod rng;
pub mod rules;
pub mod script;
pub mod targets;
pub mod trace;
