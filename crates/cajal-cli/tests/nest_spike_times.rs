//! Spike times of iaf_psc_exp driven by spike_generator input agree with NEST to 1e-9 ms, spike
//! for spike (both simulators put spikes on the same grid: the difference measured is about
//! 6e-14 ms, floating-point rounding of step × dt). The same model file is run by Cajal and,
//! through validation/nest_iaf_psc_exp.py, by NEST 3.10. Without NEST the test fails under CI
//! (`CI=true`) and is skipped with a message elsewhere.

mod support;
use support::{cajal_ok, python_has, python_json, root};

/// The largest difference allowed between a Cajal spike time and NEST's (ms).
const TOLERANCE_MS: f64 = 1e-9;

#[test]
fn iaf_psc_exp_spike_times_agree_with_nest_to_1e_9_ms() {
    let model = root().join("validation/iaf_psc_exp_spike_input.toml");
    if !python_has("nest", "pip install nest-simulator==3.10.0 numpy==2.3.5") {
        return;
    }
    let json = python_json(
        &root().join("validation/nest_iaf_psc_exp.py"),
        &[model.as_os_str()],
    );
    let nest: Vec<f64> = json["times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap())
        .collect();

    let dir = tempfile::tempdir().unwrap();
    cajal_ok(&[
        "run",
        model.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
        "-q",
        "--no-plot",
    ]);
    let cajal = cajal_data::read_npz_f64(&dir.path().join("spikes/neuron.npz"), "times").unwrap();

    assert!(
        nest.len() >= 10,
        "NEST: the neuron fires ({} spikes)",
        nest.len()
    );
    assert_eq!(
        cajal.len(),
        nest.len(),
        "spike counts differ: Cajal {cajal:?}, NEST {nest:?}"
    );
    let mut worst = 0.0f64;
    for (k, (a, b)) in cajal.iter().zip(&nest).enumerate() {
        let d = (a - b).abs();
        assert!(
            d <= TOLERANCE_MS,
            "spike {k}: Cajal {a} ms, NEST {b} ms, {d:e} ms apart (> {TOLERANCE_MS:e} ms)"
        );
        worst = worst.max(d);
    }
    eprintln!(
        "{} spikes, each within {TOLERANCE_MS:e} ms of NEST's; largest difference {worst:e} ms",
        nest.len()
    );
}
