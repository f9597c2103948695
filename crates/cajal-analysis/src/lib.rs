//! Spike-train analysis for Cajal runs and recorded data: firing statistics, pairwise measures
//! and distances, population-rate spectra, neuronal avalanches and power-law fits, branching
//! ratios (conventional and multistep regression), Lempel–Ziv complexity, and connectivity
//! inference. Conventions follow Elephant where the two overlap (see each function).

pub mod avalanche;
pub mod branching;
pub mod correlation;
pub mod distance;
pub mod inference;
pub mod load;
pub mod lz;
pub mod powerlaw;
pub mod report;
pub mod spectrum;
pub mod spikes;
pub mod stats;

pub use load::{load, LoadOptions};
pub use spikes::{Group, SpikeData};

/// An analysis failure: bad input (with the place and the fix) or unreadable data.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The input is malformed or impossible.
    #[error("{0}")]
    Input(String),
    /// A data file could not be read.
    #[error(transparent)]
    Data(#[from] cajal_data::DataError),
}
