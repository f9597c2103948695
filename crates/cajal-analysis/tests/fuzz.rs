//! Fuzzing `cajal analyze`'s readers: random bytes, and mutations of valid CSV, NPZ and NPY spike
//! files and of a run folder (its summary.json and spike file), never make loading panic, hang or
//! allocate without bound; what loads and passes the size check is analysed (with few surrogates,
//! so that a case stays short) without a panic either. The number of cases follows
//! PROPTEST_CASES (the default keeps CI short; longer campaigns are stated in the notes).

use cajal_analysis::load::{load, LoadOptions};
use cajal_analysis::report::{analyze, check_size, Options};
use cajal_data::{NpzArray, PopulationSummary, RunFolder, RunSummary, SpikeFile};
use proptest::prelude::*;
use std::path::Path;

/// Loads `path` with `opt`; what loads and fits is analysed.
fn exercise(path: &Path, opt: &LoadOptions) {
    let Ok(data) = load(path, opt) else {
        return;
    };
    let o = Options {
        gof_reps: 2,
        lz_surrogates: 1,
        pair_neurons: 10,
        lz_neurons: 3,
        ..Options::default()
    };
    if check_size(&data, &o).is_err() {
        return;
    }
    // the analysis's cost grows with neurons and bins: keep a case short
    let bins = (data.t_stop - data.t_start) / o.bin_ms;
    if data.trains.len() <= 200 && bins <= 2e5 {
        let _ = analyze(&data, &o, &|_, _, _| {});
    }
}

/// Valid spike files: a CSV with a header, an NPZ and an NPY (N×2, NumPy's header layout).
fn valid_files(dir: &Path) -> [(&'static str, Vec<u8>); 3] {
    let times = [1.0, 2.5, 3.0, 7.25, 9.0, 12.5];
    let senders = [0u32, 3, 1, 0, 2, 3];
    let mut csv = String::from("time,sender\n");
    for (t, s) in times.iter().zip(senders) {
        csv.push_str(&format!("{t},{s}\n"));
    }
    let npz = dir.join("valid.npz");
    cajal_data::write_npz(
        &npz,
        &[
            ("times", NpzArray::F64(&times)),
            ("senders", NpzArray::U32(&senders)),
        ],
    )
    .unwrap();
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    let mut h = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, 2), }}",
        times.len()
    );
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    npy.extend_from_slice(&(h.len() as u16).to_le_bytes());
    npy.extend_from_slice(h.as_bytes());
    for (t, s) in times.iter().zip(senders) {
        npy.extend_from_slice(&t.to_le_bytes());
        npy.extend_from_slice(&(s as f64).to_le_bytes());
    }
    [
        ("x.csv", csv.into_bytes()),
        ("x.npz", std::fs::read(&npz).unwrap()),
        ("x.npy", npy),
    ]
}

/// A valid run folder's summary.json and spike file (population E of 4 neurons).
fn valid_run(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let folder = RunFolder::new(dir);
    folder
        .write_summary(&RunSummary {
            model: "fuzz".into(),
            duration_ms: 20.0,
            dt_ms: 0.1,
            populations: vec![PopulationSummary {
                name: "E".into(),
                model: "iaf_psc_exp".into(),
                size: 4,
                spikes: 6,
                ..PopulationSummary::default()
            }],
            ..RunSummary::default()
        })
        .unwrap();
    folder
        .write_spikes(
            "E",
            &SpikeFile {
                times: vec![1.0, 2.5, 3.0, 7.25, 9.0, 12.5],
                senders: vec![0, 3, 1, 0, 2, 3],
                neurons: Some(vec![0, 1, 2, 3]),
            },
        )
        .unwrap();
    (
        std::fs::read(folder.summary()).unwrap(),
        std::fs::read(folder.spikes("E")).unwrap(),
    )
}

/// Window and size options, sometimes hostile.
fn options() -> impl Strategy<Value = LoadOptions> {
    let time = prop_oneof![
        8 => Just(None),
        1 => (-1e3f64..1e3).prop_map(Some),
        1 =>
        prop::sample::select(vec![0.0, 1e15, -1e15, f64::NAN, f64::INFINITY, 1e-300])
            .prop_map(Some),
    ];
    let neurons = prop_oneof![
        8 => Just(None),
        1 => (0usize..10).prop_map(Some),
        1 => Just(Some(4_000_000_000usize)),
    ];
    (time.clone(), time, neurons).prop_map(|(t_start, t_stop, neurons)| LoadOptions {
        t_start,
        t_stop,
        neurons,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_crash_the_analysis(bytes in proptest::collection::vec(any::<u8>(), 0..2048),
                                             ext in 0usize..4, opt in options()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(["x.csv", "x.npz", "x.npy", "x.txt"][ext]);
        std::fs::write(&p, &bytes).unwrap();
        exercise(&p, &opt);
    }

    #[test]
    fn mutated_spike_files_never_crash_the_analysis(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..3),
        opt in options(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (name, bytes) = valid_files(dir.path())[which].clone();
        let p = dir.path().join(name);
        std::fs::write(&p, cajal_data::mutate::mutate_bytes(bytes, &edits)).unwrap();
        exercise(&p, &opt);
    }

    #[test]
    fn mutated_run_folders_never_crash_the_analysis(
        summary_edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..3),
        spike_edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..3),
        opt in options(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (summary, spikes) = valid_run(dir.path());
        let folder = RunFolder::new(dir.path());
        std::fs::write(folder.summary(), cajal_data::mutate::mutate_bytes(summary, &summary_edits)).unwrap();
        std::fs::write(folder.spikes("E"), cajal_data::mutate::mutate_bytes(spikes, &spike_edits)).unwrap();
        exercise(dir.path(), &opt);
    }
}
