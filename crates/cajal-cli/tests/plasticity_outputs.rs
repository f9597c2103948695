//! Plastic runs from the command line: Song, Miller & Abbott (2000) for 40 s of biological time
//! (the example runs 100 s), and the weight files.

mod support;

use cajal_data::{read_npz_f64, read_npz_f64_matrix, read_npz_u32};
use support::{cajal_ok, root};

#[test]
fn song2000_weights_split_towards_the_bounds_and_the_rate_settles() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let model = root().join("examples/song2000.toml");
    cajal_ok(&[
        "run",
        model.to_str().unwrap(),
        "--duration",
        "40000",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let file = out.join("weights/inputs_to_neuron.npz");
    let w = read_npz_f64(&file, "weights").unwrap();
    let sources = read_npz_u32(&file, "sources").unwrap();
    let times = read_npz_f64(&file, "times").unwrap();
    let (rows, cols, history) = read_npz_f64_matrix(&file, "history").unwrap();
    assert_eq!((rows, cols), (5, 1000));
    assert_eq!(w.len(), 1000);
    assert_eq!(sources.len(), 1000);
    assert_eq!(times, vec![0.0, 10000.0, 20000.0, 30000.0, 40000.0]);
    assert_eq!(history.len(), 5 * 1000);
    assert_eq!(
        &history[4000..],
        &w[..],
        "the last snapshot is the final weights"
    );
    let gmax = 0.1;
    assert!(w.iter().all(|&x| (0.0..=gmax).contains(&x)), "bounds hold");
    // uniform initial weights put 20 % within 10 % of a bound (1000 weights: sd 1.3 %)
    let near = |ws: &[f64]| {
        ws.iter()
            .filter(|&&x| x < 0.1 * gmax || x > 0.9 * gmax)
            .count() as f64
            / ws.len() as f64
    };
    let (first, last) = (near(&history[..1000]), near(&w));
    eprintln!("weights within 10 % of a bound: {first:.3} at 0 s, {last:.3} at 40 s");
    assert!(first < 0.26 && last > 0.3, "{first} -> {last}");
    // the output rate falls as the weights compete
    let spikes = read_npz_f64(&out.join("spikes/neuron.npz"), "times").unwrap();
    let rate = |a: f64, b: f64| spikes.iter().filter(|&&t| t > a && t <= b).count() as f64 / 10.0;
    let (r0, r1) = (rate(0.0, 10000.0), rate(30000.0, 40000.0));
    eprintln!("output rate {r0} Hz in the first 10 s, {r1} Hz in the last 10 s");
    assert!(r1 < 0.8 * r0, "{r0} -> {r1}");
    assert!(out.join("weights/inputs_to_neuron.png").exists());
}

/// Runs a NALSM liquid variant for `ms` and returns its descendant branching factor over the last
/// 10 s and the astrocyte's file, if any.
fn liquid_branching(
    dir: &std::path::Path,
    model_text: &str,
    ms: u32,
) -> (f64, Option<std::path::PathBuf>) {
    let model = dir.join("liquid.toml");
    std::fs::write(&model, model_text).unwrap();
    let out = dir.join("run");
    let (m, o) = (model.to_str().unwrap(), out.to_str().unwrap());
    let t = ms.to_string();
    cajal_ok(&[
        "run",
        m,
        "--duration",
        &t,
        "--out",
        o,
        "-q",
        "--no-plot",
        "--save-connectivity",
    ]);
    let conn = out.join("connectivity.npz");
    let start = (ms - 10_000).to_string();
    cajal_ok(&[
        "analyze",
        o,
        "--t-start",
        &start,
        "--gof",
        "0",
        "--pairs",
        "5",
        "--lz-neurons",
        "1",
        "--lz-surrogates",
        "1",
        "--no-plot",
        "-q",
        "--connectome",
        conn.to_str().unwrap(),
    ]);
    let a: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("analysis/analysis.json")).unwrap())
            .unwrap();
    let astro = out.join("astrocytes/astro.npz");
    (
        a["branching_descendants"]
            .as_f64()
            .expect("a branching factor"),
        astro.exists().then_some(astro),
    )
}

#[test]
fn the_astrocyte_brings_the_liquid_branching_factor_near_one() {
    let text = std::fs::read_to_string(root().join("examples/nalsm_liquid.toml")).unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("astrocyte = "))
        .collect::<Vec<_>>()
        .join("\n");
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (with_bf, astro) = liquid_branching(d1.path(), &text, 40_000);
    let (without_bf, none) = liquid_branching(d2.path(), &without, 40_000);
    eprintln!("descendant branching factor after 40 s: {with_bf:.3} with the astrocyte, {without_bf:.3} without");
    assert!(none.is_none(), "no astrocyte file without an astrocyte");
    assert!(
        (with_bf - 1.0).abs() < 0.15,
        "with the astrocyte: {with_bf}"
    );
    assert!(
        without_bf > 1.2,
        "without it STDP strengthens the liquid: {without_bf}"
    );
    let values = read_npz_f64(&astro.unwrap(), "values").unwrap();
    assert_eq!(values.len(), 40_000, "one value per ms");
    assert_eq!(values[0], 0.05, "starts at its initial value");
}
