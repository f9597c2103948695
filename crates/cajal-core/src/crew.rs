//! The threads that share the intervals of a run: the calling thread and a crew of helpers that
//! wait for the next interval by spinning.
//!
//! An interval of Brunel's network takes about a millisecond on two threads, and between two
//! intervals the loop thread works alone for some tens of microseconds. A thread that waits
//! for work by blocking (as rayon's idle workers do after a short spin) leaves its processor
//! idle, and on a virtual machine waking it again takes long: on the 2-core development VM a
//! hand-over to a blocked thread and back took 51 µs (median; 90 µs at the 99th percentile),
//! one between two spinning threads 0.12 µs (`cargo run --release --example handover -p
//! cajal-core`, 2026-12-01). With one interval per millisecond, that is several percent of the run
//! lost twice per interval. The helpers here spin between intervals for up to [`SPIN`], then block
//! until the next job. They live as long as the simulation that owns the crew: helpers started
//! afresh for every call of [`crate::Simulation::run`] (every 100 ms of a `cajal run`) now and then
//! began on the processor of the calling thread, and such a run stalled for 10–40 ms.
//!
//! The work of an interval is a closure that borrows the simulation's state for that interval
//! only. [`Crew::offer`] runs it on the calling thread and offers it to the helpers: a helper
//! that joins in time runs it too, and `offer` does not return before every helper that joined
//! has finished with it, which is what makes the borrow sound (the contract of a scoped
//! thread). A helper that comes too late (descheduled, or blocked) is not waited for: the work
//! is a list that any thread can finish ([`crate::balance::own_pieces_first`]). Waiting for
//! every helper instead made a run with one processor taken by another program 30–90 times
//! slower (CUBA 4,000 on two threads: 0.06–0.19 s with rayon, 1.9–5.6 s), each interval waiting
//! for the scheduler to give the helper a turn.

use std::cell::UnsafeCell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a helper spins for the next piece of work before it blocks.
const SPIN: Duration = Duration::from_millis(2);

/// Spins between two looks at the clock (a look costs some tens of nanoseconds).
const SPINS_PER_LOOK: u32 = 256;

/// A job as the helpers see it: its lifetime erased (see [`Crew::offer`]).
type Job = *const (dyn Fn(usize) + Sync + 'static);

/// Bit of [`Shared::state`] set when the calling thread has closed the current job to late
/// helpers; below it, the number of helpers running the job; above it, the job's number.
const CLOSED: u64 = 1 << 31;
/// The bits of [`Shared::state`] that count the helpers running the current job.
const RUNNING: u64 = CLOSED - 1;

/// What the calling thread and the helpers share.
struct Shared {
    /// The current job's number (high 32 bits), [`CLOSED`], and the helpers running it.
    state: AtomicU64,
    /// The current job; written by the calling thread only while no helper runs one.
    job: UnsafeCell<Option<Job>>,
    /// Set when the crew breaks up.
    stop: AtomicBool,
    /// The panic of a helper's job, raised again on the calling thread.
    panic: Mutex<Option<Box<dyn std::any::Any + Send>>>,
    /// Helpers that stopped spinning, and where they block.
    sleepers: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
}

// SAFETY: `job` is written only by the calling thread in `offer` (which takes the crew mutably,
// so one at a time) while the previous job is closed and no helper runs it, before the new job's
// number is published; a helper reads it only after joining that job (a compare-and-swap on the
// open state with that number), and `offer` does not return before every helper that joined has
// left. The job is `Sync`.
unsafe impl Sync for Shared {}
// SAFETY: as above; the pointer is only a borrowed `Sync` closure.
unsafe impl Send for Shared {}

/// Helper threads that run jobs together with the thread that owns the crew.
pub(crate) struct Crew {
    shared: Arc<Shared>,
    handles: Vec<std::thread::JoinHandle<()>>,
    /// Number of the last job offered.
    job: u64,
}

impl Crew {
    /// A crew of `helpers` threads (none: every job runs on the calling thread alone); fails
    /// when the system refuses a thread.
    pub(crate) fn new(helpers: usize) -> std::io::Result<Crew> {
        let shared = Arc::new(Shared {
            state: AtomicU64::new(CLOSED),
            job: UnsafeCell::new(None),
            stop: AtomicBool::new(false),
            panic: Mutex::new(None),
            sleepers: AtomicUsize::new(0),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        });
        let mut crew = Crew {
            shared,
            handles: Vec::with_capacity(helpers),
            job: 0,
        };
        for t in 1..=helpers {
            let shared = Arc::clone(&crew.shared);
            let handle = std::thread::Builder::new()
                .name(format!("cajal-crew-{t}"))
                .spawn(move || shared.serve(t))?;
            // (on an error, dropping the crew stops the helpers started so far)
            crew.handles.push(handle);
        }
        Ok(crew)
    }

    /// Runs `job(0)` on the calling thread and `job(t)` on each helper `t` that joins before
    /// the calling thread is done with it (each at most once), and returns when all that
    /// joined are done. `job` must leave no work undone when only the calling thread runs it.
    /// A panic in any of them is raised here.
    pub(crate) fn offer(&mut self, job: &(dyn Fn(usize) + Sync)) {
        let sh = &*self.shared;
        if self.handles.is_empty() {
            job(0);
            return;
        }
        // SAFETY: only the lifetime is erased. A helper reads the pointer only after joining
        // this job, and this function does not return (nor unwind: `Close` waits in its drop)
        // before every helper that joined has left it.
        let erased: Job =
            unsafe { std::mem::transmute::<*const (dyn Fn(usize) + Sync + '_), Job>(job) };
        // SAFETY: the previous job is closed and no helper runs it (see `Close`), and no helper
        // reads `job` before joining the next one, which is published below.
        unsafe { *sh.job.get() = Some(erased) };
        self.job = self.job.wrapping_add(1) & 0xffff_ffff;
        sh.state.store(self.job << 32, Ordering::SeqCst);
        sh.notify();
        /// Closes the job to late helpers and waits for those that joined.
        struct Close<'a>(&'a Shared);
        impl Drop for Close<'_> {
            fn drop(&mut self) {
                self.0.state.fetch_or(CLOSED, Ordering::SeqCst);
                let mut spins = 0u32;
                while self.0.state.load(Ordering::Acquire) & RUNNING != 0 {
                    spins = spins.wrapping_add(1);
                    if spins.is_multiple_of(4096) {
                        // a helper was descheduled in the middle of its work: let it run
                        std::thread::yield_now();
                    } else {
                        std::hint::spin_loop();
                    }
                }
            }
        }
        let close = Close(sh);
        job(0);
        drop(close);
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

    /// The life of helper `t`: wait for a job, join it if it is still open, run it, leave;
    /// until the crew breaks up.
    fn serve(&self, t: usize) {
        // jobs are numbered from 1: a helper that starts late still finds the first one
        let mut seen = 0;
        while let Some(state) = self.next_job(seen) {
            seen = state >> 32;
            if !self.join(state) {
                continue;
            }
            // SAFETY: written before the job was published; see `offer`.
            let job = unsafe { (*self.job.get()).expect("a job comes with its number") };
            // SAFETY: the job lives until this helper leaves it (see `offer`).
            let outcome = catch_unwind(AssertUnwindSafe(|| unsafe { (*job)(t) }));
            if let Err(p) = outcome {
                self.panic.lock().expect("panic slot").get_or_insert(p);
            }
            self.state.fetch_sub(1, Ordering::Release);
        }
    }

    /// Joins the job of `state` (counts this helper in) if it is still that job and open.
    fn join(&self, mut state: u64) -> bool {
        let number = state >> 32;
        while state >> 32 == number && state & CLOSED == 0 {
            match self.state.compare_exchange_weak(
                state,
                state + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
        false
    }

    /// The state once a job after number `seen` is published, spinning for up to [`SPIN`] and
    /// then blocking; `None` when the crew breaks up.
    fn next_job(&self, seen: u64) -> Option<u64> {
        let fresh = || {
            if self.stop.load(Ordering::SeqCst) {
                return Some(None);
            }
            let s = self.state.load(Ordering::SeqCst);
            (s >> 32 != seen).then_some(Some(s))
        };
        let start = Instant::now();
        loop {
            for _ in 0..SPINS_PER_LOOK {
                if let Some(s) = fresh() {
                    return s;
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
            if let Some(s) = fresh() {
                break s;
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
    fn the_caller_runs_every_job_and_each_helper_at_most_once() {
        for helpers in 0..3 {
            let mut crew = Crew::new(helpers).unwrap();
            for _ in 0..200 {
                let runs: Vec<AtomicUsize> = (0..=helpers).map(|_| AtomicUsize::new(0)).collect();
                crew.offer(&|t| {
                    runs[t].fetch_add(1, Ordering::Relaxed);
                });
                assert_eq!(runs[0].load(Ordering::Relaxed), 1);
                assert!(runs.iter().all(|r| r.load(Ordering::Relaxed) <= 1));
            }
        }
    }

    #[test]
    fn helpers_join_a_job_that_lasts_even_after_they_went_to_sleep() {
        let mut crew = Crew::new(2).unwrap();
        for round in 0..3 {
            // long enough that the helpers block between jobs
            std::thread::sleep(SPIN * 3);
            let joined = AtomicUsize::new(0);
            crew.offer(&|t| {
                if t > 0 {
                    joined.fetch_add(1, Ordering::Relaxed);
                } else {
                    // the caller's part lasts until a helper came (or a second passed)
                    let start = Instant::now();
                    while joined.load(Ordering::Relaxed) == 0
                        && start.elapsed() < Duration::from_secs(1)
                    {
                        std::hint::spin_loop();
                    }
                }
            });
            assert!(joined.load(Ordering::Relaxed) >= 1, "round {round}");
        }
    }

    #[test]
    fn a_panic_in_a_helper_reaches_the_caller_and_the_crew_still_works() {
        let caller = std::thread::current().id();
        let mut crew = Crew::new(1).unwrap();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let helper_came = AtomicBool::new(false);
            crew.offer(&|_| {
                if std::thread::current().id() != caller {
                    helper_came.store(true, Ordering::SeqCst);
                    panic!("helper fails");
                }
                // wait for the helper, so that its panic is part of this job
                let start = Instant::now();
                while !helper_came.load(Ordering::SeqCst) && start.elapsed().as_secs() < 5 {
                    std::hint::spin_loop();
                }
            });
        }));
        assert!(outcome.is_err());
        let count = AtomicUsize::new(0);
        crew.offer(&|_| {
            count.fetch_add(1, Ordering::Relaxed);
        });
        assert!(count.load(Ordering::Relaxed) >= 1);
    }
}
