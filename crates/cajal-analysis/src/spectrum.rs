//! Power spectrum of a population rate by Welch's method, to detect oscillations.

use rustfft::{num_complex::Complex, FftPlanner};

/// A one-sided power spectral density.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Spectrum {
    /// Frequencies (Hz).
    pub freqs: Vec<f64>,
    /// Power spectral density (signal units² per Hz).
    pub psd: Vec<f64>,
    /// Frequency of the largest peak above `min_peak_hz` (Hz); NaN if none.
    pub peak_hz: f64,
    /// Segment length used (samples).
    pub segment: usize,
}

/// Welch's estimate of the one-sided PSD of `x` sampled every `dt_ms` ms: Hann-windowed segments
/// of `segment` samples (the signal length if shorter) with 50 % overlap, each detrended by its
/// mean, scaled as a density (as `scipy.signal.welch` with its defaults). The peak search ignores
/// frequencies below `min_peak_hz`.
pub fn welch(x: &[f64], dt_ms: f64, segment: usize, min_peak_hz: f64) -> Spectrum {
    let n = segment.min(x.len()).max(2);
    let fs = 1000.0 / dt_ms;
    let window: Vec<f64> = (0..n)
        .map(|k| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * k as f64 / n as f64).cos())
        .collect();
    let w2: f64 = window.iter().map(|w| w * w).sum();
    let n_freq = n / 2 + 1;
    let mut psd = vec![0.0; n_freq];
    let fft = FftPlanner::<f64>::new().plan_fft_forward(n);
    let step = n / 2;
    let mut segments = 0usize;
    let mut start = 0usize;
    let mut buf = vec![Complex::new(0.0, 0.0); n];
    while start + n <= x.len() {
        let seg = &x[start..start + n];
        let m = seg.iter().sum::<f64>() / n as f64;
        for (k, b) in buf.iter_mut().enumerate() {
            *b = Complex::new((seg[k] - m) * window[k], 0.0);
        }
        fft.process(&mut buf);
        for (k, p) in psd.iter_mut().enumerate() {
            *p += buf[k].norm_sqr();
        }
        segments += 1;
        start += step.max(1);
    }
    let scale = 1.0 / (fs * w2 * segments.max(1) as f64);
    for (k, p) in psd.iter_mut().enumerate() {
        *p *= scale;
        if k != 0 && (n & 1 == 1 || k != n / 2) {
            *p *= 2.0;
        }
    }
    let freqs: Vec<f64> = (0..n_freq).map(|k| k as f64 * fs / n as f64).collect();
    let peak_hz = freqs
        .iter()
        .zip(&psd)
        .filter(|(f, _)| **f >= min_peak_hz)
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(f, _)| *f)
        .unwrap_or(f64::NAN);
    Spectrum {
        freqs,
        psd,
        peak_hz,
        segment: n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_sine_and_conserves_power() {
        // 40 Hz sine of amplitude 2 sampled at 1 kHz: the peak is at 40 Hz, and the integral of
        // the PSD equals the variance a²/2 = 2 (within the window's leakage, 2 %).
        let x: Vec<f64> = (0..8192)
            .map(|k| 2.0 * (2.0 * std::f64::consts::PI * 40.0 * k as f64 / 1000.0).sin())
            .collect();
        let s = welch(&x, 1.0, 1000, 2.0);
        assert!((s.peak_hz - 40.0).abs() < 1e-9, "peak {}", s.peak_hz);
        let df = s.freqs[1] - s.freqs[0];
        let power: f64 = s.psd.iter().sum::<f64>() * df;
        assert!((power - 2.0).abs() < 0.04, "power {power}");
    }
}
