//! Spike trains of a set of neurons over an observation window, and their binning.

use crate::AnalysisError;

/// Most neurons an analysis takes (one train each, kept in memory): ten million.
pub const MAX_NEURONS: usize = 10_000_000;

/// A named group of neurons (a population of a Cajal run), as a range of global indices.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Group {
    /// Name (population name, or "all").
    pub name: String,
    /// First neuron index.
    pub first: usize,
    /// Number of neurons.
    pub size: usize,
}

/// Spike trains of `n` neurons observed over `[t_start, t_stop]` (ms). Each train is sorted.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikeData {
    /// Start of the observation window (ms).
    pub t_start: f64,
    /// End of the observation window (ms).
    pub t_stop: f64,
    /// One sorted train per neuron (ms).
    pub trains: Vec<Vec<f64>>,
    /// Groups of neurons (populations), covering all neurons in order.
    pub groups: Vec<Group>,
    /// Each neuron's id in its source: the global id in a Cajal run (populations counted in
    /// model order from 0), the sender index in a spike file.
    pub ids: Vec<u32>,
}

impl SpikeData {
    /// Builds spike data from events `(time, sender)`, validating them: times finite and
    /// non-decreasing in file order, senders below `n`; only the spikes inside the window
    /// `[t_start, t_stop]` are kept. `what` names the source in
    /// errors (a file name).
    /// Spike trains of `n` neurons from events (`what` names the input in errors); at most
    /// [`MAX_NEURONS`] neurons.
    pub fn from_events(
        what: &str,
        times: &[f64],
        senders: &[f64],
        n: usize,
        t_start: f64,
        t_stop: f64,
    ) -> Result<SpikeData, AnalysisError> {
        let err = |m: String| AnalysisError::Input(format!("{what}: {m}"));
        if times.len() != senders.len() {
            return Err(err(format!(
                "{} times but {} senders; both arrays must have one entry per spike",
                times.len(),
                senders.len()
            )));
        }
        if !(t_start.is_finite() && t_stop.is_finite() && t_stop > t_start) {
            return Err(err(format!(
                "the observation window [{t_start}, {t_stop}] ms is empty or not finite; \
                 give --t-start/--t-stop with t_stop > t_start"
            )));
        }
        if n > MAX_NEURONS {
            return Err(err(format!(
                "{n} neurons (the largest sender plus one, or --neurons) is more than the {} \
                 the analysis takes; check the senders, or give --neurons",
                MAX_NEURONS
            )));
        }
        let mut trains = vec![Vec::new(); n];
        let mut prev = f64::NEG_INFINITY;
        for (k, (&t, &s)) in times.iter().zip(senders).enumerate() {
            if !t.is_finite() {
                return Err(err(format!(
                    "spike {k}: time is {t}; times must be finite (ms)"
                )));
            }
            if t < 0.0 {
                return Err(err(format!("spike {k}: time {t} ms is negative")));
            }
            if t < prev {
                return Err(err(format!(
                    "spike {k}: time {t} ms comes after {prev} ms; spikes must be sorted by time \
                     (in NumPy: order = numpy.argsort(times, kind='stable'))"
                )));
            }
            prev = t;
            if !(s.is_finite() && s >= 0.0 && s.fract() == 0.0) {
                return Err(err(format!(
                    "spike {k}: sender {s} is not a neuron index (an integer >= 0)"
                )));
            }
            let s = s as usize;
            if s >= n {
                return Err(err(format!(
                    "spike {k}: sender {s} is not below the number of neurons {n}; give --neurons"
                )));
            }
            // the window selects: spikes outside it are left out
            if t >= t_start && t <= t_stop {
                trains[s].push(t);
            }
        }
        Ok(SpikeData {
            t_start,
            t_stop,
            trains,
            groups: vec![Group {
                name: "all".into(),
                first: 0,
                size: n,
            }],
            ids: (0..n as u32).collect(),
        })
    }

    /// The position of each neuron id (`ids[k]` → k).
    pub fn index_of_ids(&self) -> std::collections::HashMap<u32, usize> {
        self.ids
            .iter()
            .enumerate()
            .map(|(k, &id)| (id, k))
            .collect()
    }

    /// Number of neurons.
    pub fn neurons(&self) -> usize {
        self.trains.len()
    }

    /// Total number of spikes.
    pub fn spikes(&self) -> usize {
        self.trains.iter().map(Vec::len).sum()
    }

    /// Duration of the window (ms).
    pub fn duration(&self) -> f64 {
        self.t_stop - self.t_start
    }

    /// Number of bins of width `bin` (ms) in the window, with Elephant's convention: a remainder
    /// shorter than a bin is dropped, and a ratio within 1e-8 of an integer counts as that integer.
    pub fn n_bins(&self, bin: f64) -> usize {
        bin_index((self.t_stop - self.t_start) / bin)
    }

    /// The bin of a spike at `t`, or `None` past the last whole bin (Elephant's convention: bins
    /// are half-open `[a, b)`, so a spike at `t_stop` is not binned).
    #[inline]
    pub fn bin_of(&self, t: f64, bin: f64, n_bins: usize) -> Option<usize> {
        let b = bin_index((t - self.t_start) / bin);
        (b < n_bins).then_some(b)
    }

    /// Spike counts of neuron `i` per bin.
    pub fn binned(&self, i: usize, bin: f64) -> Vec<u32> {
        let n_bins = self.n_bins(bin);
        let mut c = vec![0u32; n_bins];
        for &t in &self.trains[i] {
            if let Some(b) = self.bin_of(t, bin, n_bins) {
                c[b] += 1;
            }
        }
        c
    }

    /// Spike counts of all neurons together per bin (the population's activity).
    pub fn population_counts(&self, bin: f64) -> Vec<u32> {
        let n_bins = self.n_bins(bin);
        let mut c = vec![0u32; n_bins];
        for train in &self.trains {
            for &t in train {
                if let Some(b) = self.bin_of(t, bin, n_bins) {
                    c[b] += 1;
                }
            }
        }
        c
    }

    /// All spike times merged and sorted.
    pub fn merged(&self) -> Vec<f64> {
        let mut all: Vec<f64> = self.trains.iter().flatten().copied().collect();
        all.sort_unstable_by(f64::total_cmp);
        all
    }
}

/// Integer part of a ratio, moving values within 1e-8 below an integer up to it (Elephant's
/// `round_binning_errors` with its default tolerance).
#[inline]
pub fn bin_index(x: f64) -> usize {
    let f = x.floor();
    let v = if x - f >= 1.0 - 1e-8 { f + 1.0 } else { f };
    v.max(0.0) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_split_into_sorted_trains_and_validated() {
        let d = SpikeData::from_events(
            "x",
            &[1.0, 2.0, 2.0, 5.0],
            &[1.0, 0.0, 1.0, 1.0],
            3,
            0.0,
            10.0,
        )
        .unwrap();
        assert_eq!(d.trains, vec![vec![2.0], vec![1.0, 2.0, 5.0], vec![]]);
        assert_eq!(d.spikes(), 4);
        let e = SpikeData::from_events("f.csv", &[2.0, 1.0], &[0.0, 0.0], 1, 0.0, 10.0);
        assert!(e
            .unwrap_err()
            .to_string()
            .contains("spike 1: time 1 ms comes after 2 ms"));
        let e = SpikeData::from_events("f", &[f64::NAN], &[0.0], 1, 0.0, 10.0);
        assert!(e.unwrap_err().to_string().contains("finite"));
        let e = SpikeData::from_events("f", &[-1.0], &[0.0], 1, 0.0, 10.0);
        assert!(e.unwrap_err().to_string().contains("negative"));
        let e = SpikeData::from_events("f", &[1.0], &[1.5], 2, 0.0, 10.0);
        assert!(e.unwrap_err().to_string().contains("not a neuron index"));
        // the window selects: spikes before t_start and after t_stop are left out
        let w = SpikeData::from_events("x", &[1.0, 4.0, 6.0, 12.0], &[0.0; 4], 1, 3.0, 10.0);
        assert_eq!(w.unwrap().trains, vec![vec![4.0, 6.0]]);
    }

    #[test]
    fn binning_follows_elephant_edges() {
        let d = SpikeData::from_events(
            "x",
            &[0.0, 0.99999999999, 1.0, 2.5, 3.0],
            &[0.0; 5],
            1,
            0.0,
            3.0,
        )
        .unwrap();
        assert_eq!(d.n_bins(1.0), 3);
        // 0.99999999999 is within tolerance of the edge and moves into bin 1; 3.0 = t_stop is dropped.
        assert_eq!(d.binned(0, 1.0), vec![1, 2, 1]);
        assert_eq!(d.n_bins(0.7), 4);
    }
}
