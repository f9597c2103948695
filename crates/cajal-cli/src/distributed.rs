//! Runs over several processes: `mpirun -np N cajal run MODEL` with the `mpi` feature.
//!
//! Every process reads the model, builds its own shares of the network
//! (`Network::build_distributed`) and exchanges its spikes with the others over MPI once per
//! interval (`Mpi`: an all-gather of the counts, then of the spikes, each packed in 8 bytes).
//! Process 0 alone prepares the output folder and, at the end, gathers every process's outputs
//! and writes the run folder as one process would (`output::Outputs::merge`). An error on any
//! process prints its message, naming the process, and aborts the whole job (`fail`): the
//! others never wait for a process that stopped. Without the feature, or under a single
//! process, everything runs as before.

use crate::Failure;
use cajal_core::Communicator;

/// The processes of this job: 1 without MPI.
pub fn processes() -> usize {
    imp::processes()
}

/// This process's rank (0 without MPI).
pub fn rank() -> usize {
    imp::rank()
}

/// The processes of this job on this machine (sharing its memory): 1 without MPI.
pub fn processes_here() -> usize {
    imp::processes_here()
}

/// The threads each process runs for `--threads requested`: as asked, or for 0 with several
/// processes the cores of this machine shared among its processes (at least one), so that they
/// do not crowd the cores; 0 (one per core) in one process.
pub fn threads_per_process(requested: usize) -> usize {
    if requested > 0 || processes() == 1 {
        return requested;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores / processes_here()).max(1)
}

/// A communicator for a simulation of this job: the MPI world when there are several
/// processes, else one process on its own.
pub fn communicator() -> Box<dyn Communicator> {
    imp::communicator()
}

/// Starts MPI when the `mpi` feature is on (a program started without `mpirun` is one process
/// of its own). Idempotent; a no-op without the feature. An MPI library that cannot take calls
/// from the threads of a process one at a time (MPI_THREAD_SERIALIZED) is an error.
pub fn init() -> Result<(), String> {
    imp::init()
}

/// Ends MPI (MPI_Finalize) at the end of a command that started it; a no-op otherwise.
pub fn finish() {
    imp::finish();
}

/// An error that every process of the job has (agreed through a collective step, as a
/// numerical error or an interruption of the simulation is): process 0 reports it and every
/// process ends with its code, without aborting the job.
#[derive(Debug)]
pub struct Agreed(pub String);

impl std::fmt::Display for Agreed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Agreed {}

/// Makes a failure one that every process has.
pub fn agreed(f: Failure) -> Failure {
    if processes() == 1 {
        return f;
    }
    Failure {
        code: f.code,
        error: Agreed(crate::message(&f.error)).into(),
    }
}

/// Collective: every process's `result` of the same step; the first failure in rank order
/// (naming its process) on every process, or Ok when all succeeded. In one process always Ok:
/// the caller goes on to its own `result`.
pub fn agree<T>(comm: &mut dyn Communicator, result: &Result<T, Failure>) -> Result<(), Failure> {
    if comm.processes() == 1 {
        return Ok(());
    }
    let mine = match result {
        Ok(_) => Vec::new(),
        Err(f) => {
            let mut b = vec![f.code];
            b.extend(crate::message(&f.error).into_bytes());
            b
        }
    };
    let all = comm.all_gather_bytes(&mine);
    match all.iter().enumerate().find(|(_, b)| !b.is_empty()) {
        None => Ok(()),
        Some((rank, b)) => Err(Failure {
            code: b[0],
            error: Agreed(format!(
                "(process {rank} of {}) {}",
                comm.processes(),
                String::from_utf8_lossy(&b[1..])
            ))
            .into(),
        }),
    }
}

/// Collective: true on every process when `flag` is true on any.
pub fn any(comm: &mut dyn Communicator, flag: bool) -> bool {
    if comm.processes() == 1 {
        return flag;
    }
    comm.all_gather_bytes(&[flag as u8])
        .iter()
        .any(|b| b.first() == Some(&1))
}

/// On several processes: prints `message` naming this process and ends the whole job with
/// `code` (MPI_Abort), so that no process waits for this one. On one process: returns.
pub fn fail(message: &str, code: u8) {
    if processes() > 1 {
        eprintln!("error (process {} of {}): {message}", rank(), processes());
        imp::abort(code);
    }
}

#[cfg(not(feature = "mpi"))]
mod imp {
    pub fn processes() -> usize {
        1
    }
    pub fn rank() -> usize {
        0
    }
    pub fn processes_here() -> usize {
        1
    }
    pub fn communicator() -> Box<dyn cajal_core::Communicator> {
        Box::new(cajal_core::Local)
    }
    pub fn init() -> Result<(), String> {
        // started by mpirun (OpenMPI, MPICH/PMI) as one of several processes: each runs the
        // whole model on its own (as a farm of independent runs may want), which is said
        let launched = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"]
            .iter()
            .filter_map(|v| std::env::var(v).ok()?.parse::<usize>().ok())
            .max()
            .unwrap_or(1);
        if launched > 1 {
            eprintln!(
                "warning: started as one of {launched} MPI processes, but this cajal was built \
                 without MPI: each process runs the whole model on its own (for one model over \
                 the processes build with `cargo build --release -p cajal-cli --features mpi`, \
                 docs/scaling.md)"
            );
        }
        Ok(())
    }
    pub fn finish() {}
    pub fn abort(_code: u8) {}
}

#[cfg(feature = "mpi")]
mod imp {
    use cajal_core::exchange::Collectives;
    use cajal_core::exchange::{pack_spikes, unpack_spikes};
    use cajal_core::{Communicator, Spike};
    use mpi::datatype::PartitionMut;
    use mpi::topology::SimpleCommunicator;
    use mpi::traits::Communicator as _;
    use mpi::traits::*;
    use std::sync::Mutex;

    /// The MPI universe while MPI runs (dropping it calls MPI_Finalize).
    struct Universe(mpi::environment::Universe);
    // SAFETY: MPI is initialised for serialised calls from any thread, and the universe is
    // behind a lock.
    unsafe impl Send for Universe {}

    static UNIVERSE: Mutex<Option<Universe>> = Mutex::new(None);

    pub fn finish() {
        // (MPI_Finalize: after it, the job's processes may exit)
        drop(UNIVERSE.lock().expect("not poisoned").take());
    }

    pub fn init() -> Result<(), String> {
        let mut universe = UNIVERSE.lock().expect("not poisoned");
        if universe.is_some() {
            return Ok(());
        }
        let Some((started, provided)) = mpi::initialize_with_threading(mpi::Threading::Serialized)
        else {
            return Ok(());
        };
        // the network is built on the threads of a pool, one MPI call at a time
        if provided < mpi::Threading::Serialized {
            return Err(format!(
                "this MPI library gives {provided:?} threading, and Cajal needs Serialized (MPI \
                 calls from any one thread at a time): use an MPI built with thread support \
                 (Debian's OpenMPI has it)"
            ));
        }
        // the panic of one process takes the job down with its message, instead of leaving
        // the others waiting in the next exchange
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            default(info);
            if processes() > 1 {
                abort(101);
            }
        }));
        // (MPI_Comm_split_type with MPI_COMM_TYPE_SHARED: the processes that share memory)
        let here = started.world().split_shared(0).size().max(1) as usize;
        HERE.store(here, std::sync::atomic::Ordering::Relaxed);
        *universe = Some(Universe(started));
        Ok(())
    }

    fn world() -> Option<SimpleCommunicator> {
        UNIVERSE
            .lock()
            .expect("not poisoned")
            .as_ref()
            .map(|u| u.0.world())
    }

    pub fn processes() -> usize {
        world().map_or(1, |w| w.size() as usize)
    }

    pub fn rank() -> usize {
        world().map_or(0, |w| w.rank() as usize)
    }

    /// The processes of this machine, counted once at the start (a collective step, so not
    /// one to take on a path that only some processes follow).
    static HERE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

    pub fn processes_here() -> usize {
        HERE.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn abort(code: u8) {
        if let Some(w) = world() {
            w.abort(code.max(1) as i32);
        }
    }

    pub fn communicator() -> Box<dyn Communicator> {
        match world() {
            Some(world) if world.size() > 1 => Box::new(Mpi {
                world,
                packed: Vec::new(),
                received: Vec::new(),
                counts: Vec::new(),
                displs: Vec::new(),
            }),
            _ => Box::new(cajal_core::Local),
        }
    }

    /// Bytes each process sends in one round of a gather onto process 0: `CAJAL_MPI_CHUNK_BYTES`
    /// (for tests of the rounds), else 256 MiB; never so many that one round's sum reaches 2^31.
    fn gather_chunk(processes: usize) -> usize {
        let most = (i32::MAX as usize - 2 * processes) / processes;
        let asked = std::env::var("CAJAL_MPI_CHUNK_BYTES")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&c| c > 0)
            .unwrap_or(1 << 28);
        asked.min(most).max(1)
    }

    /// The MPI world as the simulation's communicator.
    struct Mpi {
        world: SimpleCommunicator,
        /// This process's spikes of an interval: its base step, then the spikes packed.
        packed: Vec<u64>,
        received: Vec<u64>,
        counts: Vec<i32>,
        displs: Vec<i32>,
    }

    // SAFETY: MPI is initialised with MPI_THREAD_SERIALIZED, and a simulation calls its
    // communicator from one thread at a time (the build from a worker of its pool, the runs
    // from the calling thread).
    unsafe impl Send for Mpi {}

    impl Mpi {
        /// Counts and displacements of an all-gather of `n` items from each process.
        fn layout(&mut self, n: usize) -> usize {
            let size = self.world.size() as usize;
            self.counts.resize(size, 0);
            let n = i32::try_from(n).expect("fewer than 2^31 items per process");
            self.world.all_gather_into(&n, &mut self.counts[..]);
            self.displs.clear();
            let mut total = 0i64;
            for &c in &self.counts {
                self.displs.push(total as i32);
                total += c as i64;
            }
            i32::try_from(total).expect("fewer than 2^31 items in all") as usize
        }
    }

    impl Communicator for Mpi {
        fn processes(&self) -> usize {
            self.world.size() as usize
        }

        fn rank(&self) -> usize {
            self.world.rank() as usize
        }

        fn exchange(&mut self, spikes: &mut Vec<Spike>) {
            let mut packed = std::mem::take(&mut self.packed);
            pack_spikes(spikes, &mut packed);
            let total = self.layout(packed.len());
            self.received.resize(total, 0);
            {
                let mut into =
                    PartitionMut::new(&mut self.received[..], &self.counts[..], &self.displs[..]);
                self.world.all_gather_varcount_into(&packed[..], &mut into);
            }
            self.packed = packed;
            spikes.clear();
            for (&c, &d) in self.counts.iter().zip(&self.displs) {
                unpack_spikes(&self.received[d as usize..(d + c) as usize], spikes);
            }
        }

        fn all_gather_bytes(&mut self, mine: &[u8]) -> Vec<Vec<u8>> {
            // (each message leads with one byte: MPI refuses the empty buffers of empty ones)
            let mine = [&[0u8][..], mine].concat();
            let total = self.layout(mine.len());
            let mut all = vec![0u8; total];
            {
                let mut into = PartitionMut::new(&mut all[..], &self.counts[..], &self.displs[..]);
                self.world.all_gather_varcount_into(&mine[..], &mut into);
            }
            self.counts
                .iter()
                .zip(&self.displs)
                .map(|(&c, &d)| all[d as usize + 1..(d + c) as usize].to_vec())
                .collect()
        }

        fn gather_bytes(&mut self, mine: &[u8]) -> Vec<Vec<u8>> {
            // in rounds of at most `chunk` bytes from each process, so that no message (nor the
            // sum of one round's, which MPI counts in 32 bits) reaches 2^31 bytes
            let size = self.world.size() as usize;
            let lens = self.all_concat(&[mine.len() as u64]);
            let chunk = gather_chunk(size) as u64;
            let rounds = lens
                .iter()
                .max()
                .copied()
                .unwrap_or(0)
                .div_ceil(chunk)
                .max(1);
            let root = self.world.process_at_rank(0);
            let is_root = self.world.rank() == 0;
            let mut out: Vec<Vec<u8>> = if is_root {
                lens.iter()
                    .map(|&l| Vec::with_capacity(l as usize))
                    .collect()
            } else {
                Vec::new()
            };
            for r in 0..rounds {
                let part = |len: u64| (len.saturating_sub(r * chunk)).min(chunk) as usize;
                let start = ((r * chunk) as usize).min(mine.len());
                let end = start + part(mine.len() as u64);
                // (each piece leads with one byte: MPI refuses the empty buffers of empty ones)
                let piece = [&[0u8][..], &mine[start..end]].concat();
                if !is_root {
                    root.gather_varcount_into(&piece[..]);
                    continue;
                }
                let counts: Vec<i32> = lens.iter().map(|&l| 1 + part(l) as i32).collect();
                let mut displs = Vec::with_capacity(size);
                let mut total = 0i32;
                for &c in &counts {
                    displs.push(total);
                    total += c;
                }
                let mut all = vec![0u8; total as usize];
                {
                    let mut into = PartitionMut::new(&mut all[..], &counts[..], &displs[..]);
                    root.gather_varcount_into_root(&piece[..], &mut into);
                }
                for ((o, &c), &d) in out.iter_mut().zip(&counts).zip(&displs) {
                    o.extend_from_slice(&all[d as usize + 1..(d + c) as usize]);
                }
            }
            out
        }
    }
}
