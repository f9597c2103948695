//! The delta rule on presynaptic traces (`Projection::delta`, `Simulation::delta_teach`) and
//! HLOP's protection (`Simulation::oja_fix_rows`, `Simulation::delta_protect`): the engine's
//! corrections equal the rule computed here from the input spike times and the targets' spike
//! counts alone (to 1e-12), a protected subspace is left exactly alone by later updates, fixed
//! Oja rows stay bit for bit while the others learn, consolidation pulls by its formula, and
//! wrong calls are refused with a reason.

use cajal_core::*;
use rand::{Rng, SeedableRng};

const DT: f64 = 0.1;
const DELAY: f64 = 1.0;
const RULE: DeltaDef = DeltaDef { eta: 0.3, tau: 4.0 };

struct Net {
    sim: Simulation,
    gen: PopulationId,
    out: PopulationId,
    delta: ProjectionId,
    oja: ProjectionId,
}

/// `n` generators onto `targets` `iaf_psc_delta` neurons through the delta rule (weights 0, or
/// `w` mV), and onto `rows` lateral neurons through Oja's rule.
fn network(n: usize, targets: usize, rows: usize, w: f64, threads: usize) -> Net {
    let mut net = Network::new(DT, 5).unwrap();
    let gen = net
        .add_population(Population::new("in", ModelKind::SpikeGenerator, n))
        .unwrap();
    let out = net
        .add_population(
            Population::new("out", ModelKind::IafPscDelta, targets)
                .param("tau_m", 10.0)
                .param("t_ref", 0.5),
        )
        .unwrap();
    let lateral = net
        .add_population(
            Population::new("lateral", ModelKind::IafPscDelta, rows).param("V_th", 1e12),
        )
        .unwrap();
    let delta = net
        .connect(
            Projection::new(gen, out, Rule::AllToAll)
                .weight(w)
                .delay(DELAY)
                .delta(RULE),
        )
        .unwrap();
    let oja = net
        .connect(
            Projection::new(gen, lateral, Rule::AllToAll)
                .weight(0.0)
                .delay(DELAY)
                .oja(OjaDef {
                    eta: 5e-3,
                    every: 20.0,
                }),
        )
        .unwrap();
    let sim = net.build(threads).unwrap();
    Net {
        sim,
        gen,
        out,
        delta,
        oja,
    }
}

/// Random spike times (ms, on the grid, within `(from, from + span]`) for `n` sources.
fn spikes(n: usize, from: f64, span: f64, rng: &mut impl Rng) -> (Vec<u32>, Vec<f64>) {
    let (mut senders, mut times) = (Vec::new(), Vec::new());
    for j in 0..n {
        for _ in 0..rng.random_range(0..6) {
            let k = rng.random_range(1..=(span / DT) as u64);
            senders.push(j as u32);
            times.push(from + k as f64 * DT);
        }
    }
    (senders, times)
}

/// The trace integrals computed here: a spike at `t` reaches the targets at `t + DELAY` and adds
/// `1 − e^{−(end − t − DELAY)/τ}` if that is not after the presentation's `end`.
fn traces(n: usize, senders: &[u32], times: &[f64], end: f64) -> Vec<f64> {
    let mut x = vec![0.0; n];
    for (&j, &t) in senders.iter().zip(times) {
        let s = end - (t + DELAY);
        if s >= -1e-9 {
            x[j as usize] += 1.0 - (-s.max(0.0) / RULE.tau).exp();
        }
    }
    x
}

/// The weights of `proj` by target, then source.
fn by_target(sim: &Simulation, proj: ProjectionId, n: usize, targets: usize) -> Vec<f64> {
    let w = sim.weights(proj).unwrap().unwrap().weights;
    (0..targets)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .map(|(i, j)| w[j * targets + i])
        .collect()
}

/// Weights given by target, then source, in the by-source order `set_weights` takes.
fn by_source(w: &[f64], n: usize, targets: usize) -> Vec<f64> {
    (0..n)
        .flat_map(|j| (0..targets).map(move |i| w[i * n + j]))
        .collect()
}

/// One presentation of `span` ms with random input; returns (senders, times, end, counts).
fn present(
    net: &mut Net,
    n: usize,
    span: f64,
    rng: &mut impl Rng,
) -> (Vec<u32>, Vec<f64>, f64, Vec<u32>) {
    net.sim.reset_activity();
    let from = net.sim.time_ms();
    let (senders, times) = spikes(n, from, span - DT, rng);
    net.sim.add_spike_events(net.gen, &senders, &times).unwrap();
    let mut before = Vec::new();
    net.sim.spike_counts_into(net.out, &mut before).unwrap();
    net.sim.run(span, |_, _| {}).unwrap();
    let mut after = Vec::new();
    net.sim.spike_counts_into(net.out, &mut after).unwrap();
    let counts = after.iter().zip(&before).map(|(a, b)| a - b).collect();
    (senders, times, from + span, counts)
}

#[test]
fn the_correction_is_eta_times_the_count_error_times_the_trace_integrals() {
    let (n, targets) = (12, 3);
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
    for threads in [1, 2] {
        // weights of 6 mV: the targets fire, so counts enter the error
        let mut net = network(n, targets, 2, 6.0, threads);
        let mut fired = 0;
        for _ in 0..5 {
            let before = by_target(&net.sim, net.delta, n, targets);
            let (senders, times, end, counts) = present(&mut net, n, 30.0, &mut rng);
            fired += counts.iter().filter(|&&c| c > 0).count();
            let answer = net.sim.delta_answer(net.delta).unwrap();
            assert_eq!(
                answer.counts,
                counts.iter().map(|&c| c as u64).collect::<Vec<_>>()
            );
            let x = traces(n, &senders, &times, end);
            for i in 0..targets {
                let drive: f64 = (0..n).map(|j| before[i * n + j] * x[j]).sum();
                assert!((answer.drive[i] - drive).abs() <= 1e-12 * drive.abs().max(1.0));
            }
            let desired = [Some(3.0), Some(0.0), None];
            let wrong = net.sim.delta_teach(net.delta, &desired).unwrap();
            let after = by_target(&net.sim, net.delta, n, targets);
            let mut expect_wrong = 0;
            for i in 0..targets {
                let e = desired[i].map_or(0.0, |d| d - counts[i] as f64);
                expect_wrong += usize::from(desired[i].is_some() && e != 0.0);
                for j in 0..n {
                    let want = before[i * n + j] + RULE.eta * e * x[j];
                    let got = after[i * n + j];
                    assert!(
                        (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                        "target {i} source {j}: {got} against {want}"
                    );
                }
            }
            assert_eq!(wrong, expect_wrong);
        }
        assert!(fired > 0, "the targets should fire in some presentations");
    }
}

#[test]
fn a_protected_subspace_is_left_alone_by_later_corrections() {
    let (n, targets, rows) = (10, 2, 3);
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(2);
    let mut net = network(n, targets, rows, 0.0, 1);
    // three orthonormal rows: the first three coordinate axes turned by a rotation
    let h: Vec<Vec<f64>> = (0..rows)
        .map(|r| {
            let mut v = vec![0.0; n];
            v[2 * r] = 0.6;
            v[2 * r + 1] = 0.8;
            v
        })
        .collect();
    let flat: Vec<f64> = h.iter().flatten().copied().collect();
    net.sim
        .set_weights(net.oja, &by_source(&flat, n, rows))
        .unwrap();
    // nothing fixed, nothing protected
    assert_eq!(net.sim.delta_protect(net.delta, net.oja).unwrap(), 0);
    net.sim.oja_fix_rows(net.oja, rows).unwrap();
    assert_eq!(net.sim.delta_protect(net.delta, net.oja).unwrap(), rows);
    for _ in 0..4 {
        let before = by_target(&net.sim, net.delta, n, targets);
        let (senders, times, end, counts) = present(&mut net, n, 25.0, &mut rng);
        net.sim
            .delta_teach(net.delta, &[Some(4.0), Some(1.0)])
            .unwrap();
        let after = by_target(&net.sim, net.delta, n, targets);
        // the update, computed here: x projected out of the span of h
        let mut x = traces(n, &senders, &times, end);
        for v in &h {
            let d: f64 = v.iter().zip(&x).map(|(a, b)| a * b).sum();
            x.iter_mut().zip(v).for_each(|(a, b)| *a -= d * b);
        }
        for i in 0..targets {
            let e = [4.0, 1.0][i] - counts[i] as f64;
            let change: Vec<f64> = (0..n)
                .map(|j| after[i * n + j] - before[i * n + j])
                .collect();
            for j in 0..n {
                assert!((change[j] - RULE.eta * e * x[j]).abs() < 1e-12);
            }
            // no change along any protected direction
            for v in &h {
                let along: f64 = v.iter().zip(&change).map(|(a, b)| a * b).sum();
                assert!(
                    along.abs() < 1e-12,
                    "changed by {along} along a protected row"
                );
            }
        }
    }
    // the fixed rows did not learn
    let rows_now = by_target(&net.sim, net.oja, n, rows);
    assert_eq!(rows_now, flat);
}

#[test]
fn fixed_oja_rows_stay_while_the_others_learn_orthogonally_to_them() {
    let (n, rows) = (8, 3);
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(3);
    let mut net = network(n, 1, rows, 0.0, 1);
    let mut w = vec![0.0; rows * n];
    w[0] = 1.0; // row 0: the first source
    for v in w.iter_mut().skip(n) {
        *v = rng.random_range(-0.3..0.3);
    }
    net.sim
        .set_weights(net.oja, &by_source(&w, n, rows))
        .unwrap();
    net.sim.oja_fix_rows(net.oja, 1).unwrap();
    // windows of 20 ms with correlated input: source 0 with most others
    for _ in 0..1000 {
        let from = net.sim.time_ms();
        let (mut senders, mut times) = (Vec::new(), Vec::new());
        for k in 1..=rng.random_range(2..6) {
            let t = from + k as f64;
            for j in 0..n {
                if j == 0 || rng.random_bool(0.5) {
                    senders.push(j as u32);
                    times.push(t);
                }
            }
        }
        net.sim.add_spike_events(net.gen, &senders, &times).unwrap();
        net.sim.run(20.0, |_, _| {}).unwrap();
    }
    let now = by_target(&net.sim, net.oja, n, rows);
    assert_eq!(&now[..n], &w[..n], "the fixed row changed");
    assert_ne!(&now[n..], &w[n..], "the other rows did not learn");
    for r in 1..rows {
        let row = &now[r * n..(r + 1) * n];
        let norm = row.iter().map(|a| a * a).sum::<f64>().sqrt();
        assert!(
            row[0].abs() < 0.05 * norm,
            "row {r} keeps {} of the fixed direction (norm {norm})",
            row[0]
        );
    }
}

#[test]
fn consolidation_pulls_toward_the_anchor_by_the_mean_squared_traces() {
    let (n, targets) = (6, 1);
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(4);
    let mut net = network(n, targets, 1, 0.0, 1);
    // two taught presentations give the importance
    let mut squares = vec![0.0; n];
    for _ in 0..2 {
        let (s, t, end, _) = present(&mut net, n, 20.0, &mut rng);
        let x = traces(n, &s, &t, end);
        squares
            .iter_mut()
            .zip(&x)
            .for_each(|(q, x)| *q += x * x / 2.0);
        net.sim.delta_teach(net.delta, &[Some(2.0)]).unwrap();
    }
    let lambda = 0.2;
    assert_eq!(net.sim.delta_consolidate(net.delta, lambda).unwrap(), 2);
    let anchor = by_target(&net.sim, net.delta, n, targets);
    let (s, t, end, counts) = present(&mut net, n, 20.0, &mut rng);
    net.sim.delta_teach(net.delta, &[Some(5.0)]).unwrap();
    let after = by_target(&net.sim, net.delta, n, targets);
    let x = traces(n, &s, &t, end);
    let e = 5.0 - counts[0] as f64;
    for j in 0..n {
        let moved = anchor[j] + RULE.eta * e * x[j];
        let want = moved - RULE.eta * lambda * squares[j] * (moved - anchor[j]);
        assert!(
            (after[j] - want).abs() < 1e-12,
            "{} against {want}",
            after[j]
        );
    }
}

#[test]
fn wrong_calls_are_refused_with_a_reason() {
    let (n, targets) = (4, 2);
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(5);
    let mut net = network(n, targets, 2, 0.0, 1);
    let msg = |e: BuildError| e.to_string();
    // nothing presented yet
    let e = msg(net.sim.delta_teach(net.delta, &[None, None]).unwrap_err());
    assert!(e.contains("no presentation has run"), "{e}");
    present(&mut net, n, 10.0, &mut rng);
    let e = msg(net.sim.delta_teach(net.delta, &[Some(1.0)]).unwrap_err());
    assert!(
        e.contains("1 desired counts given for 2 target neurons"),
        "{e}"
    );
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        let e = msg(net
            .sim
            .delta_teach(net.delta, &[Some(bad), None])
            .unwrap_err());
        assert!(e.contains("a desired count is a finite number >= 0"), "{e}");
    }
    net.sim.delta_teach(net.delta, &[Some(1.0), None]).unwrap();
    let e = msg(net
        .sim
        .delta_teach(net.delta, &[Some(1.0), None])
        .unwrap_err());
    assert!(e.contains("taught already"), "{e}");
    net.sim.set_learning(false);
    present(&mut net, n, 10.0, &mut rng);
    let e = msg(net.sim.delta_teach(net.delta, &[None, None]).unwrap_err());
    assert!(e.contains("learning is off"), "{e}");
    // the wrong kinds of projection
    let e = msg(net.sim.delta_teach(net.oja, &[None, None]).unwrap_err());
    assert!(e.contains("does not learn with the delta rule"), "{e}");
    let e = msg(net.sim.delta_protect(net.delta, net.delta).unwrap_err());
    assert!(e.contains("does not learn with oja_subspace"), "{e}");
    let e = msg(net.sim.oja_fix_rows(net.oja, 3).unwrap_err());
    assert!(
        e.contains("3 rows to fix, but the projection has 2 targets"),
        "{e}"
    );
    for bad in [-0.5, f64::NAN] {
        let e = msg(net.sim.delta_consolidate(net.delta, bad).unwrap_err());
        assert!(e.contains("consolidation strength"), "{e}");
    }
    for bad in [0.0, -1.0, f64::INFINITY] {
        let e = msg(net.sim.delta_set_eta(net.delta, bad).unwrap_err());
        assert!(e.contains("eta must be a finite number > 0"), "{e}");
    }
    let e = msg(net.sim.set_weights(net.delta, &[f64::NAN; 8]).unwrap_err());
    assert!(e.contains("must be finite"), "{e}");
}

#[test]
fn the_builder_refuses_impossible_delta_rules() {
    let build = |rule: DeltaDef, all: bool| {
        let mut net = Network::new(DT, 1).unwrap();
        let a = net
            .add_population(Population::new("a", ModelKind::SpikeGenerator, 3))
            .unwrap();
        let b = net
            .add_population(Population::new("b", ModelKind::IafPscDelta, 2))
            .unwrap();
        let r = if all {
            Rule::AllToAll
        } else {
            Rule::FixedIndegree { indegree: 2 }
        };
        net.connect(Projection::new(a, b, r).delta(rule))
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    assert!(build(RULE, true).is_ok());
    for (rule, needle) in [
        (
            DeltaDef { eta: 0.0, tau: 1.0 },
            "eta must be a finite number > 0",
        ),
        (
            DeltaDef {
                eta: f64::NAN,
                tau: 1.0,
            },
            "eta must be a finite number > 0",
        ),
        (
            DeltaDef {
                eta: 1.0,
                tau: -2.0,
            },
            "tau must be a finite number > 0 ms",
        ),
    ] {
        let e = build(rule, true).unwrap_err();
        assert!(e.contains(needle), "{e}");
    }
    let e = build(RULE, false).unwrap_err();
    assert!(e.contains("rule = \"all_to_all\""), "{e}");
}

#[test]
fn rows_that_are_not_orthonormal_protect_their_span() {
    let (n, targets, rows) = (6, 1, 3);
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(6);
    let mut net = network(n, targets, rows, 0.0, 1);
    // long, oblique rows; the third is the sum of the first two (no new direction)
    let a = [2.0, 1.0, 0.0, 0.5, 0.0, 0.0];
    let b = [1.5, -1.0, 0.3, 0.0, 0.0, 0.2];
    let c: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
    let flat: Vec<f64> = a.iter().chain(&b).chain(&c).copied().collect();
    net.sim
        .set_weights(net.oja, &by_source(&flat, n, rows))
        .unwrap();
    net.sim.oja_fix_rows(net.oja, rows).unwrap();
    // two independent directions: the dependent row is dropped
    assert_eq!(net.sim.delta_protect(net.delta, net.oja).unwrap(), 2);
    for _ in 0..3 {
        let before = by_target(&net.sim, net.delta, n, targets);
        present(&mut net, n, 25.0, &mut rng);
        net.sim.delta_teach(net.delta, &[Some(6.0)]).unwrap();
        let after = by_target(&net.sim, net.delta, n, targets);
        let change: Vec<f64> = after.iter().zip(&before).map(|(x, y)| x - y).collect();
        assert!(change.iter().any(|d| d.abs() > 1e-6), "nothing was learned");
        for row in [&a[..], &b[..], &c[..]] {
            let along: f64 = row.iter().zip(&change).map(|(x, y)| x * y).sum();
            assert!(
                along.abs() < 1e-12,
                "changed by {along} along a protected row"
            );
        }
    }
}

#[test]
fn learning_off_keeps_the_presentation_to_answer_and_a_bad_correction_changes_nothing() {
    let (n, targets) = (5, 2);
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
    let mut net = network(n, targets, 1, 6.0, 1);
    let (_, _, _, counts) = present(&mut net, n, 30.0, &mut rng);
    net.sim.set_learning(false);
    let answer = net.sim.delta_answer(net.delta).unwrap();
    assert_eq!(
        answer.counts,
        counts.iter().map(|&c| c as u64).collect::<Vec<_>>()
    );
    assert!(answer.counts.iter().sum::<u64>() > 0);
    net.sim.set_learning(true);
    // weights near the largest float and a huge desired count: the correction would overflow,
    // so it is refused and nothing changes
    let normal = by_target(&net.sim, net.delta, n, targets);
    let huge = vec![1.7e308; n * targets];
    net.sim.set_weights(net.delta, &huge).unwrap();
    let e = net
        .sim
        .delta_teach(net.delta, &[Some(f64::MAX), None])
        .unwrap_err()
        .to_string();
    assert!(e.contains("make eta or the desired count"), "{e}");
    assert_eq!(by_target(&net.sim, net.delta, n, targets), huge);
    net.sim
        .set_weights(net.delta, &by_source(&normal, n, targets))
        .unwrap();
    let before = by_target(&net.sim, net.delta, n, targets);
    // the presentation can still be taught
    net.sim.delta_teach(net.delta, &[Some(1.0), None]).unwrap();
    assert_ne!(by_target(&net.sim, net.delta, n, targets), before);
}

#[test]
fn a_checkpoint_within_a_presentation_is_taught_as_the_uninterrupted_one() {
    let (n, targets) = (8, 2);
    let rng = || rand_pcg::Pcg64Mcg::seed_from_u64(8);
    let teach_all = |net: &mut Net, split: Option<f64>| {
        let mut r = rng();
        for k in 0..3 {
            net.sim.reset_activity();
            let from = net.sim.time_ms();
            let (senders, times) = spikes(n, from, 29.0, &mut r);
            net.sim.add_spike_events(net.gen, &senders, &times).unwrap();
            match split {
                Some(at) if k == 1 => {
                    net.sim.run(at, |_, _| {}).unwrap();
                    let bytes = net.sim.checkpoint_bytes(b"");
                    let mut resumed = network(n, targets, 1, 6.0, 1);
                    let ck = Checkpoint::from_bytes(&bytes, std::path::Path::new("mid")).unwrap();
                    resumed.sim.restore(ck).unwrap();
                    *net = resumed;
                    net.sim.run(30.0 - at, |_, _| {}).unwrap();
                }
                _ => net.sim.run(30.0, |_, _| {}).unwrap(),
            }
            net.sim
                .delta_teach(net.delta, &[Some(4.0), Some(0.0)])
                .unwrap();
        }
        by_target(&net.sim, net.delta, n, targets)
    };
    let mut whole = network(n, targets, 1, 6.0, 1);
    let mut split = network(n, targets, 1, 6.0, 1);
    // within the delay of some spikes: they are in flight when the checkpoint is taken
    assert_eq!(
        teach_all(&mut whole, None),
        teach_all(&mut split, Some(12.3))
    );
}

#[test]
fn a_consolidation_at_full_strength_holds_the_important_weights_at_their_anchor() {
    let (n, targets) = (6, 1);
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(9);
    let mut net = network(n, targets, 1, 0.0, 1);
    let mut squares = vec![0.0; n];
    for _ in 0..2 {
        let (s, t, end, _) = present(&mut net, n, 20.0, &mut rng);
        traces(n, &s, &t, end)
            .iter()
            .zip(&mut squares)
            .for_each(|(x, q)| *q += x * x);
        net.sim.delta_teach(net.delta, &[Some(2.0)]).unwrap();
    }
    // a presentation that teaches no target does not count toward the importance
    present(&mut net, n, 20.0, &mut rng);
    net.sim.delta_teach(net.delta, &[None]).unwrap();
    assert_eq!(net.sim.delta_consolidate(net.delta, 1e9).unwrap(), 2);
    let anchor = by_target(&net.sim, net.delta, n, targets);
    net.sim.delta_set_eta(net.delta, 0.7).unwrap();
    let (s, t, end, counts) = present(&mut net, n, 20.0, &mut rng);
    net.sim.delta_teach(net.delta, &[Some(5.0)]).unwrap();
    let after = by_target(&net.sim, net.delta, n, targets);
    let x = traces(n, &s, &t, end);
    let e = 5.0 - counts[0] as f64;
    let mut held = 0;
    for j in 0..n {
        if squares[j] > 0.0 {
            // ηλF far above 1: the weight lands exactly on its anchor
            assert_eq!(after[j], anchor[j], "source {j}");
            held += 1;
        } else {
            // an input never seen before is free, and moves at the new rate
            assert!((after[j] - anchor[j] - 0.7 * e * x[j]).abs() < 1e-12);
        }
    }
    assert!(held > 0);
}
