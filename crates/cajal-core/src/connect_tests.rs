//! Connection rules draw what they promise: counts, exclusions and reproducibility.

use crate::builder::check::rule as check_rule;
use crate::connect::{draw_global, draw_per_target, draw_total_in, split_total, Drawn};
use crate::{Dist, ModelKind, PopulationDef, ProjectionDef, Rule};
use std::collections::{HashMap, HashSet};

fn proj(rule: Rule, same_pop: bool, autapses: bool, multapses: bool) -> ProjectionDef {
    ProjectionDef {
        name: "p".into(),
        source: 0,
        target: if same_pop { 0 } else { 1 },
        rule,
        weight: Dist::Uniform {
            low: 1.0,
            high: 2.0,
        },
        delay: Dist::Const(1.5),
        allow_autapses: autapses,
        allow_multapses: multapses,
        plasticity: None,
        record_weights: None,
        scaling: None,
        astrocyte: None,
        oja: None,
        tempotron: None,
        delta: None,
        tsodyks: None,
        p_transmit: None,
    }
}

/// A population of `size` neurons of `kind` with default parameters.
fn pop(name: &str, kind: ModelKind, size: usize) -> PopulationDef {
    PopulationDef {
        name: name.into(),
        kind,
        size,
        params: Default::default(),
        initial: vec![],
        spike_times: vec![],
        threshold: None,
    }
}

fn per_target(p: &ProjectionDef, ns: usize, nt: usize) -> Vec<Drawn> {
    check_rule(p, 0.1, ns, nt).unwrap();
    draw_per_target(p, 0, 42, 0.1, ns, 0..nt).unwrap()
}

fn indegrees(d: &[Drawn], nt: usize) -> Vec<usize> {
    let mut c = vec![0; nt];
    d.iter().for_each(|s| c[s.target as usize] += 1);
    c
}

#[test]
fn all_to_all_and_one_to_one_make_every_pair_once() {
    let d = per_target(&proj(Rule::AllToAll, true, false, true), 30, 30);
    assert_eq!(d.len(), 30 * 29, "autapses excluded");
    assert!(d.iter().all(|s| s.source != s.target));
    let d = per_target(&proj(Rule::OneToOne, false, true, true), 30, 30);
    assert!(d.len() == 30 && d.iter().all(|s| s.source == s.target));
}

#[test]
fn fixed_indegree_gives_each_target_exactly_k_and_respects_exclusions() {
    let d = per_target(
        &proj(Rule::FixedIndegree { indegree: 40 }, true, false, false),
        50,
        50,
    );
    assert!(indegrees(&d, 50).iter().all(|&k| k == 40));
    assert!(d.iter().all(|s| s.source != s.target), "no autapses");
    let pairs: HashSet<(u32, u32)> = d.iter().map(|s| (s.source, s.target)).collect();
    assert_eq!(pairs.len(), d.len(), "no multapses");
    // weights drawn from the distribution, delays converted to steps
    assert!(d
        .iter()
        .all(|s| (1.0..2.0).contains(&s.weight) && s.delay == 15));
}

#[test]
fn fixed_outdegree_and_total_number_make_exact_counts() {
    let p = proj(Rule::FixedOutdegree { outdegree: 7 }, false, true, false);
    let d = draw_global(&p, 0, 1, 0.1, 20, 30, &|_| true).unwrap();
    let mut out: HashMap<u32, usize> = HashMap::new();
    d.iter()
        .for_each(|s| *out.entry(s.source).or_default() += 1);
    assert!(out.len() == 20 && out.values().all(|&k| k == 7));
    // fixed_total_number: split over target groups, then drawn group by group
    for multapses in [false, true] {
        let p = proj(Rule::FixedTotalNumber { n: 123 }, true, false, multapses);
        let sizes = [7, 7, 6];
        let counts = split_total(&p, 0, 1, 20, &sizes);
        assert_eq!(counts.iter().sum::<usize>(), 123);
        let mut d = Vec::new();
        let mut first = 0;
        for (k, (&size, &count)) in sizes.iter().zip(&counts).enumerate() {
            let part = draw_total_in(&p, 0, 1, 0.1, 20, first..first + size, count, k).unwrap();
            assert!(part
                .iter()
                .all(|s| (first..first + size).contains(&(s.target as usize))));
            d.extend(part);
            first += size;
        }
        assert_eq!(d.len(), 123);
        assert!(d.iter().all(|s| s.source != s.target));
        if !multapses {
            let distinct: std::collections::HashSet<(u32, u32)> =
                d.iter().map(|s| (s.source, s.target)).collect();
            assert_eq!(distinct.len(), 123);
        }
    }
}

#[test]
fn fixed_total_number_spreads_over_target_groups_as_their_pairs() {
    // 10^4 synapses over groups of 10, 30 and 60 targets: multinomial counts with p 0.1, 0.3,
    // 0.6 (sd 30, 46, 49); distinct pairs (10^4 of 200 · 100): hypergeometric, closer
    for multapses in [true, false] {
        let p = proj(Rule::FixedTotalNumber { n: 10_000 }, false, true, multapses);
        let counts = split_total(&p, 3, 9, 200, &[10, 30, 60]);
        assert_eq!(counts.iter().sum::<usize>(), 10_000);
        for (c, share) in counts.iter().zip([0.1f64, 0.3, 0.6]) {
            let sd = (10_000.0 * share * (1.0 - share)).sqrt();
            assert!(
                (*c as f64 - 10_000.0 * share).abs() < 5.0 * sd,
                "multapses {multapses}: {counts:?}"
            );
        }
    }
    // all pairs taken: every group gets exactly its pairs
    let p = proj(Rule::FixedTotalNumber { n: 200 * 100 }, false, true, false);
    assert_eq!(
        split_total(&p, 3, 9, 200, &[10, 30, 60]),
        vec![2000, 6000, 12000]
    );
}

#[test]
fn pairwise_bernoulli_connects_with_probability_p() {
    let (n, p) = (400, 0.1);
    let d = per_target(
        &proj(Rule::PairwiseBernoulli { p }, false, true, true),
        n,
        n,
    );
    let expected = (n * n) as f64 * p;
    let sd = (expected * (1.0 - p)).sqrt();
    assert!(
        (d.len() as f64 - expected).abs() < 5.0 * sd,
        "{} synapses, expected {expected} ± {sd}",
        d.len()
    );
    // sources spread over the whole range (geometric skipping reaches the end)
    assert!(d.iter().any(|s| s.source as usize >= n - 10));
}

#[test]
fn drawing_is_reproducible_and_seed_dependent() {
    let p = proj(Rule::FixedIndegree { indegree: 10 }, false, true, true);
    let a = draw_per_target(&p, 0, 5, 0.1, 100, 0..50).unwrap();
    let b = draw_per_target(&p, 0, 5, 0.1, 100, 0..50).unwrap();
    let c = draw_per_target(&p, 0, 6, 0.1, 100, 0..50).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    // drawing a sub-range of targets gives the same synapses for those targets (partition-independent)
    let part = draw_per_target(&p, 0, 5, 0.1, 100, 20..30).unwrap();
    let whole: Vec<Drawn> = a
        .iter()
        .copied()
        .filter(|s| (20..30).contains(&s.target))
        .collect();
    assert_eq!(part, whole);
}

#[test]
fn impossible_requests_are_refused_before_drawing() {
    let too_many = proj(Rule::FixedIndegree { indegree: 11 }, true, false, false);
    assert!(check_rule(&too_many, 0.1, 11, 11)
        .unwrap_err()
        .2
        .contains("exceeds"));
    let bad_p = proj(Rule::PairwiseBernoulli { p: -0.1 }, false, true, true);
    assert!(check_rule(&bad_p, 0.1, 5, 5).is_err());
    let sizes = proj(Rule::OneToOne, false, true, true);
    assert!(check_rule(&sizes, 0.1, 5, 6).is_err());
    let short = ProjectionDef {
        delay: Dist::Const(0.04),
        ..proj(Rule::AllToAll, false, true, true)
    };
    let e = draw_per_target(&short, 0, 1, 0.1, 2, 0..2).unwrap_err();
    assert!(
        e.message.contains("shorter than one time step"),
        "{}",
        e.message
    );
}

#[test]
fn explicit_lists_are_taken_as_given_and_checked() {
    let rule = Rule::Explicit {
        sources: vec![0, 2, 2],
        targets: vec![1, 0, 1],
        weights: Some(vec![0.5, -1.0, 2.0]),
        delays: Some(vec![0.1, 2.0, 3.3]),
    };
    let p = proj(rule, false, true, true);
    let d = draw_global(&p, 0, 1, 0.1, 3, 2, &|_| true).unwrap();
    assert_eq!(
        d.iter()
            .map(|s| (s.source, s.target, s.weight, s.delay))
            .collect::<Vec<_>>(),
        vec![(0, 1, 0.5, 1), (2, 0, -1.0, 20), (2, 1, 2.0, 33)]
    );
    let outside = Rule::Explicit {
        sources: vec![5],
        targets: vec![0],
        weights: None,
        delays: None,
    };
    // refused when the projection is added, before any drawing
    let e = check_rule(&proj(outside, false, true, true), 0.1, 3, 2).unwrap_err();
    assert!(e.2.contains("row 0: pair (5, 0) is outside"), "{}", e.2);
}

/// fixed_total_number splits its synapses over blocks of 1024 targets, not over partitions (whose
/// size depends on the thread count): 5,000 targets are cut into partitions of 3, 2 and 1 blocks
/// at 1, 2 and 3 threads, and the drawn synapses are the same.
#[test]
fn fixed_total_number_draws_the_same_synapses_for_any_thread_count() {
    for multapses in [true, false] {
        let mut p = proj(Rule::FixedTotalNumber { n: 30_000 }, false, true, multapses);
        p.delay = Dist::Uniform {
            low: 1.0,
            high: 3.0,
        };
        let def = network(
            vec![
                pop("src", ModelKind::PoissonSource, 700),
                pop("tgt", ModelKind::IafPscDelta, 5000),
            ],
            p,
        );
        let one = drawn_alike_on_1_2_3_threads(&def, &format!("multapses {multapses}"));
        assert_eq!(one.len(), 30_000);
        // every block of targets got some
        let mut per_block = [0usize; 5];
        for c in &one {
            per_block[(c.1 as usize - 700) / 1024] += 1;
        }
        assert!(per_block.iter().all(|&k| k > 3000), "{per_block:?}");
    }
}

/// Global rules (`fixed_outdegree`) find each synapse's partition by where the partitions of
/// its target population start, which need not be equal in size: on two threads the target
/// population below is cut into 3,072 and 6,928 neurons (the first thread's share begins with
/// the source population), and the synapses are the same as on one thread.
#[test]
fn fixed_outdegree_draws_the_same_synapses_onto_partitions_of_unequal_size() {
    let pop = |name: &str, size| pop(name, ModelKind::IafPscDelta, size);
    let def = network(
        vec![pop("src", 3000), pop("tgt", 10_000)],
        proj(Rule::FixedOutdegree { outdegree: 5 }, false, true, true),
    );
    let one = drawn_alike_on_1_2_3_threads(&def, "fixed_outdegree");
    assert_eq!(one.len(), 15_000);
}

/// A network of `populations` with the one projection `p` (dt 0.1 ms, seed 4).
fn network(populations: Vec<PopulationDef>, p: ProjectionDef) -> crate::NetworkDef {
    crate::NetworkDef {
        dt: 0.1,
        seed: 4,
        populations,
        projections: vec![p],
        inputs: vec![],
        records: vec![],
        astrocytes: vec![],
    }
}

/// The synapses `def` draws, checked to be the same whether it is built on 1, 2 or 3 threads
/// (`what` names the case in a failure).
fn drawn_alike_on_1_2_3_threads(def: &crate::NetworkDef, what: &str) -> Vec<(u32, u32, f32, f64)> {
    let drawn = |threads| {
        crate::Simulation::build(def, threads)
            .unwrap()
            .connections()
    };
    let one = drawn(1);
    assert_eq!(one, drawn(2), "{what}: 1 and 2 threads");
    assert_eq!(one, drawn(3), "{what}: 1 and 3 threads");
    one
}
