//! Short-term plasticity (`tsodyks_synapse`): each spike of a depressing or facilitating
//! synapse reaches its targets with the weight the Tsodyks-Markram equations give, computed
//! here from the spike times alone; the targets' currents equal those of a twin network where
//! every spike has its own static synapse of that weight (to 1e-5 pA: the twin's static weights
//! are kept in single precision, 6e-8 of 100 pA; measured at most 3.7e-6 pA).

use cajal_core::*;

const DT: f64 = 0.1;

/// The release of each spike of a train (ms, as stamped) under `def`, by the equations written
/// out here (NEST's `tsodyks_synapse`), independently of the engine's code.
fn releases(def: &TsodyksDef, times: &[f64]) -> Vec<f64> {
    let (mut x, mut y, mut u, mut last) = (def.x0, def.y0, def.u0, 0.0);
    let mut out = Vec::new();
    for &t in times {
        let h = t - last;
        // resources: recovered x, active y, inactive z = 1 - x - y
        let z = 1.0 - x - y;
        let y_decayed = y * (-h / def.tau_psc).exp();
        // z gains what y loses and relaxes into x with tau_rec (z' = y/tau_psc - z/tau_rec,
        // solved): x(h) = 1 - y(h) - z(h)
        let a = def.tau_rec / (def.tau_psc - def.tau_rec);
        let z_h = z * (-h / def.tau_rec).exp()
            + y * a * ((-h / def.tau_psc).exp() - (-h / def.tau_rec).exp());
        x = 1.0 - y_decayed - z_h;
        y = y_decayed;
        u = if def.tau_fac > 0.0 {
            u * (-h / def.tau_fac).exp()
        } else {
            0.0
        };
        u += def.u_increment * (1.0 - u);
        let d = u * x;
        x -= d;
        y += d;
        last = t;
        out.push(d);
    }
    out
}

fn target(net: &mut Network) -> PopulationId {
    let t = net
        .add_population(
            Population::new("target", ModelKind::IafPscExp, 2)
                .param("tau_syn_ex", 3.0)
                .param("tau_syn_in", 3.0),
        )
        .unwrap();
    net.add_record(
        Record::spikes(t)
            .variables(&["I_syn_ex", "I_syn_in", "V_m"])
            .interval(DT),
    )
    .unwrap();
    t
}

fn currents(sim: &mut Simulation, pop: PopulationId) -> Vec<f64> {
    sim.run(120.0, |_, _| {}).unwrap();
    let tr = sim.state_trace(pop).unwrap().unwrap();
    let mut out = Vec::new();
    for name in ["I_syn_ex", "I_syn_in"] {
        out.extend(tr.variables.iter().find(|v| v.0 == name).unwrap().1.iter());
    }
    out
}

#[test]
fn every_spike_is_delivered_with_the_weight_the_equations_give() {
    let trains = [
        vec![5.0, 10.0, 12.0, 14.0, 40.0, 41.5, 43.0, 90.0],
        vec![7.0, 8.0, 9.0, 60.0],
    ];
    let weights = [250.0, -125.0]; // exact in single precision
    for def in [
        TsodyksDef {
            u_increment: 0.4,
            tau_rec: 120.0,
            tau_fac: 0.0,
            tau_psc: 3.0,
            ..TsodyksDef::NEST
        },
        TsodyksDef {
            u_increment: 0.1,
            tau_rec: 50.0,
            tau_fac: 300.0,
            tau_psc: 3.0,
            ..TsodyksDef::NEST
        },
        TsodyksDef {
            u_increment: 0.3,
            tau_rec: 80.0,
            tau_fac: 20.0,
            tau_psc: 3.0,
            u0: 0.2,
            x0: 0.7,
            y0: 0.1,
        },
    ] {
        // the network with short-term plasticity
        let mut net = Network::new(DT, 1).unwrap();
        let gen = net
            .add_population(
                Population::new("gen", ModelKind::SpikeGenerator, 2).spike_times(trains.to_vec()),
            )
            .unwrap();
        let tgt = target(&mut net);
        net.connect(
            Projection::new(
                gen,
                tgt,
                Rule::Explicit {
                    sources: vec![0, 0, 1, 1],
                    targets: vec![0, 1, 0, 1],
                    weights: Some(vec![weights[0], weights[0], weights[1], weights[1]]),
                    delays: Some(vec![1.0, 2.0, 1.0, 1.5]),
                },
            )
            .tsodyks(def),
        )
        .unwrap();
        let mut sim = net.build(1).unwrap();
        let got = currents(&mut sim, tgt);

        // the twin: one generator per spike, each through a static synapse of weight w * release
        let mut twin = Network::new(DT, 1).unwrap();
        let mut times = Vec::new();
        let (mut sources, mut targets, mut ws, mut delays) = (vec![], vec![], vec![], vec![]);
        for (j, train) in trains.iter().enumerate() {
            // a spike at t is stamped at the end of its step, t itself on the grid
            for (k, d) in releases(&def, train).into_iter().enumerate() {
                let g = times.len() as u32;
                times.push(vec![train[k]]);
                for (tg, delay) in [(0u32, 1.0), (1, if j == 0 { 2.0 } else { 1.5 })] {
                    sources.push(g);
                    targets.push(tg);
                    ws.push(weights[j] * d);
                    delays.push(delay);
                }
            }
        }
        let n = times.len();
        let gens = twin
            .add_population(Population::new("gen", ModelKind::SpikeGenerator, n).spike_times(times))
            .unwrap();
        let ttgt = target(&mut twin);
        twin.connect(Projection::new(
            gens,
            ttgt,
            Rule::Explicit {
                sources,
                targets,
                weights: Some(ws),
                delays: Some(delays),
            },
        ))
        .unwrap();
        let mut tsim = twin.build(1).unwrap();
        let want = currents(&mut tsim, ttgt);
        assert_eq!(got.len(), want.len());
        let worst = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        // the twin's weights pass through single precision (the engine's static weights)
        assert!(worst < 1e-5, "{def:?}: currents differ by {worst} pA");
        assert!(
            want.iter().any(|&i| i.abs() > 10.0),
            "the synapses carried current"
        );
    }
}

#[test]
fn impossible_parameters_are_refused_with_the_rule() {
    let mut net = Network::new(DT, 1).unwrap();
    let a = net
        .add_population(Population::new("a", ModelKind::IafPscExp, 2))
        .unwrap();
    for (def, says) in [
        (
            TsodyksDef {
                u_increment: 1.5,
                ..TsodyksDef::NEST
            },
            "U must be in [0, 1]",
        ),
        (
            TsodyksDef {
                tau_rec: -1.0,
                ..TsodyksDef::NEST
            },
            "tau_rec must be a finite time > 0 ms",
        ),
        (
            TsodyksDef {
                tau_psc: 800.0,
                ..TsodyksDef::NEST
            },
            "other than tau_rec",
        ),
        (
            TsodyksDef {
                x0: 0.8,
                y0: 0.4,
                ..TsodyksDef::NEST
            },
            "x + y <= 1",
        ),
        (
            TsodyksDef {
                tau_fac: f64::NAN,
                ..TsodyksDef::NEST
            },
            "tau_fac must be",
        ),
    ] {
        let e = net
            .connect(Projection::new(a, a, Rule::AllToAll).tsodyks(def))
            .unwrap_err();
        assert!(e.to_string().contains(says), "{e}");
    }
}

#[test]
fn weights_can_be_set_to_zero_but_not_flipped() {
    // (a weight at zero carries nothing, so the next setting may give it either sign)
    let mut net = Network::new(DT, 1).unwrap();
    let gen = net
        .add_population(
            Population::new("gen", ModelKind::SpikeGenerator, 1).spike_times(vec![vec![5.0]]),
        )
        .unwrap();
    let tgt = target(&mut net);
    net.connect(
        Projection::new(gen, tgt, Rule::AllToAll)
            .weight(-40.0)
            .tsodyks(TsodyksDef::NEST),
    )
    .unwrap();
    let mut sim = net.build(1).unwrap();
    let (proj, _) = sim.projection_ids()[0];
    sim.set_weights(proj, &[0.0, -10.0]).unwrap();
    assert_eq!(
        sim.weights(proj).unwrap().unwrap().weights,
        vec![0.0, -10.0]
    );
    let e = sim.set_weights(proj, &[0.0, 10.0]).unwrap_err();
    assert!(e.to_string().contains("other sign"), "{e}");
}
