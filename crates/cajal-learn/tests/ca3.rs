//! The CA3 content-addressable memory (Casanueva-Morato et al. 2024) on the engine: one-shot
//! learning, recall by cue, recall by content and overwriting (forgetting) give sPyMem's
//! documented outputs, bit for bit and step for step, with SpiNNaker's STDP convention at zero
//! lag; with NEST's, the old memory survives an overwrite.

use cajal_core::ZeroLag;
use cajal_learn::ca3::{expected_output, test_benches, Memory, Operation};

fn check(ops: &[(u64, Operation)]) {
    let cues = 5;
    let mut memory = Memory::new(cues, 10).unwrap();
    let mut memories: Vec<Vec<usize>> = vec![Vec::new(); cues];
    let mut expected = Vec::new();
    for (t, op) in ops {
        memory.schedule(op, *t).unwrap();
        // an overwrite recalls, once, 6 ms after it starts, the old content's bits that the new
        // content lacks, before the STDP erases them (sPyMem's documentation shows no output at
        // that step); here that output is asserted exactly
        if let Operation::Learn { cue, content } = op {
            let old: Vec<u32> = memories[*cue]
                .iter()
                .filter(|b| !content.contains(b))
                .map(|&b| (cues + b) as u32)
                .collect();
            if !memories[*cue].is_empty() {
                expected.push((t + 6, old));
            }
        }
        expected.extend(expected_output(op, *t, cues, &mut memories));
    }
    memory.run((ops.last().unwrap().0 + 12) as f64).unwrap();
    let got = memory.output_spikes().unwrap();
    for (step, neurons) in expected {
        let mut seen: Vec<u32> = got.iter().filter(|s| s.0 == step).map(|s| s.1).collect();
        seen.sort_unstable();
        assert_eq!(seen, neurons, "output at step {step}");
    }
    // nothing at steps no operation explains
    let explained: Vec<u64> = ops
        .iter()
        .flat_map(|(t, op)| match op {
            Operation::Learn { .. } => vec![t + 5, t + 6, t + 7],
            _ => vec![t + 5, t + 6],
        })
        .collect();
    for (step, n) in &got {
        assert!(explained.contains(step), "output neuron {n} at step {step}");
    }
}

/// The first `n` operations of sPyMem's test bench `k` (1-based).
fn bench(k: usize, n: usize) -> Vec<(u64, Operation)> {
    test_benches()[k - 1].1.iter().take(n).cloned().collect()
}

#[test]
fn one_presentation_stores_a_memory_that_its_cue_recalls() {
    check(&bench(1, 2));
}

#[test]
fn content_recalls_the_cues_of_every_memory_holding_it() {
    check(&bench(5, 7));
    // bench 4 up to its overwrite
    check(&bench(4, 6));
}

#[test]
fn operations_follow_each_other_at_the_highest_rate() {
    // a learn every 7 ms and recalls 6 ms apart, on different cues (sPyMem's test bench 3 up to
    // its first overwrite)
    check(&bench(3, 5));
}

#[test]
fn relearning_a_cue_overwrites_its_memory() {
    // sPyMem's benches 2, 3 and 4 whole: relearn (forget) then recall by cue and by content
    for k in [2, 3, 4] {
        check(&test_benches()[k - 1].1);
    }
}

#[test]
fn with_nest_convention_the_old_memory_survives() {
    // the same relearn with NEST's convention at zero lag: recalling cue 0 returns the union of
    // the old content {0, 1, 2, 9} and the new {2, 3, 8}
    let cues = 5;
    let mut m = Memory::with_zero_lag(cues, 10, ZeroLag::Unpaired).unwrap();
    for (t, op) in bench(2, 4) {
        m.schedule(&op, t).unwrap();
    }
    let recall_at = bench(2, 4).last().unwrap().0;
    assert_eq!(bench(2, 4)[3].1, Operation::RecallByCue(0));
    m.run((recall_at + 12) as f64).unwrap();
    let got: Vec<u32> = m
        .output_spikes()
        .unwrap()
        .iter()
        .filter(|s| s.0 == recall_at + 6)
        .map(|s| s.1)
        .collect();
    let union: Vec<u32> = [0, 1, 2, 3, 8, 9].iter().map(|b| b + cues as u32).collect();
    assert_eq!(got, union);
}

#[test]
fn impossible_operations_are_refused() {
    let mut m = Memory::new(5, 10).unwrap();
    let err = m
        .schedule(&Operation::RecallByCue(7), 0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cue 7 does not exist"), "{err}");
    assert!(Memory::new(0, 10).is_err());
}
