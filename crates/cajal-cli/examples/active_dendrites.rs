//! Active dendrites and sparse distributed representations (Ahmad & Hawkins 2016): engine
//! networks of `dendritic_segment`s against the paper's closed forms. Simulation points over the
//! theory curves, for the false-match probability against n, the union property (several
//! patterns stored on one segment), and robustness to noise; a table of the best threshold θ.
//! The figures and tables of docs/dendrites.md.
//!
//! `cargo run --release -p cajal-cli --example active_dendrites -- [output folder]`
//! (default `dendrites-out/`; under a second on one core).

#[path = "support/mod.rs"]
#[allow(dead_code)]
mod support;

use cajal_learn::dendrites::{false_match, noisy_match, Setting};
use plotters::prelude::*;
use support::register_font;

/// One curve: its label, the closed form and the simulation's points with their 99 % bars.
struct Curve {
    label: String,
    theory: Vec<(f64, f64)>,
    sim: Vec<(f64, f64, f64, f64)>,
}

const A: usize = 32;
const S: usize = 24;

fn main() -> anyhow::Result<()> {
    let out = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "dendrites-out".into()),
    );
    std::fs::create_dir_all(&out)?;
    let base = Setting {
        n: 1024,
        a: A,
        s: S,
        theta: 12,
        stored: 1,
        segments: 200,
        presentations: 500,
        seed: 1,
    };
    let point = |o: &cajal_learn::dendrites::Outcome, x: f64| {
        let t = o.trials as f64;
        (
            x,
            o.rate(),
            (o.expected - 2.576 * o.sd) / t,
            (o.expected + 2.576 * o.sd) / t,
        )
    };

    // false matches against n, for three thresholds
    println!("false matches: a = {A}, s = {S}; 100,000 (segment, pattern) trials per point");
    println!(
        "n\ttheta\tmatches\tclosed form (expected)\tmeasured rate\tclosed-form rate\twithin 99 %"
    );
    let mut curves = Vec::new();
    for theta in [6usize, 8, 10] {
        let mut c = Curve {
            label: format!("θ = {theta}"),
            theory: Vec::new(),
            sim: Vec::new(),
        };
        for n in (64..=2048).step_by(32) {
            c.theory.push((
                n as f64,
                false_match(n as u64, A as u64, S as u64, theta as u64),
            ));
        }
        for n in [64, 128, 256, 512, 1024, 2048] {
            let o = Setting {
                n,
                theta,
                ..base.clone()
            }
            .false_matches()?;
            println!(
                "{n}\t{theta}\t{}\t{:.1}\t{:.3e}\t{:.3e}\t{}",
                o.matches,
                o.expected,
                o.rate(),
                o.theory(),
                o.within_99()
            );
            if o.matches > 0 {
                c.sim.push(point(&o, n as f64));
            }
        }
        curves.push(c);
    }
    draw(
        &out.join("false_match.png"),
        "False matches of a segment (a = 32, s = 24)",
        "cells n",
        "P(false match)",
        true,
        &curves,
    )
    .map_err(|e| anyhow::anyhow!("drawing the false matches: {e}"))?;

    // the union property: M patterns stored on one segment, n = 1024, θ = 12
    println!("\nunion: n = 1024, a = {A}, s = {S} per pattern, θ = 12");
    println!(
        "stored\texpected distinct synapses\tmatches\tmeasured rate\tclosed-form rate\twithin 99 %"
    );
    let mut union = Curve {
        label: "θ = 12".into(),
        theory: Vec::new(),
        sim: Vec::new(),
    };
    for stored in 1..=10 {
        let o = Setting {
            stored,
            ..base.clone()
        }
        .false_matches()?;
        // the closed form with the expected number of distinct synapses
        let distinct = 1024.0 * (1.0 - (1.0 - S as f64 / 1024.0).powi(stored as i32));
        println!(
            "{stored}\t{distinct:.1}\t{}\t{:.3e}\t{:.3e}\t{}",
            o.matches,
            o.rate(),
            o.theory(),
            o.within_99()
        );
        union.theory.push((stored as f64, o.theory()));
        if o.matches > 0 {
            union.sim.push(point(&o, stored as f64));
        }
    }
    draw(
        &out.join("union.png"),
        "Union: patterns stored on one segment (n = 1024, a = 32, s = 24)",
        "patterns stored",
        "P(false match)",
        true,
        &[union],
    )
    .map_err(|e| anyhow::anyhow!("drawing the union: {e}"))?;

    // robustness to noise: k of the stored pattern's 32 cells replaced
    println!("\nnoise: n = 1024, a = {A}, s = {S}; 2,000 noisy presentations per point");
    println!("k\ttheta\tmatches\tmeasured rate\tclosed-form rate\twithin 99 %");
    let mut noise = Vec::new();
    for theta in [8usize, 12, 16] {
        let mut c = Curve {
            label: format!("θ = {theta}"),
            theory: (0..=A)
                .map(|k| {
                    (
                        k as f64,
                        noisy_match(A as u64, S as u64, theta as u64, k as u64),
                    )
                })
                .collect(),
            sim: Vec::new(),
        };
        for k in (0..=28).step_by(4) {
            let o = Setting {
                theta,
                presentations: 10,
                ..base.clone()
            }
            .noisy_matches(k)?;
            println!(
                "{k}\t{theta}\t{}\t{:.4}\t{:.4}\t{}",
                o.matches,
                o.rate(),
                o.theory(),
                o.within_99()
            );
            c.sim.push(point(&o, k as f64));
        }
        noise.push(c);
    }
    draw(
        &out.join("noise.png"),
        "Noise: stored pattern with k of 32 cells replaced (s = 24)",
        "cells replaced k",
        "P(match)",
        false,
        &noise,
    )
    .map_err(|e| anyhow::anyhow!("drawing the noise: {e}"))?;

    // the best threshold: misses of the stored pattern with 25 % noise plus false matches
    println!("\nthreshold: n = 1024, a = {A}, s = {S}, k = 8 cells replaced (closed forms)");
    println!("theta\tP(false match)\tP(miss)\tsum");
    let mut best = (0, f64::INFINITY);
    for theta in 1..=S {
        let f = false_match(1024, A as u64, S as u64, theta as u64);
        let miss = 1.0 - noisy_match(A as u64, S as u64, theta as u64, 8);
        println!("{theta}\t{f:.3e}\t{miss:.3e}\t{:.3e}", f + miss);
        if f + miss < best.1 {
            best = (theta, f + miss);
        }
    }
    println!("best θ = {} (error {:.3e})", best.0, best.1);
    println!("figures: {}", out.display());
    Ok(())
}

fn draw(
    path: &std::path::Path,
    title: &str,
    xlabel: &str,
    ylabel: &str,
    log_y: bool,
    curves: &[Curve],
) -> Result<(), Box<dyn std::error::Error>> {
    let text = register_font();
    let root = BitMapBackend::new(path, (760, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let xs = curves.iter().flat_map(|c| c.theory.iter().map(|p| p.0));
    let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let mut builder = ChartBuilder::on(&root);
    builder.margin(12).margin_right(24);
    if text {
        builder
            .caption(title, ("sans-serif", 18))
            .x_label_area_size(40)
            .y_label_area_size(70);
    }
    let colors = [BLUE, RED, GREEN, MAGENTA];
    // the same series on either kind of axis: the closed form as a line, the simulation as
    // dots with their 99 % bars (where the normal approximation's lower end is above 0)
    macro_rules! series {
        ($chart:expr, $floor:expr) => {{
            let mut mesh = $chart.configure_mesh();
            mesh.y_label_formatter(&|y| format!("{y:.0e}"));
            if !log_y {
                mesh.y_label_formatter(&|y| format!("{y:.1}"));
            }
            if text {
                mesh.x_desc(xlabel).y_desc(ylabel);
            }
            mesh.draw()?;
            for (c, color) in curves.iter().zip(colors) {
                let theory: Vec<(f64, f64)> =
                    c.theory.iter().copied().filter(|p| p.1 >= $floor).collect();
                $chart
                    .draw_series(LineSeries::new(theory, color.stroke_width(2)))?
                    .label(c.label.clone())
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2))
                    });
                $chart.draw_series(
                    c.sim
                        .iter()
                        .map(|&(x, y, _, _)| Circle::new((x, y), 5, color.filled())),
                )?;
                $chart.draw_series(c.sim.iter().filter(|p| p.2 > 0.0).map(|&(x, _, lo, hi)| {
                    PathElement::new([(x, lo), (x, hi)], color.stroke_width(1))
                }))?;
            }
            if text {
                $chart
                    .configure_series_labels()
                    .border_style(BLACK)
                    .background_style(WHITE.mix(0.9))
                    .draw()?;
            }
        }};
    }
    if log_y {
        let mut chart = builder.build_cartesian_2d(x0..x1, (1e-12f64..1.0).log_scale())?;
        series!(chart, 1e-12);
    } else {
        let mut chart = builder.build_cartesian_2d(x0..x1, 0.0..1.05)?;
        series!(chart, f64::NEG_INFINITY);
    }
    root.present()?;
    Ok(())
}
