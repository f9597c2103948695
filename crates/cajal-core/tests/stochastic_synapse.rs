//! Stochastic transmission (`bernoulli_synapse`): each synapse passes each spike whole with
//! probability `p_transmit`, independently of the others. Counted on targets that only integrate
//! (`iaf_psc_delta` without leak or threshold to speak of: V_m is the number of spikes passed,
//! at 1 mV each):
//! - p = 1 passes every spike, p = 0 none;
//! - at p = 0.3 the fraction passed is 0.3 within 4 binomial standard errors, and two synapses
//!   (onto different targets, or the same target twice) decide independently;
//! - the draws are the same for any thread count.

use cajal_core::*;

const SOURCES: usize = 20;
const TARGETS: usize = 50;
/// Spikes per source: every 2 ms for 1 s.
const SPIKES: usize = 500;

/// Every source onto every target (twice with `multapses`), weight 1 mV, passing with
/// probability `p` (static synapses without it): each target's count of spikes passed, and each
/// target's count from the first source alone (a second population receiving only it).
fn counts(p: Option<f64>, multapses: bool, threads: usize) -> (Vec<f64>, Vec<f64>) {
    let mut net = Network::new(0.1, 42).unwrap();
    let times: Vec<Vec<f64>> = (0..SOURCES)
        .map(|i| {
            (0..SPIKES)
                .map(|k| 1.0 + 2.0 * k as f64 + 0.1 * (i % 10) as f64)
                .collect()
        })
        .collect();
    let src = net
        .add_population(
            Population::new("src", ModelKind::SpikeGenerator, SOURCES).spike_times(times),
        )
        .unwrap();
    let integrator = |name: &str, n: usize| {
        Population::new(name, ModelKind::IafPscDelta, n)
            .param("E_L", 0.0)
            .param("V_reset", 0.0)
            .param("V_th", 1e9)
            .param("tau_m", 1e12)
    };
    let tgt = net.add_population(integrator("tgt", TARGETS)).unwrap();
    let rule = if multapses {
        Rule::FixedIndegree {
            indegree: 2 * SOURCES,
        }
    } else {
        Rule::AllToAll
    };
    let mut proj = Projection::new(src, tgt, rule).weight(1.0).delay(1.0);
    if multapses {
        proj = proj.autapses(true).multapses(true);
    }
    if let Some(p) = p {
        proj = proj.bernoulli(p);
    }
    net.connect(proj).unwrap();
    let mut sim = net.build(threads).unwrap();
    sim.run(1003.0, |_, _| {}).unwrap();
    let v = sim.state_now(tgt, "V_m").unwrap();
    (v.iter().map(|x| x.round()).collect(), v.to_vec())
}

#[test]
fn certain_and_impossible_transmission() {
    let (all, raw) = counts(Some(1.0), false, 1);
    let (fixed, _) = counts(None, false, 1);
    assert_eq!(all, fixed);
    assert!(
        all.iter().all(|&c| c == (SOURCES * SPIKES) as f64),
        "{all:?}"
    );
    // the integrators are exact enough to count: no leak worth a spike over the run
    assert!(raw
        .iter()
        .all(|&v| (v - (SOURCES * SPIKES) as f64).abs() < 0.05));
    let (none, _) = counts(Some(0.0), false, 1);
    assert!(none.iter().all(|&c| c == 0.0), "{none:?}");
}

#[test]
fn a_third_passes_independently() {
    let p = 0.3;
    let (c, _) = counts(Some(p), false, 1);
    let per_target = (SOURCES * SPIKES) as f64;
    let total: f64 = c.iter().sum();
    let n = per_target * TARGETS as f64;
    let se = (n * p * (1.0 - p)).sqrt();
    assert!(
        (total - n * p).abs() < 4.0 * se,
        "passed {total} of {n}, expected {}",
        n * p
    );
    // each target's count is binomial(10,000, 0.3) on its own: SD 45.8; the targets' counts vary
    // as much (were the synapses of a spike to decide alike, every target would count the same)
    assert_binomial_spread(&c, per_target * p * (1.0 - p));
}

/// The targets' counts `c` vary across targets as binomial counts of variance `expected` do
/// (within the sampling spread of a variance over 50 targets).
fn assert_binomial_spread(c: &[f64], expected: f64) {
    let mean = c.iter().sum::<f64>() / c.len() as f64;
    let var = c.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (c.len() - 1) as f64;
    assert!(
        var > 0.5 * expected && var < 1.8 * expected,
        "variance across targets {var}, binomial {expected}"
    );
}

#[test]
fn multapses_decide_apart() {
    // every target receives 2 × SOURCES synapses drawn from the sources (with repeats): the
    // count passed is binomial over all of them only if a repeated pair decides twice
    let p = 0.5;
    let (c, _) = counts(Some(p), true, 1);
    let n = (2 * SOURCES * SPIKES) as f64;
    let mean = c.iter().sum::<f64>() / TARGETS as f64;
    assert!((mean - n * p).abs() < 4.0 * (n * p * (1.0 - p) / TARGETS as f64).sqrt());
    assert_binomial_spread(&c, n * p * (1.0 - p));
}

#[test]
fn the_draws_do_not_depend_on_the_thread_count() {
    let (one, _) = counts(Some(0.4), false, 1);
    let (two, _) = counts(Some(0.4), false, 2);
    assert_eq!(one, two);
}

#[test]
fn impossible_probabilities_are_refused() {
    for p in [-0.1, 1.5, f64::NAN] {
        let mut net = Network::new(0.1, 1).unwrap();
        let a = net
            .add_population(Population::new("a", ModelKind::IafPscDelta, 2))
            .unwrap();
        let err = net
            .connect(Projection::new(a, a, Rule::AllToAll).bernoulli(p))
            .unwrap_err()
            .to_string();
        assert!(err.contains("p_transmit"), "{err}");
    }
}

/// Targets over several blocks (so that two threads cut them into two partitions), multapses,
/// and a source that spikes twice in some steps: the same draws on 1 and 2 threads, and the two
/// spikes of a step decided apart (were they decided together, each target's count would move
/// in pairs: its variance across targets would be about twice the binomial one).
#[test]
fn the_draws_do_not_depend_on_the_partitioning_and_repeated_spikes_decide_apart() {
    let run = |threads: usize| {
        let mut net = Network::new(0.1, 8).unwrap();
        // one source, every spike given twice
        let times: Vec<f64> = (0..400).flat_map(|k| [1.0 + k as f64; 2]).collect();
        let src = net
            .add_population(
                Population::new("src", ModelKind::SpikeGenerator, 1).spike_times(vec![times]),
            )
            .unwrap();
        let tgt = net
            .add_population(
                Population::new("tgt", ModelKind::IafPscDelta, 2500)
                    .param("E_L", 0.0)
                    .param("V_reset", 0.0)
                    .param("V_th", 1e9)
                    .param("tau_m", 1e12),
            )
            .unwrap();
        net.connect(
            Projection::new(src, tgt, Rule::FixedIndegree { indegree: 2 })
                .multapses(true)
                .weight(1.0)
                .delay(1.0)
                .bernoulli(0.5),
        )
        .unwrap();
        let mut sim = net.build(threads).unwrap();
        let parts = sim.population_info(tgt).unwrap().partitions.len();
        assert!(parts >= threads, "{parts} partitions on {threads} threads");
        sim.run(403.0, |_, _| {}).unwrap();
        let v = sim.state_now(tgt, "V_m").unwrap();
        v.iter().map(|x| x.round()).collect::<Vec<f64>>()
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(one, two);
    // each target: 2 synapses × 800 spikes, binomial(1600, 0.5): variance 400
    let n = one.len() as f64;
    let mean = one.iter().sum::<f64>() / n;
    let var = one.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    assert!(
        (mean - 800.0).abs() < 4.0 * (400.0 / n).sqrt(),
        "mean {mean}"
    );
    assert!(var > 320.0 && var < 480.0, "variance {var}, binomial 400");
}
