//! Active dendrites (Ahmad & Hawkins 2016) on the engine: the `dendritic_segment` model fires
//! when at least θ synapses are active in one step, and networks of segments match random,
//! stored-union and noisy patterns at the rates of the paper's closed forms (counts within their
//! 99 % intervals).

use cajal_core::*;
use cajal_learn::dendrites::{false_match, ln_choose, noisy_match, Setting};

#[test]
fn a_segment_fires_when_theta_synapses_are_active_together_and_rests_through_its_plateau() {
    let mut net = Network::new(1.0, 1).unwrap();
    let g = net
        .add_population(Population::new("cells", ModelKind::SpikeGenerator, 5))
        .unwrap();
    let seg = net
        .add_population(
            Population::new("segment", ModelKind::DendriticSegment, 1)
                .param("theta", 3.0)
                .param("t_plateau", 4.0),
        )
        .unwrap();
    net.connect(
        Projection::new(g, seg, Rule::AllToAll)
            .weight(1.0)
            .delay(1.0),
    )
    .unwrap();
    net.add_record(Record::spikes(seg)).unwrap();
    let mut sim = net.build(1).unwrap();
    // 2 together (no), 3 together (yes, at 11), 3 together in each of the plateau's last steps
    // (no), 3 together right after it (yes, at 16), 3 apart (no), 4 together (yes, at 31)
    let volley = |t: f64, cells: &[u32]| cells.iter().map(move |&c| (c, t)).collect::<Vec<_>>();
    let events: Vec<(u32, f64)> = [
        volley(5.0, &[0, 1]),
        volley(10.0, &[0, 1, 2]),
        volley(12.0, &[2, 3, 4]),
        volley(14.0, &[0, 3, 4]),
        volley(15.0, &[1, 2, 3]),
        volley(20.0, &[0]),
        volley(21.0, &[1]),
        volley(22.0, &[2]),
        volley(30.0, &[0, 1, 3, 4]),
    ]
    .concat();
    let senders: Vec<u32> = events.iter().map(|e| e.0).collect();
    let times: Vec<f64> = events.iter().map(|e| e.1).collect();
    sim.add_spike_events(g, &senders, &times).unwrap();
    sim.run(40.0, |_, _| {}).unwrap();
    assert_eq!(sim.spike_trains(seg).unwrap().times, vec![11.0, 16.0, 31.0]);
    // an impossible threshold is refused with its name
    let mut net = Network::new(1.0, 1).unwrap();
    let err = net
        .add_population(Population::new("s", ModelKind::DendriticSegment, 1).param("theta", 0.0))
        .unwrap_err()
        .to_string();
    assert!(err.contains("theta"), "{err}");
}

#[test]
fn an_inhibitory_synapse_takes_an_active_synapse_away() {
    let mut net = Network::new(1.0, 1).unwrap();
    let g = net
        .add_population(Population::new("cells", ModelKind::SpikeGenerator, 4))
        .unwrap();
    let seg = net
        .add_population(
            Population::new("segment", ModelKind::DendriticSegment, 1).param("theta", 3.0),
        )
        .unwrap();
    // cells 0-2 excite (weight 1), cell 3 inhibits (weight -1)
    let rule = Rule::Explicit {
        sources: vec![0, 1, 2, 3],
        targets: vec![0; 4],
        weights: Some(vec![1.0, 1.0, 1.0, -1.0]),
        delays: None,
    };
    net.connect(Projection::new(g, seg, rule).delay(1.0))
        .unwrap();
    net.add_record(Record::spikes(seg)).unwrap();
    let mut sim = net.build(1).unwrap();
    // 3 active: fires (at 6); 3 active and the inhibitory one: 2, silent
    sim.add_spike_events(
        g,
        &[0, 1, 2, 0, 1, 2, 3],
        &[5.0, 5.0, 5.0, 10.0, 10.0, 10.0, 10.0],
    )
    .unwrap();
    sim.run(15.0, |_, _| {}).unwrap();
    assert_eq!(sim.spike_trains(seg).unwrap().times, vec![6.0]);
    // a current cannot drive a segment
    let mut net = Network::new(1.0, 1).unwrap();
    let seg = net
        .add_population(Population::new("segment", ModelKind::DendriticSegment, 1))
        .unwrap();
    let err = net
        .add_input(Input::dc(100.0).onto(seg))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no membrane"), "{err}");
}

#[test]
fn the_closed_forms_sum_to_one_and_agree_with_counting() {
    // all overlaps together: probability 1
    let total: f64 = (0..=8)
        .map(|b| (ln_choose(8, b) + ln_choose(40 - 8, 10 - b) - ln_choose(40, 10)).exp())
        .sum();
    assert!((total - 1.0).abs() < 1e-12);
    assert!((false_match(40, 10, 8, 0) - 1.0).abs() < 1e-12);
    // a small case by enumeration: n = 12, a = 4, s = 3, θ = 2 (segment on cells 0, 1, 2)
    let (mut hits, mut all) = (0u32, 0u32);
    for m in 0u32..(1 << 12) {
        if m.count_ones() == 4 {
            all += 1;
            if (m & 0b111).count_ones() >= 2 {
                hits += 1;
            }
        }
    }
    assert!((false_match(12, 4, 3, 2) - hits as f64 / all as f64).abs() < 1e-12);
    // noise: no cell replaced matches surely when θ <= s
    assert!((noisy_match(20, 10, 10, 0) - 1.0).abs() < 1e-12);
}

fn setting(n: usize, a: usize, s: usize, theta: usize, stored: usize) -> Setting {
    Setting {
        n,
        a,
        s,
        theta,
        stored,
        segments: 200,
        presentations: 60,
        seed: 5,
    }
}

#[test]
fn random_patterns_match_at_the_false_match_rate_of_the_closed_form() {
    for (n, a, s, theta) in [(200, 20, 10, 3), (400, 24, 16, 4), (1000, 40, 20, 4)] {
        let out = setting(n, a, s, theta, 1).false_matches().unwrap();
        assert!(out.expected > 20.0, "{out:?}: a rate the run can measure");
        assert!(
            out.within_99(),
            "n {n}, a {a}, s {s}, θ {theta}: {} matches, closed form {:.1} ± {:.1}",
            out.matches,
            out.expected,
            out.sd
        );
    }
}

#[test]
fn a_segment_storing_several_patterns_matches_as_its_distinct_synapses_say() {
    // the union property: 4 patterns' synapses on each segment
    let out = setting(600, 20, 10, 4, 4).false_matches().unwrap();
    assert!(out.expected > 20.0, "{out:?}");
    assert!(out.within_99(), "{out:?}");
    // and more false matches than one pattern per segment
    let one = setting(600, 20, 10, 4, 1).false_matches().unwrap();
    assert!(
        out.rate() > 5.0 * one.rate().max(1e-4),
        "{out:?} against {one:?}"
    );
}

#[test]
fn noisy_versions_of_the_stored_pattern_match_at_the_closed_forms_rate() {
    let base = Setting {
        presentations: 10,
        ..setting(400, 24, 16, 8, 1)
    };
    // closed form 0.95, 0.67 and 0.23: every count is a real test
    for k in [10, 12, 14] {
        let out = base.noisy_matches(k).unwrap();
        assert!(out.theory() > 0.1 && out.theory() < 0.99, "{out:?}");
        assert!(out.within_99(), "k {k}: {out:?}");
    }
}
