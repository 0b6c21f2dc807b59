//! The fuzz targets, by name.

pub mod claims;
pub mod tokens;

use crate::harness::Target;

/// Every target's name, in the order `all` runs them.
pub const NAMES: [&str; 2] = ["tokens", "claims"];

/// The target called `name`, set up (keys loaded, base tokens signed).
pub fn build(name: &str) -> Result<Box<dyn Target>, String> {
    match name {
        "tokens" => Ok(Box::new(tokens::Tokens::new()?)),
        "claims" => Ok(Box::new(claims::Claims::new()?)),
        other => Err(format!(
            "unknown target {other:?} (known: {})",
            NAMES.join(", ")
        )),
    }
}
