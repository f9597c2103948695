//! What one synaptic event costs through a plastic (STDP) synapse compared with a static one.
//!
//! `cargo run --release -p cajal-core --example plastic_cost [-- reps [rule]]`
//!
//! 4000 Poisson sources at 10 Hz project onto 1000 iaf_psc_delta neurons (pairwise_bernoulli
//! p = 0.1, 4e5 synapses, delays 1–3 ms, targets firing a few Hz). The same network runs 5 s with
//! no projection (the baseline: sources, neurons, ring buffers), a static projection, and the
//! same projection with each plastic rule; delivery cost per event is (time − baseline) / events.
//! Runs are interleaved and the fastest of `reps` (default 9) is used: on a shared machine noise
//! only ever adds time, and the baseline subtraction magnifies it. The last column is the median
//! over repetitions of the ratio to static within one repetition (cases run back to back).

use cajal_core::*;
use std::collections::BTreeMap;
use std::time::Instant;

fn net(plasticity: Option<PlasticityDef>, with_projection: bool) -> NetworkDef {
    let p = |kv: &[(&str, f64)]| -> BTreeMap<String, f64> {
        kv.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    let pop = |name: &str, kind, size, params| PopulationDef {
        name: name.into(),
        kind,
        size,
        params,
        initial: vec![],
        spike_times: vec![],
        threshold: None,
    };
    NetworkDef {
        dt: 0.1,
        seed: 5,
        populations: vec![
            pop("src", ModelKind::PoissonSource, 4000, p(&[("rate", 10.0)])),
            pop("tgt", ModelKind::IafPscDelta, 1000, p(&[])),
        ],
        projections: if with_projection {
            vec![ProjectionDef {
                name: "src->tgt".into(),
                source: 0,
                target: 1,
                rule: Rule::PairwiseBernoulli { p: 0.1 },
                weight: Dist::Uniform {
                    low: 0.0,
                    high: 0.08,
                },
                delay: Dist::Uniform {
                    low: 1.0,
                    high: 3.0,
                },
                allow_autapses: true,
                allow_multapses: true,
                plasticity,
                record_weights: None,
                scaling: None,
                astrocyte: None,
                oja: None,
                tempotron: None,
                delta: None,
                tsodyks: None,
                p_transmit: None,
            }]
        } else {
            vec![]
        },
        inputs: vec![],
        records: vec![],
        astrocytes: vec![],
    }
}

fn time(def: &NetworkDef) -> (f64, u64) {
    let mut sim = Simulation::build(def, 1).expect("valid network");
    let t = Instant::now();
    sim.run(5000.0, |_, _| {}).expect("finite");
    (t.elapsed().as_secs_f64(), sim.synaptic_events())
}

fn main() {
    let reps: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(9);
    let rule = |model: &str, extra: &[(&str, f64)], modulator| {
        let mut p: BTreeMap<String, f64> = [("Wmax".to_string(), 0.1)].into_iter().collect();
        for (k, v) in extra {
            p.insert(k.to_string(), *v);
        }
        PlasticityDef::from_params(model, &p, None, None, modulator).expect("valid rule")
    };
    let cases: Vec<(&str, NetworkDef)> = vec![
        ("baseline (no projection)", net(None, false)),
        ("static", net(None, true)),
        (
            "stdp additive",
            net(
                Some(rule("stdp", &[("mu_plus", 0.0), ("mu_minus", 0.0)], None)),
                true,
            ),
        ),
        (
            "stdp multiplicative",
            net(Some(rule("stdp", &[], None)), true),
        ),
        (
            "stdp_triplet",
            net(Some(rule("stdp_triplet", &[], None)), true),
        ),
        (
            "stdp_dopamine (modulator: the targets)",
            net(Some(rule("stdp_dopamine", &[("Wmin", 0.0)], Some(1))), true),
        ),
    ];
    // an optional second argument keeps the baseline, static and the cases whose name contains it
    // (for profiling one rule)
    let cases: Vec<(&str, NetworkDef)> = match std::env::args().nth(2) {
        Some(only) => cases
            .into_iter()
            .enumerate()
            .filter(|(i, (name, _))| *i < 2 || name.contains(only.as_str()))
            .map(|(_, c)| c)
            .collect(),
        None => cases,
    };
    let mut times = vec![Vec::new(); cases.len()];
    let mut events = vec![0u64; cases.len()];
    for _ in 0..reps {
        for (i, (_, def)) in cases.iter().enumerate() {
            let (t, e) = time(def);
            times[i].push(t);
            events[i] = e;
        }
    }
    let fastest: Vec<f64> = times
        .iter()
        .map(|t| t.iter().copied().fold(f64::INFINITY, f64::min))
        .collect();
    let per_event = |i: usize| (fastest[i] - fastest[0]) / events[i].max(1) as f64 * 1e9;
    // the same ratio within each repetition (its cases ran back to back, so slow changes of the
    // machine's speed cancel), then the median over repetitions
    let median_ratio = |i: usize| {
        let mut r: Vec<f64> = (0..reps)
            .map(|k| {
                let cost = |j: usize| (times[j][k] - times[0][k]) / events[j].max(1) as f64;
                cost(i) / cost(1)
            })
            .collect();
        r.sort_by(f64::total_cmp);
        r[r.len() / 2]
    };
    println!(
        "{:<40} {:>10} {:>12} {:>10} {:>10} {:>10}",
        "case", "simulate s", "events", "ns/event", "x static", "median x"
    );
    for (i, (name, _)) in cases.iter().enumerate() {
        if i == 0 {
            println!("{name:<40} {:>10.3}", fastest[0]);
            continue;
        }
        println!(
            "{name:<40} {:>10.3} {:>12} {:>10.2} {:>10.2} {:>10.2}",
            fastest[i],
            events[i],
            per_event(i),
            per_event(i) / per_event(1),
            median_ratio(i)
        );
    }
}
