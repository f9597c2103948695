//! What a caller hands to [`super::Network`]: a population, a projection, an input or a recorder,
//! each with NEST's defaults for what it leaves out, set through chained methods.

use super::{AstrocyteId, PopulationId};
use crate::error::{BuildError, ErrorKind, Place};
use crate::network::{InputDef, InputKind, NetworkDef, PopulationDef, ProjectionDef, RecordDef};
use crate::network::{Rule, Selection};
use crate::neuron::ModelKind;
use crate::plasticity::{DeltaDef, OjaDef, PlasticityDef, TempotronDef, TsodyksDef};
use crate::{Dist, ScalingDef, ThresholdDef};

/// A population to add: name, neuron model, size, and the parameters that differ from NEST's
/// defaults.
#[derive(Clone, Debug)]
pub struct Population(PopulationDef);

impl Population {
    /// `size` neurons of `model`, with the model's default parameters and initial state.
    pub fn new(name: impl Into<String>, model: ModelKind, size: usize) -> Self {
        Population(PopulationDef {
            name: name.into(),
            kind: model,
            size,
            params: Default::default(),
            initial: Vec::new(),
            spike_times: Vec::new(),
            threshold: None,
        })
    }

    /// Sets a parameter by its NEST name (ms, mV, pA, pF, nS, Hz).
    pub fn param(mut self, name: &str, value: f64) -> Self {
        self.0.params.insert(name.to_string(), value);
        self
    }

    /// Sets the initial value of a state variable (e.g. `V_m`), constant or drawn per neuron.
    pub fn initial(mut self, variable: &str, value: impl Into<Dist>) -> Self {
        self.0.initial.push((variable.to_string(), value.into()));
        self
    }

    /// For a `spike_generator`: spike times in ms, one list for all neurons or one per neuron.
    pub fn spike_times(mut self, lists: Vec<Vec<f64>>) -> Self {
        self.0.spike_times = lists;
        self
    }

    /// A moving threshold `V_th + theta` (adaptive, or intrinsic plasticity toward a rate).
    pub fn threshold(mut self, rule: ThresholdDef) -> Self {
        self.0.threshold = Some(rule);
        self
    }

    pub(super) fn into_def(self) -> PopulationDef {
        self.0
    }
}

/// A projection to add: synapses from one population to another, drawn by a connection rule.
/// Weight and delay default to 1 (as NEST's), autapses and multapses are allowed, synapses are
/// static unless a plasticity rule is given.
#[derive(Clone, Debug)]
pub struct Projection {
    pub(super) source: PopulationId,
    pub(super) target: PopulationId,
    rule: Rule,
    name: Option<String>,
    weight: Dist,
    delay: Dist,
    allow_autapses: bool,
    allow_multapses: bool,
    plasticity: Option<PlasticityDef>,
    oja: Option<OjaDef>,
    tempotron: Option<TempotronDef>,
    delta: Option<DeltaDef>,
    tsodyks: Option<TsodyksDef>,
    p_transmit: Option<f64>,
    scaling: Option<ScalingDef>,
    record_weights: Option<f64>,
    pub(super) astrocyte: Option<AstrocyteId>,
}

impl Projection {
    /// Synapses from `source` to `target` drawn by `rule`.
    pub fn new(source: PopulationId, target: PopulationId, rule: Rule) -> Self {
        Projection {
            source,
            target,
            rule,
            name: None,
            weight: Dist::Const(1.0),
            delay: Dist::Const(1.0),
            allow_autapses: true,
            allow_multapses: true,
            plasticity: None,
            oja: None,
            tempotron: None,
            delta: None,
            tsodyks: None,
            p_transmit: None,
            scaling: None,
            record_weights: None,
            astrocyte: None,
        }
    }

    /// Its name (default `source->target`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Weight (mV, pA or nS as the target model says; the sign selects excitatory or inhibitory).
    pub fn weight(mut self, w: impl Into<Dist>) -> Self {
        self.weight = w.into();
        self
    }

    /// Delay (ms, rounded to the grid, at least dt).
    pub fn delay(mut self, d: impl Into<Dist>) -> Self {
        self.delay = d.into();
        self
    }

    /// May a neuron connect to itself?
    pub fn autapses(mut self, allow: bool) -> Self {
        self.allow_autapses = allow;
        self
    }

    /// May a pair be connected more than once?
    pub fn multapses(mut self, allow: bool) -> Self {
        self.allow_multapses = allow;
        self
    }

    /// Makes the synapses plastic under `rule`.
    pub fn plastic(mut self, rule: PlasticityDef) -> Self {
        self.plasticity = Some(rule);
        self
    }

    /// Makes the synapses learn with Oja's subspace rule.
    pub fn oja(mut self, rule: OjaDef) -> Self {
        self.oja = Some(rule);
        self
    }

    /// Makes the synapses learn with the Tempotron rule, taught after each presentation
    /// ([`crate::Simulation::tempotron_teach`]); the targets must be `iaf_psc_exp` neurons.
    pub fn tempotron(mut self, rule: TempotronDef) -> Self {
        self.tempotron = Some(rule);
        self
    }

    /// Makes the synapses learn with the delta rule on presynaptic traces, taught after each
    /// presentation ([`crate::Simulation::delta_teach`]), optionally protecting a subspace
    /// ([`crate::Simulation::delta_protect`]).
    pub fn delta(mut self, rule: DeltaDef) -> Self {
        self.delta = Some(rule);
        self
    }

    /// Makes the synapses depress and facilitate with their own presynaptic spike train
    /// (short-term plasticity, NEST's `tsodyks_synapse`).
    pub fn tsodyks(mut self, def: TsodyksDef) -> Self {
        self.tsodyks = Some(def);
        self
    }

    /// Makes each synapse pass each spike with probability `p_transmit` (in [0, 1]), whole or
    /// not at all, independently of every other synapse and spike (stochastic transmission,
    /// NEST's `bernoulli_synapse`; PyNN's `SimpleStochasticSynapse`).
    pub fn bernoulli(mut self, p_transmit: f64) -> Self {
        self.p_transmit = Some(p_transmit);
        self
    }

    /// Scales the plastic weights onto each target toward a sum.
    pub fn scaling(mut self, scaling: ScalingDef) -> Self {
        self.scaling = Some(scaling);
        self
    }

    /// Lets an astrocyte set the depression rate of this pair-STDP projection.
    pub fn astrocyte(mut self, astrocyte: AstrocyteId) -> Self {
        self.astrocyte = Some(astrocyte);
        self
    }

    /// Records the weights every `interval` ms (`f64::INFINITY`: only at the end).
    pub fn record_weights(mut self, interval: f64) -> Self {
        self.record_weights = Some(interval);
        self
    }

    pub(super) fn into_def(
        self,
        def: &NetworkDef,
        source: usize,
        target: usize,
        astrocyte: Option<usize>,
    ) -> ProjectionDef {
        let name = self.name.unwrap_or_else(|| {
            format!(
                "{}->{}",
                def.populations[source].name, def.populations[target].name
            )
        });
        ProjectionDef {
            name,
            source,
            target,
            rule: self.rule,
            weight: self.weight,
            delay: self.delay,
            allow_autapses: self.allow_autapses,
            allow_multapses: self.allow_multapses,
            plasticity: self.plasticity,
            record_weights: self.record_weights,
            scaling: self.scaling,
            astrocyte,
            oja: self.oja,
            tempotron: self.tempotron,
            delta: self.delta,
            tsodyks: self.tsodyks,
            p_transmit: self.p_transmit,
        }
    }
}

/// An input device to add: what it injects, into which population, when.
#[derive(Clone, Debug)]
pub struct Input {
    kind: InputKind,
    target: Option<PopulationId>,
    neurons: Option<Vec<u32>>,
    start: f64,
    stop: f64,
}

impl Input {
    fn of(kind: InputKind) -> Self {
        Input {
            kind,
            target: None,
            neurons: None,
            start: 0.0,
            stop: f64::INFINITY,
        }
    }

    /// `poisson_generator`: an independent Poisson train of `rate` Hz into each target neuron,
    /// each spike with `weight` after `delay` ms.
    pub fn poisson(rate: f64, weight: f64, delay: f64) -> Self {
        Input::of(InputKind::Poisson {
            rate,
            weight,
            delay,
        })
    }

    /// `dc_generator`: a constant current (pA).
    pub fn dc(amplitude: f64) -> Self {
        Input::of(InputKind::Dc { amplitude })
    }

    /// `step_current_generator`: the current becomes `amplitudes[i]` pA at `times[i]` ms.
    pub fn step_current(times: Vec<f64>, amplitudes: Vec<f64>) -> Self {
        Input::of(InputKind::StepCurrent { times, amplitudes })
    }

    /// The population it drives.
    pub fn onto(mut self, target: PopulationId) -> Self {
        self.target = Some(target);
        self
    }

    /// Only these neurons (indices in the population).
    pub fn neurons(mut self, neurons: Vec<u32>) -> Self {
        self.neurons = Some(neurons);
        self
    }

    /// Active from `start` until `stop` ms (default: always).
    pub fn between(mut self, start: f64, stop: f64) -> Self {
        self.start = start;
        self.stop = stop;
        self
    }

    pub(super) fn target(&self, place: &Place) -> Result<PopulationId, BuildError> {
        self.target.ok_or_else(|| {
            BuildError::new(
                ErrorKind::Conflict,
                place.clone(),
                "target",
                "an input needs a population: Input::...(...).onto(population)",
            )
        })
    }

    pub(super) fn into_def(self, target: usize) -> InputDef {
        InputDef {
            kind: self.kind,
            target,
            neurons: self.neurons,
            start: self.start,
            stop: self.stop,
        }
    }
}

/// A recorder to add: spikes and/or state variables of (some of) a population's neurons.
#[derive(Clone, Debug)]
pub struct Record {
    pub(super) population: PopulationId,
    spikes: bool,
    neurons: Selection,
    state_neurons: Option<Selection>,
    variables: Vec<String>,
    interval: f64,
}

impl Record {
    /// Records the spikes of every neuron of `population`.
    pub fn spikes(population: PopulationId) -> Self {
        Record {
            population,
            spikes: true,
            neurons: Selection::All,
            state_neurons: None,
            variables: Vec::new(),
            interval: 1.0,
        }
    }

    /// Samples state variables (e.g. `V_m`) of `population` every millisecond, without spikes.
    pub fn state(population: PopulationId, variables: &[&str]) -> Self {
        Record {
            population,
            spikes: false,
            neurons: Selection::All,
            state_neurons: None,
            variables: variables.iter().map(|v| v.to_string()).collect(),
            interval: 1.0,
        }
    }

    /// Also (or no longer) records spikes.
    pub fn with_spikes(mut self, spikes: bool) -> Self {
        self.spikes = spikes;
        self
    }

    /// Samples these state variables (replacing any given before).
    pub fn variables(mut self, variables: &[&str]) -> Self {
        self.variables = variables.iter().map(|v| v.to_string()).collect();
        self
    }

    /// Which neurons (spikes, and state unless [`Record::state_neurons`] is given).
    pub fn neurons(mut self, neurons: Selection) -> Self {
        self.neurons = neurons;
        self
    }

    /// Which neurons' state variables are sampled, when not those of [`Record::neurons`].
    pub fn state_neurons(mut self, neurons: Selection) -> Self {
        self.state_neurons = Some(neurons);
        self
    }

    /// Sampling interval of state variables (ms, a multiple of dt).
    pub fn interval(mut self, ms: f64) -> Self {
        self.interval = ms;
        self
    }

    pub(super) fn into_def(self, population: usize) -> RecordDef {
        RecordDef {
            population,
            spikes: self.spikes,
            neurons: self.neurons,
            state_neurons: self.state_neurons,
            variables: self.variables,
            interval: self.interval,
        }
    }
}

impl From<f64> for Dist {
    fn from(x: f64) -> Dist {
        Dist::Const(x)
    }
}
