//! Diehl & Cook (2015) built from the engine's populations, projections and rules and trained
//! through its episodes: accuracy and training images per second on one thread, the figures of
//! docs/learning.md ("On the engine"; `cajal learn diehl-cook` runs the same network with
//! checkpoints, outputs and parallel testing).
//!
//! The engine's network is `cajal_learn::on_engine::EngineNetwork`.
//!
//! Run: `cargo run --release -p cajal-learn --example diehl_cook_engine -- [neurons] [train]
//! [label] [test] [conductance]` (`conductance`: the engine's network with conductance-based
//! synapses, as Diehl & Cook published it) (default 100 2000 1000 1000; Fashion-MNIST from Debian's
//! dataset-fashion-mnist, or `CAJAL_DATA=folder` of IDX files).

use cajal_data::idx::{self, DatasetName, ImageSet, Split};
use cajal_learn::diehl_cook::DiehlCookConfig;
use cajal_learn::diehl_cook::SynapseModel;
use cajal_learn::evaluate::{assign_labels, classify, Confusion};
use cajal_learn::on_engine::EngineNetwork;
use cajal_learn::train::Pass;
use std::time::Instant;

fn rng(pass: Pass, i: usize) -> impl rand::Rng {
    cajal_core::rng::stream(1, cajal_core::rng::Purpose::Encode, pass as u64, i as u64)
}

/// Accuracy of the vote of the labelled neurons on `test`, with `answer(pass, image index)`.
fn evaluate(
    train: &ImageSet,
    label: std::ops::Range<usize>,
    test: &ImageSet,
    mut answer: impl FnMut(Pass, &ImageSet, usize) -> Vec<u32>,
) -> f64 {
    let responses: Vec<Vec<u32>> = label
        .clone()
        .map(|k| answer(Pass::Label, train, k))
        .collect();
    let labels: Vec<u8> = label.map(|k| train.labels[k]).collect();
    let assignments = assign_labels(&responses, &labels, 10);
    let predictions: Vec<Option<u8>> = (0..test.count())
        .map(|k| classify(&answer(Pass::Test, test, k), &assignments, 10))
        .collect();
    Confusion::new(&test.labels, &predictions, 10).accuracy()
}

fn main() {
    let words: Vec<String> = std::env::args().skip(1).collect();
    let synapses = if words.iter().any(|w| w == "conductance") {
        SynapseModel::Conductance
    } else {
        SynapseModel::Current
    };
    let args: Vec<usize> = words
        .iter()
        .filter(|w| *w != "conductance")
        .map(|a| {
            a.parse()
                .expect("numbers: neurons train label test [conductance]")
        })
        .collect();
    let arg = |k: usize, default: usize| args.get(k).copied().unwrap_or(default);
    let (neurons, n_train, n_label, n_test) =
        (arg(0, 100), arg(1, 2000), arg(2, 1000), arg(3, 1000));
    let folder = std::env::var_os("CAJAL_DATA").map(std::path::PathBuf::from);
    let load = |split| {
        idx::load(DatasetName::FashionMnist, split, folder.as_deref())
            .expect("Fashion-MNIST: apt-get install dataset-fashion-mnist, or CAJAL_DATA=folder")
    };
    let (train, test) = (load(Split::Train), load(Split::Test).take(n_test));
    // the conductance-based network takes the published values of its task file
    let mut config: DiehlCookConfig = if synapses == SynapseModel::Conductance {
        toml::from_str(include_str!(
            "../../../examples/learn/diehl_cook_conductance.toml"
        ))
        .expect("the conductance task file")
    } else {
        DiehlCookConfig::default()
    };
    config.excitatory.neurons = neurons;
    let inputs = train.pixels_per_image();
    let label = n_train.saturating_sub(n_label)..n_train;

    // the engine
    let t0 = Instant::now();
    let mut net = EngineNetwork::with_synapses(&config, inputs, 1, synapses).unwrap();
    for k in 0..n_train {
        net.present(
            &config,
            train.image(k % train.count()),
            &mut rng(Pass::Train, k),
        )
        .expect("the engine's network presents an image");
    }
    let engine_train_s = t0.elapsed().as_secs_f64();
    net.set_learning(false);
    let engine_acc = evaluate(&train, label.clone(), &test, |pass, set, k| {
        net.present(&config, set.image(k % set.count()), &mut rng(pass, k))
            .expect("the engine's network presents an image")
    });

    println!(
        "Diehl & Cook, {neurons} excitatory neurons, trained on {n_train} Fashion-MNIST images, \
         labelled on the last {n_label}, tested on {n_test}, one thread:"
    );
    println!(
        "  engine ({synapses:?} synapses): accuracy {:6.2} %, training {:7.1} images/s",
        100.0 * engine_acc,
        n_train as f64 / engine_train_s
    );
}
