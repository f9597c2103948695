//! Clamping a population to a teacher's spikes (`Simulation::clamp_spikes`, `release_clamp`):
//! while clamped, a population emits exactly the scheduled spikes, whatever its input, and its
//! targets and plastic synapses see those; released, it fires on its own again.

use cajal_core::*;

const DT: f64 = 0.5;

/// Generators driving 4 neurons hard, which excite 4 followers one to one; the generator →
/// driven projection learns with STDP. Returns the simulation and the three populations.
fn network(threads: usize) -> (Simulation, PopulationId, PopulationId, PopulationId) {
    let mut net = Network::new(DT, 3).unwrap();
    let g = net
        .add_population(Population::new("gen", ModelKind::SpikeGenerator, 4))
        .unwrap();
    let lif = |name: &str| Population::new(name, ModelKind::IafPscDelta, 4).param("t_ref", 1.0);
    let driven = net.add_population(lif("driven")).unwrap();
    let follower = net.add_population(lif("follower")).unwrap();
    net.connect(
        Projection::new(g, driven, Rule::OneToOne)
            .weight(5.0)
            .delay(DT)
            .plastic(PlasticityDef::Stdp {
                tau_plus: 20.0,
                tau_minus: 20.0,
                lambda: 0.01,
                alpha: 1.0,
                mu_plus: 0.0,
                mu_minus: 0.0,
                w_max: 30.0,
                pairing: Pairing::AllToAll,
                symmetric: false,
                zero_lag: Default::default(),
            }),
    )
    .unwrap();
    net.connect(
        Projection::new(driven, follower, Rule::OneToOne)
            .weight(30.0)
            .delay(DT),
    )
    .unwrap();
    (net.build(threads).unwrap(), g, driven, follower)
}

/// The generators fire every step for 100 steps: unclamped, every driven neuron fires often.
fn drive(sim: &mut Simulation, g: PopulationId) {
    let now = sim.steps_done();
    let (senders, steps): (Vec<u32>, Vec<u64>) = (0..100u64)
        .flat_map(|k| (0..4u32).map(move |n| (n, now + k)))
        .unzip();
    sim.add_spike_steps(g, &senders, &steps).unwrap();
}

fn counts(sim: &Simulation, pop: PopulationId) -> Vec<u32> {
    let mut out = Vec::new();
    sim.spike_counts_into(pop, &mut out).unwrap();
    out
}

#[test]
fn a_clamped_population_emits_its_schedule_and_its_targets_see_it() {
    for threads in [1, 2] {
        let (mut sim, g, driven, follower) = network(threads);
        drive(&mut sim, g);
        // neuron 1 fires at steps 10, 20, 30; neuron 3 at 50; the others never
        sim.clamp_spikes(driven, &[1, 1, 3, 1], &[10, 20, 50, 30])
            .unwrap();
        sim.run(50.0, |_, _| {}).unwrap();
        assert_eq!(counts(&sim, driven), vec![0, 3, 0, 1], "threads {threads}");
        // the followers fire on the clamped spikes (one step later), not on the drive
        assert_eq!(
            counts(&sim, follower),
            vec![0, 3, 0, 1],
            "threads {threads}"
        );
        // plastic synapses saw the clamped spikes as postsynaptic ones: only those onto 1 and 3
        // changed (without a postsynaptic spike, additive STDP moves nothing)
        let w = sim
            .weights(sim.projection_ids()[0].0)
            .unwrap()
            .unwrap()
            .weights;
        assert!(w[1] != 5.0 && w[3] != 5.0, "{w:?}");
        assert!(w[0] == 5.0 && w[2] == 5.0, "{w:?}");
        // released: the drive makes the neurons whose synapse kept its weight fire on their own
        sim.release_clamp(driven).unwrap();
        drive(&mut sim, g);
        sim.run(50.0, |_, _| {}).unwrap();
        let after = counts(&sim, driven);
        assert!(after[0] > 5 && after[2] > 5, "{after:?}");
    }
}

/// The same clamp given by time (as spike generators take their spikes: the spike at `t` is
/// emitted in the step that ends at `t`) as by step.
#[test]
fn a_clamp_by_time_is_the_clamp_by_step() {
    let run = |by_time: bool| {
        let (mut sim, g, driven, follower) = network(1);
        drive(&mut sim, g);
        let (senders, steps) = ([1u32, 1, 3, 1], [10u64, 20, 50, 30]);
        if by_time {
            let times: Vec<f64> = steps.iter().map(|&s| (s + 1) as f64 * DT).collect();
            sim.clamp_spike_times(driven, &senders, &times).unwrap();
        } else {
            sim.clamp_spikes(driven, &senders, &steps).unwrap();
        }
        sim.run(50.0, |_, _| {}).unwrap();
        (counts(&sim, driven), counts(&sim, follower))
    };
    assert_eq!(run(true), run(false));
    assert_eq!(run(true).0, vec![0, 3, 0, 1]);
}

#[test]
fn a_clamp_is_refused_for_sources_and_impossible_schedules() {
    let (mut sim, g, driven, _) = network(1);
    sim.run(5.0, |_, _| {}).unwrap();
    let now = sim.steps_done();
    let refused = |r: Result<(), ScheduleError>, needle: &str| {
        let e = r.expect_err(needle).to_string();
        assert!(e.contains(needle), "{e}");
    };
    refused(sim.clamp_spikes(g, &[0], &[now]), "spike_generator");
    refused(sim.clamp_spikes(driven, &[4], &[now]), "has 4 neurons");
    refused(
        sim.clamp_spikes(driven, &[0], &[now - 1]),
        "before the current step",
    );
    refused(
        sim.clamp_spikes(driven, &[2, 2], &[now + 3, now + 3]),
        "twice",
    );
    refused(
        sim.clamp_spikes(driven, &[2, 2], &[now + 3]),
        "one time per sender",
    );
    refused(
        sim.clamp_spike_times(driven, &[1], &[1e4 + 0.3]),
        "multiple of dt",
    );
    refused(
        sim.clamp_spike_times(driven, &[1], &[now as f64 * DT]),
        "later than the current time",
    );
    // nothing was clamped by the refused calls: the drive makes the neurons fire
    drive(&mut sim, g);
    sim.run(50.0, |_, _| {}).unwrap();
    assert!(counts(&sim, driven).iter().all(|&c| c > 5));
}
