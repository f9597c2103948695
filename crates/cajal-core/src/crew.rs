//! The threads that share the intervals of a run: the calling thread and a crew of helpers that
//! wait for the next interval by spinning.
//!
//! An interval of Brunel's network takes about a millisecond on two threads, and between two
//! intervals the loop thread works alone for some tens of microseconds. A thread that waits
//! for work by blocking (as rayon's idle workers do after a short spin) leaves its processor
//! idle, and on a virtual machine waking it again takes long: on the 2-core development VM a
//! hand-over to a blocked thread and back took 51 µs (median; 90 µs at the 99th percentile),
//! one between two spinning threads 0.12 µs (`cargo run --release --example handover -p
//! cajal-core`, 2026-12-01). With one interval per millisecond, that is several percent of the run lost
//! twice per interval. The helpers here spin between intervals for up to [`SPIN`], then block
//! until the next job. They live as long as the simulation that owns the crew: helpers started
//! afresh for every call of [`crate::Simulation::run`] (every 100 ms of a `cajal run`) now and
//! then began on the processor of the calling thread, and such a run stalled for 10–40 ms.
//!
//! The work of an interval is a closure that borrows the simulation's state for that interval
//! only. [`Crew::broadcast`] hands the helpers a pointer to it and does not return before every
//! helper has finished with it, which is what makes the borrow sound (the contract of a scoped
//! thread).

use std::cell::UnsafeCell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a helper spins for the next piece of work before it blocks.
const SPIN: Duration = Duration::from_millis(2);

/// Spins between two looks at the clock (a look costs some tens of nanoseconds).
const SPINS_PER_LOOK: u32 = 256;

/// A job as the helpers see it: its lifetime erased (see [`Crew::broadcast`]).
type Job = *const (dyn Fn(usize) + Sync + 'static);

/// What the calling thread and the helpers share.
struct Shared {
    helpers: usize,
    /// Incremented for each job handed out.
    epoch: AtomicU64,
    /// The current job; written by the calling thread only while no helper reads it.
    job: UnsafeCell<Option<Job>>,
    /// Helpers done with the current job.
    done: AtomicUsize,
    /// Set when the crew breaks up.
    stop: AtomicBool,
    /// The panic of a helper's job, raised again on the calling thread.
    panic: Mutex<Option<Box<dyn std::any::Any + Send>>>,
    /// Helpers that stopped spinning, and where they block.
    sleepers: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
}

// SAFETY: `job` is written only by the calling thread in `broadcast` (which takes the crew
// mutably, so one at a time), while every helper is done with the previous job and before the
// new epoch is published; helpers read it only after seeing that epoch. The job is `Sync`, and
// the pointer is never used after `broadcast` returns.
unsafe impl Sync for Shared {}
// SAFETY: as above; the pointer is only a borrowed `Sync` closure.
unsafe impl Send for Shared {}

/// Helper threads that run jobs together with the thread that owns the crew.
pub(crate) struct Crew {
    shared: Arc<Shared>,
    handles: Vec<std::thread::JoinHandle<()>>,
}

impl Crew {
    /// A crew of `helpers` threads (none: every job runs on the calling thread alone).
    pub(crate) fn new(helpers: usize) -> Crew {
        let shared = Arc::new(Shared {
            helpers,
            epoch: AtomicU64::new(0),
            job: UnsafeCell::new(None),
            done: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            panic: Mutex::new(None),
            sleepers: AtomicUsize::new(0),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        });
        let handles = (1..=helpers)
            .map(|t| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name(format!("cajal-crew-{t}"))
                    .spawn(move || shared.serve(t))
                    .expect("could not start a worker thread")
            })
            .collect();
        Crew { shared, handles }
    }

    /// Runs `job(t)` once on every thread `t` of the crew (0: the calling thread, then the
    /// helpers) and returns when all have finished it. A panic in any of them is raised here.
    pub(crate) fn broadcast(&mut self, job: &(dyn Fn(usize) + Sync)) {
        let sh = &*self.shared;
        if sh.helpers == 0 {
            job(0);
            return;
        }
        // SAFETY: only the lifetime is erased. The pointer is read by the helpers between the
        // epoch's increment below and their increment of `done`, and this function does not
        // return (nor unwind: `Wait` waits in its drop) before `done` counts every helper, so
        // no helper uses the job after it is gone.
        let erased: Job =
            unsafe { std::mem::transmute::<*const (dyn Fn(usize) + Sync + '_), Job>(job) };
        // SAFETY: every helper finished the previous job (`done` counted them all), and none
        // reads `job` before seeing the next epoch.
        unsafe { *sh.job.get() = Some(erased) };
        sh.done.store(0, Ordering::Relaxed);
        sh.epoch.fetch_add(1, Ordering::SeqCst);
        sh.notify();
        struct Wait<'a>(&'a Shared);
        impl Drop for Wait<'_> {
            fn drop(&mut self) {
                let mut spins = 0u32;
                while self.0.done.load(Ordering::Acquire) < self.0.helpers {
                    spins = spins.wrapping_add(1);
                    if spins.is_multiple_of(4096) {
                        // a helper was descheduled: let it have the processor
                        std::thread::yield_now();
                    } else {
                        std::hint::spin_loop();
                    }
                }
            }
        }
        let wait = Wait(sh);
        job(0);
        drop(wait);
        let panic = sh.panic.lock().expect("panic slot").take();
        if let Some(p) = panic {
            resume_unwind(p);
        }
    }
}

impl Drop for Crew {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.notify();
        for h in self.handles.drain(..) {
            // a helper's panics are caught in `serve`; joining only waits for it to end
            let _ = h.join();
        }
    }
}

impl Shared {
    /// Wakes the helpers that block.
    fn notify(&self) {
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            let _guard = self.lock.lock().expect("crew lock");
            self.wake.notify_all();
        }
    }

    /// The life of helper `t`: wait for a job, run it, count it done; until the crew breaks up.
    fn serve(&self, t: usize) {
        let mut seen = 0u64;
        while let Some(epoch) = self.next_epoch(seen) {
            seen = epoch;
            // SAFETY: written before `epoch` was published; see `broadcast`.
            let job = unsafe { (*self.job.get()).expect("a job comes with its epoch") };
            // SAFETY: the job lives until `done` counts this helper (see `broadcast`).
            let outcome = catch_unwind(AssertUnwindSafe(|| unsafe { (*job)(t) }));
            if let Err(p) = outcome {
                self.panic.lock().expect("panic slot").get_or_insert(p);
            }
            self.done.fetch_add(1, Ordering::Release);
        }
    }

    /// The epoch after `seen`, spinning for up to [`SPIN`] and then blocking; `None` when the
    /// crew breaks up.
    fn next_epoch(&self, seen: u64) -> Option<u64> {
        let fresh = || {
            if self.stop.load(Ordering::SeqCst) {
                return Some(None);
            }
            let e = self.epoch.load(Ordering::SeqCst);
            (e != seen).then_some(Some(e))
        };
        let start = Instant::now();
        loop {
            for _ in 0..SPINS_PER_LOOK {
                if let Some(e) = fresh() {
                    return e;
                }
                std::hint::spin_loop();
            }
            if start.elapsed() >= SPIN {
                break;
            }
            // where threads outnumber processors, let a thread with work have this one
            std::thread::yield_now();
        }
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        let mut guard = self.lock.lock().expect("crew lock");
        let next = loop {
            if let Some(e) = fresh() {
                break e;
            }
            // the timeout only guards against a lost wake-up
            guard = self
                .wake
                .wait_timeout(guard, Duration::from_millis(50))
                .expect("crew lock")
                .0;
        };
        drop(guard);
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_thread_runs_each_job_once() {
        for helpers in 0..3 {
            let count = AtomicUsize::new(0);
            let mut crew = Crew::new(helpers);
            for round in 1..=200 {
                crew.broadcast(&|t| {
                    count.fetch_add(1 << (8 * t), Ordering::Relaxed);
                });
                // each thread index once per round
                let once: usize = (0..=helpers).map(|t| 1 << (8 * t)).sum();
                assert_eq!(count.load(Ordering::Relaxed), round * once);
            }
        }
    }

    #[test]
    fn helpers_that_went_to_sleep_wake_for_the_next_job() {
        let count = AtomicUsize::new(0);
        let mut crew = Crew::new(2);
        for _ in 0..3 {
            std::thread::sleep(SPIN * 3);
            crew.broadcast(&|_| {
                count.fetch_add(1, Ordering::Relaxed);
            });
        }
        assert_eq!(count.load(Ordering::Relaxed), 9);
    }

    #[test]
    fn a_panic_in_a_helper_reaches_the_caller_and_the_crew_still_works() {
        let caller = std::thread::current().id();
        let mut crew = Crew::new(1);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            crew.broadcast(&|_| {
                if std::thread::current().id() != caller {
                    panic!("helper fails");
                }
            });
        }));
        assert!(outcome.is_err());
        let count = AtomicUsize::new(0);
        crew.broadcast(&|_| {
            count.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(count.load(Ordering::Relaxed), 2);
    }
}
