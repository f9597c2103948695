//! The pairing-frequency experiment of Sjöström, Turrigiano & Nelson (2001) on the triplet rule
//! with Pfister & Gerstner's (2006) visual-cortex parameters (all-to-all), as in their Fig. 4:
//! 60 pre/post pairings at Δt = +10 ms and −10 ms, repeated at 0.1–50 Hz; the relative weight
//! change per frequency is printed and drawn.
//!
//! `cargo run --release -p cajal-cli --example triplet_pairing -- [output.png]`

use cajal_core::*;

#[path = "support/mod.rs"]
mod support;
use plotters::prelude::*;
use std::collections::BTreeMap;
use support::{population, register_font};

const DT: f64 = 0.1;
const FREQS: [f64; 8] = [0.1, 1.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0];
const PAIRINGS: usize = 60;

fn projection(name: &str, source: usize, target: usize, weight: f64) -> ProjectionDef {
    ProjectionDef::new(
        name,
        source,
        target,
        Rule::OneToOne,
        Dist::Const(weight),
        Dist::Const(DT),
    )
}

/// Relative weight change (%) for each frequency at Δt = +10 and −10 ms.
fn experiment() -> anyhow::Result<Vec<(f64, f64, f64)>> {
    // one synapse per (frequency, Δt): pre generator → post neuron, which a drive generator
    // makes fire exactly when wanted (a drive spike at T fires the neuron in the next step, and
    // the synapse sees the postsynaptic spike one delay later: shift by both)
    let (mut pre, mut drive) = (Vec::new(), Vec::new());
    for &f in &FREQS {
        for delta in [10.0, -10.0] {
            // on the time grid (30 Hz does not divide it)
            let starts: Vec<f64> = (0..PAIRINGS)
                .map(|k| ((100.0 + k as f64 * 1000.0 / f) / DT).round() * DT)
                .collect();
            drive.push(starts.iter().map(|t| t + delta - 2.0 * DT).collect());
            pre.push(starts);
        }
    }
    let n = pre.len();
    let mut pre_pop = population("pre", ModelKind::SpikeGenerator, n, &[]);
    pre_pop.spike_times = pre;
    let mut drive_pop = population("drive", ModelKind::SpikeGenerator, n, &[]);
    drive_pop.spike_times = drive;
    let post = population(
        "post",
        ModelKind::IafPscDelta,
        n,
        &[("t_ref", 0.0), ("V_reset", -70.0), ("E_L", -70.0)],
    );
    let mut plastic = projection("pre->post", 0, 2, 1.0);
    plastic.plasticity = Some(
        PlasticityDef::from_params(
            "stdp_triplet",
            &BTreeMap::new(),
            None,
            Some("visual_cortex_all_to_all"),
            None,
        )
        .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))?,
    );
    plastic.record_weights = Some(f64::INFINITY);
    let def = NetworkDef {
        dt: DT,
        seed: 1,
        populations: vec![pre_pop, drive_pop, post],
        projections: vec![plastic, projection("drive->post", 1, 2, 1000.0)],
        inputs: vec![],
        records: vec![RecordDef {
            population: 2,
            spikes: true,
            neurons: Selection::All,
            state_neurons: None,
            variables: vec![],
            interval: 1.0,
        }],
        astrocytes: vec![],
    };
    let mut sim = Simulation::build(&def, 1)?;
    let t_end = 100.0 + PAIRINGS as f64 * 1000.0 / FREQS[0] + 100.0;
    sim.run(t_end, |_, _| {})?;
    let fired = sim
        .population_stats(sim.population_ids()[2])
        .unwrap()
        .spikes;
    anyhow::ensure!(
        fired == (n * PAIRINGS) as u64,
        "every pairing must fire its neuron ({fired} spikes)"
    );
    let w = sim
        .weights(sim.projection_ids()[0].0)
        .unwrap()
        .expect("plastic");
    let change = |j: usize| {
        let k = w
            .sources
            .iter()
            .position(|&s| s as usize == j)
            .expect("synapse");
        (w.weights[k] - 1.0) * 100.0
    };
    Ok(FREQS
        .iter()
        .enumerate()
        .map(|(i, &f)| (f, change(2 * i), change(2 * i + 1)))
        .collect())
}

fn draw(path: &str, curve: &[(f64, f64, f64)]) -> Result<(), Box<dyn std::error::Error>> {
    let text = register_font();
    let root = BitMapBackend::new(path, (720, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let lo = curve.iter().map(|c| c.1.min(c.2)).fold(0.0, f64::min) - 10.0;
    let hi = curve.iter().map(|c| c.1.max(c.2)).fold(0.0, f64::max) + 10.0;
    let mut builder = ChartBuilder::on(&root);
    builder.margin(12);
    if text {
        builder
            .caption(
                "Triplet STDP, Sjöström protocol (visual cortex, all-to-all)",
                ("sans-serif", 20),
            )
            .x_label_area_size(40)
            .y_label_area_size(56);
    }
    let mut chart = builder.build_cartesian_2d(0.0..52.0, lo..hi)?;
    if text {
        chart
            .configure_mesh()
            .x_desc("pairing frequency (Hz)")
            .y_desc("weight change (%)")
            .draw()?;
    } else {
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_y_mesh()
            .draw()?;
    }
    chart.draw_series(LineSeries::new([(0.0, 0.0), (52.0, 0.0)], BLACK.mix(0.3)))?;
    for (label, color, pick) in [("Δt = +10 ms", BLUE, 1usize), ("Δt = −10 ms", RED, 2usize)] {
        let pts: Vec<(f64, f64)> = curve
            .iter()
            .map(|c| (c.0, if pick == 1 { c.1 } else { c.2 }))
            .collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2)));
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
    }
    if text {
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.9))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "triplet_pairing.png".into());
    let curve = experiment()?;
    println!("frequency   Δt +10 ms   Δt −10 ms   (weight change, %)");
    for (f, plus, minus) in &curve {
        println!("{f:7.1} Hz  {plus:+9.2}   {minus:+9.2}");
    }
    draw(&path, &curve).map_err(|e| anyhow::anyhow!("drawing {path}: {e}"))?;
    println!("figure: {path}");
    Ok(())
}
