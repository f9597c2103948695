//! Checkpoints from the command line: a run resumed from its last checkpoint, or from the one an
//! interruption (SIGINT) wrote, ends with the same files as an uninterrupted run; a process killed
//! (SIGKILL) while writing checkpoints always leaves a loadable one.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{cajal_ok, cajal_output, root};

fn same_files(a: &Path, b: &Path, names: &[&str]) {
    for n in names {
        let (x, y) = (
            std::fs::read(a.join(n)).unwrap(),
            std::fs::read(b.join(n)).unwrap(),
        );
        assert!(
            x == y,
            "{n} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn resuming_the_last_checkpoint_gives_the_uninterrupted_files() {
    let dir = tempfile::tempdir().unwrap();
    let model = root().join("examples/song2000.toml");
    let m = model.to_str().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    let common = ["--duration", "3000", "--no-plot", "-q"];
    cajal_ok(&[&["run", m, "--out", a.to_str().unwrap()], &common[..]].concat());
    cajal_ok(
        &[
            &[
                "run",
                m,
                "--out",
                b.to_str().unwrap(),
                "--checkpoint-every",
                "1000",
            ],
            &common[..],
        ]
        .concat(),
    );
    // the last checkpoint (2 s) continues to 3 s, into another folder
    let ck = b.join("checkpoint.ckpt");
    assert!(ck.exists());
    cajal_ok(&[
        "resume",
        ck.to_str().unwrap(),
        "--out",
        c.to_str().unwrap(),
        "-q",
    ]);
    same_files(
        &a,
        &c,
        &["spikes/neuron.npz", "weights/inputs_to_neuron.npz"],
    );
    // a damaged checkpoint is refused with exit code 2 and the file named
    let mut bytes = std::fs::read(&ck).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 1;
    let bad = dir.path().join("bad.ckpt");
    std::fs::write(&bad, &bytes).unwrap();
    let out = cajal_output(&["resume", bad.to_str().unwrap(), "-q"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("bad.ckpt") && err.contains("checksum"),
        "{err}"
    );
}

#[cfg(unix)]
fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {pid}");
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_writes_partial_outputs_and_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let model = root().join("examples/song2000.toml");
    let m = model.to_str().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let common = ["--duration", "20000", "--no-plot", "-q"];
    cajal_ok(&[&["run", m, "--out", a.to_str().unwrap()], &common[..]].concat());
    let child = Command::new(env!("CARGO_BIN_EXE_cajal"))
        .args([&["run", m, "--out", b.to_str().unwrap()], &common[..]].concat())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(60));
    signal(child.id(), "-INT");
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        support::skip_unless_ci("the run finished before the signal arrived");
        return;
    }
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("cajal resume"), "{err}");
    let summary = std::fs::read_to_string(b.join("summary.json")).unwrap();
    assert!(summary.contains("\"partial\": true"), "{summary}");
    let ck = b.join("checkpoint.ckpt");
    cajal_ok(&["resume", ck.to_str().unwrap(), "-q"]);
    same_files(
        &a,
        &b,
        &["spikes/neuron.npz", "weights/inputs_to_neuron.npz"],
    );
    let summary = std::fs::read_to_string(b.join("summary.json")).unwrap();
    assert!(summary.contains("\"partial\": false"), "{summary}");
}

#[cfg(unix)]
#[test]
fn a_process_killed_while_checkpointing_leaves_a_loadable_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let model = root().join("examples/cuba.toml");
    let m = model.to_str().unwrap();
    let mut kills = 0;
    for (k, wait_ms) in [150u64, 260, 370, 480, 590, 700].iter().enumerate() {
        let out = dir.path().join(format!("run{k}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_cajal"))
            .args([
                "run",
                m,
                "--out",
                out.to_str().unwrap(),
                "--duration",
                "100000",
                "--checkpoint-every",
                "1",
                "--no-plot",
                "-q",
            ])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // kill it at some moment of its stream of checkpoint writes
        let t0 = Instant::now();
        let ck = out.join("checkpoint.ckpt");
        while !ck.exists() && t0.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(*wait_ms));
        signal(child.id(), "-KILL");
        child.wait().unwrap();
        kills += 1;
        let c = cajal_core::Checkpoint::read(&ck)
            .unwrap_or_else(|e| panic!("after a kill {wait_ms} ms into checkpointing: {e}"));
        assert!(c.time_ms() > 0.0);
    }
    assert_eq!(kills, 6);
}
