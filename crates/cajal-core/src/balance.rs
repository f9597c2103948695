//! In which order the worker threads take the work of an interval, and in what pieces.
//!
//! Every interval ends with all threads waiting for the slowest. Left to rayon's work stealing,
//! whose pieces are whole partitions of unequal cost, a thread sat idle at the end of most
//! intervals: on the full-scale microcircuit with two threads, about a tenth of the simulation's
//! CPU time. Here the pieces ([`Unit`]s) are sorted by cost, the most costly first, and dealt
//! out in that order, each to the thread with the least work so far (greedy list scheduling,
//! "longest processing time first"); a thread takes its own pieces, then what is left of the
//! others' from their cheap ends ([`own_pieces_first`]), so that the threads finish close
//! together and a piece stays on the same thread, its state in that processor's cache, from one
//! interval to the next. A piece's cost is its measured wall time per interval (a moving
//! average), and the pieces are sorted and dealt again every [`RESORT_EVERY`] intervals.
//!
//! The pieces are either every partition alone or every group of partitions whole (see
//! [`crate::layout::group_sizes`]): a group delivers each spike from one stretch of its store,
//! which saves about 120 ns per spike and partition beyond the first, but leaves the list less
//! freedom to even out the threads. Which is faster depends on how the activity is spread over
//! the network, which nothing tells before it runs, so both are timed: each in turn for
//! [`TRIAL`] intervals, then the faster for [`STAY`], then the other again for [`TRIAL`], and so
//! on. Measured on two threads (medians of interleaved runs): Brunel's network (rates alike
//! everywhere) is faster with its groups, the 0.1-scale microcircuit (rates from 0.3 to 8 Hz)
//! much slower (0.63 -> 0.98 s). Partitions are independent within an interval, and a
//! partition receives its input in the same order in either piece, so neither the order nor
//! the pieces change any result, only the time.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::crew::Crew;
use crate::partition::Partition;
use crate::synapses::Csr;

/// Consecutive partitions whose static synapses share one store.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    /// Indices of its partitions.
    pub(crate) parts: Range<usize>,
    /// Their static synapses.
    pub(crate) csr: Csr,
}

/// A piece of an interval's work, taken by one thread: consecutive partitions of one group,
/// whose input is delivered in one pass over its store, then advanced.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Unit {
    /// Indices of its partitions.
    pub(crate) parts: Range<usize>,
    /// Its group.
    pub(crate) group: usize,
    /// Index of its first partition within the group.
    pub(crate) first: usize,
}

/// The pieces of `groups`: each group whole, or (`whole` false) each partition alone.
pub(crate) fn units(groups: &[Group], whole: bool) -> Vec<Unit> {
    let mut out = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        if whole {
            out.push(Unit {
                parts: g.parts.clone(),
                group: gi,
                first: 0,
            });
        } else {
            out.extend(g.parts.clone().map(|i| Unit {
                parts: i..i + 1,
                group: gi,
                first: i - g.parts.start,
            }));
        }
    }
    out
}

/// `parts` cut into consecutive mutable slices of the lengths `lens` (which cover it in order:
/// the partitions of each group, or of each piece).
pub(crate) fn split(
    mut parts: &mut [Partition],
    lens: impl IntoIterator<Item = usize>,
) -> Vec<&mut [Partition]> {
    lens.into_iter()
        .map(|n| {
            let (head, tail) = std::mem::take(&mut parts).split_at_mut(n);
            parts = tail;
            head
        })
        .collect()
}

/// Intervals between two sorts of the list.
const RESORT_EVERY: u32 = 64;
/// Weight of the newest interval in a piece's moving average cost.
const NEWEST: f64 = 0.1;
/// Intervals (and at least [`TRIAL_SECONDS`] of wall time) for which the other way of cutting
/// the work is timed.
const TRIAL: u32 = 32;
/// The shortest trial: a window of a few milliseconds is moved by any disturbance of the machine.
const TRIAL_SECONDS: f64 = 0.01;
/// How much longer the faster way is kept than the other is timed, at first; each time the other
/// loses again, twice as long, up to [`MAX_STAY`] (a way much slower for the network, as the
/// groups are for the microcircuit, then costs little).
const STAY: u32 = 15;
/// The longest stay, in trials.
const MAX_STAY: u32 = 16 * STAY;
/// How much faster the other way must have been to be taken (against noise between windows).
const MARGIN: f64 = 0.97;

/// One way of cutting an interval's work: its pieces, their costs and the order of the list.
struct Plan {
    units: Vec<Unit>,
    /// Expected seconds per interval of each piece (before the first measurement, a guess
    /// from its synapse and neuron counts, in arbitrary units).
    cost: Vec<f64>,
    /// Piece indices, most costly first.
    order: Vec<usize>,
    /// For each thread, the pieces it takes first: `order` dealt out greedily, each piece to
    /// the thread with the least expected work so far.
    lists: Vec<Vec<usize>>,
    intervals: u32,
}

impl Plan {
    fn new(units: Vec<Unit>, parts: &[Partition], groups: &[Group], threads: usize) -> Self {
        let cost = units
            .iter()
            .map(|u| {
                let neurons = |r: Range<usize>| parts[r].iter().map(Partition::len).sum::<usize>();
                let g = &groups[u.group];
                let share = neurons(u.parts.clone()) as f64 / neurons(g.parts.clone()) as f64;
                g.csr.len() as f64 * share + 64.0 * neurons(u.parts.clone()) as f64
            })
            .collect();
        let mut plan = Plan {
            order: (0..units.len()).collect(),
            lists: vec![Vec::new(); threads.max(1)],
            units,
            cost,
            intervals: 0,
        };
        plan.sort();
        plan
    }

    /// Most costly first; ties by index, so the order is reproducible for given costs. Then the
    /// threads' lists: each piece, in that order, to the thread with the least work so far
    /// (ties to the lower thread).
    fn sort(&mut self) {
        let cost = &self.cost;
        self.order
            .sort_by(|&a, &b| cost[b].total_cmp(&cost[a]).then(a.cmp(&b)));
        let mut load = vec![0.0f64; self.lists.len()];
        self.lists.iter_mut().for_each(Vec::clear);
        for &i in &self.order {
            let t = (0..load.len())
                .min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
                .expect("at least one thread");
            load[t] += cost[i];
            self.lists[t].push(i);
        }
    }

    /// Takes the seconds each piece took in the last interval into its cost.
    fn note(&mut self, spent: &[f64]) {
        self.intervals += 1;
        if self.intervals == 1 {
            // the first measurement replaces the guess from sizes
            self.cost.copy_from_slice(spent);
        } else {
            for (c, &s) in self.cost.iter_mut().zip(spent) {
                *c += NEWEST * (s - *c);
            }
        }
        if self.intervals % RESORT_EVERY == 1 {
            self.sort();
        }
    }
}

/// The ways of cutting the work, the one in use, and their timings.
pub(crate) struct Balance {
    /// Every partition alone, then (when some group has several partitions) every group whole.
    plans: Vec<Plan>,
    /// The plan in use.
    current: usize,
    /// Whether the current plan is being timed against the other.
    trial: bool,
    /// Intervals and wall seconds of the current window so far.
    counted: u32,
    window: f64,
    /// Mean wall seconds per interval of each plan's last window (NaN before its first).
    mean: Vec<f64>,
    /// How many trials long the faster plan is kept now.
    stay: u32,
    /// Whether the first window, which times nothing, is over.
    warm: bool,
}

impl Balance {
    /// The pieces of `parts` in `groups` and a first order for them, for `threads` threads.
    pub(crate) fn new(parts: &[Partition], groups: &[Group], threads: usize) -> Self {
        let mut plans = vec![Plan::new(units(groups, false), parts, groups, threads)];
        if groups.iter().any(|g| g.parts.len() > 1) {
            plans.push(Plan::new(units(groups, true), parts, groups, threads));
        }
        Balance {
            mean: vec![f64::NAN; plans.len()],
            plans,
            current: 0,
            trial: true,
            counted: 0,
            window: 0.0,
            stay: STAY,
            warm: false,
        }
    }

    /// Runs `work` on every piece (its partitions, its group's store and the index of its first
    /// partition in the group), on the threads of `crew`, and updates the costs and timings.
    pub(crate) fn run(
        &mut self,
        parts: &mut [Partition],
        groups: &[Group],
        crew: &mut Crew,
        work: &(impl Fn(&mut [Partition], &Csr, usize) + Sync),
    ) {
        let plan = &mut self.plans[self.current];
        // each piece is taken by exactly one thread (the list hands out each place once), so
        // its lock is never contended: it only proves that to the compiler
        let slots: Vec<Mutex<&mut [Partition]>> =
            split(parts, plan.units.iter().map(|u| u.parts.len()))
                .into_iter()
                .map(Mutex::new)
                .collect();
        let start = Instant::now();
        let spent = own_pieces_first(
            &plan.lists,
            |take| crew.offer(take),
            |i| {
                let u = &plan.units[i];
                let mut p = slots[i].lock().expect("a partition's work panicked");
                let start = Instant::now();
                work(&mut p, &groups[u.group].csr, u.first);
                start.elapsed().as_secs_f64()
            },
        );
        let wall = start.elapsed().as_secs_f64();
        plan.note(&spent);
        self.time(wall);
    }

    /// Counts an interval of `wall` seconds into the current window, and at the window's end
    /// chooses the plan for the next.
    fn time(&mut self, wall: f64) {
        if self.plans.len() < 2 {
            return;
        }
        self.window += wall;
        self.counted += 1;
        let scale = if self.trial { 1 } else { self.stay };
        if self.counted < TRIAL * scale || self.window < TRIAL_SECONDS * scale as f64 {
            return;
        }
        let mean = self.window / self.counted as f64;
        self.window = 0.0;
        self.counted = 0;
        if !self.warm {
            // the first intervals (pages touched for the first time, caches cold) time
            // neither plan
            self.warm = true;
            return;
        }
        self.mean[self.current] = mean;
        let other = 1 - self.current;
        if self.trial && !self.mean[other].is_nan() {
            // the plan on trial against the one kept before: the faster is kept, and the
            // longer the more often the same one wins
            if self.mean[self.current] < MARGIN * self.mean[other] {
                self.stay = STAY;
            } else {
                self.current = other;
                self.stay = (2 * self.stay).min(MAX_STAY);
            }
            self.trial = false;
        } else {
            self.current = other;
            self.trial = true;
        }
    }
}

/// Runs `work(i)` for every piece `i` in `lists` and returns the results by piece; `lists[t]` holds
/// the pieces that thread `t` takes first, in order, and `on_threads(take)` must run `take(0)` on
/// the calling thread and may run `take(t)` on other threads `t` of `0..lists.len()` (at most once
/// each), returning when all that started it are done. A thread done with its own list takes what
/// is left of the others' from their ends (their cheapest pieces), so the calling thread alone
/// leaves nothing undone. Each piece is run exactly once, so neither the lists nor the threads'
/// speed change any result. A piece stays on one thread from interval to interval unless taken
/// over, so its partitions' state can stay in that processor's cache.
pub(crate) fn own_pieces_first<T: Send>(
    lists: &[Vec<usize>],
    on_threads: impl FnOnce(&(dyn Fn(usize) + Sync)),
    work: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let n = lists.iter().map(Vec::len).sum();
    let taken: Vec<AtomicBool> = (0..n).map(|_| AtomicBool::new(false)).collect();
    let results: Vec<Mutex<Option<T>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let run = |i: usize| {
        if !taken[i].swap(true, Ordering::Relaxed) {
            let value = work(i);
            *results[i].lock().expect("a task panicked") = Some(value);
        }
    };
    let take = |t: usize| {
        lists.get(t).into_iter().flatten().for_each(|&i| run(i));
        for k in 1..lists.len() {
            lists[(t + k) % lists.len()]
                .iter()
                .rev()
                .for_each(|&i| run(i));
        }
    };
    on_threads(&take);
    collect(results)
}

/// Runs `work(i)` for every index of `order` on the threads of the current rayon pool
/// (`threads` of them, the calling thread one), each thread taking the next index of `order` as
/// soon as it is free, and returns the results by index. The partitions are built this way,
/// largest first, so that the largest transient buffers exist while little else does, and the
/// memory estimate, [`crate::memory::estimate`], can follow the same schedule.
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
    collect(results)
}

/// The results of work that ran once per index.
fn collect<T>(results: Vec<Mutex<Option<T>>>) -> Vec<T> {
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
    fn the_list_starts_with_the_most_costly_piece() {
        let mut plan = Plan {
            units: Vec::new(),
            cost: vec![5.0, 8.0, 3.0, 8.0, 2.0],
            order: (0..5).collect(),
            lists: vec![Vec::new(); 2],
            intervals: 0,
        };
        plan.sort();
        assert_eq!(plan.order, vec![1, 3, 0, 2, 4]);
        // dealt to the less loaded thread: 8 | 8, 8+5 | 8+3, 13 | 11+2
        assert_eq!(plan.lists, vec![vec![1, 0], vec![3, 2, 4]]);
    }

    #[test]
    fn own_pieces_first_runs_every_piece_once_on_any_crew() {
        let each = [
            vec![vec![0, 1, 2, 3, 4, 5]],
            vec![vec![0, 2, 4, 5], vec![1, 3]],
            vec![vec![0, 2, 4, 5], vec![1], vec![3]],
        ];
        for (helpers, lists) in each.iter().enumerate() {
            let mut crew = Crew::new(helpers).unwrap();
            let runs: Vec<AtomicUsize> = (0..6).map(|_| AtomicUsize::new(0)).collect();
            let out = own_pieces_first(
                lists,
                |take| crew.offer(take),
                |i| {
                    runs[i].fetch_add(1, Ordering::Relaxed);
                    i * 10
                },
            );
            assert_eq!(out, (0..6).map(|i| i * 10).collect::<Vec<_>>());
            assert!(runs.iter().all(|r| r.load(Ordering::Relaxed) == 1));
        }
    }

    #[test]
    fn a_thread_done_with_its_list_takes_the_others_from_their_ends() {
        let lists = vec![vec![0, 2, 4, 5], vec![1], vec![3]];
        let order = Mutex::new(Vec::new());
        // thread 1 comes first and finds everything left: its own piece, then thread 2's,
        // then thread 0's from the cheapest end; the others find nothing
        own_pieces_first(
            &lists,
            |take| [1, 0, 2].into_iter().for_each(take),
            |i| order.lock().unwrap().push(i),
        );
        assert_eq!(order.into_inner().unwrap(), vec![1, 3, 5, 4, 2, 0]);
    }

    #[test]
    fn pieces_are_partitions_alone_or_groups_whole() {
        let group = |parts: Range<usize>| Group {
            parts,
            csr: Csr::default(),
        };
        let groups = [group(0..1), group(1..3)];
        let unit = |parts: Range<usize>, group, first| Unit {
            parts,
            group,
            first,
        };
        assert_eq!(
            units(&groups, true),
            vec![unit(0..1, 0, 0), unit(1..3, 1, 0)]
        );
        assert_eq!(
            units(&groups, false),
            vec![unit(0..1, 0, 0), unit(1..2, 1, 0), unit(2..3, 1, 1)]
        );
    }

    #[test]
    fn the_faster_plan_is_kept_after_both_are_timed() {
        let plan = || Plan {
            units: Vec::new(),
            cost: Vec::new(),
            order: Vec::new(),
            lists: Vec::new(),
            intervals: 0,
        };
        let mut b = Balance {
            plans: vec![plan(), plan()],
            current: 0,
            trial: true,
            counted: 0,
            window: 0.0,
            mean: vec![f64::NAN; 2],
            stay: STAY,
            warm: true,
        };
        // plan 0 takes 2 s per interval, plan 1 takes 1 s
        let mut used = Vec::new();
        for _ in 0..(2 * TRIAL + STAY * TRIAL + TRIAL + 2 * STAY * TRIAL) {
            used.push(b.current);
            b.time(if b.current == 0 { 2.0 } else { 1.0 });
        }
        let n = TRIAL as usize;
        assert!(used[..n].iter().all(|&p| p == 0));
        assert!(used[n..2 * n].iter().all(|&p| p == 1));
        // the faster kept (STAY trials long), then the slower is timed again, loses, and the
        // faster is kept twice as long as before
        let stay = (STAY * TRIAL) as usize;
        assert!(used[2 * n..2 * n + stay].iter().all(|&p| p == 1));
        let retried = 2 * n + stay;
        assert!(used[retried..retried + n].iter().all(|&p| p == 0));
        assert!(used[retried + n..].iter().all(|&p| p == 1));
        assert_eq!(used.len() - retried - n, 2 * stay);
        assert_eq!(b.stay, 2 * STAY);
    }
}
