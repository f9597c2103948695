//! Correctness against closed-form solutions of the membrane equations.
//!
//! Tolerance: 1e-9 relative. The propagators are exact, so the only error is floating-point
//! rounding accumulated over a few thousand steps (~1e-13); weights are chosen exactly
//! representable in f32 (the synapse storage type) so that storage adds no error.

mod common;
use cajal_core::ModelKind;
use common::*;

const DT: f64 = 0.1;

fn assert_close(what: &str, t: f64, got: f64, want: f64, scale: f64) {
    let err = (got - want).abs();
    assert!(
        err <= 1e-9 * scale,
        "{what}: at t = {t} ms got {got}, closed form {want} (error {err:e}, allowed {:e})",
        1e-9 * scale
    );
}

/// Post-synaptic potential of one input spike arriving at t = t_a, relative to E_L, for each model.
fn psp(kind: ModelKind, w: f64, tau_m: f64, tau_s: f64, c_m: f64, s: f64) -> f64 {
    if s < 0.0 {
        return 0.0;
    }
    match kind {
        ModelKind::IafPscDelta => w * (-s / tau_m).exp(),
        ModelKind::IafPscExp => {
            w / c_m * tau_m * tau_s / (tau_m - tau_s) * ((-s / tau_m).exp() - (-s / tau_s).exp())
        }
        ModelKind::IafPscAlpha => {
            let (a, b) = (1.0 / tau_s, 1.0 / tau_m);
            let d = a - b;
            w * std::f64::consts::E * a / c_m * ((-b * s).exp() - (-a * s).exp() * (1.0 + d * s))
                / (d * d)
        }
        _ => unreachable!(),
    }
}

#[test]
fn single_input_spike_matches_closed_form_psp() {
    let (e_l, tau_m, tau_s, c_m) = (-65.0, 10.0, 2.0, 250.0);
    for (kind, w) in [
        (ModelKind::IafPscDelta, 0.5),
        // inhibitory: iaf_psc_delta keeps one ring for both signs
        (ModelKind::IafPscDelta, -0.5),
        (ModelKind::IafPscExp, 1000.0),
        (ModelKind::IafPscAlpha, 1000.0),
    ] {
        let mut p = vec![
            ("E_L", e_l),
            ("tau_m", tau_m),
            ("C_m", c_m),
            ("V_reset", e_l),
            ("V_th", 100.0),
        ];
        if kind != ModelKind::IafPscDelta {
            p.push(("tau_syn_ex", tau_s));
        }
        let (t_spike, delay) = (5.0, 1.5);
        let def = one_input_spike(kind, &p, w, t_spike, delay, DT);
        let (times, v, _) = trace(&def, 100.0, 1);
        let t_a = t_spike + delay;
        let peak = (0..1000)
            .map(|k| psp(kind, w, tau_m, tau_s, c_m, k as f64 * 0.1).abs())
            .fold(0.0, f64::max);
        assert!(
            peak > 0.1,
            "{kind:?}: PSP should be visible (peak {peak} mV)"
        );
        for (t, v) in times.iter().zip(&v) {
            let want = e_l + psp(kind, w, tau_m, tau_s, c_m, t - t_a);
            // relative to the PSP's size (V - E_L), the quantity the model computes
            assert_close(
                &format!("{kind:?}"),
                *t,
                *v - e_l,
                want - e_l,
                (want - e_l).abs().max(1e-3 * peak),
            );
        }
    }
}

#[test]
fn constant_current_charges_the_membrane_as_closed_form() {
    let (e_l, tau_m, c_m, i_e) = (-70.0, 10.0, 250.0, 300.0);
    for kind in [
        ModelKind::IafPscDelta,
        ModelKind::IafPscExp,
        ModelKind::IafPscAlpha,
    ] {
        let p = [
            ("E_L", e_l),
            ("tau_m", tau_m),
            ("C_m", c_m),
            ("I_e", i_e),
            ("V_th", -50.0),
            ("V_reset", -70.0),
        ];
        let def = lone_neuron(kind, &p, DT, DT);
        let (times, v, spikes) = trace(&def, 200.0, 0);
        assert!(
            spikes.is_empty(),
            "{kind:?}: 300 pA through 40 MOhm stays below threshold"
        );
        for (t, v) in times.iter().zip(&v) {
            let dv = i_e * tau_m / c_m * (1.0 - (-t / tau_m).exp());
            assert_close(&format!("{kind:?}"), *t, v - e_l, dv, dv);
        }
    }
}

/// Analytic period of a LIF neuron under constant current, and its value on the grid: after the
/// refractory steps, the neuron integrates exactly and spikes at the first step end where
/// V >= V_th, so the period is (ref_steps + ceil(t_int / dt)) * dt.
fn lif_periods(
    i_e: f64,
    tau_m: f64,
    c_m: f64,
    v_th: f64,
    v_reset: f64,
    t_ref: f64,
    dt: f64,
) -> (f64, Vec<f64>) {
    let v_inf = i_e * tau_m / c_m;
    let t_int = tau_m * ((v_inf - v_reset) / (v_inf - v_th)).ln();
    let steps = t_int / dt;
    let mut grid = vec![(t_ref / dt).round() * dt + steps.ceil() * dt];
    if (steps - steps.round()).abs() < 1e-6 {
        // exactly on a step: rounding may put the crossing on either side
        grid.push((t_ref / dt).round() * dt + (steps.round() + 1.0) * dt);
    }
    (t_ref + t_int, grid)
}

#[test]
fn lif_rate_under_constant_current_follows_the_analytic_f_i_curve() {
    let (tau_m, c_m, t_ref) = (10.0, 250.0, 2.0);
    // V relative to E_L = 0: threshold 15 mV, reset 0 mV, rheobase 375 pA
    for kind in [
        ModelKind::IafPscDelta,
        ModelKind::IafPscExp,
        ModelKind::IafPscAlpha,
    ] {
        for i_e in [380.0, 400.0, 500.0, 750.0, 1000.0, 2000.0, 5000.0] {
            let p = [
                ("E_L", 0.0),
                ("tau_m", tau_m),
                ("C_m", c_m),
                ("I_e", i_e),
                ("V_th", 15.0),
                ("V_reset", 0.0),
                ("t_ref", t_ref),
            ];
            let def = lone_neuron(kind, &p, DT, 1000.0);
            let (_, _, spikes) = trace(&def, 2000.0, 0);
            let (t_analytic, grid) = lif_periods(i_e, tau_m, c_m, 15.0, 0.0, t_ref, DT);
            assert!(spikes.len() >= 3, "{kind:?} at {i_e} pA fires");
            // the first spike starts from V = E_L = V_reset, so every ISI is a full period
            let mut prev = 0.0;
            for &t in &spikes {
                let isi = if prev == 0.0 { t + t_ref } else { t - prev };
                assert!(
                    grid.iter().any(|g| (isi - g).abs() < 1e-6),
                    "{kind:?} at {i_e} pA: ISI {isi} ms, grid period {grid:?} (analytic {t_analytic})"
                );
                prev = t;
            }
            // rate against the continuous f-I curve: the grid adds less than one step per period
            let rate = 1000.0 * spikes.len() as f64 / 2000.0;
            let rate_analytic = 1000.0 / t_analytic;
            let bound = rate_analytic * DT / t_analytic + 1000.0 / 2000.0;
            assert!(
                (rate - rate_analytic).abs() <= bound,
                "{kind:?} at {i_e} pA: rate {rate} Hz vs analytic {rate_analytic} Hz (bound {bound})"
            );
        }
    }
}

#[test]
fn current_below_rheobase_never_fires() {
    let p = [
        ("E_L", 0.0),
        ("tau_m", 10.0),
        ("C_m", 250.0),
        ("I_e", 374.0),
        ("V_th", 15.0),
        ("V_reset", 0.0),
    ];
    let (_, v, spikes) = trace(&lone_neuron(ModelKind::IafPscDelta, &p, DT, 1.0), 1000.0, 0);
    assert!(spikes.is_empty());
    assert!((v.last().unwrap() - 374.0 * 10.0 / 250.0).abs() < 1e-9);
}

/// A spike time given twice is two spikes, recorded twice and delivered twice, as NEST 3.10
/// emits them: spike_generator [1, 1, 2] ms into an iaf_psc_delta (weight 1 mV, delay 1 ms,
/// threshold out of reach) records three spikes, and V_m jumps by 2 mV at 2 ms, then by 1 mV
/// at 3 ms (NEST: -68.0 at 2.0 ms and -67.190325 at 3.0 ms).
#[test]
fn a_spike_time_given_twice_is_two_spikes_as_in_nest() {
    let mut def = common::one_input_spike(
        ModelKind::IafPscDelta,
        &[("V_th", 1000.0)],
        1.0,
        1.0,
        1.0,
        0.1,
    );
    def.populations[0].spike_times = vec![vec![1.0, 1.0, 2.0]];
    def.records[0].population = 0;
    let mut with_gen = def.clone();
    with_gen.records.push(cajal_core::RecordDef {
        population: 1,
        ..def.records[0].clone()
    });
    with_gen.records[0].variables.clear();
    let mut sim = cajal_core::Simulation::build(&with_gen, 1).unwrap();
    sim.run(5.0, |_, _| {}).unwrap();
    let gen = sim.spike_trains(sim.population_ids()[0]).unwrap();
    assert_eq!(gen.times, vec![1.0, 1.0, 2.0]);
    let st = sim
        .state_trace(sim.population_ids()[1])
        .unwrap()
        .expect("recorded");
    let v = &st.variables.iter().find(|(n, _)| n == "V_m").unwrap().1;
    let at = |t: f64| v[st.times.iter().position(|&x| (x - t).abs() < 1e-9).unwrap()];
    // E_L = -70 mV, tau_m = 10 ms: the jump of 2 mV decays for 1 ms before the next one
    assert!((at(1.9) - -70.0).abs() < 1e-12, "{}", at(1.9));
    assert!((at(2.0) - -68.0).abs() < 1e-12, "{}", at(2.0));
    let want = -70.0 + 2.0 * (-1.0f64 / 10.0).exp() + 1.0;
    assert!((at(3.0) - want).abs() < 1e-12, "{} vs {want}", at(3.0));
    assert!((want - -67.190_325_163_928_08).abs() < 1e-9);
}
