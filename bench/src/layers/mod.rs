//! The five layers whose hot path is measured, for one algorithm.

mod floor;
mod ours;
mod peer;

pub(crate) use floor::Floor;
pub(crate) use ours::{runtime, AsyncLayer, BlockingLayer, CoreLayer, LoopbackIssuer};
pub(crate) use peer::Peer;

use crate::adapter;
use crate::fixture::Fixture;

/// Which layer a figure is of (the `layer` of the JSON output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum LayerName {
    Floor,
    Core,
    Blocking,
    Async,
    Jsonwebtoken,
}

impl LayerName {
    pub(crate) const ALL: [LayerName; 5] = [
        LayerName::Floor,
        LayerName::Core,
        LayerName::Blocking,
        LayerName::Async,
        LayerName::Jsonwebtoken,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LayerName::Floor => "floor",
            LayerName::Core => "core",
            LayerName::Blocking => "blocking",
            LayerName::Async => "async",
            LayerName::Jsonwebtoken => "jsonwebtoken",
        }
    }

    /// The signature backend the layer runs on.
    pub(crate) fn backend(self) -> &'static str {
        match self {
            LayerName::Floor => "openssl",
            LayerName::Core | LayerName::Blocking | LayerName::Async => adapter::BACKEND,
            LayerName::Jsonwebtoken => peer::BACKEND,
        }
    }
}

/// Every layer, ready to verify one algorithm's token.
pub(crate) struct Layers {
    pub(crate) floor: Floor,
    pub(crate) core: CoreLayer,
    pub(crate) blocking: BlockingLayer,
    pub(crate) asynchronous: AsyncLayer,
    pub(crate) peer: Peer,
}

impl Layers {
    /// Prepares every layer (the drivers fetch their keys from `issuer`) and
    /// checks that each accepts the token.
    pub(crate) fn new(
        fixture: &Fixture,
        issuer: &LoopbackIssuer,
        thread_counts: &[usize],
    ) -> Result<Self, String> {
        Ok(Layers {
            floor: Floor::new(fixture)?,
            core: CoreLayer::new(fixture)?,
            blocking: BlockingLayer::new(fixture, issuer)?,
            asynchronous: AsyncLayer::new(fixture, issuer, thread_counts)?,
            peer: Peer::new(fixture)?,
        })
    }
}
