//! Conductance-based neurons with alpha-shaped synaptic conductances: `iaf_cond_alpha` and
//! `aeif_cond_alpha` (NEST's names, parameters and defaults, the same as their `_exp` twins).
//!
//! An input spike of weight w (nS) makes the conductance `w (t/τ) e^{1 − t/τ}`: it rises to w at
//! t = τ and decays. As in NEST, each conductance g has a companion dg with `dg' = −dg/τ` and
//! `g' = dg − g/τ`, and a spike adds `w e/τ` to dg. Between spikes these are linear, so they are
//! propagated exactly: `g(t+s) = (g + dg s) e^{−s/τ}`, `dg(t+s) = dg e^{−s/τ}`. The membrane (and
//! the adaptation current) take one RK4 step per time step with the conductances evaluated
//! exactly at the step's start, middle and end (with a short `tau_syn`, 0.2–0.5 ms, an RK4 step
//! on the conductances themselves would be off by (dt/τ)^5/120 of them per step). Then, as in
//! `nonlinear.rs`, the threshold is detected at the end of the step and the step's input spikes
//! are added.

use super::current;
use super::nonlinear::{adex_threshold_and_peak, rk4_driven};
use super::params::{refractory_steps, reset_below_threshold, ParamError, Params};
use std::f64::consts::E;

/// The synaptic side shared by both models: time constants, reversal potentials, and per
/// neuron the conductances (nS) and their companions (nS/ms).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct AlphaConductances {
    tau_ex: f64,
    tau_in: f64,
    e_ex: f64,
    e_in: f64,
    /// Excitatory conductance (nS).
    pub g_ex: Vec<f64>,
    /// Its companion (nS/ms).
    pub dg_ex: Vec<f64>,
    /// Inhibitory conductance (nS).
    pub g_in: Vec<f64>,
    /// Its companion (nS/ms).
    pub dg_in: Vec<f64>,
}

impl AlphaConductances {
    fn new(p: &Params, n: usize) -> Result<Self, ParamError> {
        Ok(Self {
            tau_ex: p.positive("tau_syn_ex")?,
            tau_in: p.positive("tau_syn_in")?,
            e_ex: p.get("E_ex"),
            e_in: p.get("E_in"),
            g_ex: vec![0.0; n],
            dg_ex: vec![0.0; n],
            g_in: vec![0.0; n],
            dg_in: vec![0.0; n],
        })
    }

    /// Neuron i's conductances (nS) at the start of the step, half way and at its end, and
    /// the state `[g_ex, dg_ex, g_in, dg_in]` at its end.
    #[inline]
    fn over_step(&self, i: usize, h: f64) -> ([[f64; 2]; 3], [f64; 4]) {
        let half = |g: f64, dg: f64, tau: f64, s: f64| {
            ((g + dg * s) * (-s / tau).exp(), dg * (-s / tau).exp())
        };
        let (ge, dge, gi, dgi) = (self.g_ex[i], self.dg_ex[i], self.g_in[i], self.dg_in[i]);
        let (ge_m, _) = half(ge, dge, self.tau_ex, 0.5 * h);
        let (gi_m, _) = half(gi, dgi, self.tau_in, 0.5 * h);
        let (ge_e, dge_e) = half(ge, dge, self.tau_ex, h);
        let (gi_e, dgi_e) = half(gi, dgi, self.tau_in, h);
        (
            [[ge, gi], [ge_m, gi_m], [ge_e, gi_e]],
            [ge_e, dge_e, gi_e, dgi_e],
        )
    }

    /// The synaptic current (pA) at membrane potential v for conductances `[g_ex, g_in]`.
    #[inline]
    fn current(&self, v: f64, g: [f64; 2]) -> f64 {
        -g[0] * (v - self.e_ex) - g[1] * (v - self.e_in)
    }

    /// Stores neuron i's state after the step and adds the step's input (`ex` ≥ 0, `inh` ≤ 0 nS).
    #[inline]
    fn store(&mut self, i: usize, s: [f64; 4], ex: f64, inh: f64) {
        self.g_ex[i] = s[0];
        self.dg_ex[i] = s[1] + ex * E / self.tau_ex;
        self.g_in[i] = s[2];
        self.dg_in[i] = s[3] - inh * E / self.tau_in;
    }

    /// A conductance or companion by its state-variable name.
    pub(crate) fn variable(&self, name: &str) -> Option<&[f64]> {
        Some(match name {
            "g_ex" => &self.g_ex,
            "dg_ex" => &self.dg_ex,
            "g_in" => &self.g_in,
            "dg_in" => &self.dg_in,
            _ => return None,
        })
    }

    /// Mutable access to a conductance or companion by name.
    pub(crate) fn variable_mut(&mut self, name: &str) -> Option<&mut [f64]> {
        Some(match name {
            "g_ex" => &mut self.g_ex,
            "dg_ex" => &mut self.dg_ex,
            "g_in" => &mut self.g_in,
            "dg_in" => &mut self.dg_in,
            _ => return None,
        })
    }

    pub(crate) fn copy_from(&mut self, other: &Self) {
        self.g_ex.copy_from_slice(&other.g_ex);
        self.dg_ex.copy_from_slice(&other.dg_ex);
        self.g_in.copy_from_slice(&other.g_in);
        self.dg_in.copy_from_slice(&other.dg_in);
    }
}

/// `iaf_cond_alpha`: leaky integrate-and-fire with alpha-shaped conductances (nS). Positive
/// weights open the excitatory conductance, negative ones the inhibitory one by their magnitude.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct IafCondAlpha {
    g_l: f64,
    c_m: f64,
    e_l: f64,
    i_e: f64,
    v_th: f64,
    v_reset: f64,
    ref_steps: u32,
    dt: f64,
    /// Membrane potential (mV).
    pub v_m: Vec<f64>,
    /// The conductances.
    pub syn: AlphaConductances,
    /// Remaining refractory steps.
    pub refractory: Vec<u32>,
}

impl IafCondAlpha {
    pub(crate) fn new(p: &Params, n: usize, dt: f64) -> Result<Self, ParamError> {
        reset_below_threshold(p, "V_th")?;
        Ok(Self {
            g_l: p.positive("g_L")?,
            c_m: p.positive("C_m")?,
            e_l: p.get("E_L"),
            i_e: p.get("I_e"),
            v_th: p.get("V_th"),
            v_reset: p.get("V_reset"),
            ref_steps: refractory_steps(p, dt)?,
            dt,
            v_m: vec![p.get("E_L"); n],
            syn: AlphaConductances::new(p, n)?,
            refractory: vec![0; n],
        })
    }

    pub(crate) fn step(
        &mut self,
        ex: &[f64],
        inh: &[f64],
        cur: Option<&[f64]>,
        spiked: &mut Vec<u32>,
    ) {
        for i in 0..self.v_m.len() {
            let refractory = self.refractory[i] > 0;
            let i_in = self.i_e + current(cur, i);
            let (g, end) = self.syn.over_step(i, self.dt);
            let syn = &self.syn;
            let [v] = rk4_driven([self.v_m[i]], self.dt, g, |y, g| {
                if refractory {
                    [0.0]
                } else {
                    [(-self.g_l * (y[0] - self.e_l) + syn.current(y[0], g) + i_in) / self.c_m]
                }
            });
            let mut v = v;
            if refractory {
                self.refractory[i] -= 1;
                v = self.v_reset;
            } else if v >= self.v_th {
                self.refractory[i] = self.ref_steps;
                v = self.v_reset;
                spiked.push(i as u32);
            }
            self.v_m[i] = v;
            self.syn.store(i, end, ex[i], inh[i]);
        }
    }
}

/// `aeif_cond_alpha`: adaptive exponential integrate-and-fire (Brette & Gerstner 2005) with
/// alpha-shaped conductances; spikes at `V_peak`, the exponential term on `min(V_m, V_peak)`,
/// as `aeif_cond_exp`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct AeifCondAlpha {
    c_m: f64,
    g_l: f64,
    e_l: f64,
    v_th: f64,
    delta_t: f64,
    tau_w: f64,
    a: f64,
    b: f64,
    v_peak: f64,
    v_reset: f64,
    i_e: f64,
    ref_steps: u32,
    dt: f64,
    /// Membrane potential (mV).
    pub v_m: Vec<f64>,
    /// Adaptation current (pA).
    pub w: Vec<f64>,
    /// The conductances.
    pub syn: AlphaConductances,
    /// Remaining refractory steps.
    pub refractory: Vec<u32>,
}

impl AeifCondAlpha {
    pub(crate) fn new(p: &Params, n: usize, dt: f64) -> Result<Self, ParamError> {
        let (v_th, v_peak) = adex_threshold_and_peak(p)?;
        Ok(Self {
            c_m: p.positive("C_m")?,
            g_l: p.positive("g_L")?,
            e_l: p.get("E_L"),
            v_th,
            delta_t: p.positive("Delta_T")?,
            tau_w: p.positive("tau_w")?,
            a: p.get("a"),
            b: p.get("b"),
            v_peak,
            v_reset: p.get("V_reset"),
            i_e: p.get("I_e"),
            ref_steps: refractory_steps(p, dt)?,
            dt,
            v_m: vec![p.get("E_L"); n],
            w: vec![0.0; n],
            syn: AlphaConductances::new(p, n)?,
            refractory: vec![0; n],
        })
    }

    pub(crate) fn step(
        &mut self,
        ex: &[f64],
        inh: &[f64],
        cur: Option<&[f64]>,
        spiked: &mut Vec<u32>,
    ) {
        for i in 0..self.v_m.len() {
            let refractory = self.refractory[i] > 0;
            let i_in = self.i_e + current(cur, i);
            let (g, end) = self.syn.over_step(i, self.dt);
            let syn = &self.syn;
            let [v, w] = rk4_driven([self.v_m[i], self.w[i]], self.dt, g, |y, g| {
                let v = if refractory {
                    self.v_reset
                } else {
                    y[0].min(self.v_peak)
                };
                let spike_current =
                    self.g_l * self.delta_t * ((v - self.v_th) / self.delta_t).exp();
                let dv = if refractory {
                    0.0
                } else {
                    (-self.g_l * (v - self.e_l) + spike_current + syn.current(v, g) - y[1] + i_in)
                        / self.c_m
                };
                [dv, (self.a * (v - self.e_l) - y[1]) / self.tau_w]
            });
            let (mut v, mut w) = (v, w);
            if refractory {
                self.refractory[i] -= 1;
                v = self.v_reset;
            } else if v >= self.v_peak {
                self.refractory[i] = self.ref_steps;
                v = self.v_reset;
                w += self.b;
                spiked.push(i as u32);
            }
            self.v_m[i] = v;
            self.w[i] = w;
            self.syn.store(i, end, ex[i], inh[i]);
        }
    }
}
