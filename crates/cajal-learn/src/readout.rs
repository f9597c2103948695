//! A trained linear readout: multinomial logistic regression on standardised features (spike
//! counts, or raw pixels for the baseline), fitted by mini-batch stochastic gradient descent with
//! an L2 penalty chosen on a validation split.

use crate::error::{invalid, LearnError};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// Features of a set of samples, row-major (`rows × dim`).
#[derive(Clone, Debug, PartialEq)]
pub struct Features {
    /// Values, sample after sample.
    pub values: Vec<f32>,
    /// Features per sample.
    pub dim: usize,
}

impl Features {
    /// Number of samples.
    pub fn rows(&self) -> usize {
        self.values.len().checked_div(self.dim).unwrap_or(0)
    }

    /// Sample `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.dim..(i + 1) * self.dim]
    }
}

/// How the readout is fitted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReadoutConfig {
    /// Fraction of the training samples held out to choose the penalty.
    pub validation_fraction: f64,
    /// L2 penalties tried.
    pub l2: Vec<f64>,
    /// Passes over the training samples.
    pub epochs: usize,
    /// Samples per gradient step.
    pub batch: usize,
    /// Initial learning rate (it falls as 1 / (1 + epoch)).
    pub learning_rate: f64,
}

impl Default for ReadoutConfig {
    fn default() -> Self {
        ReadoutConfig {
            validation_fraction: 0.1,
            l2: vec![1e-5, 1e-4, 1e-3],
            epochs: 15,
            batch: 64,
            learning_rate: 0.05,
        }
    }
}

impl ReadoutConfig {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), LearnError> {
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 1.0) {
            return Err(invalid(format!(
                "readout.validation_fraction must lie strictly between 0 and 1 (got {})",
                self.validation_fraction
            )));
        }
        if self.l2.is_empty() || self.l2.iter().any(|l| !(l.is_finite() && *l >= 0.0)) {
            return Err(invalid(
                "readout.l2 must list at least one finite penalty >= 0",
            ));
        }
        if self.epochs == 0 || self.batch == 0 {
            return Err(invalid(
                "readout.epochs and readout.batch must be at least 1",
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(invalid("readout.learning_rate must be a finite number > 0"));
        }
        Ok(())
    }
}

/// A fitted readout.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Readout {
    mean: Vec<f32>,
    scale: Vec<f32>,
    /// `dim × classes` weights.
    weights: Vec<f32>,
    bias: Vec<f32>,
    classes: usize,
    /// The penalty chosen.
    pub l2: f64,
    /// Validation accuracy of each penalty tried.
    pub validation: Vec<(f64, f64)>,
}

impl Readout {
    /// Fits on `x` with labels `y`: holds out the last `validation_fraction` of the (shuffled)
    /// samples, picks the penalty with the best validation accuracy, and refits on all samples.
    pub fn fit(x: &Features, y: &[u8], classes: usize, cfg: &ReadoutConfig, seed: u64) -> Readout {
        let n = x.rows();
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = cajal_core::rng::stream(seed, cajal_core::rng::Purpose::LearnInit, 9, 0);
        order.shuffle(&mut rng);
        let n_val = ((n as f64 * cfg.validation_fraction).round() as usize).clamp(1, n - 1);
        let (fit_idx, val_idx) = order.split_at(n - n_val);
        let mut validation = Vec::new();
        for &l2 in &cfg.l2 {
            let r = Self::fit_with(x, y, fit_idx, classes, l2, cfg, seed);
            let right = val_idx
                .iter()
                .filter(|&&i| r.predict(x.row(i)) == y[i])
                .count();
            validation.push((l2, right as f64 / val_idx.len() as f64));
        }
        let best = validation
            .iter()
            .cloned()
            .fold((cfg.l2[0], -1.0), |b, v| if v.1 > b.1 { v } else { b })
            .0;
        let mut r = Self::fit_with(x, y, &order, classes, best, cfg, seed);
        r.validation = validation;
        r
    }

    fn fit_with(
        x: &Features,
        y: &[u8],
        idx: &[usize],
        classes: usize,
        l2: f64,
        cfg: &ReadoutConfig,
        seed: u64,
    ) -> Readout {
        let d = x.dim;
        // standardise with the statistics of the samples fitted on
        let mut mean = vec![0.0f64; d];
        let mut sq = vec![0.0f64; d];
        for &i in idx {
            for (k, &v) in x.row(i).iter().enumerate() {
                mean[k] += v as f64;
                sq[k] += (v as f64) * (v as f64);
            }
        }
        let m = idx.len() as f64;
        let scale: Vec<f32> = (0..d)
            .map(|k| {
                let var = sq[k] / m - (mean[k] / m).powi(2);
                if var > 1e-12 {
                    (1.0 / var.sqrt()) as f32
                } else {
                    0.0
                }
            })
            .collect();
        let mean: Vec<f32> = mean.iter().map(|s| (s / m) as f32).collect();
        let mut r = Readout {
            mean,
            scale,
            weights: vec![0.0; d * classes],
            bias: vec![0.0; classes],
            classes,
            l2,
            validation: Vec::new(),
        };
        let mut rng = cajal_core::rng::stream(seed, cajal_core::rng::Purpose::LearnInit, 10, 0);
        let mut order = idx.to_vec();
        let mut z = vec![0.0f32; d];
        let mut p = vec![0.0f32; classes];
        let mut grad_w = vec![0.0f32; d * classes];
        let mut grad_b = vec![0.0f32; classes];
        for epoch in 0..cfg.epochs {
            order.shuffle(&mut rng);
            let lr = (cfg.learning_rate / (1.0 + epoch as f64)) as f32;
            for batch in order.chunks(cfg.batch) {
                grad_w.fill(0.0);
                grad_b.fill(0.0);
                for &i in batch {
                    r.standardise(x.row(i), &mut z);
                    r.probabilities(&z, &mut p);
                    p[y[i] as usize] -= 1.0;
                    for (k, &zk) in z.iter().enumerate() {
                        if zk != 0.0 {
                            let g = &mut grad_w[k * classes..(k + 1) * classes];
                            for (g, &pc) in g.iter_mut().zip(&p) {
                                *g += zk * pc;
                            }
                        }
                    }
                    for (g, &pc) in grad_b.iter_mut().zip(&p) {
                        *g += pc;
                    }
                }
                let step = lr / batch.len() as f32;
                let decay = 1.0 - lr * l2 as f32;
                for (w, g) in r.weights.iter_mut().zip(&grad_w) {
                    *w = *w * decay - step * g;
                }
                for (b, g) in r.bias.iter_mut().zip(&grad_b) {
                    *b -= step * g;
                }
            }
        }
        r
    }

    fn standardise(&self, row: &[f32], z: &mut [f32]) {
        for ((z, &v), (&m, &s)) in z.iter_mut().zip(row).zip(self.mean.iter().zip(&self.scale)) {
            *z = (v - m) * s;
        }
    }

    fn probabilities(&self, z: &[f32], p: &mut [f32]) {
        p.copy_from_slice(&self.bias);
        for (k, &zk) in z.iter().enumerate() {
            if zk != 0.0 {
                for (pc, &w) in p
                    .iter_mut()
                    .zip(&self.weights[k * self.classes..(k + 1) * self.classes])
                {
                    *pc += zk * w;
                }
            }
        }
        let max = p.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for pc in p.iter_mut() {
            *pc = (*pc - max).exp();
            sum += *pc;
        }
        p.iter_mut().for_each(|pc| *pc /= sum);
    }

    /// The most probable class of a sample.
    pub fn predict(&self, row: &[f32]) -> u8 {
        let mut z = vec![0.0f32; row.len()];
        let mut p = vec![0.0f32; self.classes];
        self.standardise(row, &mut z);
        self.probabilities(&z, &mut p);
        p.iter()
            .enumerate()
            .fold(
                (0, f32::NEG_INFINITY),
                |b, (c, &v)| if v > b.1 { (c, v) } else { b },
            )
            .0 as u8
    }
}

/// Raw pixels scaled to [0, 1] as features (the baseline the liquid is compared with).
pub fn pixel_features(set: &cajal_data::idx::ImageSet) -> Features {
    Features {
        values: set.pixels.iter().map(|&p| p as f32 / 255.0).collect(),
        dim: set.pixels_per_image(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn separates_gaussian_classes_and_reports_validation() {
        // three classes around different means in 5 dimensions, one feature constant
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(4);
        let mut values = Vec::new();
        let mut y = Vec::new();
        for i in 0..900 {
            let c = (i % 3) as u8;
            for k in 0..5 {
                let centre = if k == c as usize { 2.0 } else { 0.0 };
                values.push(if k == 4 {
                    7.0
                } else {
                    centre + rng.random_range(-1.0..1.0)
                });
            }
            y.push(c);
        }
        let x = Features { values, dim: 5 };
        let r = Readout::fit(&x, &y, 3, &ReadoutConfig::default(), 1);
        let right = (0..x.rows())
            .filter(|&i| r.predict(x.row(i)) == y[i])
            .count();
        assert!(right as f64 / 900.0 > 0.95, "{right}");
        assert_eq!(r.validation.len(), 3);
        assert!(r.validation.iter().all(|&(_, a)| a > 0.9));
    }
}
