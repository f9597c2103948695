//! Spikes added to a spike generator between runs (`Simulation::add_spike_times`): emitted at
//! the times asked, in order with those already planned, and bad requests refused with the
//! reason.

mod common;

use cajal_core::*;
use common::{lone_neuron, population};

fn network() -> NetworkDef {
    let mut gen = population("gen", ModelKind::SpikeGenerator, 3, &[]);
    gen.spike_times = vec![vec![5.0], vec![], vec![40.0]];
    let mut def = lone_neuron(ModelKind::IafPscDelta, &[], 0.1, 1.0);
    def.populations.insert(0, gen);
    def.records[0].variables.clear();
    def
}

#[test]
fn added_spikes_are_emitted_at_their_times() {
    let mut sim = Simulation::build(&network(), 1).unwrap();
    sim.run(10.0, |_, _| {}).unwrap();
    // before and after a spike planned at build time, and at the first possible step
    sim.add_spike_times(sim.population_ids()[0], 2, &[50.0, 20.0])
        .unwrap();
    sim.add_spike_times(sim.population_ids()[0], 1, &[10.1])
        .unwrap();
    sim.run(60.0, |_, _| {}).unwrap();
    let trains = sim.spike_trains(sim.population_ids()[0]).unwrap();
    let mut got: Vec<(u32, f64)> = trains
        .senders
        .iter()
        .zip(&trains.times)
        .map(|(&s, &t)| (s, (t * 10.0).round() / 10.0))
        .collect();
    got.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(
        got,
        vec![(0, 5.0), (1, 10.1), (2, 20.0), (2, 40.0), (2, 50.0)]
    );
}

#[test]
fn bad_requests_are_refused_with_the_reason() {
    let mut sim = Simulation::build(&network(), 1).unwrap();
    sim.run(10.0, |_, _| {}).unwrap();
    let msg = |r: Result<(), ScheduleError>| r.unwrap_err().to_string();
    assert!(
        msg(sim.add_spike_times(sim.population_ids()[0], 0, &[10.0]))
            .contains("later than the current time 10 ms")
    );
    assert!(
        msg(sim.add_spike_times(sim.population_ids()[0], 0, &[12.34])).contains("multiple of dt")
    );
    assert!(
        msg(sim.add_spike_times(sim.population_ids()[0], 0, &[f64::NAN]))
            .contains("multiple of dt")
    );
    assert!(
        msg(sim.add_spike_times(sim.population_ids()[0], 3, &[20.0])).contains("has 3 neurons")
    );
    assert!(
        msg(sim.add_spike_times(sim.population_ids()[1], 0, &[20.0]))
            .contains("only a spike_generator")
    );
    let other = Simulation::build(&network(), 1).unwrap();
    assert!(
        msg(sim.add_spike_times(other.population_ids()[0], 0, &[20.0]))
            .contains("belongs to another network")
    );
    // one bad time refuses the whole request
    assert!(
        msg(sim.add_spike_times(sim.population_ids()[0], 1, &[20.0, 5.0])).contains("later than")
    );
    // nothing was added by the refused requests: only the planned spikes at 5 and 40 ms
    sim.run(50.0, |_, _| {}).unwrap();
    assert_eq!(
        sim.spike_trains(sim.population_ids()[0])
            .unwrap()
            .times
            .len(),
        2
    );
}
