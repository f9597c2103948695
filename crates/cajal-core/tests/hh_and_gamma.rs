//! `hh_cond_exp_traub` and `gamma_source` against what they must be independently of NEST (the
//! comparison with NEST, trace for trace, is tests/pynn/test_against_nest.py):
//! - with its sodium and potassium conductances off, the Hodgkin–Huxley membrane is a leaky
//!   one, whose trajectory under a constant current is known in closed form;
//! - the adaptive integration does not depend on the time step: runs at 0.1 and 0.01 ms give the
//!   same action potentials;
//! - each action potential is one spike;
//! - the gamma source's intervals follow the gamma distribution (Kolmogorov–Smirnov against the
//!   Erlang distribution function), its trains are stationary from the start, and they are the
//!   same for any number of threads.

use cajal_core::*;

/// One `hh_cond_exp_traub` neuron with `params`, V_m recorded every `interval` ms for `ms`:
/// (times, V_m, spike times).
fn hh(params: &[(&str, f64)], dt: f64, ms: f64, interval: f64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut net = Network::new(dt, 1).unwrap();
    let mut pop = Population::new("hh", ModelKind::HhCondExpTraub, 1);
    for &(k, v) in params {
        pop = pop.param(k, v);
    }
    let cell = net.add_population(pop).unwrap();
    net.add_record(Record::spikes(cell).variables(&["V_m"]).interval(interval))
        .unwrap();
    let mut sim = net.build(1).unwrap();
    sim.run(ms, |_, _| {}).unwrap();
    let tr = sim.state_trace(cell).unwrap().unwrap();
    let v = tr
        .variables
        .iter()
        .find(|v| v.0 == "V_m")
        .unwrap()
        .1
        .clone();
    let spikes = sim.spike_trains(cell).unwrap().times;
    (tr.times.clone(), v, spikes)
}

/// Passive membrane: V(t) = V∞ + (E_L − V∞) e^{−t g_L / C_m}, V∞ = E_L + I_e / g_L. The
/// integrator keeps each sub-step's error below 1e-3 mV; on this smooth trajectory the
/// accumulated error measured is far smaller, so the bound is 1e-4 mV.
#[test]
fn without_its_channels_the_membrane_is_a_leaky_one() {
    let (g_l, c_m, e_l, i_e) = (10.0, 200.0, -60.0, 150.0);
    let (t, v, spikes) = hh(
        &[("g_Na", 0.0), ("g_K", 0.0), ("I_e", i_e)],
        0.1,
        100.0,
        0.1,
    );
    assert!(spikes.is_empty());
    let v_inf = e_l + i_e / g_l;
    let mut worst: f64 = 0.0;
    for (tk, vk) in t.iter().zip(&v) {
        let exact = v_inf + (e_l - v_inf) * (-tk * g_l / c_m).exp();
        worst = worst.max((vk - exact).abs());
    }
    assert!(worst < 1e-4, "largest error {worst} mV");
    assert!(v.len() == 1000);
}

/// The sub-steps are chosen by the error control, not by the time step: with a constant current
/// the action potentials at dt = 0.1 and 0.01 ms are the same ones (the spike, detected past
/// the peak, up to two coarse steps later), and the membrane sampled every 0.1 ms agrees more
/// than 1.5 ms from a spike to 0.01 mV (measured 0.004 mV: the error control's tolerance, 1e-3
/// per sub-step, where the two runs cut their sub-steps at different step ends).
#[test]
fn the_time_step_does_not_change_the_action_potentials() {
    let p = [("I_e", 400.0)];
    let (t1, v1, s1) = hh(&p, 0.1, 100.0, 0.1);
    let (t2, v2, s2) = hh(&p, 0.01, 100.0, 0.1);
    assert!(s1.len() >= 5, "{s1:?}");
    assert_eq!(s1.len(), s2.len(), "{s1:?} against {s2:?}");
    for (coarse, fine) in s1.iter().zip(&s2) {
        // a spike is the end of the first step whose membrane is below its start, so it comes
        // one or two coarse steps after the peak
        assert!(
            coarse - fine > -1e-9 && coarse - fine <= 0.2 + 1e-9,
            "{coarse} against {fine}"
        );
    }
    assert_eq!(t1.len(), t2.len());
    for k in 0..t1.len() {
        let near_spike = s1.iter().any(|s| (t1[k] - s).abs() < 1.5);
        if !near_spike {
            assert!(
                (v1[k] - v2[k]).abs() < 0.01,
                "at {} ms: {} against {} mV",
                t1[k],
                v1[k],
                v2[k]
            );
        }
    }
}

/// Each action potential (an upward crossing of V_T + 30 mV, seen at dt = 0.01 ms) gives exactly
/// one spike, at the step just past its peak. (The refractory time, 2 ms by default, is what
/// makes it one: as in NEST, with `t_ref` = 0 every falling step above V_T + 30 mV is a spike.)
#[test]
fn each_action_potential_is_one_spike() {
    let (t, v, spikes) = hh(&[("I_e", 800.0)], 0.01, 100.0, 0.01);
    let threshold = -63.0 + 30.0;
    let upward: Vec<f64> = (1..v.len())
        .filter(|&k| v[k - 1] < threshold && v[k] >= threshold)
        .map(|k| t[k])
        .collect();
    assert!(upward.len() >= 5);
    assert_eq!(upward.len(), spikes.len(), "{upward:?} against {spikes:?}");
    for (u, s) in upward.iter().zip(&spikes) {
        // the peak follows the crossing within a fraction of a millisecond
        assert!(s > u && s - u < 0.5, "crossing {u} ms, spike {s} ms");
        let k = t.iter().position(|x| (x - s).abs() < 1e-9).unwrap();
        assert!(v[k] < v[k - 1], "the spike's step is past the peak");
    }
}

/// Gamma sources of `n` neurons at `rate` Hz and shape `shape`, run for `ms` with `threads`:
/// the spike times of each neuron.
fn gamma(n: usize, rate: f64, shape: f64, ms: f64, threads: usize, seed: u64) -> Vec<Vec<f64>> {
    renewal(n, rate, shape, 0.0, ms, threads, seed)
}

/// [`gamma`] with a dead time (ms).
fn renewal(
    n: usize,
    rate: f64,
    shape: f64,
    dead_time: f64,
    ms: f64,
    threads: usize,
    seed: u64,
) -> Vec<Vec<f64>> {
    let mut net = Network::new(0.1, seed).unwrap();
    let src = net
        .add_population(
            Population::new("g", ModelKind::GammaSource, n)
                .param("rate", rate)
                .param("gamma_shape", shape)
                .param("dead_time", dead_time),
        )
        .unwrap();
    net.add_record(Record::spikes(src)).unwrap();
    let mut sim = net.build(threads).unwrap();
    sim.run(ms, |_, _| {}).unwrap();
    let SpikeTrains { times, senders } = sim.spike_trains(src).unwrap();
    let mut out = vec![Vec::new(); n];
    for (t, s) in times.iter().zip(&senders) {
        out[*s as usize].push(*t);
    }
    out
}

/// The Erlang (integer-shape gamma) distribution function with shape k and mean `mean`.
fn erlang_cdf(x: f64, k: u32, mean: f64) -> f64 {
    let y = x * k as f64 / mean;
    let mut term = 1.0;
    let mut sum = 1.0;
    for j in 1..k {
        term *= y / j as f64;
        sum += term;
    }
    1.0 - (-y).exp() * sum
}

/// Intervals against the gamma distribution (shifted by the dead time), Kolmogorov–Smirnov: the
/// statistic D stays below 1.63/√n (the 1 % critical value) plus the largest change of the
/// distribution function over one step of 0.1 ms (intervals are measured on the grid).
#[test]
fn gamma_intervals_follow_the_gamma_distribution() {
    for (rate, shape, dead) in [
        (50.0, 2.0, 0.0),
        (20.0, 4.0, 0.0),
        (100.0, 1.0, 0.0),
        (100.0, 1.0, 5.0),
        (50.0, 3.0, 8.0),
    ] {
        let trains = renewal(10, rate, shape, dead, 20_000.0, 1, 7);
        let mut isi: Vec<f64> = trains
            .iter()
            .flat_map(|t| t.windows(2).map(|w| w[1] - w[0]))
            .collect();
        isi.sort_by(f64::total_cmp);
        let n = isi.len() as f64;
        // the gamma part's mean
        let mean = 1000.0 / rate - dead;
        assert!(n > 3000.0);
        assert!(isi[0] > dead - 0.1 - 1e-9, "an interval of {} ms", isi[0]);
        let k = shape as u32;
        let mut d: f64 = 0.0;
        for (i, x) in isi.iter().enumerate() {
            let f = erlang_cdf((x - dead).max(0.0), k, mean);
            d = d
                .max((f - i as f64 / n).abs())
                .max(((i + 1) as f64 / n - f).abs());
        }
        let grid = (0..1000)
            .map(|j| {
                let x = j as f64 * mean / 100.0;
                erlang_cdf(x + 0.1, k, mean) - erlang_cdf(x, k, mean)
            })
            .fold(0.0, f64::max);
        let bound = 1.63 / n.sqrt() + grid;
        assert!(
            d < bound,
            "rate {rate} shape {shape} dead time {dead}: D = {d}, bound {bound}"
        );
        // and the coefficient of variation is that of the shifted gamma distribution
        let m = isi.iter().sum::<f64>() / n;
        let var = isi.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
        let cv = var.sqrt() / m;
        let expected = mean / shape.sqrt() / (1000.0 / rate);
        assert!(
            (cv - expected).abs() < 0.05,
            "rate {rate} shape {shape} dead time {dead}: CV {cv}, expected {expected}"
        );
    }
}

/// Asserts that `trains` have `expected` spikes per train, within `tolerance`, in each 20 ms
/// window from the start, the middle and the end of their 100 ms.
fn assert_stationary(trains: &[Vec<f64>], expected: f64, tolerance: f64) {
    for (from, to) in [(0.0, 20.0), (40.0, 60.0), (80.0, 100.0)] {
        let count: usize = trains
            .iter()
            .map(|t| t.iter().filter(|&&x| x > from && x <= to).count())
            .sum();
        let per_train = count as f64 / trains.len() as f64;
        assert!(
            (per_train - expected).abs() < tolerance,
            "{from}-{to} ms: {per_train}, expected {expected}"
        );
    }
}

/// The trains start in the steady state: the count in the first 20 ms is the rate's, not that of
/// a renewal process started with a spike at 0 (for shape 8 at 50 Hz that would be about 0.39
/// spikes per neuron where the steady state has 1.0).
#[test]
fn gamma_trains_are_stationary_from_the_start() {
    // expected 1.0; the count per neuron has variance below 1/8 (regular trains): 5 SE of the
    // mean over 4000 neurons is below 0.03
    assert_stationary(&gamma(4000, 50.0, 8.0, 100.0, 1, 3), 1.0, 0.03);
}

/// With a dead time too: a Poisson process with dead time 15 ms at 40 Hz (mean interval 25 ms),
/// started in its steady state, has 0.8 spikes per neuron in every 20 ms from the start.
#[test]
fn trains_with_a_dead_time_are_stationary_from_the_start() {
    // the counts' Fano factor is about the intervals' CV², (10/25)² = 0.16, so the mean over
    // 4000 neurons has a standard error near 0.006: 0.04 is 7 of them (a train started with a
    // spike at 0 would have 0.39 in the first 20 ms)
    assert_stationary(&renewal(4000, 40.0, 1.0, 15.0, 100.0, 1, 5), 0.8, 0.04);
}

#[test]
fn gamma_trains_do_not_depend_on_the_thread_count() {
    let one = gamma(700, 80.0, 3.0, 200.0, 1, 11);
    let two = gamma(700, 80.0, 3.0, 200.0, 2, 11);
    assert!(one.iter().map(Vec::len).sum::<usize>() > 5000);
    assert_eq!(one, two);
}

#[test]
fn impossible_gamma_parameters_are_refused() {
    for (name, value) in [
        ("gamma_shape", 0.0),
        ("rate", -1.0),
        ("gamma_shape", f64::NAN),
        ("dead_time", -1.0),
        // the default rate is 10 Hz: a mean interval of 100 ms, which the dead time must be below
        ("dead_time", 100.0),
    ] {
        let mut net = Network::new(0.1, 1).unwrap();
        let err = net
            .add_population(Population::new("g", ModelKind::GammaSource, 3).param(name, value))
            .unwrap_err()
            .to_string();
        assert!(err.contains(name), "{err}");
    }
}

/// Shapes that are not whole numbers, below 1 too (bursty trains, where many intervals are far
/// below a step): the mean interval is 1/rate and the coefficient of variation 1/√shape. On the
/// grid, intervals shorter than a step merge into one step (two spikes in a step are two
/// spikes, 0 ms apart), so the mean is checked from the count and the CV within 0.1.
#[test]
fn non_integer_shapes_keep_the_rate_and_the_variability() {
    for (rate, shape) in [(20.0, 0.5), (40.0, 2.5)] {
        let trains = gamma(20, rate, shape, 20_000.0, 1, 9);
        let count: usize = trains.iter().map(Vec::len).sum();
        let expected = 20.0 * rate * 20.0;
        // the count of a renewal process over T has variance about CV² × mean
        let se = (expected / shape).sqrt();
        assert!(
            (count as f64 - expected).abs() < 5.0 * se,
            "shape {shape}: {count} spikes, expected {expected}"
        );
        let isi: Vec<f64> = trains
            .iter()
            .flat_map(|t| t.windows(2).map(|w| w[1] - w[0]))
            .collect();
        let n = isi.len() as f64;
        let m = isi.iter().sum::<f64>() / n;
        let cv = (isi.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n).sqrt() / m;
        assert!(
            (cv - 1.0 / shape.sqrt()).abs() < 0.1,
            "shape {shape}: CV {cv}, expected {}",
            1.0 / shape.sqrt()
        );
    }
}

/// A rate far beyond one spike per step does not stall a step: each neuron emits
/// `GammaSource::MAX_PER_STEP` spikes in each step and the train goes on in the next (at 1e12 Hz
/// the uncapped loop would draw 1e8 intervals per neuron and step).
#[test]
fn an_enormous_rate_keeps_each_step_bounded() {
    let cap = cajal_core::neuron::GammaSource::MAX_PER_STEP as usize;
    let trains = gamma(3, 1e12, 100.0, 1.0, 1, 1);
    for t in &trains {
        for step in 0..10 {
            let at = (step + 1) as f64 * 0.1;
            let n = t.iter().filter(|&&x| (x - at).abs() < 1e-9).count();
            assert_eq!(n, cap, "{n} spikes in step {step}");
        }
    }
}
