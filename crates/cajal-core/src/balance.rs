//! In which order the worker threads take the partitions of an interval.
//!
//! Every interval ends with all threads waiting for the slowest. Left to rayon's work stealing,
//! whose pieces are whole partitions of unequal cost, a thread sat idle at the end of most
//! intervals: on the full-scale microcircuit with two threads, about a tenth of the simulation's
//! CPU time. Here the threads take partitions one at a time from a shared list, the most costly
//! first (greedy list scheduling, "longest processing time first"), so that the last ones to be
//! taken are the cheapest and the threads finish close together. A partition's cost is its
//! measured wall time per interval (a moving average), and the list is re-sorted every
//! [`RESORT_EVERY`] intervals. Partitions are independent within an interval, so the order
//! changes no result, only the time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::partition::Partition;

/// Intervals between two sorts of the list.
const RESORT_EVERY: u32 = 64;
/// Weight of the newest interval in a partition's moving average cost.
const NEWEST: f64 = 0.1;

/// The order in which partitions are taken and the costs it is made from.
pub(crate) struct Balance {
    threads: usize,
    /// Expected seconds per interval of each partition (before the first measurement, a guess
    /// from its synapse and neuron counts, in arbitrary units).
    cost: Vec<f64>,
    /// Seconds each partition took in the last interval.
    spent: Vec<f64>,
    /// Partition indices, most costly first.
    order: Vec<usize>,
    intervals: u32,
}

impl Balance {
    /// A first order for `parts`, from their sizes, for `threads` threads.
    pub(crate) fn new(parts: &[Partition], threads: usize) -> Self {
        let cost = parts
            .iter()
            .map(|p| p.csr.synapses.len() as f64 + 64.0 * p.len() as f64)
            .collect();
        let mut b = Balance {
            threads: threads.max(1),
            cost,
            spent: vec![0.0; parts.len()],
            order: (0..parts.len()).collect(),
            intervals: 0,
        };
        b.sort();
        b
    }

    /// Most costly first; ties by index, so the order is reproducible for given costs.
    fn sort(&mut self) {
        let cost = &self.cost;
        self.order
            .sort_by(|&a, &b| cost[b].total_cmp(&cost[a]).then(a.cmp(&b)));
    }

    /// Runs `work` on every partition, on the threads of `pool`, and updates the costs.
    pub(crate) fn run(
        &mut self,
        parts: &mut [Partition],
        pool: &rayon::ThreadPool,
        work: &(impl Fn(&mut Partition) + Sync),
    ) {
        // each partition is taken by exactly one thread (the counter hands out each place in
        // the list once), so its lock is never contended: it only proves that to the compiler
        let slots: Vec<Mutex<(&mut Partition, &mut f64)>> = parts
            .iter_mut()
            .zip(self.spent.iter_mut())
            .map(Mutex::new)
            .collect();
        let next = AtomicUsize::new(0);
        let order = &self.order;
        let take = || {
            while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                let mut slot = slots[i].lock().expect("a partition's work panicked");
                let (p, spent) = &mut *slot;
                let start = Instant::now();
                work(p);
                **spent = start.elapsed().as_secs_f64();
            }
        };
        pool.install(|| {
            rayon::scope(|s| {
                for _ in 1..self.threads {
                    s.spawn(|_| take());
                }
                take();
            })
        });
        drop(slots);
        self.intervals += 1;
        if self.intervals == 1 {
            // the first measurement replaces the guess from sizes
            self.cost.copy_from_slice(&self.spent);
        } else {
            for (c, &s) in self.cost.iter_mut().zip(&self.spent) {
                *c += NEWEST * (s - *c);
            }
        }
        if self.intervals % RESORT_EVERY == 1 {
            self.sort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_starts_with_the_most_costly_partition() {
        let mut b = Balance {
            threads: 2,
            cost: vec![5.0, 8.0, 3.0, 8.0, 2.0],
            spent: vec![0.0; 5],
            order: (0..5).collect(),
            intervals: 0,
        };
        b.sort();
        assert_eq!(b.order, vec![1, 3, 0, 2, 4]);
    }
}
