//! The fuzz targets, by name.

pub mod claims;
pub mod jwks;
pub mod tokens;
pub mod worlds;

use crate::harness::Target;

/// Every target's name, in the order `all` runs them.
pub const NAMES: [&str; 4] = ["tokens", "jwks", "claims", "worlds"];

/// The target called `name`, set up (keys loaded, base tokens signed).
pub fn build(name: &str) -> Result<Box<dyn Target>, String> {
    match name {
        "tokens" => Ok(Box::new(tokens::Tokens::new()?)),
        "jwks" => Ok(Box::new(jwks::Jwks::new()?)),
        "claims" => Ok(Box::new(claims::Claims::new()?)),
        "worlds" => Ok(Box::new(worlds::Worlds::new()?)),
        other => Err(format!(
            "unknown target {other:?} (known: {})",
            NAMES.join(", ")
        )),
    }
}
