//! `cajal analyze` on the input formats it accepts, and clear refusals (exit code 2, the file and
//! the fix named) of bad ones.

mod support;
use std::path::Path;

fn analyze(args: &[&str]) -> (i32, String, String) {
    let out = support::cajal_output(&[&["analyze"], args].concat());
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn npz(dir: &Path, name: &str, times: &[f64], senders: &[f64]) -> String {
    let p = dir.join(name);
    let mut w = ndarray_npy::NpzWriter::new(std::fs::File::create(&p).unwrap());
    w.add_array("times", &ndarray::Array1::from(times.to_vec()))
        .unwrap();
    // int64 senders, as numpy.savez writes them by default
    let s: Vec<i64> = senders.iter().map(|&v| v as i64).collect();
    w.add_array("senders", &ndarray::Array1::from(s)).unwrap();
    w.finish().unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn csv_npz_and_npy_inputs_give_the_same_statistics() {
    let d = tempfile::tempdir().unwrap();
    let times = [1.0, 2.0, 4.5, 7.0, 7.0, 9.5, 12.0, 15.0, 15.5, 19.0];
    let senders = [0.0, 1.0, 0.0, 1.0, 2.0, 0.0, 1.0, 0.0, 2.0, 1.0];
    let mut csv = String::from("time,sender\n");
    for (t, s) in times.iter().zip(&senders) {
        csv += &format!("{t},{s}\n");
    }
    let c = write(d.path(), "s.csv", &csv);
    let z = npz(d.path(), "s.npz", &times, &senders);
    let y = d.path().join("s.npy");
    let rows = ndarray::Array2::from_shape_fn((times.len(), 2), |(i, k)| {
        if k == 0 {
            times[i]
        } else {
            senders[i]
        }
    });
    ndarray_npy::write_npy(&y, &rows).unwrap();
    let mut rates = Vec::new();
    for (input, name) in [
        (c, "csv"),
        (z, "npz"),
        (y.to_str().unwrap().to_string(), "npy"),
    ] {
        let out = d.path().join(name);
        let (code, _, err) = analyze(&[
            &input,
            "--out",
            out.to_str().unwrap(),
            "--t-stop",
            "20",
            "-q",
            "--no-plot",
        ]);
        assert_eq!(code, 0, "{name}: {err}");
        let r = cajal_data::read_npz_f64(&out.join("per_neuron.npz"), "rate_hz").unwrap();
        rates.push(r);
    }
    // 4, 4 and 2 spikes in 20 ms
    assert_eq!(rates[0], vec![200.0, 200.0, 100.0]);
    assert_eq!(rates[0], rates[1]);
    assert_eq!(rates[0], rates[2]);
}

#[test]
fn bad_inputs_are_refused_with_the_place_and_the_fix() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![p.join("nothing.npz").to_str().unwrap().into()],
            "no such file",
        ),
        (vec![write(p, "x.txt2", "1,0\n")], "unknown spike file type"),
        (
            vec![write(p, "unsorted.csv", "time,sender\n5.0,0\n1.0,1\n")],
            "must be sorted by time",
        ),
        (vec![write(p, "neg.csv", "-1.0,0\n2.0,0\n")], "negative"),
        (
            vec![write(p, "nan.csv", "1.0,0\nnan,0\n")],
            "must be finite",
        ),
        (vec![write(p, "empty.csv", "time,sender\n")], "no spikes"),
        (
            vec![write(p, "cols.csv", "1.0,0,3\n")],
            "line 1: expected 2 columns",
        ),
        (
            vec![write(p, "sender.csv", "1.0,0.5\n")],
            "not a neuron index",
        ),
        (
            vec![write(p, "text.csv", "1.0,0\nabc,def\n")],
            "line 2: not a list of numbers",
        ),
        (
            vec![npz(p, "nan.npz", &[1.0, f64::NAN], &[0.0, 0.0])],
            "spike 1: time is NaN",
        ),
        (
            vec![
                write(p, "ok.csv", "1.0,0\n2.0,1\n"),
                "--bin".into(),
                "0".into(),
            ],
            "--bin must be a number > 0",
        ),
        (
            vec![
                write(p, "ok2.csv", "1.0,0\n2.0,1\n"),
                "--infer".into(),
                "magic".into(),
            ],
            "--infer must be none, ccg, glm or both",
        ),
        (
            vec![
                write(p, "ok4.csv", "1.0,0\n2.0,3\n"),
                "--neurons".into(),
                "2".into(),
            ],
            "give --neurons",
        ),
        (
            vec![
                write(p, "ok5.csv", "1.0,0\n2.0,1\n"),
                "--connectome".into(),
                write(p, "conn.npz", "not an npz"),
            ],
            "conn.npz",
        ),
    ];
    std::fs::create_dir_all(p.join("run")).unwrap();
    for (args, expect) in cases {
        let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = p.join("out");
        a.extend(["--out", out.to_str().unwrap(), "-q", "--no-plot"]);
        let (code, _, err) = analyze(&a);
        assert_eq!(code, 2, "{args:?}: exit {code}, stderr {err}");
        assert!(
            err.contains(expect),
            "{args:?}: expected '{expect}' in: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    // A folder that is not a run folder.
    let (code, _, err) = analyze(&[p.join("run").to_str().unwrap(), "-q", "--no-plot"]);
    assert_eq!(code, 2);
    assert!(err.contains("summary.json"), "{err}");
}

/// The flags that take a value, as front ends that rewrite a command line read them from the
/// command's definition: every analysis option with a value, none of the switches.
#[test]
fn the_flags_that_take_values_come_from_the_command() {
    let flags = cajal_cli::flags_with_values("analyze");
    for f in [
        "--out",
        "--bin",
        "--lag-min",
        "--lag-max",
        "--infer",
        "--connectome",
        "--t-stop",
    ] {
        assert!(flags.iter().any(|x| x == f), "{f} missing from {flags:?}");
    }
    for f in ["--quiet", "--no-plot"] {
        assert!(!flags.iter().any(|x| x == f), "{f} is a switch: {flags:?}");
    }
    assert!(cajal_cli::flags_with_values("no-such-command").is_empty());
}
