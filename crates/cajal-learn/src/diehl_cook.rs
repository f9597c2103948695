//! The unsupervised STDP network of Diehl & Cook (2015): Poisson-coded pixels drive a layer of
//! excitatory LIF neurons through plastic synapses; each excitatory neuron excites one inhibitory
//! neuron, which inhibits all the other excitatory ones (winner-take-all); thresholds adapt
//! (theta grows with each spike); each neuron's incoming weights are normalised to a fixed sum
//! after every image. The neurons come to respond to prototypes of the classes, and each is then
//! labelled with the class it responds to most.
//!
//! The neurons are current-based with instantaneous (delta) synapses, as in BindsNET's
//! `DiehlAndCook2015` (the original uses conductances); the schedule and the input coding are the
//! original ones: 350 ms of Poisson input at up to 63.75 Hz, raised by 32 Hz while fewer than 5
//! spikes answer, then 150 ms of rest. The rest is taken as complete: every presentation starts
//! from the resting state (membranes at rest, traces zero), only the thresholds carry over
//! (decaying with `tau_theta` over presentation and rest). All spikes act one step later.

use crate::encode::{poisson_rate, SpikeRaster};
use crate::refill;
use serde::{Deserialize, Serialize};

/// Input coding and presentation schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Schedule {
    /// Time step (ms).
    pub dt: f64,
    /// Presentation of one image (ms).
    pub presentation: f64,
    /// Rest after it (ms).
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

/// Everything about a Diehl & Cook network: the task file of `cajal learn diehl-cook`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiehlCookConfig {
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
    /// Checks every parameter: the offending field and what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        let s = &self.schedule;
        use crate::{non_negative as nonneg, positive as pos};
        pos("schedule.dt", s.dt)?;
        pos("schedule.presentation", s.presentation)?;
        nonneg("schedule.rest", s.rest)?;
        pos("schedule.max_rate", s.max_rate)?;
        nonneg("schedule.rate_step", s.rate_step)?;
        if s.max_presentations == 0 {
            return Err("schedule.max_presentations must be at least 1".into());
        }
        if s.presentation / s.dt < 1.0 {
            return Err("schedule.presentation must last at least one step dt".into());
        }
        if self.excitatory.neurons == 0 {
            return Err("excitatory.neurons must be at least 1".into());
        }
        for (layer, p) in [
            ("excitatory", self.excitatory.lif()),
            ("inhibitory", self.inhibitory.lif()),
        ] {
            pos(&format!("{layer}.tau_m"), p.tau_m)?;
            nonneg(&format!("{layer}.t_ref"), p.t_ref)?;
            for (n, v) in [
                ("v_rest", p.v_rest),
                ("v_reset", p.v_reset),
                ("v_th", p.v_th),
            ] {
                if !v.is_finite() {
                    return Err(format!(
                        "{layer}.{n} must be a finite number of mV (got {v})"
                    ));
                }
            }
            if p.v_th <= p.v_rest {
                return Err(format!(
                    "{layer}.v_th ({}) must lie above {layer}.v_rest ({}), or the neurons fire at rest",
                    p.v_th, p.v_rest
                ));
            }
        }
        nonneg("excitatory.theta_plus", self.excitatory.theta_plus)?;
        if self.excitatory.tau_theta.is_nan() || self.excitatory.tau_theta <= 0.0 {
            return Err("excitatory.tau_theta must be > 0 ms (inf: no decay)".into());
        }
        nonneg(
            "excitatory.w_to_inhibitory",
            self.excitatory.w_to_inhibitory,
        )?;
        nonneg(
            "inhibitory.w_to_excitatory",
            self.inhibitory.w_to_excitatory,
        )?;
        let st = &self.stdp;
        nonneg("stdp.nu_pre", st.nu_pre)?;
        nonneg("stdp.nu_post", st.nu_post)?;
        pos("stdp.tau_pre", st.tau_pre)?;
        pos("stdp.tau_post", st.tau_post)?;
        pos("stdp.w_max", st.w_max)?;
        nonneg("stdp.norm", st.norm)?;
        if !(st.w_init.is_finite() && st.w_init >= 0.0 && st.w_init <= st.w_max) {
            return Err(format!(
                "stdp.w_init must lie in [0, w_max = {}] (got {})",
                st.w_max, st.w_init
            ));
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

/// Per-step factors derived from a configuration.
struct Factors {
    steps: usize,
    decay_exc: f64,
    decay_inh: f64,
    ref_exc: u32,
    ref_inh: u32,
    decay_theta: f64,
    decay_theta_rest: f64,
    decay_pre: f32,
    decay_post: f32,
}

impl Factors {
    fn new(c: &DiehlCookConfig) -> Factors {
        let dt = c.schedule.dt;
        Factors {
            steps: (c.schedule.presentation / dt).round() as usize,
            decay_exc: (-dt / c.excitatory.tau_m).exp(),
            decay_inh: (-dt / c.inhibitory.tau_m).exp(),
            ref_exc: (c.excitatory.t_ref / dt).round() as u32,
            ref_inh: (c.inhibitory.t_ref / dt).round() as u32,
            decay_theta: (-dt / c.excitatory.tau_theta).exp(),
            decay_theta_rest: (-c.schedule.rest / c.excitatory.tau_theta).exp(),
            decay_pre: (-dt / c.stdp.tau_pre).exp() as f32,
            decay_post: (-dt / c.stdp.tau_post).exp() as f32,
        }
    }
}

/// Working memory of one presentation (reused across images).
#[derive(Default)]
pub struct Scratch {
    v_exc: Vec<f64>,
    v_inh: Vec<f64>,
    ref_exc: Vec<u32>,
    ref_inh: Vec<u32>,
    drive_exc: Vec<f32>,
    x_pre: Vec<f32>,
    x_post: Vec<f32>,
    spiked_exc: Vec<u32>,
    spiked_inh: Vec<u32>,
    next_exc: Vec<u32>,
    next_inh: Vec<u32>,
    counts: Vec<u32>,
    /// Excitatory spikes of the last accepted presentation: (step, neuron), in time order.
    pub spikes: Vec<(u32, u32)>,
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

    /// Scales each neuron's incoming weights to sum to `norm` (Diehl & Cook's normalisation).
    pub fn normalise(&mut self, norm: f64) {
        let n = self.neurons;
        let mut sums = vec![0.0f64; n];
        for row in self.weights.chunks_exact(n) {
            for (s, &w) in sums.iter_mut().zip(row) {
                *s += w as f64;
            }
        }
        let factors: Vec<f32> = sums
            .iter()
            .map(|&s| if s > 0.0 { (norm / s) as f32 } else { 1.0 })
            .collect();
        for row in self.weights.chunks_exact_mut(n) {
            for (w, f) in row.iter_mut().zip(&factors) {
                *w *= f;
            }
        }
    }

    /// Presents `image` with the repeat-if-silent rule and returns the spike count of each
    /// excitatory neuron in the accepted presentation. With `learn`, STDP, the threshold growth
    /// and (after the image) the normalisation act; without, the network is frozen. The Poisson
    /// spikes come from `rng`.
    pub fn present(
        &mut self,
        config: &DiehlCookConfig,
        image: &[u8],
        learn: bool,
        rng: &mut impl rand::Rng,
        scratch: &mut Scratch,
    ) -> Vec<u32> {
        let f = Factors::new(config);
        let s = &config.schedule;
        let mut rate = s.max_rate;
        for attempt in 1..=s.max_presentations {
            let raster = poisson_rate(image, rate, s.dt, f.steps, rng);
            self.run(config, &f, &raster, learn, scratch);
            if learn {
                // the rest: thresholds keep decaying
                if f.decay_theta_rest < 1.0 {
                    self.theta.iter_mut().for_each(|t| *t *= f.decay_theta_rest);
                }
            }
            let total: u32 = scratch.counts.iter().sum();
            if total >= s.min_spikes || attempt == s.max_presentations {
                break;
            }
            rate += s.rate_step;
        }
        if learn && config.stdp.norm > 0.0 {
            self.normalise(config.stdp.norm);
        }
        scratch.counts.clone()
    }

    /// One presentation of a spike raster from the resting state.
    fn run(
        &mut self,
        c: &DiehlCookConfig,
        f: &Factors,
        raster: &SpikeRaster,
        learn: bool,
        sc: &mut Scratch,
    ) {
        let n = self.neurons;
        let (ex, inh) = (c.excitatory.lif(), c.inhibitory.lif());
        let (theta_plus, w_ei, w_ie) = (
            c.excitatory.theta_plus,
            c.excitatory.w_to_inhibitory,
            c.inhibitory.w_to_excitatory,
        );
        refill(&mut sc.v_exc, n, ex.v_rest);
        refill(&mut sc.v_inh, n, inh.v_rest);
        refill(&mut sc.ref_exc, n, 0);
        refill(&mut sc.ref_inh, n, 0);
        refill(&mut sc.drive_exc, n, 0.0);
        refill(&mut sc.x_pre, self.inputs, 0.0);
        refill(&mut sc.x_post, n, 0.0);
        refill(&mut sc.counts, n, 0);
        sc.spiked_exc.clear();
        sc.spiked_inh.clear();
        sc.spikes.clear();
        let nu_post = c.stdp.nu_post as f32;
        // signed: a presynaptic spike depresses (pre-post) or potentiates (symmetric)
        let nu_pre = match c.stdp.rule {
            StdpRule::PrePost => -(c.stdp.nu_pre as f32),
            StdpRule::Symmetric => c.stdp.nu_pre as f32,
        };
        let w_max = c.stdp.w_max as f32;
        for k in 0..=f.steps {
            // inputs of step k: the spikes of step k - 1
            if k > 0 {
                for &i in raster.at(k - 1) {
                    let row = &self.weights[i as usize * n..(i as usize + 1) * n];
                    for (d, &w) in sc.drive_exc.iter_mut().zip(row) {
                        *d += w;
                    }
                }
            }
            if k == f.steps {
                break;
            }
            let inhibition = w_ie * sc.spiked_inh.len() as f64;
            // excitatory layer
            sc.next_exc.clear();
            for j in 0..n {
                let mut input = sc.drive_exc[j] as f64 - inhibition;
                sc.drive_exc[j] = 0.0;
                if inhibition > 0.0 && sc.spiked_inh.contains(&(j as u32)) {
                    input += w_ie; // an inhibitory neuron spares its own excitatory partner
                }
                if learn {
                    self.theta[j] *= f.decay_theta;
                }
                let v = &mut sc.v_exc[j];
                if sc.ref_exc[j] > 0 {
                    sc.ref_exc[j] -= 1;
                    continue;
                }
                *v = ex.v_rest + (*v - ex.v_rest) * f.decay_exc + input;
                if *v > ex.v_th + self.theta[j] {
                    *v = ex.v_reset;
                    sc.ref_exc[j] = f.ref_exc;
                    sc.next_exc.push(j as u32);
                    sc.counts[j] += 1;
                    sc.spikes.push((k as u32, j as u32));
                    if learn {
                        self.theta[j] += theta_plus;
                    }
                }
            }
            // inhibitory layer: one-to-one from the excitatory spikes of the previous step
            sc.next_inh.clear();
            for j in 0..n {
                let v = &mut sc.v_inh[j];
                if sc.ref_inh[j] > 0 {
                    sc.ref_inh[j] -= 1;
                    continue;
                }
                *v = inh.v_rest + (*v - inh.v_rest) * f.decay_inh;
                if sc.spiked_exc.contains(&(j as u32)) {
                    *v += w_ei;
                }
                if *v > inh.v_th {
                    *v = inh.v_reset;
                    sc.ref_inh[j] = f.ref_inh;
                    sc.next_inh.push(j as u32);
                }
            }
            std::mem::swap(&mut sc.spiked_exc, &mut sc.next_exc);
            std::mem::swap(&mut sc.spiked_inh, &mut sc.next_inh);
            if learn {
                // traces decay, then the spikes of this step set them to 1
                sc.x_pre.iter_mut().for_each(|x| *x *= f.decay_pre);
                sc.x_post.iter_mut().for_each(|x| *x *= f.decay_post);
                for &i in raster.at(k) {
                    sc.x_pre[i as usize] = 1.0;
                }
                for &j in &sc.spiked_exc {
                    sc.x_post[j as usize] = 1.0;
                }
                // presynaptic spikes move weights by the postsynaptic trace
                for &i in raster.at(k) {
                    let row = &mut self.weights[i as usize * n..(i as usize + 1) * n];
                    for (w, &x) in row.iter_mut().zip(&sc.x_post) {
                        *w = (*w + nu_pre * x).clamp(0.0, w_max);
                    }
                }
                // postsynaptic spikes potentiate by the presynaptic trace
                for &j in &sc.spiked_exc {
                    let j = j as usize;
                    for (i, &x) in sc.x_pre.iter().enumerate() {
                        if x > 0.0 {
                            let w = &mut self.weights[i * n + j];
                            *w = (*w + nu_post * x).min(w_max);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

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
        assert!(c.validate().unwrap_err().contains("schedule.dt"));
        let mut c = small();
        c.inhibitory.v_th = -70.0;
        assert!(c.validate().unwrap_err().contains("inhibitory.v_th"));
        let mut c = small();
        c.stdp.w_init = 2.0;
        assert!(c.validate().unwrap_err().contains("w_init"));
    }

    #[test]
    fn normalisation_sets_each_neurons_sum() {
        let c = small();
        let mut s = DiehlCookState::new(&c, 784, 1);
        s.normalise(78.4);
        for j in 0..10 {
            let sum: f64 = s.receptive_field(j).iter().map(|&w| w as f64).sum();
            assert!((sum - 78.4).abs() < 1e-3, "{sum}");
        }
    }

    #[test]
    fn a_silent_image_is_repeated_louder_and_learning_moves_weights() {
        let c = small();
        let mut s = DiehlCookState::new(&c, 784, 1);
        s.normalise(c.stdp.norm);
        let before = s.clone();
        let mut image = vec![0u8; 784];
        image[300..400].fill(200);
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(3);
        let mut sc = Scratch::default();
        let counts = s.present(&c, &image, true, &mut rng, &mut sc);
        assert!(counts.iter().sum::<u32>() >= c.schedule.min_spikes);
        assert_ne!(before.weights, s.weights);
        assert!(s.theta.iter().any(|&t| t > 0.0));
        assert!(s.weights.iter().all(|&w| (0.0..=1.0).contains(&w)));
        // frozen: nothing changes
        let frozen = s.clone();
        s.present(&c, &image, false, &mut rng, &mut sc);
        assert_eq!(frozen, s);
    }
}
