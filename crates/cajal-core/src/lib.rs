//! Cajal's simulation engine.
//!
//! A network ([`NetworkDef`]) is cut into fixed partitions of one population each; a partition
//! owns its neurons' state (structure of arrays), their input ring buffers and every synapse that
//! ends on them (compressed by source). The simulation advances all partitions in parallel for one
//! min-delay interval, then hands the interval's spikes to every partition, which adds them into its
//! own buffers. Nothing is shared mutably, so results are identical for any number of threads.
//!
//! ```
//! use cajal_core::{NetworkDef, PopulationDef, InputDef, InputKind, RecordDef, Selection, ModelKind, Simulation};
//! let def = NetworkDef {
//!     dt: 0.1,
//!     seed: 1,
//!     populations: vec![PopulationDef {
//!         name: "n".into(), kind: ModelKind::IafPscDelta, size: 1,
//!         params: Default::default(), initial: vec![], spike_times: vec![], threshold: None,
//!     }],
//!     projections: vec![],
//!     inputs: vec![InputDef { kind: InputKind::Dc { amplitude: 500.0 }, target: 0, neurons: None,
//!                             start: 0.0, stop: f64::INFINITY }],
//!     records: vec![RecordDef { population: 0, spikes: true, neurons: Selection::All,
//!                               variables: vec![], interval: 1.0 }],
//!     astrocytes: vec![],
//! };
//! let mut sim = Simulation::build(&def, 1).unwrap();
//! sim.run(100.0, |_, _| {}).unwrap();
//! assert!(sim.spike_trains(0).times.len() > 5);
//! ```

mod balance;
pub mod checkpoint;
pub mod connect;
mod crew;
pub mod dist;
mod finite;
pub mod homeostasis;
pub mod input;
mod layout;
pub mod memory;
pub mod network;
pub mod neuron;
pub mod partition;
pub mod plasticity;
pub mod rng;
pub mod simulation;
pub mod synapses;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use dist::Dist;
pub use homeostasis::{AstrocyteDef, ScalingDef, ThresholdDef};
pub use network::{
    BuildError, InputDef, InputKind, NetworkDef, Place, PopulationDef, ProjectionDef, RecordDef,
    Rule, Selection,
};
pub use neuron::ModelKind;
pub use plasticity::{OjaDef, Pairing, PlasticityDef};
pub use simulation::{
    NumericalError, PopulationInfo, PopulationStats, ScheduleError, Simulation, SpikeTrains,
    StateTrace,
};
