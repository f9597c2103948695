//! The CA3 content-addressable memory (Casanueva-Morato et al. 2024) on the engine: one-shot
//! learning, recall by cue and recall by content give sPyMem's documented outputs, bit for bit
//! and step for step. (Overwriting a memory does not yet: docs/ca3.md.)

use cajal_learn::ca3::{expected_output, test_benches, Memory, Operation};

fn check(ops: &[(u64, Operation)]) {
    let cues = 5;
    let mut memory = Memory::new(cues, 10).unwrap();
    let mut memories = vec![Vec::new(); cues];
    let mut expected = Vec::new();
    for (t, op) in ops {
        memory.schedule(op, *t).unwrap();
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
            Operation::Learn { .. } => vec![t + 5, t + 7],
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
fn impossible_operations_are_refused() {
    let mut m = Memory::new(5, 10).unwrap();
    let err = m
        .schedule(&Operation::RecallByCue(7), 0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cue 7 does not exist"), "{err}");
    assert!(Memory::new(0, 10).is_err());
}
