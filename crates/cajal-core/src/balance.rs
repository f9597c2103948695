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
        // each partition is taken by exactly one thread (the list hands out each place once),
        // so its lock is never contended: it only proves that to the compiler
        let slots: Vec<Mutex<&mut Partition>> = parts.iter_mut().map(Mutex::new).collect();
        self.spent = pool.install(|| {
            in_list_order(&self.order, self.threads, |i| {
                let mut p = slots[i].lock().expect("a partition's work panicked");
                let start = Instant::now();
                work(&mut p);
                start.elapsed().as_secs_f64()
            })
        });
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

/// Runs `work(i)` for every index of `order` on the threads of the current pool (`threads` of
/// them), each thread taking the next index of `order` as soon as it is free, and returns the
/// results by index. Each interval's partitions are taken this way, most costly first, and so
/// are the partitions while they are built, largest first (so that the largest transient
/// buffers exist while little else does, and the memory estimate, [`crate::memory::estimate`],
/// can follow the same schedule).
pub(crate) fn in_list_order<T: Send>(
    order: &[usize],
    threads: usize,
    work: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let results: Vec<Mutex<Option<T>>> = order.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let take = || {
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            let value = work(i);
            *results[i].lock().expect("a task panicked") = Some(value);
        }
    };
    rayon::scope(|s| {
        for _ in 1..threads.max(1) {
            s.spawn(|_| take());
        }
        take();
    });
    results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .expect("a task panicked")
                .expect("every index is taken once")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_order_work_covers_every_index_once() {
        let order = [3, 0, 2, 1];
        for threads in 1..=3 {
            let out = in_list_order(&order, threads, |i| i * 10);
            assert_eq!(out, vec![0, 10, 20, 30]);
        }
    }

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
