//! A liquid state machine (Maass, Natschläger & Markram 2002) for images: Poisson-coded pixels
//! drive a 3-D grid of LIF neurons (80 % excitatory; by default each neuron hears the pixels near
//! its place when the image is laid over the grid) connected with a probability that falls with
//! distance, `C · exp(−(d/λ)²)`; each neuron's spike count over the presentation is a feature for
//! a trained linear readout ([`crate::readout`]).
//!
//! In the neuron–astrocyte liquid (NALSM, Ivanov & Michmizos 2021) the excitatory → excitatory
//! synapses first learn, unsupervised, on training images with pair STDP whose depression rate is
//! the activity of an astrocyte, `A += dt/τ_a · [w_a (liquid spikes − input spikes) + b_a − A]`,
//! which balances the liquid near the edge of chaos; the liquid is then frozen.
//!
//! Neurons have delta synapses (a spike moves the membrane by the weight, one step later), rest
//! at 0 mV and start each presentation at rest.

use crate::encode::{poisson_rate, regular_rate};
use crate::error::{invalid, LearnError};
use crate::readout::ReadoutConfig;
use cajal_core::{
    AstrocyteId, ModelKind, Network, Pairing, PlasticityDef, Population, PopulationId, Projection,
    ProjectionId, Rule, Simulation,
};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Presentation of an image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiquidSchedule {
    /// Time step (ms).
    pub dt: f64,
    /// Presentation (ms).
    pub presentation: f64,
    /// Rate of a white pixel (Hz).
    pub max_rate: f64,
    /// Regular (periodic, random phase) spike trains instead of Poisson ones.
    pub regular: bool,
    /// The presentation is cut into this many equal time bins; each neuron's spike count in each
    /// bin is a feature (1: one count per neuron).
    pub bins: usize,
}

impl Default for LiquidSchedule {
    fn default() -> Self {
        LiquidSchedule {
            dt: 1.0,
            presentation: 250.0,
            max_rate: 63.75,
            regular: true,
            bins: 1,
        }
    }
}

/// The liquid: geometry, connectivity, synapses and neurons.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiquidParams {
    /// Grid of neurons (x, y, z), unit spacing.
    pub shape: [usize; 3],
    /// Fraction of inhibitory neurons (placed at random).
    pub inhibitory_fraction: f64,
    /// Length constant λ of the connection probability (grid units).
    pub lambda: f64,
    /// C for E→E, E→I, I→E, I→I.
    pub c: [f64; 4],
    /// Weight magnitudes (mV) for E→E, E→I, I→E, I→I (inhibitory ones subtract).
    pub w: [f64; 4],
    /// Probability that a pixel projects to a given neuron (at distance 0 when topographic).
    pub input_p: f64,
    /// Topographic input: 0 for none (every pixel reaches every neuron with `input_p`); else the
    /// image is laid over the grid's x–y plane and a pixel reaches a neuron with
    /// `input_p · exp(−(d/input_lambda)²)`, d the distance in pixels between the pixel and the
    /// neuron's place on the image.
    pub input_lambda: f64,
    /// Weight of an input synapse (mV).
    pub w_in: f64,
    /// Fraction of input synapses that inhibit (subtract `w_in`) instead of exciting: signed
    /// input makes neurons respond to contrasts between pixels rather than to local brightness.
    pub input_inhibitory: f64,
    /// Membrane time constant (ms).
    pub tau_m: f64,
    /// Threshold above rest (mV); the reset is to rest.
    pub v_th: f64,
    /// Refractory period (ms).
    pub t_ref: f64,
}

impl Default for LiquidParams {
    fn default() -> Self {
        LiquidParams {
            shape: [20, 20, 5],
            inhibitory_fraction: 0.2,
            lambda: 2.0,
            c: [0.3, 0.2, 0.4, 0.1],
            w: [3.0, 6.0, 8.0, 8.0],
            input_p: 0.7,
            input_lambda: 2.0,
            w_in: 12.0,
            input_inhibitory: 0.5,
            tau_m: 20.0,
            v_th: 20.0,
            t_ref: 2.0,
        }
    }
}

/// The astrocyte and the STDP it modulates (used by `nalsm` only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AstrocyteParams {
    /// Training images presented while the liquid learns.
    pub images: usize,
    /// w_a: weight of the spike balance.
    pub w: f64,
    /// Weight of the liquid's spikes in the balance when it differs from `w` (the input's
    /// weight): a larger liquid spikes more for the same input, and `w * 2000 / N` keeps the
    /// astrocyte of an N-neuron liquid where `w` holds that of a 2,000-neuron one.
    pub w_liquid: Option<f64>,
    /// b_a: bias.
    pub bias: f64,
    /// τ_a (ms).
    pub tau: f64,
    /// Potentiation at a postsynaptic spike, times the presynaptic trace (mV).
    pub a_plus: f64,
    /// STDP trace time constant (ms).
    pub tau_stdp: f64,
    /// Upper weight bound (mV).
    pub w_max: f64,
}

impl Default for AstrocyteParams {
    fn default() -> Self {
        AstrocyteParams {
            images: 2000,
            w: 0.003,
            w_liquid: None,
            bias: 0.0,
            tau: 100.0,
            a_plus: 0.05,
            tau_stdp: 20.0,
            w_max: 10.0,
        }
    }
}

/// Largest liquid (neurons): drawing one takes n² random draws.
pub const MAX_LIQUID: usize = 50_000;

/// The task file of `cajal learn lsm` and `cajal learn nalsm`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiquidConfig {
    /// Presentation.
    pub schedule: LiquidSchedule,
    /// The liquid.
    pub liquid: LiquidParams,
    /// The astrocyte (NALSM).
    pub astrocyte: AstrocyteParams,
    /// The readout.
    pub readout: ReadoutConfig,
}

impl LiquidConfig {
    /// Neurons of the liquid.
    pub fn neurons(&self) -> usize {
        self.liquid.shape.iter().product()
    }

    /// Upper bound of the bytes a liquid takes with features of `images` images: its synapses
    /// (a neuron's expected in-degree is at most max(c) · (1 + λ√π)³, the Gaussian summed over
    /// the lattice), each neuron's state and the features (neurons × bins per image).
    pub fn bytes_for(&self, images: usize) -> f64 {
        let n = self.neurons() as f64;
        let l = &self.liquid;
        let c = l.c.iter().cloned().fold(0.0f64, f64::max);
        let indegree = (c * (1.0 + l.lambda * std::f64::consts::PI.sqrt()).powi(3)).min(n);
        let features = images as f64 * n * self.schedule.bins.max(1) as f64 * 4.0;
        n * indegree * 8.0 + n * 64.0 + features
    }

    /// Checks every parameter: the offending field and what is allowed.
    pub fn validate(&self) -> Result<(), LearnError> {
        use crate::{fraction as prob, non_negative, positive as pos};
        let s = &self.schedule;
        pos("schedule.dt", s.dt)?;
        pos("schedule.presentation", s.presentation)?;
        pos("schedule.max_rate", s.max_rate)?;
        crate::steps_within_bound("schedule.presentation", s.presentation, s.dt)?;
        if s.bins == 0 || s.bins as f64 > s.presentation / s.dt {
            return Err(invalid(format!(
                "schedule.bins must lie between 1 and the steps of a presentation ({})",
                (s.presentation / s.dt).round()
            )));
        }
        let l = &self.liquid;
        if l.shape.contains(&0) {
            return Err(invalid("liquid.shape must have three sizes >= 1"));
        }
        let n = l.shape.iter().map(|&s| s as f64).product::<f64>();
        if n > MAX_LIQUID as f64 {
            return Err(invalid(format!(
                "liquid.shape {:?} makes {n:.0} neurons; at most {MAX_LIQUID} (the liquid is \
                 drawn pair by pair, n² draws)",
                l.shape
            )));
        }
        prob("liquid.inhibitory_fraction", l.inhibitory_fraction)?;
        prob("liquid.input_p", l.input_p)?;
        prob("liquid.input_inhibitory", l.input_inhibitory)?;
        non_negative("liquid.input_lambda", l.input_lambda)?;
        pos("liquid.lambda", l.lambda)?;
        pos("liquid.tau_m", l.tau_m)?;
        pos("liquid.v_th", l.v_th)?;
        non_negative("liquid.t_ref", l.t_ref)?;
        for (k, &c) in l.c.iter().enumerate() {
            prob(&format!("liquid.c[{k}]"), c)?;
        }
        for (k, &w) in l.w.iter().chain([&l.w_in]).enumerate() {
            // (the engine keeps static weights as 32-bit numbers)
            if !(w.is_finite() && w >= 0.0 && (w as f32).is_finite()) {
                return Err(invalid(format!(
                    "liquid weights (w and w_in) are magnitudes >= 0 and below 3.4e38 mV; \
                     entry {k} is {w}"
                )));
            }
        }
        let a = &self.astrocyte;
        pos("astrocyte.tau", a.tau)?;
        pos("astrocyte.tau_stdp", a.tau_stdp)?;
        pos("astrocyte.w_max", a.w_max)?;
        for (n, v) in [
            ("astrocyte.w", a.w),
            ("astrocyte.bias", a.bias),
            ("astrocyte.a_plus", a.a_plus),
            ("astrocyte.w_liquid", a.w_liquid.unwrap_or(0.0)),
        ] {
            if !v.is_finite() {
                return Err(invalid(format!("{n} must be a finite number (got {v})")));
            }
        }
        self.readout.validate()
    }
}

/// A drawn liquid: its neurons' kinds, its connectivity and weights (the E→E weights are those
/// NALSM's learning left, once [`Liquid::take_weights`] has taken them from the engine).
#[derive(Clone, Debug)]
pub struct Liquid {
    n: usize,
    excitatory: Vec<bool>,
    /// Recurrent synapses by source: `rec_start[i]..rec_start[i+1]` index `rec_target`,
    /// `rec_weight` (signed mV).
    rec_start: Vec<u32>,
    rec_target: Vec<u32>,
    /// Signed weights (mV).
    pub rec_weight: Vec<f32>,
    /// Input synapses by pixel.
    in_start: Vec<u32>,
    in_target: Vec<u32>,
    /// Sign of each input synapse (+1 excites, −1 inhibits).
    in_sign: Vec<f32>,
}

/// The engine's network of a liquid ([`Liquid::network`]), with its scratch buffers.
pub struct LiquidNetwork {
    /// The simulation.
    pub sim: Simulation,
    input: PopulationId,
    liquid: PopulationId,
    /// The learning E→E projection and its astrocyte (NALSM only).
    learning: Option<(ProjectionId, AstrocyteId)>,
    /// Depression rate scale: the engine's A times this is the task's A (mV per unit trace).
    w_max: f64,
    senders: Vec<u32>,
    steps: Vec<u64>,
    before: Vec<u32>,
    after: Vec<u32>,
}

impl Liquid {
    /// Draws a liquid for `inputs` pixels from `seed`.
    pub fn build(p: &LiquidParams, inputs: usize, seed: u64) -> Liquid {
        Self::build_for_image(p, inputs, (1, inputs), seed)
    }

    /// Draws a liquid for images of `(rows, cols)` pixels (`inputs` = rows × cols) from `seed`.
    pub fn build_for_image(
        p: &LiquidParams,
        inputs: usize,
        (rows, cols): (usize, usize),
        seed: u64,
    ) -> Liquid {
        let [sx, sy, sz] = p.shape;
        let n = sx * sy * sz;
        let mut rng = cajal_core::rng::stream(seed, cajal_core::rng::Purpose::LearnInit, 20, 0);
        let excitatory: Vec<bool> = (0..n)
            .map(|_| rng.random::<f64>() >= p.inhibitory_fraction)
            .collect();
        let pos = |i: usize| {
            [
                (i % sx) as f64,
                ((i / sx) % sy) as f64,
                (i / (sx * sy)) as f64,
            ]
        };
        let mut rec_start = vec![0u32];
        let mut rec_target = Vec::new();
        let mut rec_weight = Vec::new();
        for i in 0..n {
            let pi = pos(i);
            for j in 0..n {
                if i == j {
                    continue;
                }
                let pj = pos(j);
                let d2: f64 = (0..3).map(|k| (pi[k] - pj[k]).powi(2)).sum();
                let kind = match (excitatory[i], excitatory[j]) {
                    (true, true) => 0,
                    (true, false) => 1,
                    (false, true) => 2,
                    (false, false) => 3,
                };
                let prob = p.c[kind] * (-d2 / (p.lambda * p.lambda)).exp();
                if rng.random::<f64>() < prob {
                    rec_target.push(j as u32);
                    let w = p.w[kind] as f32;
                    rec_weight.push(if excitatory[i] { w } else { -w });
                }
            }
            rec_start.push(rec_target.len() as u32);
        }
        let mut in_start = vec![0u32];
        let mut in_target = Vec::new();
        let mut in_sign = Vec::new();
        // a neuron's place on the image (topographic input)
        let place = |j: usize| {
            let [x, y, _] = pos(j);
            (
                (y + 0.5) / sy as f64 * rows as f64,
                (x + 0.5) / sx as f64 * cols as f64,
            )
        };
        for px in 0..inputs {
            let (pr, pc) = ((px / cols) as f64 + 0.5, (px % cols) as f64 + 0.5);
            for j in 0..n {
                let prob = if p.input_lambda > 0.0 {
                    let (r, c) = place(j);
                    let d2 = (r - pr).powi(2) + (c - pc).powi(2);
                    p.input_p * (-d2 / (p.input_lambda * p.input_lambda)).exp()
                } else {
                    p.input_p
                };
                if rng.random::<f64>() < prob {
                    in_target.push(j as u32);
                    // no draw for all-excitatory input: those liquids stay as they were
                    let inhibits =
                        p.input_inhibitory > 0.0 && rng.random::<f64>() < p.input_inhibitory;
                    in_sign.push(if inhibits { -1.0 } else { 1.0 });
                }
            }
            in_start.push(in_target.len() as u32);
        }
        Liquid {
            n,
            excitatory,
            rec_start,
            rec_target,
            rec_weight,
            in_start,
            in_target,
            in_sign,
        }
    }

    /// Number of neurons.
    pub fn neurons(&self) -> usize {
        self.n
    }

    /// Number of recurrent synapses.
    pub fn synapses(&self) -> usize {
        self.rec_target.len()
    }

    /// The recurrent synapses of one kind, `(sources, targets, signed weights)`, for the engine:
    /// `from_e`/`to_e` select excitatory or inhibitory sources and targets (`None`: either).
    fn recurrent(&self, from_e: bool, to_e: Option<bool>) -> (Vec<u32>, Vec<u32>, Vec<f64>) {
        let (mut src, mut tgt, mut w) = (Vec::new(), Vec::new(), Vec::new());
        for i in (0..self.n).filter(|&i| self.excitatory[i] == from_e) {
            for s in self.rec_start[i] as usize..self.rec_start[i + 1] as usize {
                let t = self.rec_target[s];
                if to_e.is_none_or(|e| self.excitatory[t as usize] == e) {
                    src.push(i as u32);
                    tgt.push(t);
                    w.push(self.rec_weight[s] as f64);
                }
            }
        }
        (src, tgt, w)
    }

    /// Mean E→E weight (mV).
    pub fn mean_ee_weight(&self) -> f64 {
        let (_, _, w) = self.recurrent(true, Some(true));
        w.iter().sum::<f64>() / w.len().max(1) as f64
    }

    /// The liquid as an engine network for the task `cfg`: the input a `spike_generator` of
    /// one neuron per pixel, the liquid one population of `iaf_psc_delta` neurons (rest and reset
    /// at 0 mV, threshold `v_th`, `tau_m`, `t_ref`), every synapse as drawn, with a delay of one
    /// step. With `learn` (NALSM) the E→E synapses learn with pair STDP (all-to-all traces of
    /// `tau_stdp`, potentiation `a_plus` per unit trace, bounds [0, `w_max`]) whose depression
    /// rate is the engine's astrocyte, scaled to the task's units (`A_engine = A / w_max`, so that
    /// a presynaptic spike takes `A · trace` mV); without, the liquid is fixed.
    pub fn network(&self, cfg: &LiquidConfig, learn: bool) -> Result<LiquidNetwork, LearnError> {
        let (s, l, a) = (&cfg.schedule, &cfg.liquid, &cfg.astrocyte);
        // (the engine takes the weight as the 32-bit number the liquid holds)
        if learn && (l.w[0] as f32) as f64 > a.w_max {
            return Err(invalid(format!(
                "liquid.w[0] (E→E, {} mV) must not exceed astrocyte.w_max ({} mV): the E→E \
                 weights learn within [0, w_max]",
                l.w[0], a.w_max
            )));
        }
        let engine = |e: cajal_core::BuildError| LearnError::EngineState(e.to_string());
        let mut net = Network::new(s.dt, 1).map_err(engine)?;
        let inputs = self.in_start.len() - 1;
        let input = net
            .add_population(Population::new("input", ModelKind::SpikeGenerator, inputs))
            .map_err(engine)?;
        let liquid = net
            .add_population(
                Population::new("liquid", ModelKind::IafPscDelta, self.n)
                    .param("E_L", 0.0)
                    .param("V_reset", 0.0)
                    .param("V_th", l.v_th)
                    .param("tau_m", l.tau_m)
                    .param("t_ref", l.t_ref)
                    .initial("V_m", 0.0),
            )
            .map_err(engine)?;
        let explicit = |src: Vec<u32>, tgt: Vec<u32>, w: Option<Vec<f64>>| Rule::Explicit {
            sources: src,
            targets: tgt,
            weights: w,
            delays: None,
        };
        // the input, excitatory and inhibitory synapses apart (a projection's weights share a sign)
        for (name, sign) in [("input_excitatory", 1.0f32), ("input_inhibitory", -1.0)] {
            let (mut src, mut tgt) = (Vec::new(), Vec::new());
            for p in 0..inputs {
                for k in self.in_start[p] as usize..self.in_start[p + 1] as usize {
                    if self.in_sign[k] == sign {
                        src.push(p as u32);
                        tgt.push(self.in_target[k]);
                    }
                }
            }
            if !src.is_empty() {
                let rule = explicit(src, tgt, None);
                net.connect(
                    Projection::new(input, liquid, rule)
                        .name(name)
                        .weight(sign as f64 * l.w_in)
                        .delay(s.dt),
                )
                .map_err(engine)?;
            }
        }
        let mut learning = None;
        for (name, from_e, to_e) in [
            ("ee", true, Some(true)),
            ("ei", true, Some(false)),
            ("inhibition", false, None),
        ] {
            let (src, tgt, w) = self.recurrent(from_e, to_e);
            if src.is_empty() {
                continue;
            }
            let mut p = Projection::new(liquid, liquid, explicit(src, tgt, Some(w)))
                .name(name)
                .delay(s.dt);
            let plastic = learn && name == "ee";
            if plastic {
                p = p.plastic(PlasticityDef::Stdp {
                    tau_plus: a.tau_stdp,
                    tau_minus: a.tau_stdp,
                    lambda: a.a_plus / a.w_max,
                    alpha: 1.0,
                    mu_plus: 0.0,
                    mu_minus: 0.0,
                    w_max: a.w_max,
                    pairing: Pairing::AllToAll,
                    symmetric: false,
                    zero_lag: Default::default(),
                });
                // the astrocyte in the engine's units: A / w_max
                // the task's `A += dt/τ [w·n + b − A]` is the engine's `A += [w'·n + (b − A)·dt]/τ`
                // with w' = w·dt (a spike weighs w·dt)
                let (w, bias) = (a.w_liquid.unwrap_or(a.w) * s.dt, a.bias);
                let astro = net
                    .add_astrocyte(
                        "astrocyte",
                        &[liquid],
                        &[input],
                        w / a.w_max,
                        bias / a.w_max,
                        a.tau,
                        bias / a.w_max,
                    )
                    .map_err(engine)?;
                if a.w_liquid.is_some() {
                    net.astrocyte_input_weight(astro, a.w * s.dt / a.w_max)
                        .map_err(engine)?;
                }
                p = p.astrocyte(astro);
                let id = net.connect(p).map_err(engine)?;
                learning = Some((id, astro));
            } else {
                net.connect(p).map_err(engine)?;
            }
        }
        Ok(LiquidNetwork {
            sim: net.build(1).map_err(engine)?,
            input,
            liquid,
            learning,
            w_max: a.w_max,
            senders: Vec::new(),
            steps: Vec::new(),
            before: Vec::new(),
            after: Vec::new(),
        })
    }

    /// Takes the E→E weights NALSM's network learned (by source and target) into this liquid.
    pub fn take_weights(&mut self, net: &LiquidNetwork) {
        let Some((ee, _)) = net.learning else {
            return;
        };
        let w = net
            .sim
            .weights(ee)
            .expect("the network's own projection")
            .expect("plastic weights are always readable");
        let mut learned: std::collections::HashMap<(u32, u32), f64> = w
            .sources
            .iter()
            .zip(&w.targets)
            .zip(&w.weights)
            .map(|((&s, &t), &x)| ((s, t), x))
            .collect();
        for i in 0..self.n {
            for s in self.rec_start[i] as usize..self.rec_start[i + 1] as usize {
                if let Some(x) = learned.remove(&(i as u32, self.rec_target[s])) {
                    self.rec_weight[s] = x as f32;
                }
            }
        }
    }
}

impl LiquidNetwork {
    /// Presents `image` from rest (the activity forgotten; learned weights and the astrocyte
    /// stay) and writes each neuron's spike count in each time bin into `counts` (bin after bin,
    /// `neurons` counts each): the input as regular or Poisson trains from `rng`, emitted by the
    /// generators so that a pixel's spike of step k reaches the liquid in step k + 1. Fails
    /// when the membranes leave the finite numbers (weights too large for `f64`).
    pub fn present(
        &mut self,
        cfg: &LiquidConfig,
        image: &[u8],
        rng: &mut impl Rng,
        counts: &mut Vec<u32>,
    ) -> Result<(), LearnError> {
        let s = &cfg.schedule;
        let steps = (s.presentation / s.dt).round() as usize;
        let raster = if s.regular {
            regular_rate(image, s.max_rate, s.dt, steps, rng)
        } else {
            poisson_rate(image, s.max_rate, s.dt, steps, rng)
        };
        self.sim.reset_activity();
        raster.steps_from(self.sim.steps_done(), &mut self.senders, &mut self.steps);
        self.sim
            .add_spike_steps(self.input, &self.senders, &self.steps)
            .map_err(|e| invalid(format!("the image does not fit the liquid's input: {e}")))?;
        let bins = s.bins.max(1);
        counts.clear();
        self.sim
            .spike_counts_into(self.liquid, &mut self.before)
            .expect("the network's own population");
        // bin b holds the steps k with k · bins / steps = b
        let mut done = 0;
        for b in 0..bins {
            let end = ((b + 1) * steps).div_ceil(bins);
            self.sim
                .run((end - done) as f64 * s.dt, |_, _| {})
                .map_err(|e| {
                    invalid(format!(
                        "the liquid's state left the finite numbers ({e}): make liquid.w and \
                         liquid.w_in smaller"
                    ))
                })?;
            done = end;
            self.sim
                .spike_counts_into(self.liquid, &mut self.after)
                .expect("the network's own population");
            counts.extend(self.after.iter().zip(&self.before).map(|(a, b)| a - b));
            std::mem::swap(&mut self.before, &mut self.after);
        }
        Ok(())
    }

    /// The astrocyte's activity A now, in the task's units (mV of depression per unit trace),
    /// if the network learns.
    pub fn astrocyte(&self) -> Option<f64> {
        let (_, astro) = self.learning?;
        let a = self.sim.astrocyte_now(astro).ok()??;
        Some(a * self.w_max)
    }
}

impl Liquid {
    /// Spike counts of the fixed liquid for every image, in parallel (image `i`'s spikes come
    /// from the stream of `(seed, pass, i)`, so the result does not depend on the threads);
    /// `done` counts finished images.
    pub fn features(
        &self,
        cfg: &LiquidConfig,
        images: &cajal_data::idx::ImageSet,
        seed: u64,
        pass: crate::train::Pass,
        done: &std::sync::atomic::AtomicUsize,
    ) -> Result<crate::readout::Features, LearnError> {
        use rayon::prelude::*;
        let nets = crate::PerWorker::build(|| self.network(cfg, false))?;
        // each image's counts go straight into its row of the feature matrix
        let dim = self.n * cfg.schedule.bins.max(1);
        let mut values = vec![0.0f32; images.count() * dim];
        values
            .par_chunks_mut(dim.max(1))
            .enumerate()
            .try_for_each_init(Vec::new, |counts, (i, row)| -> Result<(), LearnError> {
                let mut rng = cajal_core::rng::stream(
                    seed,
                    cajal_core::rng::Purpose::Encode,
                    pass as u64,
                    i as u64,
                );
                nets.with(|net| net.present(cfg, images.image(i), &mut rng, counts))?;
                for (v, &c) in row.iter_mut().zip(counts.iter()) {
                    *v = c as f32;
                }
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok(())
            })?;
        Ok(crate::readout::Features { values, dim })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn connectivity_falls_with_distance_and_respects_dale() {
        let p = LiquidParams::default();
        let l = Liquid::build(&p, 16, 1);
        assert_eq!(l.neurons(), 2000);
        // expected in-degree of an interior E neuron from E sources ~ 0.8 · 0.3 · Σ exp(−d²/4)
        let per_neuron = l.synapses() as f64 / 1000.0;
        assert!((5.0..30.0).contains(&per_neuron), "{per_neuron}");
        for i in 0..l.n {
            for s in l.rec_start[i]..l.rec_start[i + 1] {
                let w = l.rec_weight[s as usize];
                assert_eq!(w > 0.0, l.excitatory[i], "sign follows the source");
            }
        }
        LiquidConfig::default().validate().unwrap();
    }

    #[test]
    fn time_bins_split_the_same_spikes() {
        let mut cfg = LiquidConfig::default();
        cfg.liquid.shape = [6, 6, 3];
        let l = Liquid::build_for_image(&cfg.liquid, 64, (8, 8), 5);
        let mut net = l.network(&cfg, false).unwrap();
        let image: Vec<u8> = (0..64).map(|i| (i * 4) as u8).collect();
        let (mut one, mut four) = (Vec::new(), Vec::new());
        net.present(
            &cfg,
            &image,
            &mut rand_pcg::Pcg64Mcg::seed_from_u64(2),
            &mut one,
        )
        .unwrap();
        // 250 steps in 3 bins of 84, 83 and 83 steps
        cfg.schedule.bins = 3;
        cfg.validate().unwrap();
        net.present(
            &cfg,
            &image,
            &mut rand_pcg::Pcg64Mcg::seed_from_u64(2),
            &mut four,
        )
        .unwrap();
        let n = l.neurons();
        assert_eq!(four.len(), 3 * n);
        let summed: Vec<u32> = (0..n)
            .map(|j| (0..3).map(|b| four[b * n + j]).sum())
            .collect();
        assert_eq!(summed, one);
        assert!(one.iter().sum::<u32>() > 0);
        cfg.schedule.bins = 0;
        assert!(cfg
            .validate()
            .unwrap_err()
            .to_string()
            .contains("schedule.bins"));
    }

    #[test]
    fn signed_input_inhibits_the_drawn_fraction_and_leaves_unsigned_liquids_unchanged() {
        let base = LiquidParams {
            shape: [10, 10, 2],
            input_inhibitory: 0.0,
            ..LiquidParams::default()
        };
        let plain = Liquid::build_for_image(&base, 784, (28, 28), 4);
        assert!(plain.in_sign.iter().all(|&s| s == 1.0));
        let signed_p = LiquidParams {
            input_inhibitory: 0.5,
            ..base.clone()
        };
        let signed = Liquid::build_for_image(&signed_p, 784, (28, 28), 4);
        let negative = signed.in_sign.iter().filter(|&&s| s < 0.0).count() as f64;
        let frac = negative / signed.in_sign.len() as f64;
        let sd = (0.25 / signed.in_sign.len() as f64).sqrt();
        assert!((frac - 0.5).abs() < 5.0 * sd, "{frac}");
        // all-inhibitory input never makes a resting liquid fire
        let mut cfg = LiquidConfig {
            liquid: LiquidParams {
                input_inhibitory: 1.0,
                ..base
            },
            ..LiquidConfig::default()
        };
        cfg.validate().unwrap();
        let l = Liquid::build_for_image(&cfg.liquid, 784, (28, 28), 4);
        let mut counts = Vec::new();
        let image = vec![255u8; 784];
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
        let mut net = l.network(&cfg, false).unwrap();
        net.present(&cfg, &image, &mut rng, &mut counts).unwrap();
        assert_eq!(counts.iter().sum::<u32>(), 0);
        cfg.liquid.input_inhibitory = 1.5;
        assert!(cfg
            .validate()
            .unwrap_err()
            .to_string()
            .contains("input_inhibitory"));
    }

    #[test]
    fn impossible_weights_are_refused_with_the_field() {
        let mut cfg = LiquidConfig::default();
        cfg.liquid.w_in = 1e308;
        let err = cfg.validate().unwrap_err().to_string();
        assert!(err.contains("w_in") && err.contains("entry 4"), "{err}");
        // NALSM's E→E weights start within their bounds, or the task says which
        let mut cfg = LiquidConfig::default();
        cfg.liquid.shape = [4, 4, 2];
        cfg.liquid.w[0] = 11.0;
        cfg.validate().unwrap();
        let l = Liquid::build_for_image(&cfg.liquid, 64, (8, 8), 1);
        assert!(l.network(&cfg, false).is_ok());
        let err = l.network(&cfg, true).err().unwrap().to_string();
        assert!(err.contains("astrocyte.w_max"), "{err}");
    }

    #[test]
    fn topographic_input_reaches_neurons_near_the_pixel() {
        let p = LiquidParams {
            shape: [28, 28, 1],
            input_p: 1.0,
            input_lambda: 2.0,
            ..LiquidParams::default()
        };
        let l = Liquid::build_for_image(&p, 784, (28, 28), 3);
        let mut far = 0;
        let mut total = 0;
        for px in 0..784 {
            let (r, c) = ((px / 28) as f64, (px % 28) as f64);
            for &t in &l.in_target[l.in_start[px] as usize..l.in_start[px + 1] as usize] {
                let (tr, tc) = (((t as usize) / 28) as f64, ((t as usize) % 28) as f64);
                total += 1;
                if (tr - r).hypot(tc - c) > 8.0 {
                    far += 1;
                }
            }
        }
        // beyond 8 pixels 784 · 4π·exp(−16) ≈ 0.001 targets are expected in all; about π·2² ≈ 12.6
        // targets per pixel
        assert_eq!(far, 0);
        let per_pixel = total as f64 / 784.0;
        assert!((9.0..14.0).contains(&per_pixel), "{per_pixel}");
    }

    /// Presents a uniformly bright 8×8 image `times` times while the liquid learns, the
    /// astrocyte starting at the task's bias; returns the astrocyte's final A and the liquid's
    /// spikes, the learned weights taken into `l`.
    fn learn_from_bright_image(l: &mut Liquid, cfg: &LiquidConfig, times: usize) -> (f64, u32) {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
        let mut counts = Vec::new();
        let mut net = l.network(cfg, true).unwrap();
        let mut spikes = 0;
        for _ in 0..times {
            net.present(cfg, &[200u8; 64], &mut rng, &mut counts)
                .unwrap();
            spikes += counts.iter().sum::<u32>();
        }
        l.take_weights(&net);
        (net.astrocyte().unwrap(), spikes)
    }

    #[test]
    fn stdp_with_an_astrocyte_changes_only_ee_weights_within_bounds() {
        let cfg = LiquidConfig::default();
        let mut l = Liquid::build(&cfg.liquid, 64, 2);
        let before = l.rec_weight.clone();
        let (_, spikes) = learn_from_bright_image(&mut l, &cfg, 3);
        assert!(spikes > 0);
        let mut changed = 0;
        for i in 0..l.n {
            let r = l.rec_start[i] as usize..l.rec_start[i + 1] as usize;
            for s in r {
                let t = l.rec_target[s] as usize;
                if before.get(s) != l.rec_weight.get(s) {
                    changed += 1;
                    assert!(l.excitatory[i] && l.excitatory[t]);
                    assert!((0.0..=cfg.astrocyte.w_max as f32).contains(&l.rec_weight[s]));
                }
            }
        }
        assert!(changed > 0);
        // the fixed liquid's network: no change, the same answer to the same spikes
        let frozen = l.rec_weight.clone();
        let mut net = l.network(&cfg, false).unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for counts in [&mut a, &mut b] {
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(2);
            net.present(&cfg, &[200u8; 64], &mut rng, counts).unwrap();
        }
        assert_eq!(a, b);
        assert_eq!(frozen, l.rec_weight);
        // a network built from the liquid again starts from the learned weights
        let again = l.network(&cfg, true).unwrap();
        let (ee, _) = again
            .sim
            .projection_ids()
            .into_iter()
            .find(|&(_, n)| n == "ee")
            .unwrap();
        let w = again.sim.weights(ee).unwrap().unwrap();
        let (src, tgt, learned) = l.recurrent(true, Some(true));
        let learned: std::collections::HashMap<(u32, u32), f64> =
            src.into_iter().zip(tgt).zip(learned).collect();
        assert_eq!(w.weights.len(), learned.len());
        for k in 0..w.weights.len() {
            assert_eq!(w.weights[k], learned[&(w.sources[k], w.targets[k])]);
        }
    }

    #[test]
    fn the_liquids_weight_in_the_astrocyte_balance_is_its_own() {
        let run = |w_liquid: Option<f64>| {
            let mut cfg = LiquidConfig::default();
            cfg.astrocyte.w_liquid = w_liquid;
            let mut l = Liquid::build(&cfg.liquid, 64, 2);
            learn_from_bright_image(&mut l, &cfg, 1)
        };
        let (none, spikes) = run(None);
        let (same, _) = run(Some(LiquidConfig::default().astrocyte.w));
        let (silent_liquid, _) = run(Some(0.0));
        let (loud_liquid, _) = run(Some(0.03));
        assert!(spikes > 0);
        // w_liquid = w is the default form up to rounding
        assert!(
            (none - same).abs() <= 1e-12 * none.abs().max(1.0),
            "{none} {same}"
        );
        // the input alone pushes A below zero; the liquid's spikes push it up
        assert!(silent_liquid < 0.0 && silent_liquid < none && none < loud_liquid);
        let mut cfg = LiquidConfig::default();
        cfg.astrocyte.w_liquid = Some(f64::NAN);
        assert!(cfg
            .validate()
            .unwrap_err()
            .to_string()
            .contains("astrocyte.w_liquid"));
    }
}
