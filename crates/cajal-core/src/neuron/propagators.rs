//! Exact propagators of linear subthreshold dynamics (Rotter & Diesmann 1999).
//!
//! With `a = 1/tau_syn`, `b = 1/tau_m`, `d = a - b` and step `h`, a synaptic current
//! `I(t) = I0 exp(-a t)` moves the membrane by `I0 * p32` after one step, and an alpha-function
//! input `y1(t) = y1_0 t exp(-a t)` by `y1_0 * p31`. The forms below use `expm1` so that they stay
//! accurate when `tau_syn` is close to or equal to `tau_m` (no singular case).

/// `(1/C) * (exp(-b h) - exp(-a h)) / (a - b)`: membrane response to a decaying current.
pub fn p32(tau_syn: f64, tau_m: f64, c_m: f64, h: f64) -> f64 {
    let a = 1.0 / tau_syn;
    let b = 1.0 / tau_m;
    let d = a - b;
    let ea = (-a * h).exp();
    if d == 0.0 {
        return h * ea / c_m;
    }
    ea * (d * h).exp_m1() / d / c_m
}

/// `(1/C) * (exp(-b h) - exp(-a h)(1 + d h)) / d^2`: membrane response to the alpha kernel's
/// derivative state.
pub fn p31(tau_syn: f64, tau_m: f64, c_m: f64, h: f64) -> f64 {
    let a = 1.0 / tau_syn;
    let b = 1.0 / tau_m;
    let d = a - b;
    let ea = (-a * h).exp();
    let x = d * h;
    // exp(x) - 1 - x, accurate for small x
    let g = if x.abs() < 1e-3 {
        x * x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x / 120.0)))
    } else {
        x.exp_m1() - x
    };
    if d == 0.0 {
        return 0.5 * h * h * ea / c_m;
    }
    ea * g / (d * d) / c_m
}

/// `(tau_m / C) * (1 - exp(-h / tau_m))`: membrane response to a constant current over one step.
pub fn p30(tau_m: f64, c_m: f64, h: f64) -> f64 {
    -tau_m / c_m * (-h / tau_m).exp_m1()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn propagators_are_continuous_at_equal_time_constants() {
        let h = 0.1;
        for &(tau, c) in &[(10.0, 250.0), (2.0, 1.0)] {
            let eq32 = p32(tau, tau, c, h);
            let near32 = p32(tau * (1.0 + 1e-9), tau, c, h);
            assert!(
                (eq32 - near32).abs() <= 1e-7 * eq32.abs(),
                "{eq32} {near32}"
            );
            let eq31 = p31(tau, tau, c, h);
            let near31 = p31(tau * (1.0 + 1e-7), tau, c, h);
            assert!(
                (eq31 - near31).abs() <= 1e-6 * eq31.abs(),
                "{eq31} {near31}"
            );
        }
    }
}
