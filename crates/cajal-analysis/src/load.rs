//! Reading spike data: a Cajal run folder, NPZ/NPY spike files, or CSV (`time,sender`).

use crate::spikes::{Group, SpikeData};
use crate::AnalysisError;
use cajal_data::{extension, read_csv_rows, read_npy_rows, read_npz_numbers};
use std::path::Path;

/// How to read spike files that do not say their own window or size.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Start of the window (ms); default 0.
    pub t_start: Option<f64>,
    /// End of the window (ms); default: the run's duration, or the last spike of a file.
    pub t_stop: Option<f64>,
    /// Number of neurons; default: the population sizes of a run, or the largest sender + 1.
    pub neurons: Option<usize>,
}

/// Reads spike data from `path`: a run folder (`summary.json` + `spikes/*.npz`), a `.npz`
/// (`times` in ms and `senders`), a `.npy` (N×2: time, sender) or a `.csv` (`time,sender`).
pub fn load(path: &Path, opt: &LoadOptions) -> Result<SpikeData, AnalysisError> {
    let name = path.display().to_string();
    if path.is_dir() {
        return load_run(path, opt);
    }
    if !path.exists() {
        return Err(AnalysisError::Input(format!(
            "{name}: no such file or folder; give a Cajal run folder (with summary.json), \
             or a .npz, .npy or .csv spike file"
        )));
    }
    let (times, senders) = match extension(path).as_str() {
        "npz" => (
            read_npz_numbers(path, "times")?,
            read_npz_numbers(path, "senders")?,
        ),
        "npy" => columns(&name, read_npy_rows(path)?, None)?,
        "csv" | "txt" => {
            let (rows, lines) = read_csv_rows(path)?;
            columns(&name, rows, Some(&lines))?
        }
        "nwb" => {
            return Err(AnalysisError::Input(format!(
                "{name}: an NWB file (HDF5) is read through pynwb by the Python package: install \
                 it (`pip install . pynwb` in the Cajal repository) and run `python -m cajal \
                 analyze {name}` or `cajal.analysis.analyze_nwb` there"
            )))
        }
        other => {
            return Err(AnalysisError::Input(format!(
                "{name}: unknown spike file type '.{other}'; use .npz (times, senders), \
                 .npy (N×2) or .csv (time,sender)"
            )))
        }
    };
    if times.is_empty() {
        return Err(AnalysisError::Input(format!(
            "{name}: the file holds no spikes; there is nothing to analyse"
        )));
    }
    let max_sender = senders.iter().copied().fold(0.0f64, f64::max);
    let n = match opt.neurons {
        Some(n) => n,
        None if max_sender.is_finite() => max_sender as usize + 1,
        None => 0,
    };
    let t_start = opt.t_start.unwrap_or(0.0);
    let t_stop = opt
        .t_stop
        .unwrap_or_else(|| times.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    SpikeData::from_events(&name, &times, &senders, n, t_start, t_stop)
}

/// Splits rows of (time, sender) into two columns; `lines` (a CSV file's) names a row by its
/// line (from 1), otherwise by its index (from 0).
fn columns(
    name: &str,
    rows: Vec<Vec<f64>>,
    lines: Option<&[usize]>,
) -> Result<(Vec<f64>, Vec<f64>), AnalysisError> {
    let mut times = Vec::with_capacity(rows.len());
    let mut senders = Vec::with_capacity(rows.len());
    for (k, r) in rows.iter().enumerate() {
        if r.len() != 2 {
            let place = match lines.and_then(|l| l.get(k)) {
                Some(line) => format!("line {line}"),
                None => format!("row {k}"),
            };
            return Err(AnalysisError::Input(format!(
                "{name}: {place}: expected 2 columns (time in ms, sender), found {}",
                r.len()
            )));
        }
        times.push(r[0]);
        senders.push(r[1]);
    }
    Ok((times, senders))
}

/// Reads a Cajal run folder: every population whose spikes were recorded, over [0, duration].
/// Only recorded neurons are included (the `neurons` array of each spike file).
fn load_run(dir: &Path, opt: &LoadOptions) -> Result<SpikeData, AnalysisError> {
    let folder = cajal_data::RunFolder::new(dir);
    let summary = folder.read_summary().map_err(|e| match e {
        cajal_data::DataError::Io { path, source } => AnalysisError::Input(format!(
            "{}: {source}; a run folder is what `cajal run --out DIR` writes",
            path.display()
        )),
        other => AnalysisError::Input(other.to_string()),
    })?;
    let t_start = opt.t_start.unwrap_or(0.0);
    let t_stop = opt.t_stop.unwrap_or(summary.duration_ms);
    let mut data = SpikeData {
        t_start,
        t_stop,
        trains: Vec::new(),
        groups: Vec::new(),
        ids: Vec::new(),
    };
    let mut first_gid = 0u32;
    for p in &summary.populations {
        let f = folder.spikes(&p.name);
        let read = folder
            .read_spikes(&p.name)
            .map_err(|e| AnalysisError::Input(e.to_string()))?;
        if let Some(file) = read {
            let times = file.times;
            let senders: Vec<f64> = file.senders.iter().map(|&s| s as f64).collect();
            let neurons = file.neurons.unwrap_or_else(|| (0..p.size as u32).collect());
            if let Some(bad) = neurons.iter().find(|&&i| i as usize >= p.size) {
                return Err(AnalysisError::Input(format!(
                    "{}: neurons lists {bad}, outside population '{}' of {} neurons \
                     (summary.json)",
                    f.display(),
                    p.name,
                    p.size
                )));
            }
            let pop = SpikeData::from_events(
                &f.display().to_string(),
                &times,
                &senders,
                p.size,
                t_start,
                t_stop,
            )?;
            let mut trains = pop.trains;
            data.groups.push(Group {
                name: p.name.clone(),
                first: data.trains.len(),
                size: neurons.len(),
            });
            for &i in &neurons {
                data.trains.push(std::mem::take(&mut trains[i as usize]));
                data.ids.push(first_gid + i);
            }
        }
        first_gid = u32::try_from(p.size)
            .ok()
            .and_then(|n| first_gid.checked_add(n))
            .ok_or_else(|| {
                AnalysisError::Input(format!(
                    "{}: the populations hold more than 2^32 neurons; summary.json is damaged",
                    folder.summary().display()
                ))
            })?;
    }
    if data.trains.is_empty() {
        return Err(AnalysisError::Input(format!(
            "{}: no population recorded spikes (no spikes/*.npz); add a [[record]] with \
             spikes = true to the model",
            dir.display()
        )));
    }
    Ok(data)
}
