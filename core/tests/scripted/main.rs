//! The Sans-IO core driven through a scripted world ([`world`]): one test
//! crate, so the driver loop over the core's types exists once, with the
//! test kit's keys, tokens, key sets and clock.

mod world;

mod config_bounds;
mod error_codes;
mod events;
mod explain;
mod handles;
mod key_source;
mod numbers;
mod simulation;
mod untrusted_input;
