//! The machine's ceiling for delivery into ring buffers of a given size: how many synaptic events
//! per second one and two threads add when each event is an 8-byte record read in order (target,
//! weight) whose weight is added into a random entry of the thread's own ring, with the ring entry
//! prefetched 48 events ahead, as the engine does for full-form stores. Nothing else is done: for
//! writes spread uniformly over a ring of the size given, delivery cannot be faster (the engine's
//! writes are spread less evenly, its delays crowding them into some rows, which helps it). Run:
//! `cargo run --release -p cajal-core --example ring_scatter [ring MiB per thread ...]`
//! (default: 1 8 37; the full microcircuit's rings take about 37 MB, 35 MiB, per thread on two
//! threads).
//! Prints one JSON line per size.

use std::time::Instant;

/// Events per thread and pass.
const EVENTS: usize = 1 << 26;
/// How far ahead the ring entry is prefetched (the engine's `RING_PREFETCH_AHEAD`).
const AHEAD: usize = 48;

/// Events (each a ring index and its weight) added into `ring`.
fn deliver(events: &[(u32, f32)], ring: &mut [f64]) {
    for (j, &(t, w)) in events.iter().enumerate() {
        if let Some(&(a, _)) = events.get(j + AHEAD) {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: prefetching never faults, whatever the address.
            unsafe {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                _mm_prefetch(
                    ring.as_ptr().wrapping_add(a as usize) as *const i8,
                    _MM_HINT_T0,
                )
            };
        }
        ring[t as usize] += w as f64;
    }
}

/// A thread's work: its own ring of `entries` and events drawn uniformly over it.
fn work(entries: usize, seed: u64) -> (Vec<(u32, f32)>, Vec<f64>) {
    let mut x = seed | 1;
    let events = (0..EVENTS)
        .map(|_| {
            // xorshift: cheap and good enough for spreading indices
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ((x % entries as u64) as u32, 1.0)
        })
        .collect();
    (events, vec![0.0; entries])
}

fn best_rate(threads: usize, entries: usize) -> f64 {
    let mut jobs: Vec<_> = (0..threads).map(|t| work(entries, 7 + t as u64)).collect();
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        std::thread::scope(|s| {
            for (events, ring) in jobs.iter_mut() {
                s.spawn(|| deliver(events, std::hint::black_box(ring)));
            }
        });
        best = best.min(start.elapsed().as_secs_f64());
    }
    // the rings' sums, outside the timing: what was added is used, so it is not optimised away
    let total: f64 = jobs.iter().map(|(_, ring)| ring.iter().sum::<f64>()).sum();
    assert_eq!(total, (3 * threads * EVENTS) as f64);
    (threads * EVENTS) as f64 / best
}

fn main() {
    let mut sizes: Vec<f64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![1.0, 8.0, 37.0];
    }
    for mib in sizes {
        let entries = ((mib * (1u64 << 20) as f64) / 8.0).max(1.0) as usize;
        let one = best_rate(1, entries);
        let two = best_rate(2, entries);
        println!(
            "{{\"ring_mib_per_thread\": {mib}, \"events_per_s_1_thread\": {one:.3e}, \
             \"events_per_s_2_threads\": {two:.3e}}}"
        );
    }
}
