//! Leaky integrate-and-fire neurons with current-based synapses, integrated exactly:
//! `iaf_psc_delta`, `iaf_psc_exp`, `iaf_psc_alpha` (NEST semantics and update order).

use super::current;
use super::kernels::{delta_update, exp_update, DeltaKernel, ExpKernel, ExpState, Firing};
use super::params::{refractory_steps, reset_below_threshold, ParamError, Params};
use super::propagators::{p30, p31, p32};

/// `iaf_psc_delta`: each input spike makes V_m jump by its weight (mV). Input arriving during
/// refractoriness is discarded, as in NEST and as in the Brunel (2000) reference runs.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct IafPscDelta {
    e_l: f64,
    p33: f64,
    p30: f64,
    i_e: f64,
    v_th: f64,
    v_reset: f64,
    v_min: f64,
    ref_steps: u32,
    /// Membrane potential (mV).
    pub v_m: Vec<f64>,
    /// Remaining refractory steps.
    pub refractory: Vec<u32>,
    /// Per-neuron threshold offset (mV, spikes at V_m >= V_th + theta); empty unless the
    /// population has a threshold rule or sets or records `theta`.
    pub theta: Vec<f64>,
}

impl IafPscDelta {
    pub(crate) fn new(p: &Params, n: usize, dt: f64) -> Result<Self, ParamError> {
        let tau_m = p.positive("tau_m")?;
        let c_m = p.positive("C_m")?;
        reset_below_threshold(p, "V_th")?;
        Ok(Self {
            e_l: p.get("E_L"),
            p33: (-dt / tau_m).exp(),
            p30: p30(tau_m, c_m, dt),
            i_e: p.get("I_e"),
            v_th: p.get("V_th"),
            v_reset: p.get("V_reset"),
            v_min: p.get("V_min"),
            ref_steps: refractory_steps(p, dt)?,
            v_m: vec![p.get("E_L"); n],
            refractory: vec![0; n],
            theta: Vec::new(),
        })
    }

    /// One step; `ex` and `inh` (this step's input, mV; `inh` empty when one ring holds both)
    /// are read and left zero.
    pub(crate) fn step(
        &mut self,
        ex: &mut [f64],
        inh: &mut [f64],
        cur: Option<&[f64]>,
        spiked: &mut Vec<u32>,
    ) {
        let n = self.v_m.len();
        let kernel = DeltaKernel {
            e_l: self.e_l,
            p33: self.p33,
            p30: self.p30,
            i_e: self.i_e,
            v_min: self.v_min,
            fire: Firing {
                v_th: self.v_th,
                v_reset: self.v_reset,
                ref_steps: self.ref_steps,
            },
        };
        delta_update(
            &kernel,
            &mut self.v_m[..n],
            &mut self.refractory[..n],
            &mut ex[..n],
            inh,
            cur.map_or(&[], |c| &c[..n]),
            &self.theta,
            spiked,
        );
    }
}

/// `iaf_psc_exp`: exponentially decaying synaptic currents (pA), excitatory for positive weights
/// and inhibitory for negative ones, each with its own time constant.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct IafPscExp {
    e_l: f64,
    p33: f64,
    p30: f64,
    p11_ex: f64,
    p11_in: f64,
    p21_ex: f64,
    p21_in: f64,
    i_e: f64,
    v_th: f64,
    v_reset: f64,
    ref_steps: u32,
    /// Membrane potential (mV).
    pub v_m: Vec<f64>,
    /// Excitatory synaptic current (pA).
    pub i_syn_ex: Vec<f64>,
    /// Inhibitory synaptic current (pA, negative).
    pub i_syn_in: Vec<f64>,
    /// Remaining refractory steps.
    pub refractory: Vec<u32>,
    /// Per-neuron threshold offset (mV, spikes at V_m >= V_th + theta); empty unless the
    /// population has a threshold rule or sets or records `theta`.
    pub theta: Vec<f64>,
}

impl IafPscExp {
    pub(crate) fn new(p: &Params, n: usize, dt: f64) -> Result<Self, ParamError> {
        let tau_m = p.positive("tau_m")?;
        let c_m = p.positive("C_m")?;
        let tau_ex = p.positive("tau_syn_ex")?;
        let tau_in = p.positive("tau_syn_in")?;
        reset_below_threshold(p, "V_th")?;
        Ok(Self {
            e_l: p.get("E_L"),
            p33: (-dt / tau_m).exp(),
            p30: p30(tau_m, c_m, dt),
            p11_ex: (-dt / tau_ex).exp(),
            p11_in: (-dt / tau_in).exp(),
            p21_ex: p32(tau_ex, tau_m, c_m, dt),
            p21_in: p32(tau_in, tau_m, c_m, dt),
            i_e: p.get("I_e"),
            v_th: p.get("V_th"),
            v_reset: p.get("V_reset"),
            ref_steps: refractory_steps(p, dt)?,
            v_m: vec![p.get("E_L"); n],
            i_syn_ex: vec![0.0; n],
            i_syn_in: vec![0.0; n],
            refractory: vec![0; n],
            theta: Vec::new(),
        })
    }

    /// One step; `ex` and `inh` (this step's input, pA) are read and left zero.
    pub(crate) fn step(
        &mut self,
        ex: &mut [f64],
        inh: &mut [f64],
        cur: Option<&[f64]>,
        spiked: &mut Vec<u32>,
    ) {
        let n = self.v_m.len();
        let kernel = ExpKernel {
            e_l: self.e_l,
            p33: self.p33,
            p30: self.p30,
            i_e: self.i_e,
            p11_ex: self.p11_ex,
            p11_in: self.p11_in,
            p21_ex: self.p21_ex,
            p21_in: self.p21_in,
            fire: Firing {
                v_th: self.v_th,
                v_reset: self.v_reset,
                ref_steps: self.ref_steps,
            },
        };
        let state = ExpState {
            v: &mut self.v_m[..n],
            r: &mut self.refractory[..n],
            ie: &mut self.i_syn_ex[..n],
            ii: &mut self.i_syn_in[..n],
        };
        exp_update(
            &kernel,
            state,
            &mut ex[..n],
            &mut inh[..n],
            cur.map_or(&[], |c| &c[..n]),
            &self.theta,
            spiked,
        );
    }
}

/// `iaf_psc_alpha`: alpha-shaped synaptic currents; a weight of w pA gives a current peaking at
/// w pA, `tau_syn` after the spike arrives.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct IafPscAlpha {
    e_l: f64,
    p33: f64,
    p30: f64,
    ex: AlphaPropagator,
    inh: AlphaPropagator,
    i_e: f64,
    v_th: f64,
    v_reset: f64,
    v_min: f64,
    ref_steps: u32,
    /// Membrane potential (mV).
    pub v_m: Vec<f64>,
    /// Excitatory synaptic current (pA).
    pub i_syn_ex: Vec<f64>,
    /// Its derivative state (pA/ms).
    pub di_syn_ex: Vec<f64>,
    /// Inhibitory synaptic current (pA).
    pub i_syn_in: Vec<f64>,
    /// Its derivative state (pA/ms).
    pub di_syn_in: Vec<f64>,
    /// Remaining refractory steps.
    pub refractory: Vec<u32>,
    /// Per-neuron threshold offset (mV, spikes at V_m >= V_th + theta); empty unless the
    /// population has a threshold rule or sets or records `theta`.
    pub theta: Vec<f64>,
}

#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
struct AlphaPropagator {
    p11: f64,
    p21: f64,
    p31: f64,
    p32: f64,
    jump: f64,
}

impl AlphaPropagator {
    fn new(tau_s: f64, tau_m: f64, c_m: f64, h: f64) -> Self {
        let p11 = (-h / tau_s).exp();
        AlphaPropagator {
            p11,
            p21: h * p11,
            p31: p31(tau_s, tau_m, c_m, h),
            p32: p32(tau_s, tau_m, c_m, h),
            jump: std::f64::consts::E / tau_s,
        }
    }
}

impl IafPscAlpha {
    pub(crate) fn new(p: &Params, n: usize, dt: f64) -> Result<Self, ParamError> {
        let tau_m = p.positive("tau_m")?;
        let c_m = p.positive("C_m")?;
        let tau_ex = p.positive("tau_syn_ex")?;
        let tau_in = p.positive("tau_syn_in")?;
        reset_below_threshold(p, "V_th")?;
        Ok(Self {
            e_l: p.get("E_L"),
            p33: (-dt / tau_m).exp(),
            p30: p30(tau_m, c_m, dt),
            ex: AlphaPropagator::new(tau_ex, tau_m, c_m, dt),
            inh: AlphaPropagator::new(tau_in, tau_m, c_m, dt),
            i_e: p.get("I_e"),
            v_th: p.get("V_th"),
            v_reset: p.get("V_reset"),
            v_min: p.get("V_min"),
            ref_steps: refractory_steps(p, dt)?,
            v_m: vec![p.get("E_L"); n],
            i_syn_ex: vec![0.0; n],
            di_syn_ex: vec![0.0; n],
            i_syn_in: vec![0.0; n],
            di_syn_in: vec![0.0; n],
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
        let (pe, pi) = (self.ex, self.inh);
        for i in 0..self.v_m.len() {
            if self.refractory[i] == 0 {
                let v = self.e_l
                    + (self.v_m[i] - self.e_l) * self.p33
                    + (self.i_e + current(cur, i)) * self.p30
                    + pe.p31 * self.di_syn_ex[i]
                    + pe.p32 * self.i_syn_ex[i]
                    + pi.p31 * self.di_syn_in[i]
                    + pi.p32 * self.i_syn_in[i];
                self.v_m[i] = v.max(self.v_min);
            } else {
                self.refractory[i] -= 1;
            }
            self.i_syn_ex[i] = pe.p21 * self.di_syn_ex[i] + pe.p11 * self.i_syn_ex[i];
            self.di_syn_ex[i] = self.di_syn_ex[i] * pe.p11 + pe.jump * ex[i];
            self.i_syn_in[i] = pi.p21 * self.di_syn_in[i] + pi.p11 * self.i_syn_in[i];
            self.di_syn_in[i] = self.di_syn_in[i] * pi.p11 + pi.jump * inh[i];
            if self.v_m[i] >= self.v_th + self.theta.get(i).copied().unwrap_or(0.0) {
                self.refractory[i] = self.ref_steps;
                self.v_m[i] = self.v_reset;
                spiked.push(i as u32);
            }
        }
    }
}
