//! `cajal learn TASK`: train a spiking network with local learning rules on an image dataset,
//! test it, and write report.json, the learned weights and figures.

use crate::{bad_input, Failure};
use cajal_data::idx::{self, DatasetName, ImageSet, Split};
use cajal_learn::diehl_cook::DiehlCookConfig;
use cajal_learn::evaluate::{assign_labels, classify, Confusion};
use cajal_learn::supervised::{OutputLayer, OutputParams, SymStdpConfig};
use cajal_learn::train::{Pass, TrainRun};
use cajal_learn::LearnError;
use clap::ValueEnum;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The task file used when none is given.
pub const DEFAULT_DIEHL_COOK: &str = include_str!("../../../examples/learn/diehl_cook.toml");

/// The sym-stdp task file used when none is given.
pub const DEFAULT_SYM_STDP: &str = include_str!("../../../examples/learn/sym_stdp.toml");

/// The liquid task file used when none is given.
pub const DEFAULT_LSM: &str = include_str!("../../../examples/learn/lsm.toml");

/// Which learning task.
#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub enum Task {
    /// Diehl & Cook (2015): unsupervised STDP with adaptive thresholds and lateral inhibition,
    /// neurons labelled by their strongest average response.
    DiehlCook,
    /// Symmetric-STDP supervised learning (after Hao et al. 2019): a Diehl & Cook hidden layer
    /// learning with symmetric STDP, and a label-clamped output layer whose synapses learn with
    /// symmetric STDP and synaptic scaling; the class is the output neuron that fires most.
    SymStdp,
    /// A fixed liquid state machine with a trained logistic-regression readout on spike counts,
    /// compared with the same readout on raw pixels.
    Lsm,
    /// The neuron-astrocyte liquid state machine (Ivanov & Michmizos 2021): the liquid first
    /// learns with astrocyte-modulated STDP, then is read out as `lsm`.
    Nalsm,
}

/// Arguments of `cajal learn`.
#[derive(clap::Args)]
pub struct LearnArgs {
    /// The task.
    #[arg(value_enum)]
    pub(crate) task: Task,
    /// Task file (TOML) with the network's parameters [default: the embedded
    /// examples/learn/diehl_cook.toml, or examples/learn/lsm.toml for lsm and nalsm].
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// Number of excitatory neurons (overrides the task file's `excitatory.neurons`; diehl-cook).
    #[arg(long)]
    pub(crate) neurons: Option<usize>,
    /// Dataset: fashion-mnist or mnist.
    #[arg(long, default_value = "fashion-mnist")]
    pub(crate) dataset: String,
    /// Folder with the dataset's IDX files [default: searched, see docs/learning.md].
    #[arg(long)]
    pub(crate) data: Option<PathBuf>,
    /// Training presentations (the training set is cycled through when larger); for lsm and
    /// nalsm, the training images the readout learns from (at most the training set).
    #[arg(long, default_value_t = 10_000)]
    pub(crate) train: usize,
    /// Training images presented again, frozen, to label the neurons [default: the last
    /// min(--train, 10000) of those trained on].
    #[arg(long)]
    pub(crate) label: Option<usize>,
    /// Test images (from the start of the test set) [default: all].
    #[arg(long)]
    pub(crate) test: Option<usize>,
    /// Hold out the last N training images and test on them instead of the test set (for choosing
    /// parameters without looking at the test set).
    #[arg(long)]
    pub(crate) validation: Option<usize>,
    /// Seed of the initial weights and of every image's spikes.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Worker threads for labelling and testing (0: one per core); training is sequential.
    #[arg(long, default_value_t = 0)]
    pub(crate) threads: usize,
    /// Output folder.
    #[arg(long, default_value = "learn-out")]
    pub(crate) out: PathBuf,
    /// Write OUT/checkpoint.ckpt every so many training images (and at the end, and on Ctrl-C).
    #[arg(long, default_value_t = 1000)]
    pub(crate) checkpoint_every: usize,
    /// Continue from OUT/checkpoint.ckpt (same task file and seed).
    #[arg(long)]
    pub(crate) resume: bool,
    /// Stop after training (with a checkpoint), without labelling and testing.
    #[arg(long)]
    pub(crate) train_only: bool,
    /// Images per window of the running accuracy shown while training.
    #[arg(long, default_value_t = 250)]
    pub(crate) window: usize,
    /// No progress bars.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

/// Reads a task file (or, without one, the embedded default called `default_name`), parses it
/// and checks it with `validate`; returns it with its text. A failure is bad input naming the
/// file.
pub(crate) fn load_config<C: serde::de::DeserializeOwned>(
    path: &Option<PathBuf>,
    default: &str,
    default_name: &str,
    validate: impl Fn(&C) -> Result<(), LearnError>,
) -> Result<(C, String), Failure> {
    let (text, name) = match path {
        None => (default.to_string(), format!("<embedded {default_name}>")),
        Some(p) => (
            std::fs::read_to_string(p).map_err(|e| {
                bad_input(format!("{}: cannot read the task file: {e}", p.display()))
            })?,
            p.display().to_string(),
        ),
    };
    let config: C = toml::from_str(&text).map_err(|e| bad_input(format!("{name}: {e}")))?;
    validate(&config).map_err(|e| bad_input(format!("{name}: {e}")))?;
    Ok((config, text))
}

pub(crate) fn bar(quiet: bool, len: usize, what: &str) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(len as u64);
    b.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{what:>8} [{{bar:30}}] {{pos}}/{{len}} images, {{rate}}/s, eta {{eta}} {{msg}}"
        ))
        .expect("valid template")
        .with_key(
            "rate",
            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}", s.per_sec());
            },
        )
        .progress_chars("=> "),
    );
    b
}

/// Runs `cajal learn`.
pub fn run(args: &LearnArgs) -> Result<(), Failure> {
    if args.threads > 0 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(args.threads)
            .build_global()
            .ok();
    }
    match args.task {
        Task::DiehlCook | Task::SymStdp => diehl_cook(args),
        Task::Lsm | Task::Nalsm => crate::learn_liquid::run(args, args.task == Task::Nalsm),
    }
}

/// The training and test images: the dataset's, or with `--validation N` the training set's last N
/// images as test images; `--test N` keeps the first N test images.
pub(crate) fn dataset(args: &LearnArgs) -> Result<(DatasetName, ImageSet, ImageSet), Failure> {
    if args.test == Some(0) {
        return Err(bad_input("--test must be at least 1 (or left out: all)"));
    }
    let name = DatasetName::from_name(&args.dataset).ok_or_else(|| {
        bad_input(format!(
            "--dataset {}: unknown; use fashion-mnist or mnist",
            args.dataset
        ))
    })?;
    let train = idx::load(name, Split::Train, args.data.as_deref()).map_err(bad_input)?;
    let test = idx::load(name, Split::Test, args.data.as_deref()).map_err(bad_input)?;
    if train.pixels_per_image() != test.pixels_per_image() {
        return Err(bad_input(format!(
            "the training images are {}x{} but the test images {}x{}",
            train.rows, train.cols, test.rows, test.cols
        )));
    }
    if let Some(&l) = train.labels.iter().chain(&test.labels).find(|&&l| l >= 10) {
        return Err(bad_input(format!(
            "label {l} found: only 10 classes (0-9) are supported"
        )));
    }
    let (train, test) = match args.validation {
        None => (train, test),
        Some(v) => {
            if v == 0 || v >= train.count() {
                return Err(bad_input(format!(
                    "--validation {v}: must be between 1 and {} (the training images less one)",
                    train.count() - 1
                )));
            }
            let keep = train.count() - v;
            (
                train.clone().take(keep),
                select(&train, keep..train.count()),
            )
        }
    };
    let test = match args.test {
        Some(n) => test.take(n),
        None => test,
    };
    Ok((name, train, test))
}

/// `cajal learn diehl-cook` and `cajal learn sym-stdp`: trains the network (or continues its
/// training), labels its neurons, tests it, and writes report.json, weights.npz and the figures.
fn diehl_cook(args: &LearnArgs) -> Result<(), Failure> {
    let (config, output_params) = network_parameters(args)?;
    check_image_counts(args)?;
    let (name, train_set, test_set) = dataset(args)?;
    check_network_memory(args, &config, &train_set, &test_set)?;
    let out = args.out.as_path();
    write_task_file(out, &config, output_params.as_ref())?;
    let ck = out.join("checkpoint.ckpt");
    let mut run = start_or_resume(args, &ck, &config, output_params.as_ref(), &train_set)?;
    train(args, &mut run, &train_set, &ck)?;
    if args.train_only {
        return Ok(());
    }
    let labelling = label_neurons(args, &run, &train_set)?;
    let test = test(args, &run, &test_set, &labelling.assignments)?;
    save_weights(out, &run, &labelling.assignments)?;
    draw_receptive_fields(out, &run, &train_set, &labelling.assignments, name)?;
    let report = diehl_cook_report(args, &config, &run, &labelling, &test, &test_set);
    write_results(out, name, &test.confusion, args.seed, report)?;
    if !args.quiet {
        print_summary(args, name, &run, &test, &test_set);
    }
    Ok(())
}

/// The network's parameters: the task file (for sym-stdp split into the hidden network and the
/// output layer) with `--neurons` applied.
fn network_parameters(
    args: &LearnArgs,
) -> Result<(DiehlCookConfig, Option<OutputParams>), Failure> {
    let (mut config, output_params) = if args.task == Task::SymStdp {
        let (c, _) = load_config(
            &args.config,
            DEFAULT_SYM_STDP,
            "sym_stdp.toml",
            SymStdpConfig::validate,
        )?;
        let (hidden, output) = c.split();
        (hidden, Some(output))
    } else {
        let (c, _) = load_config(
            &args.config,
            DEFAULT_DIEHL_COOK,
            "diehl_cook.toml",
            DiehlCookConfig::validate,
        )?;
        (c, None)
    };
    if let Some(n) = args.neurons {
        if n == 0 {
            return Err(bad_input("--neurons must be at least 1"));
        }
        config.excitatory.neurons = n;
    }
    Ok((config, output_params))
}

/// Refuses a training without images and a labelling without images.
fn check_image_counts(args: &LearnArgs) -> Result<(), Failure> {
    if args.train == 0 {
        return Err(bad_input("--train must be at least 1"));
    }
    if args.label == Some(0) {
        return Err(bad_input(
            "--label must be at least 1: the neurons are labelled from those images",
        ));
    }
    Ok(())
}

/// Refuses a network the machine cannot hold, before it is made: its weights (inputs × neurons,
/// held by the network, a checkpoint being written and the weights file), the spike counts of
/// every labelling and test image (images × neurons) and each thread's working memory.
fn check_network_memory(
    args: &LearnArgs,
    config: &DiehlCookConfig,
    train_set: &ImageSet,
    test_set: &ImageSet,
) -> Result<(), Failure> {
    let n = config.excitatory.neurons as f64;
    let inputs = train_set.pixels_per_image() as f64;
    let label = args.label.unwrap_or(args.train.min(10_000)).min(args.train) as f64;
    let images = label + test_set.count() as f64;
    let threads = rayon::current_num_threads() as f64;
    let bytes = inputs * n * 16.0 + images * (n * 4.0 + 24.0) + threads * n * 64.0;
    crate::check_fits(
        bytes,
        &format!(
            "a network of {n} excitatory neurons ({inputs} inputs each) labelled on {label} and \
             tested on {} images",
            test_set.count()
        ),
        "give fewer --neurons (excitatory.neurons), fewer --label or --test images, or fewer \
         --threads",
    )
}

/// Creates the output folder and writes OUT/task.toml: the parameters in force (the task file
/// with any override from the command line).
fn write_task_file(
    out: &Path,
    config: &DiehlCookConfig,
    output_params: Option<&OutputParams>,
) -> Result<(), Failure> {
    std::fs::create_dir_all(out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
    let effective = match output_params {
        None => toml::to_string(config),
        Some(o) => toml::to_string(&SymStdpConfig {
            schedule: config.schedule.clone(),
            excitatory: config.excitatory.clone(),
            inhibitory: config.inhibitory.clone(),
            stdp: config.stdp.clone(),
            output: o.clone(),
        }),
    }
    .map_err(anyhow::Error::from)?;
    std::fs::write(out.join("task.toml"), effective)?;
    Ok(())
}

/// The training run: with `--resume` continued from the checkpoint `ck` (which must be of the same
/// parameters and seed), otherwise a fresh network seeded by `--seed`. Its inputs must match the
/// images' pixels.
fn start_or_resume(
    args: &LearnArgs,
    ck: &Path,
    config: &DiehlCookConfig,
    output_params: Option<&OutputParams>,
    train_set: &ImageSet,
) -> Result<TrainRun, Failure> {
    let run = if args.resume {
        let r =
            TrainRun::resume(ck, config, output_params, args.seed).map_err(refused_checkpoint)?;
        if r.images_done > args.train {
            return Err(bad_input(format!(
                "--train {} with --resume: the checkpoint {} has already trained on {} images; \
                 --train counts all training images, those before the checkpoint included: give \
                 --train {} or more (or leave out --resume to start again)",
                args.train,
                ck.display(),
                r.images_done,
                r.images_done
            )));
        }
        if !args.quiet {
            eprintln!("resuming after {} training images", r.images_done);
        }
        r
    } else {
        if ck.exists() && !args.quiet {
            eprintln!(
                "note: {} holds an earlier training; it will be replaced (--resume continues it)",
                ck.display()
            );
        }
        let mut r = TrainRun::new(
            config.clone(),
            train_set.pixels_per_image(),
            args.seed,
            args.window,
        );
        r.output = output_params
            .cloned()
            .map(|o| OutputLayer::new(o, config.excitatory.neurons));
        r
    };
    if run.state.inputs != train_set.pixels_per_image() {
        return Err(bad_input(format!(
            "the checkpoint's network has {} inputs but the images have {} pixels",
            run.state.inputs,
            train_set.pixels_per_image()
        )));
    }
    Ok(run)
}

/// A checkpoint that cannot be resumed from: bad input (exit code 2), its cause kept.
fn refused_checkpoint(e: LearnError) -> Failure {
    Failure {
        code: 2,
        error: e.into(),
    }
}

/// Trains `run` until `--train` images are done, with a progress bar showing the running
/// accuracy and a checkpoint every `--checkpoint-every` images, then writes weights.npz. A
/// training stopped by Ctrl-C fails with exit code 130, saying how to continue.
fn train(
    args: &LearnArgs,
    run: &mut TrainRun,
    train_set: &ImageSet,
    ck: &Path,
) -> Result<(), Failure> {
    let _graceful = crate::interrupt::Graceful::begin("training");
    let stop = crate::interrupt::flag();
    let pb = bar(args.quiet, args.train, "train");
    pb.set_position(run.images_done as u64);
    pb.reset_eta();
    let finished = run.train(
        train_set,
        args.train,
        Some((ck, args.checkpoint_every)),
        stop,
        |r| {
            pb.set_position(r.images_done as u64);
            if let Some(a) = r.running_accuracy {
                pb.set_message(format!("running accuracy {:.1} %", 100.0 * a));
            }
        },
    )?;
    pb.finish_and_clear();
    save_weights(args.out.as_path(), run, &[])?;
    if !finished {
        return Err(crate::Failure {
            code: 130,
            error: anyhow::anyhow!(
                "interrupted after {} training images: the checkpoint is {} and weights.npz \
                 holds the weights so far; continue with the same command and --resume",
                run.images_done,
                ck.display()
            ),
        });
    }
    Ok(())
}

/// The neurons' classes, and what labelling them took.
struct Labelling {
    /// Training images presented to label the neurons.
    images: usize,
    /// The class of each excitatory neuron (`None`: it never answered).
    assignments: Vec<Option<u8>>,
    /// Seconds spent presenting them.
    seconds: f64,
}

/// Labels each neuron with the class it answers most: the last `--label` images trained on,
/// presented again with the network frozen.
fn label_neurons(
    args: &LearnArgs,
    run: &TrainRun,
    train_set: &ImageSet,
) -> Result<Labelling, Failure> {
    let images = args.label.unwrap_or(args.train.min(10_000)).min(args.train);
    let first = args.train - images;
    let label_set = select(
        train_set,
        (first..args.train).map(|i| i % train_set.count()),
    );
    let started = Instant::now();
    let responses = with_progress(args.quiet, label_set.count(), "label", |d| {
        run.responses(&label_set, Pass::Label, d)
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let assignments = assign_labels(&responses, &label_set.labels, 10);
    Ok(Labelling {
        images,
        assignments,
        seconds,
    })
}

/// What the frozen network answers on the test images.
struct TestResult {
    /// Spike counts of the excitatory neurons, per test image.
    responses: Vec<Vec<u32>>,
    /// Accuracy of the vote of the labelled excitatory neurons.
    voting_accuracy: f64,
    /// The predicted classes: the output layer's (sym-stdp) or the vote's (diehl-cook).
    predictions: Vec<Option<u8>>,
    /// Predictions against labels.
    confusion: Confusion,
    /// Seconds spent testing.
    seconds: f64,
}

/// Presents the test images to the frozen network: the labelled neurons vote, and for sym-stdp
/// the output layer answers in the same pass (its answer is the prediction).
fn test(
    args: &LearnArgs,
    run: &TrainRun,
    test_set: &ImageSet,
    assignments: &[Option<u8>],
) -> Result<TestResult, Failure> {
    let started = Instant::now();
    let (responses, outputs) = if run.output.is_some() {
        let both = with_progress(args.quiet, test_set.count(), "output", |d| {
            run.outputs(test_set, Pass::Test, d)
        })?
        .expect("a run with an output layer");
        (both.0, Some(both.1))
    } else {
        let r = with_progress(args.quiet, test_set.count(), "test", |d| {
            run.responses(test_set, Pass::Test, d)
        })?;
        (r, None)
    };
    let voting: Vec<Option<u8>> = responses
        .iter()
        .map(|r| classify(r, assignments, 10))
        .collect();
    let voting_accuracy = Confusion::new(&test_set.labels, &voting, 10).accuracy();
    let predictions = outputs.unwrap_or(voting);
    let seconds = started.elapsed().as_secs_f64();
    let confusion = Confusion::new(&test_set.labels, &predictions, 10);
    Ok(TestResult {
        responses,
        voting_accuracy,
        predictions,
        confusion,
        seconds,
    })
}

/// Draws OUT/receptive_fields.png: each excitatory neuron's weights as an image, with its class.
fn draw_receptive_fields(
    out: &Path,
    run: &TrainRun,
    train_set: &ImageSet,
    assignments: &[Option<u8>],
    name: DatasetName,
) -> Result<(), Failure> {
    let shown = run.state.neurons.min(crate::learn_figures::MAX_FIELDS);
    if shown < run.state.neurons {
        eprintln!(
            "note: receptive_fields.png shows the first {shown} of the {} neurons (weights.npz \
             holds them all)",
            run.state.neurons
        );
    }
    let fields: Vec<Vec<f32>> = (0..shown).map(|j| run.state.receptive_field(j)).collect();
    crate::learn_figures::receptive_fields(
        &out.join("receptive_fields.png"),
        &fields,
        train_set.rows,
        train_set.cols,
        assignments,
        &name.class_names(),
    )?;
    Ok(())
}

/// What report.json holds for diehl-cook and sym-stdp besides what every task reports.
fn diehl_cook_report(
    args: &LearnArgs,
    config: &DiehlCookConfig,
    run: &TrainRun,
    labelling: &Labelling,
    test: &TestResult,
    test_set: &ImageSet,
) -> serde_json::Value {
    serde_json::json!({
        "task": args.task.to_possible_value().map(|v| v.get_name().to_string()),
        "hidden_layer_vote_accuracy": test.voting_accuracy,
        "test_images": test_set.count(),
        "tested_on": if args.validation.is_some() { "validation images held out from the training set" } else { "test set" },
        "train_images": args.train,
        "label_images": labelling.images,
        "neurons": run.state.neurons,
        "train_seconds": run.train_seconds,
        "train_images_per_second": run.images_done as f64 / run.train_seconds.max(1e-9),
        "label_seconds": labelling.seconds,
        "test_seconds": test.seconds,
        "test_images_per_second": test_set.count() as f64 / test.seconds.max(1e-9),
        "running_accuracy_last_window": run.running_accuracy,
        "mean_test_spikes_per_image": test.responses.iter().map(|r| r.iter().sum::<u32>() as f64).sum::<f64>() / test_set.count().max(1) as f64,
        "theta_mean_mv": run.state.theta.iter().sum::<f64>() / run.state.neurons as f64,
        "theta_max_mv": run.state.theta.iter().cloned().fold(0.0, f64::max),
        "neurons_labelled": labelling.assignments.iter().filter(|a| a.is_some()).count(),
        "unanswered_test_images": test.predictions.iter().filter(|p| p.is_none()).count(),
        "confusion_columns": "true class by row; predicted class by column, the last column: no prediction",
        "parameters": config,
    })
}

/// Prints the test accuracy, the training speed and where the report is.
fn print_summary(
    args: &LearnArgs,
    name: DatasetName,
    run: &TrainRun,
    test: &TestResult,
    test_set: &ImageSet,
) {
    println!(
        "{}: test accuracy {:.2} % on {} images ({} neurons, {} training images in {:.0} s = {:.1} images/s); report in {}",
        name.name(),
        100.0 * test.confusion.accuracy(),
        test_set.count(),
        run.state.neurons,
        args.train,
        run.train_seconds,
        run.images_done as f64 / run.train_seconds.max(1e-9),
        args.out.join("report.json").display()
    );
}

pub(crate) fn select(set: &ImageSet, indices: impl Iterator<Item = usize>) -> ImageSet {
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for i in indices {
        pixels.extend_from_slice(set.image(i));
        labels.push(set.labels[i]);
    }
    ImageSet {
        rows: set.rows,
        cols: set.cols,
        pixels,
        labels,
    }
}

/// Runs `work` (which counts finished images in the counter it is given) with a progress bar of
/// `count` images.
pub(crate) fn with_progress<T: Send>(
    quiet: bool,
    count: usize,
    what: &str,
    work: impl FnOnce(&AtomicUsize) -> T + Send,
) -> T {
    let done = AtomicUsize::new(0);
    crate::interrupt::doing(match what.trim() {
        "label" => "labelling the neurons",
        "test" => "testing",
        "output" => "testing the output layer",
        _ => "presenting the images",
    });
    let pb = bar(quiet, count, what);
    std::thread::scope(|s| {
        let worker = s.spawn(|| work(&done));
        while !worker.is_finished() {
            pb.set_position(done.load(Ordering::Relaxed) as u64);
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        pb.finish_and_clear();
        worker.join().expect("the pass does not panic")
    })
}

/// Completes a task's `report` with what every task reports (dataset, accuracy, confusion
/// matrix, classes, seed, threads, version), writes it to OUT/report.json atomically, and draws
/// OUT/confusion.png.
pub(crate) fn write_results(
    out: &Path,
    name: DatasetName,
    confusion: &Confusion,
    seed: u64,
    mut report: serde_json::Value,
) -> anyhow::Result<()> {
    let accuracy = confusion.accuracy();
    crate::learn_figures::confusion(
        &out.join("confusion.png"),
        confusion,
        &name.class_names(),
        accuracy,
    )?;
    let common = serde_json::json!({
        "dataset": name.name(),
        "accuracy": accuracy,
        "confusion_matrix": confusion.counts,
        "classes": name.class_names(),
        "seed": seed,
        "threads": rayon::current_num_threads(),
        "cajal_version": env!("CARGO_PKG_VERSION"),
    });
    if let (Some(r), serde_json::Value::Object(c)) = (report.as_object_mut(), common) {
        r.extend(c);
    }
    cajal_data::write_atomic(&out.join("report.json"), |f| {
        serde_json::to_writer_pretty(&mut *f, &report).map_err(std::io::Error::other)
    })?;
    Ok(())
}

/// weights.npz: `weights` (inputs x neurons), `theta`, `assignments` (-1: none).
fn save_weights(out: &Path, run: &TrainRun, assignments: &[Option<u8>]) -> anyhow::Result<()> {
    use cajal_data::NpzArray;
    let s = &run.state;
    let w: Vec<f64> = s.weights.iter().map(|&w| w as f64).collect();
    let a: Vec<f64> = assignments
        .iter()
        .map(|a| a.map_or(-1.0, |c| c as f64))
        .collect();
    let mut arrays = vec![
        ("weights", NpzArray::F64Matrix(&w, s.inputs, s.neurons)),
        ("theta", NpzArray::F64(&s.theta)),
    ];
    if !a.is_empty() {
        arrays.push(("assignments", NpzArray::F64(&a)));
    }
    cajal_data::write_npz(&out.join("weights.npz"), &arrays)?;
    Ok(())
}
