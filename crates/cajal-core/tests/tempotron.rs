//! The Tempotron (`Projection::tempotron`, `Simulation::tempotron_teach`): its kernel is the
//! engine's `iaf_psc_exp` postsynaptic potential, its peak and correction equal a dense
//! reference computed from the input spikes and weights alone, the engine's neuron fires exactly
//! when the Tempotron's potential crosses the threshold, and it learns every pattern of a load
//! below its capacity, the same with one or two threads.

use cajal_core::*;
use rand::{Rng, SeedableRng};

const DT: f64 = 0.1;
const TAU_M: f64 = 15.0;
const TAU_S: f64 = 3.75;

/// `n` generators onto `targets` Tempotron neurons (rest 0 mV, threshold `v_th`), all-to-all with
/// `weights` (by target, then source; pA) and a 1 ms delay; V_m recorded every step.
fn network(
    n: usize,
    targets: usize,
    v_th: f64,
    weights: Option<Vec<f64>>,
    rule: TempotronDef,
    threads: usize,
) -> (Simulation, PopulationId, ProjectionId) {
    let mut net = Network::new(DT, 3).unwrap();
    let g = net
        .add_population(Population::new("afferents", ModelKind::SpikeGenerator, n))
        .unwrap();
    let out = net
        .add_population(
            Population::new("tempotron", ModelKind::IafPscExp, targets)
                .param("E_L", 0.0)
                .param("V_reset", 0.0)
                .param("V_th", v_th)
                .param("tau_m", TAU_M)
                .param("tau_syn_ex", TAU_S)
                .param("tau_syn_in", TAU_S)
                .param("C_m", 250.0)
                .param("t_ref", 0.1)
                .initial("V_m", Dist::Const(0.0)),
        )
        .unwrap();
    let proj = net
        .connect(
            Projection::new(g, out, Rule::AllToAll)
                .weight(0.0)
                .delay(1.0)
                .tempotron(rule),
        )
        .unwrap();
    net.add_record(Record::state(out, &["V_m"]).interval(DT))
        .unwrap();
    let mut sim = net.build(threads).unwrap();
    if let Some(w) = weights {
        // set_weights takes them grouped by source
        let by_source: Vec<f64> = (0..n)
            .flat_map(|j| (0..targets).map(move |i| (i, j)))
            .map(|(i, j)| w[i * n + j])
            .collect();
        sim.set_weights(proj, &by_source).unwrap();
    }
    (sim, g, proj)
}

const RULE: TempotronDef = TempotronDef {
    lambda: 0.05,
    momentum: 0.0,
};

fn kernel() -> PspKernel {
    PspKernel::new(TAU_M, TAU_S, 250.0, DT).unwrap()
}

/// The recorded V_m of target 0 from `from` ms on, by step.
fn v_trace(sim: &Simulation, pop: PopulationId, from: f64) -> Vec<f64> {
    let st = sim.state_trace(pop).unwrap().unwrap();
    let v = &st.variables.iter().find(|(n, _)| n == "V_m").unwrap().1;
    st.times
        .iter()
        .zip(&st.senders)
        .zip(v)
        .filter(|((&t, &s), _)| s == 0 && t > from + 1e-9)
        .map(|(_, &v)| v)
        .collect()
}

#[test]
fn the_kernel_is_the_engines_postsynaptic_potential() {
    let k = kernel();
    let (mut sim, g, pop_proj) = network(1, 1, 1e6, Some(vec![300.0]), RULE, 1);
    // emitted in step 9 (the step ending at 1.0 ms), read by the target 10 steps later
    sim.add_spike_events(g, &[0], &[1.0]).unwrap();
    sim.run(60.0, |_, _| {}).unwrap();
    let out = sim.population("tempotron").unwrap();
    let v = v_trace(&sim, out, 0.0);
    let arrival = 9 + 10;
    let peak = v.iter().cloned().fold(0.0, f64::max);
    for (step, &vk) in v.iter().enumerate() {
        let expected = 300.0 * k.at((step as u64).saturating_sub(arrival));
        assert!(
            (vk - expected).abs() <= 1e-12 * peak,
            "step {step}: engine {vk} mV, kernel {expected} mV"
        );
    }
    // the kernel's peak and its time, against the samples
    let best = (0..v.len()).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap();
    assert!(((best as f64 - arrival as f64) * DT - k.peak_time()).abs() < DT);
    assert!(300.0 * k.peak() >= peak && 300.0 * k.peak() - peak < 1e-3 * peak);
    let _ = pop_proj;
}

/// One spike per afferent at a random time in [0, t) ms, as events after `start`.
fn pattern(n: usize, t: f64, rng: &mut impl Rng) -> Vec<f64> {
    (0..n)
        .map(|_| (rng.random_range(1..(t / DT) as u64) as f64) * DT)
        .collect()
}

fn present(sim: &mut Simulation, g: PopulationId, times: &[f64], t: f64) {
    sim.reset_activity();
    let start = sim.time_ms();
    let senders: Vec<u32> = (0..times.len() as u32).collect();
    let at: Vec<f64> = times.iter().map(|x| start + x).collect();
    sim.add_spike_events(g, &senders, &at).unwrap();
    sim.run(t, |_, _| {}).unwrap();
}

#[test]
fn peak_and_correction_equal_a_dense_reference() {
    let (n, t) = (60, 100.0);
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let w: Vec<f64> = (0..n).map(|_| rng.random_range(-40.0..60.0)).collect();
    let times = pattern(n, t, &mut rng);
    let rule = TempotronDef {
        lambda: 0.05,
        momentum: 0.5,
    };
    let (mut sim, g, proj) = network(n, 1, 1e6, Some(w.clone()), rule, 1);
    let out = sim.population("tempotron").unwrap();
    present(&mut sim, g, &times, t);
    let k = kernel();
    // the input j is read in step (time/dt − 1) + 10
    let arrival: Vec<u64> = times
        .iter()
        .map(|x| (x / DT).round() as u64 - 1 + 10)
        .collect();
    let dense = |w: &[f64], step: u64| -> f64 {
        (0..n)
            .filter(|&j| arrival[j] <= step)
            .map(|j| w[j] * k.at(step - arrival[j]))
            .sum()
    };
    let v = v_trace(&sim, out, 0.0);
    let scale = v.iter().map(|x| x.abs()).fold(0.0, f64::max);
    for (step, &vk) in v.iter().enumerate() {
        let r = dense(&w, step as u64);
        assert!((vk - r).abs() <= 1e-9 * scale, "step {step}: {vk} vs {r}");
    }
    // the peak is sought after the first input was read
    let first = *arrival.iter().min().unwrap();
    let t_max = (first + 1..v.len() as u64)
        .max_by(|&a, &b| dense(&w, a).total_cmp(&dense(&w, b)))
        .unwrap();
    let answer = sim.tempotron_answer(proj).unwrap();
    assert_eq!(answer.fired, vec![false]);
    assert!((answer.peak_ms[0] - (t_max + 1) as f64 * DT).abs() < 1e-9);
    assert!((answer.peak_v[0] - dense(&w, t_max)).abs() <= 1e-9 * scale);

    // a missed pattern: each weight rises by λ/k̂² times its kernel at t_max
    assert_eq!(sim.tempotron_teach(proj, &[true]).unwrap(), 1);
    let gain = rule.lambda / (k.peak() * k.peak());
    let grad: Vec<f64> = (0..n)
        .map(|j| {
            if arrival[j] < t_max {
                k.at(t_max - arrival[j])
            } else {
                0.0
            }
        })
        .collect();
    let w1: Vec<f64> = w.iter().zip(&grad).map(|(w, g)| w + gain * g).collect();
    let got = sim.weights(proj).unwrap().unwrap().weights;
    for j in 0..n {
        assert!(
            (got[j] - w1[j]).abs() <= 1e-12 * w1[j].abs().max(1.0),
            "weight {j}"
        );
    }
    // a second teach of the same presentation is refused
    let err = sim.tempotron_teach(proj, &[true]).unwrap_err().to_string();
    assert!(err.contains("taught already"), "{err}");
    // the same pattern again: the potential at t_max rose by λ/k̂² Σ k², exactly the gradient's
    // prediction (V is linear in the weights)
    present(&mut sim, g, &times, t);
    let v2 = v_trace(&sim, out, sim.time_ms() - t);
    let rise: f64 = grad.iter().map(|g| gain * g * g).sum();
    assert!((v2[t_max as usize] - (dense(&w, t_max) + rise)).abs() <= 1e-9 * scale);
    // with a threshold below that peak (set_params: the Tempotron takes the new V_th) the neuron
    // fires: a false alarm moves the weights back along the gradient at its first spike, with
    // momentum: −λ/k̂² Σ k(t_spike − a) + μ · (the last change)
    let peak1 = (0..v2.len() as u64)
        .map(|k| dense(&w1, k))
        .fold(f64::NEG_INFINITY, f64::max);
    let theta = 0.8 * peak1;
    let pop = sim.population("tempotron").unwrap();
    sim.set_params(pop, &target_params(theta)).unwrap();
    let start = sim.time_ms();
    present(&mut sim, g, &times, t);
    let answer = sim.tempotron_answer(proj).unwrap();
    let t_spike = (0..v2.len() as u64)
        .find(|&k| dense(&w1, k) >= theta)
        .unwrap();
    assert_eq!(answer.fired, vec![true]);
    assert_eq!(answer.peak_v, vec![theta]);
    assert!((answer.peak_ms[0] - start - (t_spike + 1) as f64 * DT).abs() < 1e-9);
    assert_eq!(sim.tempotron_teach(proj, &[false]).unwrap(), 1);
    let got2 = sim.weights(proj).unwrap().unwrap().weights;
    for j in 0..n {
        let g2 = if arrival[j] < t_spike {
            k.at(t_spike - arrival[j])
        } else {
            0.0
        };
        let expected = w1[j] - gain * g2 + rule.momentum * gain * grad[j];
        assert!(
            (got2[j] - expected).abs() <= 1e-12 * expected.abs().max(1.0),
            "weight {j}: {} against {expected}",
            got2[j]
        );
    }
}

/// The target population's parameters with threshold `v_th` (set_params wants them all).
fn target_params(v_th: f64) -> std::collections::BTreeMap<String, f64> {
    [
        ("E_L", 0.0),
        ("V_reset", 0.0),
        ("V_th", v_th),
        ("tau_m", TAU_M),
        ("tau_syn_ex", TAU_S),
        ("tau_syn_in", TAU_S),
        ("C_m", 250.0),
        ("t_ref", 0.1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

#[test]
fn the_neuron_fires_exactly_when_the_tempotron_potential_crosses_threshold() {
    let (n, t) = (80, 200.0);
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let w: Vec<f64> = (0..n).map(|_| rng.random_range(-50.0..250.0)).collect();
    let patterns: Vec<Vec<f64>> = (0..40).map(|_| pattern(n, t, &mut rng)).collect();
    // the free potential's peaks, with a threshold no pattern reaches
    let (mut free, gf, pf) = network(n, 1, 1e6, Some(w.clone()), RULE, 1);
    let out = free.population("tempotron").unwrap();
    let mut peaks = Vec::new();
    let mut first_crossings = Vec::new();
    let mut sorted = Vec::new();
    for x in &patterns {
        present(&mut free, gf, x, t);
        let a = free.tempotron_answer(pf).unwrap();
        assert_eq!(a.fired, vec![false]);
        peaks.push(a.peak_v[0]);
        first_crossings.push(v_trace(&free, out, free.time_ms() - t));
        sorted.push(a.peak_v[0]);
    }
    // a threshold half the patterns reach
    sorted.sort_by(f64::total_cmp);
    let theta = (sorted[19] + sorted[20]) / 2.0;
    let (mut real, gr, pr) = network(n, 1, theta, Some(w), RULE, 1);
    for (k, x) in patterns.iter().enumerate() {
        present(&mut real, gr, x, t);
        let start = real.time_ms() - t;
        let b = real.tempotron_answer(pr).unwrap();
        assert_eq!(b.fired[0], peaks[k] >= theta, "peak {} mV", peaks[k]);
        if b.fired[0] {
            // its first spike is in the step where the free potential first reaches θ
            let first = first_crossings[k].iter().position(|&v| v >= theta).unwrap();
            assert!((b.peak_ms[0] - start - (first + 1) as f64 * DT).abs() < 1e-9);
            assert_eq!(
                b.peak_v[0], theta,
                "a target that fired reached the threshold"
            );
        } else {
            assert_eq!(
                b.peak_v[0], peaks[k],
                "silent: the same potential as the free one"
            );
        }
    }
}

/// `p` random patterns of `n` afferents with random labels for `targets` Tempotrons.
type Task = (Vec<Vec<f64>>, Vec<Vec<bool>>, Vec<f64>);

fn task(n: usize, p: usize, targets: usize, t: f64) -> Task {
    let mut rng = rand::rngs::StdRng::seed_from_u64(21);
    let patterns: Vec<Vec<f64>> = (0..p).map(|_| pattern(n, t, &mut rng)).collect();
    let labels: Vec<Vec<bool>> = (0..p)
        .map(|_| (0..targets).map(|_| rng.random_bool(0.5)).collect())
        .collect();
    // small random initial weights (pA; the threshold is 10 mV, a PSP peak of 1 mV is ~100 pA)
    let w: Vec<f64> = (0..n * targets)
        .map(|_| rng.random_range(-5.0..15.0))
        .collect();
    (patterns, labels, w)
}

const LEARN: TempotronDef = TempotronDef {
    lambda: 0.1,
    momentum: 0.9,
};

/// One pass over the task's patterns, each presented then taught; returns the errors.
fn epoch(sim: &mut Simulation, g: PopulationId, proj: ProjectionId, task: &Task, t: f64) -> usize {
    let mut wrong = 0;
    for (x, y) in task.0.iter().zip(&task.1) {
        present(sim, g, x, t);
        wrong += sim.tempotron_teach(proj, y).unwrap();
    }
    wrong
}

/// Trains `targets` Tempotrons on `p` random patterns until an epoch passes without an error or
/// `epochs` run out; returns the errors of each epoch and the weights.
fn train(
    n: usize,
    p: usize,
    targets: usize,
    epochs: usize,
    threads: usize,
) -> (Vec<usize>, Vec<f64>) {
    let t = 200.0;
    let task = task(n, p, targets, t);
    let (mut sim, g, proj) = network(n, targets, 10.0, Some(task.2.clone()), LEARN, threads);
    let mut errors = Vec::new();
    for _ in 0..epochs {
        errors.push(epoch(&mut sim, g, proj, &task, t));
        if errors.last() == Some(&0) {
            break;
        }
    }
    (errors, sim.weights(proj).unwrap().unwrap().weights)
}

#[test]
fn learns_every_pattern_below_capacity_with_any_thread_count() {
    // load P/N = 0.5, far below the Tempotron's capacity of about 3 patterns per synapse
    let (errors, w1) = train(100, 50, 2, 300, 1);
    assert_eq!(
        errors.last(),
        Some(&0),
        "every pattern learned: errors per epoch {errors:?}"
    );
    assert!(errors[0] > 10, "it had something to learn: {errors:?}");
    let (errors2, w2) = train(100, 50, 2, 300, 2);
    assert_eq!(errors, errors2);
    assert_eq!(w1, w2, "the same weights with two threads");
}

#[test]
fn a_checkpoint_between_epochs_goes_on_as_the_uninterrupted_training() {
    let (n, t) = (60, 150.0);
    let task = task(n, 40, 1, t);
    let (mut whole, g, proj) = network(n, 1, 10.0, Some(task.2.clone()), LEARN, 1);
    for _ in 0..2 {
        epoch(&mut whole, g, proj, &task, t);
    }
    // mid-presentation: the inputs so far, the peak and the momentum are saved too
    present(&mut whole, g, &task.0[0], t / 2.0);
    let bytes = whole.checkpoint_bytes(b"");
    let (mut resumed, g2, proj2) = network(n, 1, 10.0, None, LEARN, 1);
    resumed
        .restore(Checkpoint::from_bytes(&bytes, std::path::Path::new("mem")).unwrap())
        .unwrap();
    for (sim, g, proj) in [(&mut whole, g, proj), (&mut resumed, g2, proj2)] {
        sim.run(t / 2.0, |_, _| {}).unwrap();
        sim.tempotron_teach(proj, &task.1[0]).unwrap();
        epoch(sim, g, proj, &task, t);
    }
    let w = |sim: &Simulation, proj| sim.weights(proj).unwrap().unwrap().weights;
    assert_eq!(w(&whole, proj), w(&resumed, proj2));
    assert_ne!(w(&whole, proj), task.2, "it learned");
}

#[test]
fn refusals_name_the_problem() {
    let mut net = Network::new(DT, 1).unwrap();
    let g = net
        .add_population(Population::new("g", ModelKind::SpikeGenerator, 3))
        .unwrap();
    let delta = net
        .add_population(Population::new("d", ModelKind::IafPscDelta, 1))
        .unwrap();
    let e = net
        .add_population(
            Population::new("e", ModelKind::IafPscExp, 1)
                .param("tau_syn_ex", 2.0)
                .param("tau_syn_in", 5.0),
        )
        .unwrap();
    let err = net
        .connect(Projection::new(g, delta, Rule::AllToAll).tempotron(RULE))
        .unwrap_err()
        .to_string();
    assert!(err.contains("iaf_psc_exp"), "{err}");
    let err = net
        .connect(Projection::new(g, e, Rule::AllToAll).tempotron(RULE))
        .unwrap_err()
        .to_string();
    assert!(err.contains("tau_syn_ex = tau_syn_in"), "{err}");
    let err = net
        .connect(
            Projection::new(g, e, Rule::FixedIndegree { indegree: 2 }).tempotron(TempotronDef {
                lambda: -1.0,
                momentum: 0.0,
            }),
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("all_to_all"), "{err}");

    let exp = net
        .add_population(
            Population::new("x", ModelKind::IafPscExp, 2)
                .param("tau_syn_ex", 2.0)
                .param("tau_syn_in", 2.0),
        )
        .unwrap();
    for (rule, needle) in [
        (
            TempotronDef {
                lambda: 0.0,
                momentum: 0.0,
            },
            "lambda must be a finite number > 0",
        ),
        (
            TempotronDef {
                lambda: 0.1,
                momentum: 1.0,
            },
            "momentum must be in [0, 1)",
        ),
    ] {
        let err = net
            .connect(Projection::new(g, exp, Rule::AllToAll).tempotron(rule))
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{err}");
    }
    let err = net
        .connect(
            Projection::new(exp, exp, Rule::AllToAll)
                .autapses(false)
                .tempotron(RULE),
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("allow autapses"), "{err}");

    let (mut sim, g, proj) = network(4, 2, 10.0, None, RULE, 1);
    let err = sim
        .tempotron_teach(proj, &[true, true])
        .unwrap_err()
        .to_string();
    assert!(err.contains("no presentation has run"), "{err}");
    let mut unequal = target_params(10.0);
    unequal.insert("tau_syn_in".into(), 5.0);
    let pop = sim.population("tempotron").unwrap();
    let err = sim.set_params(pop, &unequal).unwrap_err().to_string();
    assert!(err.contains("tau_syn_ex = tau_syn_in"), "{err}");
    present(&mut sim, g, &[1.0, 2.0, 3.0, 4.0], 10.0);
    let err = sim.tempotron_teach(proj, &[true]).unwrap_err().to_string();
    assert!(
        err.contains("1 answers given for 2 target neurons"),
        "{err}"
    );
    sim.set_learning(false);
    let err = sim
        .tempotron_teach(proj, &[true, false])
        .unwrap_err()
        .to_string();
    assert!(err.contains("learning is off"), "{err}");
    let err = sim
        .set_weights(proj, &[f64::NAN; 8])
        .unwrap_err()
        .to_string();
    assert!(err.contains("finite"), "{err}");
}
