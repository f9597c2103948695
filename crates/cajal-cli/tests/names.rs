//! Names are names, not paths: populations and projections named with slashes, spaces, dots or
//! non-ASCII letters run, write their files inside the run folder under one naming rule
//! (`cajal_data::file_stem`), and the analysis reads them back by the same rule.

mod support;

use cajal_data::RunFolder;
use support::cajal_ok;

const NAMES: [&str; 5] = ["L2/3E", "L2/3 I", "Körnerzellen", "../../escape", ".hidden"];

fn model() -> String {
    let mut t = String::from("[simulation]\ndt = 0.1\nduration = 200.0\nseed = 3\n");
    for name in NAMES {
        t += &format!(
            "\n[[population]]\nname = \"{name}\"\nmodel = \"iaf_psc_exp\"\nsize = 20\n\
             [[input]]\ntype = \"dc_generator\"\ntarget = \"{name}\"\namplitude = 450.0\n\
             [[record]]\npopulation = \"{name}\"\nvariables = [\"V_m\"]\nneurons = 3\n"
        );
    }
    t += &format!(
        "\n[[projection]]\nsource = \"{}\"\ntarget = \"{}\"\nrule = \"all_to_all\"\nweight = 5.0\n\
         record_weights = true\n",
        NAMES[0], NAMES[1]
    );
    t
}

#[test]
fn names_with_slashes_spaces_and_accents_run_and_write_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("names.toml");
    std::fs::write(&file, model()).unwrap();
    let out = dir.path().join("run");
    cajal_ok(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-plot",
        "--quiet",
    ]);
    let folder = RunFolder::new(&out);
    for name in NAMES {
        for file in [folder.spikes(name), folder.state(name)] {
            assert!(file.is_file(), "{name}: {} missing", file.display());
            assert!(
                file.starts_with(&out),
                "{name}: {} outside the run folder",
                file.display()
            );
            let times = cajal_data::read_npz_f64(&file, "times").unwrap();
            assert!(
                !times.is_empty(),
                "{name}: {} holds no samples",
                file.display()
            );
        }
    }
    let w = folder.weights("L2/3E->L2/3 I");
    assert!(w.is_file(), "{} missing", w.display());
    // nothing was written outside the run folder, and no hidden files inside it
    let escaped: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(escaped.len(), 2, "{escaped:?}");
    for sub in ["spikes", "state"] {
        for e in std::fs::read_dir(out.join(sub)).unwrap() {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!n.starts_with('.'), "hidden file {sub}/{n}");
        }
    }
    // the analysis finds every population by its name
    cajal_ok(&["analyze", out.to_str().unwrap(), "--no-plot"]);
    let report = std::fs::read_to_string(out.join("analysis/analysis.json")).unwrap();
    for name in NAMES {
        let quoted = serde_json::to_string(name).unwrap();
        assert!(
            report.contains(&quoted),
            "{name} missing from analysis.json"
        );
    }
}
