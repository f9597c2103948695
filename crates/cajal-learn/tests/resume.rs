//! An interrupted training resumed from its checkpoint ends with exactly the weights and
//! thresholds of an uninterrupted one; and learning on synthetic classes works without a dataset.

use cajal_learn::diehl_cook::DiehlCookConfig;
use cajal_learn::evaluate::{assign_labels, classify, Confusion};
use cajal_learn::train::{Pass, TrainRun};
use cajal_learn::LearnError;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

mod common;
use common::synthetic;

fn config() -> DiehlCookConfig {
    let mut c = DiehlCookConfig::default();
    c.excitatory.neurons = 20;
    c.schedule.presentation = 100.0;
    c.stdp.norm = 12.0;
    c
}

/// A training of `total` images on `images`, stopped once `stop_at` are done (checkpoints every
/// `every` images into `ck`), then resumed from its checkpoint to the end: the resumed run.
fn stopped_and_resumed(
    c: &DiehlCookConfig,
    images: &cajal_data::idx::ImageSet,
    total: usize,
    stop_at: usize,
    (ck, every): (&std::path::Path, usize),
) -> TrainRun {
    let stop = AtomicBool::new(false);
    let mut first = TrainRun::new(c.clone(), 144, 7, 20);
    let done = first
        .train(images, total, Some((ck, every)), &stop, |r| {
            if r.images_done == stop_at {
                stop.store(true, Ordering::Relaxed);
            }
        })
        .unwrap();
    assert!(!done);
    let mut resumed = TrainRun::resume(ck, c, None, 7).unwrap();
    assert_eq!(resumed.images_done, stop_at);
    let never = AtomicBool::new(false);
    assert!(resumed
        .train(images, total, Some((ck, every)), &never, |_| {})
        .unwrap());
    resumed
}

/// The frozen responses of `run` to `images`, on one worker thread and on two.
fn on_1_and_2_threads(
    run: &TrainRun,
    images: &cajal_data::idx::ImageSet,
    pass: Pass,
    done: &AtomicUsize,
) -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    let one = pool(1).install(|| run.responses(images, pass, done).unwrap());
    let two = pool(2).install(|| run.responses(images, pass, done).unwrap());
    (one, two)
}

#[test]
fn resumed_training_equals_uninterrupted() {
    let images = synthetic(60, 1);
    let dir = tempfile::tempdir().unwrap();
    let never = AtomicBool::new(false);

    let mut whole = TrainRun::new(config(), 144, 7, 20);
    whole.train(&images, 90, None, &never, |_| {}).unwrap();

    // interrupted after 37 images (the stop flag is seen before the 38th), then resumed
    let ck = dir.path().join("run.ckpt");
    let resumed = stopped_and_resumed(&config(), &images, 90, 37, (&ck, 25));

    assert_eq!(resumed.engine, whole.engine);
    assert_eq!(resumed.state.weights, whole.state.weights);
    assert_eq!(resumed.state.theta, whole.state.theta);
    assert_eq!(resumed.running_accuracy, whole.running_accuracy);
    // and training did something
    assert_ne!(whole.state, TrainRun::new(config(), 144, 7, 20).state);

    // a checkpoint of another configuration or seed is refused with a reason
    let mut other = config();
    other.stdp.nu_post *= 2.0;
    let e = TrainRun::resume(&ck, &other, None, 7)
        .unwrap_err()
        .to_string();
    assert!(e.contains("other network parameters"), "{e}");
    let e = TrainRun::resume(&ck, &config(), None, 8)
        .unwrap_err()
        .to_string();
    assert!(e.contains("--seed 7"), "{e}");
    assert!(matches!(
        TrainRun::resume(&ck, &config(), None, 8),
        Err(LearnError::OtherSeed {
            written: 7,
            asked: 8,
            ..
        })
    ));
    assert!(matches!(
        TrainRun::resume(&ck, &other, None, 7),
        Err(LearnError::OtherParameters { .. })
    ));
}

#[test]
fn frozen_responses_do_not_depend_on_threads_and_classify_synthetic_classes() {
    let train = synthetic(300, 2);
    let test = synthetic(100, 3);
    let never = AtomicBool::new(false);
    let mut run = TrainRun::new(config(), 144, 11, 50);
    run.train(&train, 300, None, &never, |_| {}).unwrap();
    let done = AtomicUsize::new(0);
    let (r1, r2) = on_1_and_2_threads(&run, &test, Pass::Test, &done);
    assert_eq!(r1, r2);
    assert_eq!(done.load(Ordering::Relaxed), 200);

    let labelled = run.responses(&train, Pass::Label, &done).unwrap();
    let a = assign_labels(&labelled, &train.labels, 10);
    let predictions: Vec<Option<u8>> = r1.iter().map(|r| classify(r, &a, 10)).collect();
    let acc = Confusion::new(&test.labels, &predictions, 10).accuracy();
    eprintln!("synthetic bars: accuracy {acc}");
    // ten well separated bars: far above the 10 % of chance
    assert!(acc > 0.6, "accuracy {acc}");
}

/// Symmetric-STDP supervised learning (the output layer clamped to the label while training): a
/// resumed training ends with the engine state and output weights of an uninterrupted one, and
/// the frozen output layer names the synthetic classes far above chance, whatever the threads.
#[test]
fn the_supervised_networks_training_resumes_exactly_and_its_output_classifies() {
    use cajal_learn::diehl_cook::StdpRule;
    use cajal_learn::supervised::{OutputLayer, OutputParams};
    let mut c = config();
    c.stdp.rule = StdpRule::Symmetric;
    let out = OutputParams::default();
    let with_output = |seed| {
        let mut r = TrainRun::new(c.clone(), 144, seed, 20);
        r.output = Some(OutputLayer::new(out.clone(), c.excitatory.neurons));
        r
    };
    let images = synthetic(200, 4);
    let never = AtomicBool::new(false);
    let mut whole = with_output(7);
    whole.train(&images, 200, None, &never, |_| {}).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("run.ckpt");
    let stop = AtomicBool::new(false);
    let mut first = with_output(7);
    first
        .train(&images, 200, Some((&ck, 50)), &stop, |r| {
            if r.images_done == 77 {
                stop.store(true, Ordering::Relaxed);
            }
        })
        .unwrap();
    let mut resumed = TrainRun::resume(&ck, &c, Some(&out), 7).unwrap();
    assert_eq!(resumed.images_done, 77);
    resumed
        .train(&images, 200, Some((&ck, 50)), &never, |_| {})
        .unwrap();
    assert_eq!(resumed.engine, whole.engine);
    assert_eq!(resumed.output, whole.output);
    // the output layer learned: its weights left their equal start
    let w = &whole.output.as_ref().unwrap().weights;
    assert!(w.iter().any(|&x| x != w[0]));

    let test = synthetic(100, 5);
    let done = AtomicUsize::new(0);
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    let one = pool(1).install(|| whole.outputs(&test, Pass::Test, &done).unwrap().unwrap());
    let two = pool(2).install(|| whole.outputs(&test, Pass::Test, &done).unwrap().unwrap());
    assert_eq!(one, two);
    let acc = Confusion::new(&test.labels, &one.1, 10).accuracy();
    eprintln!("synthetic bars, output layer: accuracy {acc}");
    assert!(acc > 0.6, "accuracy {acc}");
}

/// The conductance-based network (simulated by the engine) in a training run: interrupted and
/// resumed from its checkpoint, it ends with exactly the engine state, weights and thresholds of
/// an uninterrupted run; its frozen answers do not depend on the threads and classify the
/// synthetic classes above chance.
#[test]
fn the_engine_networks_training_resumes_exactly() {
    use cajal_learn::diehl_cook::SynapseModel;
    let mut c = config();
    c.synapses = SynapseModel::Conductance;
    c.stdp.norm = 14.0;
    let images = synthetic(40, 1);
    let dir = tempfile::tempdir().unwrap();
    let never = AtomicBool::new(false);
    let mut whole = TrainRun::new(c.clone(), 144, 7, 20);
    whole.train(&images, 60, None, &never, |_| {}).unwrap();

    let ck = dir.path().join("run.ckpt");
    let resumed = stopped_and_resumed(&c, &images, 60, 23, (&ck, 10));
    assert_eq!(resumed.engine, whole.engine);
    assert_eq!(resumed.state.weights, whole.state.weights);
    assert_eq!(resumed.state.theta, whole.state.theta);
    // it learned: the weights moved from their start, and the thresholds rose
    assert_ne!(
        whole.state.weights,
        TrainRun::new(c.clone(), 144, 7, 20).state.weights
    );
    assert!(whole.state.theta.iter().any(|&t| t > 0.0));

    // frozen passes: the same answers on 1 and 2 threads
    let done_count = AtomicUsize::new(0);
    let (a, b) = on_1_and_2_threads(&whole, &images, Pass::Label, &done_count);
    assert_eq!(a, b);
    assert!(a.iter().map(|r| r.iter().sum::<u32>()).sum::<u32>() > 0);
}

/// A run not yet trained on the engine (a new one, or a checkpoint of the loops the engine
/// replaced) hands its hidden and output weights and thresholds to the engine's network as they
/// are, and takes them back unchanged.
#[test]
fn a_run_without_an_engine_state_gives_the_engine_its_weights() {
    use cajal_learn::supervised::{OutputLayer, OutputParams};
    let c = config();
    let mut run = TrainRun::new(c.clone(), 144, 3, 20);
    let mut out = OutputLayer::new(OutputParams::default(), c.excitatory.neurons);
    for (k, w) in out.weights.iter_mut().enumerate() {
        *w = (k % 13) as f32 * 0.5;
    }
    run.output = Some(out.clone());
    run.state.theta = (0..c.excitatory.neurons).map(|j| j as f64 * 0.1).collect();
    let net = run.engine_network().unwrap();
    let w: Vec<f32> = net
        .output_weights()
        .unwrap()
        .iter()
        .map(|&x| x as f32)
        .collect();
    assert_eq!(w, out.weights);
    let mut back = run.state.clone();
    net.store_state(&mut back);
    assert_eq!(back, run.state);
}

/// A run's checkpoint reads back equal with and without the engine's state, which it holds as
/// one CBOR byte string (not an array of numbers, twice the size).
#[test]
fn a_runs_checkpoint_round_trips_and_holds_the_engine_state_as_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("run.ckpt");
    let fresh = TrainRun::new(config(), 144, 5, 20);
    assert!(fresh.engine.is_none());
    cajal_learn::checkpoint::save(&p, &fresh).unwrap();
    let back: TrainRun = cajal_learn::checkpoint::load(&p).unwrap();
    assert_eq!(back, fresh);

    let mut trained = fresh.clone();
    let never = AtomicBool::new(false);
    trained
        .train(&synthetic(10, 1), 10, None, &never, |_| {})
        .unwrap();
    assert!(trained.engine.is_some());
    cajal_learn::checkpoint::save(&p, &trained).unwrap();
    let back: TrainRun = cajal_learn::checkpoint::load(&p).unwrap();
    assert_eq!(back, trained);

    let mut cbor = Vec::new();
    ciborium::ser::into_writer(&trained, &mut cbor).unwrap();
    let value: ciborium::Value = ciborium::de::from_reader(&cbor[..]).unwrap();
    let engine = value
        .as_map()
        .unwrap()
        .iter()
        .find(|(k, _)| k.as_text() == Some("engine"))
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(engine.is_bytes(), "{:?}", engine.is_array());
}
