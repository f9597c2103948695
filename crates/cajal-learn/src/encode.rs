//! Turning images into spikes: Poisson rate coding (Diehl & Cook 2015), latency
//! (time-to-first-spike) coding, and spike rasters as event streams.

use cajal_core::neuron::PoissonSource;
use rand::Rng;

/// The spikes of one presentation on a time grid: for each step, the input neurons that fire.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpikeRaster {
    /// Number of steps.
    pub steps: usize,
    /// `start[k]..start[k + 1]` indexes the spikes of step `k` in `neurons`.
    pub start: Vec<u32>,
    /// Input neuron of each spike, step after step.
    pub neurons: Vec<u32>,
}

impl SpikeRaster {
    /// The input neurons that fire in step `k`.
    #[inline]
    pub fn at(&self, k: usize) -> &[u32] {
        &self.neurons[self.start[k] as usize..self.start[k + 1] as usize]
    }

    /// Total number of spikes.
    pub fn len(&self) -> usize {
        self.neurons.len()
    }

    /// True when no input neuron fires.
    pub fn is_empty(&self) -> bool {
        self.neurons.is_empty()
    }

    /// The spikes as an event stream: (time in ms at the end of the step, neuron) in time order.
    pub fn events(&self, dt: f64) -> Vec<(f64, u32)> {
        (0..self.steps)
            .flat_map(|k| self.at(k).iter().map(move |&n| ((k + 1) as f64 * dt, n)))
            .collect()
    }

    /// The spikes as engine events by step, into buffers kept from call to call: neuron
    /// `senders[k]` spikes in step `steps[k]`, the raster's step 0 being step `start` (for
    /// `Simulation::add_spike_steps`), in time order.
    pub fn steps_from(&self, start: u64, senders: &mut Vec<u32>, steps: &mut Vec<u64>) {
        senders.clear();
        steps.clear();
        for k in 0..self.steps {
            let at = self.at(k);
            senders.extend_from_slice(at);
            steps.extend(std::iter::repeat_n(start + k as u64, at.len()));
        }
    }

    /// Builds a raster from (step, neuron) pairs in any order (a counting sort by step).
    fn from_pairs(steps: usize, pairs: &[(u32, u32)]) -> SpikeRaster {
        let mut start = vec![0u32; steps + 1];
        for &(k, _) in pairs {
            start[k as usize + 1] += 1;
        }
        for k in 0..steps {
            start[k + 1] += start[k];
        }
        let mut fill = start.clone();
        let mut neurons = vec![0u32; pairs.len()];
        for &(k, n) in pairs {
            neurons[fill[k as usize] as usize] = n;
            fill[k as usize] += 1;
        }
        SpikeRaster {
            steps,
            start,
            neurons,
        }
    }
}

/// Poisson rate coding: pixel `p` (0–255) fires as a Poisson train of `p / 255 · max_rate` Hz
/// for `steps` steps of `dt` ms. Diehl & Cook (2015) use `max_rate` = 63.75 Hz (pixel / 4) and
/// raise it by 32 Hz each time the network stays nearly silent.
///
/// Each pixel's spike steps are drawn as geometric gaps (one random number per spike, not one per
/// step and pixel), so a step holds at most one spike per pixel; the probability of a spike in a
/// step is `1 − exp(−rate · dt)`.
pub fn poisson_rate(
    image: &[u8],
    max_rate: f64,
    dt: f64,
    steps: usize,
    rng: &mut impl Rng,
) -> SpikeRaster {
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for (i, rate) in pixel_rates(image, max_rate) {
        poisson_train(rate, dt, steps, 0, rng, |k| pairs.push((k as u32, i)));
    }
    SpikeRaster::from_pairs(steps, &pairs)
}

/// The spike steps (each to `spike`, in order) of a Poisson train of `rate` Hz over `steps`
/// steps of `dt` ms, drawn as geometric gaps (one random number per gap); a spike within
/// `refractory` steps of the one before is skipped, as a refractory neuron would skip it (0:
/// none is).
pub fn poisson_train(
    rate: f64,
    dt: f64,
    steps: usize,
    refractory: u64,
    rng: &mut impl Rng,
    mut spike: impl FnMut(u64),
) {
    let p_step = -(-rate * dt / 1000.0).exp_m1();
    let ln_q = (-p_step).ln_1p();
    let mut gap = || PoissonSource::gap_given(p_step, ln_q, 1.0 - rng.random::<f64>());
    // the first spike: a gap counted from step -1
    let mut k = gap() - 1;
    while (k as usize) < steps {
        spike(k);
        let mut next = k + gap();
        while next <= k + refractory {
            next += gap();
        }
        k = next;
    }
}

/// Regular rate coding: each pixel fires periodically at `pixel / 255 · max_rate` Hz with a
/// random phase, on the grid of `dt` ms, for `steps` steps. The counts carry the same mean as
/// [`poisson_rate`] without its count noise (a pixel's count varies by at most one). A pixel fires
/// at most once per step, as in [`poisson_rate`]: rates above 1/dt saturate at one spike per step.
pub fn regular_rate(
    image: &[u8],
    max_rate: f64,
    dt: f64,
    steps: usize,
    rng: &mut impl Rng,
) -> SpikeRaster {
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for (i, rate) in pixel_rates(image, max_rate) {
        let period = (1000.0 / rate).max(dt);
        let mut t = rng.random::<f64>() * period;
        while ((t / dt) as usize) < steps {
            pairs.push(((t / dt) as u32, i));
            t += period;
        }
    }
    SpikeRaster::from_pairs(steps, &pairs)
}

/// The lit pixels of `image` and their rates (Hz), `pixel / 255 · max_rate`.
fn pixel_rates(image: &[u8], max_rate: f64) -> impl Iterator<Item = (u32, f64)> + '_ {
    image
        .iter()
        .enumerate()
        .filter(|&(_, &px)| px > 0)
        .map(move |(i, &px)| (i as u32, px as f64 / 255.0 * max_rate))
}

/// Latency (time-to-first-spike) coding: each pixel brighter than `threshold` fires once, the
/// brighter the earlier: at `(1 − p / 255) · window` ms, on the grid of `dt` ms; the raster has
/// `steps` steps (the spike of a pixel falling outside them is dropped).
pub fn latency(image: &[u8], window: f64, threshold: u8, dt: f64, steps: usize) -> SpikeRaster {
    let pairs: Vec<(u32, u32)> = image
        .iter()
        .enumerate()
        .filter(|&(_, &px)| px > threshold)
        .filter_map(|(i, &px)| {
            let t = (1.0 - px as f64 / 255.0) * window;
            let k = (t / dt).floor() as usize;
            (k < steps).then_some((k as u32, i as u32))
        })
        .collect();
    SpikeRaster::from_pairs(steps, &pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn poisson_counts_match_the_rate() {
        // 784 pixels at 255 and 63.75 Hz for 10 s: 784 * 637.5 expected spikes
        let image = vec![255u8; 784];
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
        let r = poisson_rate(&image, 63.75, 0.5, 20_000, &mut rng);
        let expected = 784.0 * 63.75 * 10.0;
        let got = r.len() as f64;
        // Bernoulli per step: mean n·p, sd sqrt(n·p) ~ 707; allow 5 sd
        let p = -(-63.75f64 * 0.5 / 1000.0).exp_m1();
        let mean = 784.0 * 20_000.0 * p;
        assert!((got - mean).abs() < 5.0 * mean.sqrt(), "{got} vs {mean}");
        assert!((mean - expected).abs() / expected < 0.02);
        // half-bright pixels fire at half the rate, black ones never
        let mut half = vec![0u8; 784];
        half[..392].fill(128);
        let r = poisson_rate(&half, 63.75, 0.5, 20_000, &mut rng);
        assert!(r.neurons.iter().all(|&n| n < 392));
        let ratio = r.len() as f64 / got;
        assert!((ratio - 0.5 * 128.0 / 255.0).abs() < 0.01, "{ratio}");
    }

    #[test]
    fn regular_trains_have_the_rate_and_no_count_noise() {
        // 250 ms at 63.75 Hz: 15.9 periods of 15.7 ms, so every white pixel fires 15 or 16 times
        let image: Vec<u8> = (0..784).map(|i| if i % 3 == 0 { 0 } else { 255 }).collect();
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(3);
        let r = regular_rate(&image, 63.75, 1.0, 250, &mut rng);
        let mut counts = vec![0u32; 784];
        for &n in &r.neurons {
            counts[n as usize] += 1;
        }
        for (i, &c) in counts.iter().enumerate() {
            if i % 3 == 0 {
                assert_eq!(c, 0, "black pixel {i}");
            } else {
                assert!(c == 15 || c == 16, "pixel {i}: {c} spikes");
            }
        }
        // the mean count matches the rate (phases are uniform)
        let lit = counts.iter().filter(|&&c| c > 0).count() as f64;
        let mean = r.len() as f64 / lit;
        assert!((mean - 63.75 * 0.25).abs() < 0.1, "{mean}");
        // half brightness: half the rate; spikes of one pixel one period apart
        let r = regular_rate(&[128], 63.75, 0.1, 100_000, &mut rng);
        let period = 1000.0 / (128.0 / 255.0 * 63.75);
        assert!(((r.len() as f64) - 10_000.0 / period).abs() <= 1.0);
    }

    #[test]
    fn raster_is_sorted_by_step_and_events_in_time_order() {
        let image: Vec<u8> = (0..100).map(|i| (i * 2) as u8).collect();
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        let r = poisson_rate(&image, 200.0, 1.0, 300, &mut rng);
        assert_eq!(r.start.len(), 301);
        let ev = r.events(1.0);
        assert_eq!(ev.len(), r.len());
        assert!(ev.windows(2).all(|w| w[0].0 <= w[1].0));
        // no pixel fires twice in a step
        for k in 0..300 {
            let mut s = r.at(k).to_vec();
            s.sort();
            s.dedup();
            assert_eq!(s.len(), r.at(k).len());
        }
    }

    #[test]
    fn latency_orders_by_brightness() {
        let r = latency(&[255, 0, 128, 10], 100.0, 20, 1.0, 120);
        assert_eq!(r.len(), 2);
        let ev = r.events(1.0);
        assert_eq!(ev[0], (1.0, 0));
        assert_eq!(ev[1].1, 2);
        assert!((ev[1].0 - 50.0).abs() <= 1.0);
    }

    #[test]
    fn a_regular_train_fires_at_most_once_per_step_whatever_the_rate() {
        // found by fuzzing the task files: max_rate = 1e308 made the period 1e-305 ms and the
        // train billions of spikes long
        let mut rng = rand_pcg::Pcg64::new(1, 1);
        let image = [255u8, 128, 0, 1];
        let r = regular_rate(&image, 1e308, 0.5, 100, &mut rng);
        assert_eq!(r.len(), 300, "three lit pixels, one spike each step");
        for k in 0..100 {
            let mut at = r.at(k).to_vec();
            at.dedup();
            assert_eq!(at.len(), r.at(k).len());
        }
    }
}
