//! The spike exchange: how the spikes that the partitions emitted in one interval become the
//! spikes that every partition receives at the start of the next.
//!
//! Within an interval (the shortest delay) the partitions never talk; at its end each process
//! gathers its partitions' spikes in partition order, and a [`Communicator`] makes them the same
//! list on every process. On one machine that is already done ([`Local`]); across machines (MPI)
//! it is an all-gather in the order of the processes, which keeps the global partition order and
//! so the spikes bit-identical to a run in one process.

use crate::partition::Spike;

/// Makes the spikes of an interval everyone's.
pub trait Communicator: Send {
    /// How many processes share the network.
    fn processes(&self) -> usize;
    /// This process's index, from 0.
    fn rank(&self) -> usize;
    /// On entry `spikes` holds this process's spikes of the interval, in the order of its
    /// partitions; on return it holds every process's, in the order of the processes, the same
    /// list on each.
    fn exchange(&mut self, spikes: &mut Vec<Spike>);
}

/// One process: its spikes are all the spikes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Local;

impl Communicator for Local {
    fn processes(&self) -> usize {
        1
    }

    fn rank(&self) -> usize {
        0
    }

    fn exchange(&mut self, _spikes: &mut Vec<Spike>) {}
}
