//! The checks of a verification, one by one, for an explanation of it.

mod check;

pub use check::CheckName;
pub(crate) use check::Trace;
