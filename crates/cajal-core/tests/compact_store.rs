//! The compact synapse store (2-byte targets, one weight per run, one delay per partition:
//! `Csr::compacted`) gives the same spikes as the full store (8-byte synapses), end to end: a
//! Brunel-like network of 5,000 iaf_psc_delta neurons with fixed in-degrees, constant weights
//! and one delay, where compaction applies, run for 200 ms, built both ways on 1, 2 and 3
//! threads. Every spike train (times and senders of both populations) must be identical between
//! the two stores and across thread counts.

mod common;

use cajal_core::*;
use common::population;

/// Brunel's (2000) network in the asynchronous irregular regime, scaled down to NE = 4000,
/// NI = 1000 (CE = 400, CI = 100, J = 0.1 mV, g = 5, D = 1.5 ms, eta = 2), every spike recorded.
fn brunel() -> NetworkDef {
    let params = [
        ("E_L", 0.0),
        ("C_m", 1.0),
        ("tau_m", 20.0),
        ("t_ref", 2.0),
        ("V_th", 20.0),
        ("V_reset", 10.0),
    ];
    let e = population("E", ModelKind::IafPscDelta, 4000, &params);
    let i = population("I", ModelKind::IafPscDelta, 1000, &params);
    let proj = |name: &str, source, target, w: f64, indegree| {
        let rule = Rule::FixedIndegree { indegree };
        ProjectionDef::new(name, source, target, rule, Dist::Const(w), Dist::Const(1.5))
    };
    let drive = |target| InputDef {
        kind: InputKind::Poisson {
            rate: 20000.0,
            weight: 0.1,
            delay: 1.5,
        },
        target,
        neurons: None,
        start: 0.0,
        stop: f64::INFINITY,
    };
    let record = |population| RecordDef {
        population,
        spikes: true,
        neurons: Selection::All,
        state_neurons: None,
        variables: vec![],
        interval: 0.1,
    };
    NetworkDef {
        dt: 0.1,
        seed: 3,
        populations: vec![e, i],
        projections: vec![
            proj("EE", 0, 0, 0.1, 400),
            proj("EI", 0, 1, 0.1, 400),
            proj("IE", 1, 0, -0.5, 100),
            proj("II", 1, 1, -0.5, 100),
        ],
        inputs: vec![drive(0), drive(1)],
        records: vec![record(0), record(1)],
        astrocytes: vec![],
    }
}

/// Runs `sim` for 200 ms and returns the spike trains of both populations.
fn spikes(mut sim: Simulation) -> Vec<SpikeTrains> {
    sim.run(200.0, |_, _| {}).expect("finite state");
    (0..2)
        .map(|p| sim.spike_trains(sim.population_ids()[p]).unwrap())
        .collect()
}

#[test]
fn compact_and_full_synapse_stores_give_identical_spikes_on_1_2_and_3_threads() {
    let def = brunel();
    let mut reference: Option<Vec<SpikeTrains>> = None;
    for threads in [1, 2, 3] {
        let compact = Simulation::build(&def, threads).expect("builds");
        let full = Simulation::build_full_store(&def, threads).expect("builds");
        assert_eq!(compact.synapses(), 5000 * 500);
        assert_eq!(compact.synapses(), full.synapses());
        let (bytes_compact, bytes_full) = (compact.synapse_bytes(), full.synapse_bytes());
        eprintln!(
            "{threads} thread(s): synapse store {bytes_compact} bytes compact, {bytes_full} full"
        );
        // 2 bytes a synapse instead of 8: compaction applied to every group of partitions
        assert!(
            bytes_compact * 3 < bytes_full,
            "{threads} thread(s): the store was not compacted ({bytes_compact} bytes compact, \
             {bytes_full} full)"
        );
        let (a, b) = (spikes(compact), spikes(full));
        let counts: Vec<usize> = a.iter().map(|s| s.times.len()).collect();
        eprintln!("{threads} thread(s): spikes E, I {counts:?}");
        // a network that fires (about 20 Hz), so that delivery is really compared
        assert!(
            counts[0] > 4000 * 2 && counts[1] > 1000 * 2,
            "too few spikes to compare: {counts:?}"
        );
        for (p, (sa, sb)) in a.iter().zip(&b).enumerate() {
            assert_eq!(
                sa.times.len(),
                sb.times.len(),
                "population {p}: spike counts"
            );
            assert!(
                sa == sb,
                "{threads} thread(s), population {p}: the compact store's spikes differ from \
                 the full store's (first difference at spike {:?})",
                first_difference(sa, sb)
            );
        }
        match &reference {
            None => reference = Some(a),
            Some(r) => {
                for (p, (sr, sa)) in r.iter().zip(&a).enumerate() {
                    assert!(
                        sr == sa,
                        "population {p}: spikes on {threads} threads differ from 1 thread's \
                         (first difference at spike {:?})",
                        first_difference(sr, sa)
                    );
                }
            }
        }
    }
}

/// Index of the first spike (time or sender) that differs, or the shorter length.
fn first_difference(a: &SpikeTrains, b: &SpikeTrains) -> usize {
    let n = a.times.len().min(b.times.len());
    (0..n)
        .find(|&k| a.times[k].to_bits() != b.times[k].to_bits() || a.senders[k] != b.senders[k])
        .unwrap_or(n)
}
