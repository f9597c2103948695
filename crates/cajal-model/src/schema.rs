//! The model file's schema (TOML). Units: ms, mV, pA, pF, nS, Hz.

use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// A whole model file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// Short name of the model.
    pub name: Option<String>,
    /// What the model is, with its source.
    pub description: Option<String>,
    /// Time grid, duration and seed.
    #[serde(default)]
    pub simulation: SimulationSpec,
    /// `[[population]]` tables.
    #[serde(default)]
    pub population: Vec<PopulationSpec>,
    /// `[[projection]]` tables.
    #[serde(default)]
    pub projection: Vec<ProjectionSpec>,
    /// `[[input]]` tables.
    #[serde(default)]
    pub input: Vec<InputSpec>,
    /// `[[record]]` tables.
    #[serde(default)]
    pub record: Vec<RecordSpec>,
    /// `[[astrocyte]]` tables (NALSM astrocytes modulating STDP).
    #[serde(default)]
    pub astrocyte: Vec<AstrocyteSpec>,
}

/// `[[astrocyte]]`: `tau dA/dt = w (liquid spikes − input spikes) + bias − A`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AstrocyteSpec {
    /// Name (projections refer to it with `plasticity.astrocyte`).
    pub name: String,
    /// Populations whose spikes count positively.
    pub liquid: Vec<String>,
    /// Populations whose spikes count negatively.
    #[serde(default)]
    pub input: Vec<String>,
    /// Weight of a spike.
    pub w: f64,
    /// Bias.
    pub bias: f64,
    /// Time constant (ms).
    pub tau: f64,
    /// Value at t = 0 (default: bias).
    pub initial: Option<f64>,
}

/// `[population.threshold]`: `model = "adaptive"` (theta_plus, tau_theta) or
/// `model = "target_rate"` (eta, rate).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdSpec {
    /// `adaptive` or `target_rate`.
    pub model: String,
    /// Adaptive: jump per spike (mV).
    pub theta_plus: Option<f64>,
    /// Adaptive: decay time constant (ms; default inf).
    pub tau_theta: Option<f64>,
    /// Target rate: jump per spike (mV).
    pub eta: Option<f64>,
    /// Target rate (Hz).
    pub rate: Option<f64>,
}

/// `[projection.scaling]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScalingSpec {
    /// Sum of incoming weight magnitudes per target neuron.
    pub target: f64,
    /// Interval (ms).
    pub every: f64,
}

/// `[simulation]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationSpec {
    /// Time step (ms).
    #[serde(default = "default_dt")]
    pub dt: f64,
    /// Simulated time (ms).
    #[serde(default = "default_duration")]
    pub duration: f64,
    /// Seed of every random stream.
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_dt() -> f64 {
    0.1
}
fn default_duration() -> f64 {
    1000.0
}
fn default_seed() -> u64 {
    1
}

impl Default for SimulationSpec {
    fn default() -> Self {
        SimulationSpec {
            dt: default_dt(),
            duration: default_duration(),
            seed: default_seed(),
        }
    }
}

/// `[[population]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationSpec {
    /// Unique name.
    pub name: String,
    /// Model name (NEST's, or a PyNN alias).
    pub model: String,
    /// Number of neurons.
    pub size: usize,
    /// Parameters (NEST names and units).
    #[serde(default)]
    pub params: BTreeMap<String, f64>,
    /// Initial values of state variables.
    #[serde(default)]
    pub initial: BTreeMap<String, ValueSpec>,
    /// `spike_generator` only: spike times (ms), one list for all or one per neuron.
    pub spike_times: Option<SpikeTimes>,
    /// `[population.threshold]`: a moving threshold.
    pub threshold: Option<ThresholdSpec>,
}

/// Spike times: one list shared by all neurons, or one list per neuron.
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "expected spike_times as a list of spike times in ms for all neurons, e.g. [5.0, 12.5], or one list per neuron, e.g. [[5.0], [7.5, 9.0]]"
)]
pub enum SpikeTimes {
    /// `[t1, t2, …]`
    Shared(Vec<f64>),
    /// `[[…], […], …]`
    PerNeuron(Vec<Vec<f64>>),
}

/// `[[projection]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectionSpec {
    /// Name (default `source->target`).
    pub name: Option<String>,
    /// Source population.
    pub source: String,
    /// Target population.
    pub target: String,
    /// Connection rule.
    pub rule: String,
    /// `pairwise_bernoulli`: probability.
    pub p: Option<f64>,
    /// `fixed_indegree`.
    pub indegree: Option<i64>,
    /// `fixed_outdegree`.
    pub outdegree: Option<i64>,
    /// `fixed_total_number`.
    pub n: Option<i64>,
    /// `explicit`: a CSV or NPY file (relative to the model file).
    pub file: Option<String>,
    /// Weight (default 1).
    pub weight: Option<ValueSpec>,
    /// Delay in ms (default 1).
    pub delay: Option<ValueSpec>,
    /// Allow self-connections (default true, as NEST).
    #[serde(default = "yes")]
    pub allow_autapses: bool,
    /// Allow repeated pairs (default true, as NEST).
    #[serde(default = "yes")]
    pub allow_multapses: bool,
    /// `[projection.plasticity]`: a plasticity rule (static synapses without it).
    pub plasticity: Option<PlasticitySpec>,
    /// Save the weights to `weights/<projection>.npz`: `true` (at the end) or an interval in ms
    /// (snapshots over time as well).
    pub record_weights: Option<RecordWeights>,
    /// `[projection.scaling]`: synaptic scaling of the plastic weights.
    pub scaling: Option<ScalingSpec>,
}

/// `[projection.plasticity]`: `model` and the rule's parameters (NEST names).
#[derive(Debug, Deserialize)]
pub struct PlasticitySpec {
    /// `stdp`, `stdp_symmetric`, `stdp_triplet`, `stdp_dopamine` (or NEST's names),
    /// `oja_subspace`, `tempotron`, `delta`, `tsodyks` (short-term plasticity) or
    /// `bernoulli_synapse` (stochastic transmission, `p_transmit`).
    pub model: String,
    /// `all_to_all` (default) or `nearest`.
    pub pairing: Option<String>,
    /// A published parameter set (`stdp_triplet`).
    pub preset: Option<String>,
    /// Population whose spikes release dopamine (`stdp_dopamine`).
    pub modulator: Option<String>,
    /// Astrocyte that sets the depression rate (`stdp`).
    pub astrocyte: Option<String>,
    /// Pair STDP at zero lag: `unpaired` (NEST's, the default) or `depress` (SpiNNaker's).
    pub zero_lag: Option<String>,
    /// Numeric parameters.
    #[serde(flatten)]
    pub params: BTreeMap<String, f64>,
}

/// `record_weights = true` or `record_weights = <interval ms>`.
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "expected record_weights as true, false, or a recording interval in ms, e.g. 10.0"
)]
pub enum RecordWeights {
    /// At the end only (when true).
    Flag(bool),
    /// Every so many ms, and at the end.
    Interval(f64),
}

fn yes() -> bool {
    true
}

/// `[[input]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    /// `poisson_generator`, `dc_generator` or `step_current_generator`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Target population.
    pub target: String,
    /// Target neurons (default: all).
    pub neurons: Option<Vec<u32>>,
    /// Poisson rate (Hz).
    pub rate: Option<f64>,
    /// Poisson spike weight.
    pub weight: Option<f64>,
    /// Poisson delay (ms, default dt).
    pub delay: Option<f64>,
    /// DC amplitude (pA).
    pub amplitude: Option<f64>,
    /// Step current: change times (ms).
    pub amplitude_times: Option<Vec<f64>>,
    /// Step current: amplitudes (pA).
    pub amplitude_values: Option<Vec<f64>>,
    /// Active from (ms).
    #[serde(default)]
    pub start: f64,
    /// Active until (ms).
    #[serde(default = "forever")]
    pub stop: f64,
}

fn forever() -> f64 {
    f64::INFINITY
}

/// `[[record]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSpec {
    /// Population to record.
    pub population: String,
    /// Record spikes (default true).
    #[serde(default = "yes")]
    pub spikes: bool,
    /// `"all"`, a count (the first n), or a list of indices (default all).
    pub neurons: Option<NeuronSelection>,
    /// The neurons whose state is sampled, when not `neurons` (same forms).
    pub state_neurons: Option<NeuronSelection>,
    /// State variables to sample.
    #[serde(default)]
    pub variables: Vec<String>,
    /// Sampling interval (ms, default 1).
    #[serde(default = "one")]
    pub interval: f64,
}

fn one() -> f64 {
    1.0
}

/// Which neurons to record.
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "expected a selection of neurons: \"all\", a count (the first n) or a list of neuron indices, e.g. [0, 3, 7]"
)]
pub enum NeuronSelection {
    /// `"all"`
    Word(String),
    /// The first n.
    Count(i64),
    /// These indices.
    List(Vec<u32>),
}

/// A number, or a distribution table such as `{ distribution = "uniform", low = 0, high = 1 }`.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueSpec {
    /// A constant.
    Const(f64),
    /// A distribution with its parameters.
    Dist(String, BTreeMap<String, f64>),
}

impl<'de> Deserialize<'de> for ValueSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = toml::Value::deserialize(d)?;
        match v {
            toml::Value::Float(x) => Ok(ValueSpec::Const(x)),
            toml::Value::Integer(i) => Ok(ValueSpec::Const(i as f64)),
            toml::Value::Table(t) => {
                let name =
                    match t.get("distribution") {
                        Some(toml::Value::String(s)) => s.clone(),
                        _ => return Err(D::Error::custom(
                            "a distribution table needs distribution = \"uniform\" | \"normal\" | \
                             \"lognormal\" | \"normal_clipped\"",
                        )),
                    };
                let mut params = BTreeMap::new();
                for (k, v) in t {
                    if k == "distribution" {
                        continue;
                    }
                    let x = match v {
                        toml::Value::Float(x) => x,
                        toml::Value::Integer(i) => i as f64,
                        other => {
                            return Err(D::Error::custom(format!(
                                "distribution parameter '{k}' must be a number, not {}",
                                other.type_str()
                            )))
                        }
                    };
                    params.insert(k, x);
                }
                Ok(ValueSpec::Dist(name, params))
            }
            other => Err(D::Error::custom(format!(
                "expected a number or a distribution table, found {}",
                other.type_str()
            ))),
        }
    }
}
