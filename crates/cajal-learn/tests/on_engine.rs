//! Diehl & Cook on the engine (`cajal_learn::on_engine`): trained through episodes on synthetic
//! classes, the labelled neurons classify them far above chance, and labelling and testing with
//! learning off leave the network as it is.

use cajal_learn::diehl_cook::DiehlCookConfig;
use cajal_learn::diehl_cook::SynapseModel;
use cajal_learn::evaluate::{assign_labels, classify, Confusion};
use cajal_learn::on_engine::EngineNetwork;

mod common;
use common::synthetic;

#[test]
fn the_engine_network_learns_synthetic_classes() {
    learns_synthetic_classes(SynapseModel::Current);
}

#[test]
fn the_conductance_based_network_learns_synthetic_classes() {
    learns_synthetic_classes(SynapseModel::Conductance);
}

fn learns_synthetic_classes(synapses: SynapseModel) {
    let mut c = DiehlCookConfig::default();
    c.excitatory.neurons = 20;
    c.schedule.presentation = 100.0;
    c.stdp.norm = 12.0;
    let (train, test) = (synthetic(300, 2), synthetic(100, 3));
    let mut net = EngineNetwork::with_synapses(&c, 144, 11, synapses).unwrap();
    let rng = |pass: u64, i: usize| {
        cajal_core::rng::stream(1, cajal_core::rng::Purpose::Encode, pass, i as u64)
    };
    for k in 0..train.count() {
        net.present(&c, train.image(k), &mut rng(0, k)).unwrap();
    }
    net.sim.set_learning(false);
    let labelled: Vec<Vec<u32>> = (0..train.count())
        .map(|k| net.present(&c, train.image(k), &mut rng(1, k)).unwrap())
        .collect();
    let assignments = assign_labels(&labelled, &train.labels, 10);
    let answer = |net: &mut EngineNetwork| -> Vec<Option<u8>> {
        (0..test.count())
            .map(|k| {
                classify(
                    &net.present(&c, test.image(k), &mut rng(2, k)).unwrap(),
                    &assignments,
                    10,
                )
            })
            .collect()
    };
    let predictions = answer(&mut net);
    let acc = Confusion::new(&test.labels, &predictions, 10).accuracy();
    eprintln!("synthetic bars on the engine, {synapses:?} synapses: accuracy {acc}");
    // ten well separated bars: far above the 10 % of chance
    assert!(acc > 0.6, "accuracy {acc}");
    // frozen: the same input gets the same answer
    assert_eq!(answer(&mut net), predictions);
}

/// Task-file values the engine refuses (input weights beyond 32-bit floats) and an image of the
/// wrong size are errors that say what to change, not panics.
#[test]
fn impossible_values_and_a_wrong_image_are_errors() {
    let mut c = DiehlCookConfig::default();
    c.excitatory.neurons = 5;
    c.stdp.w_max = 1e300;
    c.stdp.w_init = 1e300;
    let e = EngineNetwork::new(&c, 144, 1).err().expect("refused");
    assert!(e.to_string().contains("do not make a network"), "{e}");
    assert!(e.to_string().contains("weight"), "{e}");

    let mut rng = cajal_core::rng::stream(1, cajal_core::rng::Purpose::Encode, 0, 0);
    let mut net = EngineNetwork::new(&DiehlCookConfig::default(), 144, 1).unwrap();
    let e = net
        .present(&DiehlCookConfig::default(), &[255u8; 200], &mut rng)
        .unwrap_err();
    assert!(e.to_string().contains("does not fit"), "{e}");
}
