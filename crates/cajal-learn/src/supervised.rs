//! The label-clamped output layer of symmetric-STDP supervised learning (after Hao et al. 2019):
//! ten LIF output neurons, one per class, fed by the excitatory (hidden) layer. While training,
//! the output layer's activity is set by the label: the label's neuron fires as a Poisson
//! "teacher" train and the others stay silent; the hidden → output synapses learn with
//! symmetric STDP (either order of a hidden and an output spike potentiates) and each output
//! neuron's incoming weights are scaled every presentation (synaptic scaling). Testing, the
//! output neurons integrate the hidden spikes freely and the class is the one that fires most.
//! The engine simulates it ([`crate::on_engine::EngineNetwork::supervised`], the population
//! clamped by `Simulation::clamp_spikes`); here are its parameters, its learned weights as a
//! run keeps them, and the rule that reads its answer ([`predict`]).

use crate::error::{invalid, LearnError};
use serde::{Deserialize, Serialize};

/// Parameters of the output layer and its learning.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputParams {
    /// Resting potential (mV).
    pub v_rest: f64,
    /// Reset (mV).
    pub v_reset: f64,
    /// Threshold (mV).
    pub v_th: f64,
    /// Membrane time constant (ms).
    pub tau_m: f64,
    /// Refractory period (ms).
    pub t_ref: f64,
    /// Rate of the teacher train of the label's neuron while training (Hz).
    pub teacher_rate: f64,
    /// Learning rate of symmetric STDP (mV per unit trace, both orders).
    pub nu: f64,
    /// Trace time constant (ms).
    pub tau_trace: f64,
    /// Upper weight bound (mV).
    pub w_max: f64,
    /// Sum of each output neuron's incoming weights, per hidden neuron (mV): the normalisation
    /// target is `norm_per_hidden` × hidden neurons.
    pub norm_per_hidden: f64,
}

impl Default for OutputParams {
    fn default() -> Self {
        OutputParams {
            v_rest: -65.0,
            v_reset: -60.0,
            v_th: -52.0,
            tau_m: 100.0,
            t_ref: 5.0,
            teacher_rate: 200.0,
            nu: 0.03,
            tau_trace: 20.0,
            w_max: 10.0,
            norm_per_hidden: 0.25,
        }
    }
}

impl OutputParams {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), LearnError> {
        use crate::{non_negative, positive};
        positive("output.tau_m", self.tau_m)?;
        non_negative("output.t_ref", self.t_ref)?;
        positive("output.teacher_rate", self.teacher_rate)?;
        non_negative("output.nu", self.nu)?;
        positive("output.tau_trace", self.tau_trace)?;
        positive("output.w_max", self.w_max)?;
        positive("output.norm_per_hidden", self.norm_per_hidden)?;
        if !(self.v_th.is_finite() && self.v_rest.is_finite() && self.v_reset.is_finite())
            || self.v_th <= self.v_rest
        {
            return Err(invalid(
                "output.v_th must be finite and above output.v_rest",
            ));
        }
        Ok(())
    }
}

/// The task file of `cajal learn sym-stdp`: the Diehl & Cook tables (with symmetric STDP by
/// default) and the output layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SymStdpConfig {
    /// Input coding and schedule.
    pub schedule: crate::diehl_cook::Schedule,
    /// Excitatory (hidden) layer.
    pub excitatory: crate::diehl_cook::Excitatory,
    /// Inhibitory layer.
    pub inhibitory: crate::diehl_cook::Inhibitory,
    /// Learning of the input → hidden synapses.
    pub stdp: crate::diehl_cook::Stdp,
    /// The output layer.
    pub output: OutputParams,
}

impl Default for SymStdpConfig {
    fn default() -> Self {
        let d = crate::diehl_cook::DiehlCookConfig::default();
        SymStdpConfig {
            schedule: d.schedule,
            excitatory: d.excitatory,
            inhibitory: d.inhibitory,
            stdp: crate::diehl_cook::Stdp {
                rule: crate::diehl_cook::StdpRule::Symmetric,
                ..d.stdp
            },
            output: OutputParams::default(),
        }
    }
}

impl SymStdpConfig {
    /// The hidden network's configuration and the output layer's parameters.
    pub fn split(&self) -> (crate::diehl_cook::DiehlCookConfig, OutputParams) {
        (
            crate::diehl_cook::DiehlCookConfig {
                synapses: crate::diehl_cook::SynapseModel::Current,
                schedule: self.schedule.clone(),
                excitatory: self.excitatory.clone(),
                inhibitory: self.inhibitory.clone(),
                stdp: self.stdp.clone(),
            },
            self.output.clone(),
        )
    }

    /// Checks every parameter.
    pub fn validate(&self) -> Result<(), LearnError> {
        let (hidden, output) = self.split();
        hidden.validate()?;
        output.validate()?;
        crate::on_engine::EngineNetwork::supervised(&hidden, &output, 1, 0).map(|_| ())
    }
}

/// Number of classes (one output neuron each).
pub const CLASSES: usize = 10;

/// The output layer: its parameters and learned weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputLayer {
    /// Parameters.
    pub params: OutputParams,
    /// Hidden neurons.
    pub hidden: usize,
    /// Hidden → output weights (mV), hidden-major: `weights[j * CLASSES + c]`.
    pub weights: Vec<f32>,
}

impl OutputLayer {
    /// Equal initial weights at the normalisation target.
    pub fn new(params: OutputParams, hidden: usize) -> OutputLayer {
        let w = params.norm_per_hidden as f32;
        OutputLayer {
            params,
            hidden,
            weights: vec![w; hidden * CLASSES],
        }
    }
}

/// The class the free-running output layer answers: the output neuron that fired most, ties
/// decided by the synaptic input each received (`received`), then by the lower class; `None`
/// when nothing arrived (or no input was counted).
pub fn predict(output: &[u32], received: &[f64]) -> Option<u8> {
    let input = |c: usize| received.get(c).copied().unwrap_or(0.0);
    let best = (0..output.len()).max_by(|&a, &b| {
        (output[a], input(a))
            .partial_cmp(&(output[b], input(b)))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.cmp(&a))
    })?;
    (input(best) > 0.0).then_some(best as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_the_busiest_output_then_the_most_driven_then_the_lowest() {
        assert_eq!(predict(&[0, 3, 1, 3], &[1.0, 2.0, 9.0, 5.0]), Some(3));
        assert_eq!(predict(&[0, 3, 1, 3], &[1.0, 5.0, 9.0, 5.0]), Some(1));
        assert_eq!(predict(&[0, 0, 0], &[0.5, 2.0, 1.0]), Some(1));
        assert_eq!(predict(&[0, 0, 0], &[0.0, 0.0, 0.0]), None);
        assert_eq!(predict(&[], &[]), None);
    }
}
