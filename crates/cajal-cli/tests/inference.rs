//! Connectivity inference recovers a known connectome: `cajal run --save-connectivity` on
//! examples/inference_network.toml (100 neurons), then `cajal analyze --infer both --connectome`.
//! The test simulates 2 minutes to stay quick; the example's full 10 minutes is in the docs.

mod support;
use support::{cajal_ok as cajal, root};

#[test]
fn glm_and_correlogram_inference_find_excitatory_connections() {
    let root = root();
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let run_s = run.to_str().unwrap();
    cajal(&[
        "run",
        root.join("examples/inference_network.toml")
            .to_str()
            .unwrap(),
        "--duration",
        "120000",
        "--save-connectivity",
        "--out",
        run_s,
        "-q",
        "--no-plot",
    ]);
    let conn = run.join("connectivity.npz");
    let sources = cajal_data::read_npz_u32(&conn, "sources").unwrap();
    assert!(sources.len() > 500, "{} synapses", sources.len());
    cajal(&[
        "analyze",
        run_s,
        "--infer",
        "both",
        "--connectome",
        conn.to_str().unwrap(),
        "--pairs",
        "10",
        "--gof",
        "0",
        "-q",
        "--no-plot",
    ]);
    let text = std::fs::read_to_string(run.join("analysis/analysis.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let scores = &json["connectome_scores"];
    eprintln!("{scores}");
    for method in ["glm", "ccg"] {
        let s = &scores[method];
        assert!(s["excitatory_pairs"].as_u64().unwrap() > 300);
        assert!(s["unconnected_pairs"].as_u64().unwrap() > 5000);
        let auc = s["auc_excitatory"].as_f64().unwrap();
        assert!(auc >= 0.9, "{method}: excitatory AUC {auc}");
    }
    // Negative control: the same scores against a wrong connectome (every target shifted by one
    // neuron) are at chance, so the AUC above measures the connectome, not the scoring.
    let glm = cajal_data::read_npz_f64(&run.join("analysis/inference.npz"), "glm").unwrap();
    assert_eq!(glm.len(), 100 * 100);
    let targets = cajal_data::read_npz_u32(&conn, "targets").unwrap();
    let weights = cajal_data::read_npz_f64(&conn, "weights").unwrap();
    let auc_with = |shift: u32| {
        let mut kind = vec![0u8; 100 * 100]; // 1 excitatory, 2 inhibitory
        for ((&s, &t), &w) in sources.iter().zip(&targets).zip(&weights) {
            let t = (t + shift) % 100;
            kind[s as usize * 100 + t as usize] = if w > 0.0 { 1 } else { 2 };
        }
        let (mut pos, mut neg) = (Vec::new(), Vec::new());
        for i in 0..100 {
            for j in 0..100 {
                match (i == j, kind[i * 100 + j]) {
                    (true, _) | (_, 2) => {}
                    (_, 1) => pos.push(glm[i * 100 + j]),
                    _ => neg.push(glm[i * 100 + j]),
                }
            }
        }
        cajal_analysis::inference::roc_auc(&pos, &neg)
    };
    let true_auc = auc_with(0);
    let reported = scores["glm"]["auc_excitatory"].as_f64().unwrap();
    assert!(
        (true_auc - reported).abs() < 1e-12,
        "{true_auc} vs {reported}"
    );
    let wrong = auc_with(1);
    assert!((wrong - 0.5).abs() < 0.1, "shifted connectome AUC {wrong}");
}

/// A connectome of another network is refused, not scored: another seed's connectivity against
/// a run folder that recorded its own (`connectivity_crc32`), and neuron ids beyond a spike
/// file's network.
#[test]
fn another_networks_connectome_is_refused() {
    let root = root();
    let dir = tempfile::tempdir().unwrap();
    let model = root.join("examples/inference_network.toml");
    let run = |name: &str, seed: &str| {
        let out = dir.path().join(name);
        cajal(&[
            "run",
            model.to_str().unwrap(),
            "--duration",
            "2000",
            "--seed",
            seed,
            "--save-connectivity",
            "--out",
            out.to_str().unwrap(),
            "-q",
            "--no-plot",
        ]);
        out
    };
    let (a, b) = (run("a", "1"), run("b", "2"));
    let analyze_with = |input: &std::path::Path, conn: &std::path::Path, extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_cajal"))
            .args(["analyze", input.to_str().unwrap(), "--connectome"])
            .arg(conn)
            .args(["--gof", "0", "--no-plot", "--out"])
            .arg(dir.path().join("analysis"))
            .args(extra)
            .output()
            .unwrap()
    };
    let analyze = |input: &std::path::Path, conn: &std::path::Path| analyze_with(input, conn, &[]);
    let own = analyze(&a, &a.join("connectivity.npz"));
    assert!(
        own.status.success(),
        "{}",
        String::from_utf8_lossy(&own.stderr)
    );
    let other = analyze(&a, &b.join("connectivity.npz"));
    let err = String::from_utf8_lossy(&other.stderr);
    assert_eq!(other.status.code(), Some(2), "{err}");
    assert!(err.contains("not the network of"), "{err}");
    // a spike file of a network of 10 neurons against the 100-neuron connectome: refused when
    // its size is given; without it (silent neurons do not show) scored with a note
    let csv = dir.path().join("ten.csv");
    let mut text = String::from("time,sender\n");
    for i in 0..10 {
        text.push_str(&format!("{}.0,{i}\n", i + 1));
    }
    std::fs::write(&csv, text).unwrap();
    let small = analyze_with(&csv, &a.join("connectivity.npz"), &["--neurons", "10"]);
    let err = String::from_utf8_lossy(&small.stderr);
    assert_eq!(small.status.code(), Some(2), "{err}");
    assert!(err.contains("another network's"), "{err}");
    let unknown = analyze(&csv, &a.join("connectivity.npz"));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(unknown.status.success(), "{err}");
    assert!(err.contains("the scores assume so"), "{err}");
}
