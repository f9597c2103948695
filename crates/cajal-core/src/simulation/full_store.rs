//! A switch for tests: building with every synapse stored in full (8 bytes each), so that the
//! compact store ([`crate::synapses::Compact`]) can be checked against it end to end.

use super::Simulation;
use crate::network::{BuildError, NetworkDef};

impl Simulation {
    /// [`Simulation::build`], but every group of partitions keeps its synapses in full form
    /// (weight, target and delay each) even where the compact form applies. For tests that
    /// compare the two stores; runs give the same spikes either way.
    #[doc(hidden)]
    pub fn build_full_store(def: &NetworkDef, threads: usize) -> Result<Simulation, BuildError> {
        Self::build_stores(def, threads, false)
    }
}
