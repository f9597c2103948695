//! The plastic synapses of one projection onto one partition, with the state the event-driven
//! updates need: presynaptic traces per source, the spike history of each target neuron and, for
//! reward-modulated rules, the dopamine spikes.
//!
//! Time is counted in steps. A synapse has applied every postsynaptic event up to
//! `max(last spike of its source, flushed)`; the history holds what is still to be applied. At each
//! `flush` (every [`FLUSH_MS`] of biological time, at the same absolute times for any thread count
//! or run length), all synapses apply their pending postsynaptic events, so the history can be
//! pruned and memory stays bounded however rarely a source fires.

use super::rules::Depressor;
use super::rules::Rule;
use super::PlasticityDef;
use crate::homeostasis::AstrocyteState;

/// Interval of the flushes that bound the spike histories (ms of biological time).
pub const FLUSH_MS: f64 = 1000.0;

/// "Never spiked".
const NEVER: i64 = i64::MIN / 4;

/// A postsynaptic spike as the plastic synapses need it.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
struct PostEntry {
    /// Step of the spike.
    step: i64,
    /// o1 just after the spike.
    o1: f64,
    /// o2 just before the spike (triplet rule).
    o2_before: f64,
}

/// A dopamine release: step and the concentration just after it.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
struct DopaEntry {
    step: i64,
    n: f64,
}

/// Largest span, in eligibility time constants, over which the dopamine integral is used: its
/// rounding error grows like e^span (e^8 ≈ 3000 times the double precision); rules with a shorter
/// `tau_c` than this allows step release by release.
const MAX_INTEGRAL_SPAN: f64 = 8.0;

/// How much of a later spike's synapse arrays is prefetched.
const PREFETCH_BYTES: usize = 1024;

/// The dopamine-driven change of a reward-modulated synapse over a span with no postsynaptic
/// event inside, per unit of eligibility at the span's start.
#[derive(Clone, Copy, Debug)]
struct DopaSpan {
    /// `∫ e^{−(s − t1)/tau_c} n(s) ds` over the span.
    gain: f64,
    /// `b · tau_c · (1 − e^{−span/tau_c})`.
    baseline: f64,
    /// `e^{−span/tau_c}`: what is left of the eligibility at its end.
    keep: f64,
}

/// Weights of a projection at one time: synapses in the order of [`PlasticProjection::synapses`].
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WeightSnapshot {
    /// Step at whose start the weights hold (every event before it applied).
    pub step: u64,
    /// Weights with their sign.
    pub weights: Vec<f64>,
}

/// Plastic synapses of one projection ending on one partition.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PlasticProjection {
    /// Index of the projection in the network definition.
    pub projection: usize,
    rule: Rule,
    /// Global id of the first source neuron, and the number of sources.
    pub src_first_gid: u32,
    src_size: u32,
    /// `runs[s]..runs[s+1]`: the synapses of source `s` (index within its population).
    runs: Vec<u32>,
    target: Vec<u16>,
    delay: Vec<u16>,
    /// Weight magnitudes.
    weight: Vec<f64>,
    /// Eligibility traces (reward-modulated rules only).
    elig: Vec<f64>,
    sign: f64,
    /// Per source: step of its last spike, r1 and r2 just after it.
    last: Vec<i64>,
    r1: Vec<f64>,
    r2: Vec<f64>,
    /// Per target neuron: its spikes still needed.
    history: Vec<Vec<PostEntry>>,
    /// Per target neuron: step of its newest spike and o1 just after it (the history's last
    /// entry, kept flat so that the common case never touches the history).
    post_last: Vec<i64>,
    post_o1: Vec<f64>,
    /// Every postsynaptic event at or before this step has been applied to every synapse.
    flushed: i64,
    max_delay: i64,
    /// Modulator population (global ids) and its releases.
    modulator: Option<(u32, u32)>,
    dopa: Vec<DopaEntry>,
    /// Reward-modulated rules: element `i` is `∫ e^{−(s − flushed)/tau_c} n(s) ds` from step
    /// `flushed` to step `flushed + i` (ms), so that a synapse whose target is silent from t1 to
    /// t2 gains its dopamine-driven change from two elements, however many releases lie between.
    /// Anchored at the last flush; rebuilt from `dopa` when needed (never saved).
    #[serde(skip)]
    dopa_integral: Vec<f64>,
    /// Scratch: release steps of the spikes being delivered.
    releases: Vec<i64>,
    flush_every: i64,
    /// Snapshot interval (steps), if the weights are recorded over time.
    snapshot_every: Option<u64>,
    /// Weight snapshots taken so far.
    pub snapshots: Vec<WeightSnapshot>,
    /// Synaptic scaling: target sum of magnitudes per target neuron, interval (steps).
    scaling: Option<(f64, i64)>,
    /// Step at whose start the last scaling was applied.
    scaled_at: i64,
    /// The astrocyte that sets the depression rate, if any.
    astrocyte: Option<AstrocyteState>,
    /// Scratch of dense runs (not saved).
    #[serde(skip)]
    dense: DenseScratch,
    /// Learning off: the weights only carry input (a run setting, not saved).
    #[serde(skip)]
    frozen: bool,
}

/// The additive update of an all-to-all run at a presynaptic event by the traces `o1`
/// (depression, or symmetric STDP's potentiation: [`Depressor::apply`], so the same bits as every
/// other path: no FMA, which Rust never contracts to on its own), each new weight added into the
/// ring row `row` as it is made; compiled for AVX2 as well. `depress` is one of the two
/// additive kinds ([`fused`]).
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn depress_and_deliver(w: &mut [f64], o1: &[f64], row: &mut [f64], depress: Depressor, sign: f64) {
    // one loop per kind, each with its constants known (no match per synapse)
    match depress {
        Depressor::Additive { c } => {
            let depress = Depressor::Additive { c };
            for ((w, &o), r) in w.iter_mut().zip(o1).zip(row.iter_mut()) {
                *w = depress.apply(*w, o, 0.0);
                *r += sign * *w;
            }
        }
        Depressor::SymmetricAdditive { c, w_max } => {
            let depress = Depressor::SymmetricAdditive { c, w_max };
            for ((w, &o), r) in w.iter_mut().zip(o1).zip(row.iter_mut()) {
                *w = depress.apply(*w, o, 0.0);
                *r += sign * *w;
            }
        }
        _ => unreachable!("only the additive kinds are fused"),
    }
}

/// Whether `depress` is one of the kinds [`depress_and_deliver`] fuses with delivery (no
/// exponent, no second trace).
fn fused(depress: Depressor) -> bool {
    matches!(
        depress,
        Depressor::Additive { .. } | Depressor::SymmetricAdditive { .. }
    )
}

/// The postsynaptic traces at step `td` of the targets `touched` (those that have fired: every
/// other target's stays 0), whose newest spike was at `last` with trace `o1` after it, into
/// `out`, where that spike is at most 4095 steps back (`low`, `high`:
/// [`super::rules::Decay::near_tables`], so the bits of `o1 * over(td − last)`); 0 for a target
/// that fired after `td`. Returns false if some target fired longer ago (the caller then takes
/// the general expression).
fn near_traces(
    out: &mut [f64],
    touched: &[u32],
    last: &[i64],
    o1: &[f64],
    td: i64,
    low: &[f64; 64],
    high: &[f64; 64],
) -> bool {
    let mut all_near = true;
    for &i in touched {
        let i = i as usize;
        let l = last[i];
        // as unsigned: a spike after `td` is far
        let k = td.wrapping_sub(l) as u64;
        let near = k < 4096;
        let k = (k & 4095) as usize;
        let value = o1[i] * (low[k & 63] * high[k >> 6]);
        out[i] = if near { value } else { 0.0 };
        all_near &= near | (l > td);
    }
    all_near
}

/// Adds each row of `weight` (rows of `n`, source-major) into `sums`, target by target, in row
/// order (the order of the general path, so the same bits); compiled for AVX2 as well.
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn row_sums(weight: &[f64], n: usize, sums: &mut [f64]) {
    for row in weight.chunks_exact(n) {
        for (s, &w) in sums.iter_mut().zip(row) {
            *s += w;
        }
    }
}

/// Multiplies each row of `weight` by the targets' `factors` and clips to `[lo, hi]`, where the
/// target's sum is positive (a select, not a branch: the loop vectorises; the same values as
/// the branch); compiled for AVX2 as well.
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn scale_rows(weight: &mut [f64], factors: &[f64], sums: &[f64], lo: f64, hi: f64) {
    for row in weight.chunks_exact_mut(factors.len()) {
        for ((w, &f), &sum) in row.iter_mut().zip(factors).zip(sums) {
            let scaled = (*w * f).clamp(lo, hi);
            *w = if sum > 0.0 { scaled } else { *w };
        }
    }
}

/// A partition's ring of one sign, with the slot of the spike being delivered.
struct Rings1<'a> {
    ring: &'a mut [f64],
    base: usize,
    n: usize,
    slots: usize,
}

/// For runs that reach most targets with one delay (an input layer all-to-all onto its
/// neurons): the postsynaptic trace of every target as a presynaptic event arriving at step `at`
/// sees it, computed once for all the spikes of a step instead of once per synapse. Holds for the
/// targets whose newest spike is not after `at`; cleared when a target spikes.
#[derive(Clone, Debug, Default)]
struct DenseScratch {
    /// Set up (after a build or a restore, on first use).
    ready: bool,
    /// The delay of every synapse, when they share one.
    uniform_delay: Option<u16>,
    /// Every source reaches every target once, in target order (all to all): a source's run is
    /// the targets `0..n` and needs no gather.
    complete: bool,
    /// Scratch: synapses of a run done the general way, and their new magnitudes.
    fix: Vec<(usize, f64)>,
    /// The postsynaptic spikes still in the histories, `(step, target)` in time order: the
    /// targets that fired since a step, found without a look at every target.
    recent: Vec<(i64, u32)>,
    /// The arrival step the traces are for.
    at: Option<i64>,
    /// Per target: `o1` at `at` (0 for a target that has not fired).
    o1: Vec<f64>,
    /// The targets that have fired (since the build or the last forgetting), each once: the
    /// only ones whose `o1` is not 0.
    touched: Vec<u32>,
    /// Scratch of a flush: the targets that may have something pending.
    fired: Vec<usize>,
    /// Scratch of a flush: one target's postsynaptic events `(step reaching the synapses, o2)`.
    column: Vec<(i64, f64)>,
}

impl PlasticProjection {
    /// Takes from `built` (the same projection just built from the network) what the network
    /// defines and a checkpoint does not hold.
    pub(crate) fn adopt_definition(&mut self, built: &PlasticProjection) {
        self.rule.zero_lag_depresses = built.rule.zero_lag_depresses;
    }

    /// Plastic synapses `(source index, local target, weight, delay steps)` in drawing order.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        projection: usize,
        def: &PlasticityDef,
        dt: f64,
        src_first_gid: u32,
        src_size: u32,
        n_targets: usize,
        synapses: &[(u32, u16, f32, u16)],
        modulator: Option<(u32, u32)>,
    ) -> PlasticProjection {
        let mut runs = vec![0u32; src_size as usize + 1];
        for s in synapses {
            runs[s.0 as usize + 1] += 1;
        }
        for i in 0..src_size as usize {
            runs[i + 1] += runs[i];
        }
        let mut fill = runs.clone();
        let n = synapses.len();
        let (mut target, mut delay, mut weight) = (vec![0u16; n], vec![0u16; n], vec![0.0; n]);
        for s in synapses {
            let k = &mut fill[s.0 as usize];
            target[*k as usize] = s.1;
            weight[*k as usize] = (s.2 as f64).abs();
            delay[*k as usize] = s.3;
            *k += 1;
        }
        let rule = Rule::new(def, dt);
        PlasticProjection {
            projection,
            elig: if rule.is_dopamine() {
                vec![0.0; n]
            } else {
                Vec::new()
            },
            rule,
            src_first_gid,
            src_size,
            runs,
            max_delay: delay.iter().copied().max().unwrap_or(1) as i64,
            target,
            delay,
            weight,
            sign: if def.w_max() < 0.0 { -1.0 } else { 1.0 },
            last: vec![NEVER; src_size as usize],
            r1: vec![0.0; src_size as usize],
            r2: vec![0.0; src_size as usize],
            history: vec![Vec::new(); n_targets],
            post_last: vec![NEVER; n_targets],
            post_o1: vec![0.0; n_targets],
            flushed: -1,
            modulator,
            dopa: Vec::new(),
            dopa_integral: Vec::new(),
            releases: Vec::new(),
            flush_every: ((FLUSH_MS / dt).round() as i64).max(1),
            snapshot_every: None,
            snapshots: Vec::new(),
            scaling: None,
            scaled_at: -1,
            astrocyte: None,
            dense: DenseScratch::default(),
            frozen: false,
        }
    }

    /// Scales each target neuron's incoming weight magnitudes to sum to `target` every `steps`
    /// steps (at step 0 too).
    pub fn scale_every(&mut self, target: f64, steps: u64) {
        self.scaling = Some((target, steps.max(1) as i64));
    }

    /// The scaling interval (steps), if scaled.
    pub fn scaling_every(&self) -> Option<u64> {
        self.scaling.map(|(_, e)| e as u64)
    }

    /// Lets `astrocyte` set the depression rate (pair STDP).
    pub(crate) fn set_astrocyte(&mut self, astrocyte: AstrocyteState) {
        self.astrocyte = Some(astrocyte);
    }

    /// The index of the attached astrocyte and its value over time `(step, A)`, sampled every
    /// millisecond, if one is attached.
    pub fn astrocyte_trace(&self) -> Option<(usize, &[(u64, f64)])> {
        self.astrocyte.as_ref().map(|a| (a.index, &a.trace[..]))
    }

    /// The astrocyte's value now, if one is attached.
    pub fn astrocyte_value(&self) -> Option<f64> {
        self.astrocyte.as_ref().map(|a| a.current())
    }

    /// Takes in the spikes of the steps before `now` not yet seen, for the astrocyte.
    pub fn note_astrocyte(&mut self, spikes: &[crate::partition::Spike], now: u64) {
        if let Some(a) = &mut self.astrocyte {
            a.advance(spikes, now);
        }
    }

    /// The snapshot interval (steps), if recorded over time.
    pub fn snapshot_every(&self) -> Option<u64> {
        self.snapshot_every
    }

    /// Takes a weight snapshot every `steps` steps (at step 0 too).
    pub fn record_every(&mut self, steps: u64) {
        self.snapshot_every = Some(steps.max(1));
    }

    /// At the start of step `now` (spikes before it delivered): a snapshot if one is due.
    pub fn maybe_snapshot(&mut self, now: u64) {
        let Some(every) = self.snapshot_every else {
            return;
        };
        if !now.is_multiple_of(every) || self.snapshots.last().is_some_and(|s| s.step == now) {
            return;
        }
        let weights = self.weights_at(now as i64 - 1);
        self.snapshots.push(WeightSnapshot { step: now, weights });
    }

    /// Number of synapses.
    pub fn len(&self) -> usize {
        self.weight.len()
    }

    /// True when it has no synapses.
    pub fn is_empty(&self) -> bool {
        self.weight.is_empty()
    }

    /// Longest delay (steps).
    pub fn max_delay(&self) -> u16 {
        self.max_delay as u16
    }

    /// Shortest delay (steps), if any synapse.
    pub fn min_delay(&self) -> Option<u16> {
        self.delay.iter().copied().min()
    }

    /// Steps between flushes; the run loop ends intervals at multiples of it.
    pub fn flush_every(&self) -> u64 {
        self.flush_every as u64
    }

    /// Every synapse as `(source index, local target, delay steps)`, grouped by source.
    pub fn synapses(&self) -> impl Iterator<Item = (u32, u16, u16)> + '_ {
        (0..self.src_size).flat_map(move |s| {
            let (a, b) = (self.runs[s as usize], self.runs[s as usize + 1]);
            (a..b).map(move |k| (s, self.target[k as usize], self.delay[k as usize]))
        })
    }

    /// Bytes held (synapses, traces, histories).
    pub fn bytes(&self) -> usize {
        self.weight.len() * 12
            + self.elig.len() * 8
            + self.runs.len() * 4
            + self.last.len() * 24
            + self
                .history
                .iter()
                .map(|h| h.capacity() * 24 + 24)
                .sum::<usize>()
    }

    /// Records dopamine releases among `spikes` (`(step, sender gid)`, any order).
    pub fn note_modulator(&mut self, spikes: &[crate::partition::Spike]) {
        // frozen, releases change nothing (and are forgotten when learning resumes)
        let (Some((first, size)), false) = (self.modulator, self.frozen) else {
            return;
        };
        let mut steps = std::mem::take(&mut self.releases);
        steps.clear();
        steps.extend(
            spikes
                .iter()
                .filter(|s| s.sender.wrapping_sub(first) < size)
                .map(|s| s.step as i64),
        );
        steps.sort_unstable();
        let tau_n = match self.rule.kind {
            super::RuleKind::Dopamine { tau_n, .. } => tau_n,
            _ => unreachable!("modulator only for dopamine"),
        };
        for &t in &steps {
            let before = self.dopamine_at(t);
            // releases at one step add up in one entry
            match self.dopa.last_mut() {
                Some(e) if e.step == t => e.n += 1.0 / tau_n,
                _ => self.dopa.push(DopaEntry {
                    step: t,
                    n: before + 1.0 / tau_n,
                }),
            }
        }
        self.releases = steps;
    }

    /// Dopamine concentration at step `t`, releases at `t` included.
    fn dopamine_at(&self, t: i64) -> f64 {
        let i = self.dopa.partition_point(|e| e.step <= t);
        if i == 0 {
            return 0.0;
        }
        let e = self.dopa[i - 1];
        e.n * self
            .rule
            .dopa
            .as_ref()
            .expect("dopamine rule")
            .over(t - e.step)
    }

    /// Records the spikes of target neurons `spiked` (local indices) emitted at step `k`.
    pub fn note_post(&mut self, spiked: &[u32], k: u64) {
        if self.frozen {
            return;
        }
        if !spiked.is_empty() {
            self.dense.at = None;
        }
        let k = k as i64;
        for &i in spiked {
            let h = &mut self.history[i as usize];
            let (o1, o2) = match h.last() {
                Some(e) => (
                    e.o1 * self.rule.post1.over(k - e.step),
                    match &self.rule.post2 {
                        Some(d) => self.rule.bump(e.o2_before) * d.over(k - e.step),
                        None => 0.0,
                    },
                ),
                None => (0.0, 0.0),
            };
            h.push(PostEntry {
                step: k,
                o1: self.rule.bump(o1),
                o2_before: o2,
            });
            if self.dense.ready {
                self.dense.recent.push((k, i));
                if self.post_last[i as usize] == NEVER {
                    self.dense.touched.push(i);
                }
            }
            self.post_last[i as usize] = k;
            self.post_o1[i as usize] = self.rule.bump(o1);
        }
    }

    /// Weight magnitude and eligibility of synapse `k` (of source `s`) after every postsynaptic
    /// event and dopamine release up to step `until`, without changing anything.
    #[inline]
    fn settle(&self, k: usize, s: usize, until: i64) -> (f64, f64) {
        let (u, c, _) = self.settle_window(k, s, until);
        (u, c)
    }

    /// [`Self::settle`], also returning how many history entries of the target lie at or before
    /// `until − d` (the ones the synapse has seen by then; `usize::MAX` when all of them are).
    #[inline(always)]
    fn settle_window(&self, k: usize, s: usize, until: i64) -> (f64, f64, usize) {
        let rule = &self.rule;
        let mut u = self.weight[k];
        let mut c = if self.elig.is_empty() {
            0.0
        } else {
            self.elig[k]
        };
        let t_last = self.last[s];
        let start = t_last.max(self.flushed);
        let d = self.delay[k] as i64;
        let i = self.target[k] as usize;
        // nothing pending (the common case): the history is not needed
        if !rule.is_dopamine() && self.post_last[i] <= start - d {
            return (u, c, usize::MAX);
        }
        let h = &self.history[i];
        // histories are short and the entries wanted are the newest: scan from the end
        let mut b = h.len();
        while b > 0 && h[b - 1].step > until - d {
            b -= 1;
        }
        let mut a = b;
        while a > 0 && h[a - 1].step > start - d {
            a -= 1;
        }
        if !rule.is_dopamine() {
            if t_last != NEVER {
                let r1 = self.r1[s];
                for e in &h[a..b] {
                    let te = e.step + d;
                    u = rule.potentiate(u, r1 * rule.pre1.over(te - t_last), e.o2_before);
                }
            }
            return (u, c, b);
        }
        // reward-modulated: span by span between the target's spikes from the dopamine integral,
        // unless a bound may be reached between two releases
        if self.integral_covers(until) {
            if let Some((u, c)) = self.settle_by_integral(u, c, s, start, until, &h[a..b], d) {
                return (u, c, b);
            }
        }
        // otherwise integrate between events, in time order (releases first at a tie)
        let mut t = start;
        let mut n = self.dopamine_at(t);
        let ndecay = rule.dopa.as_ref().expect("dopamine rule");
        let mut di = self.dopa.partition_point(|e| e.step <= start);
        let mut pi = a;
        loop {
            let next_post = (pi < b).then(|| h[pi].step + d);
            let next_dopa = self.dopa.get(di).map(|e| e.step).filter(|&s| s <= until);
            let (te, is_dopa) = match (next_post, next_dopa) {
                (None, None) => break,
                (Some(p), Some(q)) if q <= p => (q, true),
                (Some(p), _) => (p, false),
                (None, Some(q)) => (q, true),
            };
            (u, c) = rule.integrate(u, c, n, te - t);
            n *= ndecay.over(te - t);
            t = te;
            if is_dopa {
                n = self.dopa[di].n;
                di += 1;
            } else {
                if t_last != NEVER {
                    c = rule.elig_post(c, self.r1[s] * rule.pre1.over(te - t_last));
                }
                pi += 1;
            }
        }
        (u, c) = rule.integrate(u, c, n, until - t);
        (u, c, b)
    }

    /// Reward-modulated synapse with magnitude `u` and eligibility `c` at `start`, brought to
    /// `until` through its target's spikes `posts` (seen with delay `d`) by the dopamine integral;
    /// `None` when a bound may be reached inside a span, where NEST's clipping at each release
    /// would give a different weight.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn settle_by_integral(
        &self,
        mut u: f64,
        mut c: f64,
        s: usize,
        start: i64,
        until: i64,
        posts: &[PostEntry],
        d: i64,
    ) -> Option<(f64, f64)> {
        let t_last = self.last[s];
        let mut t0 = start;
        for e in posts {
            let te = e.step + d;
            (u, c) = self.apply_span(&self.dopa_span(t0, te), u, c)?;
            if t_last != NEVER {
                c = self
                    .rule
                    .elig_post(c, self.r1[s] * self.rule.pre1.over(te - t_last));
            }
            t0 = te;
        }
        self.apply_span(&self.dopa_span(t0, until), u, c)
    }

    /// Extends the dopamine integral to step `upto` (every release before it known); false when
    /// the rule is not reward-modulated or its `tau_c` is too short for the integral.
    fn extend_dopamine_integral(&mut self, upto: i64) -> bool {
        let Some((tau_c, _, step_weight)) = self.rule.dopamine_integral_constants() else {
            return false;
        };
        if self.flush_every as f64 * self.rule.dt > MAX_INTEGRAL_SPAN * tau_c {
            return false;
        }
        let mut q = std::mem::take(&mut self.dopa_integral);
        if q.is_empty() {
            q.push(0.0);
        }
        let decay = self.rule.elig.as_ref().expect("dopamine rule");
        while self.flushed + (q.len() as i64) - 1 < upto {
            let i = q.len() - 1;
            let n = self.dopamine_at(self.flushed + i as i64);
            q.push(q[i] + n * decay.over(i as i64) * step_weight);
        }
        self.dopa_integral = q;
        true
    }

    /// True when the dopamine integral reaches step `until`.
    #[inline]
    fn integral_covers(&self, until: i64) -> bool {
        until - self.flushed < self.dopa_integral.len() as i64
    }

    /// The dopamine-driven change over steps `t1..t2` (both covered by the integral).
    #[inline]
    fn dopa_span(&self, t1: i64, t2: i64) -> DopaSpan {
        let (tau_c, b, _) = self
            .rule
            .dopamine_integral_constants()
            .expect("dopamine rule");
        let decay = self.rule.elig.as_ref().expect("dopamine rule");
        let (i1, i2) = ((t1 - self.flushed) as usize, (t2 - self.flushed) as usize);
        let q = &self.dopa_integral;
        let keep = decay.over(t2 - t1);
        DopaSpan {
            gain: (q[i2] - q[i1]) / decay.over(i1 as i64),
            baseline: b * tau_c * (1.0 - keep),
            keep,
        }
    }

    /// Magnitude and eligibility after `span`, starting from `u` and `c`; `None` when the weight
    /// may cross a bound inside the span without ending beyond it (possible only with a
    /// baseline `b`, when the change can reverse between releases).
    #[inline(always)]
    fn apply_span(&self, span: &DopaSpan, u: f64, c: f64) -> Option<(f64, f64)> {
        let (lo, hi) = (self.rule.w_min, self.rule.w_max);
        let (up, down) = (c * span.gain, c * span.baseline);
        let end = u + up - down;
        if span.baseline == 0.0 {
            // one sign throughout: clipping at the end equals clipping at every release
            return Some((end.clamp(lo, hi), c * span.keep));
        }
        let highest = u + up.max(0.0) + (-down).max(0.0);
        let lowest = u + up.min(0.0) + (-down).min(0.0);
        (lowest >= lo && highest <= hi).then_some((end, c * span.keep))
    }

    /// The postsynaptic trace o1 of local neuron `i` just before step `t` (at `t`, with a spike
    /// at `t` in it, when pairings at zero lag depress), given that its first `upto` history
    /// entries are those at or before `t`. Every path of a presynaptic event whose target's
    /// newest spike is at `t` comes here.
    #[inline]
    fn o1_before(&self, i: usize, t: i64, upto: usize) -> f64 {
        let last = self.post_last[i];
        let zero_lag = self.rule.zero_lag_depresses;
        if last < t || (zero_lag && last == t) {
            // the newest spike is before t (no spike yet: o1 is 0)
            return if last == NEVER {
                0.0
            } else {
                self.post_o1[i] * self.rule.post1.over(t - last)
            };
        }
        let h = &self.history[i];
        let mut j = upto.min(h.len());
        if !zero_lag && j > 0 && h[j - 1].step == t {
            j -= 1;
        }
        if j == 0 {
            return 0.0;
        }
        let e = h[j - 1];
        e.o1 * self.rule.post1.over(t - e.step)
    }

    /// Delivers a spike of global neuron `sender` emitted at step `t`: updates every synapse it
    /// makes here (pending postsynaptic events first, then the presynaptic event) and adds the new
    /// weights into the input rings (`slot * n + target`); `base` is the slot of step `t`.
    #[allow(clippy::too_many_arguments)]
    pub fn deliver(
        &mut self,
        sender: u32,
        t: u64,
        base: usize,
        n: usize,
        slots: usize,
        ring_ex: &mut [f64],
        ring_in: &mut [f64],
    ) -> u64 {
        let s = (sender - self.src_first_gid) as usize;
        let t = t as i64;
        let (a, b) = (self.runs[s] as usize, self.runs[s + 1] as usize);
        let t_last = self.last[s];
        let r2_before = self.r2_before(s, t, t_last);
        let ring = crate::partition::input_ring(ring_ex, ring_in, self.sign >= 0.0);
        debug_assert_eq!(base, t as usize % slots);
        if self.frozen {
            // (sets up the dense scratch on first use: a network frozen from the start)
            self.dense_delay(b - a);
            self.add_inputs(a, b, base, n, slots, ring);
            return (b - a) as u64;
        }
        // a negative A depresses nothing
        let astro_rate = self.astrocyte.as_ref().map(|a| a.at(t).max(0.0));
        let delivered = if self.rule.is_dopamine() {
            self.eligibility_run(a, b, s, t);
            false
        } else {
            let ring = Rings1 {
                ring: &mut *ring,
                base,
                n,
                slots,
            };
            self.depress_run(a, b, s, t, r2_before, astro_rate, ring)
        };
        // otherwise the inputs in a second pass: independent scattered adds can overlap their
        // cache misses, which the update chain above would serialise
        if !delivered {
            self.add_inputs(a, b, base, n, slots, ring);
        }
        self.note_pre(s, t, t_last, r2_before);
        (b - a) as u64
    }

    /// The second presynaptic trace of source `s` just before its spike at `t` (0 for rules
    /// without one); `t_last`: its spike before.
    #[inline]
    fn r2_before(&self, s: usize, t: i64, t_last: i64) -> f64 {
        match (&self.rule.pre2, t_last) {
            (Some(dx), l) if l != NEVER => self.r2[s] * dx.over(t - l),
            _ => 0.0,
        }
    }

    /// Source `s`'s traces and last spike after its spike at `t` (`t_last`: its spike before).
    #[inline(always)]
    fn note_pre(&mut self, s: usize, t: i64, t_last: i64, r2_before: f64) {
        let rule = &self.rule;
        let r1_before = if t_last == NEVER {
            0.0
        } else {
            self.r1[s] * rule.pre1.over(t - t_last)
        };
        self.r1[s] = rule.bump(r1_before);
        self.r2[s] = rule.bump(r2_before);
        self.last[s] = t;
    }

    /// The fused case of an all-to-all run `a..b` with delay `d` (traces of the step ready in
    /// the dense scratch, nothing pending): each synapse updated by `depress` and its new weight
    /// added into the ring row `d` steps after `rings.base`, in target order.
    #[inline]
    fn fused_pass(&mut self, a: usize, b: usize, d: i64, depress: Depressor, rings: Rings1<'_>) {
        let mut slot = rings.base + d as usize;
        if slot >= rings.slots {
            slot -= rings.slots;
        }
        let row = &mut rings.ring[slot * rings.n..slot * rings.n + (b - a)];
        depress_and_deliver(
            &mut self.weight[a..b],
            &self.dense.o1,
            row,
            depress,
            self.sign,
        );
    }

    /// All to all with one delay `d`, an additive update at presynaptic events (depression or
    /// symmetric potentiation), learning, no dopamine and no astrocyte: the case in which a
    /// presynaptic event with nothing pending is one fused pass over its row (`Some((d, the
    /// update))`).
    fn quick_dense(&mut self) -> Option<(i64, Depressor)> {
        if self.frozen || self.rule.is_dopamine() || self.astrocyte.is_some() {
            return None;
        }
        let d = self.dense_delay(self.post_last.len())?;
        let depress = self.rule.depressor();
        (self.dense.complete && fused(depress)).then_some((d, depress))
    }

    /// True when a target fired after `floor` or at `td` (its newest spike): a presynaptic event
    /// arriving at `td` of a source whose events are settled to `floor + d` finds it pending or
    /// takes a trace the quick case would not.
    #[inline]
    fn fired_since(&self, floor: i64, td: i64) -> bool {
        for &(step, i) in self.dense.recent.iter().rev() {
            if step <= floor && step < td {
                return false;
            }
            if self.post_last[i as usize] == step {
                return true;
            }
        }
        false
    }

    /// [`PlasticProjection::deliver`] of each of `spikes` in order, all of whose senders are
    /// sources (`slot_of`: a spike's ring slot from its step).
    pub(crate) fn deliver_many(
        &mut self,
        spikes: &[crate::partition::Spike],
        n: usize,
        slots: usize,
        ring_ex: &mut [f64],
        ring_in: &mut [f64],
        slot_of: impl Fn(u64) -> usize,
    ) -> u64 {
        let quick = self.quick_dense();
        let mut events = 0;
        for sp in spikes {
            debug_assert!(self.is_source(sp.sender));
            let base = slot_of(sp.step);
            if let Some((d, depress)) = quick {
                // `depress_run`'s fused case, found once for the whole batch
                let s = (sp.sender - self.src_first_gid) as usize;
                let t = sp.step as i64;
                let (td, t_last) = (t - d, self.last[s]);
                if !self.fired_since(t_last.max(self.flushed) - d, td) {
                    self.dense_traces(td);
                    let (a, b) = (self.runs[s] as usize, self.runs[s + 1] as usize);
                    let ring = crate::partition::input_ring(ring_ex, ring_in, self.sign >= 0.0);
                    let rings = Rings1 {
                        ring,
                        base,
                        n,
                        slots,
                    };
                    self.fused_pass(a, b, d, depress, rings);
                    let r2_before = self.r2_before(s, t, t_last);
                    self.note_pre(s, t, t_last, r2_before);
                    events += (b - a) as u64;
                    continue;
                }
            }
            events += self.deliver(sp.sender, sp.step, base, n, slots, ring_ex, ring_in);
        }
        events
    }

    /// Adds the weights of synapses `a..b` into the rings, each at its delay from slot `base`:
    /// all to all with one delay (the dense scratch set up), one row without a gather; else
    /// [`Self::scatter`]. The same additions in the same order either way.
    #[inline]
    fn add_inputs(
        &self,
        a: usize,
        b: usize,
        base: usize,
        n: usize,
        slots: usize,
        ring: &mut [f64],
    ) {
        if let (true, true, Some(d)) = (
            self.dense.ready,
            self.dense.complete,
            self.dense.uniform_delay,
        ) {
            let mut slot = base + d as usize;
            if slot >= slots {
                slot -= slots;
            }
            let row = &mut ring[slot * n..slot * n + (b - a)];
            for (r, &w) in row.iter_mut().zip(&self.weight[a..b]) {
                *r += self.sign * w;
            }
        } else {
            self.scatter(a, b, base, n, slots, ring);
        }
    }

    /// Adds the weights of synapses `a..b` into the rings, each at its delay from slot `base`.
    fn scatter(&self, a: usize, b: usize, base: usize, n: usize, slots: usize, ring: &mut [f64]) {
        for k in a..b {
            let mut slot = base + self.delay[k] as usize;
            if slot >= slots {
                slot -= slots;
            }
            ring[slot * n + self.target[k] as usize] += self.sign * self.weight[k];
        }
    }

    /// Asks the cache for the start of `sender`'s synapses and its traces (a later spike's),
    /// while the current one is delivered.
    #[inline]
    pub fn prefetch_run(&self, sender: u32) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let s = sender.wrapping_sub(self.src_first_gid) as usize;
            if s >= self.src_size as usize {
                return;
            }
            let a = self.runs[s] as usize;
            let b = self.runs[s + 1] as usize;
            let lines = |p: *const i8, bytes: usize| {
                for off in (0..bytes.min(PREFETCH_BYTES)).step_by(64) {
                    // SAFETY: `p + off` lies inside the slice it was taken from; prefetching
                    // never faults.
                    #[allow(unused_unsafe)]
                    unsafe {
                        _mm_prefetch(p.add(off), _MM_HINT_T0)
                    };
                }
            };
            if self.dense.ready && self.dense.complete && self.elig.is_empty() {
                // an all-to-all run reads only its weights, in order, which the hardware
                // prefetcher follows (prefetching them cost 2-3 % of Diehl & Cook's training)
                return;
            }
            lines(self.weight[a..b].as_ptr() as *const i8, (b - a) * 8);
            if !self.elig.is_empty() {
                lines(self.elig[a..b].as_ptr() as *const i8, (b - a) * 8);
            }
            lines(self.target[a..b].as_ptr() as *const i8, (b - a) * 2);
            lines(self.delay[a..b].as_ptr() as *const i8, (b - a) * 2);
            lines(self.last[s..].as_ptr() as *const i8, 8);
            lines(self.r1[s..].as_ptr() as *const i8, 8);
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = sender;
    }

    /// The presynaptic event at step `t` on synapses `a..b` of source `s` for reward-modulated
    /// rules: every synapse is brought to `t` (dopamine integrated) and its eligibility changes.
    #[inline(never)]
    fn eligibility_run(&mut self, a: usize, b: usize, s: usize, t: i64) {
        let start = self.last[s].max(self.flushed);
        // the span of a synapse whose target has not fired since: the same for all of them
        let whole = self
            .extend_dopamine_integral(t)
            .then(|| self.dopa_span(start, t));
        let a_minus = match self.rule.kind {
            super::RuleKind::Dopamine { a_minus, .. } => a_minus,
            _ => unreachable!("eligibility only for dopamine"),
        };
        for k in a..b {
            let i = self.target[k] as usize;
            let d = self.delay[k] as i64;
            let last = self.post_last[i];
            // the common case in a tight loop: nothing pending, one span, the newest spike's o1
            let quick = self.settle_silent(&whole, k, start).map(|(u, c)| {
                let o1 = if last == NEVER {
                    0.0
                } else {
                    self.post_o1[i] * self.rule.post1.over(t - d - last)
                };
                (u, c, o1)
            });
            let (u, c, o1) = match quick {
                Some(v) => v,
                None => self.settle_for_pre(k, s, t),
            };
            self.elig[k] = c - a_minus * o1;
            self.weight[k] = u;
        }
    }

    /// Reward-modulated synapse `k` across `whole` (the span from `start`, its source's last spike
    /// or the flush) when its target has not fired since: the common case, which needs no
    /// history; `None` otherwise, or when a bound may be reached inside the span.
    #[inline(always)]
    fn settle_silent(&self, whole: &Option<DopaSpan>, k: usize, start: i64) -> Option<(f64, f64)> {
        let span = whole.as_ref()?;
        if self.post_last[self.target[k] as usize] > start - self.delay[k] as i64 {
            return None;
        }
        self.apply_span(span, self.weight[k], self.elig[k])
    }

    /// Reward-modulated synapse `k` of source `s` brought to `t` the general way, with the
    /// postsynaptic trace its presynaptic event at `t` sees: `(u, c, o1)`.
    #[inline(never)]
    fn settle_for_pre(&self, k: usize, s: usize, t: i64) -> (f64, f64, f64) {
        let (u, c, seen) = self.settle_window(k, s, t);
        let o1 = self.o1_before(self.target[k] as usize, t - self.delay[k] as i64, seen);
        (u, c, o1)
    }

    /// The presynaptic event at step `t` on synapses `a..b` of source `s` for the rules without
    /// eligibility: a tight loop whose common case (no postsynaptic event pending, the target's
    /// newest spike before `t − d`) reads no history.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn depress_run(
        &mut self,
        a: usize,
        b: usize,
        s: usize,
        t: i64,
        r2_before: f64,
        astro_rate: Option<f64>,
        rings: Rings1<'_>,
    ) -> bool {
        let start = self.last[s].max(self.flushed);
        if let (Some(d), None) = (self.dense_delay(b - a), astro_rate) {
            let td = t - d;
            self.dense_traces(td);
            let depress = self.rule.depressor();
            if self.dense.complete {
                // all to all: the synapses whose target fired since this source's last event
                // the general way first, their new values kept aside; then every synapse as in
                // the quick case, in target order, without a gather or a branch; then those few
                // values put back (each synapse's arithmetic is the one below: the same bits)
                let mut fix = std::mem::take(&mut self.dense.fix);
                fix.clear();
                // the targets that fired after `start − d` or at `td` (whose trace the quick
                // case would take with that spike in it), each once (at its newest spike)
                for &(step, i) in self.dense.recent.iter().rev() {
                    if step <= start - d && step < td {
                        break;
                    }
                    let i = i as usize;
                    if self.post_last[i] == step {
                        let (u, o1) = self.settle_pending(a + i, s, t, td);
                        fix.push((a + i, depress.apply(u, o1, r2_before)));
                    }
                }
                let o1 = &self.dense.o1;
                let w = &mut self.weight[a..b];
                if fix.is_empty() && fused(depress) {
                    // nothing to fix: each new weight goes into the ring row as it is made (the
                    // additions of `add_inputs`, in its order)
                    self.dense.fix = fix;
                    self.fused_pass(a, b, d, depress, rings);
                    return true;
                }
                match depress {
                    Depressor::Additive { c } => {
                        for (w, &o) in w.iter_mut().zip(o1) {
                            *w = (*w - c * 1.0 * o).max(0.0);
                        }
                    }
                    Depressor::SymmetricAdditive { c, w_max } => {
                        for (w, &o) in w.iter_mut().zip(o1) {
                            *w = (*w + c * 1.0 * o).min(w_max);
                        }
                    }
                    _ => {
                        for (w, &o) in w.iter_mut().zip(o1) {
                            *w = depress.apply(*w, o, r2_before);
                        }
                    }
                }
                for &(k, v) in &fix {
                    self.weight[k] = v;
                }
                self.dense.fix = fix;
                return false;
            }
            for k in a..b {
                let i = self.target[k] as usize;
                // as below, with the trace of the quick case computed once per step
                let (u, o1) = if self.post_last[i] <= start - d && self.post_last[i] < td {
                    (self.weight[k], self.dense.o1[i])
                } else {
                    self.settle_pending(k, s, t, td)
                };
                self.weight[k] = depress.apply(u, o1, r2_before);
            }
            return false;
        }
        for k in a..b {
            let d = self.delay[k] as i64;
            let i = self.target[k] as usize;
            let last = self.post_last[i];
            let td = t - d;
            // nothing pending means the newest postsynaptic spike is before t − d
            let (u, o1) = if last <= start - d && last < td {
                let o1 = if last == NEVER {
                    0.0
                } else {
                    self.post_o1[i] * self.rule.post1.over(td - last)
                };
                (self.weight[k], o1)
            } else {
                let (u, _, seen) = self.settle_window(k, s, t);
                (u, self.o1_before(i, td, seen))
            };
            self.weight[k] = match astro_rate {
                Some(rate) => self.rule.depress_at_rate(u, o1, rate),
                None => self.rule.depress(u, o1, r2_before),
            };
        }
        false
    }

    /// Synapse `k` (of source `s`) whose target fired since the source's last event: its
    /// magnitude with those postsynaptic events applied, and the trace its presynaptic event at
    /// `t` (arriving at `td`) sees. Kept out of line, so that the loop of the common case keeps
    /// its values in registers.
    #[cold]
    #[inline(never)]
    fn settle_pending(&self, k: usize, s: usize, t: i64, td: i64) -> (f64, f64) {
        let (u, _, seen) = self.settle_window(k, s, t);
        (u, self.o1_before(self.target[k] as usize, td, seen))
    }

    /// The shared delay (steps) when a run of `len` synapses is dense enough (at least half the
    /// targets) for [`DenseScratch`] to pay, and every synapse has that delay.
    #[inline]
    fn dense_delay(&mut self, len: usize) -> Option<i64> {
        if !self.dense.ready {
            self.dense.ready = true;
            let first = self.delay.first().copied();
            self.dense.uniform_delay = first.filter(|&d| self.delay.iter().all(|&x| x == d));
            let n = self.post_last.len();
            // every source's run starts at s·n and holds the targets 0..n in order
            self.dense.complete = n > 0
                && self.target.len() == n * self.src_size as usize
                && self
                    .runs
                    .iter()
                    .enumerate()
                    .all(|(s, &r)| r as usize == s * n)
                && self
                    .target
                    .chunks(n)
                    .all(|run| run.iter().enumerate().all(|(j, &t)| t as usize == j));
            self.dense.o1 = vec![0.0; n];
            self.dense.touched = (0..n as u32)
                .filter(|&i| self.post_last[i as usize] != NEVER)
                .collect();
            self.dense.at = None;
            let mut recent: Vec<(i64, u32)> = self
                .history
                .iter()
                .enumerate()
                .flat_map(|(i, h)| h.iter().map(move |e| (e.step, i as u32)))
                .collect();
            recent.sort_unstable();
            self.dense.recent = recent;
        }
        let d = self.dense.uniform_delay?;
        (2 * len >= self.post_last.len()).then_some(d as i64)
    }

    /// Fills [`DenseScratch::o1`] for arrivals at step `td`, unless it holds them already: the
    /// quick case's `o1` of each target whose newest spike is not after `td` (the same
    /// expression, so the same bits).
    fn dense_traces(&mut self, td: i64) {
        if self.dense.at == Some(td) {
            return;
        }
        let (low, high) = self.rule.post1.near_tables();
        if near_traces(
            &mut self.dense.o1,
            &self.dense.touched,
            &self.post_last,
            &self.post_o1,
            td,
            low,
            high,
        ) {
            self.dense.at = Some(td);
            return;
        }
        for ((o, &last), &o1) in self
            .dense
            .o1
            .iter_mut()
            .zip(&self.post_last)
            .zip(&self.post_o1)
        {
            *o = if last == NEVER || last > td {
                0.0
            } else {
                o1 * self.rule.post1.over(td - last)
            };
        }
        self.dense.at = Some(td);
    }

    /// True when `sender` is one of this projection's sources.
    #[inline]
    pub fn is_source(&self, sender: u32) -> bool {
        sender.wrapping_sub(self.src_first_gid) < self.src_size
    }

    /// At the start of step `now` (every spike before it delivered): if a flush time has passed,
    /// applies every pending event up to it and prunes the histories.
    pub fn maybe_flush(&mut self, now: u64) {
        if self.frozen {
            return;
        }
        let now = now as i64;
        let scale = self
            .scaling
            .filter(|&(_, every)| now % every == 0 && self.scaled_at != now);
        // all to all with one delay: the postsynaptic events are applied column by column after
        // every interval that has some (see `flush_columns`), so that a presynaptic event finds
        // pending only those that reach its synapses within its own interval
        let eager = self.dense.ready
            && self.dense.complete
            && self.dense.uniform_delay.is_some()
            && !self.rule.is_dopamine()
            && self.astrocyte.is_none();
        let until = now - 1;
        let flush = until > self.flushed
            && (now % self.flush_every == 0 || (eager && self.pending_until(until)));
        if !flush && scale.is_none() {
            return;
        }
        if until > self.flushed {
            self.flush_until(until);
        }
        if let Some((target, _)) = scale {
            self.scale_to(target);
            self.scaled_at = now;
        }
    }

    /// True when a postsynaptic event reaches its synapses after the last flush and by step
    /// `until` (all to all with one delay: a look at the newest spikes).
    fn pending_until(&self, until: i64) -> bool {
        let d = self.dense.uniform_delay.unwrap_or(0) as i64;
        self.dense
            .recent
            .iter()
            .rev()
            .take_while(|&&(step, _)| step + d > self.flushed)
            .any(|&(step, _)| step + d <= until)
    }

    /// Multiplies each target's incoming magnitudes so that they sum to `target` (all events
    /// applied), then clips them to the bounds.
    #[inline(never)]
    fn scale_to(&mut self, target: f64) {
        let n = self.history.len();
        let mut sums = vec![0.0f64; n];
        // all to all: row by row (each target's sum in the same order as below, so the same bits)
        let complete = self.dense.ready && self.dense.complete && n > 0;
        if complete {
            row_sums(&self.weight, n, &mut sums);
        } else {
            for (k, &i) in self.target.iter().enumerate() {
                sums[i as usize] += self.weight[k];
            }
        }
        let (lo, hi) = (self.rule.w_min, self.rule.w_max);
        // each target's factor once (the same division as per synapse); 0 where nothing scales
        let factors: Vec<f64> = sums
            .iter()
            .map(|&sum| if sum > 0.0 { target / sum } else { 0.0 })
            .collect();
        if complete {
            scale_rows(&mut self.weight, &factors, &sums, lo, hi);
        } else {
            for (k, &i) in self.target.iter().enumerate() {
                if sums[i as usize] > 0.0 {
                    self.weight[k] = (self.weight[k] * factors[i as usize]).clamp(lo, hi);
                }
            }
        }
    }

    /// Applies every pending event up to step `until` and prunes the histories.
    #[inline(never)]
    fn flush_until(&mut self, until: i64) {
        let integral = self.extend_dopamine_integral(until);
        let dopamine = self.rule.is_dopamine();
        let n = self.post_last.len();
        if !dopamine && self.dense.ready && self.dense.complete {
            // all to all (synapse `s·n + i`): only targets whose newest spike is after
            // `flushed − max_delay` can have anything pending (`start − delay` is never below
            // it); each synapse settles exactly as below, so the bits are the same
            let floor = self.flushed - self.max_delay;
            let mut fired = std::mem::take(&mut self.dense.fired);
            fired.clear();
            // (only targets that have fired can: the others' newest spike is NEVER; each
            // target's synapses are its own, so the order of the targets changes nothing)
            fired.extend(
                self.dense
                    .touched
                    .iter()
                    .map(|&i| i as usize)
                    .filter(|&i| self.post_last[i] > floor),
            );
            if let (false, Some(d)) = (fired.is_empty(), self.dense.uniform_delay) {
                self.flush_columns(&fired, d as i64, until);
            } else if !fired.is_empty() {
                for s in 0..self.src_size as usize {
                    let start = self.last[s].max(self.flushed);
                    for &i in &fired {
                        let k = s * n + i;
                        if self.post_last[i] > start - self.delay[k] as i64 {
                            self.weight[k] = self.settle(k, s, until).0;
                        }
                    }
                }
            }
            self.dense.fired = fired;
            self.finish_flush(until);
            return;
        }
        for s in 0..self.src_size as usize {
            let start = self.last[s].max(self.flushed);
            if !dopamine {
                // a synapse whose target has not fired since its source's last event has
                // nothing pending (`settle_window`'s first case): only the others change
                for k in self.runs[s] as usize..self.runs[s + 1] as usize {
                    let i = self.target[k] as usize;
                    if self.post_last[i] > start - self.delay[k] as i64 {
                        self.weight[k] = self.settle(k, s, until).0;
                    }
                }
                continue;
            }
            // as in `eligibility_run`: one span for the synapses whose target has been silent
            let whole = integral.then(|| self.dopa_span(start, until));
            for k in self.runs[s] as usize..self.runs[s + 1] as usize {
                let (u, c) = self
                    .settle_silent(&whole, k, start)
                    .unwrap_or_else(|| self.settle(k, s, until));
                self.weight[k] = u;
                if !self.elig.is_empty() {
                    self.elig[k] = c;
                }
            }
        }
        self.finish_flush(until);
    }

    /// All to all with one delay `d`: the postsynaptic events of targets `fired` that reach
    /// their synapses after the last flush and by `until`, applied target by target to every
    /// source's synapse that has not seen them (those after the source's last presynaptic
    /// event) — the updates of [`Self::settle_window`], in the same order for each synapse, so
    /// the same bits, without a look into the history per synapse.
    fn flush_columns(&mut self, fired: &[usize], d: i64, until: i64) {
        let n = self.post_last.len();
        let mut events = std::mem::take(&mut self.dense.column);
        for &i in fired {
            events.clear();
            events.extend(
                self.history[i]
                    .iter()
                    .map(|e| (e.step + d, e.o2_before))
                    .filter(|&(te, _)| te > self.flushed && te <= until),
            );
            if events.is_empty() {
                continue;
            }
            let rule = &self.rule;
            for (s, (&t_last, &r1)) in self.last.iter().zip(&self.r1).enumerate() {
                if t_last == NEVER {
                    continue;
                }
                let w = &mut self.weight[s * n + i];
                let mut u = *w;
                for &(te, o2) in events.iter().filter(|&&(te, _)| te > t_last) {
                    u = rule.potentiate(u, r1 * rule.pre1.over(te - t_last), o2);
                }
                *w = u;
            }
        }
        self.dense.column = events;
    }

    /// After the weights are flushed up to `until`: the cut of the histories.
    fn finish_flush(&mut self, until: i64) {
        self.flushed = until;
        // the integral is anchored at the flush
        self.dopa_integral.clear();
        // keep the spikes from the cut on, and the newest before it as the anchor of the
        // traces (a later presynaptic event looks at `flushed − delay` at the earliest: at a
        // spike there, which its trace leaves out, and the one before)
        let cut = until - self.max_delay;
        let old = self.dense.recent.partition_point(|e| e.0 < cut);
        self.dense.recent.drain(..old);
        let prune = |h: &mut Vec<PostEntry>| {
            let j = h.partition_point(|e| e.step < cut);
            if j > 1 {
                h.drain(..j - 1);
            }
        };
        if self.dense.ready && !self.dense.o1.is_empty() {
            // the histories of targets that have not fired are empty
            for &i in &self.dense.touched {
                prune(&mut self.history[i as usize]);
            }
        } else {
            self.history.iter_mut().for_each(prune);
        }
        let j = self.dopa.partition_point(|e| e.step <= until);
        if j > 1 {
            self.dopa.drain(..j - 1);
        }
    }

    /// At the start of step `now` (every spike before it delivered): applies every pending event
    /// (potentiation by past postsynaptic spikes, dopamine), then forgets the activity: no
    /// presynaptic or postsynaptic spike, trace, eligibility or dopamine release is remembered,
    /// as after an infinitely long silence. Weights, the scaling schedule and the astrocyte stay.
    /// A postsynaptic spike within a delay of `now` has not reached its synapses yet: like a
    /// spike in flight, it is forgotten without its effect.
    pub fn forget_activity(&mut self, now: u64) {
        let until = now as i64 - 1;
        if until > self.flushed {
            self.flush_until(until);
        }
        self.flushed = self.flushed.max(until);
        self.last.fill(NEVER);
        self.r1.fill(0.0);
        self.r2.fill(0.0);
        self.elig.fill(0.0);
        for h in &mut self.history {
            h.clear();
        }
        self.post_last.fill(NEVER);
        self.post_o1.fill(0.0);
        for &i in &self.dense.touched {
            if let Some(o) = self.dense.o1.get_mut(i as usize) {
                *o = 0.0;
            }
        }
        self.dense.touched.clear();
        self.dopa.clear();
        self.dopa_integral.clear();
        self.releases.clear();
        self.dense.at = None;
        self.dense.recent.clear();
    }

    /// At the start of step `now`: learning off (`false`: every pending change applied and the
    /// activity forgotten, then spikes only carry the weights as they stand: no trace, no
    /// change, no scaling) or on again, from silence.
    pub fn set_learning(&mut self, on: bool, now: u64) {
        if self.frozen != on {
            return;
        }
        self.forget_activity(now);
        self.frozen = !on;
    }

    /// Sets every weight (with its sign, in the order of [`PlasticProjection::synapses`]) at the
    /// start of step `now`, every change pending before it applied first; traces and spike
    /// histories stay. Refused, changing nothing, when a weight has the other sign or lies outside
    /// the rule's bounds.
    pub fn set_weights(&mut self, now: u64, weights: &[f64]) -> Result<(), String> {
        self.check_weights(weights)?;
        let until = now as i64 - 1;
        if !self.frozen && until > self.flushed {
            self.flush_until(until);
        }
        for (dst, &w) in self.weight.iter_mut().zip(weights) {
            *dst = w * self.sign;
        }
        Ok(())
    }

    /// Whether [`PlasticProjection::set_weights`] would take `weights` (sign and bounds).
    pub fn check_weights(&self, weights: &[f64]) -> Result<(), String> {
        let (lo, hi) = (self.rule.w_min, self.rule.w_max);
        for (k, &w) in weights.iter().enumerate() {
            let m = w * self.sign;
            if !(m.is_finite() && m >= lo && m <= hi) {
                let (a, b) = if self.sign >= 0.0 {
                    (lo, hi)
                } else {
                    (-hi, -lo)
                };
                return Err(format!(
                    "weight {k} is {w}; this projection's rule allows weights from {a} to {b}"
                ));
            }
        }
        Ok(())
    }

    /// Weights (with sign) as they stand after every event up to and including step `at`, which
    /// must be at or after the last delivered spike. Nothing is changed.
    pub fn weights_at(&self, at: i64) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.weight.len());
        for s in 0..self.src_size as usize {
            for k in self.runs[s] as usize..self.runs[s + 1] as usize {
                out.push(self.sign * self.settle(k, s, at).0);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plasticity::Pairing;
    use rand::{Rng, SeedableRng};

    /// The traces of the targets that fired give the bits of the general expression wherever
    /// they answer (a spike up to 4095 steps back), 0 for targets that have not fired or fire
    /// later, and decline (false) when a target fired longer ago.
    #[test]
    fn near_traces_are_the_general_expression() {
        let decay = super::super::rules::Decay::new(33.7, 0.1);
        let (low, high) = decay.near_tables();
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let td = 10_000i64;
        let last: Vec<i64> = (0..400)
            .map(|k| match k % 4 {
                0 => NEVER,
                1 => td + rng.random_range(1..50),
                _ => td - rng.random_range(0..4096),
            })
            .collect();
        let o1: Vec<f64> = (0..400).map(|_| rng.random_range(0.0..3.0)).collect();
        let mut out = vec![0.0; 400];
        let touched: Vec<u32> = (0..400).filter(|&i| last[i as usize] != NEVER).collect();
        assert!(near_traces(&mut out, &touched, &last, &o1, td, low, high));
        for ((&o, &l), &x) in out.iter().zip(&last).zip(&o1) {
            let general = if l == NEVER || l > td {
                0.0
            } else {
                x * decay.over(td - l)
            };
            assert_eq!(o.to_bits(), general.to_bits(), "last {l}");
        }
        let mut far = last.clone();
        far[7] = td - 4096;
        assert!(!near_traces(&mut out, &touched, &far, &o1, td, low, high));
    }

    /// The all-to-all fast paths (traces computed once per step, runs without a gather, one ring
    /// row) give the same bits as the general per-synapse path, for each kind of rule without
    /// eligibility, through random pre and post spikes, flushes and a forgetting.
    #[test]
    fn dense_paths_give_the_bits_of_the_general_path() {
        let rules = [
            PlasticityDef::Stdp {
                tau_plus: 16.8,
                tau_minus: 33.7,
                lambda: 0.01,
                alpha: 1.2,
                mu_plus: 0.0,
                mu_minus: 0.0,
                w_max: 1.0,
                pairing: Pairing::AllToAll,
                symmetric: false,
                zero_lag: Default::default(),
            },
            PlasticityDef::Stdp {
                tau_plus: 20.0,
                tau_minus: 20.0,
                lambda: 0.02,
                alpha: 0.5,
                mu_plus: 0.4,
                mu_minus: 0.4,
                w_max: 2.0,
                pairing: Pairing::Nearest,
                symmetric: false,
                zero_lag: Default::default(),
            },
            PlasticityDef::Stdp {
                tau_plus: 20.0,
                tau_minus: 20.0,
                lambda: 0.02,
                alpha: 1.0,
                mu_plus: 1.0,
                mu_minus: 1.0,
                w_max: 1.0,
                pairing: Pairing::AllToAll,
                symmetric: true,
                zero_lag: Default::default(),
            },
            // symmetric and additive (sym-STDP's): fused with delivery
            PlasticityDef::Stdp {
                tau_plus: 20.0,
                tau_minus: 20.0,
                lambda: 0.02,
                alpha: 1.0,
                mu_plus: 0.0,
                mu_minus: 0.0,
                w_max: 1.0,
                pairing: Pairing::Nearest,
                symmetric: true,
                zero_lag: Default::default(),
            },
        ];
        let (src, n, delay, slots) = (20u32, 30usize, 5u16, 8usize);
        let all: Vec<(u32, u16, f32, u16)> = (0..src)
            .flat_map(|s| (0..n as u16).map(move |t| (s, t, 0.1 + 0.02 * (t % 7) as f32, delay)))
            .collect();
        // and runs with holes: one shared delay, traces once per step, a gather
        let holes: Vec<_> = all
            .iter()
            .copied()
            .filter(|s| !(s.0 + s.1 as u32).is_multiple_of(7))
            .collect();
        // and multapses that look all to all chunk by chunk: source 0 reaches every target
        // twice, source 1 none (the runs do not start at s·n)
        let doubled: Vec<_> = all
            .iter()
            .copied()
            .map(|s| if s.0 == 1 { (0, s.1, s.2, s.3) } else { s })
            .collect();
        let mut doubled = doubled;
        doubled.sort_by_key(|s| s.0);
        for (rule, synapses) in rules
            .iter()
            .flat_map(|r| [(r, &all), (r, &holes), (r, &doubled)])
        {
            let fast = PlasticProjection::new(0, rule, 0.1, 0, src, n, synapses, None);
            let initial = fast.weights_at(0);
            let mut general = fast.clone();
            general.dense.ready = true; // set up: not all to all, no shared delay
                                        // the general path, the fast one, and one restored from a checkpoint midway (its
                                        // scratch set up again from the state), each with its rings
            let mut runs = vec![
                (general, vec![0.0; slots * n]),
                (fast, vec![0.0; slots * n]),
            ];
            let mut rng = rand_pcg::Pcg64::seed_from_u64(5);
            for step in 0..3000u64 {
                if step == 1234 {
                    let (mut r, ring) = runs[1].clone();
                    r.dense = DenseScratch::default();
                    runs.push((r, ring));
                }
                let mut senders: Vec<u32> =
                    (0..src).filter(|_| rng.random::<f64>() < 0.02).collect();
                // now and then a source spikes twice in a step (a generator given a time twice)
                if let (Some(&s0), true) = (senders.first(), rng.random::<f64>() < 0.2) {
                    senders.push(s0);
                }
                let spiked: Vec<u32> = (0..n as u32)
                    .filter(|_| rng.random::<f64>() < 0.01)
                    .collect();
                for (p, ring) in &mut runs {
                    if step == 1700 {
                        p.forget_activity(step);
                    }
                    p.maybe_flush(step);
                    for &sender in &senders {
                        p.deliver(sender, step, step as usize % slots, n, slots, ring, &mut []);
                    }
                    p.note_post(&spiked, step);
                }
            }
            let (general, ring_g) = &runs[0];
            for (p, ring) in &runs[1..] {
                assert_eq!(p.dense.complete, std::ptr::eq(synapses, &all));
                assert_eq!(p.dense.uniform_delay, Some(delay));
                assert_eq!(p.weights_at(3000), general.weights_at(3000), "{rule:?}");
                assert_eq!(ring, ring_g);
            }
            assert_ne!(general.weights_at(3000), initial, "nothing learned");
        }
    }
}
