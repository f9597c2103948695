//! Homeostasis: thresholds that move with a neuron's own firing (adaptive threshold, intrinsic
//! plasticity toward a target rate), synaptic scaling of a plastic projection's incoming weights,
//! and the astrocyte of the neuron–astrocyte liquid state machine (Ivanov & Michmizos 2021), a
//! global signal that sets the depression rate of STDP.

use crate::partition::Spike;

/// How a population's firing threshold `V_th + theta` moves (theta per neuron, mV).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ThresholdDef {
    /// Diehl & Cook (2015): theta jumps by `theta_plus` at each spike and decays to 0 with
    /// `tau_theta` (ms). `tau_theta = inf` never decays.
    Adaptive {
        /// Jump per spike (mV).
        theta_plus: f64,
        /// Decay time constant (ms).
        tau_theta: f64,
    },
    /// Intrinsic plasticity toward a target rate: theta jumps by `eta` at each spike and falls by
    /// `eta · rate · dt` every step, so it is stationary (on average) when the neuron fires at
    /// `rate` Hz: a neuron firing faster raises its threshold, a slower one lowers it.
    TargetRate {
        /// Jump per spike (mV).
        eta: f64,
        /// Target rate (Hz).
        rate: f64,
    },
}

impl ThresholdDef {
    /// Checks the parameters: the field at fault and what to do.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        match *self {
            ThresholdDef::Adaptive {
                theta_plus,
                tau_theta,
            } => {
                if !theta_plus.is_finite() || theta_plus < 0.0 {
                    return Err((
                        "theta_plus",
                        format!("theta_plus must be a finite number of mV >= 0 (got {theta_plus})"),
                    ));
                }
                if tau_theta.is_nan() || tau_theta <= 0.0 {
                    return Err((
                        "tau_theta",
                        format!("tau_theta must be > 0 ms, or inf for no decay (got {tau_theta})"),
                    ));
                }
            }
            ThresholdDef::TargetRate { eta, rate } => {
                if !eta.is_finite() || eta <= 0.0 {
                    return Err((
                        "eta",
                        format!("eta must be a finite number of mV > 0 (got {eta})"),
                    ));
                }
                if !rate.is_finite() || rate < 0.0 {
                    return Err((
                        "rate",
                        format!("rate must be a finite number of Hz >= 0 (got {rate})"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A [`ThresholdDef`] in the form the step needs.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct ThresholdRule {
    /// Factor per step (1 without decay).
    decay: f64,
    /// Jump per spike.
    per_spike: f64,
    /// Subtracted every step.
    drift: f64,
}

impl ThresholdRule {
    pub(crate) fn new(def: &ThresholdDef, dt: f64) -> Self {
        match *def {
            ThresholdDef::Adaptive {
                theta_plus,
                tau_theta,
            } => ThresholdRule {
                decay: (-dt / tau_theta).exp(),
                per_spike: theta_plus,
                drift: 0.0,
            },
            ThresholdDef::TargetRate { eta, rate } => ThresholdRule {
                decay: 1.0,
                per_spike: eta,
                drift: eta * rate * dt / 1000.0,
            },
        }
    }

    /// Applies one step: the neurons in `spiked` (local indices) fired in it.
    #[inline]
    pub(crate) fn step(&self, theta: &mut [f64], spiked: &[u32]) {
        if self.decay != 1.0 {
            theta.iter_mut().for_each(|t| *t *= self.decay);
        }
        if self.drift != 0.0 {
            theta.iter_mut().for_each(|t| *t -= self.drift);
        }
        for &i in spiked {
            theta[i as usize] += self.per_spike;
        }
    }
}

/// Synaptic scaling of a plastic projection: every `every` ms (from t = 0), each target
/// neuron's incoming weight magnitudes in the projection are multiplied by one factor so that they
/// sum to `target` (then clipped to the rule's bounds). A neuron with no weight left is untouched.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScalingDef {
    /// Sum of the incoming weight magnitudes per target neuron.
    pub target: f64,
    /// Interval (ms, a multiple of dt).
    pub every: f64,
}

/// The astrocyte of NALSM (Ivanov & Michmizos 2021): one global value `A` that integrates the
/// liquid's and the input's spikes, `τ dA/dt = w·(S_liquid(t) − S_input(t))·1 ms + bias − A`
/// with S the summed spike trains; on the grid, `A ← A + [w·n + (bias − A)·dt] / τ` where n is
/// the step's liquid spike count minus its input spike count (with dt = 1 ms, as in NALSM, this is
/// their update `A ← A + [w·n + bias − A] / τ` exactly). `A` is the depression rate of the pair-STDP
/// projections that name it (it replaces α·λ: `Δw = −Wmax · max(A, 0) · w̃^μ− · K−` at a
/// presynaptic spike; a negative `A` depresses nothing). A liquid firing more than its input
/// raises `A`, and with it depression, until the two balance. With `w_input`, an input spike
/// weighs `w_input` instead of `w`: `n·w` becomes `w·(liquid spikes) − w_input·(input spikes)`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AstrocyteDef {
    /// Name (projections refer to it).
    pub name: String,
    /// Populations whose spikes count positively (the liquid).
    pub liquid: Vec<usize>,
    /// Populations whose spikes count negatively (the input).
    pub input: Vec<usize>,
    /// Weight of a spike (w_a).
    pub w: f64,
    /// Bias (b_a).
    pub bias: f64,
    /// Time constant (ms).
    pub tau: f64,
    /// Value at t = 0.
    pub initial: f64,
    /// Weight of an input spike when it differs from `w` (`None`: `w`).
    #[serde(default)]
    pub w_input: Option<f64>,
}

impl AstrocyteDef {
    /// Checks the parameters: the field at fault and what to do.
    pub fn validate(&self, dt: f64) -> Result<(), (&'static str, String)> {
        if !(self.tau.is_finite() && self.tau >= dt) {
            return Err((
                "tau",
                format!(
                    "tau must be a finite number of ms >= dt = {dt} (got {})",
                    self.tau
                ),
            ));
        }
        for (field, x) in [
            ("w", self.w),
            ("bias", self.bias),
            ("initial", self.initial),
            ("w_input", self.w_input.unwrap_or(0.0)),
        ] {
            if !x.is_finite() {
                return Err((field, format!("{field} must be a finite number (got {x})")));
            }
        }
        if self.liquid.is_empty() {
            return Err(("liquid", "name at least one liquid population".into()));
        }
        Ok(())
    }
}

/// The astrocyte's trajectory as one plastic projection follows it: every partition computes it
/// from the same spikes in the same order, so all copies agree exactly.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct AstrocyteState {
    /// Index of its definition in the network.
    pub index: usize,
    /// Global id ranges `(first, size)` counted +1 and −1.
    liquid: Vec<(u32, u32)>,
    input: Vec<(u32, u32)>,
    /// w / tau.
    jump: f64,
    /// w_input / tau, when an input spike weighs other than a liquid one.
    #[serde(default)]
    jump_input: Option<f64>,
    bias: f64,
    /// dt / tau.
    rate: f64,
    /// A at the start of step `next`.
    a: f64,
    next: i64,
    /// A at the start of steps `from..next`.
    from: i64,
    values: Vec<f64>,
    counts: Vec<f64>,
    #[serde(default)]
    inputs: Vec<f64>,
    /// (step, A) every `sample_every` steps.
    pub trace: Vec<(u64, f64)>,
    sample_every: u64,
}

impl AstrocyteState {
    pub(crate) fn new(
        index: usize,
        def: &AstrocyteDef,
        liquid: Vec<(u32, u32)>,
        input: Vec<(u32, u32)>,
        dt: f64,
    ) -> Self {
        AstrocyteState {
            index,
            liquid,
            input,
            jump: def.w / def.tau,
            jump_input: def.w_input.map(|w| w / def.tau),
            bias: def.bias,
            rate: dt / def.tau,
            a: def.initial,
            next: 0,
            from: 0,
            values: Vec::new(),
            counts: Vec::new(),
            inputs: Vec::new(),
            trace: Vec::new(),
            sample_every: ((1.0 / dt).round() as u64).max(1),
        }
    }

    /// Takes in the spikes of steps `next..now` (all of them) and computes A for those steps.
    pub(crate) fn advance(&mut self, spikes: &[Spike], now: u64) {
        let now = now as i64;
        if now <= self.next {
            return;
        }
        let span = (now - self.next) as usize;
        self.counts.clear();
        self.counts.resize(span, 0.0);
        // input spikes apart when they weigh otherwise (`inputs`); else counted −1 in `counts`
        let weighted = self.jump_input.is_some();
        self.inputs.clear();
        self.inputs.resize(if weighted { span } else { 0 }, 0.0);
        let within = |g: u32, r: &[(u32, u32)]| r.iter().any(|&(f, n)| g.wrapping_sub(f) < n);
        for s in spikes {
            let k = s.step as i64 - self.next;
            debug_assert!((0..span as i64).contains(&k), "spike outside the window");
            if !(0..span as i64).contains(&k) {
                continue;
            }
            if within(s.sender, &self.liquid) {
                self.counts[k as usize] += 1.0;
            } else if within(s.sender, &self.input) {
                if weighted {
                    self.inputs[k as usize] += 1.0;
                } else {
                    self.counts[k as usize] -= 1.0;
                }
            }
        }
        self.values.clear();
        self.from = self.next;
        for (j, c) in self.counts.iter().enumerate() {
            let step = (self.from + j as i64) as u64;
            if step.is_multiple_of(self.sample_every) {
                self.trace.push((step, self.a));
            }
            self.values.push(self.a);
            let drive = match self.jump_input {
                None => self.jump * c,
                Some(ji) => self.jump * c - ji * self.inputs[j],
            };
            self.a += drive + (self.bias - self.a) * self.rate;
        }
        self.next = now;
    }

    /// A at the start of step `t` (one of the steps last advanced over).
    #[inline]
    pub(crate) fn at(&self, t: i64) -> f64 {
        self.values[(t - self.from) as usize]
    }

    /// A now (at the start of the next step to come).
    pub(crate) fn current(&self) -> f64 {
        self.a
    }
}
