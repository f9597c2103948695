//! Cajal's simulation engine.
//!
//! A [`Network`] is described through typed calls, each checked where its values enter, and
//! built into a [`Simulation`]: every population is cut into partitions that own their neurons'
//! state (structure of arrays), their input ring buffers and every synapse that ends on them
//! (compressed by source). The simulation advances all partitions in parallel for one min-delay
//! interval, then hands the interval's spikes to every partition, which adds them into its own
//! buffers. Nothing is shared mutably, so results are identical for any number of threads.
//!
//! Brunel's (2000) network in the asynchronous irregular regime (the default model,
//! `examples/brunel_ai.toml`), scaled down tenfold here:
//!
//! ```
//! use cajal_core::{Input, ModelKind, Network, Population, Projection, Record, Rule};
//! let mut net = Network::new(0.1, 1)?; // dt (ms), seed
//! let lif = |name, size| Population::new(name, ModelKind::IafPscDelta, size)
//!     .param("E_L", 0.0).param("C_m", 1.0).param("tau_m", 20.0).param("t_ref", 2.0)
//!     .param("V_th", 20.0).param("V_reset", 10.0).initial("V_m", 0.0);
//! let (e, i) = (net.add_population(lif("E", 1000))?, net.add_population(lif("I", 250))?);
//! for (source, target, indegree, weight) in [(e, e, 100, 0.1), (e, i, 100, 0.1), (i, e, 25, -0.5), (i, i, 25, -0.5)] {
//!     net.connect(Projection::new(source, target, Rule::FixedIndegree { indegree })
//!         .weight(weight).delay(1.5))?;
//! }
//! for pop in [e, i] {
//!     net.add_input(Input::poisson(20_000.0, 0.1, 1.5).onto(pop))?;
//!     net.add_record(Record::spikes(pop))?;
//! }
//! let mut sim = net.build(2)?; // threads; the spikes are the same for any count
//! sim.run(200.0, |_done, _total| {})?;
//! assert!(sim.population_stats(e)?.rate_hz > 5.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A [`NetworkDef`] (the same network as plain data, which model files produce) goes through the
//! same checks with [`Network::from_def`].

mod balance;
mod builder;
pub mod checkpoint;
mod connect;
mod crew;
pub mod dist;
pub mod error;
pub mod exchange;
mod finite;
pub mod homeostasis;
mod input;
mod layout;
pub mod memory;
pub mod network;
pub mod neuron;
mod partition;
pub mod plasticity;
pub mod rng;
pub mod simulation;
mod synapses;

pub use builder::{
    AstrocyteId, Input, Network, Population, PopulationId, Projection, ProjectionId, Record,
};
pub use checkpoint::{Checkpoint, CheckpointError};
pub use dist::Dist;
pub use error::{BuildError, ErrorKind, Place};
pub use exchange::{Communicator, InProcess, Local};
pub use homeostasis::{AstrocyteDef, ScalingDef, ThresholdDef};
pub use network::{
    InputDef, InputKind, NetworkDef, PopulationDef, ProjectionDef, RecordDef, Rule, Selection,
};
pub use neuron::ModelKind;
pub use partition::Spike;
pub use plasticity::{
    DeltaAnswer, DeltaDef, OjaDef, Pairing, PlasticityDef, PspKernel, TempotronAnswer,
    TempotronDef, TsodyksDef, ZeroLag,
};
pub use simulation::{
    duration_steps, NumericalError, PopulationInfo, PopulationStats, ScheduleError, Simulation,
    SpikeTrains, StateTrace,
};
