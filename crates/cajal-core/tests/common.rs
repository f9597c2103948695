//! Helpers shared by the integration tests: single-neuron networks.
#![allow(dead_code)]

use cajal_core::*;
use std::collections::BTreeMap;

pub fn params(kv: &[(&str, f64)]) -> BTreeMap<String, f64> {
    kv.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

pub fn population(name: &str, kind: ModelKind, size: usize, p: &[(&str, f64)]) -> PopulationDef {
    PopulationDef {
        name: name.into(),
        kind,
        size,
        params: params(p),
        initial: vec![],
        spike_times: vec![],
        threshold: None,
    }
}

/// One neuron of `kind` receiving one spike of weight `w` at `t_spike + delay` ms, V_m recorded
/// every step.
pub fn one_input_spike(
    kind: ModelKind,
    p: &[(&str, f64)],
    w: f64,
    t_spike: f64,
    delay: f64,
    dt: f64,
) -> NetworkDef {
    let mut gen = population("gen", ModelKind::SpikeGenerator, 1, &[]);
    gen.spike_times = vec![vec![t_spike]];
    NetworkDef {
        dt,
        seed: 1,
        populations: vec![gen, population("n", kind, 1, p)],
        projections: vec![ProjectionDef::new(
            "in",
            0,
            1,
            Rule::AllToAll,
            Dist::Const(w),
            Dist::Const(delay),
        )],
        inputs: vec![],
        records: vec![RecordDef {
            population: 1,
            spikes: true,
            neurons: Selection::All,
            state_neurons: None,
            variables: vec!["V_m".into()],
            interval: dt,
        }],
        astrocytes: vec![],
    }
}

/// One neuron of `kind` with parameters `p`, V_m recorded every `interval` ms and spikes recorded.
pub fn lone_neuron(kind: ModelKind, p: &[(&str, f64)], dt: f64, interval: f64) -> NetworkDef {
    NetworkDef {
        dt,
        seed: 1,
        populations: vec![population("n", kind, 1, p)],
        projections: vec![],
        inputs: vec![],
        records: vec![RecordDef {
            population: 0,
            spikes: true,
            neurons: Selection::All,
            state_neurons: None,
            variables: vec!["V_m".into()],
            interval,
        }],
        astrocytes: vec![],
    }
}

/// Runs `def` for `t` ms and returns (times, V_m) of the recorded neuron and its spike times.
pub fn trace(def: &NetworkDef, t: f64, pop: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut sim = Simulation::build(def, 1).expect("builds");
    sim.run(t, |_, _| {}).expect("finite state");
    let st = sim
        .state_trace(sim.population_ids()[pop])
        .unwrap()
        .expect("recorded");
    let v = st
        .variables
        .into_iter()
        .find(|(n, _)| n == "V_m")
        .unwrap()
        .1;
    (
        st.times,
        v,
        sim.spike_trains(sim.population_ids()[pop]).unwrap().times,
    )
}
