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
use crate::error::{invalid, LearnError};
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
    /// A spike moves the membrane by its weight (mV): delta synapses, as in BindsNET, simulated
    /// by the task's own loop.
    #[default]
    Current,
    /// Conductances with reversal potentials, as Diehl & Cook (2015) published it, simulated
    /// by the engine (`crate::on_engine`): `iaf_cond_exp` with g_L = 1 nS and C_m = tau_m, so
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
    /// Checks every parameter: the offending field and what is allowed.
    pub fn validate(&self) -> Result<(), LearnError> {
        self.schedule.validate()?;
        self.validate_layers()?;
        self.stdp.validate()
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
        nonneg("stdp.nu_post", self.nu_post)?;
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

/// Per-step factors and constants derived from a configuration.
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
    /// Membranes of the excitatory layer.
    ex: LifParams,
    /// Membranes of the inhibitory layer.
    inh: LifParams,
    /// Threshold increase per excitatory spike (mV).
    theta_plus: f64,
    /// Excitatory → inhibitory weight (mV).
    w_ei: f64,
    /// Inhibitory → excitatory weight (mV, subtracted).
    w_ie: f64,
    /// Weight change at a presynaptic spike per unit of postsynaptic trace: negative
    /// (depression) for pre-post STDP, positive for symmetric STDP.
    nu_pre: f32,
    /// Weight change at a postsynaptic spike per unit of presynaptic trace.
    nu_post: f32,
    /// Upper weight bound (mV).
    w_max: f32,
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
            ex: c.excitatory.lif(),
            inh: c.inhibitory.lif(),
            theta_plus: c.excitatory.theta_plus,
            w_ei: c.excitatory.w_to_inhibitory,
            w_ie: c.inhibitory.w_to_excitatory,
            nu_pre: match c.stdp.rule {
                StdpRule::PrePost => -(c.stdp.nu_pre as f32),
                StdpRule::Symmetric => c.stdp.nu_pre as f32,
            },
            nu_post: c.stdp.nu_post as f32,
            w_max: c.stdp.w_max as f32,
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

impl Scratch {
    /// Prepares a presentation to `n` neurons of `inputs` inputs from the resting state:
    /// membranes at rest, no refractoriness, drive, traces and counts zero, no spikes.
    fn start_at_rest(&mut self, inputs: usize, n: usize, f: &Factors) {
        refill(&mut self.v_exc, n, f.ex.v_rest);
        refill(&mut self.v_inh, n, f.inh.v_rest);
        refill(&mut self.ref_exc, n, 0);
        refill(&mut self.ref_inh, n, 0);
        refill(&mut self.drive_exc, n, 0.0);
        refill(&mut self.x_pre, inputs, 0.0);
        refill(&mut self.x_post, n, 0.0);
        refill(&mut self.counts, n, 0);
        self.spiked_exc.clear();
        self.spiked_inh.clear();
        self.spikes.clear();
    }

    /// Advances the inhibitory layer by one step: leak, then the one-to-one excitation by the
    /// excitatory spikes of the step before; its spikes go to `next_inh`.
    fn step_inhibitory(&mut self, f: &Factors) {
        let inh = &f.inh;
        self.next_inh.clear();
        for j in 0..self.v_inh.len() {
            let v = &mut self.v_inh[j];
            if self.ref_inh[j] > 0 {
                self.ref_inh[j] -= 1;
                continue;
            }
            *v = inh.v_rest + (*v - inh.v_rest) * f.decay_inh;
            if self.spiked_exc.contains(&(j as u32)) {
                *v += f.w_ei;
            }
            if *v > inh.v_th {
                *v = inh.v_reset;
                self.ref_inh[j] = f.ref_inh;
                self.next_inh.push(j as u32);
            }
        }
    }

    /// The STDP traces after a step: they decay, then the step's input spikes `inputs` and
    /// excitatory spikes set theirs to 1.
    fn update_traces(&mut self, f: &Factors, inputs: &[u32]) {
        self.x_pre.iter_mut().for_each(|x| *x *= f.decay_pre);
        self.x_post.iter_mut().for_each(|x| *x *= f.decay_post);
        for &i in inputs {
            self.x_pre[i as usize] = 1.0;
        }
        for &j in &self.spiked_exc {
            self.x_post[j as usize] = 1.0;
        }
    }
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
            self.run(&f, &raster, learn, scratch);
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

    /// One presentation of a spike raster from the resting state: each step delivers the input
    /// spikes of the step before, advances the excitatory and then the inhibitory layer (each
    /// seeing the other's spikes of the step before) and, with `learn`, applies STDP.
    fn run(&mut self, f: &Factors, raster: &SpikeRaster, learn: bool, sc: &mut Scratch) {
        sc.start_at_rest(self.inputs, self.neurons, f);
        for k in 0..=f.steps {
            // inputs of step k: the spikes of step k - 1
            if k > 0 {
                self.deliver(raster.at(k - 1), &mut sc.drive_exc);
            }
            if k == f.steps {
                break;
            }
            self.step_excitatory(f, k, learn, sc);
            sc.step_inhibitory(f);
            std::mem::swap(&mut sc.spiked_exc, &mut sc.next_exc);
            std::mem::swap(&mut sc.spiked_inh, &mut sc.next_inh);
            if learn {
                sc.update_traces(f, raster.at(k));
                self.apply_stdp(f, raster.at(k), sc);
            }
        }
    }

    /// Adds the weights of the input spikes `inputs` to the drive of the excitatory neurons.
    fn deliver(&self, inputs: &[u32], drive: &mut [f32]) {
        let n = self.neurons;
        for &i in inputs {
            let row = &self.weights[i as usize * n..(i as usize + 1) * n];
            for (d, &w) in drive.iter_mut().zip(row) {
                *d += w;
            }
        }
    }

    /// Advances the excitatory layer by step `k`: leak, the input drive less the inhibition by
    /// the inhibitory spikes of the step before (an inhibitory neuron spares its own partner),
    /// and a spike above the threshold plus `theta`; its spikes go to `next_exc`, the counts and
    /// the spike list. With `learn`, the thresholds decay and each spike raises its own.
    fn step_excitatory(&mut self, f: &Factors, k: usize, learn: bool, sc: &mut Scratch) {
        let ex = &f.ex;
        let inhibition = f.w_ie * sc.spiked_inh.len() as f64;
        sc.next_exc.clear();
        for j in 0..self.neurons {
            let mut input = sc.drive_exc[j] as f64 - inhibition;
            sc.drive_exc[j] = 0.0;
            if inhibition > 0.0 && sc.spiked_inh.contains(&(j as u32)) {
                input += f.w_ie; // an inhibitory neuron spares its own excitatory partner
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
                    self.theta[j] += f.theta_plus;
                }
            }
        }
    }

    /// STDP of the input → excitatory weights after a step whose input spikes are `inputs`:
    /// each input spike moves its weights by the postsynaptic traces (down for pre-post, up for
    /// symmetric STDP), then each excitatory spike raises its weights by the presynaptic traces;
    /// weights stay within [0, w_max].
    fn apply_stdp(&mut self, f: &Factors, inputs: &[u32], sc: &Scratch) {
        let n = self.neurons;
        for &i in inputs {
            let row = &mut self.weights[i as usize * n..(i as usize + 1) * n];
            for (w, &x) in row.iter_mut().zip(&sc.x_post) {
                *w = (*w + f.nu_pre * x).clamp(0.0, f.w_max);
            }
        }
        for &j in &sc.spiked_exc {
            let j = j as usize;
            for (i, &x) in sc.x_pre.iter().enumerate() {
                if x > 0.0 {
                    let w = &mut self.weights[i * n + j];
                    *w = (*w + f.nu_post * x).min(f.w_max);
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
