//! Spike times of iaf_psc_exp driven by spike_generator input agree with NEST within one step.
//! The same model file is run by Cajal and, through validation/nest_iaf_psc_exp.py, by NEST 3.10.
//! Skipped (with a message) when NEST is not installed.

use std::path::Path;
use std::process::Command;

#[test]
fn iaf_psc_exp_spike_times_agree_with_nest_within_one_step() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let model = root.join("validation/iaf_psc_exp_spike_input.toml");
    let has_nest = Command::new("python3")
        .args(["-c", "import nest"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !has_nest {
        eprintln!("SKIP: NEST is not installed (pip install nest-simulator==3.10.0 numpy==2.3.5)");
        return;
    }
    let peer = Command::new("python3")
        .arg(root.join("validation/nest_iaf_psc_exp.py"))
        .arg(&model)
        .output()
        .unwrap();
    assert!(
        peer.status.success(),
        "NEST script failed: {}",
        String::from_utf8_lossy(&peer.stderr)
    );
    let line = String::from_utf8(peer.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_str(line.lines().last().unwrap()).unwrap();
    let nest: Vec<f64> = json["times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap())
        .collect();

    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cajal"))
        .args([
            "run",
            model.to_str().unwrap(),
            "--out",
            dir.path().to_str().unwrap(),
            "-q",
            "--no-plot",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
