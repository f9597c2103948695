//! Inferring synaptic connections from spike trains: cross-correlogram peaks against the
//! expectation under spike-time jitter, and a Poisson GLM with coupling filters fitted with an L1
//! penalty (IRLS with coordinate descent, as glmnet). Scored against a known connectome by ROC AUC.

use crate::correlation::spike_bins;
use crate::spikes::SpikeData;
use rayon::prelude::*;

/// Settings shared by both inference methods.
#[derive(Clone, Debug, serde::Serialize)]
pub struct InferenceOptions {
    /// Bin width (ms).
    pub bin_ms: f64,
    /// First lag of the coupling window (bins after the presynaptic spike, >= 1).
    pub lag_min: usize,
    /// Last lag of the coupling window (bins).
    pub lag_max: usize,
    /// Half-width of the uniform spike jitter of the correlogram method (bins).
    pub jitter: usize,
    /// Basis functions of each GLM coupling filter: the lag window split into this many
    /// contiguous boxes (as equal as possible); the filter is their weighted sum.
    pub bases: usize,
    /// L1 penalty of the GLM (per bin, on coupling weights; intercept and self-history free).
    pub l1: f64,
    /// Newton (IRLS) iterations of the GLM at most.
    pub max_iter: usize,
}

impl Default for InferenceOptions {
    fn default() -> Self {
        InferenceOptions {
            bin_ms: 1.0,
            lag_min: 1,
            lag_max: 4,
            jitter: 10,
            bases: 2,
            l1: 1e-5,
            max_iter: 20,
        }
    }
}

/// Binned counts of every neuron.
fn binned_all(data: &SpikeData, bin: f64) -> Vec<Vec<u32>> {
    (0..data.neurons())
        .into_par_iter()
        .map(|i| data.binned(i, bin))
        .collect()
}

/// Correlogram scores (row-major `n × n`, entry `i·n + j` scores i → j): the count of j's spikes
/// in lags `lag_min..=lag_max` after i's spikes, minus its expectation when j's spikes are
/// jittered uniformly by up to ±`jitter` bins, divided by the square root of that expectation.
/// The expectation is computed exactly (the mean over all jittered surrogates), not sampled.
pub fn ccg_scores(data: &SpikeData, opt: &InferenceOptions) -> Vec<f64> {
    let x = binned_all(data, opt.bin_ms);
    let n = x.len();
    let t = x.first().map_or(0, Vec::len);
    let j = opt.jitter as isize;
    // prefix sums of the counts and of the jitter-smoothed counts
    let prefix: Vec<Vec<f64>> = x
        .par_iter()
        .map(|r| {
            let mut p = vec![0.0; t + 1];
            for k in 0..t {
                p[k + 1] = p[k] + r[k] as f64;
            }
            p
        })
        .collect();
    let smooth_prefix: Vec<Vec<f64>> = prefix
        .par_iter()
        .map(|p| {
            let w = (2 * j + 1) as f64;
            let mut q = vec![0.0; t + 1];
            for k in 0..t {
                let lo = (k as isize - j).clamp(0, t as isize) as usize;
                let hi = (k as isize + j + 1).clamp(0, t as isize) as usize;
                q[k + 1] = q[k] + (p[hi] - p[lo]) / w;
            }
            q
        })
        .collect();
    let spikes: Vec<Vec<usize>> = x.iter().map(|r| spike_bins(r)).collect();
    let mut out = vec![f64::NAN; n * n];
    out.par_chunks_mut(n.max(1))
        .enumerate()
        .for_each(|(i, row)| {
            for (jj, slot) in row.iter_mut().enumerate() {
                if jj == i {
                    continue;
                }
                let (mut obs, mut exp) = (0.0, 0.0);
                for &s in &spikes[i] {
                    let lo = (s + opt.lag_min).min(t);
                    let hi = (s + opt.lag_max + 1).min(t);
                    obs += prefix[jj][hi] - prefix[jj][lo];
                    exp += smooth_prefix[jj][hi] - smooth_prefix[jj][lo];
                }
                *slot = if exp > 0.0 {
                    (obs - exp) / exp.sqrt()
                } else {
                    0.0
                };
            }
        });
    out
}

/// Coupling covariates per bin, sparse by row: `cols[starts[t]..starts[t+1]]` are the columns
/// (neuron · bases + basis) with spikes in that basis's lags before bin t, `vals` the counts.
struct Covariates {
    starts: Vec<usize>,
    cols: Vec<u32>,
    vals: Vec<f64>,
}

/// The basis of each lag in `lag_min..=lag_max`: `bases` contiguous boxes of near-equal width.
pub fn lag_bases(lag_min: usize, lag_max: usize, bases: usize) -> Vec<(usize, usize)> {
    let n = lag_max + 1 - lag_min;
    let b = bases.clamp(1, n);
    (0..n).map(|k| (lag_min + k, k * b / n)).collect()
}

fn covariates(x: &[Vec<u32>], lags: &[(usize, usize)], bases: usize) -> Covariates {
    let t = x.first().map_or(0, Vec::len);
    let mut count = vec![0usize; t + 1];
    for r in x {
        for (s, &c) in r.iter().enumerate() {
            if c > 0 {
                for &(k, _) in lags {
                    if s + k < t {
                        count[s + k + 1] += 1;
                    }
                }
            }
        }
    }
    for k in 0..t {
        count[k + 1] += count[k];
    }
    let mut fill = count.clone();
    let nnz = count[t];
    let mut cols = vec![0u32; nnz];
    let mut vals = vec![0.0; nnz];
    // neurons in increasing order and each neuron's bases in increasing order, so a row's
    // entries come sorted by column and duplicates are adjacent
    for (i, r) in x.iter().enumerate() {
        for (s, &c) in r.iter().enumerate() {
            if c > 0 {
                for &(k, basis) in lags {
                    if s + k < t {
                        let row = s + k;
                        let col = (i * bases + basis) as u32;
                        let f = &mut fill[row];
                        if *f > count[row] && cols[*f - 1] == col {
                            vals[*f - 1] += c as f64;
                        } else {
                            cols[*f] = col;
                            vals[*f] = c as f64;
                            *f += 1;
                        }
                    }
                }
            }
        }
    }
    // compact rows that merged duplicates
    let mut starts = vec![0usize; t + 1];
    let mut w = 0;
    for row in 0..t {
        for k in count[row]..fill[row] {
            cols[w] = cols[k];
            vals[w] = vals[k];
            w += 1;
        }
        starts[row + 1] = w;
    }
    cols.truncate(w);
    vals.truncate(w);
    Covariates { starts, cols, vals }
}

/// Fits one neuron's GLM λ(t) = exp(β₀ + Σ_c β_c x_c(t)) to its counts `y`, with `columns`
/// covariates of which those in `free` are not penalised; returns β₁..β_columns.
fn fit_glm(
    cov: &Covariates,
    y: &[u32],
    free: std::ops::Range<usize>,
    columns: usize,
    opt: &InferenceOptions,
) -> Vec<f64> {
    let t = y.len();
    let n = columns;
    let p = n + 1; // index 0: intercept
    let total: f64 = y.iter().map(|&v| v as f64).sum();
    let mut beta = vec![0.0; p];
    if total == 0.0 {
        return vec![0.0; n];
    }
    beta[0] = (total / t as f64).ln();
    let mut gram = vec![0.0; p * p];
    let mut rhs = vec![0.0; p];
    let lambda = opt.l1 * t as f64;
    for _ in 0..opt.max_iter {
        gram.iter_mut().for_each(|g| *g = 0.0);
        rhs.iter_mut().for_each(|g| *g = 0.0);
        // weighted least-squares problem of this Newton step: w = μ, z = η + (y − μ)/μ
        for (row, &y_row) in y.iter().enumerate() {
            let (a, b) = (cov.starts[row], cov.starts[row + 1]);
            let mut eta = beta[0];
            for k in a..b {
                eta += beta[cov.cols[k] as usize + 1] * cov.vals[k];
            }
            let mu = eta.min(20.0).exp();
            let z = eta + (y_row as f64 - mu) / mu;
            let wz = mu * z;
            gram[0] += mu;
            rhs[0] += wz;
            for k in a..b {
                let ck = cov.cols[k] as usize + 1;
                let vk = cov.vals[k];
                gram[ck] += mu * vk; // row 0, column ck
                rhs[ck] += wz * vk;
                for l in a..=k {
                    let cl = cov.cols[l] as usize + 1;
                    let (hi, lo) = if ck >= cl { (ck, cl) } else { (cl, ck) };
                    gram[hi * p + lo] += mu * vk * cov.vals[l];
                }
            }
        }
        // symmetrise: lower triangle (ck >= cl) filled; mirror it; row 0 mirrored to column 0
        for r in 1..p {
            gram[r * p] = gram[r];
            for c in 1..r {
                gram[c * p + r] = gram[r * p + c];
            }
        }
        // coordinate descent on ½βᵀGβ − rᵀβ + λ Σ_{penalised}|βᵢ|, keeping the residual
        // r − Gβ up to date so that a coordinate that stays put costs O(1)
        let old = beta.clone();
        let mut resid: Vec<f64> = (0..p)
            .map(|c| rhs[c] - (0..p).map(|k| gram[c * p + k] * beta[k]).sum::<f64>())
            .collect();
        for _sweep in 0..500 {
            let mut change: f64 = 0.0;
            for c in 0..p {
                let g = gram[c * p + c];
                let nb = if g <= 0.0 {
                    0.0
                } else {
                    let s = resid[c] + g * beta[c];
                    if c == 0 || free.contains(&(c - 1)) {
                        s / g
                    } else {
                        s.signum() * (s.abs() - lambda).max(0.0) / g
                    }
                };
                let delta = nb - beta[c];
                if delta != 0.0 {
                    for (k, r) in resid.iter_mut().enumerate() {
                        *r -= gram[k * p + c] * delta;
                    }
                    beta[c] = nb;
                    change = change.max(delta.abs());
                }
            }
            if change < 1e-9 {
                break;
            }
        }
        let step = beta
            .iter()
            .zip(&old)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        if step < 1e-6 {
            break;
        }
    }
    beta[1..].to_vec()
}

/// Fitted GLM couplings.
#[derive(Clone, Debug, Default)]
pub struct GlmFit {
    /// Integrated coupling filter of i's spikes in j's rate (row-major `n × n`, entry `i·n + j`):
    /// Σ over lags of the filter, i.e. Σ_b β_b · (lags in basis b). The diagonal is each
    /// neuron's self-history filter.
    pub scores: Vec<f64>,
    /// The filters' basis weights, `(i·n + j)·bases + b`.
    pub filters: Vec<f64>,
    /// Number of basis functions per filter.
    pub bases: usize,
    /// Lags (bins) and basis of each lag of the window.
    pub lags: Vec<(usize, usize)>,
}

/// Fits a Poisson GLM to every neuron, with coupling filters from every neuron (including its
/// own history) built from `opt.bases` boxes over the lag window. Fits run in parallel over
/// targets; `progress` is called with the number of targets done.
pub fn glm_fit(
    data: &SpikeData,
    opt: &InferenceOptions,
    progress: impl Fn(usize) + Sync,
) -> GlmFit {
    let x = binned_all(data, opt.bin_ms);
    let n = x.len();
    let lag_min = opt.lag_min.max(1);
    let lags = lag_bases(lag_min, opt.lag_max.max(lag_min), opt.bases);
    let bases = lags.last().map_or(1, |l| l.1 + 1);
    let cov = covariates(&x, &lags, bases);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let per_target: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map(|j| {
            let b = fit_glm(&cov, &x[j], j * bases..(j + 1) * bases, n * bases, opt);
            let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(d);
            b
        })
        .collect();
    let mut width = vec![0.0; bases];
    for &(_, b) in &lags {
        width[b] += 1.0;
    }
    let mut scores = vec![0.0; n * n];
    let mut filters = vec![0.0; n * n * bases];
    for (j, beta) in per_target.iter().enumerate() {
        for i in 0..n {
            let w = &beta[i * bases..(i + 1) * bases];
            scores[i * n + j] = w.iter().zip(&width).map(|(b, k)| b * k).sum();
            filters[(i * n + j) * bases..(i * n + j + 1) * bases].copy_from_slice(w);
        }
    }
    GlmFit {
        scores,
        filters,
        bases,
        lags,
    }
}

/// The integrated GLM coupling filters (see [`GlmFit::scores`]).
pub fn glm_scores(
    data: &SpikeData,
    opt: &InferenceOptions,
    progress: impl Fn(usize) + Sync,
) -> Vec<f64> {
    glm_fit(data, opt, progress).scores
}

/// Area under the ROC curve of `scores` separating positives from negatives (the probability
/// that a random positive scores above a random negative, ties counting one half). NaN if a class
/// is empty.
pub fn roc_auc(positives: &[f64], negatives: &[f64]) -> f64 {
    if positives.is_empty() || negatives.is_empty() {
        return f64::NAN;
    }
    let mut all: Vec<(f64, bool)> = positives
        .iter()
        .map(|&s| (s, true))
        .chain(negatives.iter().map(|&s| (s, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Mann–Whitney U with average ranks for ties
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        let avg = (i + j + 1) as f64 / 2.0; // ranks i+1..=j
        rank_sum += avg * all[i..j].iter().filter(|e| e.1).count() as f64;
        i = j;
    }
    let (np, nn) = (positives.len() as f64, negatives.len() as f64);
    (rank_sum - np * (np + 1.0) / 2.0) / (np * nn)
}

/// Scores of a known connectome: for the analysed neurons (ids as in `data.ids`), the AUC of
/// `scores` for excitatory connections (positive weight) against unconnected ordered pairs.
/// Pairs with only inhibitory connections are left out of both classes.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ConnectomeScore {
    /// Excitatory connected ordered pairs among the analysed neurons.
    pub excitatory_pairs: usize,
    /// Inhibitory connected ordered pairs.
    pub inhibitory_pairs: usize,
    /// Unconnected ordered pairs (i ≠ j).
    pub unconnected_pairs: usize,
    /// ROC AUC, excitatory vs unconnected.
    pub auc_excitatory: f64,
    /// ROC AUC, inhibitory vs unconnected, with the score's sign reversed.
    pub auc_inhibitory: f64,
}

/// Scores `scores` (row-major over the analysed neurons) against synapses `(source id, target
/// id, weight)` given in the ids of `data.ids`.
pub fn score_connectome(
    data: &SpikeData,
    scores: &[f64],
    synapses: &[(u32, u32, f64)],
) -> ConnectomeScore {
    let n = data.neurons();
    let index = data.index_of_ids();
    // 1: excitatory, 2: inhibitory (net sign of all synapses of the pair)
    let mut net = vec![0.0f64; n * n];
    let mut any = vec![false; n * n];
    for &(s, t, w) in synapses {
        if let (Some(&a), Some(&b)) = (index.get(&s), index.get(&t)) {
            if a != b {
                net[a * n + b] += w;
                any[a * n + b] = true;
            }
        }
    }
    let (mut ex, mut inh, mut none) = (Vec::new(), Vec::new(), Vec::new());
    for a in 0..n {
        for b in 0..n {
            if a == b || !scores[a * n + b].is_finite() {
                continue;
            }
            let s = scores[a * n + b];
            if !any[a * n + b] {
                none.push(s);
            } else if net[a * n + b] > 0.0 {
                ex.push(s);
            } else if net[a * n + b] < 0.0 {
                inh.push(s);
            }
        }
    }
    let neg_none: Vec<f64> = none.iter().map(|v| -v).collect();
    let neg_inh: Vec<f64> = inh.iter().map(|v| -v).collect();
    ConnectomeScore {
        excitatory_pairs: ex.len(),
        inhibitory_pairs: inh.len(),
        unconnected_pairs: none.len(),
        auc_excitatory: roc_auc(&ex, &none),
        auc_inhibitory: roc_auc(&neg_inh, &neg_none),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_perfect_random_and_tied_scores() {
        assert_eq!(roc_auc(&[3.0, 4.0], &[1.0, 2.0]), 1.0);
        assert_eq!(roc_auc(&[1.0, 2.0], &[3.0, 4.0]), 0.0);
        assert_eq!(roc_auc(&[1.0], &[1.0]), 0.5);
        assert!((roc_auc(&[1.0, 3.0], &[2.0, 0.0]) - 0.75).abs() < 1e-15);
    }

    #[test]
    fn lags_split_into_near_equal_boxes() {
        assert_eq!(lag_bases(1, 4, 2), vec![(1, 0), (2, 0), (3, 1), (4, 1)]);
        assert_eq!(
            lag_bases(1, 5, 2),
            vec![(1, 0), (2, 0), (3, 0), (4, 1), (5, 1)]
        );
        assert_eq!(lag_bases(2, 3, 5), vec![(2, 0), (3, 1)]);
    }

    #[test]
    fn a_glm_recovers_a_known_coupling() {
        // Neuron 0 fires as a Bernoulli process (p = 0.03 per bin). Neuron 1 fires with
        // probability 0.01 · 4^c, where c counts neuron 0's spikes 1 and 2 bins earlier: a
        // log-linear coupling of ln 4 on lags 1–2 and none on lags 3–4. Neuron 2 is independent.
        // The Poisson GLM's mean is then correctly specified, so its estimates are consistent.
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(4);
        let t = 400_000;
        let x0: Vec<bool> = (0..t).map(|_| rng.random::<f64>() < 0.03).collect();
        let mut trains = vec![Vec::new(), Vec::new(), Vec::new()];
        for k in 0..t {
            if x0[k] {
                trains[0].push(k as f64 + 0.5);
            }
            let c = (k >= 1 && x0[k - 1]) as i32 + (k >= 2 && x0[k - 2]) as i32;
            if rng.random::<f64>() < 0.01 * 4f64.powi(c) {
                trains[1].push(k as f64 + 0.5);
            }
            if rng.random::<f64>() < 0.03 {
                trains[2].push(k as f64 + 0.5);
            }
        }
        let data = SpikeData {
            t_start: 0.0,
            t_stop: t as f64,
            trains,
            groups: Vec::new(),
            ids: vec![0, 1, 2],
        };
        let opt = InferenceOptions {
            l1: 0.0,
            ..InferenceOptions::default()
        };
        let fit = glm_fit(&data, &opt, |_| {});
        let filter = |i: usize, j: usize| &fit.filters[(i * 3 + j) * 2..(i * 3 + j) * 2 + 2];
        let (f01, f21) = (filter(0, 1), filter(2, 1));
        let expected = 4f64.ln();
        println!("0 -> 1: {f01:?} (truth [{expected:.4}, 0]), 2 -> 1: {f21:?}");
        // standard error of the first weight is about 0.04 here; allow 4 of them
        assert!((f01[0] - expected).abs() < 0.16, "{f01:?} vs {expected}");
        assert!(f01[1].abs() < 0.16, "{f01:?}");
        assert!(f21[0].abs() < 0.16 && f21[1].abs() < 0.16, "{f21:?}");
        // the score is the integrated filter: two lags per basis
        assert!((fit.scores[1] - 2.0 * (f01[0] + f01[1])).abs() < 1e-12);
    }

    #[test]
    fn covariates_merge_counts_per_row() {
        // neuron 0 spikes at bins 0 and 1, neuron 1 at bin 1; window lags 1..=2
        let x = vec![vec![1, 1, 0, 0], vec![0, 1, 0, 0]];
        let c = covariates(&x, &lag_bases(1, 2, 1), 1);
        let row = |t: usize| -> Vec<(u32, f64)> {
            (c.starts[t]..c.starts[t + 1])
                .map(|k| (c.cols[k], c.vals[k]))
                .collect()
        };
        assert_eq!(row(0), vec![]);
        assert_eq!(row(1), vec![(0, 1.0)]);
        assert_eq!(row(2), vec![(0, 2.0), (1, 1.0)]);
        assert_eq!(row(3), vec![(0, 1.0), (1, 1.0)]);
    }
}
