//! Neuron models with NEST's names, parameters, defaults and units.
//!
//! A population's state lives in one [`Dynamics`] value: one contiguous vector per state
//! variable (structure of arrays). The model is dispatched once per population per step, never per
//! neuron.

mod adaptive;
mod alpha;
mod hh;
mod iaf_psc;
mod kernels;
mod nonlinear;
pub mod params;
pub mod propagators;
mod segment;

pub use alpha::{AeifCondAlpha, AlphaConductances, IafCondAlpha};
pub use hh::HhCondExpTraub;
pub use iaf_psc::{IafPscAlpha, IafPscDelta, IafPscExp};
pub use nonlinear::{AeifCondExp, IafCondExp, Izhikevich};
pub use params::{ParamError, ParamInfo, Params};
pub use segment::DendriticSegment;

use std::collections::BTreeMap;

/// The injected current of neuron `i` in this step (pA), zero without current inputs.
#[inline]
pub(crate) fn current(cur: Option<&[f64]>, i: usize) -> f64 {
    match cur {
        Some(c) => c[i],
        None => 0.0,
    }
}

/// The neuron models Cajal simulates, and the spike source `spike_generator`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ModelKind {
    /// Leaky integrate-and-fire, delta synapses (voltage jumps), exact integration.
    IafPscDelta,
    /// Leaky integrate-and-fire, exponential current synapses, exact integration.
    IafPscExp,
    /// Leaky integrate-and-fire, alpha current synapses, exact integration.
    IafPscAlpha,
    /// Leaky integrate-and-fire, exponential conductances, RK4.
    IafCondExp,
    /// Adaptive exponential integrate-and-fire, exponential conductances, RK4.
    AeifCondExp,
    /// Leaky integrate-and-fire, alpha-shaped conductances, RK4.
    IafCondAlpha,
    /// Adaptive exponential integrate-and-fire, alpha-shaped conductances, RK4.
    AeifCondAlpha,
    /// Izhikevich (2003), RK4.
    Izhikevich,
    /// Hodgkin–Huxley after Traub and Miles, exponential conductances, adaptive RKF45 as NEST.
    HhCondExpTraub,
    /// An active dendritic segment: fires an NMDA-like event when at least `theta` of its
    /// synapses are active in one step (Ahmad & Hawkins 2016).
    DendriticSegment,
    /// Emits spikes at given times (a device, no dynamics).
    SpikeGenerator,
    /// Emits independent Poisson spike trains at `rate` Hz (a device; PyNN's SpikeSourcePoisson,
    /// NEST's poisson_generator into parrot neurons, but at most one spike per neuron and step).
    PoissonSource,
    /// Emits independent gamma-process spike trains of mean rate `rate` Hz and shape
    /// `gamma_shape`, optionally with a dead time `dead_time` ms (a device; PyNN's
    /// SpikeSourceGamma and SpikeSourcePoissonRefractory).
    GammaSource,
}

impl ModelKind {
    /// All kinds, for listings in error messages.
    pub const ALL: [ModelKind; 13] = [
        ModelKind::IafPscDelta,
        ModelKind::IafPscExp,
        ModelKind::IafPscAlpha,
        ModelKind::IafCondExp,
        ModelKind::AeifCondExp,
        ModelKind::IafCondAlpha,
        ModelKind::AeifCondAlpha,
        ModelKind::Izhikevich,
        ModelKind::HhCondExpTraub,
        ModelKind::DendriticSegment,
        ModelKind::SpikeGenerator,
        ModelKind::PoissonSource,
        ModelKind::GammaSource,
    ];

    /// True for spike sources (devices) that receive no synapses or inputs.
    pub fn is_source(self) -> bool {
        matches!(
            self,
            ModelKind::SpikeGenerator | ModelKind::PoissonSource | ModelKind::GammaSource
        )
    }

    /// Looks a model up by its NEST name or a PyNN alias.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "iaf_psc_delta" => ModelKind::IafPscDelta,
            "iaf_psc_exp" | "IF_curr_exp" => ModelKind::IafPscExp,
            "iaf_psc_alpha" | "IF_curr_alpha" => ModelKind::IafPscAlpha,
            "iaf_cond_exp" | "IF_cond_exp" => ModelKind::IafCondExp,
            "aeif_cond_exp" | "EIF_cond_exp_isfa_ista" => ModelKind::AeifCondExp,
            "iaf_cond_alpha" | "IF_cond_alpha" => ModelKind::IafCondAlpha,
            "aeif_cond_alpha" | "EIF_cond_alpha_isfa_ista" => ModelKind::AeifCondAlpha,
            "izhikevich" | "Izhikevich" => ModelKind::Izhikevich,
            "hh_cond_exp_traub" | "HH_cond_exp" => ModelKind::HhCondExpTraub,
            "dendritic_segment" => ModelKind::DendriticSegment,
            "spike_generator" | "SpikeSourceArray" => ModelKind::SpikeGenerator,
            "poisson_source" | "SpikeSourcePoisson" => ModelKind::PoissonSource,
            "gamma_source" | "SpikeSourceGamma" => ModelKind::GammaSource,
            _ => return None,
        })
    }

    /// NEST's name of the model.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::IafPscDelta => "iaf_psc_delta",
            ModelKind::IafPscExp => "iaf_psc_exp",
            ModelKind::IafPscAlpha => "iaf_psc_alpha",
            ModelKind::IafCondExp => "iaf_cond_exp",
            ModelKind::AeifCondExp => "aeif_cond_exp",
            ModelKind::IafCondAlpha => "iaf_cond_alpha",
            ModelKind::AeifCondAlpha => "aeif_cond_alpha",
            ModelKind::Izhikevich => "izhikevich",
            ModelKind::HhCondExpTraub => "hh_cond_exp_traub",
            ModelKind::DendriticSegment => "dendritic_segment",
            ModelKind::SpikeGenerator => "spike_generator",
            ModelKind::PoissonSource => "poisson_source",
            ModelKind::GammaSource => "gamma_source",
        }
    }

    /// The model's parameters with defaults and units.
    pub fn params(self) -> &'static [ParamInfo] {
        match self {
            ModelKind::IafPscDelta => params::IAF_PSC_DELTA,
            ModelKind::IafPscExp => params::IAF_PSC_EXP,
            ModelKind::IafPscAlpha => params::IAF_PSC_ALPHA,
            // the alpha twins have the same parameters and defaults as the exponential ones
            ModelKind::IafCondExp | ModelKind::IafCondAlpha => params::IAF_COND_EXP,
            ModelKind::AeifCondExp | ModelKind::AeifCondAlpha => params::AEIF_COND_EXP,
            ModelKind::Izhikevich => params::IZHIKEVICH,
            ModelKind::HhCondExpTraub => params::HH_COND_EXP_TRAUB,
            ModelKind::DendriticSegment => params::DENDRITIC_SEGMENT,
            ModelKind::SpikeGenerator => &[],
            ModelKind::PoissonSource => params::POISSON_SOURCE,
            ModelKind::GammaSource => params::GAMMA_SOURCE,
        }
    }

    /// Ring buffers of input a partition of this model keeps: one where excitatory and
    /// inhibitory input enter the state alike (`iaf_psc_delta` adds both to V_m), so that
    /// delivery touches half the memory; two where they decay with their own time constants.
    pub fn input_rings(self) -> usize {
        match self {
            ModelKind::IafPscDelta | ModelKind::DendriticSegment => 1,
            _ => 2,
        }
    }

    /// The state variables that can be recorded and given initial values.
    pub fn state_variables(self) -> &'static [&'static str] {
        match self {
            ModelKind::IafPscDelta => &["V_m", "theta"],
            ModelKind::IafPscExp => &["V_m", "I_syn_ex", "I_syn_in", "theta"],
            ModelKind::IafPscAlpha => &["V_m", "I_syn_ex", "I_syn_in", "theta"],
            ModelKind::IafCondExp => &["V_m", "g_ex", "g_in", "theta"],
            ModelKind::AeifCondExp => &["V_m", "w", "g_ex", "g_in"],
            ModelKind::IafCondAlpha => &["V_m", "g_ex", "dg_ex", "g_in", "dg_in"],
            ModelKind::AeifCondAlpha => &["V_m", "w", "g_ex", "dg_ex", "g_in", "dg_in"],
            ModelKind::Izhikevich => &["V_m", "U_m"],
            ModelKind::HhCondExpTraub => &["V_m", "Act_m", "Inact_h", "Act_n", "g_ex", "g_in"],
            ModelKind::DendriticSegment => &["active"],
            ModelKind::SpikeGenerator | ModelKind::PoissonSource | ModelKind::GammaSource => &[],
        }
    }

    /// True for the models with a movable threshold `V_th + theta` (the integrate-and-fire ones).
    pub fn has_theta(self) -> bool {
        matches!(
            self,
            ModelKind::IafPscDelta
                | ModelKind::IafPscExp
                | ModelKind::IafPscAlpha
                | ModelKind::IafCondExp
        )
    }

    /// True for neuron models whose input spikes are voltage jumps in mV (one receptor).
    pub fn weight_unit(self) -> &'static str {
        match self {
            ModelKind::IafPscDelta | ModelKind::Izhikevich => "mV",
            ModelKind::IafPscExp | ModelKind::IafPscAlpha => "pA",
            ModelKind::IafCondExp
            | ModelKind::AeifCondExp
            | ModelKind::IafCondAlpha
            | ModelKind::AeifCondAlpha
            | ModelKind::HhCondExpTraub => "nS",
            ModelKind::DendriticSegment => "synapses",
            ModelKind::SpikeGenerator | ModelKind::PoissonSource | ModelKind::GammaSource => "",
        }
    }
}

/// The state of one block of neurons of one model: dispatched once per step.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Dynamics {
    /// See [`IafPscDelta`].
    IafPscDelta(IafPscDelta),
    /// See [`IafPscExp`].
    IafPscExp(IafPscExp),
    /// See [`IafPscAlpha`].
    IafPscAlpha(IafPscAlpha),
    /// See [`IafCondExp`].
    IafCondExp(IafCondExp),
    /// See [`AeifCondExp`].
    AeifCondExp(AeifCondExp),
    /// See [`IafCondAlpha`].
    IafCondAlpha(IafCondAlpha),
    /// See [`AeifCondAlpha`].
    AeifCondAlpha(AeifCondAlpha),
    /// See [`Izhikevich`].
    Izhikevich(Izhikevich),
    /// See [`HhCondExpTraub`].
    HhCondExpTraub(HhCondExpTraub),
    /// See [`DendriticSegment`].
    DendriticSegment(DendriticSegment),
    /// Spike times per neuron as step indices (sorted), and a cursor into each.
    SpikeGenerator(SpikeGenerator),
    /// Poisson spike trains (drawn by the partition from its block streams).
    PoissonSource(PoissonSource),
    /// Gamma-process spike trains (drawn by the partition from its block streams).
    GammaSource(GammaSource),
}

/// Independent Poisson trains: each neuron's next spike step, drawn as geometric intervals.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PoissonSource {
    /// Probability of a spike in one step, `1 − exp(−rate·dt)`.
    pub p_step: f64,
    /// First and last active steps.
    pub start: u64,
    /// Active before this step.
    pub stop: u64,
    /// Next spike step of each neuron (`u64::MAX` before the first draw).
    pub next: Vec<u64>,
}

impl PoissonSource {
    /// Emits the spikes of step `k`: each neuron's next spike step is drawn from its block's
    /// stream, as a geometric interval, when the previous one is emitted.
    fn step(&mut self, k: u64, rng: &mut [crate::rng::Stream], spiked: &mut Vec<u32>) {
        if k < self.start || k >= self.stop || self.p_step <= 0.0 {
            return;
        }
        let p_step = self.p_step;
        let gap = |u| Self::gap_from(p_step, u);
        each_with_block_stream(&mut self.next, rng, |i, nx, rng| {
            if *nx == u64::MAX {
                // first draw: the first spike at or after the start step
                let u: f64 = 1.0 - rand::Rng::random::<f64>(rng);
                *nx = k + gap(u) - 1;
            }
            if *nx == k {
                spiked.push(i);
                let u: f64 = 1.0 - rand::Rng::random::<f64>(rng);
                *nx = k + gap(u);
            }
        });
    }

    /// Steps to the next spike (at least 1), geometric with success probability `p_step`, from a
    /// uniform `u` in (0, 1].
    #[inline]
    pub fn gap_from(p_step: f64, u: f64) -> u64 {
        Self::gap_given(p_step, (-p_step).ln_1p(), u)
    }

    /// [`PoissonSource::gap_from`] with `ln_q = ln(1 − p_step)` computed once by the caller
    /// (`(-p_step).ln_1p()`, so the same gaps), for many gaps of one probability.
    #[inline]
    pub fn gap_given(p_step: f64, ln_q: f64, u: f64) -> u64 {
        if p_step >= 1.0 {
            return 1;
        }
        // geometric number of failures before a success, plus one (`g` is not negative, so
        // the conversion, which truncates, is its floor: no call to `floor`, which baseline
        // x86-64 lacks an instruction for)
        let g = u.ln() / ln_q;
        if g.is_finite() && g < 1e18 {
            g as u64 + 1
        } else {
            u64::MAX / 2
        }
    }
}

/// Calls `draw(i, entry, stream)` for each neuron `i` of a source with its entry of `next` and
/// its block's random stream: a source draws each neuron from its block's stream, so that the
/// draws do not depend on how the population is cut into partitions.
#[inline]
fn each_with_block_stream<T>(
    next: &mut [T],
    rng: &mut [crate::rng::Stream],
    mut draw: impl FnMut(u32, &mut T, &mut crate::rng::Stream),
) {
    use crate::partition::BLOCK_SIZE;
    for (b, (block, rng)) in next.chunks_mut(BLOCK_SIZE).zip(rng.iter_mut()).enumerate() {
        for (j, x) in block.iter_mut().enumerate() {
            draw((b * BLOCK_SIZE + j) as u32, x, rng);
        }
    }
}

/// The active steps `[start, stop)` of a source from its `start` and `stop` (ms).
fn active_steps(p: &Params, dt: f64) -> Result<(u64, u64), ParamError> {
    let (start, stop) = (p.get("start"), p.get("stop"));
    if start < 0.0 || stop < start {
        return Err(ParamError {
            param: "stop".into(),
            message: format!("need 0 <= start <= stop (got {start} and {stop} ms)"),
        });
    }
    let steps = |t: f64| (t / dt).round().min(u64::MAX as f64 / 4.0) as u64;
    Ok((steps(start), steps(stop)))
}

/// Independent renewal processes in continuous time: each interval is a dead time `dead_time`
/// plus a gamma-distributed time of shape `gamma_shape`, the mean interval `1 / rate`. With no
/// dead time these are gamma processes (PyNN's SpikeSourceGamma; shape 1 is Poisson); with
/// shape 1 and a dead time, Poisson processes with dead time (PyNN's
/// SpikeSourcePoissonRefractory, NEST's ppd_sup_generator). A spike is emitted in the step its
/// time falls in (two in one step are two spikes, delivered twice). A train starts in the
/// process's steady state: the first spike comes after a forward-recurrence time, whose
/// density is `(1 − F(t)) / mean`: with probability `dead / mean` a uniform fraction of the
/// dead time, otherwise the dead time plus a uniform fraction of a length-biased gamma time
/// (`U · Gamma(shape + 1)`). So the trains are stationary from `start` on, as a superposition
/// of many would be.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct GammaSource {
    /// Shape of the interval distribution (1: Poisson; larger: more regular).
    pub shape: f64,
    /// Scale of the gamma part in steps (its mean is `shape · scale` steps).
    pub scale: f64,
    /// The dead time in steps (continuous).
    pub dead: f64,
    /// First active step.
    pub start: u64,
    /// Active before this step.
    pub stop: u64,
    /// Each neuron's next spike time in steps from step 0, continuous (NaN before the first
    /// draw).
    pub next: Vec<f64>,
}

impl GammaSource {
    /// At most this many spikes of one neuron in one step (only reached with a mean interval far
    /// below the step): the train then goes on from the step's end, without the rest of the
    /// step's spikes, so that a step's work stays bounded whatever the rate.
    pub const MAX_PER_STEP: u32 = 1000;

    fn new(p: &Params, n: usize, dt: f64) -> Result<Self, ParamError> {
        let rate = p.non_negative("rate")?;
        let dead_time = p.non_negative("dead_time")?;
        if rate > 0.0 && dead_time >= 1000.0 / rate {
            return Err(ParamError {
                param: "dead_time".into(),
                message: format!(
                    "must be shorter than the mean interval, 1000/rate = {} ms (got {dead_time} ms)",
                    1000.0 / rate
                ),
            });
        }
        let shape = p.get("gamma_shape");
        if !(1e-3..=1e6).contains(&shape) {
            return Err(ParamError {
                param: "gamma_shape".into(),
                message: format!(
                    "must be in [0.001, 1e6] (got {shape}); 1 is a Poisson process, larger is more regular"
                ),
            });
        }
        let (start, stop) = active_steps(p, dt)?;
        Ok(Self {
            shape,
            scale: if rate > 0.0 {
                (1000.0 / rate - dead_time) / (shape * dt)
            } else {
                f64::INFINITY
            },
            dead: dead_time / dt,
            start,
            stop,
            next: vec![f64::NAN; n],
        })
    }

    /// Emits the spikes of step `k`, drawing each neuron's intervals from its block's stream.
    fn step(&mut self, k: u64, rng: &mut [crate::rng::Stream], spiked: &mut Vec<u32>) {
        use rand_distr::{Distribution, Gamma};
        if k < self.start || k >= self.stop || !self.scale.is_finite() {
            return;
        }
        let (Ok(interval), Ok(biased)) = (
            Gamma::new(self.shape, self.scale),
            Gamma::new(self.shape + 1.0, self.scale),
        ) else {
            return;
        };
        let end = (k + 1) as f64;
        let (dead, mean) = (self.dead, self.dead + self.shape * self.scale);
        // a forward-recurrence time (steps): the wait for the next spike from a time where the
        // train is in its steady state
        let recurrence = |rng: &mut crate::rng::Stream| {
            let u: f64 = rand::Rng::random(rng);
            let v: f64 = rand::Rng::random(rng);
            if u * mean < dead {
                v * dead
            } else {
                dead + v * biased.sample(rng)
            }
        };
        each_with_block_stream(&mut self.next, rng, |i, nx, rng| {
            if nx.is_nan() {
                *nx = k as f64 + recurrence(rng);
            }
            let mut emitted = 0;
            while *nx < end {
                if emitted == Self::MAX_PER_STEP {
                    // far more spikes than steps (or intervals below the time's rounding):
                    // the train goes on from the step's end as from a stationary start
                    *nx = end + recurrence(rng);
                    break;
                }
                spiked.push(i);
                emitted += 1;
                *nx += dead + interval.sample(rng);
            }
        });
    }
}

/// A spike source that emits at given grid steps.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct SpikeGenerator {
    /// For each neuron, the steps in which it spikes (its spikes are stamped at the step's end).
    pub steps: Vec<Vec<u64>>,
    /// Index of the next spike of each neuron.
    pub cursor: Vec<usize>,
    /// The pending spikes of all neurons as `(step, neuron)` in order, and the position of the
    /// next one: a step costs its spikes, not a look at every neuron. Derived from `steps` and
    /// `cursor` when first needed (after a build, a restore or added spikes; not saved).
    #[serde(skip)]
    queue: Option<(Vec<(u64, u32)>, usize)>,
}

impl SpikeGenerator {
    /// Emits the spikes of step `k` into `spiked` (neuron order within the step; a time given
    /// twice, twice), skipping any pending spike of an earlier step, and moves the cursors on.
    fn step(&mut self, k: u64, spiked: &mut Vec<u32>) {
        let (queue, pos) = self.queue.get_or_insert_with(|| {
            let mut q: Vec<(u64, u32)> = self
                .steps
                .iter()
                .zip(&self.cursor)
                .enumerate()
                .flat_map(|(i, (list, &c))| list[c..].iter().map(move |&s| (s, i as u32)))
                .collect();
            q.sort_unstable();
            (q, 0)
        });
        while let Some(&(s, i)) = queue.get(*pos) {
            if s > k {
                break;
            }
            if s == k {
                spiked.push(i);
            }
            self.cursor[i as usize] += 1;
            *pos += 1;
        }
    }

    /// Adds `events`, `(step, neuron)` pending spikes in order, to a derived queue that exists:
    /// merged with its pending part (the queue stays what it would be rebuilt to); without one,
    /// nothing (it is built when first needed).
    pub(crate) fn queue_events(&mut self, events: &[(u64, u32)]) {
        let Some((queue, pos)) = &mut self.queue else {
            return;
        };
        if *pos == queue.len() {
            // nothing pending (a new presentation): the events are the queue, in its buffer
            queue.clear();
            queue.extend_from_slice(events);
            *pos = 0;
            return;
        }
        let pending = &queue[*pos..];
        let mut merged = Vec::with_capacity(pending.len() + events.len());
        let (mut a, mut b) = (0, 0);
        while a < pending.len() && b < events.len() {
            if pending[a] <= events[b] {
                merged.push(pending[a]);
                a += 1;
            } else {
                merged.push(events[b]);
                b += 1;
            }
        }
        merged.extend_from_slice(&pending[a..]);
        merged.extend_from_slice(&events[b..]);
        *queue = merged;
        *pos = 0;
    }
}

impl Dynamics {
    /// Creates `n` neurons of `kind` with parameters `given` (defaults for the rest) at step `dt` ms.
    pub fn new(
        kind: ModelKind,
        given: &BTreeMap<String, f64>,
        n: usize,
        dt: f64,
    ) -> Result<Self, ParamError> {
        let p = Params::resolve(kind.name(), kind.params(), given)?;
        Ok(match kind {
            ModelKind::IafPscDelta => Dynamics::IafPscDelta(IafPscDelta::new(&p, n, dt)?),
            ModelKind::IafPscExp => Dynamics::IafPscExp(IafPscExp::new(&p, n, dt)?),
            ModelKind::IafPscAlpha => Dynamics::IafPscAlpha(IafPscAlpha::new(&p, n, dt)?),
            ModelKind::IafCondExp => Dynamics::IafCondExp(IafCondExp::new(&p, n, dt)?),
            ModelKind::AeifCondExp => Dynamics::AeifCondExp(AeifCondExp::new(&p, n, dt)?),
            ModelKind::IafCondAlpha => Dynamics::IafCondAlpha(IafCondAlpha::new(&p, n, dt)?),
            ModelKind::AeifCondAlpha => Dynamics::AeifCondAlpha(AeifCondAlpha::new(&p, n, dt)?),
            ModelKind::Izhikevich => Dynamics::Izhikevich(Izhikevich::new(&p, n, dt)?),
            ModelKind::HhCondExpTraub => Dynamics::HhCondExpTraub(HhCondExpTraub::new(&p, n, dt)?),
            ModelKind::DendriticSegment => {
                Dynamics::DendriticSegment(DendriticSegment::new(&p, n, dt)?)
            }
            ModelKind::SpikeGenerator => Dynamics::SpikeGenerator(SpikeGenerator {
                steps: vec![Vec::new(); n],
                cursor: vec![0; n],
                queue: None,
            }),
            ModelKind::PoissonSource => {
                let rate = p.non_negative("rate")?;
                let (start, stop) = active_steps(&p, dt)?;
                Dynamics::PoissonSource(PoissonSource {
                    p_step: -(-rate * dt / 1000.0).exp_m1(),
                    start,
                    stop,
                    next: vec![u64::MAX; n],
                })
            }
            ModelKind::GammaSource => Dynamics::GammaSource(GammaSource::new(&p, n, dt)?),
        })
    }

    /// Advances all neurons by one step (step index `step`). `ex` and `inh` are the summed
    /// excitatory (positive) and inhibitory (negative) input weights arriving in this step,
    /// `current` an injected current (pA) or none, `rng` the random streams of the neurons' blocks
    /// (one per [`crate::partition::BLOCK_SIZE`] neurons); local indices of neurons that spiked
    /// are pushed. `ex` and `inh` are left zero (the ring slot is free for a later step).
    pub fn step(
        &mut self,
        step: u64,
        ex: &mut [f64],
        inh: &mut [f64],
        current: Option<&[f64]>,
        rng: &mut [crate::rng::Stream],
        spiked: &mut Vec<u32>,
    ) {
        match self {
            // these two zero the input as they read it
            Dynamics::IafPscDelta(m) => return m.step(ex, inh, current, spiked),
            Dynamics::IafPscExp(m) => return m.step(ex, inh, current, spiked),
            Dynamics::DendriticSegment(m) => return m.step(ex, spiked),
            Dynamics::IafPscAlpha(m) => m.step(ex, inh, current, spiked),
            Dynamics::IafCondExp(m) => m.step(ex, inh, current, spiked),
            Dynamics::AeifCondExp(m) => m.step(ex, inh, current, spiked),
            Dynamics::IafCondAlpha(m) => m.step(ex, inh, current, spiked),
            Dynamics::AeifCondAlpha(m) => m.step(ex, inh, current, spiked),
            Dynamics::Izhikevich(m) => m.step(ex, inh, current, spiked),
            Dynamics::HhCondExpTraub(m) => m.step(ex, inh, current, spiked),
            // a time given twice is two spikes, recorded and delivered twice (as NEST emits them);
            // sources read no input, so their rows need no zeroing
            Dynamics::SpikeGenerator(g) => return g.step(step, spiked),
            Dynamics::PoissonSource(src) => return src.step(step, rng, spiked),
            Dynamics::GammaSource(src) => return src.step(step, rng, spiked),
        }
        ex.fill(0.0);
        inh.fill(0.0);
    }

    /// Sets the dynamic state of every neuron (membrane, synaptic currents or conductances,
    /// adaptation, refractoriness) to that of `rest`, a copy of these dynamics taken earlier;
    /// thresholds (`theta`) and the sources' schedules stay. Copies in place: nothing is
    /// allocated.
    pub(crate) fn restore_from(&mut self, rest: &Dynamics) {
        macro_rules! copy {
            ($a:expr, $b:expr, $($f:ident),+) => {{
                $( $a.$f.copy_from_slice(&$b.$f); )+
            }};
        }
        match (self, rest) {
            (Dynamics::IafPscDelta(a), Dynamics::IafPscDelta(b)) => copy!(a, b, v_m, refractory),
            (Dynamics::IafPscExp(a), Dynamics::IafPscExp(b)) => {
                copy!(a, b, v_m, i_syn_ex, i_syn_in, refractory)
            }
            (Dynamics::IafPscAlpha(a), Dynamics::IafPscAlpha(b)) => {
                copy!(a, b, v_m, i_syn_ex, di_syn_ex, i_syn_in, di_syn_in, refractory)
            }
            (Dynamics::IafCondExp(a), Dynamics::IafCondExp(b)) => {
                copy!(a, b, v_m, g_ex, g_in, refractory)
            }
            (Dynamics::AeifCondExp(a), Dynamics::AeifCondExp(b)) => {
                copy!(a, b, v_m, w, g_ex, g_in, refractory)
            }
            (Dynamics::IafCondAlpha(a), Dynamics::IafCondAlpha(b)) => {
                copy!(a, b, v_m, refractory);
                a.syn.copy_from(&b.syn);
            }
            (Dynamics::AeifCondAlpha(a), Dynamics::AeifCondAlpha(b)) => {
                copy!(a, b, v_m, w, refractory);
                a.syn.copy_from(&b.syn);
            }
            (Dynamics::Izhikevich(a), Dynamics::Izhikevich(b)) => copy!(a, b, v_m, u_m),
            (Dynamics::HhCondExpTraub(a), Dynamics::HhCondExpTraub(b)) => {
                copy!(a, b, v_m, act_m, inact_h, act_n, g_ex, g_in, refractory, substep)
            }
            (Dynamics::DendriticSegment(a), Dynamics::DendriticSegment(b)) => {
                copy!(a, b, active, plateau)
            }
            // sources have no state of their own to reset: their schedules run on
            _ => {}
        }
    }

    /// The threshold offsets `theta` (mV), allocated (zero) on first use; `None` for models
    /// without a movable threshold.
    pub fn theta_mut(&mut self) -> Option<&mut Vec<f64>> {
        let (theta, n) = match self {
            Dynamics::IafPscDelta(m) => (&mut m.theta, m.v_m.len()),
            Dynamics::IafPscExp(m) => (&mut m.theta, m.v_m.len()),
            Dynamics::IafPscAlpha(m) => (&mut m.theta, m.v_m.len()),
            Dynamics::IafCondExp(m) => (&mut m.theta, m.v_m.len()),
            _ => return None,
        };
        if theta.is_empty() {
            theta.resize(n, 0.0);
        }
        Some(theta)
    }

    /// A state variable by name, if the model has it.
    pub fn variable(&self, name: &str) -> Option<&[f64]> {
        if let Dynamics::IafCondAlpha(IafCondAlpha { syn, .. })
        | Dynamics::AeifCondAlpha(AeifCondAlpha { syn, .. }) = self
        {
            if let Some(v) = syn.variable(name) {
                return Some(v);
            }
        }
        Some(match (self, name) {
            (Dynamics::IafPscDelta(m), "theta") => &m.theta,
            (Dynamics::IafPscExp(m), "theta") => &m.theta,
            (Dynamics::IafPscAlpha(m), "theta") => &m.theta,
            (Dynamics::IafCondExp(m), "theta") => &m.theta,
            (Dynamics::IafPscDelta(m), "V_m") => &m.v_m,
            (Dynamics::IafPscExp(m), "V_m") => &m.v_m,
            (Dynamics::IafPscExp(m), "I_syn_ex") => &m.i_syn_ex,
            (Dynamics::IafPscExp(m), "I_syn_in") => &m.i_syn_in,
            (Dynamics::IafPscAlpha(m), "V_m") => &m.v_m,
            (Dynamics::IafPscAlpha(m), "I_syn_ex") => &m.i_syn_ex,
            (Dynamics::IafPscAlpha(m), "I_syn_in") => &m.i_syn_in,
            (Dynamics::IafCondExp(m), "V_m") => &m.v_m,
            (Dynamics::IafCondExp(m), "g_ex") => &m.g_ex,
            (Dynamics::IafCondExp(m), "g_in") => &m.g_in,
            (Dynamics::AeifCondExp(m), "V_m") => &m.v_m,
            (Dynamics::AeifCondExp(m), "w") => &m.w,
            (Dynamics::AeifCondExp(m), "g_ex") => &m.g_ex,
            (Dynamics::AeifCondExp(m), "g_in") => &m.g_in,
            (Dynamics::IafCondAlpha(m), "V_m") => &m.v_m,
            (Dynamics::AeifCondAlpha(m), "V_m") => &m.v_m,
            (Dynamics::AeifCondAlpha(m), "w") => &m.w,
            (Dynamics::Izhikevich(m), "V_m") => &m.v_m,
            (Dynamics::Izhikevich(m), "U_m") => &m.u_m,
            (Dynamics::HhCondExpTraub(m), "V_m") => &m.v_m,
            (Dynamics::HhCondExpTraub(m), "Act_m") => &m.act_m,
            (Dynamics::HhCondExpTraub(m), "Inact_h") => &m.inact_h,
            (Dynamics::HhCondExpTraub(m), "Act_n") => &m.act_n,
            (Dynamics::HhCondExpTraub(m), "g_ex") => &m.g_ex,
            (Dynamics::HhCondExpTraub(m), "g_in") => &m.g_in,
            (Dynamics::DendriticSegment(m), "active") => &m.active,
            _ => return None,
        })
    }

    /// Mutable access to a state variable, to set initial values.
    pub fn variable_mut(&mut self, name: &str) -> Option<&mut [f64]> {
        if name == "theta" {
            return self.theta_mut().map(|t| &mut t[..]);
        }
        if matches!(name, "g_ex" | "dg_ex" | "g_in" | "dg_in") {
            if let Dynamics::IafCondAlpha(IafCondAlpha { syn, .. })
            | Dynamics::AeifCondAlpha(AeifCondAlpha { syn, .. }) = self
            {
                return syn.variable_mut(name);
            }
        }
        Some(match (self, name) {
            (Dynamics::IafPscDelta(m), "V_m") => &mut m.v_m,
            (Dynamics::IafPscExp(m), "V_m") => &mut m.v_m,
            (Dynamics::IafPscExp(m), "I_syn_ex") => &mut m.i_syn_ex,
            (Dynamics::IafPscExp(m), "I_syn_in") => &mut m.i_syn_in,
            (Dynamics::IafPscAlpha(m), "V_m") => &mut m.v_m,
            (Dynamics::IafPscAlpha(m), "I_syn_ex") => &mut m.i_syn_ex,
            (Dynamics::IafPscAlpha(m), "I_syn_in") => &mut m.i_syn_in,
            (Dynamics::IafCondExp(m), "V_m") => &mut m.v_m,
            (Dynamics::IafCondExp(m), "g_ex") => &mut m.g_ex,
            (Dynamics::IafCondExp(m), "g_in") => &mut m.g_in,
            (Dynamics::AeifCondExp(m), "V_m") => &mut m.v_m,
            (Dynamics::AeifCondExp(m), "w") => &mut m.w,
            (Dynamics::AeifCondExp(m), "g_ex") => &mut m.g_ex,
            (Dynamics::AeifCondExp(m), "g_in") => &mut m.g_in,
            (Dynamics::IafCondAlpha(m), "V_m") => &mut m.v_m,
            (Dynamics::AeifCondAlpha(m), "V_m") => &mut m.v_m,
            (Dynamics::AeifCondAlpha(m), "w") => &mut m.w,
            (Dynamics::Izhikevich(m), "V_m") => &mut m.v_m,
            (Dynamics::Izhikevich(m), "U_m") => &mut m.u_m,
            (Dynamics::HhCondExpTraub(m), "V_m") => &mut m.v_m,
            (Dynamics::HhCondExpTraub(m), "Act_m") => &mut m.act_m,
            (Dynamics::HhCondExpTraub(m), "Inact_h") => &mut m.inact_h,
            (Dynamics::HhCondExpTraub(m), "Act_n") => &mut m.act_n,
            (Dynamics::HhCondExpTraub(m), "g_ex") => &mut m.g_ex,
            (Dynamics::HhCondExpTraub(m), "g_in") => &mut m.g_in,
            (Dynamics::DendriticSegment(m), "active") => &mut m.active,
            _ => return None,
        })
    }
}
