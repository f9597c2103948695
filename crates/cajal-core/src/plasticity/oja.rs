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
    src_first_gid: u32,
    n_src: usize,
    n_tgt: usize,
    delay: usize,
    /// Weights, row-major: `w[i * n_src + j]` from source j to target i.
    w: Vec<f64>,
    /// Spike counts of the sources in the current window.
    counts: Vec<f64>,
    eta: f64,
    every: u64,
    updated_at: u64,
    y: Vec<f64>,
    recon: Vec<f64>,
    /// Snapshot interval (steps), if recorded over time.
    snapshot_every: Option<u64>,
    /// Weight snapshots `(step, weights in the order of [`Self::synapses`])`.
    pub snapshots: Vec<super::WeightSnapshot>,
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

    /// A projection from `n_src` sources (first global id `src_first_gid`) to `n_tgt` targets
    /// with initial weights `w` (row-major by target) and one delay in steps.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        projection: usize,
        def: &OjaDef,
        dt: f64,
        src_first_gid: u32,
        n_src: usize,
        n_tgt: usize,
        w: Vec<f64>,
        delay: usize,
    ) -> Self {
        OjaProjection {
            projection,
            src_first_gid,
            n_src,
            n_tgt,
            delay,
            w,
            counts: vec![0.0; n_src],
            eta: def.eta,
            every: ((def.every / dt).round() as u64).max(1),
            updated_at: 0,
            y: vec![0.0; n_tgt],
            recon: vec![0.0; n_src],
            snapshot_every: None,
            snapshots: Vec::new(),
            frozen: false,
        }
    }

    /// Global id of the first source.
    pub fn src_first_gid(&self) -> u32 {
        self.src_first_gid
    }

    /// Steps between updates; the run loop ends intervals at multiples of it.
    pub fn every(&self) -> u64 {
        self.every
    }

    /// Takes a weight snapshot every `steps` steps (at step 0 too).
    pub fn record_every(&mut self, steps: u64) {
        self.snapshot_every = Some(steps.max(1));
    }

    /// The snapshot interval (steps), if recorded over time.
    pub fn snapshot_every(&self) -> Option<u64> {
        self.snapshot_every
    }

    /// The delay (steps).
    pub fn delay(&self) -> usize {
        self.delay
    }

    /// Number of synapses.
    pub fn len(&self) -> usize {
        self.w.len()
    }

    /// True without synapses.
    pub fn is_empty(&self) -> bool {
        self.w.is_empty()
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        (self.w.len() + self.counts.len() + self.y.len() + self.recon.len()) * 8
    }

    /// Every synapse as `(source index, local target)`, grouped by source, and its weight.
    pub fn synapses(&self) -> impl Iterator<Item = (u32, u16, f64)> + '_ {
        (0..self.n_src).flat_map(move |j| {
            (0..self.n_tgt).map(move |i| (j as u32, i as u16, self.w[i * self.n_src + j]))
        })
    }

    /// Delivers `spikes` (all those before step `now` not yet delivered) with the weights in force,
    /// counts them into the window, and applies the update if a window ends at `now`. Returns the
    /// number of synaptic events.
    pub fn deliver(
        &mut self,
        spikes: &[crate::partition::Spike],
        now: u64,
        n: usize,
        slots: usize,
        ring_ex: &mut [f64],
        ring_in: &mut [f64],
    ) -> u64 {
        let mut events = 0;
        for sp in spikes {
            let j = sp.sender.wrapping_sub(self.src_first_gid) as usize;
            if j >= self.n_src {
                continue;
            }
            if !self.frozen {
                self.counts[j] += 1.0;
            }
            let slot = (sp.step as usize + self.delay) % slots;
            for i in 0..self.n_tgt {
                let w = self.w[i * self.n_src + j];
                crate::partition::input_ring(ring_ex, ring_in, w >= 0.0)[slot * n + i] += w;
            }
            events += self.n_tgt as u64;
        }
        if !self.frozen && now > 0 && now.is_multiple_of(self.every) && now != self.updated_at {
            self.update();
            self.updated_at = now;
        }
        if let Some(every) = self.snapshot_every {
            if now.is_multiple_of(every) && self.snapshots.last().is_none_or(|s| s.step != now) {
                self.snapshots.push(super::WeightSnapshot {
                    step: now,
                    weights: self.synapses().map(|s| s.2).collect(),
                });
            }
        }
        events
    }

    /// `ΔW = η (y xᵀ − y yᵀ W)` with the window's counts, which are then cleared.
    fn update(&mut self) {
        let (ns, x) = (self.n_src, &self.counts);
        for (i, y) in self.y.iter_mut().enumerate() {
            *y = self.w[i * ns..(i + 1) * ns]
                .iter()
                .zip(x)
                .map(|(w, x)| w * x)
                .sum();
        }
        // the reconstruction yᵀ W of x
        self.recon.iter_mut().for_each(|r| *r = 0.0);
        for (i, &y) in self.y.iter().enumerate() {
            for (r, w) in self.recon.iter_mut().zip(&self.w[i * ns..(i + 1) * ns]) {
                *r += y * w;
            }
        }
        for (i, &y) in self.y.iter().enumerate() {
            let row = &mut self.w[i * ns..(i + 1) * ns];
            for ((w, x), r) in row.iter_mut().zip(x).zip(&self.recon) {
                *w += self.eta * y * (x - r);
            }
        }
        self.counts.iter_mut().for_each(|c| *c = 0.0);
    }
}
