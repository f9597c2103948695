//! A full weight matrix from one population onto the targets of one partition, with one delay:
//! the synapses of the rules that learn a whole matrix at once (Oja's subspace rule, the
//! Tempotron, the delta rule). Weights carry their own sign and are delivered as excitatory or inhibitory input
//! by sign.

use super::WeightSnapshot;
use crate::simulation::ProjectionWeights;

/// The weights, their delay and their recorded snapshots.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DenseWeights {
    src_first_gid: u32,
    n_src: usize,
    n_tgt: usize,
    delay: usize,
    /// Weights, row-major: `w[i * n_src + j]` from source j to target i.
    pub(crate) w: Vec<f64>,
    /// Snapshot interval (steps), if recorded over time.
    snapshot_every: Option<u64>,
    /// Weight snapshots `(step, weights in the order of [`Self::synapses`])`.
    pub snapshots: Vec<WeightSnapshot>,
}

impl DenseWeights {
    /// `n_src` sources (first global id `src_first_gid`) onto `n_tgt` targets with weights `w`
    /// (row-major by target) and one delay in steps.
    pub fn new(src_first_gid: u32, n_src: usize, n_tgt: usize, w: Vec<f64>, delay: usize) -> Self {
        debug_assert_eq!(w.len(), n_src * n_tgt);
        DenseWeights {
            src_first_gid,
            n_src,
            n_tgt,
            delay,
            w,
            snapshot_every: None,
            snapshots: Vec::new(),
        }
    }

    /// Sources.
    pub fn sources(&self) -> usize {
        self.n_src
    }

    /// Targets.
    pub fn targets(&self) -> usize {
        self.n_tgt
    }

    /// Global id of the first source.
    pub fn src_first_gid(&self) -> u32 {
        self.src_first_gid
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

    /// Target `i`'s weights, by source.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.w[i * self.n_src..(i + 1) * self.n_src]
    }

    /// Takes a weight snapshot every `steps` steps (at step 0 too).
    pub fn record_every(&mut self, steps: u64) {
        self.snapshot_every = Some(steps.max(1));
    }

    /// The snapshot interval (steps), if recorded over time.
    pub fn snapshot_every(&self) -> Option<u64> {
        self.snapshot_every
    }

    /// The index of `sender` among the sources, if it is one.
    #[inline]
    pub fn source_of(&self, sender: u32) -> Option<usize> {
        let j = sender.wrapping_sub(self.src_first_gid) as usize;
        (j < self.n_src).then_some(j)
    }

    /// The spikes among `spikes` sent by its sources, each with its source index.
    fn spikes_of_sources<'a>(
        &'a self,
        spikes: &'a [crate::partition::Spike],
    ) -> impl Iterator<Item = (usize, &'a crate::partition::Spike)> + 'a {
        spikes
            .iter()
            .filter_map(|sp| self.source_of(sp.sender).map(|j| (j, sp)))
    }

    /// Delivers the spikes of its sources among `spikes` with the weights in force, each into
    /// the ring slot of its arrival (its step plus the delay), telling `note` each one's source
    /// and arrival step; returns the synaptic events.
    pub(crate) fn deliver(
        &self,
        spikes: &[crate::partition::Spike],
        rings: super::Rings<'_>,
        mut note: impl FnMut(usize, u64),
    ) -> u64 {
        let (n, slots) = (rings.n, rings.slots as u64);
        let mut events = 0;
        for (j, sp) in self.spikes_of_sources(spikes) {
            let arrival = sp.step + self.delay as u64;
            note(j, arrival);
            events += self.add_input(j, (arrival % slots) as usize, n, rings.ex, rings.inh);
        }
        events
    }

    /// Adds source `j`'s weights into ring slot `slot` of a partition of `n` neurons; returns the
    /// synaptic events.
    pub fn add_input(
        &self,
        j: usize,
        slot: usize,
        n: usize,
        ring_ex: &mut [f64],
        ring_in: &mut [f64],
    ) -> u64 {
        for i in 0..self.n_tgt {
            let w = self.w[i * self.n_src + j];
            crate::partition::input_ring(ring_ex, ring_in, w >= 0.0)[slot * n + i] += w;
        }
        self.n_tgt as u64
    }

    /// Takes a snapshot at step `now` if one is due and not yet taken.
    pub fn snapshot_if_due(&mut self, now: u64) {
        if let Some(every) = self.snapshot_every {
            if now.is_multiple_of(every) && self.snapshots.last().is_none_or(|s| s.step != now) {
                let weights = self.synapses().map(|s| s.2).collect();
                self.snapshots.push(WeightSnapshot { step: now, weights });
            }
        }
    }

    /// Whether `weights` can replace these: one per synapse, all finite (`rule` names the
    /// learning rule in the message).
    pub fn check_finite(&self, weights: &[f64], rule: &str) -> Result<(), String> {
        if weights.len() != self.len() {
            return Err(format!(
                "{} weights given for {} synapses",
                weights.len(),
                self.len()
            ));
        }
        match weights.iter().position(|w| !w.is_finite()) {
            Some(k) => Err(format!(
                "weight {k} is {}: {rule} weights must be finite (of either sign)",
                weights[k]
            )),
            None => Ok(()),
        }
    }

    /// Every synapse as `(source index, local target)`, grouped by source, and its weight.
    pub fn synapses(&self) -> impl Iterator<Item = (u32, u16, f64)> + '_ {
        (0..self.n_src).flat_map(move |j| {
            (0..self.n_tgt).map(move |i| (j as u32, i as u16, self.w[i * self.n_src + j]))
        })
    }

    /// Sets the weights, given in the order of [`Self::synapses`] (one per synapse).
    pub fn set_by_source(&mut self, weights: &[f64]) {
        for (k, &x) in weights.iter().enumerate() {
            let (j, i) = (k / self.n_tgt, k % self.n_tgt);
            self.w[i * self.n_src + j] = x;
        }
    }

    /// Appends its synapses, weights and snapshots (targets offset by `offset`).
    pub fn append_weights(&self, out: &mut ProjectionWeights, offset: u32, dt: f64) {
        for (s, t, w) in self.synapses() {
            out.sources.push(s);
            out.targets.push(offset + t as u32);
            out.delays_ms.push(self.delay as f64 * dt);
            out.weights.push(w);
        }
        out.times_ms = self.snapshots.iter().map(|s| s.step as f64 * dt).collect();
        out.history = self.snapshots.iter().map(|s| s.weights.clone()).collect();
    }

    /// Appends its synapses as `(source gid, target gid, weight, delay ms)`.
    pub fn append_connections(
        &self,
        out: &mut Vec<super::learning::Connection>,
        first_gid: u32,
        dt: f64,
    ) {
        let delay = self.delay as f64 * dt;
        for (s, t, w) in self.synapses() {
            out.push((
                self.src_first_gid + s,
                first_gid + t as u32,
                w as f32,
                delay,
            ));
        }
    }
}
