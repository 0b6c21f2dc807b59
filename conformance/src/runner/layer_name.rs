//! The names of the layers, the one list every tool (the CLI, the demo,
//! the tests) takes them from.

use std::io;

use super::{AsyncLayer, BlockingLayer, CoreLayer, Layer};

/// A layer by name, in the order "all layers" runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerName {
    /// The Sans-IO core, no sockets ([`CoreLayer`]).
    Core,
    /// The blocking driver on loopback ([`BlockingLayer`]).
    Blocking,
    /// The async driver on loopback ([`AsyncLayer`]).
    Async,
}

impl LayerName {
    /// Every layer, in order.
    pub const ALL: [LayerName; 3] = [LayerName::Core, LayerName::Blocking, LayerName::Async];

    /// The name reports use: `core`, `blocking`, `async`.
    pub fn as_str(self) -> &'static str {
        match self {
            LayerName::Core => "core",
            LayerName::Blocking => "blocking",
            LayerName::Async => "async",
        }
    }

    /// The layer called `name`, if there is one.
    pub fn parse(name: &str) -> Option<LayerName> {
        LayerName::ALL
            .into_iter()
            .find(|layer| layer.as_str() == name)
    }

    /// The layer behind the name (the async one with its own runtime):
    /// adding a layer is one arm here.
    pub fn build(self) -> io::Result<Box<dyn Layer>> {
        Ok(match self {
            LayerName::Core => Box::new(CoreLayer),
            LayerName::Blocking => Box::new(BlockingLayer),
            LayerName::Async => Box::new(AsyncLayer::new()?),
        })
    }

    /// Every layer, built.
    pub fn build_all() -> io::Result<Vec<Box<dyn Layer>>> {
        LayerName::ALL.into_iter().map(LayerName::build).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_build_the_layer_so_named() {
        for name in LayerName::ALL {
            assert_eq!(LayerName::parse(name.as_str()), Some(name));
            assert_eq!(name.build().unwrap().name(), name.as_str());
        }
        assert_eq!(LayerName::parse("all"), None);
        assert_eq!(LayerName::parse("Core"), None);
    }
}
