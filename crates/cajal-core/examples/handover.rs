//! How long one thread takes to hand work to another and get the answer back, when the other
//! waits spinning and when it waits blocked (as an idle rayon worker does after a short spin).
//! This is the cost that `crates/cajal-core/src/crew.rs` saves twice per interval.
//!
//! Run: `cargo run --release --example handover -p cajal-core`

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Median, 90th and 99th percentile and maximum of `ns`, in microseconds.
fn report(what: &str, mut ns: Vec<u64>) {
    ns.sort_unstable();
    let at = |q: f64| ns[((ns.len() - 1) as f64 * q) as usize] as f64 / 1e3;
    println!(
        "{what:<38} median {:>8.2} µs   p90 {:>8.2}   p99 {:>8.2}   max {:>9.2}   \
         ({} round trips)",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        ns.len()
    );
}

/// Round trips to a partner that spins on a shared counter.
fn spinning(n: u64) -> Vec<u64> {
    let flag = Arc::new(AtomicU64::new(0));
    let partner = {
        let flag = Arc::clone(&flag);
        std::thread::spawn(move || {
            for k in 0..n {
                while flag.load(Ordering::Acquire) != 2 * k + 1 {
                    std::hint::spin_loop();
                }
                flag.store(2 * k + 2, Ordering::Release);
            }
        })
    };
    let mut ns = Vec::with_capacity(n as usize);
    for k in 0..n {
        let t = Instant::now();
        flag.store(2 * k + 1, Ordering::Release);
        while flag.load(Ordering::Acquire) != 2 * k + 2 {
            std::hint::spin_loop();
        }
        ns.push(t.elapsed().as_nanos() as u64);
    }
    partner.join().expect("partner thread");
    ns
}

/// Round trips to a partner that blocks on a condition variable; before each, the caller
/// works alone for `gap` (as the loop thread does between two intervals), so the partner is
/// asleep when the work comes.
fn blocking(n: u64, gap: Duration) -> Vec<u64> {
    let shared = Arc::new((Mutex::new(0u64), Condvar::new()));
    let partner = {
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            let (count, cv) = &*shared;
            for k in 0..n {
                let mut c = count.lock().expect("lock");
                while *c != 2 * k + 1 {
                    c = cv.wait(c).expect("lock");
                }
                *c = 2 * k + 2;
                cv.notify_all();
            }
        })
    };
    let (count, cv) = &*shared;
    let mut ns = Vec::with_capacity(n as usize);
    for k in 0..n {
        let busy = Instant::now();
        while busy.elapsed() < gap {
            std::hint::spin_loop();
        }
        let t = Instant::now();
        {
            *count.lock().expect("lock") = 2 * k + 1;
            cv.notify_all();
        }
        let mut c = count.lock().expect("lock");
        while *c != 2 * k + 2 {
            c = cv.wait(c).expect("lock");
        }
        ns.push(t.elapsed().as_nanos() as u64);
    }
    partner.join().expect("partner thread");
    ns
}

fn main() {
    report("partner spinning", spinning(20_000));
    report(
        "partner blocked (0.5 ms alone first)",
        blocking(2_000, Duration::from_micros(500)),
    );
}
