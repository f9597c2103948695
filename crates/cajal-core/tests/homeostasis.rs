//! Moving thresholds against their equations: the adaptive threshold (Diehl & Cook 2015) follows
//! its analytic trajectory given the neuron's spikes, and intrinsic plasticity brings neurons with
//! very different drives to the target rate.

mod common;

use cajal_core::*;
use common::{lone_neuron, population};

const DT: f64 = 0.1;

#[test]
fn adaptive_threshold_follows_its_analytic_trajectory() {
    let (theta_plus, tau_theta) = (2.0, 200.0);
    let mut def = lone_neuron(ModelKind::IafPscDelta, &[("I_e", 500.0)], DT, DT);
    def.populations[0].threshold = Some(ThresholdDef::Adaptive {
        theta_plus,
        tau_theta,
    });
    def.records[0].variables = vec!["theta".into()];
    let mut sim = Simulation::build(&def, 1).unwrap();
    sim.run(1000.0, |_, _| {}).unwrap();
    let spikes = sim.spike_trains(sim.population_ids()[0]).unwrap().times;
    let st = sim.state_trace(sim.population_ids()[0]).unwrap().unwrap();
    let theta = &st.variables[0].1;
    assert!(spikes.len() > 10, "the neuron must fire ({})", spikes.len());
    let mut worst: f64 = 0.0;
    for (t, got) in st.times.iter().zip(theta) {
        let expect: f64 = spikes
            .iter()
            .filter(|&&s| s <= t + 1e-9)
            .map(|s| theta_plus * (-(t - s) / tau_theta).exp())
            .sum();
        worst = worst.max((got - expect).abs());
    }
    assert!(
        worst < 1e-9,
        "largest difference from the analytic theta: {worst:e} mV"
    );
    // the rising threshold lengthens the intervals (spike-frequency adaptation)
    let isi: Vec<f64> = spikes.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        isi.last().unwrap() > &(1.5 * isi[0]),
        "first ISI {} ms, last {} ms",
        isi[0],
        isi.last().unwrap()
    );
    // a static theta (no rule) set as an initial value shifts the threshold and stays put
    let drive = [("I_e", 700.0)];
    let mut fixed = lone_neuron(ModelKind::IafPscDelta, &drive, DT, 1.0);
    fixed.populations[0].initial = vec![("theta".into(), Dist::Const(5.0))];
    let mut plain =
        Simulation::build(&lone_neuron(ModelKind::IafPscDelta, &drive, DT, 1.0), 1).unwrap();
    let mut shifted = Simulation::build(&fixed, 1).unwrap();
    plain.run(1000.0, |_, _| {}).unwrap();
    shifted.run(1000.0, |_, _| {}).unwrap();
    let (a, b) = (
        plain
            .spike_trains(plain.population_ids()[0])
            .unwrap()
            .times
            .len(),
        shifted
            .spike_trains(shifted.population_ids()[0])
            .unwrap()
            .times
            .len(),
    );
    assert!(
        b > 0 && b < a,
        "spikes with theta 0: {a}, with theta 5 mV: {b}"
    );
}

#[test]
fn intrinsic_plasticity_brings_each_neuron_to_the_target_rate() {
    // three drives: just above rheobase (375 pA), moderate and strong; alone they fire at 34,
    // 103 and 173 Hz
    let drives = [400.0, 700.0, 1200.0];
    let (eta, rate) = (0.2, 50.0);
    let build = |ip: bool| {
        let mut def = lone_neuron(ModelKind::IafPscDelta, &[], DT, 1.0);
        def.populations = drives
            .iter()
            .enumerate()
            .map(|(i, &d)| {
                let mut p = population(&format!("n{i}"), ModelKind::IafPscDelta, 1, &[("I_e", d)]);
                if ip {
                    p.threshold = Some(ThresholdDef::TargetRate { eta, rate });
                }
                p
            })
            .collect();
        def.records = (0..drives.len())
            .map(|p| RecordDef {
                population: p,
                spikes: true,
                neurons: Selection::All,
                state_neurons: None,
                variables: vec!["theta".into()],
                interval: 1.0,
            })
            .collect();
        Simulation::build(&def, 1).unwrap()
    };
    let count = |sim: &Simulation, p: usize, from: f64| {
        sim.spike_trains(sim.population_ids()[p])
            .unwrap()
            .times
            .iter()
            .filter(|&&t| t > from)
            .count() as f64
    };
    let mut without = build(false);
    without.run(2000.0, |_, _| {}).unwrap();
    let free: Vec<f64> = (0..3).map(|p| count(&without, p, 0.0) / 2.0).collect();
    assert!(
        free[0] < 40.0 && free[2] > 150.0,
        "rates without IP {free:?} Hz"
    );
    let mut with = build(true);
    with.run(40_000.0, |_, _| {}).unwrap();
    for p in 0..3 {
        let r = count(&with, p, 20_000.0) / 20.0;
        assert!(
            (r - rate).abs() < 0.05 * rate,
            "drive {} pA: {r} Hz over the last 20 s (free {} Hz, target {rate} Hz)",
            drives[p],
            free[p]
        );
    }
    // stronger drive, higher threshold
    let th: Vec<f64> = (0..3)
        .map(|p| {
            *with
                .state_trace(with.population_ids()[p])
                .unwrap()
                .unwrap()
                .variables[0]
                .1
                .last()
                .unwrap()
        })
        .collect();
    assert!(th[0] < th[1] && th[1] < th[2], "final theta {th:?} mV");
}

#[test]
fn thresholds_are_refused_where_they_cannot_work() {
    let mut def = lone_neuron(ModelKind::Izhikevich, &[], DT, 1.0);
    def.populations[0].threshold = Some(ThresholdDef::Adaptive {
        theta_plus: 1.0,
        tau_theta: 10.0,
    });
    let Err(e) = Simulation::build(&def, 1) else {
        panic!("must be refused")
    };
    assert_eq!(e.field, "threshold");
    let mut def = lone_neuron(ModelKind::IafPscDelta, &[], DT, 1.0);
    def.populations[0].threshold = Some(ThresholdDef::TargetRate {
        eta: 0.1,
        rate: f64::NAN,
    });
    let Err(e) = Simulation::build(&def, 1) else {
        panic!("must be refused")
    };
    assert_eq!(e.field, "threshold.rate");
}

#[test]
fn an_astrocytes_input_weight_is_checked_where_it_enters() {
    let mut net = Network::new(1.0, 1).unwrap();
    let input = net
        .add_population(Population::new("input", ModelKind::SpikeGenerator, 2))
        .unwrap();
    let liquid = net
        .add_population(Population::new("liquid", ModelKind::IafPscDelta, 2))
        .unwrap();
    let a = net
        .add_astrocyte("a", &[liquid], &[input], 0.01, 0.0, 10.0, 0.0)
        .unwrap();
    let b = net
        .add_astrocyte("b", &[liquid], &[input], 0.01, 0.0, 10.0, 0.0)
        .unwrap();
    // its own name does not collide with itself; a NaN is refused, naming the field
    net.astrocyte_input_weight(a, 0.02).unwrap();
    let err = net
        .astrocyte_input_weight(b, f64::NAN)
        .unwrap_err()
        .to_string();
    assert!(err.contains("w_input"), "{err}");
}
