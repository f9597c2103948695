//! The heterogeneous-delay layer as a time-invariant logistic regression (Grimaldi & Perrinet
//! 2023): at every step `t` and position (`x`, `y`) the evidence for motion `c` is
//! `B_c = b_c + Σ_{d, p, δ} K[c, d, p, δ] · A[t − d, p, (x, y) + δ]`, a sum over the events `A`
//! of polarity `p` that reached the neuron through the synapse of delay `d` (1 to `delays`
//! steps) from the pixel at offset `δ` within a disc of radius `radius`. The probability of
//! motion `c` is `σ(B_c)`; training minimises the binary cross-entropy of each class against
//! the motion the neurons have seen (the one that made the newest events reaching them), as the
//! paper does. The spiking network that computes `B` is the
//! engine's ([`super::engine`]); this module computes it too, for training and as the reference.
//!
//! **Where the evidence counts.** A neuron's evidence is scored at the steps that follow an
//! event at its own pixel (its delay-1, offset-0 synapses have just received a spike): the
//! event-driven reading, in which a neuron computes when its input arrives. Scored at every
//! step and pixel instead, as a dense convolution, the evidence cannot tell directions apart
//! on textures whose statistics are the same in every direction: it is linear in the events,
//! and the events' expected density is the same at every pixel for every direction, so the
//! expected evidence is too. On our textures that logistic regression stayed at the loss of
//! guessing; conditioned on an event at the centre, the events along each trajectory through
//! it say which way the texture moves, and the same regression learns.
//!
//! Training is stochastic gradient descent over the scored voxels of all movies in a seeded
//! random order (one voxel per update; the bias with a tenth of the step). Updates in movie
//! order let the bias follow the motion of the current segment, and batched Adam (the
//! paper's optimiser) moved too slowly for a run of minutes.

use super::stimulus::Movie;
use crate::error::invalid;
use crate::LearnError;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Synaptic weights and biases of a layer of `classes` neurons per position, each with one
/// synapse per (delay, polarity, offset).
#[derive(Clone, Debug, PartialEq)]
pub struct DelayLayer {
    /// Radius of the disc of pixels a neuron sees, pixels.
    pub radius: usize,
    /// Delays 1..=`delays` steps.
    pub delays: usize,
    /// Motions told apart.
    pub classes: usize,
    /// The pixel offsets (dx, dy) within the disc, row by row.
    pub offsets: Vec<(i32, i32)>,
    /// `weights[input · classes + c]`, input = `((d − 1) · 2 + p) · offsets + o`.
    pub weights: Vec<f64>,
    /// One bias per class.
    pub bias: Vec<f64>,
}

/// How to train: passes over the scored voxels, the step size, the spacing of the positions
/// whose evidence enters the loss (every `stride`-th pixel) and the seed of the voxels' order.
#[derive(Clone, Debug, PartialEq)]
pub struct Training {
    /// Passes over the training movies.
    pub epochs: usize,
    /// Step size of gradient descent.
    pub learning_rate: f64,
    /// Spacing of the output positions, pixels.
    pub stride: usize,
    /// Seed of the order in which voxels are visited.
    pub seed: u64,
}

/// Whether the neuron at (`x`, `y`) is scored at step `t`: its pixel had an event at `t − 1`.
fn scored(volume: &[u8], size: usize, t: usize, x: usize, y: usize) -> bool {
    t >= 1 && (0..2).any(|p| volume[(((t - 1) * 2 + p) * size + y) * size + x] != 0)
}

/// Per step, the evidence for each class averaged over the neurons scored at that step
/// (`evidence` indexed as [`DelayLayer::evidence`]); `None` for a step in which none is.
pub fn readout(
    evidence: &[f64],
    movie: &Movie,
    positions: &[(usize, usize)],
    classes: usize,
) -> Result<Vec<Option<Vec<f64>>>, LearnError> {
    if evidence.len() != movie.labels.len() * positions.len() * classes {
        return Err(invalid(format!(
            "{} values of evidence for {} steps × {} positions × {classes} classes",
            evidence.len(),
            movie.labels.len(),
            positions.len()
        )));
    }
    let volume = movie.volume();
    Ok((0..movie.labels.len())
        .map(|t| {
            let mut mean = vec![0.0; classes];
            let mut n = 0usize;
            for (k, &(x, y)) in positions.iter().enumerate() {
                if scored(&volume, movie.size, t, x, y) {
                    let b = &evidence[(t * positions.len() + k) * classes..][..classes];
                    mean.iter_mut().zip(b).for_each(|(m, b)| *m += b);
                    n += 1;
                }
            }
            (n > 0).then(|| mean.iter().map(|m| m / n as f64).collect())
        })
        .collect())
}

impl DelayLayer {
    /// A layer with all weights zero and each bias at the log-odds of a class among `classes`
    /// equally likely ones, `ln(1 / (classes − 1))`.
    pub fn new(radius: usize, delays: usize, classes: usize) -> Result<DelayLayer, LearnError> {
        if !(0..=32).contains(&radius) || !(1..=256).contains(&delays) || classes == 0 {
            return Err(invalid(format!(
                "a delay layer needs radius 0 to 32, 1 to 256 delays and at least one class \
                 (got radius {radius}, {delays} delays, {classes} classes)"
            )));
        }
        let r = radius as i32;
        let offsets: Vec<(i32, i32)> = (-r..=r)
            .flat_map(|dy| (-r..=r).map(move |dx| (dx, dy)))
            .filter(|&(dx, dy)| dx * dx + dy * dy <= r * r)
            .collect();
        let inputs = delays * 2 * offsets.len();
        Ok(DelayLayer {
            radius,
            delays,
            classes,
            offsets,
            weights: vec![0.0; inputs * classes],
            bias: vec![(1.0 / (classes.max(2) - 1) as f64).ln(); classes],
        })
    }

    /// Synapses per neuron: delays × 2 polarities × offsets.
    pub fn inputs(&self) -> usize {
        self.delays * 2 * self.offsets.len()
    }

    /// Input index of (delay `d` ≥ 1, polarity `p`, offset `o`).
    pub fn input(&self, d: usize, p: usize, o: usize) -> usize {
        ((d - 1) * 2 + p) * self.offsets.len() + o
    }

    /// The output positions of a `size`-pixel window: every `stride`-th pixel whose disc lies
    /// inside the window.
    pub fn positions(&self, size: usize, stride: usize) -> Vec<(usize, usize)> {
        let r = self.radius;
        if size < 2 * r + 1 || stride == 0 {
            return Vec::new();
        }
        let axis: Vec<usize> = (r..size - r).step_by(stride).collect();
        axis.iter()
            .flat_map(|&y| axis.iter().map(move |&x| (x, y)))
            .collect()
    }

    /// The inputs active at step `t` for the neuron at (`x`, `y`), into `out`.
    fn active(&self, volume: &[u8], size: usize, t: usize, x: usize, y: usize, out: &mut Vec<u32>) {
        out.clear();
        for d in 1..=self.delays.min(t) {
            for p in 0..2 {
                let frame = &volume[((t - d) * 2 + p) * size * size..][..size * size];
                for (o, &(dx, dy)) in self.offsets.iter().enumerate() {
                    let (px, py) = ((x as i32 + dx) as usize, (y as i32 + dy) as usize);
                    if frame[py * size + px] != 0 {
                        out.push(self.input(d, p, o) as u32);
                    }
                }
            }
        }
    }

    /// Adds the evidence of the `active` inputs, bias included, into `b` (one per class).
    fn evidence_of(&self, active: &[u32], b: &mut [f64]) {
        b.copy_from_slice(&self.bias);
        let c = self.classes;
        for &i in active {
            let w = &self.weights[i as usize * c..][..c];
            b.iter_mut().zip(w).for_each(|(b, w)| *b += w);
        }
    }

    /// The evidence of every neuron at every step, bias included, indexed
    /// `(t · positions + position) · classes + class`; refused for a position whose disc
    /// leaves the movie's window.
    pub fn evidence(
        &self,
        movie: &Movie,
        positions: &[(usize, usize)],
    ) -> Result<Vec<f64>, LearnError> {
        let r = self.radius;
        if let Some(&(x, y)) = positions
            .iter()
            .find(|&&(x, y)| x.min(y) < r || x.max(y) + r >= movie.size)
        {
            return Err(invalid(format!(
                "position ({x}, {y}): a disc of radius {r} around it leaves the {}-pixel window; \
                 take the positions from DelayLayer::positions",
                movie.size
            )));
        }
        let volume = movie.volume();
        let mut active = Vec::new();
        let c = self.classes;
        let mut out = vec![0.0; movie.labels.len() * positions.len() * c];
        let mut k = 0;
        for t in 0..movie.labels.len() {
            for &(x, y) in positions {
                self.active(&volume, movie.size, t, x, y, &mut active);
                self.evidence_of(&active, &mut out[k * c..(k + 1) * c]);
                k += 1;
            }
        }
        Ok(out)
    }

    /// Trains on `movies` (all of one window size, longer than `delays` steps, with motions
    /// below `classes`), calling `progress(epoch, mean loss per scored voxel and class)` after
    /// each pass; returns those losses.
    pub fn train(
        &mut self,
        movies: &[Movie],
        training: &Training,
        mut progress: impl FnMut(usize, f64),
    ) -> Result<Vec<f64>, LearnError> {
        crate::positive("learning_rate", training.learning_rate)?;
        if movies.is_empty() {
            return Err(invalid("no training movies: give at least one".to_string()));
        }
        let size = movies[0].size;
        if movies
            .iter()
            .any(|m| m.size != size || m.labels.len() <= self.delays)
        {
            return Err(invalid(format!(
                "training movies must share one window size and be longer than the layer's {} \
                 delays",
                self.delays
            )));
        }
        if let Some(l) = movies
            .iter()
            .flat_map(|m| m.labels.iter())
            .find(|&&l| l as usize >= self.classes)
        {
            return Err(invalid(format!(
                "a training movie has motion {l} but the layer tells {} motions apart",
                self.classes
            )));
        }
        let positions = self.positions(size, training.stride);
        if positions.is_empty() {
            return Err(invalid(format!(
                "no output position: the window ({size} pixels) must be wider than the disc \
                 (radius {}), and stride at least 1",
                self.radius
            )));
        }
        let volumes: Vec<Vec<u8>> = movies.iter().map(Movie::volume).collect();
        let mut voxels: Vec<(u32, u32, u32)> = Vec::new();
        for (m, v) in volumes.iter().enumerate() {
            for t in self.delays..movies[m].labels.len() {
                for (k, &(x, y)) in positions.iter().enumerate() {
                    if scored(v, size, t, x, y) {
                        voxels.push((m as u32, t as u32, k as u32));
                    }
                }
            }
        }
        let c = self.classes;
        let eta = training.learning_rate;
        let mut rng = rand_pcg::Pcg64::seed_from_u64(training.seed);
        let (mut active, mut b, mut err) = (Vec::new(), vec![0.0; c], vec![0.0; c]);
        let mut losses = Vec::with_capacity(training.epochs);
        for epoch in 0..training.epochs {
            voxels.shuffle(&mut rng);
            let mut loss = 0.0;
            for &(m, t, k) in &voxels {
                let (x, y) = positions[k as usize];
                let label = movies[m as usize].labels[t as usize - 1] as usize;
                self.active(&volumes[m as usize], size, t as usize, x, y, &mut active);
                self.evidence_of(&active, &mut b);
                for (j, (e, &z)) in err.iter_mut().zip(&b).enumerate() {
                    let target = if j == label { 1.0 } else { 0.0 };
                    // log(1 + e^z) - target·z, without overflow
                    loss += z.max(0.0) + (-z.abs()).exp().ln_1p() - target * z;
                    *e = eta / (1.0 + (-z).exp()) - eta * target;
                }
                for &i in &active {
                    let w = &mut self.weights[i as usize * c..][..c];
                    w.iter_mut().zip(&err).for_each(|(w, e)| *w -= e);
                }
                self.bias
                    .iter_mut()
                    .zip(&err)
                    .for_each(|(b, e)| *b -= 0.1 * e);
            }
            let mean = loss / (voxels.len().max(1) * c) as f64;
            losses.push(mean);
            progress(epoch, mean);
        }
        Ok(losses)
    }

    /// The layer with all but the `keep` (a fraction in (0, 1]) largest weights by magnitude set
    /// to zero (ties at the cut kept in input order), biases unchanged: the paper's pruning.
    pub fn pruned(&self, keep: f64) -> Result<DelayLayer, LearnError> {
        if !(keep > 0.0 && keep <= 1.0) {
            return Err(invalid(format!("keep must lie in (0, 1] (got {keep})")));
        }
        let kept = ((self.weights.len() as f64 * keep).round() as usize).max(1);
        let mut order: Vec<usize> = (0..self.weights.len()).collect();
        order.sort_by(|&a, &b| {
            self.weights[b]
                .abs()
                .total_cmp(&self.weights[a].abs())
                .then(a.cmp(&b))
        });
        let mut out = self.clone();
        out.weights.fill(0.0);
        for &i in &order[..kept.min(order.len())] {
            out.weights[i] = self.weights[i];
        }
        Ok(out)
    }

    /// Weights that are not zero.
    pub fn nonzero(&self) -> usize {
        self.weights.iter().filter(|w| **w != 0.0).count()
    }
}

/// How well a readout names the motion: over the steps from `from` (at least 1) on, the
/// fraction whose largest class is the motion the neurons have seen, and the fraction whose
/// largest class has its direction (`speeds` classes per direction, at least 1); a step
/// without a readout counts as wrong. The motion seen at step `t` is the one that made the
/// newest events that reach the neurons then (the delays are 1 ms or more): `labels[t − 1]`.
pub fn score(
    readout: &[Option<Vec<f64>>],
    labels: &[u16],
    from: usize,
    speeds: usize,
) -> (f64, f64) {
    let speeds = speeds.max(1);
    let (mut motion, mut direction, mut n) = (0usize, 0usize, 0usize);
    // readout[t] against labels[t - 1], for t from max(from, 1)
    let from = from.max(1);
    for (e, &l) in readout.iter().skip(from).zip(labels.iter().skip(from - 1)) {
        n += 1;
        let Some(e) = e else { continue };
        let best = e
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
            .map_or(0, |(i, _)| i);
        motion += usize::from(best == l as usize);
        direction += usize::from(best / speeds == l as usize / speeds);
    }
    let n = n.max(1) as f64;
    (motion as f64 / n, direction as f64 / n)
}
