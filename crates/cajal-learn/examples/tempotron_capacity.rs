//! The Tempotron's capacity curve (Gütig & Sompolinsky 2006): one engine `iaf_psc_exp` neuron
//! learning with the engine's Tempotron rule to classify `P = load · N` random latency patterns
//! (each of `N` afferents fires once in `T` ms) with random labels; the fraction misclassified
//! after training, for each load. The figures of docs/tempotron.md.
//!
//! Run: `cargo run --release -p cajal-learn --example tempotron_capacity -- [N] [T_ms]
//! [max_epochs] [lambda] [momentum] [load ...]` (default 500 500 500 0.0003 0.99 and loads 0.5 1
//! 1.5 2 2.5 3 3.5 4). Writes a table to stdout (load, P, passes, errors after training, error
//! fraction, seconds) and every tenth pass's errors to stderr.

use cajal_learn::tempotron::CapacitySetting;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |k: usize, default: f64| -> f64 {
        args.get(k).map_or(default, |s| {
            s.parse()
                .unwrap_or_else(|_| panic!("argument {} ({s}) is not a number", k + 1))
        })
    };
    let setting = CapacitySetting {
        afferents: num(0, 500.0) as usize,
        duration_ms: num(1, 500.0),
        max_epochs: num(2, 500.0) as usize,
        lambda: num(3, 3e-4),
        momentum: num(4, 0.99),
        ..CapacitySetting::default()
    };
    let mut loads: Vec<f64> = (5..args.len()).map(|k| num(k, 0.0)).collect();
    if loads.is_empty() {
        loads = vec![0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0];
    }
    eprintln!("{setting:?}");
    println!("load\tpatterns\tpasses\terrors_after\terror_fraction\tseconds");
    for load in loads {
        let point = setting
            .run(load, |epoch, errors| {
                if epoch % 10 == 1 || errors == 0 {
                    eprintln!("load {load}: pass {epoch}, {errors} errors");
                }
            })
            .unwrap_or_else(|e| {
                eprintln!("error: {e}");
                std::process::exit(2)
            });
        println!(
            "{}\t{}\t{}\t{}\t{:.4}\t{:.1}",
            point.load,
            point.patterns,
            point.errors_per_epoch.len(),
            point.final_errors,
            point.error_fraction(),
            point.seconds
        );
    }
}
