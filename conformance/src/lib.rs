//! placeholder
pub mod case;
pub mod runner;
