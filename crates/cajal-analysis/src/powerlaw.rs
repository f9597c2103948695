//! Discrete power-law fits by maximum likelihood with the lower bound chosen by the
//! Kolmogorov–Smirnov distance, and a bootstrap goodness-of-fit test (Clauset, Shalizi & Newman
//! 2009, SIAM Review 51:661).

use rand::{Rng, SeedableRng};
use rayon::prelude::*;

/// Hurwitz zeta ζ(s, a) = Σₖ (k + a)^−s for s > 1, a > 0, by Euler–Maclaurin summation
/// (relative error below 1e-12 for the s and a used here).
pub fn hurwitz_zeta(s: f64, a: f64) -> f64 {
    const N: usize = 12;
    // B_{2j} / (2j)!
    const B: [f64; 6] = [
        1.0 / 12.0,
        -1.0 / 720.0,
        1.0 / 30240.0,
        -1.0 / 1209600.0,
        1.0 / 47900160.0,
        -691.0 / 1307674368000.0,
    ];
    let mut sum = 0.0;
    for k in 0..N {
        sum += (a + k as f64).powf(-s);
    }
    let x = a + N as f64;
    sum += x.powf(1.0 - s) / (s - 1.0) + 0.5 * x.powf(-s);
    let mut fac = s; // s(s+1)...(s+2j-2)
    let mut xp = x.powf(-s - 1.0);
    for (j, b) in B.iter().enumerate() {
        sum += b * fac * xp;
        let j2 = 2.0 * j as f64;
        fac *= (s + j2 + 1.0) * (s + j2 + 2.0);
        xp /= x * x;
    }
    sum
}

/// A fitted discrete power law P(x) ∝ x^−alpha for xmin ≤ x (≤ xmax if given).
#[derive(Clone, Debug, serde::Serialize)]
pub struct PowerLawFit {
    /// Exponent.
    pub alpha: f64,
    /// Standard error of alpha ((alpha − 1)/√n, Clauset eq. 3.2, for orientation).
    pub alpha_se: f64,
    /// Lower bound of the fitted range.
    pub xmin: u64,
    /// Upper bound of the fitted range, if truncated.
    pub xmax: Option<u64>,
    /// Observations in the fitted range.
    pub n_tail: usize,
    /// Kolmogorov–Smirnov distance between the data and the fit in the range.
    pub ks: f64,
    /// Bootstrap p-value of the fit (fraction of synthetic sets fitting worse); None if not run.
    pub p_value: Option<f64>,
    /// Synthetic data sets drawn for `p_value`.
    pub bootstrap: usize,
}

/// Normalisation Σ_{x=xmin}^{xmax} x^−α.
fn norm(alpha: f64, xmin: u64, xmax: Option<u64>) -> f64 {
    let z = hurwitz_zeta(alpha, xmin as f64);
    match xmax {
        Some(m) => z - hurwitz_zeta(alpha, m as f64 + 1.0),
        None => z,
    }
}

/// Maximum-likelihood alpha for the sorted tail `x` (all in range), by golden-section search on
/// the concave log-likelihood over (1, 6].
fn mle_alpha(sum_ln: f64, n: usize, xmin: u64, xmax: Option<u64>) -> f64 {
    let ll = |a: f64| -(n as f64) * norm(a, xmin, xmax).ln() - a * sum_ln;
    let (mut lo, mut hi) = (1.0 + 1e-6, 6.0);
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let mut c = hi - g * (hi - lo);
    let mut d = lo + g * (hi - lo);
    let (mut fc, mut fd) = (ll(c), ll(d));
    for _ in 0..80 {
        if fc > fd {
            hi = d;
            d = c;
            fd = fc;
            c = hi - g * (hi - lo);
            fc = ll(c);
        } else {
            lo = c;
            c = d;
            fc = fd;
            d = lo + g * (hi - lo);
            fd = ll(d);
        }
    }
    0.5 * (lo + hi)
}

/// KS distance between the empirical CDF of the sorted tail and the fitted discrete CDF, both
/// evaluated at each distinct value (inclusive), as in Clauset et al.
fn ks_distance(tail: &[u64], alpha: f64, xmin: u64, xmax: Option<u64>) -> f64 {
    let z = norm(alpha, xmin, xmax);
    let top = xmax.map_or(0.0, |m| hurwitz_zeta(alpha, m as f64 + 1.0));
    let n = tail.len() as f64;
    let mut d: f64 = 0.0;
    let mut i = 0;
    while i < tail.len() {
        let x = tail[i];
        let mut j = i;
        while j < tail.len() && tail[j] == x {
            j += 1;
        }
        let model = 1.0 - (hurwitz_zeta(alpha, x as f64 + 1.0) - top) / z;
        d = d.max((j as f64 / n - model).abs());
        i = j;
    }
    d
}

/// Fits alpha for each candidate xmin (at most 100 distinct values of the data, keeping at least
/// `min_tail` observations in the tail) and keeps the one with the smallest KS distance.
/// `data` need not be sorted; values of 0 and values above `xmax` are ignored. None if no
/// candidate leaves `min_tail` observations.
pub fn fit(data: &[u64], xmax: Option<u64>, min_tail: usize) -> Option<PowerLawFit> {
    let mut x: Vec<u64> = data
        .iter()
        .copied()
        .filter(|&v| v >= 1 && xmax.is_none_or(|m| v <= m))
        .collect();
    x.sort_unstable();
    let min_tail = min_tail.max(2);
    if x.len() < min_tail {
        return None;
    }
    // suffix sums of ln x
    let mut suffix = vec![0.0; x.len() + 1];
    for i in (0..x.len()).rev() {
        suffix[i] = suffix[i + 1] + (x[i] as f64).ln();
    }
    let mut starts: Vec<usize> = Vec::new();
    for i in 0..x.len() {
        if (i == 0 || x[i] != x[i - 1]) && x.len() - i >= min_tail {
            starts.push(i);
        }
    }
    if starts.len() > 100 {
        let k = starts.len();
        starts = (0..100).map(|j| starts[j * k / 100]).collect();
        starts.dedup();
    }
    let best = starts
        .par_iter()
        .map(|&i| {
            let tail = &x[i..];
            let alpha = mle_alpha(suffix[i], tail.len(), x[i], xmax);
            let ks = ks_distance(tail, alpha, x[i], xmax);
            (ks, i, alpha)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))?;
    let (ks, i, alpha) = best;
    let n_tail = x.len() - i;
    Some(PowerLawFit {
        alpha,
        alpha_se: (alpha - 1.0) / (n_tail as f64).sqrt(),
        xmin: x[i],
        xmax,
        n_tail,
        ks,
        p_value: None,
        bootstrap: 0,
    })
}

/// Draws from the fitted discrete power law by inverting its CDF: exactly from a table up to
/// 10⁵, beyond it by the continuous approximation of Clauset et al. (eq. D.6).
struct Sampler {
    cdf: Vec<f64>,
    xmin: u64,
    alpha: f64,
    xmax: Option<u64>,
}

impl Sampler {
    fn new(alpha: f64, xmin: u64, xmax: Option<u64>) -> Self {
        let z = norm(alpha, xmin, xmax);
        let last = xmax.unwrap_or(u64::MAX).min(xmin + 100_000);
        let mut cdf = Vec::with_capacity((last - xmin + 1) as usize);
        let mut acc = 0.0;
        for x in xmin..=last {
            acc += (x as f64).powf(-alpha) / z;
            cdf.push(acc);
        }
        Sampler {
            cdf,
            xmin,
            alpha,
            xmax,
        }
    }

    fn sample(&self, rng: &mut impl Rng) -> u64 {
        let u: f64 = rng.random();
        let top = *self.cdf.last().unwrap_or(&1.0);
        if u < top || self.xmax.is_some() {
            let k = self
                .cdf
                .partition_point(|&c| c < u * if self.xmax.is_some() { top } else { 1.0 });
            return self.xmin + k.min(self.cdf.len() - 1) as u64;
        }
        // Tail beyond the table: continuous approximation conditioned on exceeding it.
        let l = self.xmin + self.cdf.len() as u64;
        let v: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
        ((l as f64 - 0.5) * v.powf(-1.0 / (self.alpha - 1.0)) + 0.5).floor() as u64
    }
}

/// Bootstrap goodness of fit (Clauset et al. §4.1): `reps` synthetic data sets of the same size,
/// drawn from the fit above xmin and from the data below it, are refitted the same way; the
/// p-value is the fraction with a larger KS distance than the data's. Seeded, deterministic.
pub fn goodness_of_fit(
    data: &[u64],
    fitted: &PowerLawFit,
    reps: usize,
    min_tail: usize,
    seed: u64,
) -> f64 {
    let x: Vec<u64> = data
        .iter()
        .copied()
        .filter(|&v| v >= 1 && fitted.xmax.is_none_or(|m| v <= m))
        .collect();
    let below: Vec<u64> = x.iter().copied().filter(|&v| v < fitted.xmin).collect();
    let n = x.len();
    let p_tail = fitted.n_tail as f64 / n as f64;
    let sampler = Sampler::new(fitted.alpha, fitted.xmin, fitted.xmax);
    let worse = (0..reps)
        .into_par_iter()
        .filter(|&r| {
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(
                seed ^ (r as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let synth: Vec<u64> = (0..n)
                .map(|_| {
                    if below.is_empty() || rng.random::<f64>() < p_tail {
                        sampler.sample(&mut rng)
                    } else {
                        below[rng.random_range(0..below.len())]
                    }
                })
                .collect();
            fit(&synth, fitted.xmax, min_tail).is_none_or(|f| f.ks > fitted.ks)
        })
        .count();
    worse as f64 / reps.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeta_matches_known_values() {
        // ζ(2) = π²/6, ζ(3) = 1.2020569031595942, ζ(2, 3) = π²/6 − 1 − 1/4.
        let pi2 = std::f64::consts::PI.powi(2);
        assert!((hurwitz_zeta(2.0, 1.0) - pi2 / 6.0).abs() < 1e-13);
        assert!((hurwitz_zeta(3.0, 1.0) - 1.2020569031595942).abs() < 1e-13);
        assert!((hurwitz_zeta(2.0, 3.0) - (pi2 / 6.0 - 1.25)).abs() < 1e-13);
        // ζ(1.5) = 2.612375348685488
        assert!((hurwitz_zeta(1.5, 1.0) - 2.612375348685488).abs() < 1e-12);
    }

    #[test]
    fn recovers_the_exponent_of_synthetic_data() {
        let s = Sampler::new(2.5, 1, None);
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        let x: Vec<u64> = (0..20_000).map(|_| s.sample(&mut rng)).collect();
        let f = fit(&x, None, 50).unwrap();
        assert!((f.alpha - 2.5).abs() < 0.05, "{f:?}");
        let p = goodness_of_fit(&x, &f, 20, 50, 3);
        assert!(
            p > 0.05,
            "a true power law should not be rejected (p = {p})"
        );
        // Exponential data is not a power law: the bootstrap rejects it.
        let e: Vec<u64> = (0..5_000)
            .map(|_| (-(1.0 - rng.random::<f64>()).ln() * 20.0).ceil() as u64)
            .collect();
        let fe = fit(&e, None, 50).unwrap();
        let pe = goodness_of_fit(&e, &fe, 20, 50, 3);
        assert!(pe < 0.1, "exponential data p = {pe}, fit {fe:?}");
    }
}
