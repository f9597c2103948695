//! The unsupervised STDP network of Diehl & Cook (2015): Poisson-coded pixels drive a layer of
//! excitatory LIF neurons through plastic synapses; each excitatory neuron excites one inhibitory
//! neuron, which inhibits all the other excitatory ones (winner-take-all); thresholds adapt
//! (theta grows with each spike); each neuron's incoming weights are normalised to a fixed sum
//! after every image. The neurons come to respond to prototypes of the classes, and each is then
//! labelled with the class it responds to most.
//!
//! The neurons are current-based with instantaneous (delta) synapses by default, as in BindsNET's
//! `DiehlAndCook2015`, or conductance-based as published (`synapses = "conductance"`); the
//! schedule and the input coding are the original ones: 350 ms of Poisson input at up to
//! 63.75 Hz, raised by 32 Hz while fewer than 5 spikes answer, then 150 ms of rest. The rest is
//! taken as complete and not simulated: every presentation starts from the resting state
//! (membranes at rest, traces zero, nothing in flight), only the weights and thresholds carry
//! over (the thresholds decay with `tau_theta`, 10^7 ms, over the presentations). All spikes act
//! one step later.
//!
//! This module holds the task file's tables and the learned state; the engine simulates the
//! network ([`crate::on_engine::EngineNetwork`], built from its neuron models, plastic
//! projection, adaptive threshold and synaptic scaling).

use crate::error::{invalid, LearnError};
use serde::{Deserialize, Serialize};

/// Input coding and presentation schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Schedule {
    /// Time step (ms).
    pub dt: f64,
    /// Presentation of one image (ms).
    pub presentation: f64,
    /// Rest after it (ms): not simulated (the next presentation starts from rest), kept for the
    /// published schedule.
    pub rest: f64,
    /// Rate of a white pixel (Hz).
    pub max_rate: f64,
    /// Added to `max_rate` when the excitatory layer answers with fewer than `min_spikes`.
    pub rate_step: f64,
    /// Fewest excitatory spikes accepted as an answer.
    pub min_spikes: u32,
    /// Most presentations of one image (the last one is kept whatever its answer).
    pub max_presentations: u32,
}

/// Most presentations of one image: each is a whole presentation at a higher rate.
pub const MAX_PRESENTATIONS: u32 = 1000;

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            dt: 0.5,
            presentation: 350.0,
            rest: 150.0,
            max_rate: 63.75,
            rate_step: 32.0,
            min_spikes: 5,
            max_presentations: 8,
        }
    }
}

/// Membrane parameters of a layer of leaky integrate-and-fire neurons with delta synapses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LifParams {
    /// Resting potential (mV).
    pub v_rest: f64,
    /// Reset potential after a spike (mV).
    pub v_reset: f64,
    /// Threshold (mV), before the adaptive part `theta`.
    pub v_th: f64,
    /// Membrane time constant (ms).
    pub tau_m: f64,
    /// Refractory period (ms).
    pub t_ref: f64,
}

/// The excitatory layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Excitatory {
    /// Number of excitatory (and of inhibitory) neurons.
    pub neurons: usize,
    /// Resting potential (mV).
    pub v_rest: f64,
    /// Reset potential after a spike (mV).
    pub v_reset: f64,
    /// Threshold (mV), before the adaptive part `theta`.
    pub v_th: f64,
    /// Membrane time constant (ms).
    pub tau_m: f64,
    /// Refractory period (ms).
    pub t_ref: f64,
    /// Threshold increase per spike (mV).
    pub theta_plus: f64,
    /// Decay time constant of theta (ms).
    pub tau_theta: f64,
    /// Weight of the excitatory → inhibitory one-to-one synapses (mV).
    pub w_to_inhibitory: f64,
}

impl Default for Excitatory {
    fn default() -> Self {
        Excitatory {
            neurons: 100,
            v_rest: -65.0,
            v_reset: -60.0,
            v_th: -52.0,
            tau_m: 100.0,
            t_ref: 5.0,
            theta_plus: 0.2,
            tau_theta: 1e7,
            w_to_inhibitory: 22.5,
        }
    }
}

/// The inhibitory layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Inhibitory {
    /// Resting potential (mV).
    pub v_rest: f64,
    /// Reset potential after a spike (mV).
    pub v_reset: f64,
    /// Threshold (mV).
    pub v_th: f64,
    /// Membrane time constant (ms).
    pub tau_m: f64,
    /// Refractory period (ms).
    pub t_ref: f64,
    /// Strength of the inhibition of every other excitatory neuron (mV, subtracted).
    pub w_to_excitatory: f64,
}

impl Default for Inhibitory {
    fn default() -> Self {
        Inhibitory {
            v_rest: -60.0,
            v_reset: -45.0,
            v_th: -40.0,
            tau_m: 10.0,
            t_ref: 2.0,
            w_to_excitatory: 120.0,
        }
    }
}

/// `lif()`: the membrane parameters of a layer's table.
macro_rules! membrane_of {
    ($($layer:ty),*) => {$(
        impl $layer {
            /// The membrane parameters.
            pub fn lif(&self) -> LifParams {
                LifParams {
                    v_rest: self.v_rest,
                    v_reset: self.v_reset,
                    v_th: self.v_th,
                    tau_m: self.tau_m,
                    t_ref: self.t_ref,
                }
            }
        }
    )*};
}
membrane_of!(Excitatory, Inhibitory);

/// Which way a presynaptic spike moves a weight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StdpRule {
    /// Diehl & Cook: a presynaptic spike depresses (by `nu_pre` times the postsynaptic trace), a
    /// postsynaptic spike potentiates.
    #[default]
    PrePost,
    /// Symmetric STDP (Hao et al. 2019): both orders potentiate; the normalisation supplies the
    /// competition.
    Symmetric,
}

/// STDP of the input → excitatory synapses (traces set to 1 at each spike) and their
/// normalisation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Stdp {
    /// What a presynaptic spike does.
    pub rule: StdpRule,
    /// Depression (or, symmetric, potentiation) at a presynaptic spike, times the postsynaptic
    /// trace.
    pub nu_pre: f64,
    /// Potentiation at a postsynaptic spike, times the presynaptic trace.
    pub nu_post: f64,
    /// Presynaptic trace time constant (ms).
    pub tau_pre: f64,
    /// Postsynaptic trace time constant (ms).
    pub tau_post: f64,
    /// Upper weight bound (mV); the lower one is 0.
    pub w_max: f64,
    /// Initial weights are uniform in [0, w_init].
    pub w_init: f64,
    /// Sum of each excitatory neuron's incoming weights after normalisation (0: none).
    pub norm: f64,
}

impl Default for Stdp {
    fn default() -> Self {
        Stdp {
            rule: StdpRule::PrePost,
            nu_pre: 1e-4,
            nu_post: 1e-2,
            tau_pre: 20.0,
            tau_post: 20.0,
            w_max: 1.0,
            w_init: 0.3,
            norm: 47.0,
        }
    }
}

/// How the synapses act on the excitatory and inhibitory membranes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SynapseModel {
    /// A spike moves the membrane by its weight (mV): delta synapses (`iaf_psc_delta`), as in
    /// BindsNET.
    #[default]
    Current,
    /// Conductances with reversal potentials, as Diehl & Cook (2015) published it:
    /// `iaf_cond_exp` with g_L = 1 nS and C_m = tau_m, so
    /// that a weight is a conductance in units of the leak; E_ex 0 mV, E_in −100 mV onto
    /// excitatory and −85 mV onto inhibitory neurons, tau_syn 1 ms excitatory and 2 ms
    /// inhibitory; the task file gives the weights, thresholds and the rest
    /// (`examples/learn/diehl_cook_conductance.toml`: the paper's values).
    Conductance,
}

/// Everything about a Diehl & Cook network: the task file of `cajal learn diehl-cook`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiehlCookConfig {
    /// `current` (delta synapses, the default) or `conductance` (as published, on the engine).
    pub synapses: SynapseModel,
    /// Input coding and schedule.
    pub schedule: Schedule,
    /// Excitatory layer.
    pub excitatory: Excitatory,
    /// Inhibitory layer.
    pub inhibitory: Inhibitory,
    /// Learning rule.
    pub stdp: Stdp,
}

impl DiehlCookConfig {
    /// Checks every parameter: the offending field and what is allowed; then what the engine's
    /// builder checks of the network they describe (built once with one input).
    pub fn validate(&self) -> Result<(), LearnError> {
        self.schedule.validate()?;
        self.validate_layers()?;
        self.stdp.validate()?;
        crate::on_engine::EngineNetwork::with_synapses(self, 1, 0, self.synapses).map(|_| ())
    }

    /// Checks the two layers: size, membranes, threshold adaptation and the weights between them.
    fn validate_layers(&self) -> Result<(), LearnError> {
        use crate::non_negative as nonneg;
        if self.excitatory.neurons == 0 {
            return Err(invalid("excitatory.neurons must be at least 1"));
        }
        validate_membrane("excitatory", &self.excitatory.lif())?;
        validate_membrane("inhibitory", &self.inhibitory.lif())?;
        nonneg("excitatory.theta_plus", self.excitatory.theta_plus)?;
        if self.excitatory.tau_theta.is_nan() || self.excitatory.tau_theta <= 0.0 {
            return Err(invalid(
                "excitatory.tau_theta must be > 0 ms (inf: no decay)",
            ));
        }
        nonneg(
            "excitatory.w_to_inhibitory",
            self.excitatory.w_to_inhibitory,
        )?;
        nonneg(
            "inhibitory.w_to_excitatory",
            self.inhibitory.w_to_excitatory,
        )
    }
}

impl Schedule {
    /// Checks the time step, the durations, the rates and the repetitions.
    fn validate(&self) -> Result<(), LearnError> {
        use crate::{non_negative as nonneg, positive as pos};
        pos("schedule.dt", self.dt)?;
        pos("schedule.presentation", self.presentation)?;
        nonneg("schedule.rest", self.rest)?;
        pos("schedule.max_rate", self.max_rate)?;
        nonneg("schedule.rate_step", self.rate_step)?;
        if self.max_presentations == 0 || self.max_presentations > MAX_PRESENTATIONS {
            return Err(invalid(format!(
                "schedule.max_presentations must lie between 1 and {MAX_PRESENTATIONS} (got {})",
                self.max_presentations
            )));
        }
        if self.presentation / self.dt < 1.0 {
            return Err(invalid(
                "schedule.presentation must last at least one step dt",
            ));
        }
        crate::steps_within_bound("schedule.presentation", self.presentation, self.dt)?;
        crate::steps_within_bound("schedule.rest", self.rest, self.dt)?;
        Ok(())
    }
}

/// Checks the membrane parameters of `layer`: time constants, finite potentials, and a threshold
/// above rest.
fn validate_membrane(layer: &str, p: &LifParams) -> Result<(), LearnError> {
    crate::positive(&format!("{layer}.tau_m"), p.tau_m)?;
    crate::non_negative(&format!("{layer}.t_ref"), p.t_ref)?;
    for (n, v) in [
        ("v_rest", p.v_rest),
        ("v_reset", p.v_reset),
        ("v_th", p.v_th),
    ] {
        if !v.is_finite() {
            return Err(invalid(format!(
                "{layer}.{n} must be a finite number of mV (got {v})"
            )));
        }
    }
    if p.v_th <= p.v_rest {
        return Err(invalid(format!(
            "{layer}.v_th ({}) must lie above {layer}.v_rest ({}), or the neurons fire at rest",
            p.v_th, p.v_rest
        )));
    }
    Ok(())
}

impl Stdp {
    /// Checks the learning rates, the trace time constants and the weight bounds.
    fn validate(&self) -> Result<(), LearnError> {
        use crate::{non_negative as nonneg, positive as pos};
        nonneg("stdp.nu_pre", self.nu_pre)?;
        // (the engine's pair STDP takes depression as a multiple of potentiation)
        pos("stdp.nu_post", self.nu_post)?;
        pos("stdp.tau_pre", self.tau_pre)?;
        pos("stdp.tau_post", self.tau_post)?;
        pos("stdp.w_max", self.w_max)?;
        nonneg("stdp.norm", self.norm)?;
        if !(self.w_init.is_finite() && self.w_init >= 0.0 && self.w_init <= self.w_max) {
            return Err(invalid(format!(
                "stdp.w_init must lie in [0, w_max = {}] (got {})",
                self.w_max, self.w_init
            )));
        }
        Ok(())
    }
}

/// The learned state: weights and thresholds (what a checkpoint keeps).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiehlCookState {
    /// Inputs (pixels).
    pub inputs: usize,
    /// Excitatory neurons.
    pub neurons: usize,
    /// Input → excitatory weights (mV), input-major: `w[i * neurons + j]`.
    pub weights: Vec<f32>,
    /// Adaptive threshold of each excitatory neuron (mV).
    pub theta: Vec<f64>,
}

impl DiehlCookState {
    /// A fresh network for images of `inputs` pixels: weights uniform in `[0, w_init]` drawn from
    /// `seed`, thresholds at zero.
    pub fn new(config: &DiehlCookConfig, inputs: usize, seed: u64) -> DiehlCookState {
        use rand::Rng;
        let n = config.excitatory.neurons;
        let mut rng = cajal_core::rng::stream(seed, cajal_core::rng::Purpose::LearnInit, 0, 0);
        let weights = (0..inputs * n)
            .map(|_| (rng.random::<f64>() * config.stdp.w_init) as f32)
            .collect();
        DiehlCookState {
            inputs,
            neurons: n,
            weights,
            theta: vec![0.0; n],
        }
    }

    /// The weights onto excitatory neuron `j` (its receptive field), one per input.
    pub fn receptive_field(&self, j: usize) -> Vec<f32> {
        (0..self.inputs)
            .map(|i| self.weights[i * self.neurons + j])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> DiehlCookConfig {
        let mut c = DiehlCookConfig::default();
        c.excitatory.neurons = 10;
        c
    }

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        DiehlCookConfig::default().validate().unwrap();
        let mut c = small();
        c.schedule.dt = f64::NAN;
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("schedule.dt"));
        let mut c = small();
        c.inhibitory.v_th = -70.0;
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("inhibitory.v_th"));
        let mut c = small();
        c.stdp.w_init = 2.0;
        assert!(c.validate().unwrap_err().to_string().contains("w_init"));
    }
}
