//! Active dendrites and sparse distributed representations (Ahmad & Hawkins 2016, "How do
//! neurons operate on sparse distributed representations? A mathematical theory of sparsity,
//! neurons and active dendrites"), simulated on the engine against the paper's closed forms.
//!
//! A pattern is `a` active cells out of `n`. A dendritic segment (the engine's
//! `dendritic_segment` model) holds synapses onto `s` cells of a stored pattern and fires when at
//! least `θ` of them are active together. The engine network is `n` spike generators (the cells),
//! `segments` segments and one synapse of weight 1 per (cell, segment) pair; a pattern is shown
//! as one step in which its cells fire, and a segment's spike is its match.
//!
//! The closed forms:
//! - a random pattern matches a segment of `s` synapses with probability
//!   `Σ_{b ≥ θ} C(s, b) C(n − s, a − b) / C(n, a)` (the false-match probability; a segment that
//!   stores several patterns, the union property, counts its distinct synapses as `s`);
//! - the stored pattern with `k` of its `a` cells replaced by others matches with probability
//!   `Σ_{b ≥ θ} C(s, b) C(a − s, a − k − b) / C(a, a − k)` (robustness to noise).

use crate::error::engine;
use crate::LearnError;
use cajal_core::{ModelKind, Network, Population, PopulationId, Projection, Rule, Simulation};
use rand::seq::index::sample;
use rand::SeedableRng;

/// `ln C(n, k)` (−∞ when `k > n`).
pub fn ln_choose(n: u64, k: u64) -> f64 {
    if k > n {
        return f64::NEG_INFINITY;
    }
    let k = k.min(n - k);
    (0..k).map(|i| ((n - i) as f64 / (k - i) as f64).ln()).sum()
}

/// The probability that a random pattern of `a` active cells out of `n` has at least `theta`
/// of a segment's `s` synapses' cells active.
/// NaN unless `a <= n` and `s <= n` (no such pattern or segment).
pub fn false_match(n: u64, a: u64, s: u64, theta: u64) -> f64 {
    if a > n || s > n {
        return f64::NAN;
    }
    let total = ln_choose(n, a);
    let p: f64 = (theta..=s.min(a))
        .map(|b| (ln_choose(s, b) + ln_choose(n - s, a - b) - total).exp())
        .sum();
    // a sum of terms of a distribution: in [0, 1] up to rounding (+ 0.0: an empty sum is -0.0)
    p.clamp(0.0, 1.0) + 0.0
}

/// The probability that a segment whose `s` synapses sample a stored pattern of `a` cells still
/// matches when `k` of the pattern's cells are replaced by cells outside it; NaN unless `s <= a`.
pub fn noisy_match(a: u64, s: u64, theta: u64, k: u64) -> f64 {
    if s > a {
        return f64::NAN;
    }
    let kept = a - k.min(a);
    let total = ln_choose(a, kept);
    let p: f64 = (theta..=s.min(kept))
        .map(|b| (ln_choose(s, b) + ln_choose(a - s, kept - b) - total).exp())
        .sum();
    p.clamp(0.0, 1.0) + 0.0
}

/// A simulation's setting.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// Cells.
    pub n: usize,
    /// Active cells per pattern.
    pub a: usize,
    /// Synapses a segment takes from each pattern it stores.
    pub s: usize,
    /// Segment threshold θ.
    pub theta: usize,
    /// Patterns each segment stores (1; more for the union property).
    pub stored: usize,
    /// Segments.
    pub segments: usize,
    /// Patterns shown.
    pub presentations: usize,
    /// Seed of the patterns and synapses.
    pub seed: u64,
}

/// Matches counted against the closed form.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// (segment, pattern) trials.
    pub trials: u64,
    /// Trials in which the segment fired.
    pub matches: u64,
    /// The closed form's expected number of matches (summed over the trials, each segment with
    /// its own number of distinct synapses).
    pub expected: f64,
    /// The closed form's standard deviation of the count (a sum of independent Bernoulli
    /// trials).
    pub sd: f64,
}

impl Outcome {
    /// The measured match rate.
    pub fn rate(&self) -> f64 {
        self.matches as f64 / self.trials as f64
    }

    /// The closed form's rate.
    pub fn theory(&self) -> f64 {
        self.expected / self.trials as f64
    }

    /// Whether the count lies within the closed form's two-sided 99 % interval (normal
    /// approximation, ±2.576 standard deviations and half a count of continuity).
    pub fn within_99(&self) -> bool {
        (self.matches as f64 - self.expected).abs() <= 2.576 * self.sd + 0.5
    }
}

/// The engine's network: cells, segments, one synapse per (cell, segment) pair listed.
struct Segments {
    sim: Simulation,
    cells: PopulationId,
    segments: PopulationId,
    counts: Vec<u32>,
    before: Vec<u32>,
}

impl Segments {
    fn new(n: usize, synapses: &[Vec<u32>], theta: usize) -> Result<Segments, LearnError> {
        let mut net = Network::new(1.0, 1).map_err(engine)?;
        let cells = net
            .add_population(Population::new("cells", ModelKind::SpikeGenerator, n))
            .map_err(engine)?;
        let segments = net
            .add_population(
                Population::new("segments", ModelKind::DendriticSegment, synapses.len())
                    .param("theta", theta as f64),
            )
            .map_err(engine)?;
        let (mut sources, mut targets) = (Vec::new(), Vec::new());
        for (m, cells) in synapses.iter().enumerate() {
            for &c in cells {
                sources.push(c);
                targets.push(m as u32);
            }
        }
        let rule = Rule::Explicit {
            sources,
            targets,
            weights: None,
            delays: None,
        };
        net.connect(
            Projection::new(cells, segments, rule)
                .weight(1.0)
                .delay(1.0),
        )
        .map_err(engine)?;
        let m = synapses.len();
        Ok(Segments {
            sim: net.build(1).map_err(engine)?,
            cells,
            segments,
            counts: vec![0; m],
            before: vec![0; m],
        })
    }

    /// Shows `pattern` (its cells fire together) and returns which segments fired.
    fn show(&mut self, pattern: &[u32]) -> Result<Vec<bool>, LearnError> {
        self.sim.reset_activity();
        self.sim
            .spike_counts_into(self.segments, &mut self.before)
            .map_err(engine)?;
        let at = vec![self.sim.time_ms() + 1.0; pattern.len()];
        self.sim
            .add_spike_events(self.cells, pattern, &at)
            .map_err(engine)?;
        self.sim.run(3.0, |_, _| {}).map_err(engine)?;
        self.sim
            .spike_counts_into(self.segments, &mut self.counts)
            .map_err(engine)?;
        Ok(self
            .counts
            .iter()
            .zip(&self.before)
            .map(|(c, b)| c > b)
            .collect())
    }
}

impl Setting {
    fn validate(&self) -> Result<(), LearnError> {
        let bad = |m: String| Err(LearnError::InvalidParameter(m));
        if self.n == 0 || self.a == 0 || self.a > self.n {
            return bad(format!(
                "need 0 < a <= n (got a = {}, n = {})",
                self.a, self.n
            ));
        }
        if self.s == 0 || self.s > self.a {
            return bad(format!(
                "need 0 < s <= a (got s = {}, a = {})",
                self.s, self.a
            ));
        }
        // bounds that keep every product below and every network within a few GB
        if self.n > 1 << 20 || self.stored > 1 << 16 || self.segments > 1 << 20 {
            return bad(format!(
                "n, stored and segments must be at most 2^20, 2^16 and 2^20 (got {}, {}, {})",
                self.n, self.stored, self.segments
            ));
        }
        let synapses = self.segments as u64 * (self.s * self.stored).min(self.n) as u64;
        if synapses > 1 << 28 || self.presentations > 1 << 24 {
            return bad(format!(
                "{synapses} synapses ({} segments × up to {} each) or {} presentations: at most \
                 2^28 synapses and 2^24 presentations",
                self.segments,
                self.s * self.stored,
                self.presentations
            ));
        }
        if self.theta == 0 || self.theta > self.s * self.stored {
            return bad(format!(
                "need 0 < theta <= s x stored (got theta = {}, s = {}, stored = {})",
                self.theta, self.s, self.stored
            ));
        }
        if self.stored == 0 || self.segments == 0 || self.presentations == 0 {
            return bad("stored, segments and presentations must be at least 1".into());
        }
        Ok(())
    }

    /// A random pattern.
    fn pattern(&self, rng: &mut impl rand::Rng) -> Vec<u32> {
        let mut p: Vec<u32> = sample(rng, self.n, self.a)
            .into_iter()
            .map(|i| i as u32)
            .collect();
        p.sort_unstable();
        p
    }

    /// Each segment's stored patterns and its distinct synapses (`s` sampled from each).
    fn segments(&self, rng: &mut impl rand::Rng) -> (Vec<Vec<Vec<u32>>>, Vec<Vec<u32>>) {
        let mut stored = Vec::new();
        let mut synapses = Vec::new();
        for _ in 0..self.segments {
            let patterns: Vec<Vec<u32>> = (0..self.stored).map(|_| self.pattern(rng)).collect();
            let mut syn: Vec<u32> = patterns
                .iter()
                .flat_map(|p| sample(rng, self.a, self.s).into_iter().map(|i| p[i]))
                .collect();
            syn.sort_unstable();
            syn.dedup();
            stored.push(patterns);
            synapses.push(syn);
        }
        (stored, synapses)
    }

    /// False matches: `presentations` random patterns shown to every segment.
    pub fn false_matches(&self) -> Result<Outcome, LearnError> {
        self.validate()?;
        let mut rng = rand_pcg::Pcg64::seed_from_u64(self.seed);
        let (_, synapses) = self.segments(&mut rng);
        let mut net = Segments::new(self.n, &synapses, self.theta)?;
        let p: Vec<f64> = synapses
            .iter()
            .map(|syn| {
                false_match(
                    self.n as u64,
                    self.a as u64,
                    syn.len() as u64,
                    self.theta as u64,
                )
            })
            .collect();
        let mut out = Outcome::default();
        let mut var = 0.0;
        for _ in 0..self.presentations {
            let x = self.pattern(&mut rng);
            let fired = net.show(&x)?;
            out.matches += fired.iter().filter(|&&f| f).count() as u64;
            out.trials += fired.len() as u64;
            out.expected += p.iter().sum::<f64>();
            var += p.iter().map(|p| p * (1.0 - p)).sum::<f64>();
        }
        out.sd = var.sqrt();
        Ok(out)
    }

    /// Robustness to noise: each segment's (first) stored pattern with `k` of its cells
    /// replaced by cells outside it, `presentations` noisy versions per segment.
    pub fn noisy_matches(&self, k: usize) -> Result<Outcome, LearnError> {
        self.validate()?;
        if self.stored != 1 || k > self.a || k > self.n - self.a {
            return Err(LearnError::InvalidParameter(format!(
                "noise needs one stored pattern per segment and k <= a, n - a (got k = {k})"
            )));
        }
        let mut rng = rand_pcg::Pcg64::seed_from_u64(self.seed);
        let (stored, synapses) = self.segments(&mut rng);
        let mut net = Segments::new(self.n, &synapses, self.theta)?;
        let p = noisy_match(self.a as u64, self.s as u64, self.theta as u64, k as u64);
        let mut out = Outcome::default();
        for (m, patterns) in stored.iter().enumerate() {
            let pattern = &patterns[0];
            let outside: Vec<u32> = (0..self.n as u32)
                .filter(|c| pattern.binary_search(c).is_err())
                .collect();
            for _ in 0..self.presentations {
                let mut x: Vec<u32> = pattern.clone();
                for (slot, j) in
                    sample(&mut rng, self.a, k)
                        .into_iter()
                        .zip(sample(&mut rng, outside.len(), k))
                {
                    x[slot] = outside[j];
                }
                x.sort_unstable();
                let fired = net.show(&x)?;
                out.matches += fired[m] as u64;
                out.trials += 1;
            }
        }
        out.expected = p * out.trials as f64;
        out.sd = (out.trials as f64 * p * (1.0 - p)).sqrt();
        Ok(out)
    }
}
