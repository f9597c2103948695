//! The spike exchange: how the spikes that the partitions emitted in one interval become the
//! spikes that every partition receives at the start of the next.
//!
//! Within an interval (the shortest delay) the partitions never talk; at its end each process
//! gathers its partitions' spikes in partition order, and a [`Communicator`] makes them the same
//! list on every process. On one machine that is already done ([`Local`]); across processes
//! (MPI, or [`InProcess`] ranks on threads) it is an all-gather in the order of the processes,
//! which keeps the global block order and so the spikes bit-identical to a run in one process:
//! each process owns a contiguous run of partitions, the ones of its thread shares
//! ([`crate::Network::build_distributed`]).
//!
//! Besides the exchange, a communicator carries the few collective steps of a distributed build
//! and run (the shortest delay over all synapses, the learning rules' flush periods, a numerical
//! error on any process) and the gathering of outputs onto process 0, all expressed through two
//! byte collectives.

use crate::partition::Spike;
use std::sync::{Arc, Condvar, Mutex};

/// Makes the spikes of an interval everyone's, and the other collective steps of a run.
///
/// Every process calls the same methods in the same order (they are collective); a process that
/// stops calling them (an error, a crash) must take the others down with it, which the MPI
/// front end does by aborting the job.
pub trait Communicator: Send {
    /// How many processes share the network.
    fn processes(&self) -> usize;
    /// This process's index, from 0.
    fn rank(&self) -> usize;
    /// On entry `spikes` holds this process's spikes of the interval, in the order of its
    /// partitions; on return it holds every process's, in the order of the processes, the same
    /// list on each.
    fn exchange(&mut self, spikes: &mut Vec<Spike>);
    /// Every process's `mine`, in the order of the processes, on every process.
    fn all_gather_bytes(&mut self, mine: &[u8]) -> Vec<Vec<u8>>;
    /// Every process's `mine`, in the order of the processes, on process 0 (empty elsewhere).
    fn gather_bytes(&mut self, mine: &[u8]) -> Vec<Vec<u8>> {
        let all = self.all_gather_bytes(mine);
        if self.rank() == 0 {
            all
        } else {
            Vec::new()
        }
    }
}

/// Collective steps built on [`Communicator::all_gather_bytes`], for any communicator.
pub trait Collectives {
    /// The smallest of every process's `x`.
    fn all_min(&mut self, x: u64) -> u64;
    /// The sum of every process's `x`.
    fn all_sum(&mut self, x: u64) -> u64;
    /// Every process's values, concatenated in process order.
    fn all_concat(&mut self, xs: &[u64]) -> Vec<u64>;
}

impl<C: Communicator + ?Sized> Collectives for C {
    fn all_min(&mut self, x: u64) -> u64 {
        if self.processes() == 1 {
            return x;
        }
        self.all_concat(&[x]).into_iter().min().unwrap_or(x)
    }

    fn all_sum(&mut self, x: u64) -> u64 {
        if self.processes() == 1 {
            return x;
        }
        self.all_concat(&[x]).into_iter().sum()
    }

    fn all_concat(&mut self, xs: &[u64]) -> Vec<u64> {
        if self.processes() == 1 {
            return xs.to_vec();
        }
        let bytes: Vec<u8> = xs.iter().flat_map(|x| x.to_le_bytes()).collect();
        self.all_gather_bytes(&bytes)
            .iter()
            .flat_map(|b| {
                b.chunks_exact(8)
                    .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
            })
            .collect()
    }
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

    fn all_gather_bytes(&mut self, mine: &[u8]) -> Vec<Vec<u8>> {
        vec![mine.to_vec()]
    }
}

/// One process's spikes of an interval as sent to the others, into `out`: their smallest step
/// (the base), then each spike as `(step - base) << 32 | sender` (the spikes of an interval lie
/// within one interval, far fewer than 2^32 steps, of one another).
pub fn pack_spikes(spikes: &[Spike], out: &mut Vec<u64>) {
    let base = spikes.iter().map(|s| s.step).min().unwrap_or(0);
    out.clear();
    out.push(base);
    out.extend(spikes.iter().map(|s| {
        debug_assert!(s.step - base < 1 << 32);
        ((s.step - base) << 32) | s.sender as u64
    }));
}

/// The spikes of one process's [`pack_spikes`], appended to `out`.
pub fn unpack_spikes(packed: &[u64], out: &mut Vec<Spike>) {
    let Some((&base, spikes)) = packed.split_first() else {
        return;
    };
    out.extend(spikes.iter().map(|&x| Spike {
        step: base + (x >> 32),
        sender: x as u32,
    }));
}

/// What the ranks of [`InProcess`] share: one slot per rank, and a barrier that a rank which
/// stops (drops its communicator, as a panicking rank does) breaks for the others.
struct Shared {
    state: Mutex<Round>,
    turned: Condvar,
    ranks: usize,
}

/// The barrier's state.
struct Round {
    slots: Vec<Vec<u8>>,
    /// Ranks arrived at the barrier in this generation.
    arrived: usize,
    /// Barrier generations passed.
    generation: u64,
    /// A rank has gone: the others panic instead of waiting for it.
    broken: bool,
}

/// Ranks that are threads of one process, exchanging through shared memory: a distributed run
/// without MPI, for tests of the decomposition (each rank builds only its partitions, exactly as
/// an MPI rank does) and for trying a decomposition on one machine. A rank that stops (a panic
/// drops its communicator) makes the others panic at their next collective step instead of
/// waiting for it forever.
pub struct InProcess {
    rank: usize,
    shared: Arc<Shared>,
}

impl InProcess {
    /// `ranks` communicators that talk to one another: give one to each thread.
    pub fn group(ranks: usize) -> Vec<InProcess> {
        let ranks = ranks.max(1);
        let shared = Arc::new(Shared {
            state: Mutex::new(Round {
                slots: vec![Vec::new(); ranks],
                arrived: 0,
                generation: 0,
                broken: false,
            }),
            turned: Condvar::new(),
            ranks,
        });
        (0..ranks)
            .map(|rank| InProcess {
                rank,
                shared: shared.clone(),
            })
            .collect()
    }

    /// Waits until every rank has arrived (holding the lock in `round`, which it gives back).
    fn barrier<'a>(
        &self,
        mut round: std::sync::MutexGuard<'a, Round>,
    ) -> std::sync::MutexGuard<'a, Round> {
        assert!(!round.broken, "another in-process rank stopped");
        round.arrived += 1;
        if round.arrived == self.shared.ranks {
            round.arrived = 0;
            round.generation += 1;
            self.shared.turned.notify_all();
            return round;
        }
        let generation = round.generation;
        while round.generation == generation {
            round = self.shared.turned.wait(round).expect("not poisoned");
            assert!(!round.broken, "another in-process rank stopped");
        }
        round
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Ok(mut round) = self.shared.state.lock() {
                round.broken = true;
            }
            self.shared.turned.notify_all();
        }
    }
}

impl Communicator for InProcess {
    fn processes(&self) -> usize {
        self.shared.ranks
    }

    fn rank(&self) -> usize {
        self.rank
    }

    fn exchange(&mut self, spikes: &mut Vec<Spike>) {
        let mut packed = Vec::new();
        pack_spikes(spikes, &mut packed);
        let bytes: Vec<u8> = packed.iter().flat_map(|w| w.to_le_bytes()).collect();
        spikes.clear();
        for part in self.all_gather_bytes(&bytes) {
            let words: Vec<u64> = part
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect();
            unpack_spikes(&words, spikes);
        }
    }

    fn all_gather_bytes(&mut self, mine: &[u8]) -> Vec<Vec<u8>> {
        let mut round = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
        round.slots[self.rank] = mine.to_vec();
        let round = self.barrier(round);
        let all = round.slots.clone();
        // nobody writes the next round's slot before everyone has read this one
        drop(self.barrier(round));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_spikes_come_back_the_same() {
        let spikes = vec![
            Spike {
                step: 1000,
                sender: 7,
            },
            Spike {
                step: 1003,
                sender: u32::MAX,
            },
        ];
        let mut packed = Vec::new();
        pack_spikes(&spikes, &mut packed);
        assert_eq!(packed[0], 1000, "the base leads");
        let mut back = Vec::new();
        unpack_spikes(&packed, &mut back);
        assert_eq!(back, spikes);
    }

    #[test]
    fn in_process_ranks_gather_in_rank_order() {
        let comms = InProcess::group(3);
        let results: Vec<(Vec<Spike>, u64, u64, Vec<u64>)> = std::thread::scope(|s| {
            let handles: Vec<_> = comms
                .into_iter()
                .map(|mut c| {
                    s.spawn(move || {
                        let r = c.rank() as u64;
                        let mut spikes = vec![Spike {
                            step: 10 + r,
                            sender: r as u32,
                        }];
                        c.exchange(&mut spikes);
                        let min = c.all_min(5 - r);
                        let sum = c.all_sum(r);
                        let cat = c.all_concat(&vec![r; r as usize]);
                        (spikes, min, sum, cat)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (spikes, min, sum, cat) in results {
            let senders: Vec<u32> = spikes.iter().map(|s| s.sender).collect();
            assert_eq!(senders, vec![0, 1, 2]);
            assert_eq!((min, sum), (3, 3));
            assert_eq!(cat, vec![1, 2, 2]);
        }
    }

    #[test]
    fn a_rank_that_panics_stops_the_others_instead_of_leaving_them_waiting() {
        let comms = InProcess::group(2);
        let outcomes: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = comms
                .into_iter()
                .map(|mut c| {
                    s.spawn(move || {
                        if c.rank() == 1 {
                            panic!("rank 1 fails before its first exchange");
                        }
                        let mut spikes = Vec::new();
                        c.exchange(&mut spikes);
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().is_err()).collect()
        });
        assert_eq!(outcomes, vec![true, true], "both ranks end, with a panic");
    }
}
