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
use crate::refill;
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
            if !(w.is_finite() && w >= 0.0) {
                return Err(invalid(format!(
                    "liquid weights (w and w_in) are magnitudes >= 0; entry {k} is {w}"
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

/// A built liquid: connectivity and weights (the weights of E→E synapses learn in NALSM).
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
    /// Incoming E→E synapses of each excitatory neuron (indices into `rec_*`) and their sources.
    ee_in_start: Vec<u32>,
    ee_in_syn: Vec<u32>,
    ee_in_source: Vec<u32>,
}

/// The astrocyte's activity, carried from image to image while the liquid learns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Astrocyte {
    /// A (mV per unit trace: the STDP depression rate).
    pub a: f64,
}

/// Working memory of one presentation.
#[derive(Default)]
pub struct LiquidScratch {
    v: Vec<f64>,
    refractory: Vec<u32>,
    drive: Vec<f32>,
    trace: Vec<f32>,
    spiked: Vec<u32>,
    next: Vec<u32>,
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
        // incoming E→E synapses per target
        let mut lists: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n];
        for i in 0..n {
            if !excitatory[i] {
                continue;
            }
            for s in rec_start[i]..rec_start[i + 1] {
                let j = rec_target[s as usize] as usize;
                if excitatory[j] {
                    lists[j].push((s, i as u32));
                }
            }
        }
        let mut ee_in_start = vec![0u32];
        let (mut ee_in_syn, mut ee_in_source) = (Vec::new(), Vec::new());
        for l in lists {
            for (s, src) in l {
                ee_in_syn.push(s);
                ee_in_source.push(src);
            }
            ee_in_start.push(ee_in_syn.len() as u32);
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
            ee_in_start,
            ee_in_syn,
            ee_in_source,
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

    /// Mean E→E weight (mV).
    pub fn mean_ee_weight(&self) -> f64 {
        let s: f64 = self
            .ee_in_syn
            .iter()
            .map(|&s| self.rec_weight[s as usize] as f64)
            .sum();
        s / self.ee_in_syn.len().max(1) as f64
    }

    /// Presents `image` from rest and writes each neuron's spike count in each time bin into
    /// `counts` (bin after bin, `neurons` counts each). With an
    /// astrocyte, the E→E synapses learn (pair STDP, depression rate A) and A evolves.
    pub fn present(
        &mut self,
        cfg: &LiquidConfig,
        image: &[u8],
        rng: &mut impl Rng,
        mut astro: Option<&mut Astrocyte>,
        counts: &mut Vec<u32>,
        sc: &mut LiquidScratch,
    ) {
        let (s, l, a) = (&cfg.schedule, &cfg.liquid, &cfg.astrocyte);
        let steps = (s.presentation / s.dt).round() as usize;
        let raster = if s.regular {
            regular_rate(image, s.max_rate, s.dt, steps, rng)
        } else {
            poisson_rate(image, s.max_rate, s.dt, steps, rng)
        };
        let n = self.n;
        let decay = (-s.dt / l.tau_m).exp();
        let t_ref = (l.t_ref / s.dt).round() as u32;
        let trace_decay = (-s.dt / a.tau_stdp).exp() as f32;
        let astro_rate = s.dt / a.tau;
        let (w_in, a_plus, w_max) = (l.w_in as f32, a.a_plus as f32, a.w_max as f32);
        refill(&mut sc.v, n, 0.0);
        refill(&mut sc.refractory, n, 0);
        refill(&mut sc.drive, n, 0.0);
        refill(&mut sc.trace, n, 0.0);
        sc.spiked.clear();
        let bins = s.bins.max(1);
        refill(counts, n * bins, 0);
        for k in 0..steps {
            // inputs of step k: spikes of step k - 1
            if k > 0 {
                for &p in raster.at(k - 1) {
                    let p = p as usize;
                    let r = self.in_start[p] as usize..self.in_start[p + 1] as usize;
                    for (&t, &sign) in self.in_target[r.clone()].iter().zip(&self.in_sign[r]) {
                        sc.drive[t as usize] += sign * w_in;
                    }
                }
            }
            for &i in &sc.spiked {
                let i = i as usize;
                let r = self.rec_start[i] as usize..self.rec_start[i + 1] as usize;
                for (&t, &w) in self.rec_target[r.clone()].iter().zip(&self.rec_weight[r]) {
                    sc.drive[t as usize] += w;
                }
            }
            sc.next.clear();
            let bin = k * bins / steps;
            let neurons =
                sc.v.iter_mut()
                    .zip(sc.drive.iter_mut())
                    .zip(sc.refractory.iter_mut())
                    .zip(counts[bin * n..(bin + 1) * n].iter_mut());
            for (j, (((v, drive), refractory), count)) in neurons.enumerate() {
                let input = std::mem::take(drive) as f64;
                if *refractory > 0 {
                    *refractory -= 1;
                    continue;
                }
                *v = *v * decay + input;
                if *v > l.v_th {
                    *v = 0.0;
                    *refractory = t_ref;
                    sc.next.push(j as u32);
                    *count += 1;
                }
            }
            std::mem::swap(&mut sc.spiked, &mut sc.next);
            if let Some(astro) = astro.as_deref_mut() {
                let (liquid, input) = (sc.spiked.len() as f64, raster.at(k).len() as f64);
                let drive = match a.w_liquid {
                    // the form of the published runs, kept so that they repeat bit for bit
                    None => a.w * (liquid - input),
                    Some(w_liquid) => w_liquid * liquid - a.w * input,
                };
                astro.a += astro_rate * (drive + a.bias - astro.a);
                let depress = astro.a.max(0.0) as f32;
                sc.trace.iter_mut().for_each(|x| *x *= trace_decay);
                for &i in &sc.spiked {
                    let i = i as usize;
                    if !self.excitatory[i] {
                        continue;
                    }
                    // as presynaptic neuron: depression by the targets' traces
                    for s in self.rec_start[i] as usize..self.rec_start[i + 1] as usize {
                        let t = self.rec_target[s] as usize;
                        if self.excitatory[t] {
                            let w = &mut self.rec_weight[s];
                            *w = (*w - depress * sc.trace[t]).max(0.0);
                        }
                    }
                    // as postsynaptic neuron: potentiation by the sources' traces
                    let r = self.ee_in_start[i] as usize..self.ee_in_start[i + 1] as usize;
                    for (&syn, &src) in self.ee_in_syn[r.clone()].iter().zip(&self.ee_in_source[r])
                    {
                        let w = &mut self.rec_weight[syn as usize];
                        *w = (*w + a_plus * sc.trace[src as usize]).min(w_max);
                    }
                }
                for &i in &sc.spiked {
                    sc.trace[i as usize] += 1.0;
                }
            }
        }
    }
}

impl Liquid {
    /// Spike counts of the frozen liquid for every image, in parallel (image `i`'s spikes come
    /// from the stream of `(seed, pass, i)`, so the result does not depend on the threads);
    /// `done` counts finished images.
    pub fn features(
        &self,
        cfg: &LiquidConfig,
        images: &cajal_data::idx::ImageSet,
        seed: u64,
        pass: crate::train::Pass,
        done: &std::sync::atomic::AtomicUsize,
    ) -> crate::readout::Features {
        use rayon::prelude::*;
        // each image's counts go straight into its row of the feature matrix
        let dim = self.n * cfg.schedule.bins.max(1);
        let mut values = vec![0.0f32; images.count() * dim];
        values.par_chunks_mut(dim.max(1)).enumerate().for_each_init(
            || (self.clone(), LiquidScratch::default(), Vec::new()),
            |(liquid, sc, counts), (i, row)| {
                let mut rng = cajal_core::rng::stream(
                    seed,
                    cajal_core::rng::Purpose::Encode,
                    pass as u64,
                    i as u64,
                );
                liquid.present(cfg, images.image(i), &mut rng, None, counts, sc);
                for (v, &c) in row.iter_mut().zip(counts.iter()) {
                    *v = c as f32;
                }
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            },
        );
        crate::readout::Features { values, dim }
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
        let mut l = Liquid::build_for_image(&cfg.liquid, 64, (8, 8), 5);
        let image: Vec<u8> = (0..64).map(|i| (i * 4) as u8).collect();
        let (mut one, mut four, mut sc) = (Vec::new(), Vec::new(), LiquidScratch::default());
        l.present(
            &cfg,
            &image,
            &mut rand_pcg::Pcg64Mcg::seed_from_u64(2),
            None,
            &mut one,
            &mut sc,
        );
        cfg.schedule.bins = 4;
        cfg.validate().unwrap();
        l.present(
            &cfg,
            &image,
            &mut rand_pcg::Pcg64Mcg::seed_from_u64(2),
            None,
            &mut four,
            &mut sc,
        );
        let n = l.neurons();
        assert_eq!(four.len(), 4 * n);
        let summed: Vec<u32> = (0..n)
            .map(|j| (0..4).map(|b| four[b * n + j]).sum())
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
        let mut l = Liquid::build_for_image(&cfg.liquid, 784, (28, 28), 4);
        let (mut counts, mut sc) = (Vec::new(), LiquidScratch::default());
        let image = vec![255u8; 784];
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
        l.present(&cfg, &image, &mut rng, None, &mut counts, &mut sc);
        assert_eq!(counts.iter().sum::<u32>(), 0);
        cfg.liquid.input_inhibitory = 1.5;
        assert!(cfg
            .validate()
            .unwrap_err()
            .to_string()
            .contains("input_inhibitory"));
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
    /// astrocyte starting at `a0`; returns the astrocyte's final A and the liquid's spikes.
    fn learn_from_bright_image(
        l: &mut Liquid,
        cfg: &LiquidConfig,
        a0: f64,
        times: usize,
    ) -> (f64, u32) {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
        let (mut counts, mut sc) = (Vec::new(), LiquidScratch::default());
        let mut astro = Astrocyte { a: a0 };
        let mut spikes = 0;
        for _ in 0..times {
            l.present(
                cfg,
                &[200u8; 64],
                &mut rng,
                Some(&mut astro),
                &mut counts,
                &mut sc,
            );
            spikes += counts.iter().sum::<u32>();
        }
        (astro.a, spikes)
    }

    #[test]
    fn stdp_with_an_astrocyte_changes_only_ee_weights_within_bounds() {
        let cfg = LiquidConfig::default();
        let mut l = Liquid::build(&cfg.liquid, 64, 2);
        let before = l.rec_weight.clone();
        let (_, spikes) = learn_from_bright_image(&mut l, &cfg, 0.05, 3);
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
        // frozen: no change
        let frozen = l.rec_weight.clone();
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(2);
        let (mut counts, mut sc) = (Vec::new(), LiquidScratch::default());
        l.present(&cfg, &[200u8; 64], &mut rng, None, &mut counts, &mut sc);
        assert_eq!(frozen, l.rec_weight);
    }

    #[test]
    fn the_liquids_weight_in_the_astrocyte_balance_is_its_own() {
        let run = |w_liquid: Option<f64>| {
            let mut cfg = LiquidConfig::default();
            cfg.astrocyte.w_liquid = w_liquid;
            let mut l = Liquid::build(&cfg.liquid, 64, 2);
            learn_from_bright_image(&mut l, &cfg, 0.0, 1)
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
