//! `cajal`: run spiking network models from TOML files.

mod analyze;
mod distributed;
mod encode;
mod figures;
mod interrupt;
mod learn;
mod learn_figures;
mod learn_liquid;
mod output;
mod raster;

use cajal_core::exchange::Collectives;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "cajal",
    version,
    about = "Exact, parallel, deterministic spiking neural network simulation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build and simulate a model; write spikes, state, summary and a raster plot.
    Run(RunArgs),
    /// Analyse spike trains: statistics, correlations, distances, spectrum, avalanches, branching
    /// ratio, LZ complexity and (optionally) connectivity; writes analysis.json, NPZ and figures.
    Analyze(analyze::AnalyzeArgs),
    /// Resume a run from its checkpoint (written by `cajal run --checkpoint-every` or when a run
    /// is interrupted) and finish it; the outputs cover the whole run.
    Resume(ResumeArgs),
    /// Train a network with local learning rules on an image dataset (Fashion-MNIST, MNIST), test
    /// it, and write report.json, weights.npz and figures.
    Learn(learn::LearnArgs),
    /// Encode dataset images as spike trains (Poisson rate or latency) into an NPZ event stream.
    Encode(encode::EncodeArgs),
    /// Validate a model file and build its network without simulating.
    Check {
        /// Model file (TOML).
        model: PathBuf,
    },
}

/// Arguments of `cajal run`.
#[derive(clap::Args)]
struct RunArgs {
    /// Model file (TOML). Without it: the embedded Brunel (2000) AI network.
    model: Option<PathBuf>,
    /// Output folder.
    #[arg(long, default_value = "cajal-out")]
    out: PathBuf,
    /// Worker threads (0: one per core; under mpirun, the cores shared among the processes on
    /// each machine).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Seed of every random stream (overrides the model file's).
    #[arg(long)]
    seed: Option<u64>,
    /// Simulated time in ms (overrides the model file's).
    #[arg(long)]
    duration: Option<f64>,
    /// Do not draw raster.png.
    #[arg(long)]
    no_plot: bool,
    /// No progress bar and no table.
    #[arg(long, short)]
    quiet: bool,
    /// Also write connectivity.npz: every synapse's global source, target, weight and delay.
    #[arg(long)]
    save_connectivity: bool,
    /// Write OUT/checkpoint.ckpt every so many ms of simulated time (rounded up to a multiple of
    /// the min-delay interval), replacing the previous one atomically. A run interrupted by
    /// Ctrl-C or SIGTERM writes one too, with or without this option.
    #[arg(long)]
    checkpoint_every: Option<f64>,
    /// Refuse models whose estimated peak memory exceeds this (e.g. 8G, 500M, or bytes); the
    /// memory available now is always a limit. Under mpirun: per process (the estimate divided
    /// by the number of processes).
    #[arg(long)]
    max_memory: Option<String>,
}

/// Arguments of `cajal resume`.
#[derive(clap::Args)]
struct ResumeArgs {
    /// The checkpoint file.
    checkpoint: PathBuf,
    /// Output folder [default: the interrupted run's].
    #[arg(long)]
    out: Option<PathBuf>,
    /// No progress bar and no table.
    #[arg(long, short)]
    quiet: bool,
}

/// What a checkpoint carries besides the state: enough to rebuild the run.
#[derive(serde::Serialize, serde::Deserialize)]
struct RunRecord {
    model_file: String,
    model_dir: Option<PathBuf>,
    model_text: String,
    seed: u64,
    duration: f64,
    out: PathBuf,
    no_plot: bool,
    save_connectivity: bool,
    checkpoint_every: Option<f64>,
    /// The files the network was built from besides the model (absolute), with their size and
    /// CRC-32: a resume from a changed file would build another network.
    #[serde(default)]
    files: Vec<FileStamp>,
}

/// A file as it was when a run started.
#[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
struct FileStamp {
    path: PathBuf,
    bytes: u64,
    crc32: u32,
}

impl FileStamp {
    fn of(path: &std::path::Path) -> Result<FileStamp, Failure> {
        let data = std::fs::read(path)
            .map_err(|e| bad_input(format!("{}: cannot read it ({e})", path.display())))?;
        Ok(FileStamp {
            path: absolute(path),
            bytes: data.len() as u64,
            crc32: crc32fast::hash(&data),
        })
    }
}

/// `path` made absolute (resolved where it exists), so a resume from another folder finds it.
fn absolute(path: &std::path::Path) -> PathBuf {
    // the folder of `m.toml` is "": the current one
    let path = if path.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        path
    };
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// A failure with its exit code: 2 for a bad model or argument, 1 for anything else.
pub(crate) struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            code: 1,
            error: e.into(),
        }
    }
}

pub(crate) fn bad_input(e: impl std::fmt::Display) -> Failure {
    Failure {
        code: 2,
        error: anyhow::anyhow!("{e}"),
    }
}

fn load(model: &Option<PathBuf>) -> Result<(cajal_model::Model, String, String), Failure> {
    match model {
        None => {
            let text = cajal_model::DEFAULT_MODEL.to_string();
            let file = "<embedded brunel_ai.toml>".to_string();
            let m = cajal_model::load_str(&text, &file, None).map_err(bad_input)?;
            Ok((m, text, file))
        }
        Some(path) => {
            let file = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| bad_input(format!("{file}: cannot read the model file: {e}")))?;
            let m = cajal_model::load_str(&text, &file, path.parent()).map_err(bad_input)?;
            Ok((m, text, file))
        }
    }
}

/// The long flags of subcommand `sub` that take a value (`--bin`, `--out`, ...), from the
/// command's own definition: for front ends that rewrite a command line, as the Python
/// package's `cajal analyze X.nwb` does. Empty for an unknown subcommand.
pub fn flags_with_values(sub: &str) -> Vec<String> {
    use clap::CommandFactory;
    let cli = Cli::command();
    let Some(cmd) = cli.find_subcommand(sub) else {
        return Vec::new();
    };
    cmd.get_arguments()
        .filter(|a| a.get_action().takes_values() && !a.is_positional())
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect()
}

/// Runs the `cajal` command on `args` (the program's name first, as `std::env::args_os`) and
/// returns its exit code: 0 success, 1 failure, 2 bad input, 130 interrupted. The binary and the
/// Python package's `cajal` command both call it.
pub fn run_cli<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    if matches!(
        cli.command,
        Command::Run(_) | Command::Resume(_) | Command::Learn(_)
    ) {
        // from the start: a Ctrl-C during the build quits at once, during the simulation it
        // stops cleanly
        interrupt::install();
    }
    if matches!(cli.command, Command::Run(_) | Command::Resume(_)) {
        if let Err(m) = distributed::init() {
            eprintln!("error: {m}");
            return 1;
        }
    }
    let result = match cli.command {
        Command::Run(args) => run(&args),
        Command::Resume(args) => resume(&args),
        Command::Analyze(args) => analyze::run(&args),
        Command::Learn(args) => learn::run(&args),
        Command::Encode(args) => encode::run(&args),
        Command::Check { model } => check(&model),
    };
    interrupt::ending();
    let code = match result {
        Ok(()) => 0,
        Err(f) if distributed::processes() > 1 => {
            if f.error.downcast_ref::<distributed::Agreed>().is_none() {
                // this process alone: the others may be waiting for it in a collective step
                distributed::fail(&message(&f.error), f.code);
            }
            // every process has it: process 0 says it, all end alike
            if distributed::rank() == 0 {
                eprintln!("error: {}", message(&f.error));
            }
            f.code
        }
        Err(f) => {
            eprintln!("error: {}", message(&f.error));
            f.code
        }
    };
    distributed::finish();
    code
}

/// Makes `out` and checks that files can be written in it, before anything is built or run (so
/// that a long run's results are not lost at the end); a folder that cannot be used is bad input.
fn writable_folder(out: &std::path::Path) -> Result<(), Failure> {
    let fail = |e: std::io::Error| {
        bad_input(format!(
            "--out {}: cannot write there ({e}); give a folder you can write to",
            out.display()
        ))
    };
    std::fs::create_dir_all(out).map_err(fail)?;
    let probe = out.join(format!(".cajal-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)
}

/// The lock of a run folder while a run writes into it: `OUT/.cajal-run.lock` holds the
/// process id and is removed when the run ends (a lock left by a process that no longer runs is
/// taken over).
struct FolderLock(PathBuf);

impl Drop for FolderLock {
    fn drop(&mut self) {
        interrupt::set_lock(None);
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Locks `out` for this run; another live run holding it is bad input (exit 2).
fn lock_folder(out: &std::path::Path) -> Result<FolderLock, Failure> {
    let path = out.join(".cajal-run.lock");
    for _ in 0..2 {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                use std::io::Write;
                let _ = write!(f, "{}", std::process::id());
                interrupt::set_lock(Some(path.clone()));
                return Ok(FolderLock(path));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                let alive = holder.trim().parse::<u32>().is_ok_and(|pid| {
                    pid != std::process::id()
                        && std::path::Path::new(&format!("/proc/{pid}")).exists()
                });
                if alive {
                    return Err(bad_input(format!(
                        "--out {}: another cajal run (process {}) is writing there; wait for \
                         it to end or give another --out",
                        out.display(),
                        holder.trim()
                    )));
                }
                // left by a run that was killed: take it over
                let _ = std::fs::remove_file(&path);
            }
            Err(e) => {
                return Err(bad_input(format!(
                    "--out {}: cannot lock the folder ({e})",
                    out.display()
                )))
            }
        }
    }
    Err(bad_input(format!(
        "--out {}: cannot lock the folder (another run keeps taking it)",
        out.display()
    )))
}

/// The outputs a run writes, removed before a new run into the same folder so that no file of
/// the previous run is left beside the new ones.
const RUN_OUTPUTS: [&str; 9] = [
    "summary.json",
    "spikes",
    "state",
    "weights",
    "astrocytes",
    "connectivity.npz",
    "raster.png",
    "checkpoint.ckpt",
    "analysis",
];

/// Removes the previous run's outputs from `out`, saying so.
fn replace_previous_outputs(out: &std::path::Path, quiet: bool) -> Result<(), Failure> {
    let mut present: Vec<PathBuf> = RUN_OUTPUTS
        .iter()
        .map(|name| out.join(name))
        .filter(|p| p.exists())
        .collect();
    // the other processes' checkpoints of a distributed run (checkpoint.rank-<r>.ckpt)
    if let Ok(entries) = std::fs::read_dir(out) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with("checkpoint.rank-") && name.ends_with(".ckpt") {
                present.push(e.path());
            }
        }
    }
    if present.is_empty() {
        return Ok(());
    }
    if !quiet {
        eprintln!(
            "replacing the outputs of a previous run in {}",
            out.display()
        );
    }
    for p in present {
        let removed = if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
        removed.map_err(|e| {
            bad_input(format!(
                "--out {}: cannot replace the previous run's {} ({e})",
                out.display(),
                p.display()
            ))
        })?;
    }
    Ok(())
}

/// An error with its causes, each printed once: a cause whose text the message already holds
/// (an error that names its cause and also keeps it as its source) is not repeated.
pub(crate) fn message(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    cajal_core::error::short_numbers(&text)
}

/// Builds the model's network, with a spinner on a terminal saying what is built and for how
/// long (a large network takes minutes); a Ctrl-C meanwhile quits at once.
fn build(
    model: &cajal_model::Model,
    text: &str,
    file: &str,
    threads: usize,
    quiet: bool,
) -> Result<cajal_core::Simulation, Failure> {
    interrupt::doing("building the network");
    let spinner = if quiet || distributed::rank() > 0 {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new_spinner()
    };
    let def = model.def();
    let neurons: usize = def.populations.iter().map(|p| p.size).sum();
    let est = cajal_core::memory::estimate(def, threads);
    spinner.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .expect("valid template"),
    );
    spinner.set_message(format!(
        "building {}: {neurons} neurons, about {:.3e} synapses",
        model.name, est.synapses
    ));
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    let sim = cajal_model::build_with(model, text, file, threads, distributed::communicator())
        .map_err(bad_input);
    spinner.finish_and_clear();
    sim
}

fn check(path: &std::path::Path) -> Result<(), Failure> {
    let (model, text, file) = load(&Some(path.to_path_buf()))?;
    let est = cajal_core::memory::estimate(model.def(), 0);
    println!(
        "{file}: about {:.3e} synapses; estimated peak memory {:.1} MB on all cores",
        est.synapses,
        est.peak_bytes / 1e6
    );
    check_memory(&model, 0, None)?;
    let t0 = Instant::now();
    let sim = build(&model, &text, &file, 0, false)?;
    println!(
        "{file}: ok — {} populations, {} neurons, {} synapses, dt {} ms, duration {} ms (built in {:.2} s)",
        sim.populations().len(),
        sim.neurons(),
        sim.synapses(),
        sim.dt(),
        model.duration,
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run(args: &RunArgs) -> Result<(), Failure> {
    let (out, threads, quiet) = (
        args.out.as_path(),
        distributed::threads_per_process(args.threads),
        args.quiet,
    );
    // every process reads and checks the model; process 0 alone prepares the folder; then they
    // agree (a failure anywhere stops every process with its message)
    let prepared = prepare_run(args);
    distributed::agree(&mut *distributed::communicator(), &prepared)?;
    let (model, text, file, _lock) = prepared?;
    let t0 = Instant::now();
    let mut sim = build(&model, &text, &file, threads, quiet)?;
    let build_s = t0.elapsed().as_secs_f64();

    let files = model
        .files
        .iter()
        .map(|f| FileStamp::of(f))
        .collect::<Result<_, _>>()?;
    let record = RunRecord {
        model_file: file.clone(),
        model_dir: args.model.as_ref().and_then(|p| p.parent().map(absolute)),
        model_text: text.clone(),
        seed: model.def().seed,
        duration: model.duration,
        out: absolute(out),
        no_plot: args.no_plot,
        save_connectivity: args.save_connectivity,
        checkpoint_every: args.checkpoint_every,
        files,
    };
    simulate(&model, &mut sim, &record, build_s, quiet)
}

/// What `cajal run` checks before building: the model and options (every process), memory
/// (per process) and the output folder (process 0, which holds its lock).
#[allow(clippy::type_complexity)]
fn prepare_run(
    args: &RunArgs,
) -> Result<(cajal_model::Model, String, String, Option<FolderLock>), Failure> {
    let (out, threads, quiet) = (
        args.out.as_path(),
        distributed::threads_per_process(args.threads),
        args.quiet,
    );
    let (mut model, text, file) = load(&args.model)?;
    if let Some(s) = args.seed {
        model.network.set_seed(s);
    }
    if let Some(d) = args.duration {
        cajal_core::duration_steps(d, model.def().dt)
            .map_err(|m| bad_input(format!("--duration: {m}")))?;
        model.duration = d;
    }
    if let Some(e) = args.checkpoint_every {
        let dt = model.def().dt;
        if !(e.is_finite() && e >= dt) {
            return Err(bad_input(format!(
                "--checkpoint-every must be a number of ms of at least one step, dt = {dt} ms \
                 (got {e})"
            )));
        }
    }
    cajal_core::Network::check_threads(threads)
        .map_err(|e| bad_input(format!("--threads: {}", e.message)))?;
    check_memory(&model, threads, args.max_memory.as_deref())?;
    let lock = if distributed::rank() == 0 {
        writable_folder(out)?;
        let lock = lock_folder(out)?;
        replace_previous_outputs(out, quiet)?;
        Some(lock)
    } else {
        None
    };
    Ok((model, text, file, lock))
}

/// Continues `sim` to the model's duration, in pieces: a checkpoint at every `checkpoint_every`
/// and a stop with a checkpoint and partial outputs on Ctrl-C or SIGTERM; then the outputs.
fn simulate(
    model: &cajal_model::Model,
    sim: &mut cajal_core::Simulation,
    record: &RunRecord,
    build_s: f64,
    quiet: bool,
) -> Result<(), Failure> {
    let out = record.out.as_path();
    let _graceful = interrupt::Graceful::begin("simulating");
    let interrupted = interrupt::flag();
    let dt = sim.dt();
    let grid = sim.interval_steps().max(1);
    let total = (model.duration / dt).round() as u64;
    let round_up = |steps: u64| steps.div_ceil(grid) * grid;
    let every = record
        .checkpoint_every
        .map(|ms| round_up(((ms / dt).round() as u64).max(1)));
    // pieces of about 100 ms of simulated time between looks at the interrupt flag
    let piece = round_up(((100.0 / dt).round() as u64).max(1));
    let ck_path = checkpoint_path(out, sim.rank());
    let extra = serde_json::to_vec(record).map_err(anyhow::Error::from)?;
    let bar = if quiet || sim.rank() > 0 {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(total)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("[{bar:30}] {msg} simulated, ETA {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    // a resumed run: its speed is that of the part it simulates
    let (from_ms, events_before) = (sim.time_ms(), sim.synaptic_events());
    let events_before = sim.communicator_mut().all_sum(events_before);
    let t1 = Instant::now();
    let mut outcome = Ok(());
    let mut stopped = false;
    let mut shown = 0u64;
    while sim.steps_done() < total {
        let now = sim.steps_done();
        let mut stop = (now / piece + 1) * piece;
        if let Some(e) = every {
            stop = stop.min((now / e + 1) * e);
        }
        let stop = stop.min(total);
        // (a numerical error is every process's: the engine agrees on it)
        outcome = sim.run((stop - now) as f64 * dt, |_, _| {});
        let done = sim.steps_done();
        if done == total || (done - shown) * 1000 >= total {
            shown = done;
            bar.set_position(done);
            bar.set_message(format!("{:.1}/{:.1} ms", done as f64 * dt, model.duration));
        }
        if outcome.is_err() {
            break;
        }
        let due = every.is_some_and(|e| done.is_multiple_of(e) && done < total);
        // a stop asked of any process stops them all at the same step
        let asked = interrupted.load(std::sync::atomic::Ordering::SeqCst);
        if distributed::any(sim.communicator_mut(), asked) {
            sim.save_checkpoint(&ck_path, &extra)?;
            stopped = true;
            break;
        }
        if due {
            sim.save_checkpoint(&ck_path, &extra)?;
        }
    }
    let simulate_s = t1.elapsed().as_secs_f64();
    bar.finish_and_clear();

    // every process's outputs, merged on process 0, which alone writes the run folder
    let outputs = output::Outputs::gather(sim, model.def(), build_s, simulate_s)?;
    let connectivity = if record.save_connectivity && outcome.is_ok() && !stopped {
        output::gather_connectivity(sim)?
    } else {
        None
    };
    let Some(outputs) = outputs else {
        return match (outcome, stopped) {
            (Err(e), _) => Err(distributed::agreed(anyhow::anyhow!("{e}").into())),
            (_, true) => Err(distributed::agreed(Failure {
                code: 130,
                error: anyhow::anyhow!("interrupted"),
            })),
            _ => Ok(()),
        };
    };
    let mut summary = output::summary(model, sim, &outputs);
    if from_ms > 0.0 {
        output::mark_resumed(&mut summary, sim, from_ms, events_before, simulate_s);
    }
    let plot = !record.no_plot;
    if let Err(e) = outcome {
        // keep what was simulated: outputs up to the failure, marked partial
        summary.partial = true;
        output::write_all(out, &outputs, model.def(), &summary, plot)?;
        return Err(distributed::agreed(
            anyhow::anyhow!(
                "{e}\n(outputs up to t = {} ms are in {}, summary.json has \"partial\": true)",
                sim.time_ms(),
                out.display()
            )
            .into(),
        ));
    }
    if stopped {
        summary.partial = true;
        output::write_all(out, &outputs, model.def(), &summary, plot)?;
        let ranks = if sim.processes() > 1 {
            format!(" under mpirun -np {}", sim.processes())
        } else {
            String::new()
        };
        return Err(distributed::agreed(Failure {
            code: 130,
            error: anyhow::anyhow!(
                "interrupted at t = {} ms: outputs so far are in {} (summary.json has \"partial\": \
                 true); continue with: cajal resume {}{ranks}",
                sim.time_ms(),
                out.display(),
                ck_path.display()
            ),
        }));
    }
    if let Some(c) = &connectivity {
        summary.connectivity_crc32 = Some(output::write_connectivity(out, c)?);
    }
    output::write_all(out, &outputs, model.def(), &summary, plot)?;
    if plot {
        let run = raster::Run {
            outputs: &outputs,
            def: model.def(),
            time_ms: sim.time_ms(),
        };
        raster::draw(&cajal_data::RunFolder::new(out).raster(), &run, &model.name)?;
    }
    if !quiet {
        output::print_table(&summary, out);
    }
    if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
        // asked while the outputs were written: they were finished first
        return Err(distributed::agreed(Failure {
            code: 130,
            error: anyhow::anyhow!(
                "interrupted as the run ended: its outputs in {} are complete",
                out.display()
            ),
        }));
    }
    Ok(())
}

/// The checkpoint file of process `rank` in run folder `out`: `checkpoint.ckpt` for process 0
/// (and a run in one process), `checkpoint.rank-<r>.ckpt` beside it for the others.
fn checkpoint_path(out: &std::path::Path, rank: usize) -> PathBuf {
    if rank == 0 {
        out.join("checkpoint.ckpt")
    } else {
        out.join(format!("checkpoint.rank-{rank}.ckpt"))
    }
}

/// `8G`, `500M`, `64K` or a number of bytes.
fn parse_bytes(s: &str) -> Option<f64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last()? {
        'G' | 'g' => (&s[..s.len() - 1], 1024f64.powi(3)),
        'M' | 'm' => (&s[..s.len() - 1], 1024f64.powi(2)),
        'K' | 'k' => (&s[..s.len() - 1], 1024.0),
        _ => (s, 1.0),
    };
    let x: f64 = num.trim().parse().ok()?;
    (x.is_finite() && x > 0.0).then_some(x * mult)
}

/// Refuses work whose estimated memory, `bytes`, exceeds what the system can give now: bad input
/// (exit 2) saying what needs it and `fix`, before anything is allocated.
pub(crate) fn check_fits(bytes: f64, what: &str, fix: &str) -> Result<(), Failure> {
    let Some(available) = cajal_core::memory::available_bytes() else {
        return Ok(());
    };
    if bytes > available {
        let gib = |b: f64| b / 1024f64.powi(3);
        return Err(bad_input(format!(
            "{what} needs about {:.3} GiB but {:.2} GiB are available to this process; {fix}",
            gib(bytes),
            gib(available)
        )));
    }
    Ok(())
}

/// Refuses, before anything is allocated, a model whose estimated peak memory exceeds the memory
/// available (or `--max-memory`).
fn check_memory(
    model: &cajal_model::Model,
    threads: usize,
    max_memory: Option<&str>,
) -> Result<(), Failure> {
    let limit_given = match max_memory {
        None => None,
        Some(s) => Some(parse_bytes(s).ok_or_else(|| {
            bad_input(format!(
                "--max-memory must be a size such as 8G, 500M or a number of bytes (got {s})"
            ))
        })?),
    };
    // the processes of a distributed run on this machine share what it has available; each
    // has its own --max-memory
    let here = distributed::processes_here() as f64;
    let available = cajal_core::memory::available_bytes().map(|a| a / here);
    let machine = if here > 1.0 {
        "this process's share of what is available on this machine"
    } else {
        "available on this machine"
    };
    let (limit, what) = match (limit_given, available) {
        (Some(l), Some(a)) if a < l => (a, machine),
        (Some(l), _) => (l, "allowed by --max-memory"),
        (None, Some(a)) => (a, machine),
        (None, None) => return Ok(()),
    };
    let processes = distributed::processes();
    cajal_core::memory::check_peak_per_process(model.def(), threads, processes, limit, what)
        .map_err(|m| {
            bad_input(format!(
                "{}: {}{}",
                model.name,
                m.replace(
                    " or build with fewer threads",
                    ", build with fewer --threads"
                ),
                ", or allow more with --max-memory"
            ))
        })
}

fn resume(args: &ResumeArgs) -> Result<(), Failure> {
    // every process reads its own checkpoint (process r > 0: checkpoint.rank-<r>.ckpt beside
    // the one named) and checks it; they agree before building
    let prepared = prepare_resume(args);
    let mut comm = distributed::communicator();
    distributed::agree(&mut *comm, &prepared)?;
    let (model, record, ck, _lock) = prepared?;
    // the processes' checkpoints must be of one run and one moment (a crash or a full disk
    // between two processes' saves leaves them apart)
    let mine = [ck.time_ms().to_bits(), crc32fast::hash(&ck.extra) as u64];
    let all = comm.all_concat(&mine);
    if all.chunks(2).any(|c| c != mine) {
        let times: Vec<f64> = all.chunks(2).map(|c| f64::from_bits(c[0])).collect();
        return Err(distributed::agreed(bad_input(format!(
            "{}: the processes' checkpoints are not of the same run and time (t = {times:?} \
             ms): a save was interrupted; run again from the start, or restore a consistent \
             set of checkpoint files",
            args.checkpoint.display()
        ))));
    }
    drop(comm);
    let t0 = Instant::now();
    let mut sim = build(
        &model,
        &record.model_text,
        &record.model_file,
        ck.threads(),
        args.quiet,
    )?;
    let from = ck.time_ms();
    let restored = sim.restore(ck).map_err(bad_input);
    distributed::agree(sim.communicator_mut(), &restored)?;
    restored?;
    let build_s = t0.elapsed().as_secs_f64();
    if !args.quiet && sim.rank() == 0 {
        eprintln!(
            "resuming {} at t = {from} ms of {} ms",
            record.model_file, record.duration
        );
    }
    simulate(&model, &mut sim, &record, build_s, args.quiet)
}

/// What `cajal resume` reads and checks before building: this process's checkpoint, the run's
/// record and model files, memory, and (process 0) the output folder.
#[allow(clippy::type_complexity)]
fn prepare_resume(
    args: &ResumeArgs,
) -> Result<
    (
        cajal_model::Model,
        RunRecord,
        cajal_core::Checkpoint,
        Option<FolderLock>,
    ),
    Failure,
> {
    let rank = distributed::rank();
    let path = match args.checkpoint.parent() {
        Some(dir) if rank > 0 => checkpoint_path(dir, rank),
        _ => args.checkpoint.clone(),
    };
    if rank > 0 && !path.exists() && args.checkpoint.exists() {
        return Err(bad_input(format!(
            "{}: no checkpoint for process {rank}: the run had fewer processes; resume under as \
             many as there are checkpoint files (checkpoint.ckpt and checkpoint.rank-<r>.ckpt)",
            path.display()
        )));
    }
    let ck = cajal_core::Checkpoint::read(&path).map_err(bad_input)?;
    let mut record: RunRecord = serde_json::from_slice(&ck.extra).map_err(|e| {
        bad_input(format!(
            "{}: the checkpoint does not say which run it belongs to ({e})",
            path.display()
        ))
    })?;
    if let Some(o) = &args.out {
        record.out = o.clone();
    }
    let mut model = cajal_model::load_str(
        &record.model_text,
        &record.model_file,
        record.model_dir.as_deref(),
    )
    .map_err(bad_input)?;
    model.network.set_seed(record.seed);
    model.duration = record.duration;
    for stamp in &record.files {
        let now = FileStamp::of(&stamp.path)?;
        if now != *stamp {
            return Err(bad_input(format!(
                "{}: changed since the checkpoint was written ({} bytes, CRC-32 {:08x}; then {} \
                 bytes, {:08x}); resuming would build another network: restore the file or run \
                 again from the start",
                stamp.path.display(),
                now.bytes,
                now.crc32,
                stamp.bytes,
                stamp.crc32
            )));
        }
    }
    check_memory(&model, ck.threads(), None)?;
    let lock = if rank == 0 {
        writable_folder(&record.out)?;
        Some(lock_folder(&record.out)?)
    } else {
        None
    };
    Ok((model, record, ck, lock))
}
