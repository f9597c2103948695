//! Supervised learning of spatial patterns with STDP and homeostasis (Davies, Gait, Rowley & Di
//! Nuovo 2025, "Supervised learning of spatial features with STDP and homeostasis using Spiking
//! Neural Networks on SpiNNaker", Neurocomputing 611): one neuron learns to fire for a code word
//! of `bits` bits, shown once as simultaneous spikes, and for nothing else.
//!
//! Each bit has two input neurons, one that fires when the bit is 1 and one when it is 0. To
//! learn a word, a network of the engine's spike generators, `iaf_psc_delta` relay neurons and
//! two output neurons runs once: the inputs of the word fire, a teacher makes the outputs fire
//! 5 ms after the 1-inputs and 5 ms before the 0-inputs, and nearest-spike symmetric STDP (τ =
//! 5 ms, weights from 0) gives each active input a weight `e^{-1}` (1-inputs onto one output,
//! 0-inputs onto the other). The weights learned for several words add up. Testing, input `i`
//! of value 1 excites the detector with the 1-weight of bit `i` and inhibits it with the
//! 0-weight, and the other way round for value 0, so that a bit that agrees with the trained
//! words adds and one that disagrees subtracts. Homeostasis scales all weights by the smallest
//! factor (on a grid of 1e-5) at which every trained word makes the detector fire. The engine
//! then shows it every one of the `2^bits` words.
//!
//! The paper's 1-inputs also fire at 1 and 56 ms and its 0-inputs at 6 and 59 ms, and a "save"
//! spike makes every relay fire at 65 ms: they trigger SpiNNaker's presynaptically driven weight
//! updates. The engine's weights take every pairing into account as it happens, so they are left
//! out; they would add pairings 20–35 ms apart, each up to `e^{-4}` mV (about 5 % of a learned
//! weight), which the paper's learned weights (exactly 47/128 for both kinds of input) do not
//! show.

use crate::error::engine;
use crate::LearnError;
use cajal_core::{
    Dist, ModelKind, Network, PlasticityDef, Population, PopulationId, Projection, Rule, Simulation,
};
use std::collections::BTreeMap;

/// Time step (ms), as the paper's.
const DT: f64 = 1.0;
/// The relays' and outputs' spike that a 20 mV input makes certain (the paper's `spike_current`).
const DRIVE: f64 = 20.0;

/// Weights learned from a set of words: per bit (most significant first), the weight of the
/// 1-input and of the 0-input (mV).
#[derive(Clone, Debug, PartialEq)]
pub struct LearnedWeights {
    /// Weight of each bit's 1-input.
    pub one: Vec<f64>,
    /// Weight of each bit's 0-input.
    pub zero: Vec<f64>,
}

/// Counts and rates of a detector shown every word.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    /// Homeostatic factor in force.
    pub factor: f64,
    /// Words it fired for.
    pub positives: usize,
    /// Words it stayed silent for.
    pub negatives: usize,
    /// Trained words it fired for.
    pub true_positives: usize,
    /// Other words it stayed silent for.
    pub true_negatives: usize,
    /// Other words it fired for.
    pub false_positives: usize,
    /// Trained words it missed.
    pub false_negatives: usize,
}

impl Detection {
    /// (TP + TN) / all words.
    pub fn accuracy(&self) -> f64 {
        (self.true_positives + self.true_negatives) as f64
            / (self.positives + self.negatives) as f64
    }

    /// TP / (TP + FP).
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// TP / (TP + FN).
    pub fn sensitivity(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// TN / (TN + FP).
    pub fn specificity(&self) -> f64 {
        ratio(
            self.true_negatives,
            self.true_negatives + self.false_positives,
        )
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        f64::NAN
    } else {
        a as f64 / b as f64
    }
}

/// Checks that `bits` is usable and every word fits in it (distinct words).
fn check_words(words: &[u32], bits: usize) -> Result<Vec<u32>, LearnError> {
    if !(1..=16).contains(&bits) {
        return Err(LearnError::InvalidParameter(format!(
            "spatial.bits must be 1 to 16 (got {bits}): the detector is shown all 2^bits words"
        )));
    }
    if words.is_empty() {
        return Err(LearnError::InvalidParameter(
            "give at least one word to train on".into(),
        ));
    }
    let mut unique = Vec::new();
    for &w in words {
        if w >> bits != 0 {
            return Err(LearnError::InvalidParameter(format!(
                "word {w} does not fit in {bits} bits (at most {})",
                (1u32 << bits) - 1
            )));
        }
        if !unique.contains(&w) {
            unique.push(w);
        }
    }
    Ok(unique)
}

/// Input `i` stands for bit `bits − 1 − i` (most significant first, as the paper writes words).
fn bit(word: u32, i: usize, bits: usize) -> bool {
    word >> (bits - 1 - i) & 1 == 1
}

/// A population of `n` `iaf_psc_delta` neurons with PyNN's `IF_curr_delta` defaults (rest and
/// reset −65 mV, threshold −50 mV, τ_m 20 ms), as the paper's relays and outputs.
fn if_curr_delta(name: &str, n: usize) -> Population {
    Population::new(name, ModelKind::IafPscDelta, n)
        .param("E_L", -65.0)
        .param("V_reset", -65.0)
        .param("V_th", -50.0)
        .param("tau_m", 20.0)
        .param("C_m", 1000.0)
        .param("t_ref", DT)
        .initial("V_m", Dist::Const(-65.0))
}

/// Generators (one per bit) relayed one to one by `iaf_psc_delta` neurons, as the paper's
/// spike sources and injector neurons.
fn relayed(
    net: &mut Network,
    name: &str,
    bits: usize,
) -> Result<(PopulationId, PopulationId), LearnError> {
    let g = net
        .add_population(Population::new(
            format!("{name}_source"),
            ModelKind::SpikeGenerator,
            bits,
        ))
        .map_err(engine)?;
    let relay = net
        .add_population(if_curr_delta(name, bits))
        .map_err(engine)?;
    net.connect(
        Projection::new(g, relay, Rule::OneToOne)
            .weight(DRIVE)
            .delay(DT),
    )
    .map_err(engine)?;
    Ok((g, relay))
}

/// Learns the weights of one word: one run of the training network.
pub fn learn_word(word: u32, bits: usize) -> Result<LearnedWeights, LearnError> {
    check_words(&[word], bits)?;
    let mut net = Network::new(DT, 1).map_err(engine)?;
    let (g1, ones) = relayed(&mut net, "ones", bits)?;
    let (g0, zeros) = relayed(&mut net, "zeros", bits)?;
    let teacher = net
        .add_population(Population::new("teacher", ModelKind::SpikeGenerator, 1))
        .map_err(engine)?;
    let out1 = net
        .add_population(if_curr_delta("output_ones", 1))
        .map_err(engine)?;
    let out0 = net
        .add_population(if_curr_delta("output_zeros", 1))
        .map_err(engine)?;
    for out in [out1, out0] {
        net.connect(
            Projection::new(teacher, out, Rule::AllToAll)
                .weight(DRIVE)
                .delay(2.0 * DT),
        )
        .map_err(engine)?;
    }
    // nearest-spike STDP, both orders potentiating by e^{-|Δt|/5 ms} (Wmax · λ = 1 mV)
    let stdp = |w_max: f64| {
        let p: BTreeMap<String, f64> = [
            ("tau_plus", 5.0),
            ("tau_minus", 5.0),
            ("lambda", 1.0 / w_max.abs()),
            ("alpha", 1.0),
            ("Wmax", w_max),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        PlasticityDef::from_params("stdp_symmetric", &p, Some("nearest"), None, None)
            .map_err(engine)
    };
    let p1 = net
        .connect(
            Projection::new(ones, out1, Rule::AllToAll)
                .weight(0.0)
                .delay(DT)
                .plastic(stdp(DRIVE)?),
        )
        .map_err(engine)?;
    // the 0-inputs reach their output through inhibitory synapses, as in the paper
    let p0 = net
        .connect(
            Projection::new(zeros, out0, Rule::AllToAll)
                .weight(-0.0)
                .delay(DT)
                .plastic(stdp(-DRIVE)?),
        )
        .map_err(engine)?;
    let mut sim = net.build(1).map_err(engine)?;
    // the 1-inputs fire at 26 ms (relayed at 27), the teacher at 29 (outputs at 31), the
    // 0-inputs at 36 (relayed at 37): with the 1 ms synaptic delay, 5 ms on either side
    let (mut s1, mut t1, mut s0, mut t0) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..bits {
        if bit(word, i, bits) {
            s1.push(i as u32);
            t1.push(26.0);
        } else {
            s0.push(i as u32);
            t0.push(36.0);
        }
    }
    sim.add_spike_events(g1, &s1, &t1).map_err(engine)?;
    sim.add_spike_events(g0, &s0, &t0).map_err(engine)?;
    sim.add_spike_events(teacher, &[0], &[29.0])
        .map_err(engine)?;
    sim.run(45.0, |_, _| {}).map_err(engine)?;
    // every pending change applied
    sim.set_learning(false);
    let read = |sim: &Simulation, p| -> Result<Vec<f64>, LearnError> {
        let w = sim.weights(p).map_err(engine)?.expect("plastic");
        let mut by_bit = vec![0.0; bits];
        for (s, w) in w.sources.iter().zip(&w.weights) {
            by_bit[*s as usize] = w.abs();
        }
        Ok(by_bit)
    };
    Ok(LearnedWeights {
        one: read(&sim, p1)?,
        zero: read(&sim, p0)?,
    })
}

/// The weights of several words: each learned on its own, then added (the paper's weight
/// processing; a word given twice counts twice).
pub fn learn_words(words: &[u32], bits: usize) -> Result<LearnedWeights, LearnError> {
    check_words(words, bits)?;
    let mut sum = LearnedWeights {
        one: vec![0.0; bits],
        zero: vec![0.0; bits],
    };
    for &w in words {
        let l = learn_word(w, bits)?;
        for (s, x) in sum.one.iter_mut().zip(&l.one) {
            *s += x;
        }
        for (s, x) in sum.zero.iter_mut().zip(&l.zero) {
            *s += x;
        }
    }
    Ok(sum)
}

/// The detector: each bit's two relayed inputs onto one output, weights scaled by `factor`.
pub struct Detector {
    sim: Simulation,
    ones: PopulationId,
    zeros: PopulationId,
    output: PopulationId,
    bits: usize,
    counts: Vec<u32>,
}

impl Detector {
    /// Builds the detector of `weights` scaled by `factor`.
    pub fn new(weights: &LearnedWeights, factor: f64) -> Result<Detector, LearnError> {
        let bits = weights.one.len();
        if weights.zero.len() != bits || !(1..=16).contains(&bits) {
            return Err(LearnError::InvalidParameter(format!(
                "a detector needs as many 1-weights as 0-weights, 1 to 16 of each (got {} and {})",
                bits,
                weights.zero.len()
            )));
        }
        if !(factor.is_finite() && factor >= 0.0) {
            return Err(LearnError::InvalidParameter(format!(
                "the homeostatic factor must be a finite number >= 0 (got {factor})"
            )));
        }
        let mut net = Network::new(DT, 1).map_err(engine)?;
        let (ones, r1) = relayed(&mut net, "ones", bits)?;
        let (zeros, r0) = relayed(&mut net, "zeros", bits)?;
        let output = net
            .add_population(if_curr_delta("detector", 1))
            .map_err(engine)?;
        // a 1-input excites with its bit's 1-weight and inhibits with its 0-weight; a 0-input
        // the other way round
        for (relay, name, excite, inhibit) in [
            (r1, "ones", &weights.one, &weights.zero),
            (r0, "zeros", &weights.zero, &weights.one),
        ] {
            for (w, sign, kind) in [(excite, 1.0, "excite"), (inhibit, -1.0, "inhibit")] {
                let sources: Vec<u32> =
                    (0..bits as u32).filter(|&i| w[i as usize] != 0.0).collect();
                if sources.is_empty() {
                    continue;
                }
                let rule = Rule::Explicit {
                    targets: vec![0; sources.len()],
                    weights: Some(
                        sources
                            .iter()
                            .map(|&i| sign * factor * w[i as usize])
                            .collect(),
                    ),
                    delays: None,
                    sources,
                };
                net.connect(
                    Projection::new(relay, output, rule)
                        .name(format!("{name}->detector ({kind})"))
                        .delay(DT),
                )
                .map_err(engine)?;
            }
        }
        let sim = net.build(1).map_err(engine)?;
        Ok(Detector {
            sim,
            ones,
            zeros,
            output,
            bits,
            counts: vec![0],
        })
    }

    /// Shows `word` (all its inputs at once) and says whether the detector fired.
    pub fn fires(&mut self, word: u32) -> Result<bool, LearnError> {
        self.sim.reset_activity();
        self.sim
            .spike_counts_into(self.output, &mut self.counts)
            .map_err(engine)?;
        let before = self.counts[0];
        let at = self.sim.time_ms() + 10.0;
        let (mut s1, mut s0) = (Vec::new(), Vec::new());
        for i in 0..self.bits {
            if bit(word, i, self.bits) {
                s1.push(i as u32);
            } else {
                s0.push(i as u32);
            }
        }
        let t1 = vec![at; s1.len()];
        let t0 = vec![at; s0.len()];
        self.sim
            .add_spike_events(self.ones, &s1, &t1)
            .map_err(engine)?;
        self.sim
            .add_spike_events(self.zeros, &s0, &t0)
            .map_err(engine)?;
        self.sim.run(20.0, |_, _| {}).map_err(engine)?;
        self.sim
            .spike_counts_into(self.output, &mut self.counts)
            .map_err(engine)?;
        Ok(self.counts[0] > before)
    }
}

/// The smallest factor, on a grid of 1e-5 up to 1000, at which `word` makes the detector of
/// `weights` fire (found by simulation: bisection over the grid), or `None` if none does.
pub fn word_factor(weights: &LearnedWeights, word: u32) -> Result<Option<f64>, LearnError> {
    check_words(&[word], weights.one.len())?;
    const GRID: f64 = 1e-5;
    let fires = |k: u64| -> Result<bool, LearnError> {
        Detector::new(weights, k as f64 * GRID)?.fires(word)
    };
    let (mut lo, mut hi) = (0u64, 100_000_000u64);
    if !fires(hi)? {
        return Ok(None);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fires(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(hi as f64 * GRID))
}

/// Homeostasis as the paper sets it: each trained word's smallest factor ([`word_factor`]), and
/// the largest of them; a word that no factor up to 1000 makes fire (its weights sum to no
/// excitation) is left out, and will be missed. `None` if no word fires.
pub fn homeostatic_factor(
    weights: &LearnedWeights,
    words: &[u32],
) -> Result<Option<f64>, LearnError> {
    let mut best: Option<f64> = None;
    for &w in words {
        if let Some(f) = word_factor(weights, w)? {
            best = Some(best.map_or(f, |b: f64| b.max(f)));
        }
    }
    Ok(best)
}

/// Trains on `words` (each occurrence once: a word given twice is learned twice, as in the
/// paper's training runs), sets the homeostatic factor and shows the detector every word of
/// `bits` bits; the distinct words given are the positives it should find.
pub fn evaluate(words: &[u32], bits: usize) -> Result<Detection, LearnError> {
    let trained = check_words(words, bits)?;
    let weights = learn_words(words, bits)?;
    let factor = homeostatic_factor(&weights, &trained)?.ok_or_else(|| {
        LearnError::InvalidParameter(format!(
            "no homeostatic factor up to 1000 makes the detector fire for any word of {words:?}"
        ))
    })?;
    let mut d = Detector::new(&weights, factor)?;
    let mut det = Detection {
        factor,
        positives: 0,
        negatives: 0,
        true_positives: 0,
        true_negatives: 0,
        false_positives: 0,
        false_negatives: 0,
    };
    for word in 0..(1u32 << bits) {
        let fired = d.fires(word)?;
        match (fired, trained.contains(&word)) {
            (true, true) => det.true_positives += 1,
            (true, false) => det.false_positives += 1,
            (false, true) => det.false_negatives += 1,
            (false, false) => det.true_negatives += 1,
        }
        if fired {
            det.positives += 1;
        } else {
            det.negatives += 1;
        }
    }
    Ok(det)
}

/// The drive `word` gets from detectors trained on `trained` (each occurrence once), in units of
/// one learned weight: each bit adds its 1-votes minus its 0-votes if it is 1, the opposite if it
/// is 0. Every learned weight is the same `e^{-1}`, so the detector fires exactly for the words
/// driven at least as much as the least driven trained word: the reference its counts are
/// checked against.
pub fn votes(trained: &[u32], word: u32, bits: usize) -> i64 {
    (0..bits)
        .map(|i| {
            let ones = trained.iter().filter(|&&t| bit(t, i, bits)).count() as i64;
            let zeros = trained.len() as i64 - ones;
            if bit(word, i, bits) {
                ones - zeros
            } else {
                zeros - ones
            }
        })
        .sum()
}

/// The Hamming distance between two words.
pub fn hamming(a: u32, b: u32) -> u32 {
    (a ^ b).count_ones()
}
