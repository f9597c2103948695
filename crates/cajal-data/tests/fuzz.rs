//! Fuzzing the data readers: random bytes and mutations of valid NPZ, NPY and CSV files never make
//! them panic, hang or allocate without bound; they return an error or data. The number of cases
//! follows PROPTEST_CASES (the default keeps CI short; longer campaigns are stated in the notes).

use cajal_data::*;
use proptest::prelude::*;
use std::path::Path;

fn read_all(path: &Path) {
    let _ = read_npz_f64(path, "times");
    let _ = read_npz_u32(path, "senders");
    let _ = read_npz_numbers(path, "weights");
    let _ = read_npz_f64_matrix(path, "history");
    let _ = read_npy_rows(path);
    let _ = read_csv_rows(path);
    let _ = read_connection_list(path);
}

/// A valid NPZ (as Cajal writes it) and a valid NPY with NumPy's header layout.
fn valid_files(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let npz = dir.join("valid.npz");
    write_npz(
        &npz,
        &[
            ("times", NpzArray::F64(&[1.0, 2.5, 3.0])),
            ("senders", NpzArray::U32(&[0, 3, 1])),
            ("history", NpzArray::F64Matrix(&[1.0, 2.0, 3.0, 4.0], 2, 2)),
        ],
    )
    .unwrap();
    (std::fs::read(&npz).unwrap(), npy_bytes("(2, 2)", 4))
}

fn npy_bytes(shape: &str, values: usize) -> Vec<u8> {
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    let mut h = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    npy.extend_from_slice(&(h.len() as u16).to_le_bytes());
    npy.extend_from_slice(h.as_bytes());
    for i in 0..values {
        npy.extend_from_slice(&(i as f64).to_le_bytes());
    }
    npy
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_crash_a_reader(bytes in proptest::collection::vec(any::<u8>(), 0..2048),
                                         ext in 0usize..4) {
        let dir = tempfile::tempdir().unwrap();
        let name = ["x.npz", "x.npy", "x.csv", "x.bin"][ext];
        let p = dir.path().join(name);
        std::fs::write(&p, &bytes).unwrap();
        read_all(&p);
    }

    #[test]
    fn mutated_valid_files_never_crash_a_reader(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6),
        which in 0usize..3,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (npz, npy) = valid_files(dir.path());
        let csv = b"source,target,weight,delay\n0,1,0.5,1.0\n2,3,-1.5,2.0\n".to_vec();
        let (base, name) = [(npz, "m.npz"), (npy, "m.npy"), (csv, "m.csv")][which].clone();
        let p = dir.path().join(name);
        std::fs::write(&p, cajal_data::mutate::mutate_bytes(base, &edits)).unwrap();
        read_all(&p);
    }
}

#[test]
fn a_header_claiming_a_huge_array_is_refused_without_allocating_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.npy");
    std::fs::write(&p, npy_bytes("(999999999999, 2)", 4)).unwrap();
    assert!(read_npy_rows(&p).is_err());
}
