//! Spatial-pattern detection with STDP and homeostasis (Davies et al. 2025): a detector trained
//! on one 10-bit word, then on the pairs of words of the paper's Table (992 with another word at
//! Hamming distance 1 to 9) and on some of its triples, shown all 1,024 words; our counts and
//! accuracy beside the paper's (its dataset's `output_metrics_1.csv`, `_2.csv` and `_3.csv`).
//! The figures of docs/spatial.md.
//!
//! Run: `cargo run --release -p cajal-learn --example spatial_patterns`.

use cajal_learn::spatial::{evaluate, hamming, votes, Detection};

/// The paper's two-word results: (word 0, word 1, positives, accuracy).
const PUBLISHED_PAIRS: &[(u32, u32, usize, f64)] = &[
    (992, 1008, 2, 1.0),
    (992, 960, 2, 1.0),
    (992, 896, 4, 0.998046875),
    (992, 1016, 4, 0.998046875),
    (992, 768, 8, 0.994140625),
    (992, 1020, 8, 0.994140625),
    (992, 512, 16, 0.986328125),
    (992, 1022, 16, 0.986328125),
    (992, 0, 32, 0.970703125),
    (992, 1023, 32, 0.970703125),
    (992, 16, 64, 0.939453125),
    (992, 24, 128, 0.876953125),
    (992, 28, 256, 0.751953125),
    (992, 30, 512, 0.501953125),
];

/// Some of the paper's three-word results (`output_metrics_3.csv`): (words, positives, true
/// positives, accuracy).
const PUBLISHED_TRIPLES: &[([u32; 3], usize, usize, f64)] = &[
    ([0, 31, 227], 93, 3, 0.912109375),
    ([0, 3, 508], 46, 2, 0.9560546875),
    ([0, 7, 121], 102, 3, 0.9033203125),
    ([0, 15, 115], 67, 3, 0.9375),
    ([0, 1, 6], 7, 3, 0.99609375),
    ([0, 3, 1021], 11, 2, 0.990234375),
    ([0, 7, 56], 42, 3, 0.9619140625),
    ([0, 1, 14], 21, 3, 0.982421875),
    ([0, 15, 1009], 176, 2, 0.8291015625),
    ([0, 1, 510], 10, 2, 0.9912109375),
    ([0, 3, 252], 433, 3, 0.580078125),
    ([0, 15, 243], 165, 3, 0.841796875),
    ([0, 31, 483], 257, 3, 0.751953125),
    ([0, 7, 1016], 176, 2, 0.8291015625),
    ([0, 63, 455], 131, 3, 0.875),
    ([0, 3, 29], 26, 3, 0.9775390625),
    ([0, 0, 7], 15, 2, 0.9873046875),
    ([0, 0, 1023], 386, 1, 0.623046875),
    ([0, 31, 992], 1, 1, 0.998046875),
];

fn main() {
    let bits = 10;
    println!("words\tHD\tfactor\tpositives\tTP\tFP\tFN\taccuracy\tpaper positives\tpaper accuracy");
    let single = evaluate(&[992], bits).unwrap_or_else(|e| fail(e));
    println!("992\t-\t{}\t1\t1.000000", counts(&single));
    for &(a, b, positives, accuracy) in PUBLISHED_PAIRS {
        let d = evaluate(&[a, b], bits).unwrap_or_else(|e| fail(e));
        let hd = hamming(a, b);
        println!("{a}+{b}\t{hd}\t{}\t{positives}\t{accuracy:.6}", counts(&d));
    }
    // "tied": words driven exactly as much as the least driven trained word that fires
    println!("\nwords\tfactor\tpositives\tTP\tFP\tFN\taccuracy\ttied\tpaper positives\tpaper TP\tpaper accuracy");
    for &(words, positives, tp, accuracy) in PUBLISHED_TRIPLES {
        let d = evaluate(&words, bits).unwrap_or_else(|e| fail(e));
        let least = words
            .iter()
            .map(|&w| votes(&words, w, bits))
            .filter(|&v| v > 0)
            .min()
            .unwrap_or(0);
        let tied = (0..1u32 << bits)
            .filter(|&x| votes(&words, x, bits) == least && !words.contains(&x))
            .count();
        let [a, b, c] = words;
        println!(
            "{a}+{b}+{c}\t{}\t{tied}\t{positives}\t{tp}\t{accuracy:.6}",
            counts(&d)
        );
    }
}

/// Factor, positives, TP, FP, FN and accuracy, tab-separated.
fn counts(d: &Detection) -> String {
    format!(
        "{:.5}\t{}\t{}\t{}\t{}\t{:.6}",
        d.factor,
        d.positives,
        d.true_positives,
        d.false_positives,
        d.false_negatives,
        d.accuracy()
    )
}

fn fail(e: cajal_learn::LearnError) -> ! {
    eprintln!("error: {e}");
    std::process::exit(2)
}
