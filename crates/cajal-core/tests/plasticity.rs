//! Plasticity against independent truth: the analytic pair-STDP window, the nearest vs
//! all-to-all pairing of spike triplets, and a dense per-step reference written here from the
//! rules' equations (not from the engine's code), run on the spikes the engine produced.

mod common;

use cajal_core::*;
use common::{params, population};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

const DT: f64 = 0.1;

/// A network: `pre` spike generators → (plastic, all_to_all) → `post` iaf_psc_delta neurons,
/// each post neuron made to fire at chosen times by its own generator (`drive`, 1 step delay).
/// `modulator`: optional spike times of a one-neuron `da` generator.
fn network(
    pre_times: Vec<Vec<f64>>,
    post_drive: Vec<Vec<f64>>,
    rule: PlasticityDef,
    weight: Dist,
    delay: Dist,
    one_to_one: bool,
    modulator: Option<Vec<f64>>,
) -> NetworkDef {
    let mut pre = population("pre", ModelKind::SpikeGenerator, pre_times.len(), &[]);
    pre.spike_times = pre_times;
    let mut drive = population("drive", ModelKind::SpikeGenerator, post_drive.len(), &[]);
    drive.spike_times = post_drive.clone();
    let post = population(
        "post",
        ModelKind::IafPscDelta,
        post_drive.len(),
        &[
            ("t_ref", 0.0),
            ("V_th", -55.0),
            ("E_L", -70.0),
            ("V_reset", -70.0),
        ],
    );
    let mut populations = vec![pre, drive, post];
    if let Some(times) = modulator {
        let mut da = population("da", ModelKind::SpikeGenerator, 1, &[]);
        da.spike_times = vec![times];
        populations.push(da);
    }
    let proj =
        |name: &str, s, t, rule: Rule, w: Dist, d: Dist| ProjectionDef::new(name, s, t, rule, w, d);
    let mut plastic = proj(
        "plastic",
        0,
        2,
        if one_to_one {
            Rule::OneToOne
        } else {
            Rule::AllToAll
        },
        weight,
        delay,
    );
    plastic.plasticity = Some(rule);
    plastic.record_weights = Some(f64::INFINITY);
    let n = populations.len();
    let records = (0..n)
        .map(|p| RecordDef {
            population: p,
            spikes: true,
            neurons: Selection::All,
            state_neurons: None,
            variables: vec![],
            interval: 1.0,
        })
        .collect();
    NetworkDef {
        dt: DT,
        seed: 7,
        populations,
        projections: vec![
            plastic,
            proj(
                "drive",
                1,
                2,
                Rule::OneToOne,
                Dist::Const(1000.0),
                Dist::Const(DT),
            ),
        ],
        inputs: vec![],
        records,
        astrocytes: vec![],
    }
}

/// Spike steps per neuron of population `pop` (a spike recorded at time t was emitted in step
/// t/dt − 1).
fn steps_of(sim: &Simulation, pop: usize, n: usize) -> Vec<Vec<i64>> {
    let tr = sim.spike_trains(sim.population_ids()[pop]).unwrap();
    let mut out = vec![Vec::new(); n];
    for (t, s) in tr.times.iter().zip(&tr.senders) {
        out[*s as usize].push((t / DT).round() as i64 - 1);
    }
    out
}

fn stdp(mu: f64, pairing: Pairing, symmetric: bool) -> PlasticityDef {
    PlasticityDef::Stdp {
        tau_plus: 16.8,
        tau_minus: 33.7,
        lambda: 0.01,
        alpha: 1.2,
        mu_plus: mu,
        mu_minus: mu,
        w_max: 10.0,
        pairing,
        symmetric,
        zero_lag: Default::default(),
    }
}

/// `rule` with SpiNNaker's convention at zero lag.
fn zero_lag(rule: PlasticityDef) -> PlasticityDef {
    rule.with_zero_lag(ZeroLag::Depress).unwrap()
}

#[test]
fn pair_window_matches_the_analytic_window() {
    // pair i: one presynaptic spike at 150 ms, one postsynaptic event Δ = i − 100 ms later as the
    // synapse sees it (the postsynaptic spike at 150 + Δ − d); d = 1 ms. At Δ = 0 NEST's
    // convention leaves the weight alone and SpiNNaker's depresses by the window's full amplitude
    for (mu, w0, lag) in [
        (0.0, 4.0, ZeroLag::Unpaired),
        (1.0, 4.0, ZeroLag::Unpaired),
        (0.0, 4.0, ZeroLag::Depress),
        (1.0, 4.0, ZeroLag::Depress),
    ] {
        let offsets: Vec<f64> = (-100..=100).map(|i| i as f64).collect();
        let pre: Vec<Vec<f64>> = offsets.iter().map(|_| vec![150.0]).collect();
        // a drive spike at T reaches the post neuron one step later, which fires then
        let drive: Vec<Vec<f64>> = offsets.iter().map(|o| vec![150.0 + o - 1.0 - DT]).collect();
        let rule = stdp(mu, Pairing::AllToAll, false)
            .with_zero_lag(lag)
            .unwrap();
        let def = network(
            pre,
            drive,
            rule,
            Dist::Const(w0),
            Dist::Const(1.0),
            true,
            None,
        );
        let mut sim = Simulation::build(&def, 1).unwrap();
        sim.run(300.0, |_, _| {}).unwrap();
        let pre_s = steps_of(&sim, 0, offsets.len());
        let post_s = steps_of(&sim, 2, offsets.len());
        let w = sim.weights(sim.projection_ids()[0].0).unwrap().unwrap();
        let (tau_p, tau_m, lambda, alpha, w_max) = (16.8, 33.7, 0.01, 1.2, 10.0);
        let mut worst: f64 = 0.0;
        for (k, &src) in w.sources.iter().enumerate() {
            let i = src as usize;
            assert_eq!(w.targets[k], src);
            assert_eq!((pre_s[i].len(), post_s[i].len()), (1, 1), "pair {i}");
            let dt_ms = (post_s[i][0] + 10 - pre_s[i][0]) as f64 * DT;
            assert!((dt_ms - offsets[i]).abs() < 1e-9, "pair {i}: Δt {dt_ms}");
            let expected = if dt_ms > 0.0 {
                lambda * w_max * (1.0 - w0 / w_max).powf(mu) * (-dt_ms / tau_p).exp()
            } else if dt_ms < 0.0 || lag == ZeroLag::Depress {
                -alpha * lambda * w_max * (w0 / w_max).powf(mu) * (dt_ms / tau_m).exp()
            } else {
                0.0
            };
            let got = w.weights[k] - w0;
            if expected == 0.0 {
                assert_eq!(got, 0.0, "simultaneous events must not pair");
            } else {
                worst = worst.max(((got - expected) / expected).abs());
            }
        }
        assert!(
            worst < 1e-6,
            "mu {mu}, {lag:?}: largest relative error {worst:e}"
        );
        eprintln!("mu {mu}, {lag:?}: window over 201 offsets, largest relative error {worst:.2e}");
    }
}

#[test]
fn nearest_and_all_to_all_pair_triplets_as_theory_says() {
    // pair 0: pre at 100 and 105 ms, post seen at 120 ms (two LTP pairings vs the nearest one);
    // pair 1: post seen at 100 and 110 ms, pre at 120 ms (two LTD pairings vs the nearest one)
    let d = 1.0;
    let pre = vec![vec![100.0, 105.0], vec![120.0]];
    let drive = vec![vec![120.0 - d - DT], vec![100.0 - d - DT, 110.0 - d - DT]];
    let (lambda, alpha, w_max, w0, tp, tm) = (0.01, 1.2, 10.0, 5.0, 16.8, 33.7);
    let ltp = |x: f64| lambda * w_max * (-x / tp).exp();
    let ltd = |x: f64| alpha * lambda * w_max * (-x / tm).exp();
    for (pairing, e0, e1) in [
        (
            Pairing::AllToAll,
            ltp(20.0) + ltp(15.0),
            -(ltd(20.0) + ltd(10.0)),
        ),
        (Pairing::Nearest, ltp(15.0), -ltd(10.0)),
    ] {
        let def = network(
            pre.clone(),
            drive.clone(),
            stdp(0.0, pairing, false),
            Dist::Const(w0),
            Dist::Const(d),
            true,
            None,
        );
        let mut sim = Simulation::build(&def, 1).unwrap();
        sim.run(200.0, |_, _| {}).unwrap();
        let w = sim.weights(sim.projection_ids()[0].0).unwrap().unwrap();
        let got = [w.weights[0] - w0, w.weights[1] - w0];
        for (g, e) in got.iter().zip([e0, e1]) {
            assert!(
                ((g - e) / e).abs() < 1e-9,
                "{pairing:?}: got {g}, expected {e}"
            );
        }
    }
}

/// The rules' equations, stepped densely: traces decay every step; at each step, dopamine
/// integrates and releases, then postsynaptic events (spikes shifted by the delay) potentiate,
/// then the presynaptic event depresses, then the traces jump.
/// One synapse of the dense per-step reference: every trace decays every step and every event
/// is applied in its step, from the rules' equations.
struct DenseSynapse<'a> {
    rule: &'a PlasticityDef,
    pre: &'a [i64],
    post: &'a [i64],
    da: &'a [i64],
    delay: i64,
    decay: (f64, f64, f64, f64),
    nearest: bool,
    traces: (f64, f64, f64, f64),
    /// Weight magnitude.
    u: f64,
    c: f64,
    n: f64,
    next: (usize, usize, usize),
}

impl<'a> DenseSynapse<'a> {
    fn new(
        rule: &'a PlasticityDef,
        pre: &'a [i64],
        post: &'a [i64],
        da: &'a [i64],
        delay: i64,
        w0: f64,
    ) -> Self {
        let (t_plus, t_x, t_minus, t_y, nearest) = match *rule {
            PlasticityDef::Stdp {
                tau_plus,
                tau_minus,
                pairing,
                ..
            } => (tau_plus, 1.0, tau_minus, 1.0, pairing == Pairing::Nearest),
            PlasticityDef::Triplet {
                tau_plus,
                tau_x,
                tau_minus,
                tau_y,
                pairing,
                ..
            } => (
                tau_plus,
                tau_x,
                tau_minus,
                tau_y,
                pairing == Pairing::Nearest,
            ),
            PlasticityDef::Dopamine {
                tau_plus,
                tau_minus,
                ..
            } => (tau_plus, 1.0, tau_minus, 1.0, false),
        };
        let f = |tau: f64| (-DT / tau).exp();
        DenseSynapse {
            rule,
            pre,
            post,
            da,
            delay,
            decay: (f(t_plus), f(t_x), f(t_minus), f(t_y)),
            nearest,
            traces: (0.0, 0.0, 0.0, 0.0),
            u: w0.abs(),
            c: 0.0,
            n: 0.0,
            next: (0, 0, 0),
        }
    }

    /// Step `t`; `depression_rate` replaces α·λ of pair STDP when given (the astrocyte).
    fn step(&mut self, t: i64, depression_rate: Option<f64>) {
        let rule = self.rule;
        let nearest = self.nearest;
        let bump = |x: f64| if nearest { 1.0 } else { x + 1.0 };
        let w_max = rule.w_max().abs();
        let (fp, fx, fm, fy) = self.decay;
        let (r1, r2, o1, o2) = &mut self.traces;
        let (ip, iq, id) = &mut self.next;
        let (u, c, n) = (&mut self.u, &mut self.c, &mut self.n);
        if t > 0 {
            *r1 *= fp;
            *r2 *= fx;
            *o1 *= fm;
            *o2 *= fy;
        }
        if let PlasticityDef::Dopamine {
            tau_c,
            tau_n,
            b,
            w_min,
            ..
        } = *rule
        {
            if t > 0 {
                // exact over one step: c and n decay exponentially
                let h = DT;
                let rs = 1.0 / tau_c + 1.0 / tau_n;
                *u += *c * *n / rs * (1.0 - (-rs * h).exp())
                    - b * *c * tau_c * (1.0 - (-h / tau_c).exp());
                *u = u.clamp(w_min.abs(), w_max);
                *c *= (-h / tau_c).exp();
                *n *= (-h / tau_n).exp();
            }
            while *id < self.da.len() && self.da[*id] == t {
                *n += 1.0 / tau_n;
                *id += 1;
            }
        }
        let post_event = *iq < self.post.len() && self.post[*iq] + self.delay == t;
        let pre_event = *ip < self.pre.len() && self.pre[*ip] == t;
        if post_event {
            match *rule {
                PlasticityDef::Stdp {
                    lambda, mu_plus, ..
                } => {
                    *u += w_max * lambda * (1.0 - *u / w_max).powf(mu_plus) * *r1;
                    *u = u.min(w_max);
                }
                PlasticityDef::Triplet {
                    a2_plus, a3_plus, ..
                } => *u = (*u + *r1 * (a2_plus + a3_plus * *o2)).min(w_max),
                PlasticityDef::Dopamine { a_plus, .. } => *c += a_plus * *r1,
            }
        }
        // SpiNNaker's convention: a presynaptic event depresses with the postsynaptic spike that
        // reaches the synapse in the same step
        let zero_lag = matches!(
            *rule,
            PlasticityDef::Stdp {
                zero_lag: ZeroLag::Depress,
                ..
            }
        );
        if post_event && zero_lag {
            *o1 = bump(*o1);
            *o2 = bump(*o2);
        }
        if pre_event {
            match *rule {
                PlasticityDef::Stdp {
                    lambda,
                    alpha,
                    mu_plus,
                    mu_minus,
                    symmetric,
                    ..
                } => {
                    if symmetric {
                        *u += w_max * alpha * lambda * (1.0 - *u / w_max).powf(mu_plus) * *o1;
                        *u = u.min(w_max);
                    } else {
                        let rate = depression_rate.unwrap_or(alpha * lambda);
                        *u -= w_max * rate * (*u / w_max).powf(mu_minus) * *o1;
                        *u = u.clamp(0.0, w_max);
                    }
                }
                PlasticityDef::Triplet {
                    a2_minus, a3_minus, ..
                } => *u = (*u - *o1 * (a2_minus + a3_minus * *r2)).max(0.0),
                PlasticityDef::Dopamine { a_minus, .. } => *c -= a_minus * *o1,
            }
        }
        if post_event {
            if !zero_lag {
                *o1 = bump(*o1);
                *o2 = bump(*o2);
            }
            *iq += 1;
        }
        if pre_event {
            *r1 = bump(*r1);
            *r2 = bump(*r2);
            *ip += 1;
        }
    }
}

/// The dense reference of one synapse over `steps` steps: its final weight with its sign.
fn dense_reference(
    rule: &PlasticityDef,
    pre: &[i64],
    post: &[i64],
    da: &[i64],
    delay: i64,
    w0: f64,
    steps: i64,
) -> f64 {
    let mut syn = DenseSynapse::new(rule, pre, post, da, delay, w0);
    for t in 0..steps {
        syn.step(t, None);
    }
    rule.w_max().signum() * syn.u
}

fn poisson_times(rng: &mut rand_pcg::Pcg64Mcg, rate_hz: f64, t_max: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut step = 1;
    let p = rate_hz * DT / 1000.0;
    while (step as f64) * DT < t_max {
        if rng.random::<f64>() < p {
            out.push(step as f64 * DT);
        }
        step += 1;
    }
    out
}

/// Runs `def` for `t_max` ms in two runs of unequal length (the end of a run and the flush at 1 s
/// fall mid-interval); returns the simulation, its steps and the pre and post spike steps.
#[allow(clippy::type_complexity)]
fn run_split(
    def: &NetworkDef,
    threads: usize,
    t_max: f64,
    n_pre: usize,
    n_post: usize,
) -> (Simulation, i64, Vec<Vec<i64>>, Vec<Vec<i64>>) {
    let mut sim = Simulation::build(def, threads).unwrap();
    sim.run(1234.5, |_, _| {}).unwrap();
    sim.run(t_max - 1234.5, |_, _| {}).unwrap();
    let steps = sim.steps_done() as i64;
    let pre_s = steps_of(&sim, 0, n_pre);
    let post_s = steps_of(&sim, 2, n_post);
    (sim, steps, pre_s, post_s)
}

/// Runs `rule` on random trains (in two runs, across flushes) and compares every synapse with
/// the dense reference; returns the largest relative difference.
fn compare_with_dense(rule: PlasticityDef, seed: u64, threads: usize, w: (f64, f64)) -> f64 {
    let delays = Dist::Uniform {
        low: 0.1,
        high: 3.0,
    };
    compare_with_dense_at(rule, seed, threads, w, delays)
}

/// [`compare_with_dense`] with the synapses' delays drawn from `delays` (one constant delay:
/// the engine's dense path for all-to-all projections).
fn compare_with_dense_at(
    rule: PlasticityDef,
    seed: u64,
    threads: usize,
    w: (f64, f64),
    delays: Dist,
) -> f64 {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let t_max = 2500.0;
    let (n_pre, n_post) = (4, 3);
    // SpiNNaker's convention is tested on faster trains, so that every case holds pairings at
    // zero lag (about 20 expected per case; at the usual rates some cases have none)
    let zero_lag = matches!(
        rule,
        PlasticityDef::Stdp {
            zero_lag: ZeroLag::Depress,
            ..
        }
    );
    let speed = if zero_lag { 3.0 } else { 1.0 };
    let pre: Vec<Vec<f64>> = (0..n_pre)
        .map(|_| {
            let r = speed * rng.random_range(12.0..40.0);
            poisson_times(&mut rng, r, t_max)
        })
        .collect();
    // the postsynaptic drive at 20 Hz or more: 2.5 s at 12 Hz left a neuron with 20 spikes or
    // fewer now and then (seed 555309), which the check below refuses
    let drive: Vec<Vec<f64>> = (0..n_post)
        .map(|_| {
            let r = speed * rng.random_range(20.0..40.0);
            poisson_times(&mut rng, r, t_max)
        })
        .collect();
    let da = rule
        .modulator()
        .map(|_| poisson_times(&mut rng, 4.0, t_max));
    let def = network(
        pre,
        drive,
        rule.clone(),
        Dist::Uniform {
            low: w.0,
            high: w.1,
        },
        delays,
        false,
        da,
    );
    let (sim, steps, pre_s, post_s) = run_split(&def, threads, t_max, n_pre, n_post);
    let da_s = if rule.modulator().is_some() {
        steps_of(&sim, 3, 1).remove(0)
    } else {
        vec![]
    };
    assert!(
        post_s.iter().all(|p| p.len() > 20),
        "post neurons must fire"
    );
    let got = sim.weights(sim.projection_ids()[0].0).unwrap().unwrap();
    // with SpiNNaker's convention, the trains must hold pairings at zero lag (a presynaptic
    // spike as a postsynaptic one reaches the synapse), or the comparison does not test it
    if zero_lag {
        let zero_lag_pairs: usize = (0..got.weights.len())
            .map(|k| {
                let (s, t) = (got.sources[k] as usize, got.targets[k] as usize);
                let d = (got.delays_ms[k] / DT).round() as i64;
                pre_s[s]
                    .iter()
                    .filter(|&&p| post_s[t].contains(&(p - d)))
                    .count()
            })
            .sum();
        assert!(zero_lag_pairs > 0, "no pairing at zero lag in these trains");
    }
    // initial weights: from a twin built but not run
    let twin = Simulation::build(&def, threads).unwrap();
    let init = twin.weights(twin.projection_ids()[0].0).unwrap().unwrap();
    let mut worst: f64 = 0.0;
    let mut changed = 0;
    for k in 0..got.weights.len() {
        let (s, t) = (got.sources[k] as usize, got.targets[k] as usize);
        let d = (got.delays_ms[k] / DT).round() as i64;
        let expect = dense_reference(
            &rule,
            &pre_s[s],
            &post_s[t],
            &da_s,
            d,
            init.weights[k],
            steps,
        );
        let diff = (got.weights[k] - expect).abs() / expect.abs().max(1e-3);
        worst = worst.max(diff);
        if (got.weights[k] - init.weights[k]).abs() > 1e-6 {
            changed += 1;
        }
    }
    assert!(
        changed > got.weights.len() / 2,
        "the rule must change most weights"
    );
    worst
}

fn triplet(preset: usize) -> PlasticityDef {
    let mut p: BTreeMap<String, f64> = params(&[("Wmax", 2.0)]);
    // the published amplitudes are per pairing; scale them up so 2.5 s of activity moves weights
    let (name, ..) = cajal_core::plasticity::TRIPLET_PRESETS[preset];
    let base = PlasticityDef::from_params("stdp_triplet", &p, None, Some(name), None).unwrap();
    if let PlasticityDef::Triplet {
        a2_plus,
        a3_plus,
        a2_minus,
        a3_minus,
        ..
    } = base
    {
        p.insert("Aplus".into(), a2_plus * 10.0);
        p.insert("Aplus_triplet".into(), a3_plus * 10.0);
        p.insert("Aminus".into(), a2_minus * 10.0);
        p.insert("Aminus_triplet".into(), a3_minus * 10.0);
    }
    PlasticityDef::from_params("stdp_triplet", &p, None, Some(name), None).unwrap()
}

fn dopamine(b: f64, w_max: f64) -> PlasticityDef {
    PlasticityDef::from_params(
        "stdp_dopamine",
        &params(&[
            ("A_plus", 0.5),
            ("A_minus", 0.6),
            ("tau_c", 300.0),
            ("tau_n", 100.0),
            ("b", b),
            ("Wmin", 0.0),
            ("Wmax", w_max),
        ]),
        None,
        None,
        Some(3),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, .. ProptestConfig::default() })]

    #[test]
    fn event_driven_equals_dense_reference(seed in 0u64..1_000_000, threads in 1usize..3) {
        let rules: Vec<(&str, PlasticityDef, (f64, f64))> = vec![
            ("additive all-to-all", stdp(0.0, Pairing::AllToAll, false), (2.0, 8.0)),
            ("multiplicative all-to-all", stdp(1.0, Pairing::AllToAll, false), (2.0, 8.0)),
            ("additive nearest", stdp(0.0, Pairing::Nearest, false), (2.0, 8.0)),
            ("Gütig mu 0.4 nearest", stdp(0.4, Pairing::Nearest, false), (2.0, 8.0)),
            ("symmetric", stdp(0.0, Pairing::AllToAll, true), (0.5, 3.0)),
            ("additive all-to-all, zero lag depresses", zero_lag(stdp(0.0, Pairing::AllToAll, false)), (2.0, 8.0)),
            ("multiplicative nearest, zero lag depresses", zero_lag(stdp(1.0, Pairing::Nearest, false)), (2.0, 8.0)),
            ("symmetric, zero lag pairs", zero_lag(stdp(0.0, Pairing::AllToAll, true)), (0.5, 3.0)),
            ("triplet visual all-to-all", triplet(0), (0.5, 1.5)),
            ("triplet visual nearest", triplet(1), (0.5, 1.5)),
            ("triplet hippocampal all-to-all", triplet(2), (0.5, 1.5)),
            ("dopamine b=0", dopamine(0.0, 50.0), (5.0, 20.0)),
            // with a baseline, dw/dt can change sign between events; bounds are applied at events
            // (as NEST does), so the comparison keeps the weights away from them
            ("dopamine b=0.002", dopamine(0.002, 1000.0), (200.0, 300.0)),
        ];
        for (name, rule, w) in rules {
            let worst = compare_with_dense(rule, seed, threads, w);
            prop_assert!(worst < 1e-9, "{name}: largest relative difference {worst:e}");
        }
    }

    #[test]
    fn zero_lag_depression_on_the_dense_path_equals_the_reference(seed in 0u64..1_000_000, threads in 1usize..3) {
        // one delay for all synapses of an all-to-all projection: the engine's dense path
        for rule in [
            zero_lag(stdp(0.0, Pairing::AllToAll, false)),
            zero_lag(stdp(0.0, Pairing::Nearest, true)),
        ] {
            let worst = compare_with_dense_at(rule, seed, threads, (2.0, 8.0), Dist::Const(1.0));
            prop_assert!(worst < 1e-9, "largest relative difference {worst:e}");
        }
    }

    #[test]
    fn inhibitory_plastic_weights_keep_their_sign(seed in 0u64..1000) {
        let mut rule = stdp(0.0, Pairing::AllToAll, false);
        if let PlasticityDef::Stdp { w_max, .. } = &mut rule {
            *w_max = -10.0;
        }
        let worst = compare_with_dense(rule, seed, 1, (-8.0, -2.0));
        prop_assert!(worst < 1e-9, "largest relative difference {worst:e}");
    }
}

/// Sjöström et al. (2001) pairing protocol on the triplet rule with Pfister & Gerstner's
/// visual-cortex parameters (all-to-all): 60 pairings at Δt = ±10 ms and 0.1–50 Hz. Their Fig. 4:
/// depression for post-before-pre at low frequency, potentiation growing with frequency for both
/// orders. Returns the relative weight changes (%) per frequency for +10 and −10 ms.
fn pairing_frequency_curve(preset: &str) -> Vec<(f64, f64, f64)> {
    let freqs = [0.1, 10.0, 20.0, 40.0, 50.0];
    let d = DT; // the synapse sees postsynaptic spikes one step late: shift them by d
    let (mut pre, mut drive) = (Vec::new(), Vec::new());
    for &f in &freqs {
        for dt_pair in [10.0, -10.0] {
            let period = 1000.0 / f;
            let starts: Vec<f64> = (0..60).map(|k| 100.0 + k as f64 * period).collect();
            pre.push(starts.clone());
            // a drive spike at T makes the post neuron fire in the next step
            drive.push(starts.iter().map(|t| t + dt_pair - d - DT).collect());
        }
    }
    let rule =
        PlasticityDef::from_params("stdp_triplet", &params(&[]), None, Some(preset), None).unwrap();
    let def = network(
        pre,
        drive,
        rule,
        Dist::Const(1.0),
        Dist::Const(d),
        true,
        None,
    );
    let mut sim = Simulation::build(&def, 1).unwrap();
    sim.run(100.0 + 60.0 * 10_000.0 + 100.0, |_, _| {}).unwrap();
    let w = sim.weights(sim.projection_ids()[0].0).unwrap().unwrap();
    let n_post = steps_of(&sim, 2, 10);
    assert!(
        n_post.iter().all(|p| p.len() == 60),
        "every pairing must fire the neuron"
    );
    freqs
        .iter()
        .enumerate()
        .map(|(i, &f)| {
            let k = |j: usize| w.sources.iter().position(|&s| s as usize == j).unwrap();
            (
                f,
                (w.weights[k(2 * i)] - 1.0) * 100.0,
                (w.weights[k(2 * i + 1)] - 1.0) * 100.0,
            )
        })
        .collect()
}

#[test]
fn triplet_pairing_frequency_as_in_pfister_gerstner_fig4() {
    let curve = pairing_frequency_curve("visual_cortex_all_to_all");
    for (f, plus, minus) in &curve {
        eprintln!("{f:5.1} Hz: Δt +10 ms {plus:+8.2} %, Δt −10 ms {minus:+8.2} %");
    }
    let plus: Vec<f64> = curve.iter().map(|c| c.1).collect();
    let minus: Vec<f64> = curve.iter().map(|c| c.2).collect();
    assert!(
        plus.windows(2).all(|w| w[1] > w[0]),
        "LTP must grow with frequency: {plus:?}"
    );
    // post-before-pre: depression up to 20 Hz, turning into potentiation at 40–50 Hz
    assert!(
        minus[..3].iter().all(|&x| x < -20.0),
        "LTD at low rates: {minus:?}"
    );
    assert!(
        minus[3] > minus[2] && minus[4] > minus[3],
        "then rising: {minus:?}"
    );
    assert!(
        plus[4] > 0.0 && minus[4] > 0.0,
        "both orders potentiate at 50 Hz"
    );
}

/// Synaptic scaling and an astrocyte-set depression rate against the dense reference run in
/// lockstep over all synapses (scaling couples the synapses of a target; the astrocyte, all of
/// them). Returns the largest relative difference and the astrocyte's final value.
fn compare_homeostasis_with_dense(
    seed: u64,
    threads: usize,
    astro: bool,
    scale: bool,
    lag: ZeroLag,
) -> f64 {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let t_max = 2500.0;
    let (n_pre, n_post) = (4, 3);
    let mut trains = |n: usize| -> Vec<Vec<f64>> {
        (0..n)
            .map(|_| {
                let r = rng.random_range(12.0..40.0);
                poisson_times(&mut rng, r, t_max)
            })
            .collect()
    };
    let (pre, drive) = (trains(n_pre), trains(n_post));
    let rule = stdp(0.0, Pairing::AllToAll, false)
        .with_zero_lag(lag)
        .unwrap();
    let mut def = network(
        pre,
        drive,
        rule.clone(),
        Dist::Uniform {
            low: 2.0,
            high: 8.0,
        },
        Dist::Uniform {
            low: 0.1,
            high: 3.0,
        },
        false,
        None,
    );
    let (target, every) = (14.0, 300.0);
    if scale {
        def.projections[0].scaling = Some(ScalingDef { target, every });
    }
    let astro_def = AstrocyteDef {
        name: "a".into(),
        liquid: vec![2],
        input: vec![0],
        w: 0.01,
        bias: 0.012,
        tau: 50.0,
        initial: 0.02,
        w_input: None,
    };
    if astro {
        def.astrocytes = vec![astro_def.clone()];
        def.projections[0].astrocyte = Some(0);
    }
    let (sim, steps, pre_s, post_s) = run_split(&def, threads, t_max, n_pre, n_post);
    let got = sim.weights(sim.projection_ids()[0].0).unwrap().unwrap();
    let fresh = Simulation::build(&def, threads).unwrap();
    let init = fresh.weights(fresh.projection_ids()[0].0).unwrap().unwrap();
    // the astrocyte from the recorded spikes: A at the start of each step
    let a_steps: Vec<f64> = {
        let mut n = vec![0.0; steps as usize];
        for s in post_s.iter().flatten() {
            n[*s as usize] += 1.0;
        }
        for s in pre_s.iter().flatten() {
            n[*s as usize] -= 1.0;
        }
        let mut a = astro_def.initial;
        let mut out = Vec::with_capacity(n.len());
        for c in n {
            out.push(a);
            a += (astro_def.w * c + (astro_def.bias - a) * DT) / astro_def.tau;
        }
        out
    };
    let mut syns: Vec<DenseSynapse> = (0..got.weights.len())
        .map(|k| {
            let (s, t) = (got.sources[k] as usize, got.targets[k] as usize);
            let d = (got.delays_ms[k] / DT).round() as i64;
            DenseSynapse::new(&rule, &pre_s[s], &post_s[t], &[], d, init.weights[k])
        })
        .collect();
    let every_steps = (every / DT).round() as i64;
    for t in 0..steps {
        if scale && t % every_steps == 0 {
            let mut sums = vec![0.0; n_post];
            for (k, syn) in syns.iter().enumerate() {
                sums[got.targets[k] as usize] += syn.u;
            }
            for (k, syn) in syns.iter_mut().enumerate() {
                syn.u = (syn.u * target / sums[got.targets[k] as usize]).clamp(0.0, 10.0);
            }
        }
        let rate = astro.then(|| a_steps[t as usize].max(0.0));
        for syn in syns.iter_mut() {
            syn.step(t, rate);
        }
    }
    let mut worst: f64 = 0.0;
    for (k, syn) in syns.iter().enumerate() {
        let diff = (got.weights[k] - syn.u).abs() / syn.u.max(1e-3);
        worst = worst.max(diff);
    }
    if astro {
        // the astrocyte moved away from its start and the reference follows the same path
        let a_end = a_steps.last().copied().unwrap();
        assert!(
            (a_end - astro_def.initial).abs() > 1e-3,
            "astrocyte at {a_end}"
        );
    }
    worst
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, .. ProptestConfig::default() })]

    #[test]
    fn scaling_and_astrocyte_equal_the_dense_reference(seed in 0u64..1_000_000, threads in 1usize..3) {
        let cases = [
            (false, true, ZeroLag::Unpaired),
            (true, false, ZeroLag::Unpaired),
            (true, true, ZeroLag::Unpaired),
            (true, false, ZeroLag::Depress),
        ];
        for (astro, scale, lag) in cases {
            let worst = compare_homeostasis_with_dense(seed, threads, astro, scale, lag);
            prop_assert!(
                worst < 1e-9,
                "astrocyte {astro}, scaling {scale}, {lag:?}: largest relative difference {worst:e}"
            );
        }
    }
}

#[test]
fn scaled_weights_sum_to_the_target_at_every_scaling() {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(5);
    let pre: Vec<Vec<f64>> = (0..6)
        .map(|_| poisson_times(&mut rng, 30.0, 1050.0))
        .collect();
    let drive: Vec<Vec<f64>> = (0..4)
        .map(|_| poisson_times(&mut rng, 20.0, 1050.0))
        .collect();
    let mut def = network(
        pre,
        drive,
        stdp(0.0, Pairing::AllToAll, false),
        Dist::Uniform {
            low: 0.5,
            high: 4.0,
        },
        Dist::Const(1.0),
        false,
        None,
    );
    def.projections[0].scaling = Some(ScalingDef {
        target: 9.0,
        every: 100.0,
    });
    def.projections[0].record_weights = Some(100.0);
    let mut sim = Simulation::build(&def, 1).unwrap();
    sim.run(1050.0, |_, _| {}).unwrap();
    let w = sim.weights(sim.projection_ids()[0].0).unwrap().unwrap();
    assert_eq!(w.history.len(), 11, "snapshots at 0, 100, …, 1000 ms");
    for (row, t) in w.history.iter().zip(&w.times_ms) {
        let mut sums = [0.0; 4];
        for (k, x) in row.iter().enumerate() {
            sums[w.targets[k] as usize] += x;
        }
        for s in sums {
            assert!((s - 9.0).abs() < 1e-12, "at {t} ms a target sums to {s}");
        }
    }
    // between scalings (here 1000 → 1050 ms) STDP moves the sums away from the target
    let end: Vec<f64> = (0..4)
        .map(|i| {
            (0..w.weights.len())
                .filter(|&k| w.targets[k] == i)
                .map(|k| w.weights[k])
                .sum()
        })
        .collect();
    assert!(
        end.iter().any(|s| (s - 9.0).abs() > 1e-3),
        "sums at the end {end:?}"
    );
}
