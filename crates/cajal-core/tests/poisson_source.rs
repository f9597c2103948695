//! `poisson_source` populations: rate, Poisson statistics, start/stop, thread independence.

mod common;

use cajal_core::*;
use common::population;

fn net(rate: f64, start: f64, stop: f64, n: usize) -> NetworkDef {
    NetworkDef {
        dt: 0.1,
        seed: 3,
        populations: vec![population(
            "src",
            ModelKind::PoissonSource,
            n,
            &[("rate", rate), ("start", start), ("stop", stop)],
        )],
        projections: vec![],
        inputs: vec![],
        records: vec![RecordDef {
            population: 0,
            spikes: true,
            neurons: Selection::All,
            state_neurons: None,
            variables: vec![],
            interval: 1.0,
        }],
        astrocytes: vec![],
    }
}

#[test]
fn rate_and_interval_statistics_are_poisson() {
    let (n, rate, t) = (3000, 20.0, 5000.0);
    let mut sim = Simulation::build(&net(rate, 0.0, 1e9, n), 1).unwrap();
    sim.run(t, |_, _| {}).unwrap();
    let st = sim.population_stats(sim.population_ids()[0]).unwrap();
    // expected count n·r·T = 300,000: Poisson sd 0.18 %; allow 1 % (the per-step probability
    // 1 − exp(−r·dt) loses 0.1 % of spikes at 20 Hz, the few that would share a step)
    let expected = n as f64 * rate * t / 1000.0;
    let rel = (st.spikes as f64 - expected).abs() / expected;
    assert!(rel < 0.01, "spikes {} vs {expected}", st.spikes);
    assert!((st.cv_isi - 1.0).abs() < 0.02, "CV {}", st.cv_isi);
    let mut two = Simulation::build(&net(rate, 0.0, 1e9, n), 2).unwrap();
    two.run(t, |_, _| {}).unwrap();
    assert_eq!(
        sim.spike_trains(sim.population_ids()[0]).unwrap(),
        two.spike_trains(two.population_ids()[0]).unwrap(),
        "threads must not matter"
    );
}

#[test]
fn start_stop_and_zero_rate() {
    let mut sim = Simulation::build(&net(50.0, 100.0, 200.0, 200), 1).unwrap();
    sim.run(400.0, |_, _| {}).unwrap();
    let tr = sim.spike_trains(sim.population_ids()[0]).unwrap();
    assert!(tr.times.len() > 500);
    assert!(tr.times.iter().all(|&t| t > 100.0 && t <= 200.0 + 1e-9));
    let mut zero = Simulation::build(&net(0.0, 0.0, 1e9, 10), 1).unwrap();
    zero.run(100.0, |_, _| {}).unwrap();
    assert!(zero
        .spike_trains(zero.population_ids()[0])
        .unwrap()
        .times
        .is_empty());
    assert!(Simulation::build(&net(-1.0, 0.0, 1e9, 10), 1).is_err());
}
