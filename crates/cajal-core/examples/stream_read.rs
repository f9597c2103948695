//! The machine's streaming-read ceiling for spike delivery: how many bytes per second one and all
//! threads read from a buffer far larger than the caches, and so how many 8-byte synapses per
//! second delivery could at most stream. Run: `cargo run --release -p cajal-core --example
//! stream_read [GiB]`. Prints one JSON line.

use rayon::prelude::*;
use std::time::Instant;

fn best_of<F: FnMut() -> u64>(reps: usize, mut f: F) -> (f64, u64) {
    let mut best = f64::INFINITY;
    let mut check = 0;
    for _ in 0..reps {
        let t = Instant::now();
        check = std::hint::black_box(f());
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, check)
}

fn main() {
    let gib: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1.0);
    let n = (gib * (1u64 << 30) as f64 / 8.0) as usize;
    let data: Vec<u64> = (0..n as u64).collect();
    let bytes = (n * 8) as f64;
    // one thread: a sum, which the compiler vectorises; the loads are the whole cost
    let (t1, c1) = best_of(5, || data.iter().fold(0u64, |a, &x| a.wrapping_add(x)));
    let threads = rayon::current_num_threads();
    let (tn, cn) = best_of(5, || {
        data.par_chunks(1 << 20)
            .map(|c| c.iter().fold(0u64, |a, &x| a.wrapping_add(x)))
            .reduce(|| 0, u64::wrapping_add)
    });
    assert_eq!(c1, cn);
    let (bw1, bwn) = (bytes / t1, bytes / tn);
    println!(
        "{{\"buffer_gib\": {gib}, \"threads\": {threads}, \"read_gb_per_s_1_thread\": {:.2}, \
         \"read_gb_per_s_all_threads\": {:.2}, \"synapse_events_per_s_ceiling_1_thread\": {:.3e}, \
         \"synapse_events_per_s_ceiling_all_threads\": {:.3e}}}",
        bw1 / 1e9,
        bwn / 1e9,
        bw1 / 8.0,
        bwn / 8.0
    );
}
