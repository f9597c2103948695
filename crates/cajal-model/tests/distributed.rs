//! A network cut over several processes (ranks that are threads here, exchanging through
//! `cajal_core::InProcess` exactly as MPI ranks do through MPI) gives bit-identical spikes and
//! weights to the same network in one process, whatever the numbers of ranks and threads.

use cajal_core::{Communicator, InProcess, Simulation};
use cajal_model::Model;

/// Every recorded spike of every population, `(population, time, sender)`, sorted; and every
/// recorded weight, `(projection, source, target, weight bits)`, sorted.
#[derive(Debug, PartialEq)]
struct Outputs {
    spikes: Vec<(usize, u64, u32)>,
    weights: Vec<(usize, u32, u32, u64)>,
    synapses: u64,
}

fn outputs_of(sim: &Simulation) -> Outputs {
    let mut spikes = Vec::new();
    for (pi, id) in sim.population_ids().into_iter().enumerate() {
        let s = sim.spike_trains(id).unwrap();
        for (t, i) in s.times.iter().zip(&s.senders) {
            spikes.push((pi, t.to_bits(), *i));
        }
    }
    let mut weights = Vec::new();
    for (ji, (id, _)) in sim.projection_ids().into_iter().enumerate() {
        if let Some(w) = sim.weights(id).unwrap() {
            for k in 0..w.weights.len() {
                weights.push((ji, w.sources[k], w.targets[k], w.weights[k].to_bits()));
            }
        }
    }
    Outputs {
        spikes,
        weights,
        synapses: sim.synapses(),
    }
}

fn merge(parts: Vec<Outputs>) -> Outputs {
    let synapses = parts[0].synapses;
    let mut all = Outputs {
        spikes: Vec::new(),
        weights: Vec::new(),
        synapses,
    };
    for p in parts {
        assert_eq!(p.synapses, synapses, "every rank counts every synapse");
        all.spikes.extend(p.spikes);
        all.weights.extend(p.weights);
    }
    all.spikes.sort_unstable();
    all.weights.sort_unstable();
    all
}

fn model(text: &str, duration: f64) -> Model {
    let mut m = cajal_model::load_str(text, "test.toml", None).unwrap();
    m.duration = duration;
    m
}

/// The model run in one process on `threads` threads.
fn single(m: &Model, threads: usize) -> Outputs {
    let mut sim = m.network.build(threads).unwrap();
    sim.run(m.duration, |_, _| {}).unwrap();
    let mut o = outputs_of(&sim);
    o.spikes.sort_unstable();
    o.weights.sort_unstable();
    o
}

/// The model run over `ranks` in-process ranks of `threads` threads each, in two pieces (as a
/// command line run with progress does).
fn distributed(m: &Model, ranks: usize, threads: usize) -> Outputs {
    let parts = std::thread::scope(|s| {
        let handles: Vec<_> = InProcess::group(ranks)
            .into_iter()
            .map(|comm| {
                s.spawn(move || {
                    assert_eq!(comm.processes(), ranks);
                    let mut sim = m
                        .network
                        .build_distributed(threads, Box::new(comm))
                        .unwrap();
                    let half = (m.duration / 2.0 / sim.dt()).round() * sim.dt();
                    sim.run(half, |_, _| {}).unwrap();
                    sim.run(m.duration - half, |_, _| {}).unwrap();
                    outputs_of(&sim)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    // the cut is real: more than one rank holds neurons that fired
    let holding = parts.iter().filter(|p| !p.spikes.is_empty()).count();
    assert!(holding >= 2, "{ranks} ranks: only {holding} fired");
    merge(parts)
}

fn check(m: &Model, what: &str) {
    let reference = single(m, 1);
    assert!(
        reference.spikes.len() > 100,
        "{what}: too few spikes to compare ({})",
        reference.spikes.len()
    );
    for (ranks, threads) in [(2, 1), (3, 1), (2, 2), (3, 2)] {
        let d = distributed(m, ranks, threads);
        assert_eq!(d.synapses, reference.synapses, "{what}: {ranks} ranks");
        assert_eq!(
            d.spikes.len(),
            reference.spikes.len(),
            "{what}: {ranks} ranks x {threads} threads"
        );
        assert!(
            d.spikes == reference.spikes,
            "{what}: {ranks} ranks x {threads} threads: other spikes"
        );
        assert!(
            d.weights == reference.weights,
            "{what}: {ranks} ranks x {threads} threads: other weights"
        );
    }
}

#[test]
fn brunel_is_bit_identical_over_ranks() {
    check(&model(cajal_model::DEFAULT_MODEL, 100.0), "brunel");
}

#[test]
fn a_plastic_network_is_bit_identical_over_ranks() {
    // Song 2000's one neuron lies on one rank; here the plastic E->E synapses (pair STDP,
    // weights recorded every 50 ms) end on neurons of every rank, and the spikes that drive
    // them come from every rank
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/stdp_recurrent.toml"
    ))
    .unwrap();
    let m = model(&text, 300.0);
    let reference = single(&m, 1);
    assert!(
        reference.weights.len() > 100_000,
        "the E->E weights are recorded ({})",
        reference.weights.len()
    );
    check(&m, "plastic");
}

#[test]
fn heterogeneous_delays_and_global_rules_are_bit_identical_over_ranks() {
    check(&model(NETWORK, 300.0), "heterogeneous delays");
}

/// Excitatory and inhibitory populations of two neuron models, fixed_outdegree (drawn globally,
/// dropped by the ranks that do not hold the targets), pairwise_bernoulli and
/// fixed_total_number, delays from 1 to 20 ms (spikes of different steps meet in one ring
/// slot), Poisson drive.
const NETWORK: &str = r#"
[simulation]
dt = 0.1
duration = 300.0
seed = 11

[[population]]
name = "E"
model = "iaf_psc_exp"
size = 3000
initial = { V_m = { distribution = "uniform", low = -70.0, high = -55.0 } }

[[population]]
name = "I"
model = "iaf_psc_alpha"
size = 700

[[projection]]
source = "E"
target = "E"
rule = "fixed_outdegree"
outdegree = 50
weight = 30.0
delay = { distribution = "uniform", low = 1.0, high = 20.0 }

[[projection]]
source = "E"
target = "I"
rule = "fixed_outdegree"
outdegree = 15
weight = 30.0
delay = { distribution = "uniform", low = 1.0, high = 20.0 }

[[projection]]
source = "I"
target = "E"
rule = "pairwise_bernoulli"
p = 0.05
weight = -90.0
delay = 0.5

[[projection]]
source = "I"
target = "I"
rule = "fixed_total_number"
n = 5000
weight = -90.0
delay = 0.7

[[input]]
type = "poisson_generator"
target = "E"
rate = 9000.0
weight = 40.0

[[input]]
type = "poisson_generator"
target = "I"
rate = 9000.0
weight = 40.0

[[record]]
population = "E"

[[record]]
population = "I"
"#;
