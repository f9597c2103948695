//! Neuronal avalanches (Beggs & Plenz 2003) from binned population activity, and the branching
//! processes used to test criticality measures.

use rand::SeedableRng;
use rand_distr::{Binomial, Distribution, Poisson};

/// Avalanches found in a sequence of binned population counts.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Avalanches {
    /// Total spikes of each avalanche.
    pub sizes: Vec<u64>,
    /// Number of bins of each avalanche.
    pub durations: Vec<u64>,
}

/// Splits binned activity into avalanches: maximal runs of non-empty bins bounded by empty ones.
/// A run touching the first or last bin is incomplete and is left out.
pub fn avalanches(counts: &[u32]) -> Avalanches {
    let mut out = Avalanches::default();
    let mut size = 0u64;
    let mut dur = 0u64;
    let mut started_clean = false; // the current run began after an empty bin
    for (t, &c) in counts.iter().enumerate() {
        if c > 0 {
            if dur == 0 {
                started_clean = t > 0;
            }
            size += c as u64;
            dur += 1;
        } else if dur > 0 {
            if started_clean {
                out.sizes.push(size);
                out.durations.push(dur);
            }
            size = 0;
            dur = 0;
        }
    }
    out
}

/// The bin width Beggs & Plenz used: the mean interval between consecutive spikes of the merged
/// population train (ms). NaN with fewer than two spikes.
pub fn mean_population_isi(merged_sorted: &[f64]) -> f64 {
    if merged_sorted.len() < 2 {
        return f64::NAN;
    }
    (merged_sorted[merged_sorted.len() - 1] - merged_sorted[0]) / (merged_sorted.len() - 1) as f64
}

/// A driven branching process (Wilting & Priesemann 2018): A(t+1) ~ Poisson(m·A(t) + h), from
/// A(0) = `a0`, for `steps` steps, seeded.
pub fn branching_process(m: f64, h: f64, a0: u64, steps: usize, seed: u64) -> Vec<u64> {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let mut a = a0;
    let mut out = Vec::with_capacity(steps);
    for _ in 0..steps {
        out.push(a);
        let lam = m * a as f64 + h;
        a = if lam > 0.0 {
            Poisson::new(lam).expect("finite rate").sample(&mut rng) as u64
        } else {
            0
        };
    }
    out
}

/// Subsamples activity: each event is observed with probability `p` (binomial thinning), as
/// when only a fraction of the neurons is recorded.
pub fn subsample(a: &[u64], p: f64, seed: u64) -> Vec<u64> {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    a.iter()
        .map(|&n| Binomial::new(n, p).expect("valid p").sample(&mut rng))
        .collect()
}

/// Sizes of `count` avalanches of a Galton–Watson process with Poisson(m) offspring started by
/// one ancestor each; sizes are capped at `cap` (an avalanche reaching it is recorded as `cap`).
pub fn galton_watson_sizes(m: f64, count: usize, cap: u64, seed: u64) -> Vec<u64> {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    (0..count)
        .map(|_| {
            let mut active = 1u64;
            let mut size = 1u64;
            while active > 0 && size < cap {
                active = Poisson::new(m * active as f64)
                    .expect("finite")
                    .sample(&mut rng) as u64;
                size += active;
            }
            size.min(cap)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avalanches_between_empty_bins() {
        let c = [2, 0, 1, 3, 0, 0, 4, 0, 5, 5];
        let a = avalanches(&c);
        // [2] touches the start and [5, 5] the end: both left out.
        assert_eq!(a.sizes, vec![4, 4]);
        assert_eq!(a.durations, vec![2, 1]);
    }
}
