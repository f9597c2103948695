//! Spike times of iaf_psc_exp driven by spike_generator input agree with NEST within one step.
//! The same model file is run by Cajal and, through validation/nest_iaf_psc_exp.py, by NEST 3.10.
//! Skipped (with a message) when NEST is not installed.

mod support;
use support::{cajal_ok, python_has, python_json, root};

#[test]
fn iaf_psc_exp_spike_times_agree_with_nest_within_one_step() {
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
    let worst = cajal
        .iter()
        .zip(&nest)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    eprintln!(
        "{} spikes, largest difference from NEST {worst:.2e} ms",
        nest.len()
    );
    assert!(
        worst <= 0.1 + 1e-9,
        "spike times differ by {worst} ms (> one step of 0.1 ms)"
    );
}
