//! Neuron models with non-linear or conductance-based dynamics: `iaf_cond_exp`, `aeif_cond_exp`,
//! `izhikevich`.
//!
//! Scheme: one classical Runge–Kutta (RK4) step of size `dt` per time step on the continuous
//! state, then threshold detection at the end of the step, then the step's input spikes are added
//! (conductance jumps in nS, or membrane jumps in mV for `izhikevich`). The local error of the
//! subthreshold trajectory is O(dt^5) (global O(dt^4)); spike times are resolved to the grid, so
//! they converge with order 1. The validation tests measure both orders against a fine-step
//! reference. NEST integrates `iaf_cond_exp` and `aeif_cond_exp` with adaptive RKF45 and
//! `izhikevich` with forward Euler, so differences of up to one step in spike times are expected.

use super::current;
use super::params::{refractory_steps, reset_below_threshold, ParamError, Params};

/// One classical RK4 step of size `h` of `y' = f(y)`.
#[inline]
fn rk4<const N: usize>(y: [f64; N], h: f64, f: impl Fn(&[f64; N]) -> [f64; N]) -> [f64; N] {
    rk4_driven(y, h, [(); 3], |y, ()| f(y))
}

/// One classical RK4 step of size `h` of `y' = f(y, d)` where the drive `d` is known at the
/// step's start, middle and end (`at[0]`, `at[1]`, `at[2]`): the stages take them in turn.
#[inline]
pub(super) fn rk4_driven<const N: usize, D: Copy>(
    y: [f64; N],
    h: f64,
    at: [D; 3],
    f: impl Fn(&[f64; N], D) -> [f64; N],
) -> [f64; N] {
    let add = |a: &[f64; N], b: &[f64; N], s: f64| {
        let mut r = *a;
        for k in 0..N {
            r[k] += s * b[k];
        }
        r
    };
    let k1 = f(&y, at[0]);
    let k2 = f(&add(&y, &k1, 0.5 * h), at[1]);
    let k3 = f(&add(&y, &k2, 0.5 * h), at[1]);
    let k4 = f(&add(&y, &k3, h), at[2]);
    let mut out = y;
    for k in 0..N {
        out[k] += h / 6.0 * (k1[k] + 2.0 * k2[k] + 2.0 * k3[k] + k4[k]);
    }
    out
}

/// The adaptive exponential models' threshold and peak (mV): the reset below the peak, the
/// peak at or above the threshold.
pub(super) fn adex_threshold_and_peak(p: &Params) -> Result<(f64, f64), ParamError> {
    reset_below_threshold(p, "V_peak")?;
    let (v_th, v_peak) = (p.get("V_th"), p.get("V_peak"));
    if v_peak < v_th {
        return Err(ParamError {
            param: "V_peak".into(),
            message: format!("must be >= V_th (got V_peak {v_peak} mV, V_th {v_th} mV)"),
        });
    }
    Ok((v_th, v_peak))
}

/// `iaf_cond_exp`: leaky integrate-and-fire with exponentially decaying conductances (nS).
/// Positive weights increase `g_ex`, negative ones increase `g_in` by their magnitude.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct IafCondExp {
    g_l: f64,
    c_m: f64,
    e_l: f64,
    e_ex: f64,
    e_in: f64,
    tau_ex: f64,
    tau_in: f64,
    i_e: f64,
    v_th: f64,
    v_reset: f64,
    ref_steps: u32,
    dt: f64,
    /// Membrane potential (mV).
    pub v_m: Vec<f64>,
    /// Excitatory conductance (nS).
    pub g_ex: Vec<f64>,
    /// Inhibitory conductance (nS).
    pub g_in: Vec<f64>,
    /// Remaining refractory steps.
    pub refractory: Vec<u32>,
    /// Per-neuron threshold offset (mV, spikes at V_m >= V_th + theta); empty unless used.
    pub theta: Vec<f64>,
}

impl IafCondExp {
    pub(crate) fn new(p: &Params, n: usize, dt: f64) -> Result<Self, ParamError> {
        reset_below_threshold(p, "V_th")?;
        Ok(Self {
            g_l: p.positive("g_L")?,
            c_m: p.positive("C_m")?,
            e_l: p.get("E_L"),
            e_ex: p.get("E_ex"),
            e_in: p.get("E_in"),
            tau_ex: p.positive("tau_syn_ex")?,
            tau_in: p.positive("tau_syn_in")?,
            i_e: p.get("I_e"),
            v_th: p.get("V_th"),
            v_reset: p.get("V_reset"),
            ref_steps: refractory_steps(p, dt)?,
            dt,
            v_m: vec![p.get("E_L"); n],
            g_ex: vec![0.0; n],
            g_in: vec![0.0; n],
            refractory: vec![0; n],
            theta: Vec::new(),
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
            let [v, ge, gi] = rk4([self.v_m[i], self.g_ex[i], self.g_in[i]], self.dt, |y| {
                let dv = if refractory {
                    0.0
                } else {
                    (-self.g_l * (y[0] - self.e_l)
                        - y[1] * (y[0] - self.e_ex)
                        - y[2] * (y[0] - self.e_in)
                        + i_in)
                        / self.c_m
                };
                [dv, -y[1] / self.tau_ex, -y[2] / self.tau_in]
            });
            let mut v = v;
            if refractory {
                self.refractory[i] -= 1;
                v = self.v_reset;
            } else if v >= self.v_th + self.theta.get(i).copied().unwrap_or(0.0) {
                self.refractory[i] = self.ref_steps;
                v = self.v_reset;
                spiked.push(i as u32);
            }
            self.v_m[i] = v;
            self.g_ex[i] = ge + ex[i];
            self.g_in[i] = gi - inh[i];
        }
    }
}

/// `aeif_cond_exp`: adaptive exponential integrate-and-fire (Brette & Gerstner 2005) with
/// exponential conductances. A spike is emitted when V_m reaches `V_peak`; the exponential term
/// uses `min(V_m, V_peak)` so that it stays finite within a step, as NEST does.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct AeifCondExp {
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
    e_ex: f64,
    e_in: f64,
    tau_ex: f64,
    tau_in: f64,
    i_e: f64,
    ref_steps: u32,
    dt: f64,
    /// Membrane potential (mV).
    pub v_m: Vec<f64>,
    /// Adaptation current (pA).
    pub w: Vec<f64>,
    /// Excitatory conductance (nS).
    pub g_ex: Vec<f64>,
    /// Inhibitory conductance (nS).
    pub g_in: Vec<f64>,
    /// Remaining refractory steps.
    pub refractory: Vec<u32>,
}

impl AeifCondExp {
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
            e_ex: p.get("E_ex"),
            e_in: p.get("E_in"),
            tau_ex: p.positive("tau_syn_ex")?,
            tau_in: p.positive("tau_syn_in")?,
            i_e: p.get("I_e"),
            ref_steps: refractory_steps(p, dt)?,
            dt,
            v_m: vec![p.get("E_L"); n],
            w: vec![0.0; n],
            g_ex: vec![0.0; n],
            g_in: vec![0.0; n],
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
            let y0 = [self.v_m[i], self.w[i], self.g_ex[i], self.g_in[i]];
            let [v, w, ge, gi] = rk4(y0, self.dt, |y| {
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
                    (-self.g_l * (v - self.e_l) + spike_current
                        - y[2] * (v - self.e_ex)
                        - y[3] * (v - self.e_in)
                        - y[1]
                        + i_in)
                        / self.c_m
                };
                let dw = (self.a * (v - self.e_l) - y[1]) / self.tau_w;
                [dv, dw, -y[2] / self.tau_ex, -y[3] / self.tau_in]
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
            self.g_ex[i] = ge + ex[i];
            self.g_in[i] = gi - inh[i];
        }
    }
}

/// `izhikevich`: Izhikevich (2003) model; input spikes make `V_m` jump by their weight (mV).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Izhikevich {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    i_e: f64,
    v_th: f64,
    v_min: f64,
    dt: f64,
    /// Membrane potential (mV).
    pub v_m: Vec<f64>,
    /// Recovery variable.
    pub u_m: Vec<f64>,
}

impl Izhikevich {
    pub(crate) fn new(p: &Params, n: usize, dt: f64) -> Result<Self, ParamError> {
        let c = p.get("c");
        let v_th = p.get("V_th");
        if c >= v_th {
            return Err(ParamError {
                param: "c".into(),
                message: format!("the reset c must be below V_th (got c {c} mV, V_th {v_th} mV)"),
            });
        }
        let b = p.get("b");
        Ok(Self {
            a: p.get("a"),
            b,
            c,
            d: p.get("d"),
            i_e: p.get("I_e"),
            v_th,
            v_min: p.get("V_min"),
            dt,
            v_m: vec![-65.0; n],
            u_m: vec![-65.0 * b; n],
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
            let i_in = self.i_e + current(cur, i);
            let [v, u] = rk4([self.v_m[i], self.u_m[i]], self.dt, |y| {
                let v = y[0].min(self.v_th);
                [
                    0.04 * v * v + 5.0 * v + 140.0 - y[1] + i_in,
                    self.a * (self.b * v - y[1]),
                ]
            });
            let mut v = (v + ex[i] + inh[i]).max(self.v_min);
            let mut u = u;
            if v >= self.v_th {
                v = self.c;
                u += self.d;
                spiked.push(i as u32);
            }
            self.v_m[i] = v;
            self.u_m[i] = u;
        }
    }
}
