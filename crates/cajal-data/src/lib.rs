//! Cajal's data readers and writers: NumPy files (NPY, NPZ), CSV connection lists, and atomic
//! file writing (nothing a user saved is ever half-written), and the IDX image datasets (MNIST,
//! Fashion-MNIST) of [`idx`], and the framed binary layout of checkpoints ([`frame`]).

pub mod frame;
pub mod idx;
pub mod mutate;
pub mod run_folder;
pub use run_folder::{
    connectivity_crc32, file_stem, PopulationSummary, ProcessSummary, RunFolder, RunSummary,
    SpikeFile, WallTime, WeightsFile,
};

use ndarray::{Array1, Array2};
use ndarray_npy::{NpzWriter, ReadNpyExt};
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// An error reading or writing data, naming the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file's content is not what was expected.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        message: String,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DataError + '_ {
    move |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn format_err(path: &Path, message: impl Into<String>) -> DataError {
    DataError::Format {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Writes `path` atomically: the content goes to a temporary file in the same folder, which is
/// flushed to disk and then renamed over `path` (and the folder synced, where the platform allows,
/// so the rename itself is durable). A crash leaves either the old file or the new one.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> Result<(), DataError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        write(&mut f)?;
        f.flush()?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(dir) {
            // best effort: not every platform can sync a folder
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io_err(path))
}

/// One named array of an NPZ file.
pub enum NpzArray<'a> {
    /// float64
    F64(&'a [f64]),
    /// uint32
    U32(&'a [u32]),
    /// float64 matrix, row-major, with its shape (rows, columns)
    F64Matrix(&'a [f64], usize, usize),
}

/// Writes an uncompressed NPZ file (as `numpy.savez`) atomically.
pub fn write_npz(path: &Path, arrays: &[(&str, NpzArray)]) -> Result<(), DataError> {
    write_atomic(path, |f| {
        let mut npz = NpzWriter::new(f);
        for (name, a) in arrays {
            let r = match a {
                NpzArray::F64(v) => npz.add_array(*name, &Array1::from(v.to_vec())),
                NpzArray::U32(v) => npz.add_array(*name, &Array1::from(v.to_vec())),
                NpzArray::F64Matrix(v, rows, cols) => {
                    let a = ndarray::Array2::from_shape_vec((*rows, *cols), v.to_vec())
                        .map_err(std::io::Error::other)?;
                    npz.add_array(*name, &a)
                }
            };
            r.map_err(std::io::Error::other)?;
        }
        npz.finish().map_err(std::io::Error::other)?;
        Ok(())
    })
}

/// Checks an NPY array's header against the bytes that follow it, so that a damaged or hostile
/// header cannot make the reader allocate more than the file holds.
fn check_npy(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not an NPY array (no \\x93NUMPY magic)".into());
    }
    let (len, start): (usize, usize) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(format!("NPY format version {v} is not supported")),
    };
    let end = start
        .checked_add(len)
        .filter(|&e| e <= bytes.len())
        .ok_or("the NPY header runs past the end of the data")?;
    let header = String::from_utf8_lossy(&bytes[start..end]);
    let field = |key: &str| header.find(key).map(|i| &header[i + key.len()..]);
    let descr = field("'descr':").ok_or("the NPY header has no 'descr'")?;
    let descr = descr
        .split('\'')
        .nth(1)
        .ok_or("the NPY header's 'descr' is not a string")?;
    let item: u128 = descr
        .trim_start_matches(['<', '>', '|', '='])
        .get(1..)
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| format!("unsupported NPY element type '{descr}'"))?;
    let shape = field("'shape':").ok_or("the NPY header has no 'shape'")?;
    let shape = shape
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .ok_or("the NPY header's 'shape' is not a tuple")?
        .0;
    let mut count: u128 = 1;
    for d in shape.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let d: u128 = d.parse().map_err(|_| format!("bad NPY dimension '{d}'"))?;
        count = count.saturating_mul(d);
    }
    let need = count.saturating_mul(item);
    let have = (bytes.len() - end) as u128;
    if need > have {
        return Err(format!(
            "the NPY header announces {count} values ({need} bytes) but only {have} bytes follow: \
             the file is truncated or damaged"
        ));
    }
    Ok(())
}

/// The bytes of array `name` (with or without `.npy`) of an NPZ file, checked with [`check_npy`].
fn npz_entry(path: &Path, name: &str) -> Result<Vec<u8>, DataError> {
    use std::io::Read;
    let f = File::open(path).map_err(io_err(path))?;
    let mut zip = zip::ZipArchive::new(f)
        .map_err(|e| format_err(path, format!("not an NPZ (zip) file: {e}")))?;
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let entry = [format!("{name}.npy"), name.to_string()]
        .into_iter()
        .find(|n| names.contains(n))
        .ok_or_else(|| {
            let arrays: Vec<&str> = names.iter().map(|n| n.trim_end_matches(".npy")).collect();
            format_err(
                path,
                format!(
                    "no array '{name}' (it has: {}); save it with numpy.savez(path, {name}=...)",
                    arrays.join(", ")
                ),
            )
        })?;
    let mut file = zip
        .by_name(&entry)
        .map_err(|e| format_err(path, format!("array '{name}': {e}")))?;
    let declared = file.size();
    let mut bytes = Vec::new();
    // grows with the data actually there, never with what a header claims
    (&mut file)
        .take(declared)
        .read_to_end(&mut bytes)
        .map_err(|e| format_err(path, format!("array '{name}': {e}")))?;
    check_npy(&bytes).map_err(|m| format_err(path, format!("array '{name}': {m}")))?;
    Ok(bytes)
}

/// Reads the 1-D array `name` of element type `T` from an NPZ file.
fn read_npz_1d<T: ndarray_npy::ReadableElement + Clone>(
    path: &Path,
    name: &str,
) -> Result<Vec<T>, DataError> {
    let bytes = npz_entry(path, name)?;
    let a = Array1::<T>::read_npy(std::io::Cursor::new(bytes))
        .map_err(|e| format_err(path, format!("array '{name}': {e}")))?;
    Ok(a.to_vec())
}

/// Reads a 1-D float64 array from an NPZ file (used by tests and by users' scripts alike).
pub fn read_npz_f64(path: &Path, name: &str) -> Result<Vec<f64>, DataError> {
    read_npz_1d(path, name)
}

/// Reads a 2-D float64 array from an NPZ file as `(rows, columns, row-major values)`.
pub fn read_npz_f64_matrix(path: &Path, name: &str) -> Result<(usize, usize, Vec<f64>), DataError> {
    let bytes = npz_entry(path, name)?;
    let a = ndarray::Array2::<f64>::read_npy(std::io::Cursor::new(bytes))
        .map_err(|e| format_err(path, format!("array '{name}': {e}")))?;
    let (r, c) = a.dim();
    Ok((r, c, a.iter().copied().collect()))
}

/// Reads a 1-D uint32 array from an NPZ file.
pub fn read_npz_u32(path: &Path, name: &str) -> Result<Vec<u32>, DataError> {
    read_npz_1d(path, name)
}

/// An explicit list of synapses: (source, target) pairs and optional weights and delays.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConnectionList {
    /// Source index in the source population.
    pub sources: Vec<u32>,
    /// Target index in the target population.
    pub targets: Vec<u32>,
    /// Weights, if the file has a third column.
    pub weights: Option<Vec<f64>>,
    /// Delays in ms, if the file has a fourth column.
    pub delays: Option<Vec<f64>>,
    /// For a CSV file, the line (from 1) of each row, for messages about a row; `None` for NPY,
    /// whose rows are named by their index (from 0).
    pub lines: Option<Vec<usize>>,
}

impl ConnectionList {
    /// How a message names row `k` (from 0): `line N` of a CSV file, or `row k` of an array.
    pub fn row_name(&self, k: usize) -> String {
        row_name(self.lines.as_deref(), k)
    }
}

/// How a message names row `k` (from 0) of a list read from a file: `line N` when `lines` gives
/// each row's line (a CSV file), else `row k`.
pub fn row_name(lines: Option<&[usize]>, k: usize) -> String {
    match lines.and_then(|l| l.get(k)) {
        Some(line) => format!("line {line}"),
        None => format!("row {k}"),
    }
}

fn index_value(path: &Path, row: &str, col: &str, v: f64) -> Result<u32, DataError> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= u32::MAX as f64 {
        Ok(v as u32)
    } else {
        Err(format_err(
            path,
            format!("{row}: {col} must be a whole number >= 0 (got {v})"),
        ))
    }
}

/// The list of `rows`; `lines`, for a CSV file, the line of each row.
fn from_rows(
    path: &Path,
    rows: Vec<Vec<f64>>,
    lines: Option<Vec<usize>>,
) -> Result<ConnectionList, DataError> {
    let cols = rows.first().map(|r| r.len()).unwrap_or(2);
    if !(2..=4).contains(&cols) {
        return Err(format_err(
            path,
            format!("expected 2 to 4 columns (source, target[, weight[, delay]]), found {cols}"),
        ));
    }
    let mut list = ConnectionList {
        weights: (cols >= 3).then(Vec::new),
        delays: (cols >= 4).then(Vec::new),
        lines,
        ..Default::default()
    };
    for (k, r) in rows.iter().enumerate() {
        let row = list.row_name(k);
        if r.len() != cols {
            return Err(format_err(
                path,
                format!("{row}: {} columns, expected {cols}", r.len()),
            ));
        }
        list.sources.push(index_value(path, &row, "source", r[0])?);
        list.targets.push(index_value(path, &row, "target", r[1])?);
        for (c, dest) in [(2, &mut list.weights), (3, &mut list.delays)] {
            if let Some(d) = dest.as_mut() {
                if !r[c].is_finite() {
                    return Err(format_err(
                        path,
                        format!("{row}: column {} is not a finite number", c + 1),
                    ));
                }
                d.push(r[c]);
            }
        }
    }
    Ok(list)
}

/// Reads a connection list from CSV (`source,target[,weight[,delay]]`, optional header line,
/// `#` comments) or NPY (a 2-D array of 2 to 4 columns, float or integer).
pub fn read_connection_list(path: &Path) -> Result<ConnectionList, DataError> {
    match extension(path).as_str() {
        "csv" | "txt" => {
            let (rows, lines) = read_csv_rows(path)?;
            from_rows(path, rows, Some(lines))
        }
        "npy" => from_rows(path, read_npy_rows(path)?, None),
        _ => Err(format_err(
            path,
            "connection lists must be .csv or .npy files",
        )),
    }
}

/// The lower-case extension of `path` ("" if none).
pub fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Reads a CSV file of numbers: comma-separated fields, `#` comments and blank lines skipped, an
/// optional header on the first line. Returns the rows and the line (from 1) of each.
pub fn read_csv_rows(path: &Path) -> Result<(Vec<Vec<f64>>, Vec<usize>), DataError> {
    let f = File::open(path).map_err(io_err(path))?;
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for (ln, line) in BufReader::new(f).lines().enumerate() {
        let line = line.map_err(io_err(path))?;
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = t.split(',').map(str::trim).collect();
        let parsed: Result<Vec<f64>, _> = fields.iter().map(|s| s.parse::<f64>()).collect();
        match parsed {
            Ok(v) => {
                lines.push(ln + 1);
                rows.push(v);
            }
            // a header names its columns: every field starts with a letter (a field that
            // starts like a number, `2O.0` for 20.0, is a typo in the first row, not a name)
            Err(_) if rows.is_empty() && ln == 0 && is_header(&fields) => {}
            Err(_) => {
                return Err(format_err(
                    path,
                    format!("line {}: not a list of numbers: '{t}'", ln + 1),
                ));
            }
        }
    }
    Ok((rows, lines))
}

/// A header line: every field is a name (starts with a letter or `_`), e.g. `source,target`.
fn is_header(fields: &[&str]) -> bool {
    fields
        .iter()
        .all(|f| f.starts_with(|c: char| c.is_alphabetic() || c == '_'))
        && fields.iter().all(|f| f.parse::<f64>().is_err())
}

fn rows_as_f64<T: Copy + Into<f64>>(a: Array2<T>) -> Vec<Vec<f64>> {
    a.rows()
        .into_iter()
        .map(|r| r.iter().map(|&x| x.into()).collect())
        .collect()
}

/// Reads a 2-D NPY array (float64, float32, int64, int32 or uint32) as rows of float64.
pub fn read_npy_rows(path: &Path) -> Result<Vec<Vec<f64>>, DataError> {
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    check_npy(&bytes).map_err(|m| format_err(path, m))?;
    let open = || -> Result<_, DataError> { Ok(std::io::Cursor::new(&bytes[..])) };
    if let Ok(a) = Array2::<f64>::read_npy(open()?) {
        Ok(rows_as_f64(a))
    } else if let Ok(a) = Array2::<i64>::read_npy(open()?) {
        Ok(a.rows()
            .into_iter()
            .map(|r| r.iter().map(|&x| x as f64).collect())
            .collect())
    } else if let Ok(a) = Array2::<i32>::read_npy(open()?) {
        Ok(rows_as_f64(a))
    } else if let Ok(a) = Array2::<u32>::read_npy(open()?) {
        Ok(rows_as_f64(a))
    } else if let Ok(a) = Array2::<f32>::read_npy(open()?) {
        Ok(rows_as_f64(a))
    } else {
        Err(format_err(
            path,
            "not a 2-D NPY array of float64, float32, int64, int32 or uint32 \
             (save it with numpy.save(path, np.asarray(rows)))",
        ))
    }
}

/// Reads the 1-D array `name` of an NPZ file as float64, whatever its numeric type (float64,
/// float32, int64, int32, uint64, uint32), so files written by NumPy with default types load.
pub fn read_npz_numbers(path: &Path, name: &str) -> Result<Vec<f64>, DataError> {
    let bytes = npz_entry(path, name)?;
    macro_rules! try_type {
        ($t:ty) => {
            if let Ok(a) = Array1::<$t>::read_npy(std::io::Cursor::new(&bytes[..])) {
                #[allow(clippy::unnecessary_cast)]
                return Ok(a.iter().map(|&x| x as f64).collect());
            }
        };
    }
    try_type!(f64);
    try_type!(f32);
    try_type!(i64);
    try_type!(i32);
    try_type!(u64);
    try_type!(u32);
    Err(format_err(
        path,
        format!("array '{name}' is not a 1-D array of numbers (float or integer)"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray_npy::WriteNpyExt;

    #[test]
    fn csv_with_header_and_comments_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.csv");
        std::fs::write(
            &p,
            "source,target,weight\n# a comment\n0,1,0.5\n2, 3, -1.5\n",
        )
        .unwrap();
        let l = read_connection_list(&p).unwrap();
        assert_eq!(l.sources, vec![0, 2]);
        assert_eq!(l.targets, vec![1, 3]);
        assert_eq!(l.weights, Some(vec![0.5, -1.5]));
        assert_eq!(l.delays, None);
    }

    #[test]
    fn csv_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.csv");
        std::fs::write(&p, "0,1\n1,x\n").unwrap();
        let e = read_connection_list(&p).unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
        std::fs::write(&p, "0,1\n-1,2\n").unwrap();
        let e = read_connection_list(&p).unwrap_err().to_string();
        assert!(e.contains("source must be a whole number"), "{e}");
    }

    #[test]
    fn npy_integer_and_float_lists_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.npy");
        let a = ndarray::arr2(&[[0i64, 1], [1, 0]]);
        a.write_npy(File::create(&p).unwrap()).unwrap();
        let l = read_connection_list(&p).unwrap();
        assert_eq!((l.sources, l.targets), (vec![0, 1], vec![1, 0]));
        let b = ndarray::arr2(&[[0.0, 1.0, 2.0, 1.5]]);
        b.write_npy(File::create(&p).unwrap()).unwrap();
        let l = read_connection_list(&p).unwrap();
        assert_eq!(l.delays, Some(vec![1.5]));
    }

    #[test]
    fn npz_round_trip_and_atomic_replace() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.npz");
        write_npz(
            &p,
            &[
                ("times", NpzArray::F64(&[1.0, 2.5])),
                ("senders", NpzArray::U32(&[3, 4])),
            ],
        )
        .unwrap();
        assert_eq!(read_npz_f64(&p, "times").unwrap(), vec![1.0, 2.5]);
        assert_eq!(read_npz_u32(&p, "senders").unwrap(), vec![3, 4]);
        // a failing writer leaves the previous file intact and no temporary behind
        let r = write_atomic(&p, |_| Err(std::io::Error::other("disk full")));
        assert!(r.is_err());
        assert_eq!(read_npz_f64(&p, "times").unwrap(), vec![1.0, 2.5]);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
