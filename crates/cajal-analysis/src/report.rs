//! The whole analysis of a spike data set in one call, as `cajal analyze` runs it.

use crate::avalanche::{avalanches, mean_population_isi, Avalanches};
use crate::branching::{branching_ratio, BranchingRatio};
use crate::correlation::{
    corrcoef, cross_correlogram, mean_off_diagonal, spike_bins, synchrony_chi,
};
use crate::distance::{matrix, van_rossum, victor_purpura};
use crate::inference::{ccg_scores, glm_fit, InferenceOptions};
use crate::lz::{binarise, lz76, lz76_normalised, lz76_vs_shuffled, population_patterns};
use crate::powerlaw::{fit, goodness_of_fit, PowerLawFit};
use crate::spectrum::{welch, Spectrum};
use crate::spikes::SpikeData;
use crate::stats::{fano, finite_mean, neuron_stats, population_rate, NeuronStats};
use std::time::Instant;

/// What to compute, and with which parameters.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Options {
    /// Bin width for correlations, synchrony, population rate, spectrum and LZ (ms).
    pub bin_ms: f64,
    /// Counting window of the per-neuron Fano factor (ms).
    pub fano_window_ms: f64,
    /// Neurons used for pairwise measures (the first ones with at least one spike).
    pub pair_neurons: usize,
    /// van Rossum time constant (ms).
    pub van_rossum_tau_ms: f64,
    /// Victor–Purpura cost per ms of shift (1/ms).
    pub victor_purpura_q: f64,
    /// Largest correlogram lag (bins).
    pub correlogram_max_lag: usize,
    /// Avalanche bin (ms); None: the mean interval of the merged population train, but not less
    /// than the time resolution of the data.
    pub avalanche_bin_ms: Option<f64>,
    /// Smallest tail for a power-law fit.
    pub min_tail: usize,
    /// Bootstrap data sets of the goodness-of-fit test (0: skip it).
    pub gof_reps: usize,
    /// Largest lag of the MR branching-ratio estimator (avalanche bins).
    pub k_max: usize,
    /// Shuffled surrogates for normalising LZ complexity.
    pub lz_surrogates: usize,
    /// Neurons (the first of the pairwise subset) whose trains get their own LZ complexity.
    pub lz_neurons: usize,
    /// Seed of surrogates and bootstraps.
    pub seed: u64,
    /// Connectivity inference: "none", "ccg", "glm" or "both".
    pub infer: String,
    /// Inference settings.
    pub inference: InferenceOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            bin_ms: 1.0,
            fano_window_ms: 100.0,
            pair_neurons: 50,
            van_rossum_tau_ms: 10.0,
            victor_purpura_q: 0.1,
            correlogram_max_lag: 50,
            avalanche_bin_ms: None,
            min_tail: 50,
            gof_reps: 100,
            k_max: 40,
            lz_surrogates: 5,
            lz_neurons: 20,
            seed: 1,
            infer: "none".into(),
            inference: InferenceOptions::default(),
        }
    }
}

impl Options {
    /// Checks the values every front end takes (the command line and Python), with the coupling
    /// window of inference `lag_min_ms..=lag_max_ms`: the bin, the Fano window, van Rossum's tau
    /// and the avalanche bin finite and > 0; Victor–Purpura's q, the L1 penalty and the window's
    /// ends finite and >= 0; `infer` one of none, ccg, glm, both; when inferring, the window at
    /// least a bin after the spike and not inverted. `name` gives a field (`bin_ms`,
    /// `lag_min_ms`, ...) in the caller's terms; the message names it and what is allowed.
    pub fn check(
        &self,
        lag_min_ms: f64,
        lag_max_ms: f64,
        name: impl Fn(&str) -> String,
    ) -> Result<(), String> {
        let positive = [
            ("bin_ms", self.bin_ms),
            ("fano_window_ms", self.fano_window_ms),
            ("van_rossum_tau_ms", self.van_rossum_tau_ms),
            ("avalanche_bin_ms", self.avalanche_bin_ms.unwrap_or(1.0)),
        ];
        for (k, x) in positive {
            if !(x.is_finite() && x > 0.0) {
                return Err(format!("{} must be a number > 0 (got {x})", name(k)));
            }
        }
        let non_negative = [
            ("victor_purpura_q", self.victor_purpura_q),
            ("l1", self.inference.l1),
            ("lag_min_ms", lag_min_ms),
            ("lag_max_ms", lag_max_ms),
        ];
        for (k, x) in non_negative {
            if !(x.is_finite() && x >= 0.0) {
                return Err(format!("{} must be a number >= 0 (got {x})", name(k)));
            }
        }
        if !["none", "ccg", "glm", "both"].contains(&self.infer.as_str()) {
            return Err(format!(
                "{} must be none, ccg, glm or both (got '{}')",
                name("infer"),
                self.infer
            ));
        }
        if self.infer != "none" && !(lag_min_ms >= self.bin_ms && lag_max_ms >= lag_min_ms) {
            return Err(format!(
                "{} ({lag_min_ms}) must be >= {} ({}) and <= {} ({lag_max_ms})",
                name("lag_min_ms"),
                name("bin_ms"),
                self.bin_ms,
                name("lag_max_ms")
            ));
        }
        Ok(())
    }

    /// The rules every front end applies to what it was given (the command line and Python):
    /// at least 2 lags for the MR estimator, 1 surrogate and 1 basis function; the inference
    /// bins as the other measures; its coupling window from `lag_min_ms` to `lag_max_ms`, in
    /// bins (at least one bin after the spike).
    pub fn settled(mut self, lag_min_ms: f64, lag_max_ms: f64) -> Options {
        self.k_max = self.k_max.max(2);
        self.lz_surrogates = self.lz_surrogates.max(1);
        self.inference.bases = self.inference.bases.max(1);
        self.inference.bin_ms = self.bin_ms;
        self.inference.lag_min = (lag_min_ms / self.bin_ms).round().max(1.0) as usize;
        self.inference.lag_max = (lag_max_ms / self.bin_ms)
            .round()
            .max(self.inference.lag_min as f64) as usize;
        self
    }
}

/// Summary of one group (population).
#[derive(Clone, Debug, serde::Serialize)]
pub struct GroupSummary {
    /// Name.
    pub name: String,
    /// Neurons.
    pub neurons: usize,
    /// Spikes.
    pub spikes: usize,
    /// Mean rate (Hz).
    pub rate_hz: f64,
    /// Mean ISI CV over neurons with >= 3 spikes (null if none).
    pub cv: Option<f64>,
    /// Mean CV2.
    pub cv2: Option<f64>,
    /// Mean LV.
    pub lv: Option<f64>,
    /// Mean over neurons of the Fano factor of windowed counts.
    pub fano_windowed: Option<f64>,
    /// Fano factor of the spike counts across neurons (Elephant's `fanofactor` of the trains).
    pub fano_across_neurons: Option<f64>,
}

/// Pairwise measures on a subset of neurons.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Pairwise {
    /// Indices (into the analysed neurons) of the neurons used.
    pub neurons: Vec<usize>,
    /// Mean correlation coefficient of binned counts over pairs.
    pub mean_corrcoef: Option<f64>,
    /// Mean van Rossum distance over pairs.
    pub mean_van_rossum: Option<f64>,
    /// Mean Victor–Purpura distance over pairs.
    pub mean_victor_purpura: Option<f64>,
    /// Golomb's synchrony chi of the subset.
    pub synchrony_chi: Option<f64>,
    /// Correlograms summed over all ordered pairs, lags −L..=L bins.
    pub correlogram: Vec<u64>,
    /// Correlation matrix (row-major).
    #[serde(skip)]
    pub corrcoef: Vec<f64>,
    /// van Rossum distance matrix.
    #[serde(skip)]
    pub van_rossum: Vec<f64>,
    /// Victor–Purpura distance matrix.
    #[serde(skip)]
    pub victor_purpura: Vec<f64>,
}

/// Avalanche statistics and fits.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Criticality {
    /// Bin width (ms).
    pub bin_ms: f64,
    /// Number of complete avalanches.
    pub avalanches: usize,
    /// Power-law fit of sizes (null if too few).
    pub size_fit: Option<PowerLawFit>,
    /// Power-law fit of durations (null if too few).
    pub duration_fit: Option<PowerLawFit>,
    /// Branching ratio of the population activity at this bin.
    pub branching: BranchingRatio,
    /// The avalanches themselves.
    #[serde(skip)]
    pub data: Avalanches,
}

/// Lempel–Ziv complexity.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Complexity {
    /// Mean over the first `lz_neurons` of the pairwise subset of LZ76 of the binarised train,
    /// normalised by c·log_a(n)/n.
    pub mean_neuron_lz_normalised: Option<f64>,
    /// Mean over those neurons of LZ76 divided by its shuffled surrogates' mean.
    pub mean_neuron_lz_vs_shuffled: Option<f64>,
    /// LZ76 phrases of the sequence of population patterns of the pairwise subset.
    pub population_lz: usize,
    /// That count divided by the mean of shuffled surrogates.
    pub population_lz_vs_shuffled: Option<f64>,
}

/// Inferred couplings.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Inference {
    /// Settings used.
    pub options: Option<InferenceOptions>,
    /// Correlogram scores (row-major i → j), if computed.
    #[serde(skip)]
    pub ccg: Option<Vec<f64>>,
    /// GLM integrated coupling filters, if computed.
    #[serde(skip)]
    pub glm: Option<Vec<f64>>,
    /// GLM filter basis weights (`(i·n + j)·bases + b`), if computed.
    #[serde(skip)]
    pub glm_filters: Option<Vec<f64>>,
}

/// Everything `cajal analyze` computes.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    /// Analysis window start (ms).
    pub t_start: f64,
    /// Analysis window end (ms).
    pub t_stop: f64,
    /// Neurons analysed.
    pub neurons: usize,
    /// Spikes analysed.
    pub spikes: usize,
    /// Per-group summaries, then one for all neurons together.
    pub groups: Vec<GroupSummary>,
    /// Per-neuron statistics.
    #[serde(skip)]
    pub per_neuron: NeuronStats,
    /// Mean population rate (Hz per neuron) and its spectrum.
    pub population_rate_hz: f64,
    /// Spectrum of the population rate.
    pub spectrum: Spectrum,
    /// Pairwise measures.
    pub pairwise: Pairwise,
    /// Avalanches and branching ratio.
    pub criticality: Criticality,
    /// Complexity.
    pub complexity: Complexity,
    /// Connectivity inference, when asked for.
    pub inference: Inference,
    /// Options used.
    pub options: Options,
    /// Seconds spent per part.
    pub timings_s: Vec<(String, f64)>,
    /// Measures the data are too small or too degenerate for, each saying why (their values are
    /// left out: null).
    pub notes: Vec<String>,
}

fn opt(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn group_summary(
    name: &str,
    data: &SpikeData,
    s: &NeuronStats,
    r: std::ops::Range<usize>,
) -> GroupSummary {
    let counts: Vec<f64> = s.spikes[r.clone()].iter().map(|&c| c as f64).collect();
    GroupSummary {
        name: name.to_string(),
        neurons: r.len(),
        spikes: counts.iter().sum::<f64>() as usize,
        rate_hz: counts.iter().sum::<f64>() / (r.len().max(1) as f64 * data.duration() / 1000.0),
        cv: opt(finite_mean(&s.cv[r.clone()])),
        cv2: opt(finite_mean(&s.cv2[r.clone()])),
        lv: opt(finite_mean(&s.lv[r.clone()])),
        fano_windowed: opt(finite_mean(&s.fano[r.clone()])),
        fano_across_neurons: opt(fano(&counts)),
    }
}

/// Runs the analysis.
///
/// `progress(stage, done, total)` is called as each part starts (`total` = 0 when the part has no
/// count) and as GLM fits finish; it may be called from several threads.
pub fn analyze(
    data: &SpikeData,
    o: &Options,
    progress: &(dyn Fn(&str, usize, usize) + Sync),
) -> Report {
    let stage = |name: &str| progress(name, 0, 0);
    let mut laps = Laps::start();

    stage("statistics");
    let per_neuron = neuron_stats(data, o.fano_window_ms);
    let groups = group_summaries(data, &per_neuron);
    let (population_rate_hz, spectrum) = population_rate_spectrum(data, o.bin_ms);
    laps.lap("statistics");

    stage("pairwise");
    let chosen = pair_subset(data, o.pair_neurons);
    let rows: Vec<Vec<u32>> = chosen.iter().map(|&i| data.binned(i, o.bin_ms)).collect();
    let pairwise = pairwise(data, o, chosen, &rows);
    laps.lap("pairwise");

    stage("avalanches");
    let criticality = criticality(data, o, &stage);
    laps.lap("avalanches");

    stage("complexity");
    let complexity = complexity(&rows, o);
    laps.lap("complexity");

    let inference = inference(data, o, progress, &mut laps);
    let mut groups = groups;
    let mut pairwise = pairwise;
    let mut criticality = criticality;
    let notes = degenerate(data, o, &mut groups, &mut pairwise, &mut criticality);
    Report {
        t_start: data.t_start,
        t_stop: data.t_stop,
        neurons: data.neurons(),
        spikes: data.spikes(),
        groups,
        per_neuron,
        population_rate_hz,
        spectrum,
        pairwise,
        criticality,
        complexity,
        inference,
        options: o.clone(),
        timings_s: laps.timings,
        notes,
    }
}

/// Fewest avalanche bins the branching-ratio estimates are given for (the MR fit needs k_max
/// lags, each regressed over many bins).
const MIN_BRANCHING_BINS: usize = 100;

/// The measures that mean nothing on these data, left out (None, NaN) with a note each: the
/// windowed Fano factor with fewer than two windows, pairwise measures with fewer than two
/// neurons, power laws on fewer avalanches than the fit's smallest tail, branching ratios on too
/// few bins or a constant activity.
fn degenerate(
    data: &SpikeData,
    o: &Options,
    groups: &mut [GroupSummary],
    pairwise: &mut Pairwise,
    criticality: &mut Criticality,
) -> Vec<String> {
    let mut notes = Vec::new();
    let span = data.t_stop - data.t_start;
    if span < 2.0 * o.fano_window_ms {
        groups.iter_mut().for_each(|g| g.fano_windowed = None);
        notes.push(format!(
            "Fano factor per neuron: needs at least two counting windows of {} ms, the data \
             cover {span} ms; give a shorter --fano-window",
            o.fano_window_ms
        ));
    }
    if pairwise.neurons.len() < 2 {
        pairwise.synchrony_chi = None;
        pairwise.mean_corrcoef = None;
        pairwise.mean_van_rossum = None;
        pairwise.mean_victor_purpura = None;
        notes.push(format!(
            "pairwise measures and synchrony chi: need at least two neurons with spikes, there \
             is {}",
            pairwise.neurons.len()
        ));
    }
    let c = criticality;
    if c.avalanches < o.min_tail {
        notes.push(format!(
            "power laws of avalanche sizes and durations: {} avalanches, fewer than the {} a fit's \
             tail needs; analyse a longer recording or more neurons",
            c.avalanches, o.min_tail
        ));
    }
    let bins = if c.bin_ms.is_finite() && c.bin_ms > 0.0 {
        (span / c.bin_ms).floor() as usize
    } else {
        0
    };
    let b = &mut c.branching;
    let usable = bins >= MIN_BRANCHING_BINS.max(2 * o.k_max)
        && b.mr.is_finite()
        && b.conventional.is_finite()
        && b.mr_b.is_finite();
    if !usable {
        b.mr = f64::NAN;
        b.mr_b = f64::NAN;
        b.conventional = f64::NAN;
        b.tau_bins = f64::NAN;
        notes.push(format!(
            "branching ratio: {bins} bins of {} ms, fewer than the {} the estimates need or an \
             activity without variation",
            c.bin_ms,
            MIN_BRANCHING_BINS.max(2 * o.k_max)
        ));
    }
    notes
}

/// The seconds spent in each part of the analysis, one lap after the other.
struct Laps {
    /// When the current lap began.
    clock: Instant,
    /// Each finished lap's name and seconds.
    timings: Vec<(String, f64)>,
}

impl Laps {
    /// Starts the first lap now.
    fn start() -> Laps {
        Laps {
            clock: Instant::now(),
            timings: Vec::new(),
        }
    }

    /// Ends the current lap as `name` and starts the next.
    fn lap(&mut self, name: &str) {
        self.timings
            .push((name.to_string(), self.clock.elapsed().as_secs_f64()));
        self.clock = Instant::now();
    }
}

/// One summary per group, then, with more than one group, one of all neurons together.
fn group_summaries(data: &SpikeData, per_neuron: &NeuronStats) -> Vec<GroupSummary> {
    let mut groups: Vec<GroupSummary> = data
        .groups
        .iter()
        .map(|g| group_summary(&g.name, data, per_neuron, g.first..g.first + g.size))
        .collect();
    if data.groups.len() > 1 {
        groups.push(group_summary("all", data, per_neuron, 0..data.neurons()));
    }
    groups
}

/// The mean population rate (Hz per neuron) in bins of `bin_ms`, and its Welch spectrum over
/// segments of about one second.
fn population_rate_spectrum(data: &SpikeData, bin_ms: f64) -> (f64, Spectrum) {
    let rate = population_rate(data, bin_ms);
    let population_rate_hz = crate::stats::mean(&rate);
    let spectrum = welch(
        &rate,
        bin_ms,
        (1000.0 / bin_ms).round().max(8.0) as usize,
        2.0,
    );
    (population_rate_hz, spectrum)
}

/// The neurons of the pairwise measures: the first `pair_neurons` with at least one spike.
fn pair_subset(data: &SpikeData, pair_neurons: usize) -> Vec<usize> {
    (0..data.neurons())
        .filter(|&i| !data.trains[i].is_empty())
        .take(pair_neurons)
        .collect()
}

/// Correlations, spike-train distances, synchrony and the summed correlogram of the neurons
/// `chosen`, whose binned counts are `rows`.
fn pairwise(data: &SpikeData, o: &Options, chosen: Vec<usize>, rows: &[Vec<u32>]) -> Pairwise {
    let trains: Vec<&[f64]> = chosen.iter().map(|&i| data.trains[i].as_slice()).collect();
    let k = chosen.len();
    let cc = corrcoef(rows);
    let vr = matrix(&trains, |a, b| van_rossum(a, b, o.van_rossum_tau_ms));
    let vp = matrix(&trains, |a, b| victor_purpura(a, b, o.victor_purpura_q));
    Pairwise {
        neurons: chosen,
        mean_corrcoef: opt(mean_off_diagonal(&cc, k)),
        mean_van_rossum: opt(mean_off_diagonal(&vr, k)),
        mean_victor_purpura: opt(mean_off_diagonal(&vp, k)),
        synchrony_chi: opt(synchrony_chi(rows)),
        correlogram: summed_correlogram(rows, o.correlogram_max_lag),
        corrcoef: cc,
        van_rossum: vr,
        victor_purpura: vp,
    }
}

/// The cross-correlograms of the binned counts `rows`, lags −max_lag..=max_lag bins, summed over
/// all ordered pairs of different neurons.
fn summed_correlogram(rows: &[Vec<u32>], max_lag: usize) -> Vec<u64> {
    let bins: Vec<Vec<usize>> = rows.iter().map(|r| spike_bins(r)).collect();
    let k = bins.len();
    let mut ccg = vec![0u64; 2 * max_lag + 1];
    for a in 0..k {
        for b in 0..k {
            if a != b {
                let c = cross_correlogram(&bins[a], &bins[b], max_lag);
                for (s, v) in ccg.iter_mut().zip(c) {
                    *s += v;
                }
            }
        }
    }
    ccg
}

/// Neuronal avalanches of the population activity, power-law fits of their sizes and
/// durations, and the branching ratio; `stage` announces the goodness-of-fit test.
fn criticality(data: &SpikeData, o: &Options, stage: &dyn Fn(&str)) -> Criticality {
    let bin = avalanche_bin(data, o.avalanche_bin_ms);
    let counts = if bin.is_finite() {
        data.population_counts(bin)
    } else {
        Vec::new()
    };
    let av = avalanches(&counts);
    let (size_fit, duration_fit) = power_law_fits(&av, o, stage);
    let activity: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
    let branching = branching_ratio(&activity, o.k_max);
    Criticality {
        bin_ms: bin,
        avalanches: av.sizes.len(),
        size_fit,
        duration_fit,
        branching,
        data: av,
    }
}

/// Most time bins a binned measure may make (population rate, pairwise rows, avalanches): each
/// takes a few bytes, held for up to `pair_neurons` trains at once.
pub const MAX_BINS: f64 = 2e7;

/// Refuses, before anything is computed, an analysis whose bins would not fit in memory: a long
/// window with a small `--bin`, or an avalanche bin made tiny by few spikes.
pub fn check_size(data: &SpikeData, o: &Options) -> Result<(), crate::AnalysisError> {
    let span = data.duration();
    let too_many = |bin: f64| bin.is_nan() || bin <= 0.0 || span / bin > MAX_BINS;
    if too_many(o.bin_ms) {
        return Err(crate::AnalysisError::Input(format!(
            "the window of {span} ms in bins of {} ms makes {:.3e} bins, more than {MAX_BINS:e}; \
             give a larger --bin or a shorter window (--t-start/--t-stop)",
            o.bin_ms,
            span / o.bin_ms
        )));
    }
    let bin = avalanche_bin(data, o.avalanche_bin_ms);
    if too_many(bin) {
        let why = match o.avalanche_bin_ms {
            Some(_) => "the --avalanche-bin asked for".to_string(),
            None => format!(
                "the mean interval of the {} merged spikes",
                data.trains.iter().map(Vec::len).sum::<usize>()
            ),
        };
        return Err(crate::AnalysisError::Input(format!(
            "the avalanche bin of {bin} ms ({why}) makes {:.3e} bins over {span} ms, more than \
             {MAX_BINS:e}; give --avalanche-bin (e.g. 1 ms) or a shorter window",
            span / bin
        )));
    }
    Ok(())
}

/// The avalanche bin (ms): the one asked for, or the mean interval of the merged population
/// train but not less than the data's time resolution; at least 1e-9 ms.
fn avalanche_bin(data: &SpikeData, asked: Option<f64>) -> f64 {
    let merged = data.merged();
    asked
        .unwrap_or_else(|| mean_population_isi(&merged).max(time_resolution(&merged)))
        .max(1e-9)
}

/// Power-law fits of the avalanche sizes and durations (None with too few), each with its
/// bootstrap goodness of fit when `o.gof_reps` > 0.
fn power_law_fits(
    av: &Avalanches,
    o: &Options,
    stage: &dyn Fn(&str),
) -> (Option<PowerLawFit>, Option<PowerLawFit>) {
    let mut size_fit = fit(&av.sizes, None, o.min_tail);
    let mut duration_fit = fit(&av.durations, None, o.min_tail);
    if o.gof_reps > 0 {
        stage("power-law goodness of fit");
        for (f, d) in [
            (&mut size_fit, &av.sizes),
            (&mut duration_fit, &av.durations),
        ] {
            if let Some(f) = f.as_mut() {
                f.p_value = Some(goodness_of_fit(d, f, o.gof_reps, o.min_tail, o.seed));
                f.bootstrap = o.gof_reps;
            }
        }
    }
    (size_fit, duration_fit)
}

/// Lempel–Ziv complexity of the binned counts `rows` of the pairwise subset: of each of the
/// first `o.lz_neurons` trains (LZ76 costs up to O(n²) per train, so it is not run on every
/// neuron of a large recording), and of the sequence of population patterns.
fn complexity(rows: &[Vec<u32>], o: &Options) -> Complexity {
    let lz: Vec<(f64, f64)> = {
        use rayon::prelude::*;
        rows.par_iter()
            .take(o.lz_neurons)
            .enumerate()
            .map(|(k, r)| {
                let b = binarise(r);
                (
                    lz76_normalised(&b),
                    lz76_vs_shuffled(&b, o.lz_surrogates, o.seed ^ k as u64),
                )
            })
            .collect()
    };
    let patterns = population_patterns(&rows.iter().map(|r| binarise(r)).collect::<Vec<_>>());
    Complexity {
        mean_neuron_lz_normalised: opt(finite_mean(&lz.iter().map(|v| v.0).collect::<Vec<_>>())),
        mean_neuron_lz_vs_shuffled: opt(finite_mean(&lz.iter().map(|v| v.1).collect::<Vec<_>>())),
        population_lz: lz76(&patterns),
        population_lz_vs_shuffled: opt(lz76_vs_shuffled(&patterns, o.lz_surrogates, o.seed)),
    }
}

/// Connectivity inference as `o.infer` asks: correlogram scores, GLM couplings, both or
/// neither; each method is a lap of its own.
fn inference(
    data: &SpikeData,
    o: &Options,
    progress: &(dyn Fn(&str, usize, usize) + Sync),
    laps: &mut Laps,
) -> Inference {
    let mut inference = Inference::default();
    if o.infer == "ccg" || o.infer == "both" {
        progress("inference (correlograms)", 0, 0);
        inference.ccg = Some(ccg_scores(data, &o.inference));
        laps.lap("inference_ccg");
    }
    if o.infer == "glm" || o.infer == "both" {
        let n = data.neurons();
        progress("inference (GLM)", 0, n);
        let fit = glm_fit(data, &o.inference, |d| progress("inference (GLM)", d, n));
        inference.glm = Some(fit.scores);
        inference.glm_filters = Some(fit.filters);
        laps.lap("inference_glm");
    }
    if inference.ccg.is_some() || inference.glm.is_some() {
        inference.options = Some(o.inference.clone());
    }
    inference
}

/// The data's time resolution: the smallest positive gap between consecutive distinct spike times
/// (a simulation's dt, a recording's sampling interval). NaN with fewer than two distinct times.
pub fn time_resolution(merged_sorted: &[f64]) -> f64 {
    let g = merged_sorted
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|&g| g > 1e-9)
        .fold(f64::NAN, f64::min);
    // times written as k·dt carry rounding noise; the resolution is kept to the nanosecond
    (g * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each rule of `Options::check`, with the caller's names in the message.
    #[test]
    fn options_are_checked_once_in_the_callers_terms() {
        let upper = |k: &str| k.to_uppercase();
        let ok = Options::default();
        assert_eq!(ok.check(1.0, 4.0, upper), Ok(()));
        let refused = |o: Options, lo: f64, hi: f64, needle: &str| {
            let m = o.check(lo, hi, upper).unwrap_err();
            assert!(m.contains(needle), "{m}");
        };
        let with = |f: &dyn Fn(&mut Options)| {
            let mut o = Options::default();
            f(&mut o);
            o
        };
        refused(
            with(&|o| o.bin_ms = 0.0),
            1.0,
            4.0,
            "BIN_MS must be a number > 0",
        );
        refused(
            with(&|o| o.fano_window_ms = f64::NAN),
            1.0,
            4.0,
            "FANO_WINDOW_MS",
        );
        refused(
            with(&|o| o.avalanche_bin_ms = Some(-1.0)),
            1.0,
            4.0,
            "AVALANCHE_BIN_MS",
        );
        refused(
            with(&|o| o.victor_purpura_q = -0.5),
            1.0,
            4.0,
            "VICTOR_PURPURA_Q must be a number >= 0",
        );
        refused(with(&|o| o.inference.l1 = f64::INFINITY), 1.0, 4.0, "L1");
        refused(
            Options::default(),
            -1.0,
            4.0,
            "LAG_MIN_MS must be a number >= 0",
        );
        refused(
            with(&|o| o.infer = "all".into()),
            1.0,
            4.0,
            "INFER must be none, ccg, glm or both (got 'all')",
        );
        // the window matters only when inferring: at least a bin after the spike, not inverted
        assert_eq!(Options::default().check(0.0, 0.0, upper), Ok(()));
        let glm = with(&|o| o.infer = "glm".into());
        refused(
            glm.clone(),
            0.5,
            4.0,
            "LAG_MIN_MS (0.5) must be >= BIN_MS (1) and <= LAG_MAX_MS (4)",
        );
        refused(glm.clone(), 3.0, 2.0, "<= LAG_MAX_MS (2)");
        assert_eq!(glm.check(1.0, 4.0, upper), Ok(()));
    }
}
