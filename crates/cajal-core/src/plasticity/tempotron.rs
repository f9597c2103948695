//! The Tempotron (Gütig & Sompolinsky 2006): a supervised rule that teaches integrate-and-fire
//! neurons to fire for some spatio-temporal spike patterns and stay silent for others.
//!
//! The target neurons are the engine's `iaf_psc_exp` neurons: a presynaptic spike of weight `w`
//! (pA) moves the membrane by `w · k(t)`, the difference of two exponentials of the synaptic and
//! membrane time constants, which is the Tempotron's postsynaptic-potential kernel. A neuron
//! answers "yes" to a presentation when it fires. After the presentation
//! ([`crate::Simulation::tempotron_teach`]), every neuron that answered wrongly has its synapses
//! moved along the gradient of its membrane potential at `t_max`, the time of its highest
//! potential before its first spike (its first spike itself when it fired):
//! `Δw_i = ± λ / k̂ · Σ_{inputs of i before t_max} k(t_max − t_arrival) / k̂`, with `k̂` the
//! kernel's peak, `+` for a missed pattern and `−` for a false alarm. `λ` is in mV: an input
//! arriving `t*` (the kernel's peak time) before `t_max` raises its synapse's peak PSP by `λ`.
//! With momentum `μ` each correction adds `μ` times the synapse's previous one (the paper's
//! heuristic for its capacity runs). Weights carry their own sign and are delivered as
//! excitatory or inhibitory input by sign.

use super::{DenseWeights, Rings};
use crate::partition::Spike;

/// The Tempotron's learning rate and momentum.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TempotronDef {
    /// Learning rate λ (mV of peak PSP per unit of normalised kernel), > 0.
    pub lambda: f64,
    /// Momentum μ in [0, 1): the share of a synapse's previous correction added to the next.
    pub momentum: f64,
}

/// The postsynaptic potential of `iaf_psc_exp` per pA of weight, as the engine integrates it: an
/// input read in step `a` has moved the membrane by `w · at(l)` at the end of step `a + l`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PspKernel {
    /// Step (ms).
    pub dt: f64,
    /// Membrane time constant (ms).
    pub tau_m: f64,
    /// Synaptic time constant (ms).
    pub tau_syn: f64,
    /// Membrane capacitance (pF).
    pub c_m: f64,
}

impl PspKernel {
    /// The kernel of a neuron with these constants; `None` unless all are finite and > 0.
    pub fn new(tau_m: f64, tau_syn: f64, c_m: f64, dt: f64) -> Option<PspKernel> {
        let ok = |x: f64| x.is_finite() && x > 0.0;
        (ok(tau_m) && ok(tau_syn) && ok(c_m) && ok(dt)).then_some(PspKernel {
            dt,
            tau_m,
            tau_syn,
            c_m,
        })
    }

    /// The potential (mV per pA) `t` ms after the input entered the synaptic current.
    pub fn value(&self, t: f64) -> f64 {
        let (tm, ts) = (self.tau_m, self.tau_syn);
        if t <= 0.0 {
            return 0.0;
        }
        if (tm - ts).abs() <= 1e-12 * tm {
            // the limit of equal time constants
            return t / self.c_m * (-t / tm).exp();
        }
        // (e^{-t/τm} − e^{-t/τs}) · τm τs / (C (τm − τs)), with expm1 for small t
        let a = (-t / tm).exp();
        let diff = -(a * (-(t / ts - t / tm)).exp_m1());
        diff * tm * ts / (self.c_m * (tm - ts))
    }

    /// The potential (mV per pA) at the end of the step `lag` steps after the input was read.
    pub fn at(&self, lag: u64) -> f64 {
        self.value(lag as f64 * self.dt)
    }

    /// The time of the kernel's peak (ms) after the input.
    pub fn peak_time(&self) -> f64 {
        let (tm, ts) = (self.tau_m, self.tau_syn);
        if (tm - ts).abs() <= 1e-12 * tm {
            tm
        } else {
            tm * ts / (tm - ts) * (tm / ts).ln()
        }
    }

    /// The kernel's peak (mV per pA).
    pub fn peak(&self) -> f64 {
        self.value(self.peak_time())
    }
}

/// A fully connected projection onto `iaf_psc_exp` neurons (all in one partition) learning with
/// the Tempotron rule.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TempotronProjection {
    /// Index of the projection in the network definition.
    pub projection: usize,
    /// The weights (pA, row-major by target), their delay and snapshots.
    #[serde(flatten)]
    pub dense: DenseWeights,
    /// This presentation's inputs: (step in which the target reads it, source index).
    arrivals: Vec<(u64, u32)>,
    kernel: PspKernel,
    /// The targets' threshold `V_th` (mV), the peak recorded for a target that fired.
    v_th: f64,
    lambda: f64,
    momentum: f64,
    /// Each synapse's last correction (pA), for the momentum.
    last_change: Vec<f64>,
    /// Per target: highest potential before its first spike (mV; `V_th` once it fired), its
    /// step, and whether it fired.
    peak_v: Vec<f64>,
    peak_step: Vec<u64>,
    fired: Vec<bool>,
    /// The first step in which an input of this presentation was read, if any: the peak is
    /// sought after it (before it the potential says nothing about the weights).
    first_arrival: Option<u64>,
    /// Whether a step was noted since the last reset, and whether it was taught since.
    stepped: bool,
    taught: bool,
    /// Scratch: one kernel sum per source.
    #[serde(skip)]
    sums: Vec<f64>,
    /// Learning off (a run setting, not saved).
    #[serde(skip)]
    frozen: bool,
}

/// What a Tempotron's targets did in the presentation so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TempotronAnswer {
    /// Whether each target fired.
    pub fired: Vec<bool>,
    /// Each target's highest membrane potential (mV) until its first spike: for a target that
    /// fired at least the threshold `V_th` it reached (the model's, without an adaptive offset);
    /// `-inf` before any step.
    pub peak_v: Vec<f64>,
    /// When it was reached: the simulation time (ms) at the end of its step; for a target that
    /// fired, the time of its first spike.
    pub peak_ms: Vec<f64>,
}

impl TempotronProjection {
    /// A projection with the weights `dense` (pA) onto neurons of kernel `kernel` and threshold
    /// `v_th` (mV).
    pub fn new(
        projection: usize,
        def: &TempotronDef,
        (kernel, v_th): (PspKernel, f64),
        dense: DenseWeights,
    ) -> Self {
        let (len, n_tgt) = (dense.len(), dense.targets());
        TempotronProjection {
            projection,
            arrivals: Vec::new(),
            kernel,
            v_th,
            lambda: def.lambda,
            momentum: def.momentum,
            last_change: vec![0.0; len],
            peak_v: vec![f64::NEG_INFINITY; n_tgt],
            peak_step: vec![0; n_tgt],
            fired: vec![false; n_tgt],
            first_arrival: None,
            stepped: false,
            taught: false,
            sums: vec![0.0; dense.sources()],
            dense,
            frozen: false,
        }
    }

    /// Forgets the presentation so far: its inputs and the targets' peaks (the weights and the
    /// momentum stay).
    pub fn forget_activity(&mut self) {
        self.arrivals.clear();
        self.peak_v.fill(f64::NEG_INFINITY);
        self.peak_step.fill(0);
        self.fired.fill(false);
        self.first_arrival = None;
        self.stepped = false;
        self.taught = false;
    }

    /// Learning off (`false`: the weights only carry input) or on again; either way the
    /// presentation so far is forgotten.
    pub fn set_learning(&mut self, on: bool) {
        self.frozen = !on;
        self.forget_activity();
    }

    /// New targets' kernel and threshold (their parameters changed).
    pub fn set_target(&mut self, (kernel, v_th): (PspKernel, f64)) {
        self.kernel = kernel;
        self.v_th = v_th;
    }

    /// The targets' kernel.
    pub fn kernel(&self) -> &PspKernel {
        &self.kernel
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        (self.dense.len() * 2 + self.sums.len() + self.peak_v.len() * 3) * 8
            + self.arrivals.capacity() * 16
    }

    /// Sets the weights, given in the order of [`DenseWeights::synapses`]; the momentum starts
    /// afresh.
    pub fn set_weights(&mut self, weights: &[f64]) -> Result<(), String> {
        self.check_weights(weights)?;
        self.dense.set_by_source(weights);
        self.last_change.fill(0.0);
        Ok(())
    }

    /// Whether [`Self::set_weights`] would take `weights`: finite, one per synapse.
    pub fn check_weights(&self, weights: &[f64]) -> Result<(), String> {
        self.dense.check_finite(weights, "a Tempotron's")
    }

    /// Delivers `spikes` (all those before step `now` not yet delivered) with the weights in
    /// force, notes them as this presentation's inputs, and takes a snapshot if one is due.
    /// Returns the number of synaptic events.
    pub(crate) fn deliver(&mut self, spikes: &[Spike], now: u64, rings: Rings<'_>) -> u64 {
        // once every target has fired, later inputs cannot come before any peak
        let record = !self.frozen && self.fired.iter().any(|f| !f);
        let (arrivals, first) = (&mut self.arrivals, &mut self.first_arrival);
        let events = self.dense.deliver(spikes, rings, |j, arrival| {
            if record {
                arrivals.push((arrival, j as u32));
            }
            *first = Some(first.map_or(arrival, |a| a.min(arrival)));
        });
        self.dense.snapshot_if_due(now);
        events
    }

    /// After step `step`: the targets' potentials `v_m` (the partition's, local index) and the
    /// ones that spiked; keeps each target's peak until its first spike.
    pub fn note_membrane(&mut self, v_m: &[f64], spiked: &[u32], step: u64) {
        self.stepped = true;
        for &i in spiked {
            let i = i as usize;
            if i < self.fired.len() && !self.fired[i] {
                // it reached the threshold in this step (the potential read after the step is
                // the reset one)
                self.fired[i] = true;
                self.peak_step[i] = step;
                self.peak_v[i] = self.peak_v[i].max(self.v_th);
            }
        }
        // the potential at the end of step k feels the inputs read before k
        if self.first_arrival.is_none_or(|a| step <= a) {
            return;
        }
        for (i, &v) in v_m.iter().enumerate().take(self.fired.len()) {
            if !self.fired[i] && v > self.peak_v[i] {
                self.peak_v[i] = v;
                self.peak_step[i] = step;
            }
        }
    }

    /// What the targets did so far.
    pub fn answer(&self, dt: f64) -> TempotronAnswer {
        TempotronAnswer {
            fired: self.fired.clone(),
            peak_v: self.peak_v.clone(),
            peak_ms: self
                .peak_step
                .iter()
                .zip(&self.peak_v)
                .map(|(&k, v)| {
                    if v.is_finite() {
                        (k + 1) as f64 * dt
                    } else {
                        f64::NAN
                    }
                })
                .collect(),
        }
    }

    /// The Tempotron's correction after a presentation: every target `i` whose answer (fired or
    /// not) differs from `desired[i]` has its synapses moved along the gradient of its potential
    /// at its peak. Returns the number of targets that answered wrongly. Learning must be on, a
    /// presentation must have run since the last reset, and it is taught once.
    pub fn teach(&mut self, desired: &[bool]) -> Result<usize, String> {
        let (n_src, n_tgt) = (self.dense.sources(), self.dense.targets());
        if desired.len() != n_tgt {
            return Err(format!(
                "{} answers given for {n_tgt} target neurons; give one per target",
                desired.len()
            ));
        }
        if self.frozen {
            return Err("learning is off (set_learning(false)): turn it on to teach".into());
        }
        if !self.stepped {
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
        self.taught = true;
        let peak = self.kernel.peak();
        let scale = self.lambda / (peak * peak);
        let mut corrected = 0;
        for (i, &want) in desired.iter().enumerate() {
            if want == self.fired[i] {
                continue;
            }
            corrected += 1;
            let sign = if want { 1.0 } else { -1.0 };
            let t_max = self.peak_step[i];
            self.sums.clear();
            self.sums.resize(n_src, 0.0);
            for &(a, j) in &self.arrivals {
                if a < t_max {
                    self.sums[j as usize] += self.kernel.at(t_max - a);
                }
            }
            let row = i * n_src..(i + 1) * n_src;
            for ((w, last), &s) in self.dense.w[row.clone()]
                .iter_mut()
                .zip(&mut self.last_change[row])
                .zip(&self.sums)
            {
                let change = sign * scale * s + self.momentum * *last;
                *w += change;
                *last = change;
            }
        }
        Ok(corrected)
    }
}

/// The kernel and threshold `V_th` of a Tempotron's target population `name` (model `kind`,
/// parameters `params`): `iaf_psc_exp` neurons with one synaptic time constant for both signs (a
/// weight may change sign as it learns).
pub(crate) fn tempotron_target(
    kind: crate::neuron::ModelKind,
    name: &str,
    params: &std::collections::BTreeMap<String, f64>,
    dt: f64,
) -> Result<(PspKernel, f64), String> {
    use crate::neuron::ModelKind;
    if kind != ModelKind::IafPscExp {
        return Err(format!(
            "the Tempotron's targets must be iaf_psc_exp neurons (its kernel is their \
             postsynaptic potential); population '{name}' is {}",
            kind.name()
        ));
    }
    let p = crate::neuron::params::Params::resolve(kind.name(), kind.params(), params)
        .map_err(|e| format!("{}: {}", e.param, e.message))?;
    let (ex, inh) = (p.get("tau_syn_ex"), p.get("tau_syn_in"));
    if ex != inh {
        return Err(format!(
            "the Tempotron's weights change sign as they learn, so its targets need one synaptic \
             time constant: set tau_syn_ex = tau_syn_in in population '{name}' (got {ex} and \
             {inh} ms)"
        ));
    }
    let kernel = PspKernel::new(p.get("tau_m"), ex, p.get("C_m"), dt).ok_or_else(|| {
        format!(
            "population '{name}' needs tau_m, tau_syn_ex and C_m > 0 for the Tempotron's kernel"
        )
    })?;
    Ok((kernel, p.get("V_th")))
}

/// [`tempotron_target`] of a population as defined.
pub(crate) fn tempotron_kernel(
    pop: &crate::network::PopulationDef,
    dt: f64,
) -> Result<(PspKernel, f64), String> {
    tempotron_target(pop.kind, &pop.name, &pop.params, dt)
}
