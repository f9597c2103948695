//! Continual learning of permuted (or split) Fashion-MNIST by a spiking network on the engine,
//! with and without Hebbian-learning-based orthogonal projection (HLOP) and with elastic weight
//! consolidation: `cargo run --release -p cajal-learn --example continual_hlop -- [permuted|split]
//! [TASKS] [TRAIN_PER_TASK] [TEST_PER_TASK] [METHODS] [SETTING=VALUE...]` (defaults: permuted 10
//! 5000 1000 plain,hlop,ewc; settings: eta, tau, desired, presentation, max_rate, poisson (0 or
//! 1), oja_rate, lateral, epochs, seed, lambda). The dataset is found as `cajal learn` finds it (`$CAJAL_DATASETS`, the
//! Debian package `dataset-fashion-mnist`, or `shared/datasets`).

use cajal_data::idx::{load, DatasetName, Split};
use cajal_learn::continual::{run, ContinualConfig, Method, Protocol};
use std::time::Instant;

fn main() {
    if let Err(e) = main_inner() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

fn main_inner() -> Result<(), String> {
    let all: Vec<String> = std::env::args().skip(1).collect();
    let (settings, args): (Vec<String>, Vec<String>) =
        all.into_iter().partition(|a| a.contains('='));
    let number = |k: usize, default: usize, name: &str| -> Result<usize, String> {
        args.get(k).map_or(Ok(default), |s| {
            s.parse()
                .map_err(|_| format!("{name} must be a whole number (got '{s}')"))
        })
    };
    let kind = args.first().map_or("permuted", String::as_str);
    let tasks = number(1, 10, "TASKS")?;
    let protocol = match kind {
        "permuted" => Protocol::Permuted { tasks },
        "split" => Protocol::Split,
        other => return Err(format!("the protocol is permuted or split, not '{other}'")),
    };
    let methods = args.get(4).map_or("plain,hlop,ewc", String::as_str);
    let dataset = DatasetName::FashionMnist;
    let train = load(dataset, Split::Train, None).map_err(|e| e.to_string())?;
    let test = load(dataset, Split::Test, None).map_err(|e| e.to_string())?;
    println!(
        "method  ACC      BWT      (protocol {kind}, {} tasks)",
        protocol.tasks()
    );
    for m in methods.split(',') {
        let method = match m {
            "plain" => Method::Plain,
            "hlop" => Method::Hlop,
            "ewc" => Method::Ewc { lambda: 0.05 },
            other => return Err(format!("methods are plain, hlop and ewc, not '{other}'")),
        };
        let mut c = ContinualConfig::new(protocol, method);
        c.train_per_task = number(2, c.train_per_task, "TRAIN_PER_TASK")?;
        c.test_per_task = number(3, c.test_per_task, "TEST_PER_TASK")?;
        for kv in &settings {
            let (k, v) = kv.split_once('=').expect("partitioned on '='");
            let x: f64 = v
                .parse()
                .map_err(|_| format!("{k} must be a number (got '{v}')"))?;
            match k {
                "eta" => c.eta = x,
                "tau" => c.tau = x,
                "eta_decay" => c.eta_decay = x,
                "desired" => c.desired = x,
                "presentation" => c.presentation = x,
                "max_rate" => c.max_rate = x,
                "oja_rate" => c.oja_rate = x,
                "lateral" => c.lateral_per_task = x as usize,
                "epochs" => c.epochs = x as usize,
                "seed" => c.seed = x as u64,
                "poisson" => c.poisson = x != 0.0,
                "lambda" => {
                    if let Method::Ewc { .. } = c.method {
                        c.method = Method::Ewc { lambda: x }
                    }
                }
                other => return Err(format!("unknown setting '{other}'")),
            }
        }
        let start = Instant::now();
        let r = run(&c, &train, &test, |t, row| {
            let cells: Vec<String> = row.iter().map(|a| format!("{:5.1}", 100.0 * a)).collect();
            eprintln!("  {m} after task {t}: {}", cells.join(" "));
        })
        .map_err(|e| e.to_string())?;
        println!(
            "{:<7} {:6.2} % {:+6.2}   ({} presentations, {:.1} s)",
            m,
            100.0 * r.acc,
            100.0 * r.bwt,
            r.presentations,
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
