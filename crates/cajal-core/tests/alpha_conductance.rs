//! The alpha-conductance neurons (`iaf_cond_alpha`, `aeif_cond_alpha`): an input spike of weight
//! w opens the conductance as `w (t/τ) e^{1 − t/τ}` (peak w at t = τ), exactly, and the membrane
//! driven by such conductances converges to a fine-step reference with RK4's order.

use cajal_core::*;

/// One neuron of `kind` receiving spikes at `times` through weight `w` (nS; negative:
/// inhibitory), with `I_e` = `i_e`, recorded every 0.1 ms: (times, V_m, g_ex, g_in).
fn run(
    kind: ModelKind,
    times: &[f64],
    w: f64,
    i_e: f64,
    dt: f64,
) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut net = Network::new(dt, 1).unwrap();
    let gen = net
        .add_population(
            Population::new("in", ModelKind::SpikeGenerator, 1).spike_times(vec![times.to_vec()]),
        )
        .unwrap();
    let cell = net
        .add_population(
            Population::new("cell", kind, 1)
                .param("tau_syn_ex", 0.3)
                .param("tau_syn_in", 0.5)
                .param("I_e", i_e),
        )
        .unwrap();
    net.connect(
        Projection::new(gen, cell, Rule::AllToAll)
            .weight(w)
            .delay(1.0),
    )
    .unwrap();
    net.add_record(
        Record::spikes(cell)
            .variables(&["V_m", "g_ex", "g_in"])
            .interval(0.1),
    )
    .unwrap();
    let mut sim = net.build(1).unwrap();
    sim.run(30.0, |_, _| {}).unwrap();
    let tr = sim.state_trace(cell).unwrap().unwrap();
    let var = |name: &str| tr.variables.iter().find(|v| v.0 == name).unwrap().1.clone();
    (tr.times.clone(), var("V_m"), var("g_ex"), var("g_in"))
}

#[test]
fn a_spike_opens_an_alpha_shaped_conductance_exactly() {
    for kind in [ModelKind::IafCondAlpha, ModelKind::AeifCondAlpha] {
        for (w, tau) in [(4.0, 0.3), (-6.0, 0.5)] {
            let (t, _, g_ex, g_in) = run(kind, &[5.0], w, 0.0, 0.1);
            // the spike at 5 ms arrives after its 1 ms delay, at the end of the step to 6 ms
            let g = if w > 0.0 { &g_ex } else { &g_in };
            let mut peak: f64 = 0.0;
            for (k, &tk) in t.iter().enumerate() {
                let s = tk - 6.0;
                let expected = if s < 1e-9 {
                    0.0
                } else {
                    w.abs() * s / tau * (1.0 - s / tau).exp()
                };
                assert!(
                    (g[k] - expected).abs() < 1e-12 * w.abs(),
                    "{kind:?} w {w}: g({tk}) = {}, expected {expected}",
                    g[k]
                );
                peak = peak.max(g[k]);
            }
            // sampled every 0.1 ms, the peak at τ after the arrival is seen within 1 % of |w|
            assert!(
                (peak - w.abs()).abs() < 0.01 * w.abs(),
                "{kind:?}: peak {peak}"
            );
        }
    }
}

#[test]
fn the_membrane_under_alpha_conductances_converges_with_order_four() {
    // subthreshold: a train of excitatory and inhibitory inputs onto a neuron near rest
    let times = [2.0, 2.3, 5.0, 7.7, 8.0, 12.4];
    for kind in [ModelKind::IafCondAlpha, ModelKind::AeifCondAlpha] {
        let (tr, reference, _, _) = run(kind, &times, 3.0, 100.0, 0.001);
        let mut errs = Vec::new();
        for dt in [0.1, 0.05, 0.025] {
            let (t, v, _, _) = run(kind, &times, 3.0, 100.0, dt);
            assert_eq!(t.len(), tr.len());
            let e = v
                .iter()
                .zip(&reference)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            errs.push(e);
        }
        let orders: Vec<f64> = errs.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
        eprintln!("{kind:?}: errors {errs:?}, observed orders {orders:?}");
        assert!(
            reference.iter().all(|&v| v < -50.0),
            "{kind:?} stays below threshold"
        );
        assert!(errs[0] < 1e-3, "{kind:?}: error at dt 0.1 is {}", errs[0]);
        assert!(
            orders.iter().all(|&o| o > 3.5),
            "{kind:?}: orders {orders:?}"
        );
    }
}
