//! Input devices local to a partition: Poisson drive and injected currents.

use crate::rng::Stream;
use rand::RngCore;
use rand_distr::{Distribution, Poisson};

/// Draws Poisson counts with a fixed mean: by inversion over a precomputed table for small means
/// (one uniform number per draw), by `rand_distr` otherwise.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PoissonSampler {
    cdf: Vec<f64>,
    /// `guide[g]`: the smallest k with `cdf[k] > g / GUIDE`, where the search for a uniform in
    /// `[g / GUIDE, (g + 1) / GUIDE)` may start (Chen & Asau's guide table): the same k as a
    /// search from 0, in one or two comparisons.
    guide: Vec<u32>,
    large: Option<Poisson<f64>>,
}

const GUIDE: usize = 256;

/// The longest table a sampler keeps (means up to 40 need fewer entries).
const MAX_TABLE: usize = 200;

impl PoissonSampler {
    /// A sampler for mean `lambda` (>= 0).
    pub fn new(lambda: f64) -> Self {
        if lambda > 40.0 {
            return PoissonSampler {
                cdf: Vec::new(),
                guide: Vec::new(),
                large: Some(Poisson::new(lambda).expect("lambda > 0")),
            };
        }
        let mut cdf = Vec::new();
        let mut pk = (-lambda).exp();
        let mut acc = 0.0;
        let mut k = 0.0;
        while acc < 1.0 - 1e-15 && cdf.len() < MAX_TABLE {
            acc += pk;
            cdf.push(acc);
            k += 1.0;
            pk *= lambda / k;
        }
        let guide = (0..GUIDE)
            .map(|g| {
                let u = g as f64 / GUIDE as f64;
                cdf.iter().position(|&c| c > u).unwrap_or(cdf.len()) as u32
            })
            .collect();
        PoissonSampler {
            cdf,
            guide,
            large: None,
        }
    }

    /// One draw.
    #[inline]
    pub fn sample(&self, rng: &mut Stream) -> u32 {
        if self.large.is_some() {
            return self.sample_large(rng);
        }
        self.invert_bits(rng.next_u64())
    }

    /// What adding rows of draws times `weight` needs ([`RowDraws`]); made once per drive and
    /// step, then used for every block of the row.
    pub fn row_draws(&self, weight: f64) -> RowDraws<'_> {
        let mut draws = RowDraws {
            sampler: self,
            weight,
            guide: self.guide[..].try_into().unwrap_or(&[0; GUIDE]),
            thresholds: [0; MAX_TABLE],
            inputs: [0.0; MAX_TABLE + 1],
            len: self.cdf.len(),
        };
        if draws.len > MAX_TABLE {
            return draws;
        }
        for (t, &c) in draws.thresholds.iter_mut().zip(&self.cdf) {
            // u = m 2^-53 >= c exactly when the integer m >= ceil(c 2^53): c 2^53 is exact
            // (a power of two), and so is its ceiling below 2^54
            *t = (c * (1u64 << 53) as f64).ceil() as u64;
        }
        for (k, x) in draws.inputs[..=draws.len].iter_mut().enumerate() {
            *x = k as f64 * weight;
        }
        draws
    }

    /// Large means: `rand_distr`'s sampler, kept out of line so that the table path inlines.
    #[cold]
    #[inline(never)]
    fn sample_large(&self, rng: &mut Stream) -> u32 {
        self.large.as_ref().map_or(0, |p| p.sample(rng) as u32)
    }

    /// The draw for 64 random bits `x`: the uniform number that `rng.random::<f64>()` makes of
    /// them, `u = (x >> 11) 2^-53`, inverted; its guide bucket `floor(256 u)` is just `x`'s top
    /// 8 bits (no float-to-integer conversion). The same counts as `invert(u)`.
    #[inline]
    fn invert_bits(&self, x: u64) -> u32 {
        const _: () = assert!(GUIDE == 256, "the bucket is the top 8 bits");
        let u = (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        self.search(u, self.guide[(x >> 56) as usize] as usize)
    }

    /// The count whose CDF interval holds `u` in [0, 1) (table means only).
    #[cfg(test)]
    fn invert(&self, u: f64) -> u32 {
        self.search(
            u,
            self.guide[((u * GUIDE as f64) as usize).min(GUIDE - 1)] as usize,
        )
    }

    /// The count whose CDF interval holds `u`, searching from the guide's start `k`.
    #[inline]
    fn search(&self, u: f64, mut k: usize) -> u32 {
        // The guide's bucket nearly always holds at most one step of the CDF: take it without a
        // branch (whether it is taken is a coin flip, which a branch would mispredict), then
        // search on in the rare buckets that hold more.
        if k < self.cdf.len() {
            k += usize::from(u >= self.cdf[k]);
            while k < self.cdf.len() && u >= self.cdf[k] {
                k += 1;
            }
        }
        k as u32
    }
}

/// A sampler's draws as adding a row of them needs: the CDF as integer thresholds on the 53 bits
/// that make a uniform number (`m >= threshold` exactly when `m 2^-53 >= cdf`), and each count's
/// input, `count × weight`, computed once. The same counts and the same products as
/// [`PoissonSampler::sample`] times the weight, with no conversion to floating point and no
/// multiplication per draw (BENCHMARKS.md: the full microcircuit 9 % and Brunel 11 % faster).
pub struct RowDraws<'a> {
    sampler: &'a PoissonSampler,
    weight: f64,
    guide: &'a [u32; GUIDE],
    thresholds: [u64; MAX_TABLE],
    inputs: [f64; MAX_TABLE + 1],
    len: usize,
}

impl RowDraws<'_> {
    /// Adds one draw's input to each entry of `row`, drawing in order from `rng`. The generator
    /// is copied into a local for the row, so that its state stays in registers instead of
    /// being stored and loaded around each draw.
    #[inline]
    pub fn add_to(&self, rng: &mut Stream, row: &mut [f64]) {
        if self.sampler.large.is_some() || self.len > MAX_TABLE {
            // (a table longer than any this sampler makes can only come from foreign data:
            // drawn one by one as before)
            for x in row.iter_mut() {
                *x += self.sampler.sample(rng) as f64 * self.weight;
            }
            return;
        }
        let thresholds = &self.thresholds[..self.len];
        let inputs = &self.inputs[..=self.len];
        let mut local = rng.clone();
        for x in row.iter_mut() {
            let bits = local.next_u64();
            let m = bits >> 11;
            let mut k = self.guide[(bits >> 56) as usize] as usize;
            // as in `PoissonSampler::search`: one step without a branch, then the rare rest
            // (written out here: a generic search shared by both, tried, made Brunel 4 % slower
            // in eleven alternating runs)
            if k < thresholds.len() {
                k += usize::from(m >= thresholds[k]);
                while k < thresholds.len() && m >= thresholds[k] {
                    k += 1;
                }
            }
            // added even when 0 (x + 0 is x): a test would be mispredicted about half the time
            *x += inputs[k];
        }
        *rng = local;
    }
}

/// A Poisson drive: independent trains into each target neuron of a partition.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PoissonDrive {
    /// Counts per step.
    pub sampler: PoissonSampler,
    /// Weight per input spike.
    pub weight: f64,
    /// Delay in steps.
    pub delay: u16,
    /// First active step.
    pub start: u64,
    /// First inactive step.
    pub stop: u64,
    /// Local target indices; all neurons when `None`.
    pub targets: Option<Vec<u16>>,
}

/// An injected current: piecewise constant in time.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct CurrentDrive {
    /// Which of the network's inputs this is (its index in definition order). Not saved: a
    /// restored checkpoint takes it from the network just built from the same description.
    #[serde(skip)]
    pub input: usize,
    /// `(first step, amplitude pA)` in order of steps; before the first, zero.
    pub changes: Vec<(u64, f64)>,
    /// First inactive step.
    pub stop: u64,
    /// Local target indices; all neurons when `None`.
    pub targets: Option<Vec<u16>>,
}

impl CurrentDrive {
    /// The amplitude in step `k`.
    pub fn amplitude(&self, k: u64) -> f64 {
        if k >= self.stop {
            return 0.0;
        }
        // changes are few; a binary search keeps this cheap for long step lists
        match self.changes.partition_point(|&(s, _)| s <= k) {
            0 => 0.0,
            i => self.changes[i - 1].1,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn guide_table_gives_the_same_counts_as_a_search_from_zero() {
        for lambda in [0.001, 0.3, 2.0, 7.5, 39.9] {
            let s = PoissonSampler::new(lambda);
            let linear = |u: f64| s.cdf.iter().take_while(|&&c| u >= c).count() as u32;
            for i in 0..100_000 {
                let u = (i as f64 + 0.5) / 100_000.0;
                assert_eq!(s.invert(u), linear(u), "lambda {lambda}, u {u}");
            }
            // the guide's own boundaries
            for g in 0..GUIDE {
                let u = g as f64 / GUIDE as f64;
                assert_eq!(s.invert(u), linear(u));
            }
        }
    }

    use super::*;
    use crate::rng::{stream, Purpose};

    #[test]
    fn drawing_from_the_bits_gives_the_counts_of_rands_uniform_numbers() {
        use rand::Rng;
        for lambda in [0.05, 0.88, 3.0, 20.0] {
            let s = PoissonSampler::new(lambda);
            let mut a = stream(11, Purpose::Poisson, 1, 2);
            let mut b = a.clone();
            for _ in 0..200_000 {
                assert_eq!(
                    s.sample(&mut a),
                    s.invert(b.random::<f64>()),
                    "lambda {lambda}"
                );
            }
        }
    }

    #[test]
    fn integer_thresholds_decide_as_the_uniform_numbers_do_at_their_edges() {
        // at, just below and just above every threshold, for every entry of tables of every
        // size: `m >= threshold` exactly when `m 2^-53 >= cdf` (a rounding of the threshold the
        // other way, or `>` for `>=`, fails here)
        let scale = 1.0 / (1u64 << 53) as f64;
        for lambda in [1e-9, 0.05, 1.28, 7.5, 39.99] {
            let s = PoissonSampler::new(lambda);
            let draws = s.row_draws(1.0);
            for (k, &c) in s.cdf.iter().enumerate() {
                let t = draws.thresholds[k];
                for m in [t.saturating_sub(1), t, t + 1] {
                    if m < 1 << 53 {
                        assert_eq!(m >= t, m as f64 * scale >= c, "lambda {lambda}, k {k}");
                    }
                }
            }
        }
    }

    #[test]
    fn rows_of_draws_add_what_single_draws_do_bit_for_bit() {
        // table means of several sizes and a large mean
        for lambda in [0.0, 1e-9, 0.05, 1.28, 7.5, 39.99, 55.0] {
            for weight in [87.81, -351.24, 1e-300, 0.1] {
                let s = PoissonSampler::new(lambda);
                let mut a = stream(5, Purpose::Poisson, 3, 4);
                let mut b = a.clone();
                // a row that already holds input, so that the additions are checked too
                let start: Vec<f64> = (0..3000).map(|i| (i as f64 * 0.37).sin() * 50.0).collect();
                let mut row = start.clone();
                s.row_draws(weight).add_to(&mut a, &mut row);
                for (x, x0) in row.iter().zip(&start) {
                    let want = x0 + s.sample(&mut b) as f64 * weight;
                    assert_eq!(
                        x.to_bits(),
                        want.to_bits(),
                        "lambda {lambda}, weight {weight}"
                    );
                }
                // and the generator is left where the single draws leave it
                assert_eq!(a.next_u64(), b.next_u64());
            }
        }
    }

    #[test]
    fn poisson_sampler_has_the_right_mean_and_variance() {
        for &lambda in &[0.02, 2.0, 15.0, 80.0] {
            let s = PoissonSampler::new(lambda);
            let mut rng = stream(7, Purpose::Poisson, 0, 0);
            let n = 200_000;
            let xs: Vec<f64> = (0..n).map(|_| s.sample(&mut rng) as f64).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            // 5 standard errors of the mean and of the variance estimate
            let se_mean = (lambda / n as f64).sqrt();
            assert!(
                (mean - lambda).abs() < 5.0 * se_mean,
                "lambda {lambda}: mean {mean}"
            );
            let se_var = ((lambda + 2.0 * lambda * lambda) / n as f64).sqrt();
            assert!(
                (var - lambda).abs() < 5.0 * se_var,
                "lambda {lambda}: var {var}"
            );
        }
    }

    #[test]
    fn step_current_switches_at_given_steps_and_stops() {
        let c = CurrentDrive {
            input: 0,
            changes: vec![(10, 5.0), (20, -1.0)],
            stop: 30,
            targets: None,
        };
        assert_eq!(c.amplitude(9), 0.0);
        assert_eq!(c.amplitude(10), 5.0);
        assert_eq!(c.amplitude(19), 5.0);
        assert_eq!(c.amplitude(20), -1.0);
        assert_eq!(c.amplitude(30), 0.0);
    }
}
