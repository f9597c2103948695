//! What a network is made of: populations, projections, inputs and recorders, as plain data.
//! A [`NetworkDef`] is built into a runnable [`crate::Simulation`] by [`crate::Simulation::build`].

use crate::dist::Dist;
use crate::neuron::ModelKind;
use std::collections::BTreeMap;

/// A group of neurons of one model with shared parameters.
#[derive(Clone, Debug)]
pub struct PopulationDef {
    /// Unique name.
    pub name: String,
    /// Neuron model.
    pub kind: ModelKind,
    /// Number of neurons.
    pub size: usize,
    /// Parameters given (the model's defaults apply to the rest).
    pub params: BTreeMap<String, f64>,
    /// Initial values of state variables (e.g. `V_m`), constant or drawn per neuron.
    pub initial: Vec<(String, Dist)>,
    /// For `spike_generator`: spike times in ms, one list shared by all neurons or one per neuron.
    pub spike_times: Vec<Vec<f64>>,
    /// A moving threshold `V_th + theta` (integrate-and-fire models), if any.
    pub threshold: Option<crate::homeostasis::ThresholdDef>,
}

/// How the synapses of a projection are drawn (NEST's connection rules).
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// Every source to every target.
    AllToAll,
    /// Source i to target i (equal sizes).
    OneToOne,
    /// Each (source, target) pair independently with probability `p`.
    PairwiseBernoulli { p: f64 },
    /// Each target receives exactly `indegree` synapses from random sources.
    FixedIndegree { indegree: usize },
    /// Each source sends exactly `outdegree` synapses to random targets.
    FixedOutdegree { outdegree: usize },
    /// Exactly `n` synapses between random pairs.
    FixedTotalNumber { n: usize },
    /// An explicit list of (source, target) pairs, with optional per-synapse weights and delays.
    Explicit {
        /// Source indices within the source population.
        sources: Vec<u32>,
        /// Target indices within the target population.
        targets: Vec<u32>,
        /// Per-synapse weights (overrides the projection's weight).
        weights: Option<Vec<f64>>,
        /// Per-synapse delays in ms (overrides the projection's delay).
        delays: Option<Vec<f64>>,
    },
}

impl Rule {
    /// The rule's name as used in model files.
    pub fn name(&self) -> &'static str {
        match self {
            Rule::AllToAll => "all_to_all",
            Rule::OneToOne => "one_to_one",
            Rule::PairwiseBernoulli { .. } => "pairwise_bernoulli",
            Rule::FixedIndegree { .. } => "fixed_indegree",
            Rule::FixedOutdegree { .. } => "fixed_outdegree",
            Rule::FixedTotalNumber { .. } => "fixed_total_number",
            Rule::Explicit { .. } => "explicit",
        }
    }
}

/// Static synapses from one population to another.
#[derive(Clone, Debug)]
pub struct ProjectionDef {
    /// Name (for messages and outputs).
    pub name: String,
    /// Index of the source population.
    pub source: usize,
    /// Index of the target population.
    pub target: usize,
    /// Connection rule.
    pub rule: Rule,
    /// Weight (mV, pA or nS as the target model says; the sign selects excitatory or inhibitory).
    pub weight: Dist,
    /// Delay in ms (rounded to the grid; at least one step).
    pub delay: Dist,
    /// May a neuron connect to itself (source and target the same population)?
    pub allow_autapses: bool,
    /// May a pair be connected more than once?
    pub allow_multapses: bool,
    /// Plasticity rule (static synapses when `None`).
    pub plasticity: Option<crate::plasticity::PlasticityDef>,
    /// Record the weights: snapshot interval in ms (`f64::INFINITY`: only at the end).
    pub record_weights: Option<f64>,
    /// Synaptic scaling of the (plastic) weights, if any.
    pub scaling: Option<crate::homeostasis::ScalingDef>,
    /// Index of the astrocyte (in [`NetworkDef::astrocytes`]) that sets the depression rate of
    /// this pair-STDP projection, if any.
    pub astrocyte: Option<usize>,
    /// Oja's subspace rule (instead of `plasticity`), if any.
    pub oja: Option<crate::plasticity::OjaDef>,
    /// The Tempotron (instead of `plasticity`), if any.
    pub tempotron: Option<crate::plasticity::TempotronDef>,
    /// The delta rule on presynaptic traces (instead of `plasticity`), if any.
    pub delta: Option<crate::plasticity::DeltaDef>,
    /// Short-term plasticity (`tsodyks_synapse`, instead of `plasticity`), if any.
    pub tsodyks: Option<crate::plasticity::TsodyksDef>,
    /// Stochastic transmission (`bernoulli_synapse`, instead of `plasticity`): the probability
    /// with which each synapse passes each spike, if any.
    pub p_transmit: Option<f64>,
}

impl ProjectionDef {
    /// A static projection with NEST's defaults, as a model file without the optional keys
    /// gives it: autapses and multapses allowed, no plasticity, no weight recording.
    pub fn new(
        name: impl Into<String>,
        source: usize,
        target: usize,
        rule: Rule,
        weight: Dist,
        delay: Dist,
    ) -> Self {
        ProjectionDef {
            name: name.into(),
            source,
            target,
            rule,
            weight,
            delay,
            allow_autapses: true,
            allow_multapses: true,
            plasticity: None,
            record_weights: None,
            scaling: None,
            astrocyte: None,
            oja: None,
            tempotron: None,
            delta: None,
            tsodyks: None,
            p_transmit: None,
        }
    }

    /// Whether its synapses change or pass spikes by chance (a plasticity rule, Oja's rule, the
    /// Tempotron, the delta rule, short-term plasticity or stochastic transmission): they are
    /// then not stored as static synapses.
    pub fn learns(&self) -> bool {
        self.plasticity.is_some()
            || self.oja.is_some()
            || self.tempotron.is_some()
            || self.delta.is_some()
            || self.tsodyks.is_some()
            || self.p_transmit.is_some()
    }
}

/// What an input device injects.
#[derive(Clone, Debug, PartialEq)]
pub enum InputKind {
    /// `poisson_generator`: an independent Poisson train of `rate` Hz into each target neuron,
    /// each spike with `weight` after `delay` ms.
    Poisson { rate: f64, weight: f64, delay: f64 },
    /// `dc_generator`: a constant current (pA).
    Dc { amplitude: f64 },
    /// `step_current_generator`: the current becomes `amplitudes[i]` pA at `times[i]` ms.
    StepCurrent {
        times: Vec<f64>,
        amplitudes: Vec<f64>,
    },
}

/// An input device attached to (a subset of) a population.
#[derive(Clone, Debug)]
pub struct InputDef {
    /// What it injects.
    pub kind: InputKind,
    /// Index of the target population.
    pub target: usize,
    /// Target neurons (indices in the population); all when `None`.
    pub neurons: Option<Vec<u32>>,
    /// Active from this time (ms) ...
    pub start: f64,
    /// ... until this time (ms, may be infinite).
    pub stop: f64,
}

/// Which neurons of a population a recorder watches.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    /// Every neuron.
    All,
    /// The first `n` neurons.
    First(usize),
    /// These indices.
    List(Vec<u32>),
}

impl Selection {
    /// The selected indices, for a population of `size`.
    pub fn indices(&self, size: usize) -> Vec<u32> {
        match self {
            Selection::All => (0..size as u32).collect(),
            Selection::First(n) => (0..(*n).min(size) as u32).collect(),
            Selection::List(v) => v.clone(),
        }
    }
}

/// A recorder of one population's spikes and/or state variables.
#[derive(Clone, Debug)]
pub struct RecordDef {
    /// Index of the population.
    pub population: usize,
    /// Record spikes?
    pub spikes: bool,
    /// Which neurons: those whose spikes are recorded, and whose state is sampled unless
    /// `state_neurons` says otherwise.
    pub neurons: Selection,
    /// Which neurons' state is sampled, when not `neurons` (NEST's multimeter and spike
    /// recorder take separate lists too).
    pub state_neurons: Option<Selection>,
    /// State variables to sample (e.g. `V_m`).
    pub variables: Vec<String>,
    /// Sampling interval (ms, a multiple of dt).
    pub interval: f64,
}

/// A complete network: what [`crate::Simulation::build`] turns into a runnable simulation.
#[derive(Clone, Debug)]
pub struct NetworkDef {
    /// Time step (ms).
    pub dt: f64,
    /// Global seed of every random stream.
    pub seed: u64,
    /// Populations, in order (global neuron ids follow this order).
    pub populations: Vec<PopulationDef>,
    /// Projections.
    pub projections: Vec<ProjectionDef>,
    /// Input devices.
    pub inputs: Vec<InputDef>,
    /// Recorders.
    pub records: Vec<RecordDef>,
    /// Astrocytes (NALSM) that modulate STDP.
    pub astrocytes: Vec<crate::homeostasis::AstrocyteDef>,
}

pub use crate::error::{BuildError, ErrorKind, Place};
