//! `hh_cond_exp_traub`: the Hodgkin–Huxley neuron of Traub and Miles (1991) as simplified for
//! the simulator review of Brette et al. (2007), with NEST's equations, names and defaults
//! (PyNN's `HH_cond_exp`).
//!
//! ```text
//! C_m V' = −g_Na m³h (V − E_Na) − g_K n⁴ (V − E_K) − g_L (V − E_L)
//!          − g_ex (V − E_ex) − g_in (V − E_in) + I_e + I_stim
//! x' = α_x(u) (1 − x) − β_x(u) x   for x = m, h, n, with u = V − V_T:
//!   α_n = 0.032 (15 − u) / (e^{(15 − u)/5} − 1)    β_n = 0.5 e^{(10 − u)/40}
//!   α_m = 0.32 (13 − u) / (e^{(13 − u)/4} − 1)     β_m = 0.28 (u − 40) / (e^{(u − 40)/5} − 1)
//!   α_h = 0.128 e^{(17 − u)/18}                   β_h = 4 / (1 + e^{(40 − u)/5})
//! g_ex' = −g_ex / tau_syn_ex,  g_in' = −g_in / tau_syn_in
//! ```
//!
//! The rate functions are in 1/ms. As in NEST the whole state is integrated by GSL's adaptive
//! Runge–Kutta–Fehlberg with absolute tolerance 1e-3 ([`super::adaptive`]): the sodium current
//! acts on a time scale of C_m/g_Na = 0.01 ms, far below a usual time step. After a step, its
//! input spikes are added to the conductances (positive weights to g_ex, negative ones to g_in
//! by their magnitude, nS). A spike is emitted at the end of a step in which V_m is at or above
//! `V_T + 30` mV and lower than at the step's start (just past the action potential's peak),
//! unless the neuron is refractory: there is no reset, `t_ref` only keeps the same action
//! potential from being counted twice.
//!
//! Initial state: V_m = E_L, and m, h, n at the steady state the rate functions give at u = E_L
//! (NEST's expression, which evaluates them at V_m itself there, not at V_m − V_T). With NEST's
//! default E_L (−60 mV) this is NEST's initial state; NEST keeps that state when another E_L is
//! given at creation, Cajal starts from the given one. PyNN sets v, m, h and n itself.

use super::adaptive::rkf45_over_step;
use super::current;
use super::params::{refractory_steps, ParamError, Params};

/// GSL's absolute error tolerance per sub-step, NEST's choice for this model.
const EPS_ABS: f64 = 1e-3;

/// `c x / (e^{x/k} − 1)`, with its limit `c k` where x is exactly 0 (the rate functions'
/// removable singularities, which NEST leaves as 0/0). Written in NEST's order of operations,
/// so that both round alike.
#[inline]
fn ratio(c: f64, x: f64, k: f64) -> f64 {
    if x == 0.0 {
        c * k
    } else {
        c * x / ((x / k).exp() - 1.0)
    }
}

/// The rates `(α_m, β_m, α_h, β_h, α_n, β_n)` (1/ms) at `u = V − V_T` (mV).
#[inline]
fn rates(u: f64) -> [f64; 6] {
    [
        ratio(0.32, 13.0 - u, 4.0),
        ratio(0.28, u - 40.0, 5.0),
        0.128 * ((17.0 - u) / 18.0).exp(),
        4.0 / (1.0 + ((40.0 - u) / 5.0).exp()),
        ratio(0.032, 15.0 - u, 5.0),
        0.5 * ((10.0 - u) / 40.0).exp(),
    ]
}

/// The neuron's state vector in the integrator: `[V_m, m, h, n, g_ex, g_in]`.
type State = [f64; 6];

/// `hh_cond_exp_traub` (see the module documentation).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct HhCondExpTraub {
    g_na: f64,
    g_k: f64,
    g_l: f64,
    c_m: f64,
    e_na: f64,
    e_k: f64,
    e_l: f64,
    v_t: f64,
    e_ex: f64,
    e_in: f64,
    tau_ex: f64,
    tau_in: f64,
    i_e: f64,
    ref_steps: u32,
    dt: f64,
    /// Membrane potential (mV).
    pub v_m: Vec<f64>,
    /// Sodium activation m.
    pub act_m: Vec<f64>,
    /// Sodium inactivation h.
    pub inact_h: Vec<f64>,
    /// Potassium activation n.
    pub act_n: Vec<f64>,
    /// Excitatory conductance (nS).
    pub g_ex: Vec<f64>,
    /// Inhibitory conductance (nS).
    pub g_in: Vec<f64>,
    /// Remaining refractory steps.
    pub refractory: Vec<u32>,
    /// Each neuron's adaptive sub-step size (ms), carried from step to step.
    pub substep: Vec<f64>,
}

impl HhCondExpTraub {
    pub(crate) fn new(p: &Params, n: usize, dt: f64) -> Result<Self, ParamError> {
        let e_l = p.get("E_L");
        let r = rates(e_l);
        Ok(Self {
            g_na: p.non_negative("g_Na")?,
            g_k: p.non_negative("g_K")?,
            g_l: p.non_negative("g_L")?,
            c_m: p.positive("C_m")?,
            e_na: p.get("E_Na"),
            e_k: p.get("E_K"),
            e_l,
            v_t: p.get("V_T"),
            e_ex: p.get("E_ex"),
            e_in: p.get("E_in"),
            tau_ex: p.positive("tau_syn_ex")?,
            tau_in: p.positive("tau_syn_in")?,
            i_e: p.get("I_e"),
            ref_steps: refractory_steps(p, dt)?,
            dt,
            v_m: vec![e_l; n],
            act_m: vec![r[0] / (r[0] + r[1]); n],
            inact_h: vec![r[2] / (r[2] + r[3]); n],
            act_n: vec![r[4] / (r[4] + r[5]); n],
            g_ex: vec![0.0; n],
            g_in: vec![0.0; n],
            refractory: vec![0; n],
            substep: vec![dt; n],
        })
    }

    /// The state's rate of change with the injected current `i_stim` (pA), summed in NEST's
    /// order.
    #[inline]
    fn derivative(&self, y: &State, i_stim: f64) -> State {
        let [v, m, h, n, ge, gi] = *y;
        let i_na = self.g_na * m * m * m * h * (v - self.e_na);
        let i_k = self.g_k * n * n * n * n * (v - self.e_k);
        let i_l = self.g_l * (v - self.e_l);
        let i_ex = ge * (v - self.e_ex);
        let i_inh = gi * (v - self.e_in);
        let [am, bm, ah, bh, an, bn] = rates(v - self.v_t);
        [
            (-i_na - i_k - i_l - i_ex - i_inh + i_stim + self.i_e) / self.c_m,
            am - (am + bm) * m,
            ah - (ah + bh) * h,
            an - (an + bn) * n,
            -ge / self.tau_ex,
            -gi / self.tau_in,
        ]
    }

    pub(crate) fn step(
        &mut self,
        ex: &[f64],
        inh: &[f64],
        cur: Option<&[f64]>,
        spiked: &mut Vec<u32>,
    ) {
        for i in 0..self.v_m.len() {
            let i_stim = current(cur, i);
            let before = self.v_m[i];
            let mut y = [
                before,
                self.act_m[i],
                self.inact_h[i],
                self.act_n[i],
                self.g_ex[i],
                self.g_in[i],
            ];
            let mut h = self.substep[i];
            if !rkf45_over_step(&mut y, self.dt, &mut h, EPS_ABS, |y| {
                self.derivative(y, i_stim)
            }) {
                // reported by the simulation's finite-state check
                y[0] = f64::NAN;
            }
            let [v, m, hh, n, ge, gi] = y;
            if self.refractory[i] > 0 {
                self.refractory[i] -= 1;
            } else if v >= self.v_t + 30.0 && before > v {
                self.refractory[i] = self.ref_steps;
                spiked.push(i as u32);
            }
            self.v_m[i] = v;
            self.act_m[i] = m;
            self.inact_h[i] = hh;
            self.act_n[i] = n;
            self.g_ex[i] = ge + ex[i];
            self.g_in[i] = gi - inh[i];
            self.substep[i] = h;
        }
    }
}
