//! `cajal`: run spiking network models from TOML files.

mod analyze;
mod figures;
mod output;
mod raster;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
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
    /// Worker threads (0: one per core).
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(&args),
        Command::Analyze(args) => analyze::run(&args),
        Command::Check { model } => check(&model),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}

fn check(path: &std::path::Path) -> Result<(), Failure> {
    let (model, text, file) = load(&Some(path.to_path_buf()))?;
    let t0 = Instant::now();
    let sim = cajal_model::build(&model, &text, &file, 0).map_err(bad_input)?;
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
    let (out, threads, quiet) = (args.out.as_path(), args.threads, args.quiet);
    let (mut model, text, file) = load(&args.model)?;
    if let Some(s) = args.seed {
        model.def.seed = s;
    }
    if let Some(d) = args.duration {
        if !(d.is_finite() && d >= 0.0) {
            return Err(bad_input(format!(
                "--duration must be a finite number of ms >= 0 (got {d})"
            )));
        }
        model.duration = d;
    }
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create output folder {}", out.display()))?;
    let t0 = Instant::now();
    let mut sim = cajal_model::build(&model, &text, &file, threads).map_err(bad_input)?;
    let build_s = t0.elapsed().as_secs_f64();

    let steps = (model.duration / sim.dt()).round() as u64;
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(steps)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{bar:30}] {msg} simulated, {per_sec} steps, ETA {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let dt = sim.dt();
    let t1 = Instant::now();
    let mut shown = 0u64;
    let outcome = sim.run(model.duration, |done, total| {
        // redraw at most every 0.1 % of the run: formatting per interval costs real time
        if done == total || (done - shown) * 1000 >= total {
            shown = done;
            bar.set_position(done);
            bar.set_message(format!("{:.1}/{:.1} ms", done as f64 * dt, model.duration));
        }
    });
    let simulate_s = t1.elapsed().as_secs_f64();
    bar.finish_and_clear();

    let mut summary = output::Summary::new(&model, &sim, build_s, simulate_s);
    if let Err(e) = outcome {
        // keep what was simulated: outputs up to the failure, marked partial
        summary.partial = true;
        output::write_all(out, &sim, &model.def, &summary, !args.no_plot)?;
        return Err(anyhow::anyhow!(
            "{e}\n(outputs up to t = {} ms are in {}, summary.json has \"partial\": true)",
            sim.time_ms(),
            out.display()
        )
        .into());
    }
    output::write_all(out, &sim, &model.def, &summary, !args.no_plot)?;
    if args.save_connectivity {
        output::write_connectivity(out, &sim)?;
    }
    if !args.no_plot {
        raster::draw(&out.join("raster.png"), &sim, &model.name)?;
    }
    if !quiet {
        summary.print_table(out);
    }
    Ok(())
}
