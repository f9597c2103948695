//! Reward-modulated STDP raising the firing of a rewarded group, in the style of Izhikevich's
//! (2007) instrumental conditioning: the network is rewarded when a chosen group of neurons is
//! more active than usual, and that group learns to fire more.
//!
//! Two groups of 20 `iaf_psc_delta` neurons, A and B, each draw 20 inputs from their own pool of
//! 200 Poisson sources (10 Hz) through `stdp_dopamine` synapses (NEST's
//! `stdp_dopamine_synapse`). The experiment runs in 20 ms windows. After each window the
//! experimenter compares the rewarded group's spike count with its running mean (exponential,
//! about 100 windows) and, when the count exceeds the mean by more than one standard deviation,
//! a dopamine neuron fires 10 ms later (added with [`Simulation::add_spike_times`]: a closed loop
//! between runs). Synapses whose pre-before-post pairings made the group fire more than usual
//! carry positive eligibility when the dopamine arrives.
//!
//! Two choices make the reward informative rather than a common drift (see docs/plasticity.md):
//! the reward is relative to the group's own recent activity, so it is given in about one window
//! in six however the rates move, and the rule's dopamine baseline `b` matches the mean dopamine
//! that this reward rate produces (one release per 6 windows of 20 ms: n̄ ≈ 0.0083 per ms; `b`
//! is 0.0085, a little above), so that `dw = c (n − b)` averages to about zero, slightly below,
//! for a synapse whose eligibility is unrelated to the reward. Without the baseline every reward
//! moves all weights by their mean eligibility and both groups drift together. The experiment is
//! run twice from the same network and seed, rewarding A and then B.
//!
//! `cargo run --release -p cajal-cli --example reward_group -- [seconds] [output.png] [seed]`
//! (400 s, reward_group.png and seed 1 by default)

use anyhow::Context;
use cajal_core::*;

#[path = "support/mod.rs"]
mod support;
use plotters::prelude::*;
use std::collections::BTreeMap;
use support::{population, register_font};

const DT: f64 = 0.1;
/// Length of the windows the reward is decided on (ms).
pub const WINDOW_MS: f64 = 20.0;
/// From a window's end to the dopamine spike that rewards it (ms).
const REWARD_DELAY_MS: f64 = 10.0;
/// A reward when the count exceeds the running mean by this many standard deviations.
const REWARD_SD: f64 = 1.0;
/// Weight of the newest window in the running mean and variance.
const RUNNING: f64 = 0.01;
/// Windows before the first reward (the running statistics start as plain averages).
const WARM_UP: usize = 50;
/// The rule's dopamine baseline (per ms): about the mean dopamine of a reward in one window in
/// six (1/6/20 ms ≈ 0.0083), a little above it.
const BASELINE: f64 = 0.0085;
const GROUP: usize = 20;
const SOURCES: usize = 200;
/// Seconds of biological time per point of the learning curve.
pub const BLOCK_S: f64 = 40.0;

/// Population indices.
const A: usize = 2;
const B: usize = 3;
const DOPAMINE: usize = 4;

/// Sources of A, sources of B, A, B, the dopamine neuron.
fn network(seed: u64) -> anyhow::Result<NetworkDef> {
    let params: BTreeMap<String, f64> = [
        ("A_plus", 0.04),
        ("A_minus", 0.044),
        ("tau_plus", 20.0),
        ("tau_minus", 20.0),
        ("tau_c", 50.0),
        ("tau_n", 20.0),
        ("b", BASELINE),
        ("Wmin", 0.0),
        ("Wmax", 8.0),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let rule = PlasticityDef::from_params("stdp_dopamine", &params, None, None, Some(DOPAMINE))
        .context("the reward-modulated rule")?;
    let plastic = |name: &str, source: usize, target: usize| ProjectionDef {
        name: name.into(),
        source,
        target,
        rule: Rule::FixedIndegree { indegree: 20 },
        weight: Dist::Uniform {
            low: 3.0,
            high: 5.0,
        },
        delay: Dist::Const(1.0),
        allow_autapses: true,
        allow_multapses: false,
        plasticity: Some(rule.clone()),
        record_weights: None,
        scaling: None,
        astrocyte: None,
        oja: None,
        tempotron: None,
        delta: None,
        tsodyks: None,
        p_transmit: None,
    };
    let spikes = |population: usize| RecordDef {
        population,
        spikes: true,
        neurons: Selection::All,
        state_neurons: None,
        variables: vec![],
        interval: 1.0,
    };
    let sources =
        |name: &str| population(name, ModelKind::PoissonSource, SOURCES, &[("rate", 10.0)]);
    Ok(NetworkDef {
        dt: DT,
        seed,
        populations: vec![
            sources("sources of A"),
            sources("sources of B"),
            population("A", ModelKind::IafPscDelta, GROUP, &[]),
            population("B", ModelKind::IafPscDelta, GROUP, &[]),
            population("dopamine", ModelKind::SpikeGenerator, 1, &[]),
        ],
        projections: vec![plastic("sources->A", 0, A), plastic("sources->B", 1, B)],
        inputs: vec![],
        records: vec![spikes(A), spikes(B)],
        astrocytes: vec![],
    })
}

/// What one experiment gave.
pub struct Outcome {
    /// Mean rates (Hz) of A and B per block of [`BLOCK_S`] seconds.
    pub rates: Vec<(f64, f64)>,
    /// Windows rewarded, of all windows.
    pub rewards: usize,
    pub windows: usize,
    /// Mean plastic weight onto A and onto B at the end (mV).
    pub mean_weight: (f64, f64),
}

/// Runs `seconds` of the experiment rewarding group A (`reward_a`) or B.
pub fn experiment(seconds: f64, reward_a: bool, seed: u64) -> anyhow::Result<Outcome> {
    let def = network(seed)?;
    let mut sim = Simulation::build(&def, 1).context("building the network")?;
    let total = |sim: &Simulation, pop| -> u64 {
        sim.spike_counts(sim.population_ids()[pop])
            .unwrap()
            .iter()
            .map(|&c| c as u64)
            .sum()
    };
    let windows = (seconds * 1000.0 / WINDOW_MS).round() as usize;
    let per_block = (BLOCK_S * 1000.0 / WINDOW_MS).round() as usize;
    let (mut last_a, mut last_b) = (0u64, 0u64);
    let (mut block_a, mut block_b) = (0u64, 0u64);
    let (mut mean, mut var) = (0.0f64, 0.0f64);
    let mut rates = Vec::new();
    let mut rewards = 0;
    for w in 0..windows {
        sim.run(WINDOW_MS, |_, _| {})?;
        let (a, b) = (total(&sim, A), total(&sim, B));
        let (da, db) = (a - last_a, b - last_b);
        (last_a, last_b) = (a, b);
        let count = if reward_a { da } else { db } as f64;
        if w >= WARM_UP && count > mean + REWARD_SD * var.sqrt() {
            rewards += 1;
            sim.add_spike_times(
                sim.population_ids()[DOPAMINE],
                0,
                &[sim.time_ms() + REWARD_DELAY_MS],
            )?;
        }
        // running mean and variance of the rewarded group's count (plain averages at first)
        let alpha = if w < WARM_UP {
            1.0 / (w as f64 + 1.0)
        } else {
            RUNNING
        };
        let d = count - mean;
        mean += alpha * d;
        var = (1.0 - alpha) * (var + alpha * d * d);
        block_a += da;
        block_b += db;
        if (w + 1) % per_block == 0 {
            let neuron_seconds = BLOCK_S * GROUP as f64;
            rates.push((
                block_a as f64 / neuron_seconds,
                block_b as f64 / neuron_seconds,
            ));
            (block_a, block_b) = (0, 0);
        }
    }
    let mean_weight = |j: usize| {
        let w = sim
            .weights(sim.projection_ids()[j].0)
            .unwrap()
            .expect("a plastic projection")
            .weights;
        w.iter().sum::<f64>() / w.len() as f64
    };
    Ok(Outcome {
        rates,
        rewards,
        windows,
        mean_weight: (mean_weight(0), mean_weight(1)),
    })
}

/// `main` is unused where the tests include this file as a module.
#[allow(dead_code)]
fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: f64 = match args.first() {
        Some(s) => s
            .parse()
            .ok()
            .filter(|&x: &f64| x >= 2.0 * BLOCK_S)
            .with_context(|| format!("seconds must be a number >= {}, not '{s}'", 2.0 * BLOCK_S))?,
        None => 400.0,
    };
    let out = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "reward_group.png".into());
    let seed: u64 = match args.get(2) {
        Some(s) => s
            .parse()
            .with_context(|| format!("the seed must be a whole number, not '{s}'"))?,
        None => 1,
    };
    let mut runs = Vec::new();
    for (reward_a, name) in [(true, "A"), (false, "B")] {
        let o = experiment(seconds, reward_a, seed)?;
        println!(
            "rewarding {name}: {} of {} windows rewarded; mean weight onto A {:.3} mV, onto B {:.3} mV",
            o.rewards, o.windows, o.mean_weight.0, o.mean_weight.1
        );
        println!("  seconds  rate A (Hz)  rate B (Hz)");
        for (i, (a, b)) in o.rates.iter().enumerate() {
            println!(
                "  {:>3}-{:<3}  {a:>11.2}  {b:>11.2}",
                i as f64 * BLOCK_S,
                (i + 1) as f64 * BLOCK_S
            );
        }
        runs.push((name, o));
    }
    draw(&runs, &out).with_context(|| format!("drawing {out}"))?;
    println!("figure: {out}");
    Ok(())
}

fn draw(runs: &[(&str, Outcome)], path: &str) -> anyhow::Result<()> {
    let text = register_font();
    let root = BitMapBackend::new(path, (1000, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, runs.len()));
    let top = runs
        .iter()
        .flat_map(|(_, o)| o.rates.iter().map(|&(a, b)| a.max(b)))
        .fold(1.0f64, f64::max)
        * 1.15;
    for ((name, o), panel) in runs.iter().zip(panels.iter()) {
        let end = o.rates.len() as f64 * BLOCK_S;
        let mut builder = ChartBuilder::on(panel);
        builder.margin(10);
        if text {
            builder
                .caption(format!("rewarding group {name}"), ("sans-serif", 20))
                .x_label_area_size(40)
                .y_label_area_size(50);
        }
        let mut chart = builder.build_cartesian_2d(0.0f64..end, 0.0f64..top)?;
        if text {
            chart
                .configure_mesh()
                .x_desc("time (s)")
                .y_desc("mean rate (Hz)")
                .draw()?;
        }
        for (k, colour, label) in [(0, BLUE, "group A"), (1, RED, "group B")] {
            let pts: Vec<(f64, f64)> = o
                .rates
                .iter()
                .enumerate()
                .map(|(i, r)| ((i as f64 + 0.5) * BLOCK_S, if k == 0 { r.0 } else { r.1 }))
                .collect();
            chart
                .draw_series(LineSeries::new(pts, colour.stroke_width(2)))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
        }
        if text {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()?;
        }
    }
    root.present()?;
    Ok(())
}
