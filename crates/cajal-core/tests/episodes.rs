//! Episodes (`Simulation::reset_activity`, `add_spike_events` and `add_spike_steps`,
//! `spike_counts_into`): after a
//! reset the network answers an input exactly as it did the first time (nothing of the activity
//! carries over: membranes, currents, refractoriness, rings, spikes in flight), while plastic
//! weights keep what they learned and their traces start again from silence.

use cajal_core::*;

const DT: f64 = 0.1;
const EPISODE: f64 = 60.0;

/// The input of one episode: 20 generators, each spiking a few times, as events relative to the
/// episode's start.
fn input() -> (Vec<u32>, Vec<f64>) {
    let (mut senders, mut times) = (Vec::new(), Vec::new());
    for n in 0..20u32 {
        for k in 0..4u32 {
            senders.push(n);
            times.push(DT * (1 + (n * 37 + k * 113) % 500) as f64);
        }
    }
    (senders, times)
}

/// Generators into 30 iaf_psc_exp neurons, which are recurrently connected, with delays of 1 to
/// 3 ms and initial membranes drawn at random: activity that lasts past an episode.
fn recurrent() -> (Simulation, PopulationId, PopulationId) {
    let mut net = Network::new(DT, 7).unwrap();
    let g = net
        .add_population(Population::new("gen", ModelKind::SpikeGenerator, 20))
        .unwrap();
    let e = net
        .add_population(
            Population::new("exc", ModelKind::IafPscExp, 30)
                .param("tau_m", 20.0)
                .initial(
                    "V_m",
                    Dist::Uniform {
                        low: -70.0,
                        high: -56.0,
                    },
                ),
        )
        .unwrap();
    net.connect(
        Projection::new(g, e, Rule::FixedIndegree { indegree: 6 })
            .weight(400.0)
            .delay(Dist::Uniform {
                low: 1.0,
                high: 3.0,
            }),
    )
    .unwrap();
    net.connect(
        Projection::new(e, e, Rule::FixedIndegree { indegree: 5 })
            .weight(150.0)
            .delay(Dist::Uniform {
                low: 1.0,
                high: 3.0,
            }),
    )
    .unwrap();
    net.add_record(Record::spikes(e)).unwrap();
    (net.build(1).unwrap(), g, e)
}

/// The spikes of `pop` in [from, from + EPISODE) ms, as (time from `from`, sender).
fn spikes_in(sim: &Simulation, pop: PopulationId, from: f64) -> Vec<(i64, u32)> {
    let tr = sim.spike_trains(pop).unwrap();
    tr.times
        .iter()
        .zip(&tr.senders)
        .filter(|(&t, _)| t > from && t <= from + EPISODE)
        .map(|(&t, &s)| (((t - from) / DT).round() as i64, s))
        .collect()
}

fn episode(sim: &mut Simulation, g: PopulationId) -> f64 {
    let start = sim.time_ms();
    let (senders, times) = input();
    let times: Vec<f64> = times
        .iter()
        .map(|t| ((start + t) / DT).round() * DT)
        .collect();
    sim.add_spike_events(g, &senders, &times).unwrap();
    sim.run(EPISODE, |_, _| {}).unwrap();
    start
}

#[test]
fn after_a_reset_the_network_answers_as_the_first_time() {
    let (mut sim, g, e) = recurrent();
    let first = episode(&mut sim, g);
    let answer = spikes_in(&sim, e, first);
    assert!(
        answer.len() > 30,
        "{} spikes: too few to compare",
        answer.len()
    );
    // the recurrent activity and the spikes in flight outlast the episode: without a reset the
    // same input gets another answer (the test can fail)
    let carried = episode(&mut sim, g);
    assert_ne!(spikes_in(&sim, e, carried), answer);
    for _ in 0..3 {
        sim.reset_activity();
        let again = episode(&mut sim, g);
        assert_eq!(spikes_in(&sim, e, again), answer);
    }
}

#[test]
fn spikes_given_by_step_are_the_spikes_given_by_time() {
    let (mut by_time, g, e) = recurrent();
    let (mut by_step, g2, e2) = recurrent();
    let (senders, times) = input();
    for _ in 0..2 {
        let start = episode(&mut by_time, g);
        // the spike at time t is emitted in the step that ends at t
        let now = by_step.steps_done();
        let steps: Vec<u64> = times
            .iter()
            .map(|t| now + (t / DT).round() as u64 - 1)
            .collect();
        by_step.add_spike_steps(g2, &senders, &steps).unwrap();
        by_step.run(EPISODE, |_, _| {}).unwrap();
        let answer = spikes_in(&by_time, e, start);
        assert!(answer.len() > 30, "{} spikes: too few", answer.len());
        assert_eq!(spikes_in(&by_step, e2, start), answer);
        by_time.reset_activity();
        by_step.reset_activity();
    }
    let now = by_step.steps_done();
    let refused = by_step.add_spike_steps(g2, &[3], &[now - 1]);
    assert!(refused
        .unwrap_err()
        .to_string()
        .contains("must not be before the current step"));
    let refused = by_step.add_spike_steps(g2, &[0, 1], &[now]);
    assert!(refused
        .unwrap_err()
        .to_string()
        .contains("one time per sender"));
}

#[test]
fn spike_counts_of_an_episode_are_read_without_allocating() {
    let (mut sim, g, e) = recurrent();
    let (mut before, mut after) = (Vec::new(), Vec::new());
    sim.spike_counts_into(e, &mut before).unwrap();
    let start = episode(&mut sim, g);
    sim.spike_counts_into(e, &mut after).unwrap();
    let capacity = after.capacity();
    let counted: u32 = after.iter().zip(&before).map(|(a, b)| a - b).sum();
    assert_eq!(counted as usize, spikes_in(&sim, e, start).len());
    sim.spike_counts_into(e, &mut after).unwrap();
    assert_eq!(after.capacity(), capacity);
    // the schedules drop emitted spikes: many episodes keep a generator's list short
    for _ in 0..50 {
        sim.reset_activity();
        episode(&mut sim, g);
    }
    let refused = sim.add_spike_events(g, &[0, 25], &[sim.time_ms() + 1.0, sim.time_ms() + 1.0]);
    assert!(refused.unwrap_err().to_string().contains("has 20 neurons"));
    let refused = sim.add_spike_events(g, &[0], &[sim.time_ms()]);
    assert!(refused
        .unwrap_err()
        .to_string()
        .contains("later than the current time"));
    let refused = sim.add_spike_events(g, &[0, 1], &[sim.time_ms() + 1.0]);
    assert!(refused
        .unwrap_err()
        .to_string()
        .contains("one time per sender"));
    let refused = sim.add_spike_events(e, &[0], &[sim.time_ms() + 1.0]);
    assert!(refused
        .unwrap_err()
        .to_string()
        .contains("only a spike_generator"));
}

/// Pre generators onto one neuron through plastic synapses too weak to make it fire (its spikes
/// come from its own drive), with the additive pair rule away from its bounds: an episode
/// changes each weight by the pairings within it alone, so two episodes with the same spikes
/// change the weights by the same amounts, if and only if the traces of the first are forgotten.
#[test]
fn weights_stay_and_traces_start_again_after_a_reset() {
    let mut net = Network::new(DT, 3).unwrap();
    let pre = net
        .add_population(Population::new("pre", ModelKind::SpikeGenerator, 20))
        .unwrap();
    let drive = net
        .add_population(Population::new("drive", ModelKind::SpikeGenerator, 1))
        .unwrap();
    let post = net
        .add_population(Population::new("post", ModelKind::IafPscDelta, 1))
        .unwrap();
    let rule = PlasticityDef::Stdp {
        tau_plus: 16.8,
        tau_minus: 33.7,
        lambda: 0.01,
        alpha: 1.2,
        mu_plus: 0.0,
        mu_minus: 0.0,
        w_max: 1.0,
        pairing: Pairing::AllToAll,
        symmetric: false,
        zero_lag: Default::default(),
    };
    let plastic = net
        .connect(
            Projection::new(pre, post, Rule::AllToAll)
                .weight(0.5)
                .delay(1.0)
                .plastic(rule),
        )
        .unwrap();
    net.connect(
        Projection::new(drive, post, Rule::AllToAll)
            .weight(100.0)
            .delay(1.0),
    )
    .unwrap();
    let mut sim = net.build(1).unwrap();
    let weights = |sim: &Simulation| sim.weights(plastic).unwrap().expect("plastic").weights;
    let play = |sim: &mut Simulation| {
        let start = sim.time_ms();
        let (senders, times) = input();
        let times: Vec<f64> = times
            .iter()
            .map(|t| ((start + t) / DT).round() * DT)
            .collect();
        sim.add_spike_events(pre, &senders, &times).unwrap();
        let posts: Vec<f64> = [5.0, 18.3, 31.7, 47.2, 59.9]
            .iter()
            .map(|t| ((start + t) / DT).round() * DT)
            .collect();
        sim.add_spike_events(drive, &vec![0; posts.len()], &posts)
            .unwrap();
        let before = weights(sim);
        sim.run(EPISODE, |_, _| {}).unwrap();
        let after = weights(sim);
        after
            .iter()
            .zip(&before)
            .map(|(a, b)| a - b)
            .collect::<Vec<f64>>()
    };
    let first = play(&mut sim);
    assert!(
        first.iter().any(|d| d.abs() > 1e-4),
        "no learning: {first:?}"
    );
    // without a reset, the last episode's traces pair with the next one's first spikes
    let carried = play(&mut sim);
    let gap = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    };
    assert!(gap(&carried, &first) > 1e-5, "{}", gap(&carried, &first));
    let kept = weights(&sim);
    sim.reset_activity();
    assert_eq!(weights(&sim), kept, "a reset changed the weights");
    let again = play(&mut sim);
    // the same pairings: the same changes, up to the rounding of the additions
    assert!(gap(&again, &first) < 1e-12, "{}", gap(&again, &first));
}

/// With learning off, spikes leave the plastic weights and the adaptive thresholds as they are
/// (and the weights still carry the input); on again, both move.
#[test]
fn learning_can_be_turned_off_for_testing() {
    let mut net = Network::new(DT, 3).unwrap();
    let pre = net
        .add_population(Population::new("pre", ModelKind::SpikeGenerator, 20))
        .unwrap();
    let post = net
        .add_population(
            Population::new("post", ModelKind::IafPscDelta, 2).threshold(ThresholdDef::Adaptive {
                theta_plus: 0.5,
                tau_theta: 1e7,
            }),
        )
        .unwrap();
    let plastic = net
        .connect(
            Projection::new(pre, post, Rule::AllToAll)
                .weight(4.0)
                .delay(1.0)
                .plastic(PlasticityDef::Stdp {
                    tau_plus: 16.8,
                    tau_minus: 33.7,
                    lambda: 0.01,
                    alpha: 1.2,
                    mu_plus: 0.0,
                    mu_minus: 0.0,
                    w_max: 10.0,
                    pairing: Pairing::AllToAll,
                    symmetric: false,
                    zero_lag: Default::default(),
                }),
        )
        .unwrap();
    let mut sim = net.build(1).unwrap();
    let weights = |sim: &Simulation| sim.weights(plastic).unwrap().expect("plastic").weights;
    let theta = |sim: &Simulation| sim.state_now(post, "theta").unwrap();
    let play = |sim: &mut Simulation| -> u32 {
        let (mut before, mut after) = (Vec::new(), Vec::new());
        sim.spike_counts_into(post, &mut before).unwrap();
        sim.reset_activity();
        let start = sim.time_ms();
        let (senders, times) = input();
        let times: Vec<f64> = times
            .iter()
            .map(|t| ((start + t) / DT).round() * DT)
            .collect();
        sim.add_spike_events(pre, &senders, &times).unwrap();
        sim.run(EPISODE, |_, _| {}).unwrap();
        sim.spike_counts_into(post, &mut after).unwrap();
        after.iter().zip(&before).map(|(a, b)| a - b).sum()
    };
    let fired = play(&mut sim);
    assert!(
        fired > 0,
        "the post neurons must fire for the test to mean something"
    );
    sim.set_learning(false);
    let (w, th) = (weights(&sim), theta(&sim));
    let frozen_fired = play(&mut sim);
    assert!(frozen_fired > 0);
    assert_eq!(weights(&sim), w, "weights moved with learning off");
    assert_eq!(theta(&sim), th, "thresholds moved with learning off");
    // the same input, the same frozen network: the same answer
    assert_eq!(play(&mut sim), frozen_fired);
    sim.set_learning(true);
    play(&mut sim);
    assert_ne!(weights(&sim), w);
    assert_ne!(theta(&sim), th);
}

/// A simulation restored from a checkpoint resets to the state its network was built with,
/// as the one that wrote it does (the built state is not saved: it comes from the build).
#[test]
fn a_restored_simulation_resets_as_the_original() {
    let (mut sim, g, e) = recurrent();
    let first = episode(&mut sim, g);
    let answer = spikes_in(&sim, e, first);
    episode(&mut sim, g);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ck.ckpt");
    sim.save_checkpoint(&path, b"").unwrap();
    let (mut restored, g2, e2) = recurrent();
    restored.restore(Checkpoint::read(&path).unwrap()).unwrap();
    for s in [&mut sim, &mut restored] {
        s.reset_activity();
    }
    let a = episode(&mut sim, g);
    let b = episode(&mut restored, g2);
    assert_eq!(spikes_in(&sim, e, a), answer);
    assert_eq!(spikes_in(&restored, e2, b), answer);
}
