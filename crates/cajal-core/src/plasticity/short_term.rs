//! Short-term plasticity: NEST's `tsodyks_synapse` (Tsodyks, Uziel & Markram 2000), depression
//! and facilitation of a synapse's efficacy by its own presynaptic spike train.
//!
//! Each synapse has resources in three states, recovered `x`, active `y` and inactive
//! `z = 1 − x − y`, and a release probability `u`. Between two spikes `h` ms apart they relax
//! exactly (`u` decays with `tau_fac`, `y` with `tau_psc` into `z`, `z` with `tau_rec` back into
//! `x`); at a spike `u` jumps by `U (1 − u)`, the fraction `Δ = u x` moves from `x` to `y`, and the
//! spike is delivered with weight `w Δ`. These are NEST's update equations, in its order; the
//! first spike relaxes from time 0. As the state depends only on the presynaptic spike train and
//! the projection's parameters, every synapse of a source shares it: it is kept per source.
//! Two spikes of one source in one step (a spike generator given a time twice) release twice,
//! the second less; NEST, which feeds such a source through a parrot neuron, releases once and
//! delivers the spike with multiplicity 2.
//!
//! The same store carries stochastic transmission, NEST's `bernoulli_synapse` ([`Bernoulli`]):
//! each synapse passes each spike whole with probability `p_transmit`, or not at all.

use super::learning::{Connection, Learning, Rings};
use crate::partition::Spike;
use crate::simulation::ProjectionWeights;

/// The parameters of `tsodyks_synapse` (NEST's names; times in ms), one set per projection.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TsodyksDef {
    /// `U`: the increment of the release probability at a spike, in [0, 1].
    pub u_increment: f64,
    /// `tau_rec`: recovery of the resources (ms).
    pub tau_rec: f64,
    /// `tau_fac`: decay of the release probability (ms; 0: no facilitation).
    pub tau_fac: f64,
    /// `tau_psc`: inactivation of the active resources (ms), the postsynaptic current's time
    /// constant in the model.
    pub tau_psc: f64,
    /// `u`, `x`, `y` at the start.
    pub u0: f64,
    /// Recovered resources at the start.
    pub x0: f64,
    /// Active resources at the start.
    pub y0: f64,
}

impl TsodyksDef {
    /// NEST's defaults.
    pub const NEST: TsodyksDef = TsodyksDef {
        u_increment: 0.5,
        tau_rec: 800.0,
        tau_fac: 0.0,
        tau_psc: 3.0,
        u0: 0.0,
        x0: 1.0,
        y0: 0.0,
    };

    /// The release `Δ = u x` of a spike `h` ms after the last one (or after time 0), updating
    /// the state `(x, y, u)` as NEST does.
    #[inline]
    pub fn release(&self, h: f64, state: &mut [f64; 3]) -> f64 {
        let [x, y, u] = state;
        let puu = if self.tau_fac == 0.0 {
            0.0
        } else {
            (-h / self.tau_fac).exp()
        };
        let pyy = (-h / self.tau_psc).exp();
        let pzz = (-h / self.tau_rec).exp();
        let pxy = ((pzz - 1.0) * self.tau_rec - (pyy - 1.0) * self.tau_psc)
            / (self.tau_psc - self.tau_rec);
        let pxz = 1.0 - pzz;
        let z = 1.0 - *x - *y;
        *u *= puu;
        *x += pxy * *y + pxz * z;
        *y *= pyy;
        *u += self.u_increment * (1.0 - *u);
        let delta = *u * *x;
        *x -= delta;
        *y += delta;
        delta
    }
}

/// Stochastic transmission: whether synapse `(source, target, ordinal)` passes the spike of
/// `step` is decided by a hash of these and of the network's seed and the projection, compared
/// with `p_transmit`. So the draws depend on nothing else: not on the thread count, the
/// partitioning, the order of delivery or a checkpoint in between; multapses (the same source
/// and target twice) are told apart by their ordinal, and two spikes of one source in one step
/// (a spike generator given a time twice) by their rank in the step, so each is decided apart
/// (NEST draws once per spike of a multiple one too).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bernoulli {
    /// The probability that a synapse passes a spike, in [0, 1].
    pub p_transmit: f64,
    key: u64,
    /// Global id of the partition's first neuron (targets are stored within the partition).
    target_first_gid: u32,
}

impl Bernoulli {
    /// The hash of a spike's step, the first of a synapse's decision (once per spike).
    #[inline]
    fn of_step(&self, step: u64) -> u64 {
        crate::rng::splitmix64(self.key ^ step)
    }

    /// True when the synapse passes the spike (`of_step`: [`Bernoulli::of_step`] of its step;
    /// `repeat`: how many spikes of the same sender in the same step came before this one).
    #[inline]
    fn passes(
        &self,
        of_step: u64,
        sender: u32,
        target_gid: u32,
        ordinal: u16,
        repeat: u32,
    ) -> bool {
        use crate::rng::splitmix64;
        let h = splitmix64(of_step ^ ((sender as u64) << 32 | target_gid as u64));
        let h = splitmix64(h ^ (ordinal as u64 | (repeat as u64) << 16));
        ((h >> 11) as f64) * (1.0 / (1u64 << 53) as f64) < self.p_transmit
    }
}

/// A projection whose synapses depress and facilitate (`tsodyks_synapse`), or pass spikes by
/// chance (`bernoulli_synapse`), stored by source.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ShortTermProjection {
    projection: usize,
    def: TsodyksDef,
    dt: f64,
    src_first_gid: u32,
    /// Offsets of each source's synapses (`n_src + 1`).
    runs: Vec<u32>,
    targets: Vec<u16>,
    delays: Vec<u16>,
    /// The synapses' weights (with sign), before the release scales them.
    weights: Vec<f64>,
    /// Per source: `[x, y, u]`.
    state: Vec<[f64; 3]>,
    /// Per source: the time of its last spike (ms; 0 before the first).
    last_ms: Vec<f64>,
    /// Stochastic transmission instead of depression and facilitation.
    #[serde(default)]
    bernoulli: Option<Bernoulli>,
    /// With stochastic transmission: each synapse's ordinal among those of its source onto the
    /// same target.
    #[serde(default)]
    ordinal: Vec<u16>,
    /// The last spike delivered, `(step, sender)`, and how many spikes of that sender in that
    /// step came before it (spikes of one step are delivered together, never across a
    /// checkpoint: not saved).
    #[serde(skip, default = "no_spike")]
    last_spike: (u64, u32, u32),
}

/// No spike delivered yet.
fn no_spike() -> (u64, u32, u32) {
    (u64::MAX, 0, 0)
}

impl ShortTermProjection {
    /// Projection `projection` from the `n_src` sources starting at `src_first_gid`, with
    /// synapses `(source index, local target, weight, delay steps)`.
    pub fn new(
        projection: usize,
        def: &TsodyksDef,
        dt: f64,
        src_first_gid: u32,
        n_src: u32,
        synapses: &[(u32, u16, f32, u16)],
    ) -> Self {
        let mut order: Vec<usize> = (0..synapses.len()).collect();
        order.sort_by_key(|&k| synapses[k].0);
        let mut runs = vec![0u32; n_src as usize + 1];
        for &(s, ..) in synapses {
            runs[s as usize + 1] += 1;
        }
        for i in 0..n_src as usize {
            runs[i + 1] += runs[i];
        }
        ShortTermProjection {
            projection,
            def: *def,
            dt,
            src_first_gid,
            runs,
            targets: order.iter().map(|&k| synapses[k].1).collect(),
            delays: order.iter().map(|&k| synapses[k].3).collect(),
            weights: order.iter().map(|&k| synapses[k].2 as f64).collect(),
            state: vec![[def.x0, def.y0, def.u0]; n_src as usize],
            last_ms: vec![0.0; n_src as usize],
            bernoulli: None,
            ordinal: Vec::new(),
            last_spike: no_spike(),
        }
    }

    /// Makes the synapses pass each spike with probability `p_transmit` instead of depressing
    /// and facilitating ([`Bernoulli`]); `seed` is the network's, `target_first_gid` the global
    /// id of the partition's first neuron.
    pub fn bernoulli(mut self, p_transmit: f64, seed: u64, target_first_gid: u32) -> Self {
        let key = crate::rng::splitmix64(seed ^ crate::rng::splitmix64(self.projection as u64 + 1));
        self.bernoulli = Some(Bernoulli {
            p_transmit,
            key,
            target_first_gid,
        });
        // no depression state: the runs are all that is read
        self.state = Vec::new();
        self.last_ms = Vec::new();
        // per source, how often each target came before: one count per target, cleared after
        // each source's run
        let mut seen = vec![
            0u16;
            self.targets
                .iter()
                .map(|&t| t as usize + 1)
                .max()
                .unwrap_or(0)
        ];
        let mut ordinal = vec![0u16; self.targets.len()];
        for j in 0..self.runs.len() - 1 {
            let run = self.runs[j] as usize..self.runs[j + 1] as usize;
            for k in run.clone() {
                let c = &mut seen[self.targets[k] as usize];
                ordinal[k] = *c;
                *c = c.saturating_add(1);
            }
            for k in run {
                seen[self.targets[k] as usize] = 0;
            }
        }
        self.ordinal = ordinal;
        self
    }

    fn source_of(&self, sender: u32) -> Option<usize> {
        let j = sender.wrapping_sub(self.src_first_gid) as usize;
        (j + 1 < self.runs.len()).then_some(j)
    }

    fn synapses(&self) -> impl Iterator<Item = (u32, usize)> + '_ {
        (0..self.runs.len() - 1).flat_map(move |j| {
            (self.runs[j] as usize..self.runs[j + 1] as usize).map(move |k| (j as u32, k))
        })
    }
}

impl Learning for ShortTermProjection {
    fn projection(&self) -> usize {
        self.projection
    }
    #[inline]
    fn takes_spike(&self, sender: u32) -> bool {
        self.source_of(sender).is_some()
    }
    fn deliver_spike(&mut self, spike: &Spike, r: Rings<'_>) -> u64 {
        let Some(j) = self.source_of(spike.sender) else {
            return 0;
        };
        let (a, b) = (self.runs[j] as usize, self.runs[j + 1] as usize);
        if a == b {
            return 0; // no synapse of this source ends on this partition: its state is never read
        }
        if let Some(chance) = &self.bernoulli {
            let (step, sender, seen) = self.last_spike;
            let repeat = if (step, sender) == (spike.step, spike.sender) {
                seen + 1
            } else {
                0
            };
            self.last_spike = (spike.step, spike.sender, repeat);
            let of_step = chance.of_step(spike.step);
            let mut passed = 0;
            for k in a..b {
                let target = self.targets[k];
                let gid = chance.target_first_gid + target as u32;
                if !chance.passes(of_step, spike.sender, gid, self.ordinal[k], repeat) {
                    continue;
                }
                let slot = (r.base + self.delays[k] as usize) % r.slots;
                let w = self.weights[k];
                let ring = crate::partition::input_ring(&mut *r.ex, &mut *r.inh, w >= 0.0);
                ring[slot * r.n + target as usize] += w;
                passed += 1;
            }
            return passed;
        }
        // NEST stamps a spike at the end of the step it is emitted in
        let t = (spike.step + 1) as f64 * self.dt;
        let delta = self.def.release(t - self.last_ms[j], &mut self.state[j]);
        self.last_ms[j] = t;
        for k in a..b {
            let slot = (r.base + self.delays[k] as usize) % r.slots;
            let w = self.weights[k] * delta;
            let ring =
                crate::partition::input_ring(&mut *r.ex, &mut *r.inh, self.weights[k] >= 0.0);
            ring[slot * r.n + self.targets[k] as usize] += w;
        }
        (b - a) as u64
    }
    fn end_delivery(&mut self, _spikes: &[Spike], _now: u64, _rings: Rings<'_>) -> u64 {
        0
    }
    fn forget_activity(&mut self, now: u64) {
        // silent for ever: the resources as at the start, the next spike relaxing from now
        let d = self.def;
        self.state.fill([d.x0, d.y0, d.u0]);
        self.last_ms.fill(now as f64 * self.dt);
        // (stochastic transmission keeps no state)
    }
    fn set_learning(&mut self, _on: bool, _now: u64) {
        // short-term plasticity is the synapses' dynamics, not learning: it goes on
    }
    fn cuts(&self) -> Vec<u64> {
        Vec::new()
    }
    fn len(&self) -> usize {
        self.weights.len()
    }
    fn delays(&self) -> Option<(u16, u16)> {
        Some((*self.delays.iter().min()?, *self.delays.iter().max()?))
    }
    fn bytes(&self) -> usize {
        self.weights.len() * 12
            + self.runs.len() * 4
            + self.state.len() * 32
            + self.ordinal.len() * 2
    }
    fn append_weights(&self, out: &mut ProjectionWeights, offset: u32, _now: i64, dt: f64) {
        for (j, k) in self.synapses() {
            out.sources.push(j);
            out.targets.push(offset + self.targets[k] as u32);
            out.delays_ms.push(self.delays[k] as f64 * dt);
            out.weights.push(self.weights[k]);
        }
    }
    fn append_connections(&self, out: &mut Vec<Connection>, first_gid: u32, _now: i64, dt: f64) {
        for (j, k) in self.synapses() {
            out.push((
                self.src_first_gid + j,
                first_gid + self.targets[k] as u32,
                self.weights[k] as f32,
                self.delays[k] as f64 * dt,
            ));
        }
    }
    fn set_weights(&mut self, weights: &[f64], _now: u64) -> Result<(), String> {
        self.check_weights(weights)?;
        self.weights.copy_from_slice(weights);
        Ok(())
    }
    fn check_weights(&self, weights: &[f64]) -> Result<(), String> {
        if weights.len() != self.weights.len() {
            return Err(format!(
                "{} weights given for {} synapses",
                weights.len(),
                self.weights.len()
            ));
        }
        if let Some((k, w)) = weights.iter().enumerate().find(|(_, w)| !w.is_finite()) {
            return Err(format!("weight {k} is {w}; weights must be finite"));
        }
        let flips = |new: f64, old: f64| (new > 0.0 && old < 0.0) || (new < 0.0 && old > 0.0);
        if let Some(k) = (0..weights.len()).find(|&k| flips(weights[k], self.weights[k])) {
            return Err(format!(
                "weight {k} ({}) has the other sign than the synapse's ({}); a synapse stays excitatory or inhibitory",
                weights[k], self.weights[k]
            ));
        }
        Ok(())
    }
}
