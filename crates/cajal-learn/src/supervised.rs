//! The label-clamped output layer of symmetric-STDP supervised learning (after Hao et al. 2019):
//! ten LIF output neurons, one per class, fed by the excitatory (hidden) layer. While training,
//! the output layer's activity is set by the label: the label's neuron fires as a Poisson
//! "teacher" train and the others stay silent; the hidden → output synapses learn with
//! symmetric STDP (either order of a hidden and an output spike potentiates) and each output
//! neuron's incoming weights are normalised after every image (synaptic scaling). Testing, the
//! output neurons integrate the hidden spikes freely and the class is the one that fires most.

use crate::error::{invalid, LearnError};
use rand::Rng;
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
        self.split().0.validate()?;
        self.output.validate()
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

    /// Runs the output layer over one presentation of `steps` steps of `dt` ms, given the hidden
    /// spikes `(step, neuron)` in time order. With `teacher = Some(label)` the layer is clamped
    /// and learns; otherwise it runs freely and returns the predicted class (most spikes; ties
    /// and silence decided by the input received), or `None` when nothing arrived.
    pub fn present(
        &mut self,
        hidden_spikes: &[(u32, u32)],
        steps: usize,
        dt: f64,
        teacher: Option<u8>,
        rng: &mut impl Rng,
    ) -> Option<u8> {
        let p = &self.params;
        match teacher {
            Some(label) => {
                let label = label as usize;
                // the teacher's spike steps (geometric gaps, as the Poisson inputs)
                let p_step = -(-p.teacher_rate * dt / 1000.0).exp_m1();
                let t_ref = (p.t_ref / dt).round() as u64;
                let mut out_steps = Vec::new();
                let mut k =
                    cajal_core::neuron::PoissonSource::gap_from(p_step, 1.0 - rng.random::<f64>())
                        - 1;
                while (k as usize) < steps {
                    out_steps.push(k as u32);
                    // a refractory neuron skips teacher spikes
                    let mut next = k + cajal_core::neuron::PoissonSource::gap_from(
                        p_step,
                        1.0 - rng.random::<f64>(),
                    );
                    while next <= k + t_ref {
                        next += cajal_core::neuron::PoissonSource::gap_from(
                            p_step,
                            1.0 - rng.random::<f64>(),
                        );
                    }
                    k = next;
                }
                self.learn(hidden_spikes, &out_steps, label, dt);
                None
            }
            None => self.run_free(hidden_spikes, steps, dt),
        }
    }

    /// Symmetric STDP between the hidden spikes and the label neuron's spikes, then scaling.
    fn learn(&mut self, hidden_spikes: &[(u32, u32)], out_steps: &[u32], label: usize, dt: f64) {
        let p = &self.params;
        let (nu, w_max) = (p.nu as f32, p.w_max as f32);
        let tau = p.tau_trace;
        // each pair of a hidden spike and an output spike, at any order, adds nu·exp(−|Δt|/τ)
        // (the traces are set to 1 at each spike, so only the nearest spike on each side counts)
        let mut delta = vec![0.0f32; self.hidden];
        // hidden spike → the nearest output spike before it and after it
        let mut o = 0usize;
        for &(k, j) in hidden_spikes {
            while o < out_steps.len() && out_steps[o] <= k {
                o += 1;
            }
            // the output trace seen by the hidden spike: the last output spike at or before it
            if o > 0 {
                let d = (k - out_steps[o - 1]) as f64 * dt;
                delta[j as usize] += nu * (-d / tau).exp() as f32;
            }
        }
        // output spike → the last spike of each hidden neuron strictly before it
        let mut last: Vec<Option<u32>> = vec![None; self.hidden];
        let mut h = 0usize;
        for &k in out_steps {
            while h < hidden_spikes.len() && hidden_spikes[h].0 < k {
                last[hidden_spikes[h].1 as usize] = Some(hidden_spikes[h].0);
                h += 1;
            }
            for (d, l) in delta.iter_mut().zip(&last) {
                if let Some(t) = l {
                    *d += nu * (-((k - t) as f64 * dt) / tau).exp() as f32;
                }
            }
        }
        for (j, d) in delta.iter().enumerate() {
            let w = &mut self.weights[j * CLASSES + label];
            *w = (*w + d).min(w_max);
        }
        // synaptic scaling of the label neuron's incoming weights
        let target = p.norm_per_hidden * self.hidden as f64;
        let sum: f64 = (0..self.hidden)
            .map(|j| self.weights[j * CLASSES + label] as f64)
            .sum();
        if sum > 0.0 {
            let f = (target / sum) as f32;
            for j in 0..self.hidden {
                self.weights[j * CLASSES + label] *= f;
            }
        }
    }

    fn run_free(&self, hidden_spikes: &[(u32, u32)], steps: usize, dt: f64) -> Option<u8> {
        let p = &self.params;
        let decay = (-dt / p.tau_m).exp();
        let t_ref = (p.t_ref / dt).round() as u32;
        let mut v = [p.v_rest; CLASSES];
        let mut refractory = [0u32; CLASSES];
        let mut counts = [0u32; CLASSES];
        let mut received = [0.0f64; CLASSES];
        let mut drive = [0.0f64; CLASSES];
        let mut h = 0usize;
        for k in 0..steps as u32 {
            // hidden spikes of step k - 1 arrive in step k
            while h < hidden_spikes.len() && hidden_spikes[h].0 < k {
                let j = hidden_spikes[h].1 as usize;
                for (c, d) in drive.iter_mut().enumerate() {
                    *d += self.weights[j * CLASSES + c] as f64;
                }
                h += 1;
            }
            for c in 0..CLASSES {
                let input = std::mem::take(&mut drive[c]);
                received[c] += input;
                if refractory[c] > 0 {
                    refractory[c] -= 1;
                    continue;
                }
                v[c] = p.v_rest + (v[c] - p.v_rest) * decay + input;
                if v[c] > p.v_th {
                    v[c] = p.v_reset;
                    refractory[c] = t_ref;
                    counts[c] += 1;
                }
            }
        }
        let best = (0..CLASSES).max_by(|&a, &b| {
            (counts[a], received[a])
                .partial_cmp(&(counts[b], received[b]))
                .expect("finite")
                .then(b.cmp(&a))
        })?;
        (received[best] > 0.0).then_some(best as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn clamped_learning_strengthens_the_hidden_neurons_that_fire_with_the_label() {
        let mut out = OutputLayer::new(OutputParams::default(), 4);
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
        // hidden neuron 2 fires throughout, the others never
        let spikes: Vec<(u32, u32)> = (0..700).step_by(20).map(|k| (k, 2)).collect();
        for _ in 0..5 {
            out.present(&spikes, 700, 0.5, Some(3), &mut rng);
        }
        let col: Vec<f32> = (0..4).map(|j| out.weights[j * CLASSES + 3]).collect();
        assert!(
            col[2] > col[0] && col[2] > col[1] && col[2] > col[3],
            "{col:?}"
        );
        let sum: f32 = col.iter().sum();
        assert!((sum - 1.0).abs() < 1e-4, "scaled to 0.25 x 4: {sum}");
        // other classes untouched
        assert_eq!(out.weights[2 * CLASSES], 0.25);
        // free running: neuron 2's spikes now point to class 3
        assert_eq!(out.present(&spikes, 700, 0.5, None, &mut rng), Some(3));
        assert_eq!(out.present(&[], 700, 0.5, None, &mut rng), None);
    }
}
