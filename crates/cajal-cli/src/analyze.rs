//! `cajal analyze`: statistics, criticality, complexity and connectivity of spike trains.

use crate::{bad_input, Failure};
use cajal_analysis::report::{analyze, Options, Report};
use cajal_analysis::{load, LoadOptions};
use cajal_data::{write_atomic, write_npz, NpzArray};
use std::path::{Path, PathBuf};

/// Arguments of `cajal analyze`.
#[derive(clap::Args)]
pub struct AnalyzeArgs {
    /// A Cajal run folder, or a spike file: .npz (times in ms, senders), .npy (N×2) or .csv
    /// (time,sender).
    input: PathBuf,
    /// Output folder [default: INPUT/analysis for a run folder, else ./cajal-analysis].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Start of the analysis window (ms) [default: 0].
    #[arg(long)]
    t_start: Option<f64>,
    /// End of the window (ms) [default: the run's duration, or the last spike of a file].
    #[arg(long)]
    t_stop: Option<f64>,
    /// Number of neurons of a spike file [default: largest sender + 1].
    #[arg(long)]
    neurons: Option<usize>,
    /// Bin for correlations, synchrony, population rate, spectrum and LZ (ms).
    #[arg(long, default_value_t = 1.0)]
    bin: f64,
    /// Counting window of the Fano factor (ms).
    #[arg(long, default_value_t = 100.0)]
    fano_window: f64,
    /// Neurons used for pairwise measures (the first ones that spike).
    #[arg(long, default_value_t = 50)]
    pairs: usize,
    /// van Rossum time constant (ms).
    #[arg(long, default_value_t = 10.0)]
    tau: f64,
    /// Victor–Purpura cost of shifting a spike (per ms).
    #[arg(long, default_value_t = 0.1)]
    q: f64,
    /// Avalanche bin (ms) [default: mean interval of the merged population train].
    #[arg(long)]
    avalanche_bin: Option<f64>,
    /// Bootstrap sets for the power-law goodness of fit (0: skip).
    #[arg(long, default_value_t = 100)]
    gof: usize,
    /// Largest lag of the MR branching-ratio estimator (avalanche bins).
    #[arg(long, default_value_t = 40)]
    k_max: usize,
    /// Neurons whose own trains get an LZ complexity (the first of the pairwise subset).
    #[arg(long, default_value_t = 20)]
    lz_neurons: usize,
    /// Shuffled surrogates normalising each LZ complexity.
    #[arg(long, default_value_t = 5)]
    lz_surrogates: usize,
    /// Connectivity inference: none, ccg, glm or both.
    #[arg(long, default_value = "none")]
    infer: String,
    /// Known connectome (connectivity.npz from `cajal run --save-connectivity`: sources, targets,
    /// weights): scores the inference and gives the descendant branching factor of Ivanov &
    /// Michmizos (2021).
    #[arg(long)]
    connectome: Option<PathBuf>,
    /// Coupling window of the inference, first lag (ms).
    #[arg(long, default_value_t = 1.0)]
    lag_min: f64,
    /// Coupling window, last lag (ms).
    #[arg(long, default_value_t = 4.0)]
    lag_max: f64,
    /// Basis functions (contiguous boxes over the lag window) of each GLM coupling filter.
    #[arg(long, default_value_t = 2)]
    bases: usize,
    /// L1 penalty of the GLM (per bin).
    #[arg(long, default_value_t = 1e-5)]
    l1: f64,
    /// Seed of surrogates and bootstraps.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Do not draw figures.
    #[arg(long)]
    no_plot: bool,
    /// No progress and no table.
    #[arg(long, short)]
    quiet: bool,
}

/// The command-line flag of an analysis option (`Options::check`'s names).
fn flag(field: &str) -> String {
    let f = match field {
        "bin_ms" => "bin",
        "fano_window_ms" => "fano-window",
        "van_rossum_tau_ms" => "tau",
        "victor_purpura_q" => "q",
        "avalanche_bin_ms" => "avalanche-bin",
        "lag_min_ms" => "lag-min",
        "lag_max_ms" => "lag-max",
        other => other,
    };
    format!("--{f}")
}

/// Runs `cajal analyze`.
pub fn run(a: &AnalyzeArgs) -> Result<(), Failure> {
    // every option checked before anything is read
    let mut o = Options {
        bin_ms: a.bin,
        fano_window_ms: a.fano_window,
        pair_neurons: a.pairs,
        van_rossum_tau_ms: a.tau,
        victor_purpura_q: a.q,
        avalanche_bin_ms: a.avalanche_bin,
        gof_reps: a.gof,
        k_max: a.k_max,
        lz_neurons: a.lz_neurons,
        lz_surrogates: a.lz_surrogates,
        seed: a.seed,
        infer: a.infer.clone(),
        ..Options::default()
    };
    o.inference.l1 = a.l1;
    o.inference.bases = a.bases;
    o.check(a.lag_min, a.lag_max, flag).map_err(bad_input)?;
    let o = o.settled(a.lag_min, a.lag_max);
    let data = load(
        &a.input,
        &LoadOptions {
            t_start: a.t_start,
            t_stop: a.t_stop,
            neurons: a.neurons,
        },
    )
    .map_err(bad_input)?;
    let connectome = match &a.connectome {
        Some(p) => Some(read_connectome(p, &a.input, a.neurons, a.quiet)?),
        None => None,
    };
    let out = a.out.clone().unwrap_or_else(|| {
        if a.input.is_dir() {
            a.input.join("analysis")
        } else {
            PathBuf::from("cajal-analysis")
        }
    });
    std::fs::create_dir_all(&out)
        .map_err(|e| anyhow::anyhow!("cannot create output folder {}: {e}", out.display()))?;

    cajal_analysis::report::check_size(&data, &o).map_err(bad_input)?;
    let bar = if a.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new_spinner()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let progress = |stage: &str, done: usize, total: usize| {
        if total > 0 {
            bar.set_message(format!("{stage}: {done}/{total} neurons"));
        } else {
            bar.set_message(stage.to_string());
        }
    };
    let t0 = std::time::Instant::now();
    let report = analyze(&data, &o, &progress);
    let wall = t0.elapsed().as_secs_f64();
    bar.finish_and_clear();

    let scores = connectome
        .as_ref()
        .map(|c| score(&data, &report, c))
        .unwrap_or_default();
    // NALSM's descendant branching factor (1 ms bins, 4-bin windows, as in their code)
    let descendants = connectome
        .as_ref()
        .and_then(|c| cajal_analysis::branching::descendant_ratio(&data, c, 1.0, 4));
    write_outputs(&out, &data, &report, &scores, &a.input, wall, descendants)?;
    if !a.no_plot {
        crate::figures::draw_all(&out, &data, &report)?;
    }
    if !a.quiet {
        print_table(&report, &scores, &out, wall);
        if let Some(d) = descendants {
            println!("descendant branching factor (Ivanov & Michmizos 2021, 1 ms bins, 4-bin windows): {d:.3}");
        }
    }
    Ok(())
}

type Connectome = Vec<(u32, u32, f64)>;

/// Reads the connectome `p` and checks that it is the network whose spikes were read from
/// `input`: a run folder whose summary.json has `connectivity_crc32` must match it exactly;
/// otherwise every neuron it names must exist where the network's size is known (a run folder's
/// summary, or `--neurons` for a spike file), and a note says that the match is assumed.
fn read_connectome(
    p: &Path,
    input: &Path,
    neurons_given: Option<usize>,
    quiet: bool,
) -> Result<Connectome, Failure> {
    let get = |name: &str| cajal_data::read_npz_numbers(p, name).map_err(bad_input);
    let (s, t, w) = (get("sources")?, get("targets")?, get("weights")?);
    if s.len() != t.len() || s.len() != w.len() {
        return Err(bad_input(format!(
            "{}: sources, targets and weights must have the same length ({}, {}, {})",
            p.display(),
            s.len(),
            t.len(),
            w.len()
        )));
    }
    let index = |v: &[f64], what: &str| -> Result<Vec<u32>, Failure> {
        v.iter()
            .map(|&x| {
                (x >= 0.0 && x.fract() == 0.0 && x <= u32::MAX as f64)
                    .then_some(x as u32)
                    .ok_or_else(|| {
                        bad_input(format!(
                            "{}: {what} holds {x}, not a neuron id (a whole number >= 0)",
                            p.display()
                        ))
                    })
            })
            .collect()
    };
    let (si, ti) = (index(&s, "sources")?, index(&t, "targets")?);
    let summary = input
        .is_dir()
        .then(|| cajal_data::RunFolder::new(input).read_summary().ok())
        .flatten();
    match summary.as_ref().and_then(|s| s.connectivity_crc32) {
        Some(crc) if crc != cajal_data::connectivity_crc32(&si, &ti) => {
            return Err(bad_input(format!(
                "--connectome {}: not the network of {} (its connections differ from those the \
                 run recorded: connectivity_crc32 {crc:08x} in summary.json); give that run's \
                 connectivity.npz",
                p.display(),
                input.display()
            )));
        }
        Some(_) => {}
        None => {
            // a spike file's silent neurons do not show: its size is known only when given
            let neurons = summary.as_ref().map(|s| s.neurons).or(neurons_given);
            let beyond = |i: u32| neurons.is_some_and(|n| i as usize >= n);
            if let Some(bad) = si.iter().chain(&ti).copied().find(|&i| beyond(i)) {
                let neurons = neurons.unwrap_or(0);
                return Err(bad_input(format!(
                    "--connectome {}: names neuron {bad}, but the network of {} has {neurons} \
                     neurons: it is another network's",
                    p.display(),
                    input.display()
                )));
            }
            if !quiet {
                eprintln!(
                    "note: nothing tells whether {} is the network that made these spikes (a run \
                     folder written with --save-connectivity records it); the scores assume so",
                    p.display()
                );
            }
        }
    }
    Ok(s.iter()
        .zip(&t)
        .zip(&w)
        .map(|((&a, &b), &c)| (a as u32, b as u32, c))
        .collect())
}

fn score(
    data: &cajal_analysis::SpikeData,
    r: &Report,
    c: &Connectome,
) -> Vec<(String, cajal_analysis::inference::ConnectomeScore)> {
    let mut v = Vec::new();
    if let Some(s) = &r.inference.ccg {
        v.push((
            "ccg".to_string(),
            cajal_analysis::inference::score_connectome(data, s, c),
        ));
    }
    if let Some(s) = &r.inference.glm {
        v.push((
            "glm".to_string(),
            cajal_analysis::inference::score_connectome(data, s, c),
        ));
    }
    v
}

#[allow(clippy::too_many_arguments)]
fn write_outputs(
    out: &Path,
    data: &cajal_analysis::SpikeData,
    r: &Report,
    scores: &[(String, cajal_analysis::inference::ConnectomeScore)],
    input: &Path,
    wall: f64,
    descendants: Option<f64>,
) -> Result<(), Failure> {
    let mut json = serde_json::to_value(r).map_err(anyhow::Error::from)?;
    json["branching_descendants"] = serde_json::json!(descendants);
    json["input"] = serde_json::json!(input.display().to_string());
    json["cajal_version"] = serde_json::json!(env!("CARGO_PKG_VERSION"));
    json["wall_s"] = serde_json::json!(wall);
    json["connectome_scores"] = serde_json::json!(scores
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or_default()))
        .collect::<serde_json::Map<_, _>>());
    let text = serde_json::to_string_pretty(&json).map_err(anyhow::Error::from)?;
    write_atomic(&out.join("analysis.json"), |f| {
        use std::io::Write;
        f.write_all(text.as_bytes())?;
        f.write_all(b"\n")
    })?;
    let p = &r.per_neuron;
    let spikes: Vec<u32> = p.spikes.clone();
    write_npz(
        &out.join("per_neuron.npz"),
        &[
            ("ids", NpzArray::U32(&data.ids)),
            ("spikes", NpzArray::U32(&spikes)),
            ("rate_hz", NpzArray::F64(&p.rate_hz)),
            ("cv", NpzArray::F64(&p.cv)),
            ("cv2", NpzArray::F64(&p.cv2)),
            ("lv", NpzArray::F64(&p.lv)),
            ("fano", NpzArray::F64(&p.fano)),
        ],
    )?;
    let idx: Vec<u32> = r.pairwise.neurons.iter().map(|&i| i as u32).collect();
    write_npz(
        &out.join("pairs.npz"),
        &[
            ("neurons", NpzArray::U32(&idx)),
            ("corrcoef", NpzArray::F64(&r.pairwise.corrcoef)),
            ("van_rossum", NpzArray::F64(&r.pairwise.van_rossum)),
            ("victor_purpura", NpzArray::F64(&r.pairwise.victor_purpura)),
        ],
    )?;
    let mut arrays: Vec<(&str, NpzArray)> = Vec::new();
    if let Some(s) = &r.inference.ccg {
        arrays.push(("ccg", NpzArray::F64(s)));
    }
    if let Some(s) = &r.inference.glm {
        arrays.push(("glm", NpzArray::F64(s)));
    }
    if let Some(s) = &r.inference.glm_filters {
        arrays.push(("glm_filters", NpzArray::F64(s)));
    }
    if !arrays.is_empty() {
        arrays.push(("ids", NpzArray::U32(&data.ids)));
        write_npz(&out.join("inference.npz"), &arrays)?;
    }
    Ok(())
}

fn fmt(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.4}"))
}

fn print_table(
    r: &Report,
    scores: &[(String, cajal_analysis::inference::ConnectomeScore)],
    out: &Path,
    wall: f64,
) {
    println!(
        "{} neurons, {} spikes, window {}–{} ms, analysed in {wall:.2} s",
        r.neurons, r.spikes, r.t_start, r.t_stop
    );
    println!(
        "{:<12} {:>8} {:>10} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "group", "neurons", "rate (Hz)", "CV", "CV2", "LV", "Fano", "Fano(n)"
    );
    for g in &r.groups {
        println!(
            "{:<12} {:>8} {:>10.3} {:>9} {:>8} {:>8} {:>8} {:>8}",
            g.name,
            g.neurons,
            g.rate_hz,
            fmt(g.cv),
            fmt(g.cv2),
            fmt(g.lv),
            fmt(g.fano_windowed),
            fmt(g.fano_across_neurons)
        );
    }
    let p = &r.pairwise;
    println!(
        "pairs of {} neurons: corrcoef {}, van Rossum {}, Victor–Purpura {}, synchrony chi {}",
        p.neurons.len(),
        fmt(p.mean_corrcoef),
        fmt(p.mean_van_rossum),
        fmt(p.mean_victor_purpura),
        fmt(p.synchrony_chi)
    );
    println!(
        "population rate spectrum peak: {:.1} Hz",
        r.spectrum.peak_hz
    );
    let c = &r.criticality;
    let fit = |f: &Option<cajal_analysis::powerlaw::PowerLawFit>| {
        f.as_ref().map_or("-".into(), |f| {
            format!(
                "alpha {:.3} ± {:.3} (xmin {}, n {}, KS {:.4}, p {})",
                f.alpha,
                f.alpha_se,
                f.xmin,
                f.n_tail,
                f.ks,
                f.p_value.map_or("-".into(), |p| format!("{p:.2}"))
            )
        })
    };
    println!("avalanches ({:.3} ms bins): {}", c.bin_ms, c.avalanches);
    println!("  sizes: {}", fit(&c.size_fit));
    println!("  durations: {}", fit(&c.duration_fit));
    let num = |v: f64, digits: usize| {
        if v.is_finite() {
            format!("{v:.digits$}")
        } else {
            "-".into()
        }
    };
    println!(
        "branching ratio: MR {} (b {}), conventional {}",
        num(c.branching.mr, 4),
        num(c.branching.mr_b, 3),
        num(c.branching.conventional, 4)
    );
    println!(
        "LZ76 per neuron: {} normalised, {} of shuffled; population patterns: {} of shuffled",
        fmt(r.complexity.mean_neuron_lz_normalised),
        fmt(r.complexity.mean_neuron_lz_vs_shuffled),
        fmt(r.complexity.population_lz_vs_shuffled)
    );
    for (k, s) in scores {
        println!(
            "inference {k}: ROC AUC excitatory {:.3} ({} connected vs {} unconnected pairs), inhibitory {:.3}",
            s.auc_excitatory, s.excitatory_pairs, s.unconnected_pairs, s.auc_inhibitory
        );
    }
    for n in &r.notes {
        println!("note: {n}");
    }
    println!("outputs in {}", out.display());
}
