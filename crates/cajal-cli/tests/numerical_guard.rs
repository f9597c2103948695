//! A state variable that becomes NaN or infinite stops the run with the population, neuron,
//! variable and time named; the outputs so far are written and marked partial.

mod support;

const UNSTABLE: &str = r#"
[simulation]
dt = 0.1
duration = 100.0
seed = 1

[[population]]
name = "source"
model = "spike_generator"
size = 1
spike_times = [[10.0]]

[[population]]
name = "cells"
model = "iaf_cond_exp"
size = 3

# a conductance jump of 1e30 nS makes the RK4 step explode
[[projection]]
source = "source"
target = "cells"
rule = "all_to_all"
weight = 1e30
delay = 1.0

[[record]]
population = "cells"
spikes = true
"#;

fn run(model_text: &str, dir: &std::path::Path) -> std::process::Output {
    let model = dir.join("model.toml");
    std::fs::write(&model, model_text).unwrap();
    let out = dir.join("out");
    support::cajal_output(&[
        "run",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
        "--no-plot",
    ])
}

#[test]
fn non_finite_state_stops_the_run_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(UNSTABLE, dir.path());
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert!(
        err.contains("population 'cells', neuron 0: V_m is NaN at t = 12 ms")
            && err.contains("all state was finite at t = 11 ms"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let summary = std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["partial"], true);
    assert_eq!(summary["duration_ms"], 12.0);
    // the same model with a sane weight runs to the end
    let r = run(
        &UNSTABLE.replace("weight = 1e30", "weight = 5.0"),
        dir.path(),
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}
