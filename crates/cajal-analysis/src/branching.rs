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

/// The descendant branching factor of Ivanov & Michmizos (2021, NALSM) on a known connectome:
/// for each spike of neuron n (in time bin b of width `bin_ms`), the spikes of n's postsynaptic
/// neurons in bins b+1..=b+`window` divided by the spikes of its presynaptic neurons in bins
/// b−`window`..=b−1 (at least 1); averaged over each neuron's spikes, then over the neurons that
/// spiked. Only synapses between two analysed neurons count (`synapses` as `(source id, target id,
/// weight)` in the ids of `data.ids`; self-connections are ignored). `None` without spikes.
pub fn descendant_ratio(
    data: &crate::SpikeData,
    synapses: &[(u32, u32, f64)],
    bin_ms: f64,
    window: usize,
) -> Option<f64> {
    let n = data.neurons();
    let index = data.index_of_ids();
    let (mut post, mut pre) = (vec![Vec::new(); n], vec![Vec::new(); n]);
    for &(s, t, _) in synapses {
        if let (Some(&a), Some(&b)) = (index.get(&s), index.get(&t)) {
            if a != b {
                post[a].push(b);
                pre[b].push(a);
            }
        }
    }
    for v in post.iter_mut().chain(pre.iter_mut()) {
        v.sort_unstable();
        v.dedup();
    }
    let bins: Vec<Vec<i64>> = data
        .trains
        .iter()
        .map(|tr| {
            tr.iter()
                .map(|&t| ((t - data.t_start) / bin_ms).floor() as i64)
                .collect()
        })
        .collect();
    // spikes of neuron j in bins lo..=hi
    let count = |j: usize, lo: i64, hi: i64| -> usize {
        let b = &bins[j];
        b.partition_point(|&x| x <= hi) - b.partition_point(|&x| x < lo)
    };
    let w = window as i64;
    let mut per_neuron = Vec::new();
    for i in 0..n {
        if bins[i].is_empty() {
            continue;
        }
        let mut sum = 0.0;
        for &b in &bins[i] {
            let after: usize = post[i].iter().map(|&j| count(j, b + 1, b + w)).sum();
            let before: usize = pre[i].iter().map(|&j| count(j, b - w, b - 1)).sum();
            sum += after as f64 / before.max(1) as f64;
        }
        per_neuron.push(sum / bins[i].len() as f64);
    }
    (!per_neuron.is_empty()).then(|| per_neuron.iter().sum::<f64>() / per_neuron.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descendant_ratio_counts_children_over_parents() {
        // 0 → {1, 2}; each spike of 0 is followed 2 ms later by one spike of 1 and of 2:
        // neuron 0 has two children and no parent (ratio 2), 1 and 2 one parent and no child (0)
        let times = [10.0, 12.0, 12.0, 50.0, 52.0, 52.0];
        let senders = [0.0, 1.0, 2.0, 0.0, 1.0, 2.0];
        let d = crate::SpikeData::from_events("x", &times, &senders, 3, 0.0, 100.0).unwrap();
        let syn = [(0, 1, 1.0), (0, 2, 1.0), (1, 1, 1.0)];
        let r = descendant_ratio(&d, &syn, 1.0, 4).unwrap();
        assert!((r - 2.0 / 3.0).abs() < 1e-12, "{r}");
        // a window too short to see the children: 0 for everyone
        assert_eq!(descendant_ratio(&d, &syn, 1.0, 1), Some(0.0));
    }

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
