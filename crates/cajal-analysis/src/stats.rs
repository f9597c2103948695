//! Firing statistics of single trains and of populations: rate, ISI CV, CV2, LV, Fano factor,
//! population rate (PSTH) and histograms. Conventions are Elephant's (see each function).

use crate::spikes::SpikeData;
use rayon::prelude::*;

/// Inter-spike intervals of a sorted train (ms).
pub fn isis(train: &[f64]) -> Vec<f64> {
    train.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Mean of a slice (NaN when empty).
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    x.iter().sum::<f64>() / x.len() as f64
}

/// Population variance (divisor n, NumPy's default `ddof=0`), NaN when empty.
pub fn variance(x: &[f64]) -> f64 {
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / x.len() as f64
}

/// Coefficient of variation std/mean of intervals, with the population std (as
/// `scipy.stats.variation`, which Elephant's `cv` is). NaN with fewer than 2 intervals.
pub fn cv(isi: &[f64]) -> f64 {
    if isi.len() < 2 {
        return f64::NAN;
    }
    variance(isi).sqrt() / mean(isi)
}

/// CV2 (Holt et al. 1996): mean of 2|I₂−I₁|/(I₂+I₁) over consecutive intervals. NaN with fewer
/// than 2 intervals (Elephant raises there unless `with_nan`).
pub fn cv2(isi: &[f64]) -> f64 {
    if isi.len() < 2 {
        return f64::NAN;
    }
    let s: f64 = isi
        .windows(2)
        .map(|w| ((w[1] - w[0]) / (w[0] + w[1])).abs())
        .sum();
    2.0 * s / (isi.len() - 1) as f64
}

/// Local variation LV (Shinomoto et al. 2003): 3/(n−1) Σ ((I₁−I₂)/(I₁+I₂))². NaN with fewer than
/// 2 intervals.
pub fn lv(isi: &[f64]) -> f64 {
    if isi.len() < 2 {
        return f64::NAN;
    }
    let s: f64 = isi
        .windows(2)
        .map(|w| {
            let r = (w[1] - w[0]) / (w[0] + w[1]);
            r * r
        })
        .sum();
    3.0 * s / (isi.len() - 1) as f64
}

/// Fano factor var/mean of spike counts (population variance, as Elephant's `fanofactor`).
/// NaN when the mean count is 0.
pub fn fano(counts: &[f64]) -> f64 {
    let m = mean(counts);
    if m.is_nan() || m <= 0.0 {
        return f64::NAN;
    }
    variance(counts) / m
}

/// Per-neuron statistics.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct NeuronStats {
    /// Spikes in the window.
    pub spikes: Vec<u32>,
    /// Rate (Hz): spikes / window duration.
    pub rate_hz: Vec<f64>,
    /// ISI CV (NaN with < 3 spikes).
    pub cv: Vec<f64>,
    /// CV2 (NaN with < 3 spikes).
    pub cv2: Vec<f64>,
    /// LV (NaN with < 3 spikes).
    pub lv: Vec<f64>,
    /// Fano factor of the counts in consecutive windows of `fano_window_ms` (NaN if silent).
    pub fano: Vec<f64>,
    /// The counting window of `fano` (ms).
    pub fano_window_ms: f64,
}

/// Computes every neuron's statistics in parallel; `fano_window` is the counting window (ms).
pub fn neuron_stats(data: &SpikeData, fano_window: f64) -> NeuronStats {
    let dur_s = data.duration() / 1000.0;
    let per: Vec<(u32, f64, f64, f64, f64, f64)> = data
        .trains
        .par_iter()
        .enumerate()
        .map(|(i, train)| {
            let isi = isis(train);
            let counts: Vec<f64> = data
                .binned(i, fano_window)
                .iter()
                .map(|&c| c as f64)
                .collect();
            (
                train.len() as u32,
                train.len() as f64 / dur_s,
                cv(&isi),
                cv2(&isi),
                lv(&isi),
                fano(&counts),
            )
        })
        .collect();
    NeuronStats {
        spikes: per.iter().map(|p| p.0).collect(),
        rate_hz: per.iter().map(|p| p.1).collect(),
        cv: per.iter().map(|p| p.2).collect(),
        cv2: per.iter().map(|p| p.3).collect(),
        lv: per.iter().map(|p| p.4).collect(),
        fano: per.iter().map(|p| p.5).collect(),
        fano_window_ms: fano_window,
    }
}

/// Mean of the finite values (NaN if none), for summaries over neurons.
pub fn finite_mean(x: &[f64]) -> f64 {
    let v: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    mean(&v)
}

/// Population rate (Hz per neuron) in bins of `bin` ms: the PSTH of all trains together.
pub fn population_rate(data: &SpikeData, bin: f64) -> Vec<f64> {
    let n = data.neurons().max(1) as f64;
    data.population_counts(bin)
        .iter()
        .map(|&c| c as f64 / (n * bin / 1000.0))
        .collect()
}

/// A histogram with `bins` equal bins over `[lo, hi]`; values outside are ignored.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Histogram {
    /// Bin edges (`bins + 1` values).
    pub edges: Vec<f64>,
    /// Counts per bin.
    pub counts: Vec<u64>,
}

/// Histogram of the finite values of `x` (the last bin includes `hi`).
pub fn histogram(x: impl Iterator<Item = f64>, lo: f64, hi: f64, bins: usize) -> Histogram {
    let bins = bins.max(1);
    let w = (hi - lo) / bins as f64;
    let mut counts = vec![0u64; bins];
    if w > 0.0 {
        for v in x {
            if v.is_finite() && v >= lo && v <= hi {
                let b = (((v - lo) / w) as usize).min(bins - 1);
                counts[b] += 1;
            }
        }
    }
    Histogram {
        edges: (0..=bins).map(|k| lo + k as f64 * w).collect(),
        counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_values() {
        // Elephant's docstring examples: lv([0.3, 4.5, 6.7, 9.3]) = 0.8306154336734695.
        let isi = [0.3, 4.5, 6.7, 9.3];
        assert!((lv(&isi) - 0.8306154336734695).abs() < 1e-15);
        // A regular train: CV = CV2 = LV = 0.
        let reg = [2.0; 10];
        assert_eq!((cv(&reg), cv2(&reg), lv(&reg)), (0.0, 0.0, 0.0));
        // Elephant's fanofactor docstring: counts 4 and 3 give 0.0714285...
        assert!((fano(&[4.0, 3.0]) - 0.07142857142857142).abs() < 1e-15);
        assert!(cv(&[1.0]).is_nan() && lv(&[1.0]).is_nan() && fano(&[0.0, 0.0]).is_nan());
        // Alternating intervals 1, 3: CV2 = 2·|2/4| = 1, LV = 3·(1/2)² = 0.75, CV = 1/2.
        let alt = [1.0, 3.0, 1.0, 3.0, 1.0];
        assert!((cv2(&alt) - 1.0).abs() < 1e-15);
        assert!((lv(&alt) - 0.75).abs() < 1e-15);
        assert!((cv(&[1.0, 3.0]) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn histogram_counts_inside_values() {
        let h = histogram([0.0, 0.5, 1.0, 2.0, f64::NAN].into_iter(), 0.0, 1.0, 2);
        assert_eq!(h.counts, vec![1, 2]);
        assert_eq!(h.edges, vec![0.0, 0.5, 1.0]);
    }
}
