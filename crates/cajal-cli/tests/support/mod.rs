//! Helpers shared by the integration tests: running the `cajal` binary and the Python peers.

#![allow(dead_code)] // each test file uses a subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `cajal ARGS` and returns its output, whatever the exit code.
pub fn cajal_output(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cajal"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `cajal ARGS` and fails the test, with its stderr, unless it succeeds.
pub fn cajal_ok(args: &[&str]) -> Output {
    let out = cajal_output(args);
    assert!(
        out.status.success(),
        "cajal {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Whether the tests run in CI: the environment variable `CI` is `true` (as `.ci/run` and CI
/// services set it) or `1`. There a test may not skip for want of a peer or of data.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// A test cannot check what it is for, because of `why`: under CI ([`in_ci`]) this fails the
/// test with `why`; elsewhere it prints `SKIP: why` and returns, and the caller returns too.
pub fn skip_unless_ci(why: &str) {
    assert!(
        !in_ci(),
        "{why}; this is a CI run (CI={}), where a test may not be skipped (.ci/run installs \
         what the tests need)",
        std::env::var("CI").unwrap_or_default()
    );
    eprintln!("SKIP: {why} (under CI=true this fails the test)");
}

/// True when `python3 -c "import MODULE"` works; otherwise [`skip_unless_ci`] says what is
/// missing and how to `install` it (a failure under CI, a skip elsewhere).
pub fn python_has(module: &str, install: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        skip_unless_ci(&format!(
            "the Python module {module} is not installed ({install})"
        ));
    }
    ok
}

/// Runs a Python script with arguments and parses the JSON on the last line of its stdout.
pub fn python_json(script: &Path, args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let out = Command::new("python3")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    serde_json::from_str(text.lines().last().unwrap()).unwrap()
}

/// Runs `cajal ARGS` under a 4 GB address-space limit (`ulimit -v`); it must refuse within 5 s
/// with exit code 2 and a message holding `needle`, without a panic or an abort.
pub fn refused_in_4gb(args: &[&str], needle: &str) {
    let mut line = format!("ulimit -v 4000000; exec '{}'", env!("CARGO_BIN_EXE_cajal"));
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    let t0 = std::time::Instant::now();
    let out = Command::new("sh").arg("-c").arg(&line).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(5),
        "{args:?} took {:?}",
        t0.elapsed()
    );
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: '{needle}' not in: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
}
