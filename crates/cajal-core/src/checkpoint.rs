//! Checkpoints: the complete state of a simulation (time, neuron states, ring buffers with the
//! spikes in flight, synapses with their plastic weights and traces, input generators, recorders
//! and every random stream) in a versioned binary file with a checksum, written atomically.
//!
//! The format is specified in `docs/checkpoint.md`: an envelope (the magic `CAJALCKP`, the format
//! version, the lengths of an opaque caller block and of the state, a CRC-32 of both, little
//! endian), then the two blocks; the state is a CBOR document (RFC 8949) whose maps name every
//! field, listed in `docs/checkpoint-schema.txt`. `tests/checkpoint_format.rs` reads a committed
//! checkpoint of every kind of state and checks that the fields written today are the listed
//! ones, so a saved field cannot change without a new [`FORMAT_VERSION`].
//!
//! The state is restored into a simulation built from the same network with the same thread count
//! (the partition layout follows it), so that the run goes on exactly as if uninterrupted. Static
//! synapses never change and are rebuilt identically from the network and seed, so they are not
//! saved; plastic ones are, with all their state.

use crate::partition::{Partition, Spike};
use crate::plasticity::LearningProjection;
use crate::Simulation;
use std::io::Write;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"CAJALCKP";
/// Version of the checkpoint format; files of another version are refused. Version 1 (until
/// 2026-12) was bincode 1.3's encoding of the engine's structs; version 2 is CBOR with named fields;
/// version 3 adds an astrocyte's own weight of input spikes (a version 2 file still reads: its
/// astrocytes weigh input spikes as liquid ones, as they did); version 4 adds the process and
/// the number of processes of a distributed run to the layout (a version 2 or 3 file reads as a
/// run in one process); version 5 adds the Tempotron's learning projection (files without one
/// are version 4's); version 6 adds the delta rule's learning projection and the fixed rows of
/// Oja's rule (a version 5 file reads with none fixed); version 7 adds the alpha-conductance
/// neuron models and short-term plasticity's learning projection (files with none are version
/// 6's); version 8 adds the Hodgkin–Huxley neuron `hh_cond_exp_traub` and the gamma spike source
/// (files with neither are version 7's).
pub const FORMAT_VERSION: u32 = 8;

/// The older versions still read (their fields are version 8's less some with defaults).
const READ_ALSO: &[u32] = &[2, 3, 4, 5, 6, 7];

/// Why a checkpoint cannot be written, read or restored.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The file is not a checkpoint, is damaged or is of another version.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// The checkpoint belongs to another network, time step, seed or thread count.
    #[error("the checkpoint does not match this simulation: {0}")]
    Mismatch(String),
}

/// The identity of a simulation's layout: a checkpoint restores only into the same one.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Layout {
    dt: f64,
    seed: u64,
    threads: usize,
    interval: u64,
    synapses: u64,
    /// Per partition: population, offset, size.
    partitions: Vec<(usize, u32, usize)>,
    /// Processes of a distributed run (1 in checkpoints written before there were any).
    #[serde(default = "one")]
    processes: usize,
    /// This process's rank.
    #[serde(default)]
    rank: usize,
}

fn one() -> usize {
    1
}

/// Neurons per population of a layout, in population order.
fn population_sizes(layout: &Layout) -> Vec<(usize, usize)> {
    let mut sizes: Vec<(usize, usize)> = Vec::new();
    for &(pop, _, n) in &layout.partitions {
        match sizes.last_mut() {
            Some(last) if last.0 == pop => last.1 += n,
            _ => sizes.push((pop, n)),
        }
    }
    sizes
}

#[derive(serde::Serialize)]
struct StateRef<'a> {
    layout: Layout,
    step: u64,
    pending: &'a [Spike],
    partitions: &'a [Partition],
}

#[derive(serde::Deserialize)]
struct StateOwned {
    layout: Layout,
    step: u64,
    pending: Vec<Spike>,
    partitions: Vec<Partition>,
}

/// A checkpoint read from disk and verified (magic, version, length, checksum).
pub struct Checkpoint {
    /// The caller's block (e.g. the model file and run options).
    pub extra: Vec<u8>,
    state: StateOwned,
}

impl Checkpoint {
    /// Simulated time at the checkpoint (ms).
    pub fn time_ms(&self) -> f64 {
        self.state.step as f64 * self.state.layout.dt
    }

    /// The thread count the simulation must be built with to restore it.
    pub fn threads(&self) -> usize {
        self.state.layout.threads
    }

    /// Reads and verifies a checkpoint file.
    pub fn read(path: &Path) -> Result<Checkpoint, CheckpointError> {
        let bytes = std::fs::read(path).map_err(|source| CheckpointError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(&bytes, path)
    }

    /// Verifies and decodes checkpoint bytes (`path` names them in errors).
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Checkpoint, CheckpointError> {
        let invalid = |message: String| CheckpointError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        use cajal_data::frame::{decode, FrameError};
        let blocks = match decode(bytes, MAGIC, FORMAT_VERSION, 2) {
            Err(FrameError::Version(v)) if READ_ALSO.contains(&v) => decode(bytes, MAGIC, v, 2),
            other => other,
        }
        .map_err(|e| {
            invalid(match e {
                FrameError::Foreign => "not a Cajal checkpoint (no CAJALCKP header); give a file \
                                        written by `cajal run --checkpoint-every`"
                    .into(),
                FrameError::Version(version) => format!(
                    "checkpoint format version {version}, this Cajal reads versions {} and \
                     {FORMAT_VERSION}; resume it with the Cajal version that wrote it",
                    READ_ALSO
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                FrameError::Length(have, want) => format!(
                    "the file has {have} bytes but its header announces {want}: it is truncated \
                     or was not written completely; use the previous checkpoint"
                ),
                FrameError::Checksum => {
                    "checksum mismatch: the file is damaged; use the previous checkpoint".into()
                }
            })
        })?;
        let (extra, state) = (blocks[0], blocks[1]);
        let state: StateOwned = ciborium::de::from_reader(state).map_err(|e| {
            invalid(format!(
                "the state cannot be decoded ({e}); the checkpoint was written by another \
                 version of Cajal with the same format version, which should not happen"
            ))
        })?;
        Ok(Checkpoint {
            extra: extra.to_vec(),
            state,
        })
    }
}

impl Simulation {
    fn layout(&self) -> Layout {
        Layout {
            dt: self.dt,
            seed: self.seed,
            threads: self.threads,
            interval: self.interval,
            synapses: self.synapses,
            processes: self.communicator.processes(),
            rank: self.communicator.rank(),
            partitions: self
                .partitions
                .iter()
                .map(|p| (p.population, p.offset, p.len()))
                .collect(),
        }
    }

    /// The complete state as checkpoint bytes, with the caller's block `extra`.
    pub fn checkpoint_bytes(&self, extra: &[u8]) -> Vec<u8> {
        let mut state = Vec::new();
        ciborium::ser::into_writer(
            &StateRef {
                layout: self.layout(),
                step: self.step,
                pending: &self.pending,
                partitions: &self.partitions,
            },
            &mut state,
        )
        .expect("the state serialises into memory");
        cajal_data::frame::encode(MAGIC, FORMAT_VERSION, &[extra, &state])
    }

    /// Writes a checkpoint to `path` atomically: to a temporary file beside it, flushed to disk,
    /// then renamed over `path`, so that a crash while writing leaves the previous file intact.
    pub fn save_checkpoint(&self, path: &Path, extra: &[u8]) -> Result<(), CheckpointError> {
        let bytes = self.checkpoint_bytes(extra);
        cajal_data::write_atomic(path, |f| f.write_all(&bytes)).map_err(|e| match e {
            cajal_data::DataError::Io { path, source } => CheckpointError::Io { path, source },
            cajal_data::DataError::Format { path, message } => {
                CheckpointError::Invalid { path, message }
            }
        })
    }

    /// Puts the simulation in the checkpoint's state. The simulation must have been built from
    /// the same network, seed and thread count.
    pub fn restore(&mut self, ck: Checkpoint) -> Result<(), CheckpointError> {
        let mine = self.layout();
        let theirs = &ck.state.layout;
        if mine != *theirs {
            let what = if (mine.processes, mine.rank) != (theirs.processes, theirs.rank) {
                format!(
                    "it is rank {}'s of a run over {} processes and this is rank {} of {}; \
                     resume under the same number of processes (mpirun -np {})",
                    theirs.rank, theirs.processes, mine.rank, mine.processes, theirs.processes
                )
            } else if mine.threads != theirs.threads {
                format!(
                    "it was written with {} threads and this simulation has {}; resume with \
                     --threads {}",
                    theirs.threads, mine.threads, theirs.threads
                )
            } else if mine.seed != theirs.seed || mine.dt != theirs.dt {
                format!(
                    "seed {} and dt {} ms in the checkpoint, seed {} and dt {} ms here",
                    theirs.seed, theirs.dt, mine.seed, mine.dt
                )
            } else if mine.synapses == theirs.synapses
                && population_sizes(&mine) == population_sizes(theirs)
            {
                "the network is the same but cut into partitions differently: the checkpoint \
                 was written by another version of Cajal; run again from the start with this one"
                    .to_string()
            } else {
                "the network differs (populations, sizes or synapses); resume with the model \
                 the checkpoint was written from"
                    .to_string()
            };
            return Err(CheckpointError::Mismatch(what));
        }
        self.step = ck.state.step;
        self.pending = ck.state.pending;
        // static synapses are not saved: they are the ones just rebuilt; nor is the state the
        // neurons were built with (to which `reset_activity` returns): the one just built
        let mut restored = ck.state.partitions;
        for (new, built) in restored.iter_mut().zip(self.partitions.iter_mut()) {
            new.recorded_static = std::mem::take(&mut built.recorded_static);
            new.built_state = built.built_state.take();
            for (n, b) in new.currents.iter_mut().zip(&built.currents) {
                n.input = b.input;
            }
            for (n, b) in new.learning.iter_mut().zip(&built.learning) {
                if let (LearningProjection::Stdp(n), LearningProjection::Stdp(b)) = (n, b) {
                    n.adopt_definition(b);
                }
            }
        }
        self.partitions = restored;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn population_sizes_sum_each_population_over_its_partitions() {
        let layout = |partitions| Layout {
            dt: 0.1,
            seed: 1,
            threads: 2,
            interval: 15,
            synapses: 100,
            partitions,
            processes: 1,
            rank: 0,
        };
        let old = layout(vec![
            (0, 0, 5120),
            (0, 5120, 4880),
            (1, 0, 2048),
            (1, 2048, 452),
        ]);
        let new = layout(vec![(0, 0, 6144), (0, 6144, 3856), (1, 0, 2500)]);
        assert_ne!(old, new);
        assert_eq!(population_sizes(&old), vec![(0, 10_000), (1, 2_500)]);
        assert_eq!(population_sizes(&old), population_sizes(&new));
    }
}
