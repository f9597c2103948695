//! Oja's subspace rule (Oja 1989) on a fully connected projection: the building block of the
//! Hebbian / anti-Hebbian principal-subspace circuits used for continual learning (Xiao et al.
//! 2024, Hebbian orthogonal projection).
//!
//! Every `every` ms (at the same absolute times for any run split), with `x` the spike counts of
//! the sources in the window just ended and `y = W x` the projection's linear drive of its
//! targets, the weights move by `ΔW = η (y xᵀ − y yᵀ W)`: a Hebbian term and an anti-Hebbian
//! term that keeps the rows of W orthonormal. The rows converge to an orthonormal basis of the
//! principal subspace of `E[x xᵀ]` (the second moment of the counts: subtract the mean upstream
//! when the covariance is wanted). Weights carry their own sign (Dale's law does not apply) and
//! are delivered as excitatory or inhibitory input by sign.

use super::{DenseWeights, Rings};
use crate::partition::Spike;

/// Oja's subspace rule: learning rate and window.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OjaDef {
    /// Learning rate η (per window, counts as the unit of x).
    pub eta: f64,
    /// Window and update interval (ms, a multiple of dt).
    pub every: f64,
}

/// A fully connected projection learning with Oja's subspace rule, all of whose targets lie in one
/// partition.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct OjaProjection {
    /// Index of the projection in the network definition.
    pub projection: usize,
    /// The weights (row-major by target), their delay and snapshots.
    #[serde(flatten)]
    pub dense: DenseWeights,
    /// Spike counts of the sources in the current window.
    counts: Vec<f64>,
    eta: f64,
    every: u64,
    updated_at: u64,
    y: Vec<f64>,
    recon: Vec<f64>,
    /// The leading rows that no longer learn (a subspace kept from earlier activity): they still
    /// drive their targets and take part in the anti-Hebbian term, so the learning rows become
    /// orthogonal to them.
    #[serde(default)]
    fixed_rows: usize,
    /// Learning off (a run setting, not saved).
    #[serde(skip)]
    frozen: bool,
}

impl OjaProjection {
    /// Forgets the counts of the current window (the weights stay).
    pub fn forget_activity(&mut self) {
        self.counts.fill(0.0);
    }

    /// Learning off (`false`: the weights only carry input, no window is counted or applied) or
    /// on again (from an empty window).
    pub fn set_learning(&mut self, on: bool) {
        self.frozen = !on;
        self.counts.fill(0.0);
    }

    /// A projection with the weights `dense` learning every `def.every` ms.
    pub fn new(projection: usize, def: &OjaDef, dt: f64, dense: DenseWeights) -> Self {
        let (n_src, n_tgt) = (dense.sources(), dense.targets());
        OjaProjection {
            projection,
            dense,
            counts: vec![0.0; n_src],
            eta: def.eta,
            every: ((def.every / dt).round() as u64).max(1),
            updated_at: 0,
            y: vec![0.0; n_tgt],
            recon: vec![0.0; n_src],
            fixed_rows: 0,
            frozen: false,
        }
    }

    /// Keeps the first `rows` rows as they are from now on (at most the number of targets).
    pub fn fix_rows(&mut self, rows: usize) -> Result<(), String> {
        let n = self.dense.targets();
        if rows > n {
            return Err(format!(
                "{rows} rows to fix, but the projection has {n} targets (one row each)"
            ));
        }
        self.fixed_rows = rows;
        Ok(())
    }

    /// The number of leading rows that no longer learn.
    pub fn fixed_rows(&self) -> usize {
        self.fixed_rows
    }

    /// The first `rows` rows (row-major by target, one weight per source).
    pub fn rows(&self, rows: usize) -> &[f64] {
        &self.dense.w[..rows.min(self.dense.targets()) * self.dense.sources()]
    }

    /// Sets the weights, given in the order of [`DenseWeights::synapses`] (new rows to learn
    /// from, say), fixed rows included; the current window's counts are kept.
    pub fn set_weights(&mut self, weights: &[f64]) -> Result<(), String> {
        self.check_weights(weights)?;
        self.dense.set_by_source(weights);
        Ok(())
    }

    /// Whether [`Self::set_weights`] would take `weights`: finite, one per synapse.
    pub fn check_weights(&self, weights: &[f64]) -> Result<(), String> {
        self.dense.check_finite(weights, "Oja's")
    }

    /// Steps between updates; the run loop ends intervals at multiples of it.
    pub fn every(&self) -> u64 {
        self.every
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        (self.dense.len() + self.counts.len() + self.y.len() + self.recon.len()) * 8
    }

    /// Delivers `spikes` (all those before step `now` not yet delivered) with the weights in force,
    /// counts them into the window, and applies the update if a window ends at `now`. Returns the
    /// number of synaptic events.
    pub(crate) fn deliver(&mut self, spikes: &[Spike], now: u64, rings: Rings<'_>) -> u64 {
        let (frozen, counts) = (self.frozen, &mut self.counts);
        let events = self.dense.deliver(spikes, rings, |j, _| {
            if !frozen {
                counts[j] += 1.0;
            }
        });
        if !self.frozen && now > 0 && now.is_multiple_of(self.every) && now != self.updated_at {
            self.update();
            self.updated_at = now;
        }
        self.dense.snapshot_if_due(now);
        events
    }

    /// `ΔW = η (y xᵀ − y yᵀ W)` with the window's counts, which are then cleared; the fixed rows
    /// take part in `y` and in the reconstruction `yᵀ W` but do not change.
    fn update(&mut self) {
        let (ns, x) = (self.dense.sources(), &self.counts);
        let w = &mut self.dense.w;
        for (i, y) in self.y.iter_mut().enumerate() {
            *y = w[i * ns..(i + 1) * ns]
                .iter()
                .zip(x)
                .map(|(w, x)| w * x)
                .sum();
        }
        // the reconstruction yᵀ W of x
        self.recon.iter_mut().for_each(|r| *r = 0.0);
        for (i, &y) in self.y.iter().enumerate() {
            for (r, w) in self.recon.iter_mut().zip(&w[i * ns..(i + 1) * ns]) {
                *r += y * w;
            }
        }
        for (i, &y) in self.y.iter().enumerate().skip(self.fixed_rows) {
            let row = &mut w[i * ns..(i + 1) * ns];
            for ((w, x), r) in row.iter_mut().zip(x).zip(&self.recon) {
                *w += self.eta * y * (x - r);
            }
        }
        self.counts.iter_mut().for_each(|c| *c = 0.0);
    }
}
