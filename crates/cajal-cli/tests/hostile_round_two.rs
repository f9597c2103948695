//! Hostile input, round two (issue 26), the items closed so far; each case failed on 28ac977:
//! absurd thread counts, output folders and values that were found only after the whole run,
//! silently wrong readings (a connection list whose first row has a typo, half-step delays,
//! durations off the grid, more recorded neurons than a population has, `encode` writing NPZ
//! under another name). Names used as paths are `names.rs`.

mod support;

use cajal_core::{ErrorKind, Input, ModelKind, Network, Population, Projection, Rule};
use std::time::{Duration, Instant};
use support::{cajal_output, refused_in_4gb};

/// Runs `cajal ARGS`, which must refuse within 5 s with exit code 2 and a message holding
/// `needle`.
fn refused(args: &[&str], needle: &str) {
    let t0 = Instant::now();
    let out = cajal_output(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "{args:?} took {:?}",
        t0.elapsed()
    );
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: '{needle}' not in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn model(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

const POP: &str = "[[population]]\nname = \"E\"\nmodel = \"iaf_psc_exp\"\nsize = 100\n";

#[test]
fn absurd_thread_counts_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    for threads in ["100000", "1000"] {
        refused(
            &["run", "--threads", threads, "--out", out, "--quiet"],
            "--threads: ",
        );
    }
    assert!(
        !dir.path().join("out").exists(),
        "nothing is written for a refused run"
    );
    let e = Network::check_threads(100_000).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Resources);
    Network::check_threads(0).unwrap();
    Network::check_threads(3).unwrap();
}

#[test]
fn what_would_fail_after_the_run_is_refused_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let under_file = file.join("out");
    refused(
        &[
            "run",
            "--out",
            under_file.to_str().unwrap(),
            "--duration",
            "10",
            "--quiet",
        ],
        "cannot write there",
    );
    let twice = model(
        dir.path(),
        "twice.toml",
        &format!("{POP}[[record]]\npopulation = \"E\"\nvariables = [\"V_m\", \"V_m\"]\n"),
    );
    refused(
        &["check", &twice],
        "record[0].variables: 'V_m' is listed twice",
    );
    let many = model(
        dir.path(),
        "many.toml",
        &format!("{POP}[[record]]\npopulation = \"E\"\nneurons = 1000\n"),
    );
    refused(&["check", &many], "1000 neurons asked, but 'E' has 100");
}

#[test]
fn durations_off_the_grid_are_refused_not_rounded() {
    let dir = tempfile::tempdir().unwrap();
    let short = model(
        dir.path(),
        "short.toml",
        &format!("[simulation]\nduration = 0.05\n{POP}"),
    );
    refused(
        &["check", &short],
        "simulation.duration: duration 0.05 ms is not a multiple of dt",
    );
    let out = dir.path().join("out");
    refused(
        &[
            "run",
            "--duration",
            "12.34",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
        "use 12.3 or 12.4 ms",
    );
    assert_eq!(cajal_core::duration_steps(12.3, 0.1), Ok(123));
}

#[test]
fn a_first_row_with_a_typo_is_an_error_not_a_header() {
    let dir = tempfile::tempdir().unwrap();
    let proj = |file: &str| {
        format!(
            "{POP}\n[[projection]]\nsource = \"E\"\ntarget = \"E\"\nrule = \"explicit\"\nfile = \"{file}\"\n"
        )
    };
    for (name, csv) in [
        ("typo.csv", "0,1,2O.0,1.5\n1,2,20.0,1.5\n"),
        ("semicolons.csv", "0;1;20.0;1.5\n"),
    ] {
        std::fs::write(dir.path().join(name), csv).unwrap();
        let m = model(dir.path(), "m.toml", &proj(name));
        refused(&["check", &m], "line 1: not a list of numbers");
    }
    // a header of names is still a header
    std::fs::write(
        dir.path().join("ok.csv"),
        "source,target,weight,delay\n0,1,20.0,1.5\n",
    )
    .unwrap();
    let m = model(dir.path(), "m.toml", &proj("ok.csv"));
    let out = cajal_output(&["check", &m]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn half_step_delays_round_up_as_in_nest() {
    // NEST counts time in tics: 0.15 ms at dt 0.1 is 1.5 steps, rounded up to 2; in floating
    // point 0.15 / 0.1 is 1.4999999999999998
    let mut net = Network::new(0.1, 1).unwrap();
    let a = net
        .add_population(Population::new("a", ModelKind::IafPscDelta, 1))
        .unwrap();
    net.add_input(Input::dc(1.0).onto(a)).unwrap();
    for d in [0.15, 0.25, 0.35, 0.45, 1.5] {
        let proj = Projection::new(a, a, Rule::AllToAll).weight(0.1).delay(d);
        net.connect(proj.name(format!("d{d}"))).unwrap();
    }
    let sim = net.build(1).unwrap();
    let mut delays: Vec<f64> = sim.connections().iter().map(|c| c.3).collect();
    delays.sort_by(f64::total_cmp);
    let steps: Vec<u64> = delays.iter().map(|d| (d / 0.1).round() as u64).collect();
    assert_eq!(steps, vec![2, 3, 4, 5, 15]);
}

#[test]
fn encode_writes_npz_under_an_npz_name_only() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("x.csv");
    refused(
        &["encode", "--count", "1", "--out", csv.to_str().unwrap()],
        "give a name ending in .npz",
    );
    assert!(!csv.exists());
}

/// Runs `cajal ARGS` under a 4 GB address-space limit (`ulimit -v`): it must refuse within 5 s,
/// exit 2 and say `needle`, never abort on an allocation.
#[test]
fn huge_or_degenerate_inputs_are_refused_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let csv = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let one = csv("one.csv", "time,sender\n1.0,0\n");
    let far = csv("far.csv", "time,sender\n1.0,0\n1e15,1\n");
    let high = csv("high.csv", "time,sender\n1.0,4294967295\n");
    let mut same = String::from("time,sender\n");
    for i in 0..1000 {
        same.push_str(&format!("5.0,{i}\n"));
    }
    let same = csv("same.csv", &same);
    refused_in_4gb(
        &["analyze", &one, "--out", out, "--no-plot"],
        "give --avalanche-bin",
    );
    refused_in_4gb(
        &["analyze", &same, "--out", out, "--no-plot"],
        "give --avalanche-bin",
    );
    refused_in_4gb(
        &["analyze", &far, "--out", out, "--no-plot"],
        "give a larger --bin",
    );
    refused_in_4gb(
        &["analyze", &high, "--out", out, "--no-plot"],
        "4294967296 neurons",
    );
    refused_in_4gb(
        &[
            "analyze",
            &one,
            "--neurons",
            "4000000000",
            "--out",
            out,
            "--no-plot",
        ],
        "4000000000 neurons",
    );
    refused_in_4gb(
        &["analyze", &one, "--bin", "1e-9", "--out", out, "--no-plot"],
        "--bin",
    );
    // a model of 4e9 neurons is refused by the memory estimate at once, not after minutes
    let big = dir.path().join("big.toml");
    std::fs::write(
        &big,
        "[[population]]\nname = \"E\"\nmodel = \"iaf_psc_delta\"\nsize = 4000000000\n",
    )
    .unwrap();
    refused_in_4gb(&["check", big.to_str().unwrap()], "GiB are available");
    // and one spike with a bin asked for is analysed
    let ok = cajal_output(&[
        "analyze",
        &one,
        "--avalanche-bin",
        "1",
        "--out",
        out,
        "--no-plot",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn a_folder_is_locked_during_a_run_and_a_new_run_replaces_the_old_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_s = out.to_str().unwrap();
    // a first run leaves spikes of a population the second model does not have
    let solo = POP.replace("\"E\"", "\"Solo\"");
    let first = model(
        dir.path(),
        "first.toml",
        &format!("{solo}[[record]]\npopulation = \"Solo\"\n"),
    );
    let ok = cajal_output(&[
        "run",
        &first,
        "--out",
        out_s,
        "--quiet",
        "--no-plot",
        "--duration",
        "10",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(out.join("spikes/Solo.npz").exists());
    let cuba = support::root().join("examples/cuba.toml");
    let cuba = cuba.to_str().unwrap();
    let second = cajal_output(&["run", cuba, "--out", out_s, "--no-plot", "--duration", "10"]);
    assert!(second.status.success());
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(
        said.contains("replacing the outputs of a previous run"),
        "{said}"
    );
    assert!(
        !out.join("spikes/Solo.npz").exists(),
        "the first run's file was left"
    );
    assert!(out.join("spikes/E.npz").exists());
    assert!(out.join("summary.json").exists());
    // while a run writes into the folder, another is refused
    let mut long = std::process::Command::new(env!("CARGO_BIN_EXE_cajal"))
        .args([
            "run",
            cuba,
            "--out",
            out_s,
            "--quiet",
            "--no-plot",
            "--duration",
            "60000",
        ])
        .spawn()
        .unwrap();
    let lock = out.join(".cajal-run.lock");
    let t0 = Instant::now();
    while !lock.exists() && t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(lock.exists(), "the running run holds no lock");
    refused(
        &["run", "--out", out_s, "--quiet", "--duration", "10"],
        "another cajal run",
    );
    long.kill().unwrap();
    long.wait().unwrap();
    // a lock left by a killed run is taken over
    let again = cajal_output(&[
        "run",
        cuba,
        "--out",
        out_s,
        "--quiet",
        "--no-plot",
        "--duration",
        "10",
    ]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(!lock.exists(), "the lock is removed at the end of a run");
}

#[test]
fn resume_needs_only_the_checkpoint_and_refuses_changed_files() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&run_dir).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(run_dir.join("conn.csv"), "0,1,5.0,1.5\n1,0,5.0,1.5\n").unwrap();
    std::fs::write(
        run_dir.join("m.toml"),
        "[simulation]\nduration = 2000.0\n[[population]]\nname = \"E\"\nmodel = \"iaf_psc_exp\"\n\
         size = 2\n[[input]]\ntype = \"dc_generator\"\ntarget = \"E\"\namplitude = 400.0\n\
         [[projection]]\nsource = \"E\"\ntarget = \"E\"\nrule = \"explicit\"\nfile = \"conn.csv\"\n\
         [[record]]\npopulation = \"E\"\n",
    )
    .unwrap();
    let cajal = |cwd: &std::path::Path, args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_cajal"))
            .current_dir(cwd)
            .args(args)
            .output()
            .unwrap()
    };
    // relative model and output paths, as a user types them
    let first = cajal(
        &run_dir,
        &[
            "run",
            "m.toml",
            "--out",
            "o",
            "--checkpoint-every",
            "1000",
            "--quiet",
            "--no-plot",
        ],
    );
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    std::fs::remove_file(run_dir.join("o/summary.json")).unwrap();
    let ck = run_dir.join("o/checkpoint.ckpt");
    let ck = ck.to_str().unwrap();
    // from another folder: the connection list is found and the outputs go to the run's folder
    let resumed = cajal(&elsewhere, &["resume", ck, "--quiet"]);
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(run_dir.join("o/summary.json").exists());
    assert!(
        !elsewhere.join("o").exists(),
        "resume wrote relative to the current folder"
    );
    let summary = cajal_data::RunFolder::new(run_dir.join("o"))
        .read_summary()
        .unwrap();
    let from = summary.resumed_from_ms.expect("a resumed run says so");
    assert!((from - 1000.0).abs() < 2.0, "resumed from {from} ms");
    // a connection list changed since the checkpoint is refused, not silently used
    std::fs::write(run_dir.join("conn.csv"), "0,1,9.0,1.5\n1,0,5.0,1.5\n").unwrap();
    let changed = cajal(&elsewhere, &["resume", ck, "--quiet"]);
    let err = String::from_utf8_lossy(&changed.stderr);
    assert_eq!(changed.status.code(), Some(2), "{err}");
    assert!(
        err.contains("conn.csv: changed since the checkpoint was written"),
        "{err}"
    );
}

#[test]
fn spikes_and_state_take_separate_neuron_lists() {
    // f_i_curve.toml records the spikes of all 21 neurons and V_m of three (one list limited both)
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fi");
    let model = support::root().join("examples/f_i_curve.toml");
    let ok = cajal_output(&[
        "run",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--no-plot",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let folder = cajal_data::RunFolder::new(&out);
    let spikes = folder.read_spikes("neurons").unwrap().unwrap();
    assert_eq!(spikes.neurons.unwrap(), (0..21).collect::<Vec<u32>>());
    let mut spiking: Vec<u32> = spikes.senders.clone();
    spiking.dedup();
    spiking.sort_unstable();
    spiking.dedup();
    assert!(spiking.len() > 10, "only {spiking:?} spiked");
    let state = cajal_data::read_npz_u32(&folder.state("neurons"), "senders").unwrap();
    let mut sampled = state.clone();
    sampled.sort_unstable();
    sampled.dedup();
    assert_eq!(sampled, vec![8, 10, 20]);
    // a state list outside the population is refused like the spike list
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!(
            "{POP}[[record]]\npopulation = \"E\"\nvariables = [\"V_m\"]\nstate_neurons = [100]\n"
        ),
    )
    .unwrap();
    refused(
        &["check", bad.to_str().unwrap()],
        "record[0].state_neurons: neuron index 100 is outside 'E'",
    );
}

/// Sends `sig` (such as `-INT`) to process `pid`.
fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {pid}");
}

#[test]
fn ctrl_c_during_a_long_build_quits_at_once() {
    // 1.6e8 synapses on one thread take seconds to build; the lock file appears just before
    let dir = tempfile::tempdir().unwrap();
    let m = model(
        dir.path(),
        "big.toml",
        "[[population]]\nname = \"E\"\nmodel = \"iaf_psc_exp\"\nsize = 20000\n\
         [[projection]]\nsource = \"E\"\ntarget = \"E\"\nrule = \"fixed_indegree\"\n\
         indegree = 8000\nweight = 0.1\ndelay = 1.5\n",
    );
    let out = dir.path().join("out");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cajal"))
        .args(["run", &m, "--threads", "1", "--out", out.to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lock = out.join(".cajal-run.lock");
    let t0 = Instant::now();
    while !lock.exists() {
        assert!(t0.elapsed() < Duration::from_secs(20), "no lock file");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the build ended already"
    );
    signal(child.id(), "-INT");
    let t1 = Instant::now();
    let done = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(
        t1.elapsed() < Duration::from_secs(1),
        "took {:?} after Ctrl-C",
        t1.elapsed()
    );
    assert_eq!(done.status.code(), Some(130), "{err}");
    assert!(
        err.contains("interrupted while building the network"),
        "{err}"
    );
    assert!(!lock.exists(), "the lock is left behind");
    assert!(!out.join("summary.json").exists());
}

/// The resource-limit suite's model part (learning and encoding: learn.rs): `check`, `run` and
/// `resume` under a 4 GB address-space limit refuse hostile sizes within 5 s, exit code 2.
#[test]
fn model_commands_refuse_hostile_sizes_in_4gb() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let huge = model(
        dir.path(),
        "huge.toml",
        "[[population]]\nname = \"E\"\nmodel = \"iaf_psc_delta\"\nsize = 4000000000\n",
    );
    // 1e5 neurons all to all: 1e10 synapses, far beyond 4 GB (and well inside u32 indices)
    let dense = model(
        dir.path(),
        "dense.toml",
        "[[population]]\nname = \"E\"\nmodel = \"iaf_psc_exp\"\nsize = 100000\n\
         [[projection]]\nsource = \"E\"\ntarget = \"E\"\nrule = \"all_to_all\"\n\
         weight = 0.1\ndelay = 1.0\n",
    );
    let small = model(dir.path(), "small.toml", POP);
    for m in [&huge, &dense] {
        refused_in_4gb(&["check", m], "GiB are available");
        refused_in_4gb(&["run", m, "--out", out], "GiB are available");
    }
    refused_in_4gb(
        &["run", &dense, "--max-memory", "1G", "--out", out],
        "allowed by --max-memory",
    );
    refused_in_4gb(
        &["run", &small, "--checkpoint-every", "1e-9", "--out", out],
        "at least one step",
    );
    refused_in_4gb(
        &["run", &small, "--threads", "100000", "--out", out],
        "--threads",
    );
    // a checkpoint whose header announces 2^60 bytes is refused before anything is read
    let mut ck =
        std::fs::read(support::root().join("crates/cajal-core/tests/data/golden-v2.ckpt")).unwrap();
    ck[20..28].copy_from_slice(&(1u64 << 60).to_le_bytes());
    let ck_path = dir.path().join("huge.ckpt");
    std::fs::write(&ck_path, ck).unwrap();
    refused_in_4gb(&["resume", ck_path.to_str().unwrap()], "header announces");
}

/// Messages show huge and tiny numbers in scientific notation (Rust prints 1e301 with 302
/// digits), and name a bad row of a CSV connection list by its line in the file, whatever the
/// comments and blank lines before it and whichever check finds it.
#[test]
fn messages_have_short_numbers_and_file_lines() {
    let dir = tempfile::tempdir().unwrap();
    let huge = model(
        dir.path(),
        "huge.toml",
        "[[population]]\nname = \"E\"\nmodel = \"iaf_psc_exp\"\nsize = 10\n\
         params = { tau_m = -1e301 }\n",
    );
    refused(&["check", &huge], "(got -1e301)");
    let unsorted = model(dir.path(), "u.csv", "time,sender\n1e300,1\n2,2\n");
    refused(
        &[
            "analyze",
            &unsorted,
            "--no-plot",
            "--out",
            dir.path().to_str().unwrap(),
        ],
        "comes after 1e300 ms",
    );
    let list = |name: &str, rows: &str| {
        model(
            dir.path(),
            name,
            &format!("source,target,weight,delay\n# comment\n\n{rows}"),
        );
        model(
            dir.path(),
            &format!("{name}.toml"),
            &format!(
                "[[population]]\nname = \"E\"\nmodel = \"iaf_psc_exp\"\nsize = 10\n\
                 [[projection]]\nsource = \"E\"\ntarget = \"E\"\nrule = \"explicit\"\n\
                 file = \"{name}\"\n"
            ),
        )
    };
    // the reader (a short row), the builder (a pair outside, a delay too short): line 6 each
    let short = list("short.csv", "0,1,1.0,1.0\n\n1,2,3\n");
    let outside = list("outside.csv", "0,1,1.0,1.0\n\n1,500,1.0,1.0\n");
    let delay = list("delay.csv", "0,1,1.0,1.0\n\n1,2,1.0,0.01\n");
    for (m, what) in [
        (&short, "3 columns"),
        (&outside, "pair (1, 500)"),
        (&delay, "shorter than one time step"),
    ] {
        let out = cajal_output(&["check", m]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("line 6: ") && err.contains(what), "{err}");
        assert!(!err.contains("row "), "{err}");
    }
}

/// Measures that mean nothing on small data say so instead of printing a number: the Fano factor
/// with one window, synchrony chi of one neuron (it printed 1.0), power laws on two avalanches,
/// the branching ratio on five bins (it printed MR 0 with b = -999999).
#[test]
fn degenerate_measures_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let csv = model(dir.path(), "one.csv", "time,sender\n1.0,0\n3.0,0\n5.0,0\n");
    let out = dir.path().join("an");
    let done = cajal_output(&[
        "analyze",
        &csv,
        "--avalanche-bin",
        "1",
        "--no-plot",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let text = String::from_utf8_lossy(&done.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("analysis.json")).unwrap()).unwrap();
    let notes: Vec<&str> = json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    for what in [
        "Fano factor",
        "synchrony chi",
        "power laws",
        "branching ratio",
    ] {
        assert!(notes.iter().any(|n| n.contains(what)), "{what}: {notes:?}");
        assert!(
            text.contains(&format!("note: {what}")) || text.contains(what),
            "{text}"
        );
    }
    assert!(json["pairwise"]["synchrony_chi"].is_null());
    assert!(json["criticality"]["branching"]["mr"].is_null());
    assert!(text.contains("branching ratio: MR - (b -)"), "{text}");
}
