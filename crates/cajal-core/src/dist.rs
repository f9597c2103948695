//! Values that are constant or drawn from a distribution (weights, delays, initial states).

use crate::rng::Stream;
use rand::Rng;
use rand_distr::{Distribution, LogNormal, Normal};

/// A constant or a random distribution, in the unit of whatever it describes.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always this value.
    Const(f64),
    /// Uniform on `[low, high)`.
    Uniform { low: f64, high: f64 },
    /// Normal with mean and standard deviation.
    Normal { mean: f64, std: f64 },
    /// Log-normal: `exp(N(mu, sigma))`.
    LogNormal { mu: f64, sigma: f64 },
    /// Normal redrawn until it falls inside `[low, high]` (NEST's `normal` with clipping by redraw).
    NormalClipped {
        mean: f64,
        std: f64,
        low: f64,
        high: f64,
    },
}

impl Dist {
    /// Checks the parameters; the message says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let finite = |name: &str, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(format!("{name} must be a finite number (got {v})"))
            }
        };
        match *self {
            Dist::Const(v) => finite("value", v),
            Dist::Uniform { low, high } => {
                finite("low", low)?;
                finite("high", high)?;
                if low >= high {
                    return Err(format!(
                        "uniform needs low < high (got low {low}, high {high})"
                    ));
                }
                Ok(())
            }
            Dist::Normal { mean, std } => {
                finite("mean", mean)?;
                finite("std", std)?;
                if std < 0.0 {
                    return Err(format!("std must be >= 0 (got {std})"));
                }
                Ok(())
            }
            Dist::LogNormal { mu, sigma } => {
                finite("mu", mu)?;
                finite("sigma", sigma)?;
                if sigma < 0.0 {
                    return Err(format!("sigma must be >= 0 (got {sigma})"));
                }
                Ok(())
            }
            Dist::NormalClipped {
                mean,
                std,
                low,
                high,
            } => {
                // the same mean and std rules as the unclipped normal
                Dist::Normal { mean, std }.validate()?;
                if !matches!(low.partial_cmp(&high), Some(std::cmp::Ordering::Less)) {
                    return Err(format!(
                        "normal_clipped needs low < high (got low {low}, high {high})"
                    ));
                }
                // Redrawing must terminate: the window must hold real probability mass.
                let z_lo = (low - mean) / std.max(1e-300);
                let z_hi = (high - mean) / std.max(1e-300);
                if z_lo > 6.0 || z_hi < -6.0 {
                    return Err(format!(
                        "normal_clipped window [{low}, {high}] is more than 6 std from the mean {mean}: \
                         almost no draw would fall inside"
                    ));
                }
                Ok(())
            }
        }
    }

    /// The smallest and largest value the distribution can produce.
    pub fn range(&self) -> (f64, f64) {
        match *self {
            Dist::Const(v) => (v, v),
            Dist::Uniform { low, high } => (low, high),
            Dist::Normal { std: 0.0, mean } => (mean, mean),
            Dist::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            Dist::LogNormal { .. } => (0.0, f64::INFINITY),
            Dist::NormalClipped { low, high, .. } => (low, high),
        }
    }

    /// True when the value never changes (no random draw is made).
    pub fn is_const(&self) -> bool {
        matches!(self, Dist::Const(_))
    }

    /// Draws one value (no draw is made for a constant).
    pub fn sample(&self, rng: &mut Stream) -> f64 {
        match *self {
            Dist::Const(v) => v,
            Dist::Uniform { low, high } => low + (high - low) * rng.random::<f64>(),
            Dist::Normal { mean, std } => Normal::new(mean, std).expect("validated").sample(rng),
            Dist::LogNormal { mu, sigma } => {
                LogNormal::new(mu, sigma).expect("validated").sample(rng)
            }
            Dist::NormalClipped {
                mean,
                std,
                low,
                high,
            } => {
                let n = Normal::new(mean, std).expect("validated");
                loop {
                    let v = n.sample(rng);
                    if (low..=high).contains(&v) {
                        return v;
                    }
                }
            }
        }
    }
}
