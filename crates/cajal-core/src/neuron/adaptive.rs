//! Adaptive Runge–Kutta–Fehlberg 4(5) integration, step by step as GSL's `gsl_odeiv` does it for
//! NEST (stepper `rkf45`, control `y_new(eps_abs, 0)`, `gsl_odeiv_evolve_apply` called until the
//! time step is covered), so that a model NEST integrates this way follows the same sequence of
//! sub-steps and agrees with it to rounding.
//!
//! One call covers one time step `dt`. The sub-step size `h` is carried from call to call (it is
//! part of the neuron's state, as NEST's `IntegrationStep_` is). Each sub-step:
//! - is cut to the time left in the step (then it is the step's last);
//! - takes the Fehlberg tableau's six stages; the new state is the fifth-order solution, and the
//!   error estimate the difference to the fourth-order one;
//! - is judged by the largest `|error| / eps_abs` over the state, `r`: above 1.1 the sub-step is
//!   undone and retried with `h · max(0.9 r^(−1/5), 0.2)` (unless that no longer moves the time
//!   by one ulp); below 0.5 the next sub-step grows to `h · min(max(0.9 r^(−1/6), 1), 5)`.
//!
//! The right-hand side is autonomous within a time step (inputs change only between steps), so
//! the stage times are not passed.

/// Largest number of accepted sub-steps in one time step. A state that needs more is being
/// driven to a singularity (or is already non-finite); the integration stops and the membrane
/// potential is set to NaN, which the simulation's finite-state check reports with the neuron
/// and the time.
pub(crate) const MAX_SUBSTEPS: u32 = 100_000;

// The Runge–Kutta–Fehlberg coefficients (Fehlberg 1969), as written in GSL's rkf45.
const A: [f64; 5] = [1.0 / 4.0, 3.0 / 8.0, 12.0 / 13.0, 1.0, 1.0 / 2.0];
const B3: [f64; 2] = [3.0 / 32.0, 9.0 / 32.0];
const B4: [f64; 3] = [1932.0 / 2197.0, -7200.0 / 2197.0, 7296.0 / 2197.0];
const B5: [f64; 4] = [
    8341.0 / 4104.0,
    -32832.0 / 4104.0,
    29440.0 / 4104.0,
    -845.0 / 4104.0,
];
const B6: [f64; 5] = [
    -6080.0 / 20520.0,
    41040.0 / 20520.0,
    -28352.0 / 20520.0,
    9295.0 / 20520.0,
    -5643.0 / 20520.0,
];
const C1: f64 = 902880.0 / 7618050.0;
const C3: f64 = 3953664.0 / 7618050.0;
const C4: f64 = 3855735.0 / 7618050.0;
const C5: f64 = -1371249.0 / 7618050.0;
const C6: f64 = 277020.0 / 7618050.0;
// fifth- minus fourth-order weights, for the error estimate
const E1: f64 = 1.0 / 360.0;
const E3: f64 = -128.0 / 4275.0;
const E4: f64 = -2197.0 / 75240.0;
const E5: f64 = 1.0 / 50.0;
const E6: f64 = 2.0 / 55.0;
/// The stepper's order, which sets the control's exponents.
const ORDER: f64 = 5.0;

/// One Fehlberg step of size `h` from `y` with `k1 = f(y)` given: the fifth-order solution and
/// the error estimate.
#[inline]
fn fehlberg<const N: usize>(
    y: &[f64; N],
    k1: &[f64; N],
    h: f64,
    f: &impl Fn(&[f64; N]) -> [f64; N],
) -> ([f64; N], [f64; N]) {
    let mut t = [0.0; N];
    for i in 0..N {
        t[i] = y[i] + A[0] * h * k1[i];
    }
    let k2 = f(&t);
    for i in 0..N {
        t[i] = y[i] + h * (B3[0] * k1[i] + B3[1] * k2[i]);
    }
    let k3 = f(&t);
    for i in 0..N {
        t[i] = y[i] + h * (B4[0] * k1[i] + B4[1] * k2[i] + B4[2] * k3[i]);
    }
    let k4 = f(&t);
    for i in 0..N {
        t[i] = y[i] + h * (B5[0] * k1[i] + B5[1] * k2[i] + B5[2] * k3[i] + B5[3] * k4[i]);
    }
    let k5 = f(&t);
    for i in 0..N {
        t[i] = y[i]
            + h * (B6[0] * k1[i] + B6[1] * k2[i] + B6[2] * k3[i] + B6[3] * k4[i] + B6[4] * k5[i]);
    }
    let k6 = f(&t);
    let mut out = *y;
    let mut err = [0.0; N];
    for i in 0..N {
        let d = C1 * k1[i] + C3 * k3[i] + C4 * k4[i] + C5 * k5[i] + C6 * k6[i];
        out[i] += h * d;
        err[i] = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i]);
    }
    (out, err)
}

/// What the error control makes of a sub-step: the next size, and whether it must be retried.
#[inline]
fn adjust<const N: usize>(err: &[f64; N], eps_abs: f64, h: f64) -> (f64, bool) {
    const S: f64 = 0.9;
    let rmax = err
        .iter()
        .fold(f64::MIN_POSITIVE, |m, e| m.max(e.abs() / eps_abs));
    if rmax > 1.1 {
        let r = (S / rmax.powf(1.0 / ORDER)).max(0.2);
        (r * h, true)
    } else if rmax < 0.5 {
        let r = (S / rmax.powf(1.0 / (ORDER + 1.0))).clamp(1.0, 5.0);
        (r * h, false)
    } else {
        (h, false)
    }
}

/// Advances `y' = f(y)` by one time step `dt` in adaptive sub-steps, starting with the carried
/// sub-step size `h` (updated). Returns false, with `y` where it stopped, when the state is no
/// longer finite or [`MAX_SUBSTEPS`] did not cover the step.
pub(crate) fn rkf45_over_step<const N: usize>(
    y: &mut [f64; N],
    dt: f64,
    h: &mut f64,
    eps_abs: f64,
    f: impl Fn(&[f64; N]) -> [f64; N],
) -> bool {
    let mut t = 0.0;
    let mut steps = 0;
    while t < dt {
        steps += 1;
        if steps > MAX_SUBSTEPS || !y.iter().all(|v| v.is_finite()) {
            return false;
        }
        // one `gsl_odeiv_evolve_apply` from t towards dt
        let k1 = f(y);
        let left = dt - t;
        let mut h0 = *h;
        loop {
            let last = h0 > left;
            if last {
                h0 = left;
            }
            let (next, err) = fehlberg(y, &k1, h0, &f);
            let t_new = if last { dt } else { t + h0 };
            let (h_new, retry) = adjust(&err, eps_abs, h0);
            if retry && h_new < h0 && t_new + h_new != t_new {
                h0 = h_new;
                continue;
            }
            *y = next;
            t = t_new;
            // a step that asked to shrink but could not keeps its size
            *h = if retry { h0 } else { h_new };
            break;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On `y' = −y` the adaptive steps reach e^{−t} within the tolerance, over many time steps,
    /// and a tighter tolerance takes smaller sub-steps.
    #[test]
    fn decay_follows_the_exponential_within_tolerance() {
        for eps in [1e-3, 1e-8] {
            let mut y = [1.0];
            let mut h = 0.1;
            for _ in 0..100 {
                assert!(rkf45_over_step(&mut y, 0.1, &mut h, eps, |y| [-y[0]]));
            }
            assert!((y[0] - (-10.0f64).exp()).abs() < 10.0 * eps, "{}", y[0]);
        }
    }

    /// A stiff decay (time constant 1e-3 of the step) is integrated stably by shrinking the
    /// sub-step, and the carried size stays small.
    #[test]
    fn stiff_decay_shrinks_the_substep() {
        let mut y = [1.0, 1.0];
        let mut h = 0.1;
        assert!(rkf45_over_step(&mut y, 0.1, &mut h, 1e-6, |y| [
            -1000.0 * y[0],
            -y[1]
        ]));
        assert!(y[0].abs() < 1e-6 && h < 0.01, "{y:?} {h}");
        assert!((y[1] - (-0.1f64).exp()).abs() < 1e-6);
    }

    /// A blow-up (y' = y², from 1: infinite at t = 1) stops with false instead of looping.
    #[test]
    fn blow_up_stops() {
        let mut y = [1.0];
        let mut h = 0.1;
        let mut ok = true;
        for _ in 0..20 {
            ok &= rkf45_over_step(&mut y, 0.1, &mut h, 1e-3, |y| [y[0] * y[0]]);
            if !ok {
                break;
            }
        }
        assert!(!ok);
    }
}
