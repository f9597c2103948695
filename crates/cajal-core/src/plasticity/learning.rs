//! The one interface through which a partition drives the learning projections that end on it.
//!
//! A partition calls, in this order: [`Learning::begin_delivery`] with an interval's spikes,
//! [`Learning::deliver_spike`] for each spike (after the spike's static synapses),
//! [`Learning::end_delivery`], then [`Learning::note_post`] after every step it advances. A new
//! kind of learning implements [`Learning`] and becomes a variant of [`LearningProjection`];
//! neither the partition nor the simulation changes. The variants are an enum, not trait
//! objects, so that a spike costs no dynamic dispatch and checkpoints name the kind.

use super::{
    DeltaProjection, OjaProjection, PlasticProjection, ShortTermProjection, TempotronProjection,
};
use crate::partition::Spike;
use crate::simulation::ProjectionWeights;

/// A synapse as the connectome lists it: source gid, target gid, weight, delay (ms).
pub(crate) type Connection = (u32, u32, f32, f64);

/// A partition's input ring buffers, where synaptic input lands (`slot * n + target`).
pub(crate) struct Rings<'a> {
    /// Neurons of the partition.
    pub n: usize,
    /// Ring length in steps.
    pub slots: usize,
    /// The slot of the spike being delivered (its step modulo `slots`; 0 outside a delivery).
    pub base: usize,
    /// Excitatory (or the only) ring.
    pub ex: &'a mut [f64],
    /// Inhibitory ring (empty where the model has one ring).
    pub inh: &'a mut [f64],
}

/// The parameters a population of targets takes from now on (`Simulation::set_params`).
pub(crate) struct TargetParams<'a> {
    /// The targets' model.
    pub kind: crate::neuron::ModelKind,
    /// Their population's name, for messages.
    pub population: &'a str,
    /// The parameters given (the model's defaults for the rest).
    pub params: &'a std::collections::BTreeMap<String, f64>,
    /// The time step (ms).
    pub dt: f64,
}

/// What a partition asks of a learning projection.
pub(crate) trait Learning {
    /// Index of the projection in the network.
    fn projection(&self) -> usize;
    /// Before an interval's `spikes` (all emitted before step `now`) are delivered.
    fn begin_delivery(&mut self, _spikes: &[Spike], _now: u64) {}
    /// Delivers one spike if its sender is a source of this projection; returns the synaptic
    /// events.
    fn deliver_spike(&mut self, _spike: &Spike, _rings: Rings<'_>) -> u64 {
        0
    }
    /// Whether [`Learning::deliver_spike`] takes spikes of `sender` (it is a source).
    fn takes_spike(&self, _sender: u32) -> bool {
        false
    }
    /// Delivers `spikes`, every one of whose senders it takes, in order, as
    /// [`Learning::deliver_spike`] one by one (`slot_of`: a spike's ring slot from its step;
    /// `rings.base` is not used); returns the synaptic events.
    fn deliver_batch(
        &mut self,
        spikes: &[Spike],
        rings: Rings<'_>,
        slot_of: impl Fn(u64) -> usize,
    ) -> u64
    where
        Self: Sized,
    {
        let mut events = 0;
        for sp in spikes {
            let r = Rings {
                n: rings.n,
                slots: rings.slots,
                base: slot_of(sp.step),
                ex: &mut *rings.ex,
                inh: &mut *rings.inh,
            };
            events += self.deliver_spike(sp, r);
        }
        events
    }
    /// Asks the cache for what a later spike of `sender` will need.
    fn prefetch(&self, _sender: u32) {}
    /// After an interval's spikes are delivered; returns the synaptic events.
    fn end_delivery(&mut self, spikes: &[Spike], now: u64, rings: Rings<'_>) -> u64;
    /// After step `step`: the partition's neurons (local indices) that spiked.
    fn note_post(&mut self, _spiked: &[u32], _step: u64) {}
    /// Whether it needs the targets' membrane potentials after every step.
    fn watches_membrane(&self) -> bool {
        false
    }
    /// After step `step`, if it watches the membrane: the potentials (local index) and the
    /// neurons that spiked.
    fn note_membrane(&mut self, _v_m: &[f64], _spiked: &[u32], _step: u64) {}
    /// At the start of step `now` (every spike before it delivered): applies every pending
    /// weight change, then forgets the activity so far (traces, spike histories, counts), as if
    /// every neuron had been silent for ever (short-term plasticity: its resources as given at
    /// the start); the weights stay.
    fn forget_activity(&mut self, now: u64);
    /// At the start of step `now`: learning off (`false`; pending changes applied first, then the
    /// weights only carry input) or on again (from silence; the delta rule keeps its
    /// presentation).
    fn set_learning(&mut self, on: bool, now: u64);
    /// Periods (steps) at whose multiples an interval must end.
    fn cuts(&self) -> Vec<u64>;
    /// Number of synapses.
    fn len(&self) -> usize;
    /// Shortest and longest delay (steps), if it has synapses.
    fn delays(&self) -> Option<(u16, u16)>;
    /// Bytes held.
    fn bytes(&self) -> usize;
    /// Appends its synapses and weights (targets offset by `offset`, now = step `now`).
    fn append_weights(&self, out: &mut ProjectionWeights, offset: u32, now: i64, dt: f64);
    /// Appends its synapses as `(source gid, target gid, weight now, delay ms)` (the partition's
    /// first neuron is `first_gid`).
    fn append_connections(&self, out: &mut Vec<Connection>, first_gid: u32, now: i64, dt: f64);
    /// Sets its weights (with sign, in the order of `append_weights`) at the start of step `now`.
    fn set_weights(&mut self, weights: &[f64], now: u64) -> Result<(), String>;
    /// Whether `set_weights` would take `weights`.
    fn check_weights(&self, weights: &[f64]) -> Result<(), String>;
    /// Whether it can go on with its targets' new parameters; the error says why not.
    fn check_targets(&self, _targets: &TargetParams<'_>) -> Result<(), String> {
        Ok(())
    }
    /// Takes its targets' new parameters (accepted by [`Learning::check_targets`]).
    fn retarget(&mut self, _targets: &TargetParams<'_>) {}
    /// The astrocyte's trajectory, if one modulates it: (astrocyte index, (step, value)).
    fn astrocyte_trace(&self) -> Option<(usize, &[(u64, f64)])> {
        None
    }
    /// The astrocyte's value now, if one modulates it: (astrocyte index, A).
    fn astrocyte_now(&self) -> Option<(usize, f64)> {
        None
    }
}

/// Every kind of learning projection. (A partition holds a few, so the STDP variant's inline
/// lookup tables are kept in place rather than boxed: one pointer less per delivered spike.)
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum LearningProjection {
    /// The STDP family (pair, triplet, reward-modulated), event-driven.
    Stdp(PlasticProjection),
    /// Oja's subspace rule on windowed counts.
    Oja(OjaProjection),
    /// The Tempotron, taught after each presentation.
    Tempotron(TempotronProjection),
    /// The delta rule on presynaptic traces, taught after each presentation.
    Delta(DeltaProjection),
    /// Short-term depression and facilitation (`tsodyks_synapse`).
    ShortTerm(ShortTermProjection),
}

macro_rules! each {
    ($self:expr, $p:ident => $body:expr) => {
        match $self {
            LearningProjection::Stdp($p) => $body,
            LearningProjection::Oja($p) => $body,
            LearningProjection::Tempotron($p) => $body,
            LearningProjection::Delta($p) => $body,
            LearningProjection::ShortTerm($p) => $body,
        }
    };
}

impl Learning for LearningProjection {
    fn projection(&self) -> usize {
        each!(self, p => p.projection())
    }
    fn set_weights(&mut self, weights: &[f64], now: u64) -> Result<(), String> {
        each!(self, p => Learning::set_weights(p, weights, now))
    }
    fn check_weights(&self, weights: &[f64]) -> Result<(), String> {
        each!(self, p => Learning::check_weights(p, weights))
    }
    #[inline]
    fn begin_delivery(&mut self, spikes: &[Spike], now: u64) {
        each!(self, p => p.begin_delivery(spikes, now))
    }
    #[inline(always)]
    fn deliver_spike(&mut self, spike: &Spike, rings: Rings<'_>) -> u64 {
        each!(self, p => p.deliver_spike(spike, rings))
    }
    #[inline]
    fn takes_spike(&self, sender: u32) -> bool {
        each!(self, p => p.takes_spike(sender))
    }
    #[inline]
    fn deliver_batch(
        &mut self,
        spikes: &[Spike],
        rings: Rings<'_>,
        slot_of: impl Fn(u64) -> usize,
    ) -> u64 {
        each!(self, p => p.deliver_batch(spikes, rings, slot_of))
    }
    #[inline]
    fn prefetch(&self, sender: u32) {
        each!(self, p => p.prefetch(sender))
    }
    fn end_delivery(&mut self, spikes: &[Spike], now: u64, rings: Rings<'_>) -> u64 {
        each!(self, p => p.end_delivery(spikes, now, rings))
    }
    #[inline]
    fn note_post(&mut self, spiked: &[u32], step: u64) {
        each!(self, p => p.note_post(spiked, step))
    }
    #[inline]
    fn watches_membrane(&self) -> bool {
        matches!(self, LearningProjection::Tempotron(_))
    }
    fn note_membrane(&mut self, v_m: &[f64], spiked: &[u32], step: u64) {
        each!(self, p => p.note_membrane(v_m, spiked, step))
    }
    fn forget_activity(&mut self, now: u64) {
        each!(self, p => Learning::forget_activity(p, now))
    }
    fn check_targets(&self, targets: &TargetParams<'_>) -> Result<(), String> {
        each!(self, p => p.check_targets(targets))
    }
    fn retarget(&mut self, targets: &TargetParams<'_>) {
        each!(self, p => p.retarget(targets))
    }
    fn set_learning(&mut self, on: bool, now: u64) {
        each!(self, p => Learning::set_learning(p, on, now))
    }
    fn cuts(&self) -> Vec<u64> {
        each!(self, p => p.cuts())
    }
    fn len(&self) -> usize {
        each!(self, p => Learning::len(p))
    }
    fn delays(&self) -> Option<(u16, u16)> {
        each!(self, p => p.delays())
    }
    fn bytes(&self) -> usize {
        each!(self, p => Learning::bytes(p))
    }
    fn append_weights(&self, out: &mut ProjectionWeights, offset: u32, now: i64, dt: f64) {
        each!(self, p => p.append_weights(out, offset, now, dt))
    }
    fn append_connections(&self, out: &mut Vec<Connection>, first_gid: u32, now: i64, dt: f64) {
        each!(self, p => p.append_connections(out, first_gid, now, dt))
    }
    fn astrocyte_trace(&self) -> Option<(usize, &[(u64, f64)])> {
        each!(self, p => Learning::astrocyte_trace(p))
    }
    fn astrocyte_now(&self) -> Option<(usize, f64)> {
        each!(self, p => Learning::astrocyte_now(p))
    }
}

impl Learning for PlasticProjection {
    fn projection(&self) -> usize {
        self.projection
    }
    fn begin_delivery(&mut self, spikes: &[Spike], now: u64) {
        self.note_modulator(spikes);
        self.note_astrocyte(spikes, now);
    }
    #[inline(always)]
    fn deliver_spike(&mut self, spike: &Spike, r: Rings<'_>) -> u64 {
        if !self.is_source(spike.sender) {
            return 0;
        }
        self.deliver(spike.sender, spike.step, r.base, r.n, r.slots, r.ex, r.inh)
    }
    #[inline]
    fn takes_spike(&self, sender: u32) -> bool {
        self.is_source(sender)
    }
    fn deliver_batch(
        &mut self,
        spikes: &[Spike],
        r: Rings<'_>,
        slot_of: impl Fn(u64) -> usize,
    ) -> u64 {
        self.deliver_many(spikes, r.n, r.slots, r.ex, r.inh, slot_of)
    }
    fn prefetch(&self, sender: u32) {
        self.prefetch_run(sender);
    }
    fn end_delivery(&mut self, _spikes: &[Spike], now: u64, _rings: Rings<'_>) -> u64 {
        self.maybe_flush(now);
        self.maybe_snapshot(now);
        0
    }
    fn note_post(&mut self, spiked: &[u32], step: u64) {
        PlasticProjection::note_post(self, spiked, step);
    }
    fn forget_activity(&mut self, now: u64) {
        PlasticProjection::forget_activity(self, now);
    }
    fn set_learning(&mut self, on: bool, now: u64) {
        PlasticProjection::set_learning(self, on, now);
    }
    fn cuts(&self) -> Vec<u64> {
        let mut cuts = vec![self.flush_every()];
        cuts.extend(self.snapshot_every());
        cuts.extend(self.scaling_every());
        cuts
    }
    fn len(&self) -> usize {
        PlasticProjection::len(self)
    }
    fn delays(&self) -> Option<(u16, u16)> {
        Some((self.min_delay()?, self.max_delay()))
    }
    fn bytes(&self) -> usize {
        PlasticProjection::bytes(self)
    }
    fn append_weights(&self, out: &mut ProjectionWeights, offset: u32, now: i64, dt: f64) {
        for (s, t, d) in self.synapses() {
            out.sources.push(s);
            out.targets.push(offset + t as u32);
            out.delays_ms.push(d as f64 * dt);
        }
        out.weights.extend(self.weights_at(now));
        if out.history.is_empty() {
            out.times_ms = self.snapshots.iter().map(|s| s.step as f64 * dt).collect();
            out.history = vec![Vec::new(); self.snapshots.len()];
        }
        for (row, snap) in out.history.iter_mut().zip(&self.snapshots) {
            row.extend_from_slice(&snap.weights);
        }
    }
    fn append_connections(&self, out: &mut Vec<Connection>, first_gid: u32, now: i64, dt: f64) {
        let w = self.weights_at(now);
        for ((s, t, d), w) in self.synapses().zip(w) {
            out.push((
                self.src_first_gid + s,
                first_gid + t as u32,
                w as f32,
                d as f64 * dt,
            ));
        }
    }
    fn set_weights(&mut self, weights: &[f64], now: u64) -> Result<(), String> {
        PlasticProjection::set_weights(self, now, weights)
    }
    fn check_weights(&self, weights: &[f64]) -> Result<(), String> {
        PlasticProjection::check_weights(self, weights)
    }
    fn astrocyte_trace(&self) -> Option<(usize, &[(u64, f64)])> {
        PlasticProjection::astrocyte_trace(self)
    }
    fn astrocyte_now(&self) -> Option<(usize, f64)> {
        let (i, _) = PlasticProjection::astrocyte_trace(self)?;
        Some((i, self.astrocyte_value()?))
    }
}

/// The methods every full-matrix projection (`dense.rs`) answers alike: its index, synapses,
/// delay and weights.
macro_rules! dense_matrix_methods {
    () => {
        fn projection(&self) -> usize {
            self.projection
        }
        fn len(&self) -> usize {
            self.dense.len()
        }
        fn delays(&self) -> Option<(u16, u16)> {
            dense_delays(&self.dense)
        }
        fn append_weights(&self, out: &mut ProjectionWeights, offset: u32, _now: i64, dt: f64) {
            self.dense.append_weights(out, offset, dt)
        }
        fn append_connections(
            &self,
            out: &mut Vec<Connection>,
            first_gid: u32,
            _now: i64,
            dt: f64,
        ) {
            self.dense.append_connections(out, first_gid, dt)
        }
    };
}

impl Learning for OjaProjection {
    dense_matrix_methods!();
    fn set_weights(&mut self, weights: &[f64], _now: u64) -> Result<(), String> {
        OjaProjection::set_weights(self, weights)
    }
    fn check_weights(&self, weights: &[f64]) -> Result<(), String> {
        OjaProjection::check_weights(self, weights)
    }
    fn end_delivery(&mut self, spikes: &[Spike], now: u64, r: Rings<'_>) -> u64 {
        self.deliver(spikes, now, r)
    }
    fn forget_activity(&mut self, _now: u64) {
        OjaProjection::forget_activity(self);
    }
    fn set_learning(&mut self, on: bool, _now: u64) {
        OjaProjection::set_learning(self, on);
    }
    fn cuts(&self) -> Vec<u64> {
        let mut cuts = vec![self.every()];
        cuts.extend(self.dense.snapshot_every());
        cuts
    }
    fn bytes(&self) -> usize {
        OjaProjection::bytes(self)
    }
}

/// A dense matrix's one delay, as the shortest and longest.
fn dense_delays(dense: &super::DenseWeights) -> Option<(u16, u16)> {
    let d = dense.delay() as u16;
    Some((d, d))
}

impl Learning for TempotronProjection {
    dense_matrix_methods!();
    fn set_weights(&mut self, weights: &[f64], _now: u64) -> Result<(), String> {
        TempotronProjection::set_weights(self, weights)
    }
    fn check_weights(&self, weights: &[f64]) -> Result<(), String> {
        TempotronProjection::check_weights(self, weights)
    }
    fn end_delivery(&mut self, spikes: &[Spike], now: u64, r: Rings<'_>) -> u64 {
        self.deliver(spikes, now, r)
    }
    fn watches_membrane(&self) -> bool {
        true
    }
    fn check_targets(&self, t: &TargetParams<'_>) -> Result<(), String> {
        super::tempotron_target(t.kind, t.population, t.params, t.dt).map(|_| ())
    }
    fn retarget(&mut self, t: &TargetParams<'_>) {
        let target = super::tempotron_target(t.kind, t.population, t.params, t.dt)
            .expect("checked by check_targets");
        self.set_target(target);
    }
    fn note_membrane(&mut self, v_m: &[f64], spiked: &[u32], step: u64) {
        TempotronProjection::note_membrane(self, v_m, spiked, step)
    }
    fn forget_activity(&mut self, _now: u64) {
        TempotronProjection::forget_activity(self);
    }
    fn set_learning(&mut self, on: bool, _now: u64) {
        TempotronProjection::set_learning(self, on);
    }
    fn cuts(&self) -> Vec<u64> {
        self.dense.snapshot_every().into_iter().collect()
    }
    fn bytes(&self) -> usize {
        TempotronProjection::bytes(self)
    }
}

impl Learning for DeltaProjection {
    dense_matrix_methods!();
    fn set_weights(&mut self, weights: &[f64], _now: u64) -> Result<(), String> {
        DeltaProjection::set_weights(self, weights)
    }
    fn check_weights(&self, weights: &[f64]) -> Result<(), String> {
        DeltaProjection::check_weights(self, weights)
    }
    fn end_delivery(&mut self, spikes: &[Spike], now: u64, r: Rings<'_>) -> u64 {
        self.deliver(spikes, now, r)
    }
    fn note_post(&mut self, spiked: &[u32], step: u64) {
        DeltaProjection::note_post(self, spiked, step)
    }
    fn forget_activity(&mut self, _now: u64) {
        DeltaProjection::forget_activity(self);
    }
    fn set_learning(&mut self, on: bool, _now: u64) {
        DeltaProjection::set_learning(self, on);
    }
    fn cuts(&self) -> Vec<u64> {
        self.dense.snapshot_every().into_iter().collect()
    }
    fn bytes(&self) -> usize {
        DeltaProjection::bytes(self)
    }
}
