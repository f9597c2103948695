//! Fuzzing the model-file parser: random text and mutations of the shipped examples never make
//! it panic or hang; what it accepts is estimated and, when small, built without a panic either.
//! The number of cases follows PROPTEST_CASES (the default keeps CI short).

use proptest::prelude::*;
use std::path::Path;

const EXAMPLES: [&str; 5] = [
    "cuba.toml",
    "song2000.toml",
    "nalsm_liquid.toml",
    "f_i_curve.toml",
    "heterogeneous_delays.toml",
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
    "{",
    "}",
    "=",
    "\n[[population]]\n",
    "\n[projection.plasticity]\nmodel = \"stdp\"\n",
    "\n[[astrocyte]]\n",
    "size = 3",
    ".5",
];

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn exercise(text: &str) {
    if let Ok(model) = cajal_model::load_str(text, "fuzz.toml", Some(&root().join("examples"))) {
        let est = cajal_core::memory::estimate(model.def(), 1);
        if est.peak_bytes < 40e6
            && model
                .def()
                .populations
                .iter()
                .map(|p| p.size)
                .sum::<usize>()
                < 5000
        {
            let _ = model.network.build(1);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn random_text_never_crashes_the_parser(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_examples_never_crash_the_parser(
        which in 0usize..EXAMPLES.len(),
        edits in proptest::collection::vec((any::<usize>(), 0usize..4, 0usize..TOKENS.len()), 1..5),
    ) {
        let mut text = std::fs::read_to_string(root().join("examples").join(EXAMPLES[which])).unwrap();
        cajal_data::mutate::mutate_text(&mut text, &edits, &TOKENS);
        exercise(&text);
    }
}
