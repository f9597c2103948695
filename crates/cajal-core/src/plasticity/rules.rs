//! The weight updates of each rule, on weight magnitudes, with the traces already evaluated.

use super::{Pairing, PlasticityDef};

/// `exp(−k·dt/tau)` for whole steps `k`, as the product of three small tables (by 6-bit digits of
/// `k`, 1.5 KB in all, so they stay in the L1 cache however spread the intervals are), up to
/// 2^18 steps; beyond that from the formula. The product differs from the formula by a few
/// units in the last place.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(from = "DecaySpec", into = "DecaySpec")]
pub(crate) struct Decay {
    dt: f64,
    tau: f64,
    digits: [[f64; 64]; 3],
}

/// What a [`Decay`] is saved as: its tables are rebuilt when it is read back.
#[derive(Clone, Copy, serde::Serialize, serde::Deserialize)]
struct DecaySpec {
    dt: f64,
    tau: f64,
}

impl From<DecaySpec> for Decay {
    fn from(s: DecaySpec) -> Self {
        Decay::new(s.tau, s.dt)
    }
}

impl From<Decay> for DecaySpec {
    fn from(d: Decay) -> Self {
        DecaySpec {
            dt: d.dt,
            tau: d.tau,
        }
    }
}

impl Decay {
    pub(crate) fn new(tau: f64, dt: f64) -> Self {
        let mut digits = [[0.0; 64]; 3];
        for (d, table) in digits.iter_mut().enumerate() {
            for (i, x) in table.iter_mut().enumerate() {
                let k = (i as f64) * (64f64).powi(d as i32);
                *x = (-k * dt / tau).exp();
            }
        }
        Decay { dt, tau, digits }
    }

    /// The two tables of the low digits: for `k < 4096`, [`Decay::over`] is
    /// `low[k & 63] * high[k >> 6]` (its third factor is `exp(0) = 1`: the same bits).
    pub(crate) fn near_tables(&self) -> (&[f64; 64], &[f64; 64]) {
        (&self.digits[0], &self.digits[1])
    }

    /// The decay factor over `k >= 0` steps.
    #[inline]
    pub(crate) fn over(&self, k: i64) -> f64 {
        debug_assert!(k >= 0);
        if k < 1 << 18 {
            let k = k as usize;
            self.digits[0][k & 63] * self.digits[1][(k >> 6) & 63] * self.digits[2][k >> 12]
        } else {
            (-(k as f64) * self.dt / self.tau).exp()
        }
    }
}

/// A rule with its parameters in the form the updates use.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum RuleKind {
    /// Pair STDP on the normalised weight (NEST `stdp_synapse`), possibly symmetric.
    Stdp {
        /// λ.
        lambda: f64,
        /// α.
        alpha: f64,
        /// μ+.
        mu_plus: f64,
        /// μ−.
        mu_minus: f64,
        /// Both orders potentiate.
        symmetric: bool,
    },
    /// Triplet STDP (additive).
    Triplet {
        /// A2+.
        a2_plus: f64,
        /// A3+.
        a3_plus: f64,
        /// A2−.
        a2_minus: f64,
        /// A3−.
        a3_minus: f64,
    },
    /// Reward-modulated STDP.
    Dopamine {
        /// A+.
        a_plus: f64,
        /// A−.
        a_minus: f64,
        /// Eligibility time constant (ms).
        tau_c: f64,
        /// Dopamine time constant (ms).
        tau_n: f64,
        /// Dopamine baseline.
        b: f64,
    },
}

/// `x^mu` with the common exponents 0 and 1 exact and cheap.
#[inline]
fn pow(x: f64, mu: f64) -> f64 {
    if mu == 0.0 {
        1.0
    } else if mu == 1.0 {
        x
    } else {
        x.max(0.0).powf(mu)
    }
}

/// Everything an update needs: the rule, the bounds and the trace decays.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Rule {
    pub kind: RuleKind,
    pub pairing: Pairing,
    /// A presynaptic event depresses with a postsynaptic spike that reaches the synapse at the
    /// same step ([`super::ZeroLag::Depress`]). Part of the network's definition, not of its
    /// state: not saved; a restored projection takes it from the one just built.
    #[serde(skip)]
    pub zero_lag_depresses: bool,
    /// Weight magnitude bounds.
    pub w_min: f64,
    pub w_max: f64,
    /// Presynaptic traces r1 (tau_plus) and r2 (tau_x).
    pub pre1: Decay,
    pub pre2: Option<Decay>,
    /// Postsynaptic traces o1 (tau_minus) and o2 (tau_y).
    pub post1: Decay,
    pub post2: Option<Decay>,
    /// Dopamine: decays of c and n over whole steps, and the step (ms).
    pub elig: Option<Decay>,
    pub dopa: Option<Decay>,
    pub dt: f64,
}

impl Rule {
    pub(crate) fn new(def: &PlasticityDef, dt: f64) -> Rule {
        let d = |tau: f64| Decay::new(tau, dt);
        match *def {
            PlasticityDef::Stdp {
                tau_plus,
                tau_minus,
                lambda,
                alpha,
                mu_plus,
                mu_minus,
                w_max,
                pairing,
                symmetric,
                zero_lag,
            } => Rule {
                zero_lag_depresses: zero_lag == super::ZeroLag::Depress,
                kind: RuleKind::Stdp {
                    lambda,
                    alpha,
                    mu_plus,
                    mu_minus,
                    symmetric,
                },
                pairing,
                w_min: 0.0,
                w_max: w_max.abs(),
                pre1: d(tau_plus),
                pre2: None,
                post1: d(tau_minus),
                post2: None,
                elig: None,
                dopa: None,
                dt,
            },
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
                pairing,
            } => Rule {
                zero_lag_depresses: false,
                kind: RuleKind::Triplet {
                    a2_plus,
                    a3_plus,
                    a2_minus,
                    a3_minus,
                },
                pairing,
                w_min: 0.0,
                w_max: w_max.abs(),
                pre1: d(tau_plus),
                pre2: Some(d(tau_x)),
                post1: d(tau_minus),
                post2: Some(d(tau_y)),
                elig: None,
                dopa: None,
                dt,
            },
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
            } => Rule {
                zero_lag_depresses: false,
                kind: RuleKind::Dopamine {
                    a_plus,
                    a_minus,
                    tau_c,
                    tau_n,
                    b,
                },
                pairing: Pairing::AllToAll,
                w_min: w_min.abs(),
                w_max: w_max.abs(),
                pre1: d(tau_plus),
                pre2: None,
                post1: d(tau_minus),
                post2: None,
                elig: Some(d(tau_c)),
                dopa: Some(d(tau_n)),
                dt,
            },
        }
    }

    /// A trace after a spike, from its value just before.
    #[inline]
    pub(crate) fn bump(&self, before: f64) -> f64 {
        match self.pairing {
            Pairing::AllToAll => before + 1.0,
            Pairing::Nearest => 1.0,
        }
    }

    /// The weight after a postsynaptic event: `r1` the presynaptic trace, `o2` the triplet
    /// postsynaptic trace just before the postsynaptic spike. (Dopamine: see [`Rule::elig_post`].)
    #[inline]
    pub(crate) fn potentiate(&self, u: f64, r1: f64, o2: f64) -> f64 {
        match self.kind {
            RuleKind::Stdp {
                lambda, mu_plus, ..
            } => {
                let x = u + self.w_max * lambda * pow(1.0 - u / self.w_max, mu_plus) * r1;
                x.min(self.w_max)
            }
            RuleKind::Triplet {
                a2_plus, a3_plus, ..
            } => (u + r1 * (a2_plus + a3_plus * o2)).min(self.w_max),
            RuleKind::Dopamine { .. } => u,
        }
    }

    /// The weight after a presynaptic event: `o1` the postsynaptic trace, `r2` the triplet
    /// presynaptic trace just before the presynaptic spike.
    #[inline]
    pub(crate) fn depress(&self, u: f64, o1: f64, r2: f64) -> f64 {
        self.depressor().apply(u, o1, r2)
    }

    /// [`Rule::depress`] with the rule's constants taken out, for a loop over many synapses: the
    /// same arithmetic in the same order, so the same bits, without reading the rule or dividing
    /// by `w_max` per synapse when the exponent is 0.
    #[inline]
    pub(crate) fn depressor(&self) -> Depressor {
        match self.kind {
            RuleKind::Stdp {
                lambda,
                alpha,
                mu_plus,
                mu_minus,
                symmetric,
            } => {
                let c = self.w_max * alpha * lambda;
                match (symmetric, mu_plus, mu_minus) {
                    (false, _, 0.0) => Depressor::Additive { c },
                    (false, _, mu) => Depressor::Multiplicative {
                        c,
                        w_max: self.w_max,
                        mu,
                    },
                    (true, 0.0, _) => Depressor::SymmetricAdditive {
                        c,
                        w_max: self.w_max,
                    },
                    (true, mu, _) => Depressor::Symmetric {
                        c,
                        w_max: self.w_max,
                        mu,
                    },
                }
            }
            RuleKind::Triplet {
                a2_minus, a3_minus, ..
            } => Depressor::Triplet { a2_minus, a3_minus },
            RuleKind::Dopamine { .. } => Depressor::Keep,
        }
    }

    /// The weight after a presynaptic event of pair STDP with the depression rate `rate` in
    /// place of α·λ (the astrocyte's value).
    #[inline]
    pub(crate) fn depress_at_rate(&self, u: f64, o1: f64, rate: f64) -> f64 {
        match self.kind {
            RuleKind::Stdp { mu_minus, .. } => {
                let x = u - self.w_max * rate * pow(u / self.w_max, mu_minus) * o1;
                x.clamp(0.0, self.w_max)
            }
            _ => u,
        }
    }

    /// Dopamine: `(w, c)` after `k` steps with eligibility `c` and dopamine `n` at the start.
    #[inline]
    pub(crate) fn integrate(&self, u: f64, c: f64, n: f64, k: i64) -> (f64, f64) {
        let RuleKind::Dopamine {
            tau_c, tau_n, b, ..
        } = self.kind
        else {
            return (u, c);
        };
        if k <= 0 || c == 0.0 {
            return (u, c);
        }
        let span = k as f64 * self.dt;
        let rate_s = (tau_c + tau_n) / (tau_c * tau_n);
        let gain =
            c * (n / rate_s * -(-rate_s * span).exp_m1() + b * tau_c * (-span / tau_c).exp_m1());
        let u = (u + gain).clamp(self.w_min, self.w_max);
        let c = c * self.elig.as_ref().expect("dopamine rule").over(k);
        (u, c)
    }

    /// Dopamine: `(tau_c, b, step weight)`, where the step weight is
    /// `∫₀^dt e^{−s/tau_c − s/tau_n} ds`, the contribution of one step to the dopamine integral
    /// per unit of dopamine at its start; `None` for other rules.
    pub(crate) fn dopamine_integral_constants(&self) -> Option<(f64, f64, f64)> {
        let RuleKind::Dopamine {
            tau_c, tau_n, b, ..
        } = self.kind
        else {
            return None;
        };
        let tau_s = tau_c * tau_n / (tau_c + tau_n);
        Some((tau_c, b, -tau_s * (-self.dt / tau_s).exp_m1()))
    }

    /// Dopamine: eligibility after a postsynaptic event with presynaptic trace `r1`.
    #[inline]
    pub(crate) fn elig_post(&self, c: f64, r1: f64) -> f64 {
        match self.kind {
            RuleKind::Dopamine { a_plus, .. } => c + a_plus * r1,
            _ => c,
        }
    }

    /// True for reward-modulated rules.
    pub(crate) fn is_dopamine(&self) -> bool {
        matches!(self.kind, RuleKind::Dopamine { .. })
    }
}

/// A rule's depression at a presynaptic event, its constants in registers (see
/// [`Rule::depressor`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Depressor {
    /// Pair STDP with μ− = 0: `max(u − c·o1, 0)`.
    Additive { c: f64 },
    /// Pair STDP: `max(u − c·(u/w_max)^μ·o1, 0)`.
    Multiplicative { c: f64, w_max: f64, mu: f64 },
    /// Symmetric pair STDP (both orders potentiate): `min(u + c·(1 − u/w_max)^μ·o1, w_max)`.
    Symmetric { c: f64, w_max: f64, mu: f64 },
    /// [`Depressor::Symmetric`] with μ = 0: `min(u + c·o1, w_max)` (the same bits: the power is
    /// exactly 1), without a division per synapse.
    SymmetricAdditive { c: f64, w_max: f64 },
    /// Triplet STDP: `max(u − o1·(A2− + A3−·r2), 0)`.
    Triplet { a2_minus: f64, a3_minus: f64 },
    /// No change at a presynaptic event (reward-modulated rules act through eligibility).
    Keep,
}

impl Depressor {
    /// The new magnitude of a synapse of magnitude `u` whose target's trace is `o1` (`r2`: the
    /// source's slow trace, triplet rule).
    #[inline(always)]
    pub(crate) fn apply(self, u: f64, o1: f64, r2: f64) -> f64 {
        match self {
            // (c·1.0 is c: the factor (u/w_max)^0 of the general form changes no bit)
            Depressor::Additive { c } => (u - c * 1.0 * o1).max(0.0),
            Depressor::Multiplicative { c, w_max, mu } => {
                (u - c * pow(u / w_max, mu) * o1).max(0.0)
            }
            Depressor::Symmetric { c, w_max, mu } => {
                (u + c * pow(1.0 - u / w_max, mu) * o1).min(w_max)
            }
            Depressor::SymmetricAdditive { c, w_max } => (u + c * 1.0 * o1).min(w_max),
            Depressor::Triplet { a2_minus, a3_minus } => {
                (u - o1 * (a2_minus + a3_minus * r2)).max(0.0)
            }
            Depressor::Keep => u,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The symmetric update without an exponent gives the bits of the general one with μ = 0,
    /// bounds included.
    #[test]
    fn symmetric_additive_is_symmetric_with_exponent_zero() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        for _ in 0..10_000 {
            let (c, w_max) = (rng.random_range(0.0..0.1), rng.random_range(0.5..10.0));
            let (u, o1) = (rng.random_range(0.0..w_max), rng.random_range(0.0..50.0));
            let general = Depressor::Symmetric { c, w_max, mu: 0.0 }.apply(u, o1, 0.0);
            let additive = Depressor::SymmetricAdditive { c, w_max }.apply(u, o1, 0.0);
            assert_eq!(
                general.to_bits(),
                additive.to_bits(),
                "{u} {o1} {c} {w_max}"
            );
        }
    }
}
