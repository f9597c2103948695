//! A supervised delta rule on presynaptic traces, with optional orthogonal protection of old
//! subspaces: the learning rule of Hebbian-learning-based orthogonal projection (Xiao et al. 2024,
//! HLOP) for continual learning.
//!
//! During a presentation every source `j` has a presynaptic trace that jumps by 1 when one of its
//! spikes reaches the targets (its time stamp plus the delay) and decays with time constant
//! `tau`; `x_j` is the trace's integral over the presentation in units of `tau` (a spike that
//! reaches the targets `s` ms before the presentation's end adds `1 − e^{−s/τ}`). After the presentation ([`crate::Simulation::delta_teach`]) each taught target
//! `i`, with `n_i` spikes against a desired count `d_i`, moves its weights by
//! `Δw_ij = η (d_i − n_i) x_j`: the Widrow–Hoff rule with spike counts as the output.
//!
//! **Protection.** The projection can hold a basis `H` (rows, ideally orthonormal: Oja's subspace
//! rule learns one from the activity of earlier tasks, [`crate::Simulation::delta_protect`]).
//! The trace vector is then projected out of that subspace before it enters the update,
//! `x ← x − Hᵀ H x`, so that `ΔW = η e xᵀ (I − HᵀH)` leaves the drive (weights times trace
//! integrals) of any input inside the subspace unchanged.
//!
//! **Consolidation** (elastic weight consolidation, Kirkpatrick et al. 2017, the usual
//! comparison): [`crate::Simulation::delta_consolidate`] anchors the weights where they are and
//! adds the mean squared trace `E[x_j²]` of the presentations taught since the last anchoring to
//! each source's importance `F_j` (the Fisher information of the squared-error loss for a linear
//! output); later updates are pulled back by `−min(1, η λ F_j) (w_ij − w*_ij)`, never past the
//! anchor.
//!
//! Weights carry their own sign and are delivered as excitatory or inhibitory input by sign.

use super::{DenseWeights, Rings};
use crate::partition::Spike;

/// The delta rule's learning rate and trace time constant.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DeltaDef {
    /// Learning rate η (weight units per spike of error per unit of trace integral), > 0.
    pub eta: f64,
    /// Time constant of the presynaptic trace (ms), > 0.
    pub tau: f64,
}

/// What the targets of a delta-rule projection did in the presentation so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeltaAnswer {
    /// Spikes of each target.
    pub counts: Vec<u64>,
    /// Each target's drive: its weights times the sources' trace integrals (`Σ_j w_ij x_j`), a
    /// tie-break between equal counts.
    pub drive: Vec<f64>,
}

/// A fully connected projection (all targets in one partition) learning with the delta rule.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DeltaProjection {
    /// Index of the projection in the network definition.
    pub projection: usize,
    /// The weights (row-major by target), their delay and snapshots.
    #[serde(flatten)]
    pub dense: DenseWeights,
    /// Inputs delivered but not yet read by the targets: (step in which they read it, source).
    /// They are folded into the traces below as the steps are noted, so this holds at most a
    /// delay's worth of spikes.
    pending: Vec<(u64, u32)>,
    /// Per source, this presentation: inputs read, the trace after the last one, and its step.
    read: Vec<f64>,
    trace: Vec<f64>,
    trace_step: Vec<u64>,
    /// Spikes of each target in this presentation.
    counts: Vec<u64>,
    /// The last step noted in this presentation, if any.
    last_step: Option<u64>,
    taught: bool,
    eta: f64,
    tau: f64,
    dt: f64,
    /// The protected basis, row-major (`rows × sources`).
    basis: Vec<f64>,
    /// Consolidation: anchor weights (empty before the first), per-source importance, its
    /// strength λ, and the sum of squared traces and presentations since the last anchoring.
    anchor: Vec<f64>,
    importance: Vec<f64>,
    lambda: f64,
    square_sum: Vec<f64>,
    taught_since: u64,
    /// Scratch: the trace integrals and the basis coordinates.
    #[serde(skip)]
    x: Vec<f64>,
    #[serde(skip)]
    h: Vec<f64>,
    /// Learning off (a run setting, not saved).
    #[serde(skip)]
    frozen: bool,
}

impl DeltaProjection {
    /// A projection with the weights `dense` learning by `def` at time step `dt` (ms).
    pub fn new(projection: usize, def: &DeltaDef, dt: f64, dense: DenseWeights) -> Self {
        let (n_src, n_tgt) = (dense.sources(), dense.targets());
        DeltaProjection {
            projection,
            pending: Vec::new(),
            read: vec![0.0; n_src],
            trace: vec![0.0; n_src],
            trace_step: vec![0; n_src],
            counts: vec![0; n_tgt],
            last_step: None,
            taught: false,
            eta: def.eta,
            tau: def.tau,
            dt,
            basis: Vec::new(),
            anchor: Vec::new(),
            importance: vec![0.0; n_src],
            lambda: 0.0,
            square_sum: vec![0.0; n_src],
            taught_since: 0,
            x: Vec::new(),
            h: Vec::new(),
            dense,
            frozen: false,
        }
    }

    /// Forgets the presentation so far (the weights, basis and consolidation stay).
    pub fn forget_activity(&mut self) {
        self.pending.clear();
        self.read.fill(0.0);
        self.trace.fill(0.0);
        self.trace_step.fill(0);
        self.counts.fill(0);
        self.last_step = None;
        self.taught = false;
    }

    /// Learning off (`false`: the weights only carry input, and teaching is refused) or on
    /// again. The presentation so far is kept: its answer can still be read, and with learning
    /// on it can be taught.
    pub fn set_learning(&mut self, on: bool) {
        self.frozen = !on;
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        (self.dense.len() + self.basis.len() + self.anchor.len() + self.counts.len()) * 8
            + self.dense.sources() * 8 * 7
            + self.pending.capacity() * 16
    }

    /// Sets the weights, given in the order of [`DenseWeights::synapses`].
    pub fn set_weights(&mut self, weights: &[f64]) -> Result<(), String> {
        self.check_weights(weights)?;
        self.dense.set_by_source(weights);
        Ok(())
    }

    /// Whether [`Self::set_weights`] would take `weights`: finite, one per synapse.
    pub fn check_weights(&self, weights: &[f64]) -> Result<(), String> {
        self.dense.check_finite(weights, "a delta rule's")
    }

    /// Delivers `spikes` (all those before step `now` not yet delivered) with the weights in
    /// force and notes them as this presentation's inputs. Returns the number of synaptic events.
    pub(crate) fn deliver(&mut self, spikes: &[Spike], now: u64, rings: Rings<'_>) -> u64 {
        let pending = &mut self.pending;
        let events = self
            .dense
            .deliver(spikes, rings, |j, a| pending.push((a, j as u32)));
        self.dense.snapshot_if_due(now);
        events
    }

    /// After step `step`: the targets (local index) that spiked; the inputs read by `step` enter
    /// their sources' traces.
    pub fn note_post(&mut self, spiked: &[u32], step: u64) {
        self.last_step = Some(step);
        if !self.pending.is_empty() {
            let decay = self.dt / self.tau;
            let (read, trace, at) = (&mut self.read, &mut self.trace, &mut self.trace_step);
            self.pending.retain(|&(a, j)| {
                if a > step {
                    return true;
                }
                // the trace jumps by 1 at the end of step a (the spike's stamp plus its delay)
                let j = j as usize;
                debug_assert!(a >= at[j], "a source's inputs are read in order");
                trace[j] = trace[j] * (-((a - at[j]) as f64) * decay).exp() + 1.0;
                at[j] = a;
                read[j] += 1.0;
                false
            });
        }
        for &i in spiked {
            if let Some(c) = self.counts.get_mut(i as usize) {
                *c += 1;
            }
        }
    }

    /// The sources' trace integrals over the presentation so far (into `self.x`): each input
    /// read adds `1 − e^{−s/τ}`, `s` the time from its arrival to the end of the last step, so
    /// the integral is the inputs read less the trace left at the end.
    fn trace_integrals(&mut self) {
        self.x.clear();
        self.x.resize(self.dense.sources(), 0.0);
        let Some(end) = self.last_step else { return };
        let decay = self.dt / self.tau;
        for (j, x) in self.x.iter_mut().enumerate() {
            if self.read[j] > 0.0 {
                let left = self.trace[j] * (-((end - self.trace_step[j]) as f64) * decay).exp();
                *x = self.read[j] - left;
            }
        }
    }

    /// What the targets did so far: their spike counts and drives.
    pub fn answer(&mut self) -> DeltaAnswer {
        self.trace_integrals();
        let n_src = self.dense.sources();
        let drive = (0..self.dense.targets())
            .map(|i| {
                self.dense.w[i * n_src..(i + 1) * n_src]
                    .iter()
                    .zip(&self.x)
                    .map(|(w, x)| w * x)
                    .sum()
            })
            .collect();
        DeltaAnswer {
            counts: self.counts.clone(),
            drive,
        }
    }

    /// The delta rule after a presentation: every target `i` with `desired[i] = Some(d)` moves its
    /// weights by `η (d − n_i) x` (with `x` projected out of the protected subspace, and the
    /// consolidation's pull added). Returns the number of taught targets whose count differed
    /// from the desired one. Learning must be on, a presentation must have run since the last
    /// reset, and it is taught once.
    pub fn teach(&mut self, desired: &[Option<f64>]) -> Result<usize, String> {
        let (n_src, n_tgt) = (self.dense.sources(), self.dense.targets());
        if desired.len() != n_tgt {
            return Err(format!(
                "{} desired counts given for {n_tgt} target neurons; give one per target \
                 (None: not taught)",
                desired.len()
            ));
        }
        if let Some((i, d)) = desired
            .iter()
            .enumerate()
            .find_map(|(i, d)| d.filter(|d| !(d.is_finite() && *d >= 0.0)).map(|d| (i, d)))
        {
            return Err(format!(
                "desired count {d} for target {i}: a desired count is a finite number >= 0"
            ));
        }
        if self.frozen {
            return Err("learning is off (set_learning(false)): turn it on to teach".into());
        }
        if self.last_step.is_none() {
            return Err(
                "no presentation has run since the last reset_activity: run one, then teach".into(),
            );
        }
        if self.taught {
            return Err(
                "this presentation was taught already; reset_activity before the next \
                 presentation"
                    .into(),
            );
        }
        self.trace_integrals();
        let squares: Vec<f64> = self.x.iter().map(|x| x * x).collect();
        self.project_out();
        let consolidate = !self.anchor.is_empty() && self.lambda > 0.0;
        // the new weights first, so that a non-finite one leaves the projection as it was
        let mut new_rows: Vec<(usize, Vec<f64>)> = Vec::new();
        let mut wrong = 0;
        for (i, d) in desired.iter().enumerate() {
            let Some(d) = *d else { continue };
            let e = d - self.counts[i] as f64;
            if e != 0.0 {
                wrong += 1;
            }
            let row = i * n_src..(i + 1) * n_src;
            let step = self.eta * e;
            let mut w: Vec<f64> = self.dense.w[row.clone()]
                .iter()
                .zip(&self.x)
                .map(|(w, x)| w + step * x)
                .collect();
            if consolidate {
                for ((w, a), f) in w.iter_mut().zip(&self.anchor[row]).zip(&self.importance) {
                    // the pull never overshoots the anchor (at full strength it lands on it)
                    let keep = 1.0 - (self.eta * self.lambda * f).min(1.0);
                    *w = a + keep * (*w - a);
                }
            }
            if let Some(j) = w.iter().position(|w| !w.is_finite()) {
                return Err(format!(
                    "the correction of target {i} would make its weight from source {j} {}: \
                     make eta or the desired count ({d}) smaller",
                    w[j]
                ));
            }
            new_rows.push((i, w));
        }
        for (i, w) in new_rows {
            self.dense.w[i * n_src..(i + 1) * n_src].copy_from_slice(&w);
        }
        // a presentation that taught no target says nothing of the inputs' importance
        if desired.iter().any(Option::is_some) {
            for (s, x) in self.square_sum.iter_mut().zip(&squares) {
                *s += x;
            }
            self.taught_since += 1;
        }
        self.taught = true;
        Ok(wrong)
    }

    /// `x ← x − Hᵀ H x` with the protected basis.
    fn project_out(&mut self) {
        let n_src = self.dense.sources();
        if self.basis.is_empty() || n_src == 0 {
            return;
        }
        self.h.clear();
        for row in self.basis.chunks_exact(n_src) {
            self.h
                .push(row.iter().zip(&self.x).map(|(b, x)| b * x).sum());
        }
        for (row, &h) in self.basis.chunks_exact(n_src).zip(&self.h) {
            for (x, b) in self.x.iter_mut().zip(row) {
                *x -= h * b;
            }
        }
    }

    /// The learning rate η.
    pub fn eta(&self) -> f64 {
        self.eta
    }

    /// Sets the learning rate η (finite, > 0) for the teaching that follows: a schedule.
    pub fn set_eta(&mut self, eta: f64) -> Result<(), String> {
        if !(eta.is_finite() && eta > 0.0) {
            return Err(format!("eta must be a finite number > 0 (got {eta})"));
        }
        self.eta = eta;
        Ok(())
    }

    /// Replaces the protected basis with an orthonormal basis of the span of `rows` (row-major,
    /// `rows.len()` a multiple of the sources; Gram–Schmidt in row order, a row that adds no new
    /// direction dropped); an empty slice protects nothing.
    pub fn protect(&mut self, rows: &[f64]) -> Result<(), String> {
        let n_src = self.dense.sources();
        if n_src == 0 || !rows.len().is_multiple_of(n_src) {
            return Err(format!(
                "a basis of {} values is not whole rows of {n_src} sources",
                rows.len()
            ));
        }
        if let Some(k) = rows.iter().position(|v| !v.is_finite()) {
            return Err(format!("basis value {k} is {}: it must be finite", rows[k]));
        }
        self.basis = orthonormal_rows(rows, n_src);
        Ok(())
    }

    /// Rows of the protected basis (after orthonormalisation).
    pub fn protected_rows(&self) -> usize {
        self.basis.len() / self.dense.sources().max(1)
    }

    /// Consolidation: anchors the weights where they are, adds the mean squared trace of the
    /// presentations taught since the last anchoring to the importance, and pulls later updates
    /// back with strength `lambda` (≥ 0, finite). Returns the number of presentations it took
    /// the importance from.
    pub fn consolidate(&mut self, lambda: f64) -> Result<u64, String> {
        if !(lambda.is_finite() && lambda >= 0.0) {
            return Err(format!(
                "the consolidation strength must be a finite number >= 0 (got {lambda})"
            ));
        }
        let n = self.taught_since;
        if n > 0 {
            for (f, s) in self.importance.iter_mut().zip(&self.square_sum) {
                *f += s / n as f64;
            }
        }
        self.square_sum.fill(0.0);
        self.taught_since = 0;
        self.anchor = self.dense.w.clone();
        self.lambda = lambda;
        Ok(n)
    }
}

/// An orthonormal basis of the span of `rows` (each `n` long), by modified Gram–Schmidt in row
/// order, re-orthogonalised once; a row whose remainder is below 1e-9 of its length adds nothing.
/// Oja's rows are orthonormal only up to the rule's fluctuations: `I − HᵀH` with such rows is not
/// a projector, and with hundreds of rows its errors add up to amplify some directions.
fn orthonormal_rows(rows: &[f64], n: usize) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::with_capacity(rows.len());
    for row in rows.chunks_exact(n) {
        let length = row.iter().map(|a| a * a).sum::<f64>().sqrt();
        let mut v = row.to_vec();
        for _ in 0..2 {
            for q in out.chunks_exact(n) {
                let d: f64 = v.iter().zip(q).map(|(a, b)| a * b).sum();
                v.iter_mut().zip(q).for_each(|(a, b)| *a -= d * b);
            }
        }
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        if norm > 1e-9 * length && norm > 0.0 {
            out.extend(v.iter().map(|a| a / norm));
        }
    }
    out
}
