//! Checkpoints: simulating T, checkpointing, restoring into a fresh simulation and simulating T
//! more gives the same spikes and weights, bit for bit, as one run of 2T (static and plastic
//! networks, 1 and 2 threads); damaged checkpoints are refused, never decoded.

mod common;

use cajal_core::*;
use common::{params, population};
use std::path::Path;

/// A small E/I network with Poisson drive; with `plastic`, Poisson sources reach E through pair
/// STDP with synaptic scaling, E has an adaptive threshold, and an astrocyte modulates depression.
fn network(plastic: bool) -> NetworkDef {
    network_with(plastic, ZeroLag::Unpaired)
}

/// [`network`] with the STDP's pairings at zero lag handled as `lag` says.
fn network_with(plastic: bool, lag: ZeroLag) -> NetworkDef {
    let mut e = population("E", ModelKind::IafPscExp, 1500, &[]);
    if plastic {
        e.threshold = Some(ThresholdDef::Adaptive {
            theta_plus: 0.2,
            tau_theta: 500.0,
        });
    }
    let i = population("I", ModelKind::IafPscExp, 400, &[]);
    let src = population("src", ModelKind::PoissonSource, 300, &[("rate", 10.0)]);
    let proj = |name: &str, s, t, w: Dist, indegree| {
        let delay = Dist::Uniform {
            low: 1.0,
            high: 3.0,
        };
        let rule = Rule::FixedIndegree { indegree };
        ProjectionDef {
            allow_autapses: false,
            ..ProjectionDef::new(name, s, t, rule, w, delay)
        }
    };
    let mut projections = vec![
        proj("EE", 0, 0, Dist::Const(40.0), 50),
        proj("EI", 0, 1, Dist::Const(40.0), 50),
        proj("IE", 1, 0, Dist::Const(-160.0), 20),
        proj("II", 1, 1, Dist::Const(-160.0), 20),
    ];
    let mut astrocytes = vec![];
    if plastic {
        let mut p = proj(
            "srcE",
            2,
            0,
            Dist::Uniform {
                low: 20.0,
                high: 80.0,
            },
            30,
        );
        p.plasticity = Some(
            PlasticityDef::from_params(
                "stdp",
                &params(&[("lambda", 0.01), ("Wmax", 100.0), ("mu_plus", 0.0)]),
                None,
                None,
                None,
            )
            .and_then(|r| r.with_zero_lag(lag))
            .unwrap(),
        );
        p.scaling = Some(ScalingDef {
            target: 1500.0,
            every: 300.0,
        });
        p.astrocyte = Some(0);
        p.record_weights = Some(250.0);
        projections.push(p);
        astrocytes.push(AstrocyteDef {
            name: "a".into(),
            liquid: vec![0, 1],
            input: vec![2],
            w: 0.001,
            bias: 0.01,
            tau: 100.0,
            initial: 0.01,
            w_input: None,
        });
    }
    NetworkDef {
        dt: 0.1,
        seed: 9,
        populations: vec![e, i, src],
        projections,
        inputs: vec![InputDef {
            kind: InputKind::Poisson {
                rate: 9000.0,
                weight: 30.0,
                delay: 0.1,
            },
            target: 0,
            neurons: None,
            start: 0.0,
            stop: f64::INFINITY,
        }],
        records: vec![
            RecordDef {
                population: 0,
                spikes: true,
                neurons: Selection::All,
                state_neurons: None,
                variables: vec!["V_m".into()],
                interval: 1.0,
            },
            RecordDef {
                population: 1,
                spikes: true,
                neurons: Selection::All,
                state_neurons: None,
                variables: vec![],
                interval: 1.0,
            },
        ],
        astrocytes,
    }
}

#[test]
fn resuming_from_a_checkpoint_equals_an_uninterrupted_run() {
    let t = 600.0;
    // SpiNNaker's convention at zero lag is part of the network, not of the saved state: the
    // resumed run takes it from the network it is built from
    let lags = [
        (false, ZeroLag::Unpaired),
        (true, ZeroLag::Unpaired),
        (true, ZeroLag::Depress),
    ];
    let mut final_weights = Vec::new();
    for (plastic, lag) in lags {
        for threads in [1, 2] {
            let def = network_with(plastic, lag);
            let mut whole = Simulation::build(&def, threads).unwrap();
            whole.run(2.0 * t, |_, _| {}).unwrap();

            let mut first = Simulation::build(&def, threads).unwrap();
            first.run(t, |_, _| {}).unwrap();
            let bytes = first.checkpoint_bytes(b"caller block");
            drop(first);
            let ck = Checkpoint::from_bytes(&bytes, Path::new("mem")).unwrap();
            assert_eq!(ck.extra, b"caller block");
            assert_eq!(ck.time_ms(), t);
            let mut resumed = Simulation::build(&def, threads).unwrap();
            resumed.restore(ck).unwrap();
            resumed.run(t, |_, _| {}).unwrap();

            let what = format!("plastic {plastic}, {lag:?}, {threads} threads");
            assert!(
                whole
                    .spike_trains(whole.population_ids()[0])
                    .unwrap()
                    .times
                    .len()
                    > 1000,
                "{what}: E must fire"
            );
            for pop in 0..2 {
                assert_eq!(
                    whole.spike_trains(whole.population_ids()[pop]).unwrap(),
                    resumed.spike_trains(resumed.population_ids()[pop]).unwrap(),
                    "{what}"
                );
            }
            assert_eq!(
                whole.state_trace(whole.population_ids()[0]).unwrap(),
                resumed.state_trace(resumed.population_ids()[0]).unwrap(),
                "{what}: V_m"
            );
            assert_eq!(
                whole.state_now(whole.population_ids()[0], "V_m").ok(),
                resumed.state_now(resumed.population_ids()[0], "V_m").ok(),
                "{what}"
            );
            if plastic {
                assert_eq!(
                    whole.weights(whole.projection_ids()[4].0).unwrap(),
                    resumed.weights(resumed.projection_ids()[4].0).unwrap(),
                    "{what}: weights"
                );
                final_weights.push((lag, whole.weights(whole.projection_ids()[4].0).unwrap()));
                assert_eq!(
                    whole.state_now(whole.population_ids()[0], "theta").ok(),
                    resumed.state_now(resumed.population_ids()[0], "theta").ok()
                );
                assert_eq!(
                    whole.astrocyte_trace(whole.astrocyte_ids()[0].0).unwrap(),
                    resumed
                        .astrocyte_trace(resumed.astrocyte_ids()[0].0)
                        .unwrap()
                );
            }
        }
    }
    // the two conventions lead to other weights in this network (so the check above covers it)
    let (unpaired, depress) = (&final_weights[0], &final_weights[2]);
    assert_eq!(
        (unpaired.0, depress.0),
        (ZeroLag::Unpaired, ZeroLag::Depress)
    );
    assert_ne!(unpaired.1, depress.1);
}

/// [`network`] without plasticity plus its Poisson sources reaching E through reward-modulated STDP,
/// the dopamine released by the inhibitory population.
fn reward_network() -> NetworkDef {
    let mut def = network(false);
    let mut p = def.projections[0].clone();
    p.name = "srcE".into();
    p.source = 2;
    p.target = 0;
    p.rule = Rule::FixedIndegree { indegree: 30 };
    p.weight = Dist::Uniform {
        low: 20.0,
        high: 80.0,
    };
    p.plasticity = Some(
        PlasticityDef::from_params(
            "stdp_dopamine",
            &params(&[
                ("A_plus", 2.0),
                ("A_minus", 2.5),
                ("Wmax", 100.0),
                ("b", 0.001),
            ]),
            None,
            None,
            Some(1),
        )
        .unwrap(),
    );
    def.projections.push(p);
    def
}

/// The dopamine integral the reward-modulated synapses use is not saved: a resumed run rebuilds
/// it, mid-way between two flushes, and must still match an uninterrupted one bit for bit.
#[test]
fn resuming_reward_modulated_synapses_equals_an_uninterrupted_run() {
    let t = 650.0;
    for threads in [1, 2] {
        let def = reward_network();
        let mut whole = Simulation::build(&def, threads).unwrap();
        whole.run(2.0 * t, |_, _| {}).unwrap();
        let mut first = Simulation::build(&def, threads).unwrap();
        first.run(t, |_, _| {}).unwrap();
        let ck = Checkpoint::from_bytes(&first.checkpoint_bytes(b""), Path::new("mem")).unwrap();
        let mut resumed = Simulation::build(&def, threads).unwrap();
        resumed.restore(ck).unwrap();
        resumed.run(t, |_, _| {}).unwrap();
        let fresh = Simulation::build(&def, threads).unwrap();
        let start = fresh.weights(fresh.projection_ids()[4].0).unwrap();
        assert_ne!(
            whole.weights(whole.projection_ids()[4].0).unwrap(),
            start,
            "{threads} threads: the weights must change"
        );
        assert_eq!(
            whole.weights(whole.projection_ids()[4].0).unwrap(),
            resumed.weights(resumed.projection_ids()[4].0).unwrap(),
            "{threads} threads"
        );
        assert_eq!(
            whole.spike_trains(whole.population_ids()[0]).unwrap(),
            resumed.spike_trains(resumed.population_ids()[0]).unwrap()
        );
    }
}

#[test]
fn damaged_checkpoints_are_refused_and_the_previous_one_still_loads() {
    let def = network(true);
    let mut sim = Simulation::build(&def, 1).unwrap();
    sim.run(100.0, |_, _| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.ckpt");
    sim.save_checkpoint(&path, b"extra").unwrap();
    let good = std::fs::read(&path).unwrap();
    let n = good.len();
    // truncated at many positions
    for k in 0..200 {
        let cut = k * n / 200;
        let e = Checkpoint::from_bytes(&good[..cut], &path)
            .err()
            .expect("refused");
        assert!(e.to_string().contains("run.ckpt"), "{e}");
    }
    // one byte changed at many positions (header and body)
    for k in 0..300 {
        let at = (k * 7919) % n;
        let mut bad = good.clone();
        bad[at] ^= 0x5a;
        let e = Checkpoint::from_bytes(&bad, &path).err();
        assert!(e.is_some(), "a change at byte {at} of {n} went unnoticed");
    }
    // a later save over it that never completes (the temporary file only) leaves it intact
    std::fs::write(dir.path().join(".run.ckpt.tmp4242"), &good[..n / 2]).unwrap();
    let ck = Checkpoint::read(&path).unwrap();
    let mut again = Simulation::build(&def, 1).unwrap();
    again.restore(ck).unwrap();
    assert_eq!(again.time_ms(), 100.0);
    // another thread count (another partition layout) is refused with the fix
    let mut two = Simulation::build(&def, 2).unwrap();
    let e = two.restore(Checkpoint::read(&path).unwrap()).unwrap_err();
    assert!(e.to_string().contains("--threads 1"), "{e}");
    let e = Checkpoint::from_bytes(b"hello", &path).err().unwrap();
    assert!(e.to_string().contains("not a Cajal checkpoint"), "{e}");
}
