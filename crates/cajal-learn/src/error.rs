//! Why a learning task failed: [`LearnError`], and why a file is not a usable checkpoint
//! ([`Unusable`]). Each message says what is wrong once; a cause carried as
//! [`source`](std::error::Error::source) is not repeated in the message.

use std::path::PathBuf;

/// A failure of `cajal-learn`: a parameter out of range, or a checkpoint that cannot be read,
/// written or continued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LearnError {
    /// A parameter of a task file is out of range; the message names the field and what is
    /// allowed.
    #[error("{0}")]
    InvalidParameter(String),
    /// The checkpoint file could not be read.
    #[error("cannot read the checkpoint {}", path.display())]
    ReadCheckpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file holds no checkpoint this version can continue from.
    #[error(
        "{} is not a usable training checkpoint: {problem}; delete it to start afresh",
        path.display()
    )]
    UnusableCheckpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong with it.
        problem: Unusable,
    },
    /// The checkpoint was written by a training with other network parameters.
    #[error(
        "the checkpoint {} was written with other network parameters; resume with the same task \
         file, or delete the checkpoint to start afresh",
        path.display()
    )]
    OtherParameters {
        /// The checkpoint file.
        path: PathBuf,
    },
    /// The checkpoint was written by a training with another seed.
    #[error(
        "the checkpoint {} was written with seed {written}, not {asked}; pass --seed {written}",
        path.display()
    )]
    OtherSeed {
        /// The checkpoint file.
        path: PathBuf,
        /// The seed of the checkpoint's training.
        written: u64,
        /// The seed asked for.
        asked: u64,
    },
    /// The training state could not be encoded for a checkpoint.
    #[error("cannot encode the training state for a checkpoint ({0})")]
    Encode(String),
    /// The engine's network could not be put in the run's state (a checkpoint of another
    /// network, or weights outside the rule's bounds).
    #[error("the engine's network cannot take the run's state: {0}")]
    EngineState(String),
    /// The engine refused a network, an input or a run (the message says which and why).
    #[error("the engine: {0}")]
    Engine(String),
    /// The checkpoint could not be written (the error names the file).
    #[error(transparent)]
    WriteCheckpoint(#[from] cajal_data::DataError),
}

/// Why a file is not a usable training checkpoint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Unusable {
    /// Too short, or without the checkpoint header: another kind of file.
    #[error("no CAJALLRN header (not written by `cajal learn`)")]
    Foreign,
    /// Written in another format version.
    #[error("format version {found}, this Cajal reads {reads}")]
    Version {
        /// The version in the file.
        found: u32,
        /// The version this build reads.
        reads: u32,
    },
    /// Shorter (or longer) than its header announces.
    #[error("truncated")]
    Truncated,
    /// The content does not match its checksum.
    #[error("checksum mismatch (corrupt)")]
    Checksum,
    /// The content passed the checks but does not decode as a training state.
    #[error("undecodable ({0})")]
    Undecodable(String),
}

/// A [`LearnError::Engine`] from what the engine refused or failed at.
pub(crate) fn engine(e: impl std::fmt::Display) -> LearnError {
    LearnError::Engine(e.to_string())
}

/// A [`LearnError::InvalidParameter`] with `message`.
pub(crate) fn invalid(message: impl Into<String>) -> LearnError {
    LearnError::InvalidParameter(message.into())
}
