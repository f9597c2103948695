//! Parameter tables of the neuron models: NEST's names, defaults and units.

use std::collections::BTreeMap;

/// One model parameter: its NEST name, default value and unit.
#[derive(Clone, Copy, Debug)]
pub struct ParamInfo {
    /// Name as in NEST (`tau_m`, `C_m`, …).
    pub name: &'static str,
    /// NEST's default value.
    pub default: f64,
    /// Unit (ms, mV, pA, pF, nS, or "" for dimensionless).
    pub unit: &'static str,
}

const fn p(name: &'static str, default: f64, unit: &'static str) -> ParamInfo {
    ParamInfo {
        name,
        default,
        unit,
    }
}

pub(crate) const IAF_PSC_DELTA: &[ParamInfo] = &[
    p("E_L", -70.0, "mV"),
    p("C_m", 250.0, "pF"),
    p("tau_m", 10.0, "ms"),
    p("t_ref", 2.0, "ms"),
    p("V_th", -55.0, "mV"),
    p("V_reset", -70.0, "mV"),
    p("I_e", 0.0, "pA"),
    p("V_min", f64::NEG_INFINITY, "mV"),
];

pub(crate) const IAF_PSC_EXP: &[ParamInfo] = &[
    p("E_L", -70.0, "mV"),
    p("C_m", 250.0, "pF"),
    p("tau_m", 10.0, "ms"),
    p("t_ref", 2.0, "ms"),
    p("V_th", -55.0, "mV"),
    p("V_reset", -70.0, "mV"),
    p("tau_syn_ex", 2.0, "ms"),
    p("tau_syn_in", 2.0, "ms"),
    p("I_e", 0.0, "pA"),
];

pub(crate) const IAF_PSC_ALPHA: &[ParamInfo] = &[
    p("E_L", -70.0, "mV"),
    p("C_m", 250.0, "pF"),
    p("tau_m", 10.0, "ms"),
    p("t_ref", 2.0, "ms"),
    p("V_th", -55.0, "mV"),
    p("V_reset", -70.0, "mV"),
    p("tau_syn_ex", 2.0, "ms"),
    p("tau_syn_in", 2.0, "ms"),
    p("I_e", 0.0, "pA"),
    p("V_min", f64::NEG_INFINITY, "mV"),
];

pub(crate) const IAF_COND_EXP: &[ParamInfo] = &[
    p("V_th", -55.0, "mV"),
    p("V_reset", -60.0, "mV"),
    p("t_ref", 2.0, "ms"),
    p("g_L", 16.6667, "nS"),
    p("C_m", 250.0, "pF"),
    p("E_ex", 0.0, "mV"),
    p("E_in", -85.0, "mV"),
    p("E_L", -70.0, "mV"),
    p("tau_syn_ex", 0.2, "ms"),
    p("tau_syn_in", 2.0, "ms"),
    p("I_e", 0.0, "pA"),
];

pub(crate) const AEIF_COND_EXP: &[ParamInfo] = &[
    p("C_m", 281.0, "pF"),
    p("g_L", 30.0, "nS"),
    p("E_L", -70.6, "mV"),
    p("V_th", -50.4, "mV"),
    p("Delta_T", 2.0, "mV"),
    p("tau_w", 144.0, "ms"),
    p("a", 4.0, "nS"),
    p("b", 80.5, "pA"),
    p("V_peak", 0.0, "mV"),
    p("V_reset", -60.0, "mV"),
    p("t_ref", 0.0, "ms"),
    p("E_ex", 0.0, "mV"),
    p("E_in", -85.0, "mV"),
    p("tau_syn_ex", 0.2, "ms"),
    p("tau_syn_in", 2.0, "ms"),
    p("I_e", 0.0, "pA"),
];

pub(crate) const IZHIKEVICH: &[ParamInfo] = &[
    p("a", 0.02, ""),
    p("b", 0.2, ""),
    p("c", -65.0, "mV"),
    p("d", 8.0, ""),
    p("I_e", 0.0, "pA"),
    p("V_th", 30.0, "mV"),
    p("V_min", f64::NEG_INFINITY, "mV"),
];

pub(crate) const HH_COND_EXP_TRAUB: &[ParamInfo] = &[
    p("g_Na", 20000.0, "nS"),
    p("g_K", 6000.0, "nS"),
    p("g_L", 10.0, "nS"),
    p("C_m", 200.0, "pF"),
    p("E_Na", 50.0, "mV"),
    p("E_K", -90.0, "mV"),
    p("E_L", -60.0, "mV"),
    p("V_T", -63.0, "mV"),
    p("E_ex", 0.0, "mV"),
    p("E_in", -80.0, "mV"),
    p("tau_syn_ex", 5.0, "ms"),
    p("tau_syn_in", 10.0, "ms"),
    p("t_ref", 2.0, "ms"),
    p("I_e", 0.0, "pA"),
];

pub(crate) const DENDRITIC_SEGMENT: &[ParamInfo] =
    &[p("theta", 10.0, "synapses"), p("t_plateau", 0.0, "ms")];

pub(crate) const POISSON_SOURCE: &[ParamInfo] = &[
    p("rate", 10.0, "Hz"),
    p("start", 0.0, "ms"),
    p("stop", 1e300, "ms"),
];

pub(crate) const GAMMA_SOURCE: &[ParamInfo] = &[
    p("rate", 10.0, "Hz"),
    p("gamma_shape", 1.0, ""),
    p("dead_time", 0.0, "ms"),
    p("start", 0.0, "ms"),
    p("stop", 1e300, "ms"),
];

/// A parameter error: which parameter, and what is wrong with it.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamError {
    /// The parameter's name (as in the model file).
    pub param: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.param, self.message)
    }
}

/// Resolved parameter values: the given ones over NEST's defaults.
#[derive(Clone, Debug)]
pub struct Params {
    table: &'static [ParamInfo],
    values: Vec<f64>,
}

impl Params {
    /// Resolves `given` against `table`; an unknown name or a non-finite value is an error.
    pub(crate) fn resolve(
        model: &str,
        table: &'static [ParamInfo],
        given: &BTreeMap<String, f64>,
    ) -> Result<Self, ParamError> {
        let mut values: Vec<f64> = table.iter().map(|p| p.default).collect();
        for (name, &v) in given {
            let Some(i) = table.iter().position(|p| p.name == name) else {
                let known: Vec<&str> = table.iter().map(|p| p.name).collect();
                return Err(ParamError {
                    param: name.clone(),
                    message: format!(
                        "unknown parameter of {model}; its parameters are: {}",
                        known.join(", ")
                    ),
                });
            };
            let lower_bound_ok = table[i].name == "V_min" && v == f64::NEG_INFINITY;
            if !v.is_finite() && !lower_bound_ok {
                return Err(ParamError {
                    param: name.clone(),
                    message: format!("must be a finite number (got {v})"),
                });
            }
            values[i] = v;
        }
        Ok(Params { table, values })
    }

    /// The value of a parameter of this model (panics on a name not in the table: a programming error).
    pub fn get(&self, name: &str) -> f64 {
        let i = self
            .table
            .iter()
            .position(|p| p.name == name)
            .unwrap_or_else(|| panic!("parameter {name} is not in the model's table"));
        self.values[i]
    }

    /// Fails unless `get(name) > 0`.
    pub(crate) fn positive(&self, name: &str) -> Result<f64, ParamError> {
        let v = self.get(name);
        if v > 0.0 {
            Ok(v)
        } else {
            Err(ParamError {
                param: name.into(),
                message: format!("must be > 0 (got {v})"),
            })
        }
    }

    /// Fails unless `get(name) >= 0`.
    pub(crate) fn non_negative(&self, name: &str) -> Result<f64, ParamError> {
        let v = self.get(name);
        if v >= 0.0 {
            Ok(v)
        } else {
            Err(ParamError {
                param: name.into(),
                message: format!("must be >= 0 (got {v})"),
            })
        }
    }
}

/// Fails unless `V_reset < V_th` (otherwise the neuron would fire at every step).
pub(crate) fn reset_below_threshold(p: &Params, th: &str) -> Result<(), ParamError> {
    let (r, t) = (p.get("V_reset"), p.get(th));
    if r < t {
        Ok(())
    } else {
        Err(ParamError {
            param: "V_reset".into(),
            message: format!("must be below {th} (got V_reset {r} mV, {th} {t} mV)"),
        })
    }
}

/// Number of whole steps of `t_ref` (NEST rounds refractory time to the grid).
pub(crate) fn refractory_steps(p: &Params, dt: f64) -> Result<u32, ParamError> {
    let t = p.non_negative("t_ref")?;
    Ok((t / dt).round() as u32)
}
