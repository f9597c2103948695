//! Pairwise measures on binned spike counts: correlation coefficients, cross-correlograms and
//! Golomb's synchrony measure.

use rayon::prelude::*;

/// Pearson correlation coefficients between rows of binned counts (as Elephant's
/// `correlation_coefficient` with `binary=False`). A row with zero variance gives NaN entries.
/// Returns a row-major `n × n` matrix.
pub fn corrcoef(rows: &[Vec<u32>]) -> Vec<f64> {
    let n = rows.len();
    let centred: Vec<(Vec<f64>, f64)> = rows
        .par_iter()
        .map(|r| {
            let m = r.iter().map(|&c| c as f64).sum::<f64>() / r.len().max(1) as f64;
            let c: Vec<f64> = r.iter().map(|&v| v as f64 - m).collect();
            let norm = c.iter().map(|v| v * v).sum::<f64>().sqrt();
            (c, norm)
        })
        .collect();
    let mut out = vec![f64::NAN; n * n];
    out.par_chunks_mut(n.max(1))
        .enumerate()
        .for_each(|(i, row)| {
            for (j, slot) in row.iter_mut().enumerate() {
                let (a, na) = &centred[i];
                let (b, nb) = &centred[j];
                let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
                *slot = dot / (na * nb);
            }
        });
    out
}

/// Mean of the finite off-diagonal entries of an `n × n` matrix (NaN if none).
pub fn mean_off_diagonal(m: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    let mut k = 0usize;
    for i in 0..n {
        for j in 0..n {
            let v = m[i * n + j];
            if i != j && v.is_finite() {
                s += v;
                k += 1;
            }
        }
    }
    if k == 0 {
        f64::NAN
    } else {
        s / k as f64
    }
}

/// Sorted bin indices of the spikes in binned counts (a bin with c spikes appears c times).
pub fn spike_bins(counts: &[u32]) -> Vec<usize> {
    counts
        .iter()
        .enumerate()
        .flat_map(|(k, &c)| std::iter::repeat_n(k, c as usize))
        .collect()
}

/// Cross-correlogram for lags `-max_lag..=max_lag` (bins) of two trains given as sorted spike
/// bins (see [`spike_bins`]): entry `k + max_lag` counts the pairs of a spike of `a` in bin t and
/// a spike of `b` in bin t + k. Time O(len(a) + pairs within the window).
pub fn cross_correlogram(a: &[usize], b: &[usize], max_lag: usize) -> Vec<u64> {
    let mut out = vec![0u64; 2 * max_lag + 1];
    let mut lo = 0usize;
    for &t in a {
        while lo < b.len() && b[lo] + max_lag < t {
            lo += 1;
        }
        let mut k = lo;
        while k < b.len() && b[k] <= t + max_lag {
            out[b[k] + max_lag - t] += 1;
            k += 1;
        }
    }
    out
}

/// Golomb's (2007) synchrony measure chi: sqrt of the variance over time of the mean activity
/// divided by the mean over neurons of each one's variance over time (here on binned counts).
/// 0 for independent neurons in the limit of many, 1 for identical ones. NaN if all silent.
pub fn synchrony_chi(rows: &[Vec<u32>]) -> f64 {
    if rows.is_empty() {
        return f64::NAN;
    }
    let n = rows.len() as f64;
    let t = rows[0].len();
    let var = |x: &mut dyn Iterator<Item = f64>| {
        let v: Vec<f64> = x.collect();
        crate::stats::variance(&v)
    };
    let mean_trace: Vec<f64> = (0..t)
        .map(|k| rows.iter().map(|r| r[k] as f64).sum::<f64>() / n)
        .collect();
    let pop_var = crate::stats::variance(&mean_trace);
    let single: f64 = rows
        .iter()
        .map(|r| var(&mut r.iter().map(|&c| c as f64)))
        .sum::<f64>()
        / n;
    if single.is_nan() || single <= 0.0 {
        return f64::NAN;
    }
    (pop_var / single).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrcoef_of_identical_and_opposite_rows() {
        let rows = vec![
            vec![1, 0, 2, 0],
            vec![1, 0, 2, 0],
            vec![0, 2, 0, 2],
            vec![1, 1, 1, 1],
        ];
        let c = corrcoef(&rows);
        assert!((c[1] - 1.0).abs() < 1e-12);
        assert!(c[2] < -0.8);
        assert!(c[3].is_nan());
    }

    #[test]
    fn correlogram_finds_the_lag() {
        let a = vec![1, 0, 0, 1, 0, 0, 0, 0];
        let b = vec![0, 0, 1, 0, 0, 1, 0, 0];
        // b follows a by 2 bins.
        let c = cross_correlogram(&spike_bins(&a), &spike_bins(&b), 3);
        // pairs: (0,2) lag 2, (3,5) lag 2, (3,2) lag −1; (0,5) lag 5 is outside.
        assert_eq!(c, vec![0, 0, 1, 0, 0, 2, 0]);
    }

    #[test]
    fn chi_is_one_for_identical_trains() {
        let r = vec![1, 0, 2, 0, 1];
        assert!((synchrony_chi(&[r.clone(), r.clone(), r]) - 1.0).abs() < 1e-12);
    }
}
