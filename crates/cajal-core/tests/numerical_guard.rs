//! A NaN or infinity in the state stops a run with the same error on any number of threads: each
//! partition scans its own state after it advances, and the first bad value in partition order
//! (population, then neuron) is the one reported.

mod common;

use cajal_core::*;
use common::population;

/// A spike at 10 ms reaches neurons 1,100 and 3,000 of the 4,096 conductance-based neurons of
/// "cells" with a conductance jump that makes their integration blow up; a population before it
/// stays sane. On 2 and 3 threads the two neurons lie in different partitions (whole blocks of
/// 1,024 neurons, cut into equal shares), on 1 thread in the same.
fn unstable() -> NetworkDef {
    let mut gen = population("source", ModelKind::SpikeGenerator, 1, &[]);
    gen.spike_times = vec![vec![10.0]];
    let kick = Rule::Explicit {
        sources: vec![0, 0],
        targets: vec![3000, 1100],
        weights: None,
        delays: None,
    };
    NetworkDef {
        dt: 0.1,
        seed: 2,
        populations: vec![
            gen,
            population("calm", ModelKind::IafPscDelta, 500, &[]),
            population("cells", ModelKind::IafCondExp, 4096, &[]),
        ],
        projections: vec![ProjectionDef::new(
            "kick",
            0,
            2,
            kick,
            Dist::Const(1e30),
            Dist::Const(1.0),
        )],
        inputs: vec![],
        records: vec![],
        astrocytes: vec![],
    }
}

fn error_on(threads: usize) -> NumericalError {
    let mut sim = Simulation::build(&unstable(), threads).unwrap();
    sim.run(100.0, |_, _| {})
        .expect_err("the kicked neurons must blow up")
}

#[test]
fn the_same_first_bad_value_is_reported_on_1_2_3_threads() {
    let one = error_on(1);
    assert_eq!(
        (one.population.as_str(), one.neuron, one.variable.as_str()),
        ("cells", 1100, "V_m"),
        "{one}"
    );
    assert!(!one.value.is_finite(), "{one}");
    assert!(one.time_ms > 11.0 && one.time_ms <= 12.0, "{one}");
    for threads in [2, 3] {
        let e = error_on(threads);
        assert_eq!(
            (
                &e.population,
                e.neuron,
                &e.variable,
                e.time_ms,
                e.last_finite_ms
            ),
            (
                &one.population,
                one.neuron,
                &one.variable,
                one.time_ms,
                one.last_finite_ms
            ),
            "{threads} threads: {e}"
        );
        assert_eq!(
            e.value.is_nan(),
            one.value.is_nan(),
            "{threads} threads: {e}"
        );
    }
}
