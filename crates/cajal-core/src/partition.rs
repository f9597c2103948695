//! A partition: a fixed block of one population's neurons with everything that ends on them —
//! their state, input ring buffers, incoming plastic synapses, input devices and recorders
//! (their static synapses are stored with those of the other partitions of their group, see
//! [`deliver`]). Partitions never write to each other, so they advance in parallel without
//! locks.

use crate::input::{CurrentDrive, PoissonDrive};
use crate::neuron::Dynamics;
use crate::plasticity::{Learning, LearningProjection, Rings};
use crate::rng::Stream;
use crate::synapses::{Csr, Run, Synapse};

/// Neurons per block. A population is cut into blocks of this size; each block has its own
/// Poisson random stream, and spikes are exchanged in block order. A partition holds a whole
/// number of blocks (the last one of a population may be short), so the partition size can follow
/// the thread count while the results stay the same for any number of threads.
pub const BLOCK_SIZE: usize = 1024;

/// How many spikes ahead `deliver` prefetches synapse runs.
const PREFETCH_AHEAD: usize = 4;
/// How far ahead synapse runs are prefetched: the first bytes of a run [`PREFETCH_AHEAD`]
/// spikes ahead, then, as `deliver` walks it, the line this far ahead, one prefetch per line.
/// Left to the hardware prefetcher, every run (one per spike and partition, a few hundred
/// synapses on Brunel's network) began with misses until it recognised the stream. Measured on
/// Brunel (interleaved runs, medians): in-run prefetch at 512 bytes, 1 thread 2.32 -> 1.85 s,
/// 2 threads 1.23 -> 0.95 s; then the run's start fetched to the same depth (it was 256 bytes,
/// leaving a gap): 384, 512, 768, 1024 bytes gave 1.58, 1.56, 1.48, 1.61 s on 1 thread and
/// 0.98, 0.92, 0.87, 0.87 s on 2.
const RUN_PREFETCH_BYTES: usize = 768;

/// How many synapses ahead [`add_run`] prefetches the ring entry a synapse will add into. On a
/// large network a partition's rings are megabytes and a spike's synapses scatter over them, so
/// that nearly every addition waited for its entry; fetched this far ahead, many are on their
/// way at once. Measured on the full microcircuit (2 threads, 1 s, three alternating runs each,
/// simulate-time medians): none 6.75 s, 24 ahead 6.00, 48 ahead 5.47, 96 ahead 5.88, 160 ahead
/// 6.14 (BENCHMARKS.md). The compact stores (one weight per run) take another path: their
/// networks (Brunel, CUBA) have rings that fit in cache.
const RING_PREFETCH_AHEAD: usize = 48;

/// The ring buffer that input of this sign goes to: `ex` for excitatory input (`excitatory`),
/// else `inh`, unless `inh` is empty (the model keeps one ring for both kinds, see
/// [`crate::ModelKind::input_rings`]).
pub(crate) fn input_ring<'a>(
    ex: &'a mut [f64],
    inh: &'a mut [f64],
    excitatory: bool,
) -> &'a mut [f64] {
    if excitatory || inh.is_empty() {
        ex
    } else {
        inh
    }
}

/// Adds the weights of the synapses of `run` into the ring buffers, each at `index(synapse)`,
/// the excitatory (weight >= 0) into `ex`, the others into `inh`, or all into `ex` when `inh` is
/// empty (one ring); the run is prefetched [`RUN_PREFETCH_BYTES`] ahead as it is read.
#[inline(always)]
fn add_run(run: &[Synapse], ex: &mut [f64], inh: &mut [f64], index: impl Fn(&Synapse) -> usize) {
    let ahead = RING_PREFETCH_AHEAD;
    if inh.is_empty() {
        walk_ahead(run, ahead, |syn, next| {
            if let Some(a) = next {
                prefetch_entry(ex, index(a));
            }
            ex[index(syn)] += syn.weight as f64
        });
    } else {
        walk_ahead(run, ahead, |syn, next| {
            if let Some(a) = next {
                let ring: &[f64] = if a.weight >= 0.0 { ex } else { inh };
                prefetch_entry(ring, index(a));
            }
            let k = index(syn);
            let w = syn.weight as f64;
            if syn.weight >= 0.0 {
                ex[k] += w;
            } else {
                inh[k] += w;
            }
        });
    }
}

/// Hints the processor to fetch ring entry `k`.
#[inline(always)]
fn prefetch_entry(ring: &[f64], k: usize) {
    Csr::prefetch_ahead(ring, k, 0);
}

/// [`walk`], also handing `add` the element `ahead` places further on (if any).
#[inline(always)]
fn walk_ahead<T>(run: &[T], ahead: usize, mut add: impl FnMut(&T, Option<&T>)) {
    let per_line = 64 / std::mem::size_of::<T>().max(1);
    for (j, x) in run.iter().enumerate() {
        if j % per_line == 0 {
            Csr::prefetch_ahead(run, j, RUN_PREFETCH_BYTES);
        }
        add(x, if ahead > 0 { run.get(j + ahead) } else { None });
    }
}

/// Calls `add` on each element of `run`, prefetching [`RUN_PREFETCH_BYTES`] ahead once per
/// cache line.
#[inline(always)]
fn walk<T>(run: &[T], mut add: impl FnMut(&T)) {
    let per_line = 64 / std::mem::size_of::<T>().max(1);
    for (j, x) in run.iter().enumerate() {
        if j % per_line == 0 {
            Csr::prefetch_ahead(run, j, RUN_PREFETCH_BYTES);
        }
        add(x);
    }
}

/// Adds the synaptic input of `spikes` (all those emitted before step `now` and not yet
/// delivered) into the ring buffers of `parts`, consecutive partitions of a group whose static
/// synapses are `csr` (`parts[j]` is its partition `first + j`); plastic synapses are updated
/// on the way. Each partition receives the spikes in the same order, and each spike's static
/// input before its plastic input, whichever partitions are delivered together, so that
/// changes no sum.
pub fn deliver(parts: &mut [Partition], csr: &Csr, first: usize, spikes: &[Spike], now: u64) {
    debug_assert!(first + parts.len() <= csr.parts);
    let count = parts.len();
    for p in parts.iter_mut() {
        p.deliver_begin(spikes, now);
    }
    if parts.iter().any(|p| !p.learning.is_empty()) {
        // partition by partition (each receives the spikes in the same order as below), so
        // that a run of spikes that only plastic synapses of one projection take goes to it
        // at once
        for (j, p) in parts.iter_mut().enumerate() {
            if csr.receives[first + j] || !p.learning.is_empty() {
                p.deliver_all(spikes, csr, first + j);
            }
            p.deliver_end(spikes, now);
        }
        return;
    }
    // static synapses only: spike by spike, each spike to every partition
    for (i, sp) in spikes.iter().enumerate() {
        // The runs of successive spikes lie far apart: fetch the start of a later spike's run
        // while this one is delivered (with it, the default model simulates 1.5x faster).
        // (and, twice as far ahead, where a spike's run starts: that index is a miss too
        // once the neuron state has pushed it out of cache)
        if let Some(far) = spikes.get(i + 2 * PREFETCH_AHEAD) {
            csr.prefetch_index(far.sender, first);
        }
        if let Some(ahead) = spikes.get(i + PREFETCH_AHEAD) {
            csr.prefetch_run(ahead.sender, first..first + count, RUN_PREFETCH_BYTES);
        }
        for (j, p) in parts.iter_mut().enumerate() {
            let part = first + j;
            // (a partition that nothing ends on, such as spike generators', is passed over)
            if csr.receives[part] {
                p.deliver_spike(sp, csr.run(sp.sender, part), csr.uniform_delay[part]);
            }
        }
    }
    for p in parts.iter_mut() {
        p.deliver_end(spikes, now);
    }
}

/// The ring slot of step `step` (`step % slots`) from a delivery's `anchor`, (its step, that
/// step's slot), when the step lies within a ring's length before it (every spike of the
/// interval does).
#[inline]
fn slot_from(anchor: (u64, usize), slots: usize, step: u64) -> usize {
    let (now, at) = anchor;
    let back = now.wrapping_sub(step);
    if back <= at as u64 {
        at - back as usize
    } else if back < slots as u64 {
        at + slots - back as usize
    } else {
        (step % slots as u64) as usize
    }
}

/// A spike: the step in which it was emitted and the global id of its sender.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Spike {
    /// Step index (the spike is stamped at the end of this step).
    pub step: u64,
    /// Global neuron id.
    pub sender: u32,
}

/// Sampled state variables of chosen neurons.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct StateBuffer {
    /// Local indices of the sampled neurons.
    pub neurons: Vec<u32>,
    /// Variable names.
    pub variables: Vec<String>,
    /// Sampling interval in steps.
    pub interval: u64,
    /// Steps after which a sample was taken.
    pub steps: Vec<u64>,
    /// Per variable: for each sample, one value per sampled neuron.
    pub values: Vec<Vec<f64>>,
}

/// Per-neuron spike statistics kept for every neuron (count and ISI moments).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct SpikeStats {
    /// Spikes per neuron.
    pub count: Vec<u32>,
    /// Step of the last spike (valid when count > 0).
    pub last: Vec<u64>,
    /// Sum of ISIs (steps).
    pub isi_sum: Vec<f64>,
    /// Sum of squared ISIs (steps^2).
    pub isi_sq: Vec<f64>,
}

/// One block of neurons and all that ends on them.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Partition {
    /// Index of its population.
    pub population: usize,
    /// Index of its first neuron within the population.
    pub offset: u32,
    /// Global id of its first neuron.
    pub first_gid: u32,
    /// Neuron state.
    pub dynamics: Dynamics,
    /// Incoming learning projections (plastic synapses), in projection order.
    pub learning: Vec<LearningProjection>,
    /// Copies of static synapses whose weights are recorded (static too: not in checkpoints).
    #[serde(skip)]
    pub recorded_static: Vec<crate::simulation::RecordedStatic>,
    /// Ring buffer length in steps (longest delay + 1).
    pub slots: usize,
    /// Excitatory input per (slot, neuron): `slot * n + neuron`.
    pub ring_ex: Vec<f64>,
    /// Inhibitory input per (slot, neuron); empty when the model takes all input from `ring_ex`.
    pub ring_in: Vec<f64>,
    /// Poisson drives.
    pub poisson: Vec<PoissonDrive>,
    /// Injected currents.
    pub currents: Vec<CurrentDrive>,
    /// Scratch: summed current of the step (only when there are current drives).
    pub current: Vec<f64>,
    /// One random stream per block of the partition (Poisson input).
    pub rng: Vec<Stream>,
    /// Which neurons have their spikes recorded (empty: none).
    pub record_mask: Vec<bool>,
    /// Recorded spikes `(step, index in population)`.
    pub recorded: Vec<(u64, u32)>,
    /// Sampled state, if any.
    pub state: Option<StateBuffer>,
    /// Spike statistics of every neuron.
    pub stats: SpikeStats,
    /// Spikes emitted in the current interval, by block, then step, then neuron.
    pub out: Vec<Spike>,
    /// Per block: its spikes of the current interval, in step order (moved to `out`).
    block_out: Vec<Vec<Spike>>,
    /// Synaptic events delivered so far.
    pub events: u64,
    /// How the neurons' thresholds move, if they do.
    pub(crate) threshold: Option<crate::homeostasis::ThresholdRule>,
    /// The first non-finite state value found by the last check: variable, index, value.
    #[serde(skip)]
    pub(crate) non_finite: Option<(&'static str, usize, f64)>,
    /// The neurons' dynamic state as built, to which [`Partition::forget_activity`] returns
    /// (kept from the build, not saved: a restored simulation is built first).
    #[serde(skip)]
    pub(crate) built_state: Option<Dynamics>,
    /// Learning off: weights and thresholds stay as they are (a run setting, not saved).
    #[serde(skip)]
    pub(crate) frozen: bool,
    spiked: Vec<u32>,
    /// The step `now` of the delivery under way and its ring slot (`now % slots`): a spike's
    /// slot is found from it by a subtraction instead of a division (not saved).
    #[serde(skip)]
    slot_anchor: (u64, usize),
    /// While clamped: the spikes its neurons emit, `(step, neuron)` in order, instead of their
    /// own, and the next one's index (a run setting, not saved).
    #[serde(skip)]
    pub(crate) clamp: Option<(Vec<(u64, u32)>, usize)>,
}

impl Partition {
    /// A partition of `n` neurons; buffers are sized by [`Partition::finish`].
    pub fn new(
        population: usize,
        offset: u32,
        first_gid: u32,
        dynamics: Dynamics,
        n: usize,
        rng: Vec<Stream>,
    ) -> Self {
        Partition {
            population,
            offset,
            first_gid,
            dynamics,
            learning: Vec::new(),
            recorded_static: Vec::new(),
            slots: 1,
            ring_ex: Vec::new(),
            ring_in: Vec::new(),
            poisson: Vec::new(),
            currents: Vec::new(),
            current: Vec::new(),
            rng,
            record_mask: Vec::new(),
            recorded: Vec::new(),
            state: None,
            stats: SpikeStats {
                count: vec![0; n],
                last: vec![0; n],
                isi_sum: vec![0.0; n],
                isi_sq: vec![0.0; n],
            },
            out: Vec::new(),
            block_out: vec![Vec::new(); n.div_ceil(BLOCK_SIZE).max(1)],
            events: 0,
            threshold: None,
            non_finite: None,
            built_state: None,
            frozen: false,
            spiked: Vec::new(),
            slot_anchor: (0, 0),
            clamp: None,
        }
    }

    /// Number of neurons.
    pub fn len(&self) -> usize {
        self.stats.count.len()
    }

    /// Sizes the ring buffers for delays up to `max_delay` steps: `rings` of them (1: all input
    /// in `ring_ex`, see [`crate::ModelKind::input_rings`]).
    pub fn finish(&mut self, max_delay: usize, rings: usize) {
        self.slots = max_delay + 1;
        let n = self.len();
        self.ring_ex = vec![0.0; self.slots * n];
        self.ring_in = if rings == 1 {
            Vec::new()
        } else {
            vec![0.0; self.slots * n]
        };
        if !self.currents.is_empty() {
            self.current = vec![0.0; n];
        }
    }

    /// Keeps the neurons' present dynamic state as the one [`Partition::forget_activity`]
    /// returns to (sources keep none).
    pub(crate) fn remember_built_state(&mut self) {
        let source = matches!(
            self.dynamics,
            Dynamics::SpikeGenerator(_) | Dynamics::PoissonSource(_) | Dynamics::GammaSource(_)
        );
        self.built_state = (!source).then(|| self.dynamics.clone());
    }

    /// At the start of step `now`, with nothing in flight: the neurons return to their state
    /// as built (thresholds stay), the input rings are emptied and the learning projections
    /// apply what is pending and forget the activity (their weights stay).
    pub(crate) fn forget_activity(&mut self, now: u64) {
        if let Some(built) = &self.built_state {
            self.dynamics.restore_from(built);
        }
        self.ring_ex.fill(0.0);
        self.ring_in.fill(0.0);
        self.current.fill(0.0);
        for l in &mut self.learning {
            l.forget_activity(now);
        }
    }

    /// At the start of step `now`: turns learning off (`false`: weights and thresholds stay, every
    /// pending change applied first) or on again.
    pub(crate) fn set_learning(&mut self, on: bool, now: u64) {
        self.frozen = !on;
        for l in &mut self.learning {
            l.set_learning(on, now);
        }
    }

    /// Before a delivery of `spikes`: learning projections note what they need of them (a
    /// modulator's and an astrocyte's share).
    fn deliver_begin(&mut self, spikes: &[Spike], now: u64) {
        self.slot_anchor = (now, (now % self.slots as u64) as usize);
        for l in &mut self.learning {
            l.begin_delivery(spikes, now);
        }
    }

    /// The ring slot of step `step` (`step % slots`), found from the delivery's anchor when
    /// the step lies within a ring's length before it (every spike of the interval does).
    #[inline]
    fn slot_of(&self, step: u64) -> usize {
        slot_from(self.slot_anchor, self.slots, step)
    }

    /// The ring buffers, for a learning projection to add into.
    fn rings(&mut self) -> Rings<'_> {
        Rings {
            n: self.stats.count.len(),
            slots: self.slots,
            base: 0,
            ex: &mut self.ring_ex,
            inh: &mut self.ring_in,
        }
    }

    /// Adds the input of spike `sp` into the ring buffers: the static synapses of `run` (all of
    /// the sender's onto this partition; `uniform_delay`: their delay when it is the same for
    /// every static synapse of the partition), then the plastic ones, updated on the way.
    #[inline(always)]
    fn deliver_spike(&mut self, sp: &Spike, run: Run<'_>, uniform_delay: Option<u16>) {
        let n = self.len();
        let slots = self.slots;
        self.events += run.len() as u64;
        let base = self.slot_of(sp.step);
        let slot_of = |delay: u16| {
            let slot = base + delay as usize;
            if slot >= slots {
                slot - slots
            } else {
                slot
            }
        };
        // where a synapse's input goes: with one delay for the whole partition the ring row
        // is found once per spike, not once per synapse
        match (run, uniform_delay) {
            (
                Run::Shared {
                    targets,
                    weight,
                    delay,
                },
                _,
            ) => {
                // one weight: one ring, and the run is only its targets
                let row = slot_of(delay) * n;
                let ring = input_ring(&mut self.ring_ex, &mut self.ring_in, weight >= 0.0);
                let (ring, w) = (&mut ring[row..row + n], weight as f64);
                walk(targets, |&t| ring[t as usize] += w);
            }
            (Run::Full(run), Some(delay)) => {
                let row = slot_of(delay) * n;
                add_run(run, &mut self.ring_ex, &mut self.ring_in, |s| {
                    row + s.target as usize
                })
            }
            (Run::Full(run), None) => add_run(run, &mut self.ring_ex, &mut self.ring_in, |s| {
                slot_of(s.delay) * n + s.target as usize
            }),
        }
        for l in &mut self.learning {
            let rings = Rings {
                n,
                slots,
                base,
                ex: &mut self.ring_ex,
                inh: &mut self.ring_in,
            };
            self.events += l.deliver_spike(sp, rings);
        }
    }

    /// Delivers `spikes` in order, as [`Partition::deliver_spike`] does one by one (this is
    /// partition `part` of the group whose static synapses are `csr`); each run of consecutive
    /// spikes with no static synapse here whose senders are sources of one learning projection
    /// (and of no other) goes to that projection at once.
    fn deliver_all(&mut self, spikes: &[Spike], csr: &Csr, part: usize) {
        let (receives, uniform_delay) = (csr.receives[part], csr.uniform_delay[part]);
        let static_run = |sender: u32| {
            if receives {
                Some(csr.run(sender, part)).filter(|r| r.len() > 0)
            } else {
                None
            }
        };
        let mut i = 0;
        while i < spikes.len() {
            if let Some(ahead) = spikes.get(i + PREFETCH_AHEAD) {
                if receives {
                    csr.prefetch_run(ahead.sender, part..part + 1, RUN_PREFETCH_BYTES);
                }
                for l in &self.learning {
                    l.prefetch(ahead.sender);
                }
            }
            let sp = &spikes[i];
            let run = static_run(sp.sender);
            let taker = match run {
                Some(_) => None,
                None => self.sole_taker(sp.sender),
            };
            let Some(l) = taker else {
                match run {
                    Some(run) => self.deliver_spike(sp, run, uniform_delay),
                    None if self.learning.is_empty() => {}
                    None => self.deliver_spike(sp, Run::Full(&[]), uniform_delay),
                }
                i += 1;
                continue;
            };
            let alone = self.learning.len() == 1;
            let mut end = i + 1;
            while let Some(next) = spikes.get(end) {
                let taken = if alone {
                    self.learning[l].takes_spike(next.sender)
                } else {
                    self.sole_taker(next.sender) == Some(l)
                };
                if !taken || static_run(next.sender).is_some() {
                    break;
                }
                end += 1;
            }
            let (anchor, slots) = (self.slot_anchor, self.slots);
            let rings = Rings {
                n: self.len(),
                slots,
                base: 0,
                ex: &mut self.ring_ex,
                inh: &mut self.ring_in,
            };
            self.events += self.learning[l].deliver_batch(&spikes[i..end], rings, |step| {
                slot_from(anchor, slots, step)
            });
            i = end;
        }
    }

    /// The one learning projection of this partition that takes a spike of `sender`, if
    /// exactly one does.
    #[inline]
    fn sole_taker(&self, sender: u32) -> Option<usize> {
        let mut found = None;
        for (k, l) in self.learning.iter().enumerate() {
            if l.takes_spike(sender) {
                if found.is_some() {
                    return None;
                }
                found = Some(k);
            }
        }
        found
    }

    /// After a delivery of `spikes`: learning projections finish the interval's delivery
    /// (STDP flushes and snapshots when due; Oja's rule takes its input).
    fn deliver_end(&mut self, spikes: &[Spike], now: u64) {
        let mut learning = std::mem::take(&mut self.learning);
        for l in &mut learning {
            self.events += l.end_delivery(spikes, now, self.rings());
        }
        self.learning = learning;
    }

    /// Advances steps `from..to`; emitted spikes are appended to `out`, ordered by block, then
    /// step, then neuron (the same order for any partition size: delivery sums inputs in this
    /// order, and f32 weights summed in f64 are usually, not always, exact).
    pub fn advance(&mut self, from: u64, to: u64) {
        self.advance_steps(from, to);
        // each block's spikes were collected in (step, neuron) order; blocks follow one another
        for block in self.block_out.iter_mut() {
            self.out.append(block);
        }
    }

    /// Looks for NaN or infinities in `variables` of the state and keeps the first found in
    /// `non_finite` (called right after [`Partition::advance`], while the state is in cache).
    pub(crate) fn check_finite(&mut self, variables: &[&'static str]) {
        self.non_finite = crate::finite::first_non_finite(&self.dynamics, variables);
    }

    fn advance_steps(&mut self, from: u64, to: u64) {
        let n = self.len();
        let slots = self.slots as u64;
        // the ring slot of step k (k % slots), moved on by one each step: no division per step
        let mut slot = (from % slots) as usize;
        for k in from..to {
            for drive in &self.poisson {
                if k < drive.start || k >= drive.stop {
                    continue;
                }
                let mut slot = slot + drive.delay as usize;
                if slot >= self.slots {
                    slot %= self.slots;
                }
                let ring = input_ring(&mut self.ring_ex, &mut self.ring_in, drive.weight >= 0.0);
                let row = &mut ring[slot * n..(slot + 1) * n];
                match &drive.targets {
                    None => {
                        let draws = drive.sampler.row_draws(drive.weight);
                        for (block, rng) in row.chunks_mut(BLOCK_SIZE).zip(self.rng.iter_mut()) {
                            draws.add_to(rng, block);
                        }
                    }
                    Some(t) => {
                        for &i in t {
                            let c = drive.sampler.sample(&mut self.rng[i as usize / BLOCK_SIZE]);
                            row[i as usize] += c as f64 * drive.weight;
                        }
                    }
                }
            }
            let current = if self.currents.is_empty() {
                None
            } else {
                self.current.iter_mut().for_each(|c| *c = 0.0);
                for drive in &self.currents {
                    let a = drive.amplitude(k);
                    match &drive.targets {
                        None => self.current.iter_mut().for_each(|c| *c += a),
                        Some(t) => t.iter().for_each(|&i| self.current[i as usize] += a),
                    }
                }
                Some(&self.current[..])
            };
            let row = slot * n..(slot + 1) * n;
            self.spiked.clear();
            // reads this step's ring row(s) and leaves them zero
            let inh = if self.ring_in.is_empty() {
                &mut [][..]
            } else {
                &mut self.ring_in[row.clone()]
            };
            self.dynamics.step(
                k,
                &mut self.ring_ex[row],
                inh,
                current,
                &mut self.rng,
                &mut self.spiked,
            );
            if let Some((events, next)) = &mut self.clamp {
                // clamped: what the neurons emit is the schedule's, not their own
                self.spiked.clear();
                while let Some(&(step, i)) = events.get(*next) {
                    if step > k {
                        break;
                    }
                    if step == k {
                        self.spiked.push(i);
                    }
                    *next += 1;
                }
            }
            if let (Some(rule), false) = (&self.threshold, self.frozen) {
                let theta = self.dynamics.theta_mut().expect("checked at build");
                rule.step(theta, &self.spiked);
            }
            let dynamics = &self.dynamics;
            for l in &mut self.learning {
                l.note_post(&self.spiked, k);
                if l.watches_membrane() {
                    let v_m = dynamics.variable("V_m").unwrap_or(&[]);
                    l.note_membrane(v_m, &self.spiked, k);
                }
            }
            for &i in &self.spiked {
                let i = i as usize;
                let st = &mut self.stats;
                if st.count[i] > 0 {
                    let isi = (k - st.last[i]) as f64;
                    st.isi_sum[i] += isi;
                    st.isi_sq[i] += isi * isi;
                }
                st.count[i] += 1;
                st.last[i] = k;
                self.block_out[i / BLOCK_SIZE].push(Spike {
                    step: k,
                    sender: self.first_gid + i as u32,
                });
                if !self.record_mask.is_empty() && self.record_mask[i] {
                    self.recorded.push((k, self.offset + i as u32));
                }
            }
            if let Some(state) = &mut self.state {
                if (k + 1) % state.interval == 0 {
                    state.steps.push(k);
                    for (vi, name) in state.variables.iter().enumerate() {
                        let vals = self
                            .dynamics
                            .variable(name)
                            .expect("variable checked at build");
                        state.values[vi].extend(state.neurons.iter().map(|&i| vals[i as usize]));
                    }
                }
            }
            slot += 1;
            if slot == self.slots {
                slot = 0;
            }
        }
    }
}
