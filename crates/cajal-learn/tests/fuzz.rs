//! Fuzzing the task files of `cajal learn`: random text and mutations of the shipped task files,
//! read as each task's configuration, never make parsing or validation panic; what is accepted
//! and small is built and trained on (two tiny images, a few presentations) without a panic,
//! hang or unbounded allocation either. The number of cases follows PROPTEST_CASES (the default
//! keeps CI short; longer campaigns are stated in the notes).

use cajal_data::idx::ImageSet;
use cajal_learn::diehl_cook::DiehlCookConfig;
use cajal_learn::liquid::{Liquid, LiquidConfig};
use cajal_learn::supervised::{OutputLayer, SymStdpConfig};
use cajal_learn::train::TrainRun;
use proptest::prelude::*;
use std::path::Path;
use std::sync::atomic::AtomicBool;

const TASKS: [&str; 6] = [
    "diehl_cook.toml",
    "sym_stdp.toml",
    "lsm.toml",
    "lsm_strong.toml",
    "lsm_8000.toml",
    "lsm_8000_strong.toml",
];

/// Fragments that exercise the parser's and the checks' corners.
const TOKENS: [&str; 16] = [
    "-1",
    "nan",
    "inf",
    "1e308",
    "0",
    "\"",
    "[",
    "]",
    "=",
    "\n[schedule]\n",
    "\n[excitatory]\nneurons = 3\n",
    "\n[liquid]\nshape = [2, 2, 2]\n",
    "presentation = 1e12",
    "max_presentations = 4294967295",
    "bins = 0",
    ".5",
];

/// Steps simulated for one image at most before a case is only validated (keeps cases short).
const SMALL_STEPS: f64 = 2000.0;

/// Two 4×4 images: a bright bar and a dim square.
fn images() -> ImageSet {
    let mut pixels = vec![0u8; 32];
    for c in 0..4 {
        pixels[4 + c] = 255;
    }
    for r in 1..3 {
        for c in 1..3 {
            pixels[16 + r * 4 + c] = 90;
        }
    }
    ImageSet {
        rows: 4,
        cols: 4,
        pixels,
        labels: vec![1, 7],
    }
}

/// Trains on two images when one presentation is short, with the network cut to at most 20
/// neurons and 2 presentations per image (still valid: both only get smaller).
fn train(mut config: DiehlCookConfig, output: Option<cajal_learn::supervised::OutputParams>) {
    let s = &mut config.schedule;
    if (s.presentation + s.rest) / s.dt > SMALL_STEPS {
        return;
    }
    s.max_presentations = s.max_presentations.min(2);
    config.excitatory.neurons = config.excitatory.neurons.min(20);
    let n = config.excitatory.neurons;
    let mut run = TrainRun::new(config, 16, 1, 2);
    run.output = output.map(|o| OutputLayer::new(o, n));
    let stop = AtomicBool::new(false);
    run.train(&images(), 2, None, &stop, |_| {}).unwrap();
    TRAINED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Cases that went as far as training or presenting (printed with --nocapture).
static TRAINED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn exercise(text: &str) {
    if let Ok(c) = toml::from_str::<DiehlCookConfig>(text) {
        if c.validate().is_ok() {
            train(c, None);
        }
    }
    if let Ok(c) = toml::from_str::<SymStdpConfig>(text) {
        if c.validate().is_ok() {
            let (hidden, output) = c.split();
            train(hidden, Some(output));
        }
    }
    if let Ok(c) = toml::from_str::<LiquidConfig>(text) {
        if c.validate().is_ok() && c.schedule.presentation / c.schedule.dt <= SMALL_STEPS {
            let mut c = c;
            let sh = &mut c.liquid.shape;
            *sh = [sh[0].min(6), sh[1].min(6), sh[2].min(5)];
            let liquid = Liquid::build_for_image(&c.liquid, 16, (4, 4), 1);
            let mut rng = cajal_core::rng::stream(1, cajal_core::rng::Purpose::Encode, 0, 0);
            let mut counts = Vec::new();
            let set = images();
            // a value the engine refuses is an error, never a panic
            if let Ok(mut net) = liquid.network(&c, true) {
                let _ = net.present(&c, set.image(0), &mut rng, &mut counts);
            }
            if let Ok(mut net) = liquid.network(&c, false) {
                let _ = net.present(&c, set.image(1), &mut rng, &mut counts);
            }
            TRAINED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn random_text_never_crashes_a_task(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_task_files_never_crash_a_task(
        which in 0usize..TASKS.len(),
        edits in proptest::collection::vec((any::<usize>(), 0usize..4, 0usize..TOKENS.len()), 1..5),
    ) {
        let path = root().join("examples/learn").join(TASKS[which]);
        let mut text = std::fs::read_to_string(path).unwrap();
        cajal_data::mutate::mutate_text(&mut text, &edits, &TOKENS);
        exercise(&text);
        let done = TRAINED.load(std::sync::atomic::Ordering::Relaxed);
        if done.is_multiple_of(1000) {
            eprintln!("cases trained or presented so far: {done}");
        }
    }
}
