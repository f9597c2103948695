//! Spatial-pattern detection with STDP and homeostasis (Davies et al. 2025) on the engine: the
//! weights one presentation teaches, a detector that finds exactly its trained word among all
//! 1,024, and several words' detectors against the paper's counts and an exact reference.

use cajal_learn::spatial::{evaluate, learn_word, learn_words, Detector};

#[test]
fn one_presentation_gives_each_input_of_the_word_the_weight_e_to_the_minus_one() {
    // 992 = 1111100000: the first five bits are 1
    let w = learn_word(992, 10).unwrap();
    let a = (-1.0f64).exp();
    for i in 0..10 {
        let (one, zero) = if i < 5 { (a, 0.0) } else { (0.0, a) };
        assert!(
            (w.one[i] - one).abs() < 1e-12,
            "bit {i}: 1-weight {}",
            w.one[i]
        );
        assert!(
            (w.zero[i] - zero).abs() < 1e-12,
            "bit {i}: 0-weight {}",
            w.zero[i]
        );
    }
}

#[test]
fn a_detector_trained_on_one_word_finds_it_and_nothing_else() {
    for word in [992, 0, 1023, 341, 618] {
        let d = evaluate(&[word], 10).unwrap();
        assert_eq!(
            (d.true_positives, d.false_positives, d.false_negatives),
            (1, 0, 0),
            "word {word}: {d:?}"
        );
        assert_eq!(d.accuracy(), 1.0);
    }
}

/// The drive of `word` in units of the learned weight: each bit adds (ones − zeros) trained
/// words' votes if it is 1, the opposite if it is 0.
fn drive(trained: &[u32], word: u32) -> i32 {
    (0..10)
        .map(|i| {
            let ones = trained.iter().filter(|&&t| t >> (9 - i) & 1 == 1).count() as i32;
            let zeros = trained.len() as i32 - ones;
            if word >> (9 - i) & 1 == 1 {
                ones - zeros
            } else {
                zeros - ones
            }
        })
        .sum()
}

#[test]
fn several_words_fire_for_every_word_driven_as_much_as_the_least_driven_trained_one() {
    // the paper's pairs at Hamming distance 2 and 8 (4 and 256 positives), and a triple
    for (words, paper) in [
        (&[992, 896][..], Some(4)),
        (&[992, 28][..], Some(256)),
        (&[0, 7, 121][..], None),
    ] {
        let d = evaluate(words, 10).unwrap();
        let least = words.iter().map(|&w| drive(words, w)).min().unwrap();
        let expected = (0..1024u32).filter(|&x| drive(words, x) >= least).count();
        assert_eq!(d.positives, expected, "{words:?}");
        if let Some(p) = paper {
            assert_eq!(d.positives, p, "{words:?}: the paper's count");
        }
        // and word by word
        let weights = learn_words(words, 10).unwrap();
        let mut det = Detector::new(&weights, d.factor).unwrap();
        for x in (0..1024u32).step_by(37) {
            assert_eq!(
                det.fires(x).unwrap(),
                drive(words, x) >= least,
                "{words:?}, word {x}"
            );
        }
    }
}

#[test]
fn impossible_words_are_refused_with_the_reason() {
    let err = evaluate(&[1024], 10).unwrap_err().to_string();
    assert!(err.contains("does not fit in 10 bits"), "{err}");
    let err = evaluate(&[], 10).unwrap_err().to_string();
    assert!(err.contains("at least one word"), "{err}");
    let err = evaluate(&[1], 0).unwrap_err().to_string();
    assert!(err.contains("bits must be 1 to 16"), "{err}");
}
