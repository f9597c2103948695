//! Synaptic plasticity: the STDP family, event-driven as in NEST (Morrison et al. 2007).
//!
//! A plastic synapse is updated when its presynaptic spike is delivered, from the presynaptic
//! traces of its source and the spike history of its target. The whole delay `d` is dendritic (NEST's
//! convention): the synapse sees a presynaptic spike at its emission time `t_pre` and a postsynaptic
//! spike at `t_post + d`, so the pairing interval is `Δt = t_post + d − t_pre`. Events at the same
//! time do not pair: at one instant, postsynaptic events potentiate with presynaptic traces that
//! exclude the simultaneous presynaptic spike, then presynaptic events depress with postsynaptic
//! traces that exclude the simultaneous postsynaptic spike. Pair STDP can take SpiNNaker's
//! convention instead ([`ZeroLag::Depress`]): a presynaptic event at the instant a
//! postsynaptic spike reaches the synapse (`Δt = 0`) depresses with that spike in the trace.
//!
//! Weights are kept as magnitudes in `[0, |Wmax|]` with the projection's sign (Dale's law: a weight
//! never changes sign) and in double precision.

mod delta;
mod dense;
mod learning;
mod oja;
mod projection;
mod rules;
mod short_term;
mod tempotron;

pub use delta::{DeltaAnswer, DeltaDef, DeltaProjection};
pub use dense::DenseWeights;
pub use learning::LearningProjection;
pub(crate) use learning::{Learning, Rings, TargetParams};

pub use oja::{OjaDef, OjaProjection};
pub use projection::{PlasticProjection, WeightSnapshot};
pub use rules::RuleKind;
pub use short_term::{ShortTermProjection, TsodyksDef};
pub(crate) use tempotron::{tempotron_kernel, tempotron_target};
pub use tempotron::{PspKernel, TempotronAnswer, TempotronDef, TempotronProjection};

use std::collections::BTreeMap;

/// How spikes pair: every earlier spike of the other side counts (traces add 1 per spike), or only
/// the nearest one (traces are reset to 1 per spike; NEST's `stdp_nn_symm_synapse`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Pairing {
    /// All-to-all interaction.
    AllToAll,
    /// Nearest-spike interaction (symmetric).
    Nearest,
}

/// What pair STDP does with a presynaptic event at the very instant a postsynaptic spike reaches
/// the synapse (`Δt = t_post + d − t_pre = 0`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ZeroLag {
    /// They do not pair (NEST's `stdp_synapse`: the depression reads the postsynaptic trace
    /// strictly before the presynaptic event).
    #[default]
    Unpaired,
    /// The presynaptic event depresses with that spike in the postsynaptic trace, by the
    /// window's full amplitude (the symmetric rule potentiates by it): sPyNNaker's pair rule
    /// (`SpikePairRule`) since 6.0, whose depression takes the newest postsynaptic spike at or
    /// before the presynaptic event.
    Depress,
}

/// Which rule, with its parameters (NEST names, ms).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum PlasticityDef {
    /// Pair-based STDP (NEST `stdp_synapse`): potentiation `λ (1 − w̃)^μ+ K+`, depression
    /// `α λ w̃^μ− K−` on the weight normalised by Wmax; μ = 0 is additive, μ = 1 multiplicative.
    /// `symmetric`: both orders potentiate (Hao et al. 2019); the pre-after-post branch then adds
    /// `α λ (1 − w̃)^μ+ K−`.
    Stdp {
        /// Presynaptic trace time constant (ms).
        tau_plus: f64,
        /// Postsynaptic trace time constant (ms).
        tau_minus: f64,
        /// Learning rate.
        lambda: f64,
        /// Depression / potentiation asymmetry.
        alpha: f64,
        /// Weight dependence exponent of potentiation.
        mu_plus: f64,
        /// Weight dependence exponent of depression.
        mu_minus: f64,
        /// Maximum weight (same sign as the weights).
        w_max: f64,
        /// Spike pairing.
        pairing: Pairing,
        /// Symmetric (both orders potentiate).
        symmetric: bool,
        /// A pairing at zero lag (NEST's convention unless set).
        #[serde(default)]
        zero_lag: ZeroLag,
    },
    /// Triplet STDP (Pfister & Gerstner 2006; NEST `stdp_triplet_synapse`), additive, bounds
    /// `[0, Wmax]`: on a postsynaptic event `w += r1 (A2+ + A3+ o2)`, on a presynaptic one
    /// `w −= o1 (A2− + A3− r2)`, the triplet traces taken just before the spike.
    Triplet {
        /// r1 time constant (ms).
        tau_plus: f64,
        /// r2 time constant (ms), NEST `tau_plus_triplet`.
        tau_x: f64,
        /// o1 time constant (ms).
        tau_minus: f64,
        /// o2 time constant (ms), NEST `tau_minus_triplet`.
        tau_y: f64,
        /// A2+ (NEST `Aplus`).
        a2_plus: f64,
        /// A3+ (NEST `Aplus_triplet`).
        a3_plus: f64,
        /// A2− (NEST `Aminus`).
        a2_minus: f64,
        /// A3− (NEST `Aminus_triplet`).
        a3_minus: f64,
        /// Maximum weight.
        w_max: f64,
        /// Spike pairing.
        pairing: Pairing,
    },
    /// Reward-modulated STDP (Izhikevich 2007; NEST `stdp_dopamine_synapse`): STDP pairs change an
    /// eligibility trace `c` (decay `tau_c`); the dopamine concentration `n` jumps by `1/tau_n` per
    /// spike of the modulator population and decays with `tau_n`; `dw/dt = c (n − b)`, clipped to
    /// `[Wmin, Wmax]`.
    Dopamine {
        /// Presynaptic trace time constant (ms).
        tau_plus: f64,
        /// Postsynaptic trace time constant (ms).
        tau_minus: f64,
        /// Eligibility increase per pre-before-post pair.
        a_plus: f64,
        /// Eligibility decrease per post-before-pre pair.
        a_minus: f64,
        /// Eligibility time constant (ms).
        tau_c: f64,
        /// Dopamine time constant (ms).
        tau_n: f64,
        /// Dopamine baseline.
        b: f64,
        /// Minimum weight magnitude.
        w_min: f64,
        /// Maximum weight.
        w_max: f64,
        /// Index of the population whose spikes release dopamine.
        modulator: usize,
    },
}

/// A triplet parameter set: `(name, pairing, tau_x, tau_y, A2+, A3+, A2−, A3−)`.
pub type TripletPreset = (&'static str, Pairing, f64, f64, f64, f64, f64, f64);

/// Published triplet parameter sets: Pfister & Gerstner (2006), Table 4 ("all" parameters), as
/// `(name, pairing, tau_x, tau_y, A2+, A3+, A2−, A3−)`; tau+ 16.8 ms and tau− 33.7 ms throughout.
pub const TRIPLET_PRESETS: [TripletPreset; 4] = [
    (
        "visual_cortex_all_to_all",
        Pairing::AllToAll,
        101.0,
        125.0,
        5e-10,
        6.2e-3,
        7e-3,
        2.3e-4,
    ),
    (
        "visual_cortex_nearest",
        Pairing::Nearest,
        714.0,
        40.0,
        8.8e-11,
        5.3e-2,
        6.6e-3,
        3.1e-3,
    ),
    (
        "hippocampal_all_to_all",
        Pairing::AllToAll,
        946.0,
        27.0,
        6.1e-3,
        6.7e-3,
        1.6e-3,
        1.4e-3,
    ),
    (
        "hippocampal_nearest",
        Pairing::Nearest,
        575.0,
        47.0,
        4.6e-3,
        9.1e-3,
        3e-3,
        7.5e-9,
    ),
];

/// A plasticity specification that cannot be used: which parameter and why.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, thiserror::Error)]
#[error("plasticity '{field}': {message}")]
pub struct PlasticityError {
    /// Parameter name (e.g. `tau_plus`), or `model`.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn perr(field: &str, message: impl Into<String>) -> PlasticityError {
    PlasticityError {
        field: field.into(),
        message: message.into(),
    }
}

/// The rule names accepted in model files (NEST names are aliases).
pub const MODELS: [&str; 4] = ["stdp", "stdp_symmetric", "stdp_triplet", "stdp_dopamine"];

/// A model name as the rule it means: `stdp`, `stdp_nn` (nearest pairing by default),
/// `stdp_symmetric`, `stdp_triplet` or `stdp_dopamine`.
fn canonical_model(model: &str) -> Result<&'static str, PlasticityError> {
    Ok(match model {
        "stdp" | "stdp_synapse" => "stdp",
        "stdp_nn_symm_synapse" => "stdp_nn",
        "stdp_symmetric" | "sym_stdp" => "stdp_symmetric",
        "stdp_triplet" | "stdp_triplet_synapse" => "stdp_triplet",
        "stdp_dopamine" | "stdp_dopamine_synapse" => "stdp_dopamine",
        other => {
            return Err(perr(
                "model",
                format!(
                    "unknown plasticity model '{other}'; use {} (or NEST's stdp_synapse, \
                     stdp_nn_symm_synapse, stdp_triplet_synapse, stdp_dopamine_synapse), or \
                     one of the whole-matrix rules oja_subspace, tempotron and delta, or \
                     tsodyks (short-term plasticity, NEST's tsodyks_synapse)",
                    MODELS.join(", ")
                ),
            ))
        }
    })
}

/// The parameters a rule takes, with NEST's defaults.
fn defaults(canonical: &str) -> &'static [(&'static str, f64)] {
    match canonical {
        "stdp" | "stdp_nn" => &[
            ("tau_plus", 20.0),
            ("tau_minus", 20.0),
            ("lambda", 0.01),
            ("alpha", 1.0),
            ("mu_plus", 1.0),
            ("mu_minus", 1.0),
            ("Wmax", 100.0),
        ],
        "stdp_symmetric" => &[
            ("tau_plus", 20.0),
            ("tau_minus", 20.0),
            ("lambda", 0.01),
            ("alpha", 1.0),
            ("mu_plus", 0.0),
            ("Wmax", 100.0),
        ],
        "stdp_triplet" => &[
            ("tau_plus", 16.8),
            ("tau_plus_triplet", 101.0),
            ("tau_minus", 33.7),
            ("tau_minus_triplet", 125.0),
            ("Aplus", 5e-10),
            ("Aplus_triplet", 6.2e-3),
            ("Aminus", 7e-3),
            ("Aminus_triplet", 2.3e-4),
            ("Wmax", 100.0),
        ],
        _ => &[
            ("tau_plus", 20.0),
            ("tau_minus", 20.0),
            ("A_plus", 1.0),
            ("A_minus", 1.5),
            ("tau_c", 1000.0),
            ("tau_n", 200.0),
            ("b", 0.0),
            ("Wmin", 0.0),
            ("Wmax", 200.0),
        ],
    }
}

/// The pairing asked for (`all_to_all` | `nearest`), or the rule's default.
fn pairing_of(canonical: &str, pairing: Option<&str>) -> Result<Pairing, PlasticityError> {
    match pairing {
        None if canonical == "stdp_nn" => Ok(Pairing::Nearest),
        None | Some("all_to_all") => Ok(Pairing::AllToAll),
        Some("nearest") => Ok(Pairing::Nearest),
        Some(other) => Err(perr(
            "pairing",
            format!("pairing must be \"all_to_all\" or \"nearest\" (got \"{other}\")"),
        )),
    }
}

/// A triplet preset's values over the defaults; the preset fixes the pairing.
fn apply_preset(
    name: &str,
    pairing_given: bool,
    pairing: &mut Pairing,
    values: &mut BTreeMap<&str, f64>,
) -> Result<(), PlasticityError> {
    let Some(p) = TRIPLET_PRESETS.iter().find(|p| p.0 == name) else {
        let names: Vec<&str> = TRIPLET_PRESETS.iter().map(|p| p.0).collect();
        return Err(perr(
            "preset",
            format!("unknown preset '{name}'; use one of {}", names.join(", ")),
        ));
    };
    if pairing_given && *pairing != p.1 {
        return Err(perr(
            "pairing",
            format!("preset {name} fixes the pairing; leave pairing out"),
        ));
    }
    *pairing = p.1;
    values.insert("tau_plus_triplet", p.2);
    values.insert("tau_minus_triplet", p.3);
    values.insert("Aplus", p.4);
    values.insert("Aplus_triplet", p.5);
    values.insert("Aminus", p.6);
    values.insert("Aminus_triplet", p.7);
    Ok(())
}

impl PlasticityDef {
    /// Builds a rule from its model name, numeric parameters (NEST names), pairing
    /// (`all_to_all` | `nearest`), triplet preset and, for `stdp_dopamine`, the modulator
    /// population index. Unknown parameters are refused here; the values are checked by
    /// [`PlasticityDef::validate`] when the projection is added to a [`crate::Network`].
    pub fn from_params(
        model: &str,
        params: &BTreeMap<String, f64>,
        pairing: Option<&str>,
        preset: Option<&str>,
        modulator: Option<usize>,
    ) -> Result<PlasticityDef, PlasticityError> {
        let canonical = canonical_model(model)?;
        let mut pairing_used = pairing_of(canonical, pairing)?;
        if preset.is_some() && canonical != "stdp_triplet" {
            return Err(perr("preset", "presets exist for stdp_triplet only"));
        }
        if modulator.is_some() != (canonical == "stdp_dopamine") {
            return Err(perr(
                "modulator",
                if canonical == "stdp_dopamine" {
                    "stdp_dopamine needs modulator = \"<population whose spikes release dopamine>\""
                } else {
                    "modulator applies to stdp_dopamine only"
                },
            ));
        }
        let allowed = defaults(canonical);
        if let Some(k) = params.keys().find(|k| !allowed.iter().any(|(a, _)| a == k)) {
            let names: Vec<&str> = allowed.iter().map(|(a, _)| *a).collect();
            return Err(perr(
                k,
                format!(
                    "'{k}' is not a parameter of {model}; its parameters are: {}",
                    names.join(", ")
                ),
            ));
        }
        let mut values: BTreeMap<&str, f64> = allowed.iter().copied().collect();
        if let Some(name) = preset {
            apply_preset(name, pairing.is_some(), &mut pairing_used, &mut values)?;
        }
        for (k, v) in params {
            values.insert(k.as_str(), *v);
        }
        Self::assemble(canonical, &values, pairing_used, modulator)
    }

    /// The rule `canonical` with every parameter's value.
    fn assemble(
        canonical: &str,
        values: &BTreeMap<&str, f64>,
        pairing: Pairing,
        modulator: Option<usize>,
    ) -> Result<PlasticityDef, PlasticityError> {
        let v = |k: &str| values[k];
        Ok(match canonical {
            "stdp" | "stdp_nn" | "stdp_symmetric" => {
                let symmetric = canonical == "stdp_symmetric";
                PlasticityDef::Stdp {
                    tau_plus: v("tau_plus"),
                    tau_minus: v("tau_minus"),
                    lambda: v("lambda"),
                    alpha: v("alpha"),
                    mu_plus: v("mu_plus"),
                    mu_minus: if symmetric { 0.0 } else { v("mu_minus") },
                    w_max: v("Wmax"),
                    pairing,
                    symmetric,
                    zero_lag: ZeroLag::Unpaired,
                }
            }
            "stdp_triplet" => PlasticityDef::Triplet {
                tau_plus: v("tau_plus"),
                tau_x: v("tau_plus_triplet"),
                tau_minus: v("tau_minus"),
                tau_y: v("tau_minus_triplet"),
                a2_plus: v("Aplus"),
                a3_plus: v("Aplus_triplet"),
                a2_minus: v("Aminus"),
                a3_minus: v("Aminus_triplet"),
                w_max: v("Wmax"),
                pairing,
            },
            _ => {
                if pairing != Pairing::AllToAll {
                    return Err(perr("pairing", "stdp_dopamine pairs all-to-all only"));
                }
                PlasticityDef::Dopamine {
                    tau_plus: v("tau_plus"),
                    tau_minus: v("tau_minus"),
                    a_plus: v("A_plus"),
                    a_minus: v("A_minus"),
                    tau_c: v("tau_c"),
                    tau_n: v("tau_n"),
                    b: v("b"),
                    w_min: v("Wmin"),
                    w_max: v("Wmax"),
                    modulator: modulator.expect("checked by from_params"),
                }
            }
        })
    }

    /// The parameters by their NEST names, in the order of the rule's fields.
    pub fn params(&self) -> Vec<(&'static str, f64)> {
        match *self {
            PlasticityDef::Stdp {
                tau_plus,
                tau_minus,
                lambda,
                alpha,
                mu_plus,
                mu_minus,
                w_max,
                ..
            } => vec![
                ("tau_plus", tau_plus),
                ("tau_minus", tau_minus),
                ("lambda", lambda),
                ("alpha", alpha),
                ("mu_plus", mu_plus),
                ("mu_minus", mu_minus),
                ("Wmax", w_max),
            ],
            PlasticityDef::Triplet {
                tau_plus,
                tau_x,
                tau_minus,
                tau_y,
                a2_plus,
                a3_plus,
                a2_minus,
                a3_minus,
                w_max,
                ..
            } => vec![
                ("tau_plus", tau_plus),
                ("tau_plus_triplet", tau_x),
                ("tau_minus", tau_minus),
                ("tau_minus_triplet", tau_y),
                ("Aplus", a2_plus),
                ("Aplus_triplet", a3_plus),
                ("Aminus", a2_minus),
                ("Aminus_triplet", a3_minus),
                ("Wmax", w_max),
            ],
            PlasticityDef::Dopamine {
                tau_plus,
                tau_minus,
                a_plus,
                a_minus,
                tau_c,
                tau_n,
                b,
                w_min,
                w_max,
                ..
            } => vec![
                ("tau_plus", tau_plus),
                ("tau_minus", tau_minus),
                ("A_plus", a_plus),
                ("A_minus", a_minus),
                ("tau_c", tau_c),
                ("tau_n", tau_n),
                ("b", b),
                ("Wmin", w_min),
                ("Wmax", w_max),
            ],
        }
    }

    /// Checks the values: finite, time constants > 0, amplitudes and rates >= 0, Wmax not 0,
    /// and for `stdp_dopamine` Wmin between 0 and Wmax with Wmax's sign.
    /// A network checks every plastic projection with it when the projection is added.
    pub fn validate(&self) -> Result<(), PlasticityError> {
        for (k, v) in self.params() {
            if !v.is_finite() {
                return Err(perr(k, format!("{k} must be finite (got {v})")));
            }
            // time constants are positive; amplitudes not negative; Wmax, Wmin and b take a sign
            if k.starts_with("tau") && v <= 0.0 {
                return Err(perr(k, format!("{k} must be > 0 ms (got {v})")));
            }
            if !matches!(k, "Wmax" | "Wmin" | "b") && v < 0.0 {
                return Err(perr(k, format!("{k} must be >= 0 (got {v})")));
            }
        }
        let w_max = self.w_max();
        if w_max == 0.0 {
            return Err(perr("Wmax", "Wmax must not be 0"));
        }
        if let PlasticityDef::Dopamine { w_min, .. } = *self {
            if w_min.signum() * w_max.signum() < 0.0 || w_min.abs() > w_max.abs() {
                return Err(perr(
                    "Wmin",
                    format!(
                        "Wmin ({w_min}) must lie between 0 and Wmax ({w_max}) with Wmax's sign"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The rule with pairings at zero lag handled as `zero_lag` says; refused for rules other
    /// than pair STDP (`stdp`, `stdp_nn`, `stdp_symmetric`).
    pub fn with_zero_lag(mut self, zero_lag: ZeroLag) -> Result<PlasticityDef, PlasticityError> {
        if let PlasticityDef::Stdp { zero_lag: z, .. } = &mut self {
            *z = zero_lag;
            return Ok(self);
        }
        Err(perr(
            "zero_lag",
            format!(
                "zero_lag applies to pair STDP (stdp, stdp_nn, stdp_symmetric), not to {}",
                self.name()
            ),
        ))
    }

    /// Maximum weight (with the weights' sign).
    pub fn w_max(&self) -> f64 {
        match self {
            PlasticityDef::Stdp { w_max, .. }
            | PlasticityDef::Triplet { w_max, .. }
            | PlasticityDef::Dopamine { w_max, .. } => *w_max,
        }
    }

    /// Minimum weight magnitude (0 except for `stdp_dopamine`'s Wmin).
    pub fn w_min(&self) -> f64 {
        match self {
            PlasticityDef::Dopamine { w_min, .. } => w_min.abs(),
            _ => 0.0,
        }
    }

    /// The modulator population, for reward-modulated rules.
    pub fn modulator(&self) -> Option<usize> {
        match self {
            PlasticityDef::Dopamine { modulator, .. } => Some(*modulator),
            _ => None,
        }
    }

    /// Model name as written in model files.
    pub fn name(&self) -> &'static str {
        match self {
            PlasticityDef::Stdp {
                symmetric: true, ..
            } => "stdp_symmetric",
            PlasticityDef::Stdp { .. } => "stdp",
            PlasticityDef::Triplet { .. } => "stdp_triplet",
            PlasticityDef::Dopamine { .. } => "stdp_dopamine",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(kv: &[(&str, f64)]) -> BTreeMap<String, f64> {
        kv.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn defaults_follow_nest_and_errors_name_the_parameter() {
        let d = PlasticityDef::from_params("stdp_synapse", &p(&[]), None, None, None).unwrap();
        assert_eq!(d.w_max(), 100.0);
        // values are checked by validate (which a network runs on every plastic projection)
        let d = PlasticityDef::from_params("stdp", &p(&[("tau_plus", -1.0)]), None, None, None)
            .unwrap();
        let e = d.validate().unwrap_err();
        assert_eq!(e.field, "tau_plus");
        assert_eq!(e.message, "tau_plus must be > 0 ms (got -1)");
        let e = PlasticityDef::from_params("stdp", &p(&[("Aplus", 1.0)]), None, None, None)
            .unwrap_err();
        assert!(e.message.contains("lambda"), "{}", e.message);
        let e = PlasticityDef::from_params("stdp_dopamine", &p(&[]), None, None, None).unwrap_err();
        assert_eq!(e.field, "modulator");
        let nn = PlasticityDef::from_params("stdp_nn_symm_synapse", &p(&[]), None, None, None);
        assert!(matches!(
            nn,
            Ok(PlasticityDef::Stdp {
                pairing: Pairing::Nearest,
                ..
            })
        ));
        let t = PlasticityDef::from_params(
            "stdp_triplet",
            &p(&[]),
            None,
            Some("hippocampal_nearest"),
            None,
        )
        .unwrap();
        assert!(matches!(
            t,
            PlasticityDef::Triplet {
                pairing: Pairing::Nearest,
                tau_x,
                ..
            } if tau_x == 575.0
        ));
        let e = PlasticityDef::from_params(
            "stdp_triplet",
            &p(&[]),
            Some("all_to_all"),
            Some("hippocampal_nearest"),
            None,
        )
        .unwrap_err();
        assert_eq!(e.field, "pairing");
    }
}
