//! Spike-train distances: van Rossum (1999) and Victor–Purpura (1996).

/// Sum over all spike pairs of exp(−|tᵢ − sⱼ|/tau), in linear time by the running-sum method
/// (both trains sorted).
fn kernel_sum(a: &[f64], b: &[f64], tau: f64) -> f64 {
    // For each spike of `a`, the contribution of the spikes of `b` at or before it, then after it.
    let mut total = 0.0;
    let mut j = 0usize;
    let mut acc = 0.0; // Σ exp((s_j − t)/tau) over b's spikes <= t, updated as t advances
    let mut last = f64::NEG_INFINITY;
    for &t in a {
        if last.is_finite() {
            acc *= (-(t - last) / tau).exp();
        }
        while j < b.len() && b[j] <= t {
            acc += (-(t - b[j]) / tau).exp();
            j += 1;
        }
        last = t;
        total += acc;
    }
    // Pairs with s > t: sum over b's spikes of the contributions of a's spikes strictly before.
    let mut i = 0usize;
    let mut acc = 0.0;
    let mut last = f64::NEG_INFINITY;
    for &s in b {
        if last.is_finite() {
            acc *= (-(s - last) / tau).exp();
        }
        while i < a.len() && a[i] < s {
            acc += (-(s - a[i]) / tau).exp();
            i += 1;
        }
        last = s;
        total += acc;
    }
    total
}

/// van Rossum distance with time constant `tau` (ms), in Elephant's normalisation:
/// D² = Σᵢⱼ e^(−|aᵢ−aⱼ|/τ) + Σᵢⱼ e^(−|bᵢ−bⱼ|/τ) − 2 Σᵢⱼ e^(−|aᵢ−bⱼ|/τ), which is
/// 2/τ times the integral of the squared difference of the exponentially filtered trains.
pub fn van_rossum(a: &[f64], b: &[f64], tau: f64) -> f64 {
    if tau == 0.0 {
        return ((a.len() + b.len()) as f64).sqrt();
    }
    if tau.is_infinite() {
        return (a.len() as f64 - b.len() as f64).abs();
    }
    let d2 = kernel_sum(a, a, tau) + kernel_sum(b, b, tau) - 2.0 * kernel_sum(a, b, tau);
    d2.max(0.0).sqrt()
}

/// Victor–Purpura distance with cost `q` (1/ms) per ms of shift; inserting or deleting a spike
/// costs 1.
///
/// Shifting a spike by `2/q` ms or more is never cheaper than deleting and re-inserting it, so
/// where the merged trains have a gap of at least `2/q` no useful shift crosses it: the distance
/// is the sum of the distances of the pieces between such gaps, each found by the dynamic
/// programme of Victor & Purpura (1996). The result is exact; the cost is quadratic only in the
/// length of the pieces (near-linear for sparse trains at the usual q).
pub fn victor_purpura(a: &[f64], b: &[f64], q: f64) -> f64 {
    if q == 0.0 {
        // shifts are free: only the spike counts differ
        return (a.len() as f64 - b.len() as f64).abs();
    }
    if a.is_empty() || b.is_empty() {
        return a.len().max(b.len()) as f64;
    }
    let reach = 2.0 / q;
    let (mut i0, mut j0) = (0usize, 0usize);
    let (mut i, mut j) = (0usize, 0usize);
    let mut last = f64::NEG_INFINITY;
    let mut total = 0.0;
    while i < a.len() || j < b.len() {
        let take_a = j >= b.len() || (i < a.len() && a[i] <= b[j]);
        let t = if take_a { a[i] } else { b[j] };
        if t - last >= reach && (i > i0 || j > j0) {
            total += vp_dp(&a[i0..i], &b[j0..j], q);
            i0 = i;
            j0 = j;
        }
        last = t;
        if take_a {
            i += 1;
        } else {
            j += 1;
        }
    }
    total + vp_dp(&a[i0..], &b[j0..], q)
}

/// The dynamic programme of Victor–Purpura over two pieces, O(len(a)·len(b)) time,
/// O(len(b)) memory.
fn vp_dp(a: &[f64], b: &[f64], q: f64) -> f64 {
    if a.is_empty() || b.is_empty() {
        return a.len().max(b.len()) as f64;
    }
    let mut prev: Vec<f64> = (0..=b.len()).map(|j| j as f64).collect();
    let mut cur = vec![0.0; b.len() + 1];
    for (i, &ta) in a.iter().enumerate() {
        cur[0] = (i + 1) as f64;
        for (j, &tb) in b.iter().enumerate() {
            let shift = prev[j] + (q * (ta - tb).abs()).min(2.0);
            cur[j + 1] = shift.min(prev[j + 1] + 1.0).min(cur[j] + 1.0);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Symmetric distance matrix (row-major `n × n`) of `trains` under `dist`: each pair is computed
/// once, in parallel.
pub fn matrix(trains: &[&[f64]], dist: impl Fn(&[f64], &[f64]) -> f64 + Sync) -> Vec<f64> {
    use rayon::prelude::*;
    let n = trains.len();
    let upper: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map(|i| (i + 1..n).map(|j| dist(trains[i], trains[j])).collect())
        .collect();
    let mut m = vec![0.0; n * n];
    for (i, row) in upper.iter().enumerate() {
        for (k, &v) in row.iter().enumerate() {
            let j = i + 1 + k;
            m[i * n + j] = v;
            m[j * n + i] = v;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_kernel(a: &[f64], b: &[f64], tau: f64) -> f64 {
        a.iter()
            .flat_map(|x| b.iter().map(move |y| (-(x - y).abs() / tau).exp()))
            .sum()
    }

    #[test]
    fn kernel_sum_equals_brute_force() {
        let a = [1.0, 2.5, 2.5, 7.0, 30.0];
        let b = [0.5, 2.5, 9.0];
        for tau in [0.5, 3.0, 100.0] {
            for (x, y) in [(&a[..], &b[..]), (&b[..], &a[..]), (&a[..], &a[..])] {
                let fast = kernel_sum(x, y, tau);
                assert!((fast - brute_kernel(x, y, tau)).abs() < 1e-12 * fast.max(1.0));
            }
        }
    }

    #[test]
    fn victor_purpura_textbook_cases() {
        // Identical trains: 0. One spike vs none: 1. Shift by 1 ms at q = 0.5: 0.5.
        assert_eq!(victor_purpura(&[1.0, 5.0], &[1.0, 5.0], 1.0), 0.0);
        assert_eq!(victor_purpura(&[1.0], &[], 1.0), 1.0);
        assert!((victor_purpura(&[1.0], &[2.0], 0.5) - 0.5).abs() < 1e-15);
        // A shift costing more than 2 is replaced by delete + insert.
        assert_eq!(victor_purpura(&[1.0], &[10.0], 1.0), 2.0);
        // q = 0: only the counts differ.
        assert_eq!(victor_purpura(&[1.0, 2.0, 3.0], &[7.0], 0.0), 2.0);
    }

    proptest::proptest! {
        /// Splitting at gaps of 2/q gives the same distance as one dynamic programme.
        #[test]
        fn split_victor_purpura_equals_the_full_programme(
            a in proptest::collection::vec(0.0f64..200.0, 0..40),
            b in proptest::collection::vec(0.0f64..200.0, 0..40),
            q in 0.01f64..2.0,
        ) {
            let mut a = a;
            let mut b = b;
            a.sort_by(f64::total_cmp);
            b.sort_by(f64::total_cmp);
            let split = victor_purpura(&a, &b, q);
            let full = vp_dp(&a, &b, q);
            proptest::prop_assert!((split - full).abs() <= 1e-9 * full.max(1.0), "{} vs {}", split, full);
        }
    }

    #[test]
    fn van_rossum_of_one_spike_pair() {
        // Two single spikes dt apart: D² = 2 − 2 e^(−dt/τ).
        let d = van_rossum(&[0.0], &[3.0], 2.0);
        assert!((d * d - (2.0 - 2.0 * (-1.5f64).exp())).abs() < 1e-14);
    }
}
