//! Motion detection with heterogeneous synaptic delays (Grimaldi & Perrinet 2023): event streams
//! of moving textures, a layer with 12 delays per input trained as a time-invariant logistic
//! regression, the same layer with a single delay as the control, accuracy as the weights are
//! pruned, and a figure of the learned space–time kernels. Every accuracy is read from the
//! engine's spiking layer (its membranes), on movies it was not trained on.
//!
//! `cargo run --release -p cajal-cli --example motion_delays -- [output folder] [training
//! movies] [test movies] [epochs] [stride]` (defaults `motion-out/ 256 40 3 1`; stride: the
//! spacing of the engine's output positions, pixels).

#[path = "support/mod.rs"]
#[allow(dead_code)]
mod support;

use cajal_learn::motion::{
    movies, score_on_engine, DelayLayer, EngineScore, Movie, MovieSpec, Training,
};
use plotters::prelude::*;
use rand::SeedableRng;
use std::time::Instant;

const RADIUS: usize = 5;
const DELAYS: usize = 12;

/// Argument `i`, or `default` when it is not given; refused when it does not parse.
fn arg<T: std::str::FromStr>(i: usize, default: T) -> anyhow::Result<T> {
    match std::env::args().nth(i) {
        None => Ok(default),
        Some(a) => a.parse().map_err(|_| {
            anyhow::anyhow!(
                "argument {i} ({a:?}) is not a valid {}; usage: motion_delays [output folder] \
                 [training movies] [test movies] [epochs] [stride]",
                std::any::type_name::<T>()
            )
        }),
    }
}

fn main() -> anyhow::Result<()> {
    let out = std::path::PathBuf::from(arg(1, "motion-out".to_string())?);
    let (n_train, n_test, epochs) = (arg(2, 256usize)?, arg(3, 40usize)?, arg(4, 3usize)?);
    let stride = arg(5, 1usize)?;
    anyhow::ensure!(
        n_train > 0 && n_test > 0 && stride > 0,
        "training movies, test movies and stride must be at least 1"
    );
    std::fs::create_dir_all(&out)?;
    let spec = MovieSpec {
        threshold: 1.5,
        ..MovieSpec::default()
    };
    let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
    let start = Instant::now();
    let train = movies(&spec, n_train, &mut rng)?;
    let test = movies(&spec, n_test, &mut rng)?;
    let density = test.iter().map(Movie::density).sum::<f64>() / n_test as f64;
    println!(
        "{} directions × {} speeds ({:?} px/ms) = {} motions; {}×{} px, {} ms movies, segments of \
         {} ms on average; {n_train} training and {n_test} test movies ({:.1} s); {:.2} % of \
         pixels fire per ms",
        spec.directions,
        spec.speeds.len(),
        spec.speeds,
        spec.motions(),
        spec.size,
        spec.size,
        spec.steps,
        spec.mean_segment,
        start.elapsed().as_secs_f64(),
        100.0 * density
    );
    let training = Training {
        epochs,
        learning_rate: 0.003,
        stride: 1,
        seed: 1,
    };
    let mut results = Vec::new();
    let mut layers = Vec::new();
    for delays in [DELAYS, 1] {
        let mut layer = DelayLayer::new(RADIUS, delays, spec.motions())?;
        let start = Instant::now();
        layer.train(&train, &training, |e, loss| {
            println!("  {delays:>2} delay(s), epoch {}: loss {loss:.5}", e + 1)
        })?;
        let trained = start.elapsed().as_secs_f64();
        let EngineScore {
            motion: m,
            direction: d,
            synapses: syn,
            seconds_per_movie: per,
        } = score_on_engine(&layer, &spec, &test, stride, DELAYS)?;
        println!(
            "{delays:>2} delay(s): trained in {trained:.0} s; on the engine ({syn} synapses, \
             {:.2} s per movie): motion {:.1} %, direction {:.1} %",
            per,
            100.0 * m,
            100.0 * d
        );
        results.push(format!(
            "{delays}\t1\t{}\t{syn}\t{:.4}\t{:.4}",
            layer.nonzero(),
            m,
            d
        ));
        layers.push(layer);
    }
    println!("pruning the 12-delay layer (the smallest weights set to zero):");
    println!("kept\tweights\tsynapses\tmotion %\tdirection %\tengine s/movie");
    for keep in [0.3, 0.1, 0.03, 0.01, 0.003, 0.001] {
        let p = layers[0].pruned(keep)?;
        let EngineScore {
            motion: m,
            direction: d,
            synapses: syn,
            seconds_per_movie: per,
        } = score_on_engine(&p, &spec, &test, stride, DELAYS)?;
        println!(
            "{:.1} %\t{}\t{syn}\t{:.1}\t{:.1}\t{per:.3}",
            100.0 * keep,
            p.nonzero(),
            100.0 * m,
            100.0 * d
        );
        results.push(format!(
            "12\t{keep}\t{}\t{syn}\t{m:.4}\t{d:.4}",
            p.nonzero()
        ));
    }
    std::fs::write(
        out.join("motion_accuracy.tsv"),
        format!(
            "delays\tkept\tweights\tsynapses\tmotion\tdirection\n{}\n",
            results.join("\n")
        ),
    )?;
    let path = out.join("motion_kernels.png");
    kernels(&layers[0], &spec, &path)?;
    println!(
        "wrote {} and {}",
        out.join("motion_accuracy.tsv").display(),
        path.display()
    );
    Ok(())
}

/// The ON weights of 8 of the directions at the fastest speed: one row per direction, one
/// column per delay (1 ms at the left), red for excitatory and blue for inhibitory weights.
fn kernels(layer: &DelayLayer, spec: &MovieSpec, path: &std::path::Path) -> anyhow::Result<()> {
    let fonts = support::register_font();
    let speeds = spec.speeds.len();
    let rows: Vec<usize> = (0..8)
        .map(|i| (i * spec.directions / 8) * speeds + speeds - 1)
        .collect();
    let side = 2 * layer.radius + 1;
    let cell = 6u32;
    let pad = 4u32;
    let (left, top) = (if fonts { 70 } else { 10 }, if fonts { 30 } else { 10 });
    let w = left + layer.delays as u32 * (side as u32 * cell + pad) + 10;
    let h = top + rows.len() as u32 * (side as u32 * cell + pad) + 10;
    let root = BitMapBackend::new(path, (w, h)).into_drawing_area();
    root.fill(&WHITE)?;
    let c = layer.classes;
    let scale = rows
        .iter()
        .flat_map(|&k| (0..layer.inputs()).map(move |i| layer.weights[i * c + k].abs()))
        .fold(0.0f64, f64::max)
        .max(1e-12);
    for (r, &k) in rows.iter().enumerate() {
        let y0 = top + r as u32 * (side as u32 * cell + pad);
        if fonts {
            let (vx, vy) = spec.velocity(k);
            let deg = vy.atan2(vx).to_degrees().rem_euclid(360.0);
            root.draw(&Text::new(
                format!("{deg:.0}°"),
                (8, y0 as i32 + 20),
                ("sans-serif", 14).into_font(),
            ))?;
        }
        for d in 1..=layer.delays {
            let x0 = left + (d as u32 - 1) * (side as u32 * cell + pad);
            if fonts && r == 0 {
                root.draw(&Text::new(
                    format!("{d} ms"),
                    (x0 as i32 + 14, 8),
                    ("sans-serif", 13).into_font(),
                ))?;
            }
            for (o, &(dx, dy)) in layer.offsets.iter().enumerate() {
                let v = layer.weights[layer.input(d, 0, o) * c + k] / scale;
                let a = v.abs().min(1.0);
                let shade = (255.0 * (1.0 - a)) as u8;
                let colour = if v >= 0.0 {
                    RGBColor(255, shade, shade)
                } else {
                    RGBColor(shade, shade, 255)
                };
                let px = x0 + (dx + layer.radius as i32) as u32 * cell;
                let py = y0 + (dy + layer.radius as i32) as u32 * cell;
                root.draw(&Rectangle::new(
                    [
                        (px as i32, py as i32),
                        ((px + cell) as i32, (py + cell) as i32),
                    ],
                    colour.filled(),
                ))?;
            }
        }
    }
    root.present()?;
    Ok(())
}
