//! Branching ratio of population activity: the conventional (lag-1 regression) estimator and the
//! multistep-regression (MR) estimator of Wilting & Priesemann (2018, Nat. Commun. 9:2325), which
//! stays unbiased when only a fraction of the units is observed.

/// Branching-ratio estimates of one activity series.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BranchingRatio {
    /// Conventional estimate: slope of the regression of A(t+1) on A(t) (r₁).
    pub conventional: f64,
    /// MR estimate: m of the fit r_k = b·m^k over k = 1..=k_max.
    pub mr: f64,
    /// The fitted b of the MR estimator (b < 1 under subsampling).
    pub mr_b: f64,
    /// Autocorrelation time −Δt/ln m of the MR estimate, in bins.
    pub tau_bins: f64,
    /// The regression slopes r_k, k = 1..=k_max.
    pub slopes: Vec<f64>,
}

/// Slope of the linear regression of x(t+k) on x(t).
pub fn regression_slope(x: &[f64], k: usize) -> f64 {
    if x.len() <= k + 1 {
        return f64::NAN;
    }
    let a = &x[..x.len() - k];
    let b = &x[k..];
    let n = a.len() as f64;
    let ma = a.iter().sum::<f64>() / n;
    let mb = b.iter().sum::<f64>() / n;
    let mut cov = 0.0;
    let mut var = 0.0;
    for (u, v) in a.iter().zip(b) {
        cov += (u - ma) * (v - mb);
        var += (u - ma) * (u - ma);
    }
    cov / var
}

/// Fits r_k = b·m^k by least squares: for each m the best b is linear, so the residual is a
/// function of m alone, minimised on a grid over [0.001, 1.5] and refined by golden section.
fn fit_exponential(r: &[f64]) -> (f64, f64) {
    let resid = |m: f64| {
        let (mut num, mut den, mut mk) = (0.0, 0.0, 1.0);
        for &rk in r {
            mk *= m;
            num += rk * mk;
            den += mk * mk;
        }
        let b = if den > 0.0 { num / den } else { 0.0 };
        let mut s = 0.0;
        let mut mk = 1.0;
        for &rk in r {
            mk *= m;
            s += (rk - b * mk).powi(2);
        }
        (s, b)
    };
    let mut best = (f64::INFINITY, 0.0);
    let steps = 1500;
    for i in 0..=steps {
        let m = 0.001 + (1.5 - 0.001) * i as f64 / steps as f64;
        let (s, _) = resid(m);
        if s < best.0 {
            best = (s, m);
        }
    }
    let h = (1.5 - 0.001) / steps as f64;
    let (mut lo, mut hi) = ((best.1 - h).max(1e-6), best.1 + h);
    let g = 0.5 * (5f64.sqrt() - 1.0);
    for _ in 0..100 {
        let c = hi - g * (hi - lo);
        let d = lo + g * (hi - lo);
        if resid(c).0 < resid(d).0 {
            hi = d;
        } else {
            lo = c;
        }
    }
    let m = 0.5 * (lo + hi);
    (m, resid(m).1)
}

/// Estimates the branching ratio of the activity series `x` (spike counts per bin) with lags
/// 1..=`k_max` for the MR estimator.
pub fn branching_ratio(x: &[f64], k_max: usize) -> BranchingRatio {
    let slopes: Vec<f64> = (1..=k_max.max(1)).map(|k| regression_slope(x, k)).collect();
    let finite: Vec<f64> = slopes
        .iter()
        .copied()
        .take_while(|v| v.is_finite())
        .collect();
    let (mr, mr_b) = if finite.len() >= 2 {
        fit_exponential(&finite)
    } else {
        (f64::NAN, f64::NAN)
    };
    BranchingRatio {
        conventional: slopes[0],
        mr,
        mr_b,
        tau_bins: -1.0 / mr.ln(),
        slopes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_exponential_is_recovered() {
        let r: Vec<f64> = (1..=30).map(|k| 0.3 * 0.95f64.powi(k)).collect();
        let (m, b) = fit_exponential(&r);
        assert!((m - 0.95).abs() < 1e-6 && (b - 0.3).abs() < 1e-5, "{m} {b}");
    }

    #[test]
    fn regression_of_a_line_is_one() {
        let x: Vec<f64> = (0..50).map(|v| v as f64).collect();
        assert!((regression_slope(&x, 3) - 1.0).abs() < 1e-12);
    }
}
